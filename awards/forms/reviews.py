"""Forms of the review pages: validation and normalisation only (NFC text, dd/mm/yyyy dates,
units picked among the bloc's members); the services save and check the domain rules again.
Every message names the field and the rule."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from awards.models import Attendance, Review, ReviewKind
from awards.services.reviews import MAX_BODY, MAX_PERSON, MAX_PLACE, MAX_REASON, date_rule, date_window
from blocs.models import Unit
from campaigns.models import Campaign
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


class _DateField(vn_forms.DateField):
    """A dd/mm/yyyy date whose errors start with the field's label."""

    def __init__(self, *, label: str, **kwargs):
        super().__init__(label=label, error_messages={"required": f"{label} không được để trống."}, **kwargs)

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError as exc:
            raise ValidationError(f"{self.label}: {exc.messages[0]}", code="invalid") from exc


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return obj.name


def _unit_field(
    queryset: QuerySet[Unit], *, label: str, required: bool, invalid: str, **kwargs
) -> UnitChoiceField:
    return UnitChoiceField(
        queryset,
        label=label,
        required=required,
        empty_label="— Chọn đơn vị —" if required else "— Không có —",
        error_messages={"required": f"Chọn {label.lower()}.", "invalid_choice": invalid},
        **kwargs,
    )


class ReviewForm(forms.Form):
    """A review's kind (when creating), date, place, host unit and chairperson."""

    kind = forms.ChoiceField(
        label="Loại hội nghị",
        choices=ReviewKind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Chọn loại hội nghị.",
            "invalid_choice": "Loại hội nghị phải là sơ kết 6 tháng đầu năm hoặc tổng kết năm.",
        },
    )
    held_on = _DateField(label="Ngày tổ chức")
    place = _text("Địa điểm", max_length=MAX_PLACE, help_text="Ví dụ: Hội trường Bộ Tư lệnh Quân khu 1.")
    host_unit = forms.Field(required=False)  # replaced in __init__ by the members of the bloc
    chaired_by = _text(
        "Chủ trì hội nghị",
        max_length=MAX_PERSON,
        required=False,
        help_text="Họ tên, cấp bậc, chức vụ người chủ trì (ví dụ: Đại tá Nguyễn Văn A, Phó Chính ủy).",
    )

    def __init__(
        self,
        *args,
        campaign: Campaign,
        members: QuerySet[Unit],
        taken: set[str] = frozenset(),
        review: Review | None = None,
        **kwargs,
    ):
        """`members`: the units that may host (the bloc's members around the campaign's year);
        `taken`: the kinds the campaign already has a review of."""
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.taken = set(taken)
        self.review = review
        self.fields["host_unit"] = _unit_field(
            members,
            label="Đơn vị đăng cai",
            required=False,
            invalid=f"Đơn vị đăng cai phải là một đơn vị thành viên của {campaign.bloc.name}.",
        )
        if review is not None:
            del self.fields["kind"]
        else:
            # Offer the kinds still free; a taken one sent anyway is refused by name (clean_kind).
            free = [(value, label) for value, label in ReviewKind.choices if value not in self.taken]
            if free:
                self.fields["kind"].widget.choices = free
        self.fields["held_on"].help_text = (
            f"Ngày/tháng/năm; sơ kết {date_rule(campaign, ReviewKind.SO_KET)}, "
            f"tổng kết {date_rule(campaign, ReviewKind.TONG_KET)}."
        )

    @classmethod
    def initial_for(cls, review: Review) -> dict:
        return {
            "held_on": review.held_on,
            "place": review.place,
            "host_unit": review.host_unit_id,
            "chaired_by": review.chaired_by,
        }

    def clean_kind(self) -> str:
        kind = self.cleaned_data["kind"]
        if kind in self.taken:
            raise ValidationError(f"{self.campaign.name} đã có hội nghị {ReviewKind(kind).label.lower()}.")
        return kind

    def clean(self):
        data = super().clean()
        kind = self.review.kind if self.review is not None else data.get("kind")
        held_on = data.get("held_on")
        if kind and held_on:
            first, last = date_window(self.campaign, kind)
            if not first <= held_on <= last:
                word = "Sơ kết" if kind == ReviewKind.SO_KET else "Tổng kết"
                self.add_error(
                    "held_on",
                    f"Ngày tổ chức: {word} phải tổ chức {date_rule(self.campaign, kind)} "
                    f"({held_on:%d/%m/%Y} nằm ngoài).",
                )
        return data


