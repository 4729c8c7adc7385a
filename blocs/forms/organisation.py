"""Forms of the blocs pages: validation and normalisation only; the services save.

Every message names the field and the rule, so that a user reading it under the field (or
in a list of errors) knows what to change.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from blocs.models import Bloc, BlocKind, LeaveReason, Membership, Unit
from thidua.lib import forms as vn_forms


def _text(label: str, *, max_length: int, required: bool = True, **kwargs) -> vn_forms.TextField:
    return vn_forms.TextField(
        label=label,
        max_length=max_length,
        required=required,
        error_messages={
            "required": f"{label} không được để trống.",
            "max_length": f"{label} dài tối đa %(limit_value)d ký tự (đang có %(show_value)d ký tự).",
        },
        **kwargs,
    )


class LabelledDateField(vn_forms.DateField):
    """A dd/mm/yyyy date whose errors start with the field's label."""

    def __init__(self, *, label: str, required: bool = True, **kwargs):
        super().__init__(
            label=label,
            required=required,
            error_messages={"required": f"{label} không được để trống."},
            **kwargs,
        )

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError as exc:
            raise ValidationError(f"{self.label}: {exc.messages[0]}", code="invalid") from exc


class UnitChoiceField(forms.ModelChoiceField):
    """A unit picked from a list, shown by its name."""

    def __init__(
        self, queryset: QuerySet[Unit], *, label: str, required: bool = True, invalid: str, **kwargs
    ):
        super().__init__(
            queryset=queryset,
            label=label,
            required=required,
            empty_label="— Chọn đơn vị —" if required else "— Không có —",
            error_messages={"required": f"Chọn {label.lower()}.", "invalid_choice": invalid},
            **kwargs,
        )

    def label_from_instance(self, obj: Unit) -> str:
        return f"{obj.name} ({obj.code})"


class BlocFilterForm(forms.Form):
    """Search and filters of the bloc list (GET); bad values are ignored, never an error page."""

    q = forms.CharField(label="Tìm theo tên", required=False, max_length=100)
    kind = forms.ChoiceField(label="Loại", required=False, choices=[("", "Tất cả"), *BlocKind.choices])
    organiser = forms.TypedChoiceField(label="Cấp tổ chức", required=False, coerce=int, empty_value=None)

    def __init__(self, *args, organisers: list[Unit], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update({"placeholder": "Ví dụ: khoi thi dua so 2", "type": "search"})
        self.fields["organiser"].choices = [("", "Tất cả"), *((u.pk, u.name) for u in organisers)]

    def filters(self) -> dict:
        """The valid filters; a missing or invalid one is simply not applied."""
        self.is_valid()
        data = self.cleaned_data  # holds only the fields that validated
        return {
            "query": data.get("q") or "",
            "kind": data.get("kind") or "",
            "organiser_id": data.get("organiser"),
        }


class BlocForm(forms.Form):
    name = _text("Tên khối/cụm", max_length=200, help_text="Ví dụ: Khối thi đua số 2.")
    kind = forms.ChoiceField(
        label="Loại",
        choices=BlocKind.choices,
        initial=BlocKind.BLOC,
        error_messages={
            "required": "Chọn loại khối/cụm.",
            "invalid_choice": "Loại “%(value)s” không hợp lệ: chọn Khối thi đua hoặc Cụm thi đua.",
        },
    )
    organiser = UnitChoiceField(
        Unit.objects.none(),
        label="Cấp tổ chức",
        invalid="Cấp tổ chức đã chọn không có trong danh sách đơn vị đang hoạt động.",
        help_text="Đơn vị đã ra quyết định thành lập khối/cụm, ví dụ Bộ Quốc phòng.",
    )
    decision_number = _text(
        "Số quyết định thành lập", max_length=60, required=False, help_text="Ví dụ: 1200/QĐ-BQP."
    )
    decision_date = LabelledDateField(label="Ngày quyết định", required=False)
    decision_issuer = _text("Cơ quan ban hành", max_length=200, required=False)
    description = _text("Ghi chú", max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    is_active = forms.BooleanField(label="Đang hoạt động", required=False, initial=True)

    def __init__(self, *args, bloc: Bloc | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # An inactive organiser stays selectable on the bloc that already has it.
        condition = Q(is_active=True)
        if bloc is not None:
            condition |= Q(pk=bloc.organiser_id)
        self.fields["organiser"].queryset = Unit.objects.filter(condition).in_vietnamese_order()


class MembershipAddForm(forms.Form):
    unit = UnitChoiceField(
        Unit.objects.none(),
        label="Đơn vị",
        invalid="Đơn vị đã chọn không có trong danh sách: chỉ chọn được đơn vị đang hoạt động và chưa là thành viên.",
    )
    joined_on = LabelledDateField(label="Ngày tham gia")
    note = _text("Ghi chú", max_length=300, required=False)

    def __init__(self, *args, bloc: Bloc, **kwargs):
        super().__init__(*args, **kwargs)
        members = Membership.objects.filter(bloc=bloc, left_on__isnull=True).values("unit_id")
        self.fields["unit"].queryset = Unit.objects.active().exclude(pk__in=members).in_vietnamese_order()


class MembershipEndForm(forms.Form):
    left_on = LabelledDateField(label="Ngày rời")
    reason = forms.ChoiceField(
        label="Lý do rời",
        choices=LeaveReason.choices,
        initial=LeaveReason.LEFT,
        error_messages={
            "required": "Chọn lý do rời.",
            "invalid_choice": "Lý do rời “%(value)s” không hợp lệ: chọn một lý do trong danh sách.",
        },
    )
    note = _text("Ghi chú", max_length=300, required=False, help_text="Ví dụ: số quyết định sáp nhập.")


class ChairTermForm(forms.Form):
    year = forms.IntegerField(
        label="Năm",
        min_value=1945,
        max_value=2200,
        error_messages={
            "required": "Năm không được để trống.",
            "invalid": "Năm phải là một số, ví dụ 2025.",
            "min_value": "Năm phải từ %(limit_value)s trở đi.",
            "max_value": "Năm phải trước hoặc bằng %(limit_value)s.",
        },
    )
    chair = UnitChoiceField(
        Unit.objects.none(),
        label="Đơn vị trưởng",
        invalid="Đơn vị trưởng phải là một đơn vị thành viên của khối/cụm này.",
    )
    deputy = UnitChoiceField(
        Unit.objects.none(),
        label="Đơn vị phó",
        required=False,
        invalid="Đơn vị phó phải là một đơn vị thành viên của khối/cụm này.",
    )
    decided_on = LabelledDateField(label="Ngày quyết định", required=False)
    reason = _text(
        "Căn cứ/lý do",
        max_length=500,
        required=False,
        help_text="Ví dụ: suy tôn tại hội nghị tổng kết năm trước.",
    )

    def __init__(self, *args, bloc: Bloc, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].widget.attrs.update({"inputmode": "numeric"})
        # Every unit that has been a member at some time; the service checks the year.
        members = Unit.objects.filter(pk__in=Membership.objects.filter(bloc=bloc).values("unit_id"))
        self.fields["chair"].queryset = members.in_vietnamese_order()
        self.fields["deputy"].queryset = members.in_vietnamese_order()