class AttendanceForm(forms.Form):
    """Which member units attended and who represented each."""

    present = forms.MultipleChoiceField(
        label="Đơn vị có mặt",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": "Đơn vị (mã %(value)s) không có trong danh sách thành viên dự hội nghị.",
            "invalid_list": "Danh sách đơn vị có mặt không hợp lệ.",
        },
    )

    def __init__(self, *args, rows: list[Attendance], **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        self.fields["present"].choices = [(str(row.unit_id), row.unit.name) for row in rows]
        for row in rows:
            self.fields[f"representative_{row.unit_id}"] = _text(
                f"Người dự của {row.unit.name}",
                max_length=MAX_PERSON,
                required=False,
                widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
            )

    @classmethod
    def initial_for(cls, rows: list[Attendance]) -> dict:
        initial: dict = {"present": [str(row.unit_id) for row in rows if row.present]}
        for row in rows:
            initial[f"representative_{row.unit_id}"] = row.representative
        return initial

    @property
    def lines(self):
        """(attendance row, its representative field, whether it is ticked) for the table."""
        ticked = set(self["present"].value() or [])
        return [(row, self[f"representative_{row.unit_id}"], str(row.unit_id) in ticked) for row in self.rows]

    def clean(self):
        data = super().clean()
        if "present" in data and not data["present"]:
            self.add_error("present", "Đánh dấu ít nhất một đơn vị có mặt tại hội nghị.")
        return data

    def cleaned_attendance(self) -> tuple[dict[int, bool], dict[int, str]]:
        ticked = {int(value) for value in self.cleaned_data["present"]}
        present = {row.unit_id: row.unit_id in ticked for row in self.rows}
        representatives = {
            row.unit_id: self.cleaned_data.get(f"representative_{row.unit_id}") or "" for row in self.rows
        }
        return present, representatives


class SectionForm(forms.Form):
    body = _text("Nội dung", max_length=MAX_BODY, widget=forms.Textarea(attrs={"rows": 18}))

    def __init__(self, *args, title: str, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["body"]
        field.label = f"Nội dung mục “{title}”"
        field.error_messages = {
            "required": f"Nội dung mục “{title}” không được để trống.",
            "max_length": f"Nội dung mục “{title}” dài tối đa %(limit_value)d ký tự (đang có %(show_value)d ký tự).",
        }


class CloseForm(forms.Form):
    """Confirmation of closing, and for a tổng kết next year's chair and deputy (pre-selected
    with the proposal; another choice needs a reason)."""

    confirm = forms.BooleanField(
        label="Tôi đã kiểm tra và xác nhận chốt kết quả",
        error_messages={"required": "Đánh dấu ô xác nhận để chốt kết quả."},
    )

    def __init__(self, *args, proposal=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.proposal = proposal
        if proposal is None:
            return
        members = Unit.objects.filter(pk__in=[m.pk for m in proposal.members]).in_vietnamese_order()
        invalid = f"Đơn vị được chọn phải là thành viên của khối/cụm vào ngày 01/01/{proposal.year}."
        self.fields["chair"] = _unit_field(
            members,
            label=f"{proposal.chair_word.capitalize()} năm {proposal.year}",
            required=True,
            invalid=invalid,
        )
        self.fields["deputy"] = _unit_field(
            members,
            label=f"{proposal.deputy_word.capitalize()} năm {proposal.year}",
            required=proposal.deputy is not None,
            invalid=invalid,
        )
        self.fields["handover_reason"] = _text(
            "Lý do chọn khác đề xuất",
            max_length=MAX_REASON,
            required=False,
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text="Bắt buộc khi chọn đơn vị khác với đề xuất theo quy tắc luân phiên.",
        )
        self.order_fields(["chair", "deputy", "handover_reason", "confirm"])

    @classmethod
    def initial_for(cls, proposal) -> dict:
        if proposal is None:
            return {}
        return {
            "chair": proposal.chair.pk if proposal.chair else None,
            "deputy": proposal.deputy.pk if proposal.deputy else None,
        }

    def clean(self):
        data = super().clean()
        if self.proposal is None:
            return data
        chair, deputy = data.get("chair"), data.get("deputy")
        if chair is not None and deputy is not None and chair.pk == deputy.pk:
            self.add_error(
                "deputy",
                f"{self.proposal.chair_word.capitalize()} và {self.proposal.deputy_word} phải là hai đơn vị khác nhau.",
            )
        if "chair" in data and "deputy" in data:
            proposed = (getattr(self.proposal.chair, "pk", None), getattr(self.proposal.deputy, "pk", None))
            chosen = (getattr(chair, "pk", None), getattr(deputy, "pk", None))
            if chosen != proposed and not data.get("handover_reason"):
                self.add_error(
                    "handover_reason", "Chọn khác đề xuất theo quy tắc luân phiên thì phải ghi rõ lý do."
                )
        return data

    def handover(self) -> dict:
        if self.proposal is None:
            return {}
        return {
            "chair": self.cleaned_data["chair"],
            "deputy": self.cleaned_data.get("deputy"),
            "handover_reason": self.cleaned_data.get("handover_reason") or "",
        }


class ReissueForm(forms.Form):
    reason = _text(
        "Lý do lập phiên bản mới",
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Ví dụ: Đính chính điểm Quý III của Quân khu 2 theo kiến nghị ngày 05/01/2025.",
    )
