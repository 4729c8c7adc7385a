"""Forms of the pledge pages: validation and normalisation only; the services save.

Every message names the field and the rule. Lengths follow the model's columns."""

from __future__ import annotations

from decimal import Decimal

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from blocs.models import Unit
from campaigns.models import Campaign, Comparison, Drive, PledgePeriod
from thidua.lib import forms as vn_forms

TARGET_MAX_DIGITS, TARGET_DECIMAL_PLACES = 12, 2


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


def _choice(label: str, choices, **kwargs) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        error_messages={
            "required": f"Chọn {label.lower()}.",
            "invalid_choice": f"{label} “%(value)s” không hợp lệ: chọn một giá trị trong danh sách.",
        },
        **kwargs,
    )


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the field it names, else at the top of the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            target = name if name in form.fields else None
            for item in errors:
                form.add_error(target, item)
    else:
        form.add_error(None, error)


class DriveChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Drive) -> str:
        return f"{obj.name} ({obj.starts_on:%d/%m/%Y} – {obj.ends_on:%d/%m/%Y})"


class PledgeForm(forms.Form):
    """Title, period and preamble of a draft pledge."""

    title = _text(
        "Tiêu đề",
        max_length=250,
        help_text="Ví dụ: Giao ước thi đua năm 2025 của Khối thi đua số 2.",
    )
    period = _choice("Thời gian giao ước", PledgePeriod.choices, initial=PledgePeriod.YEAR)
    drive = DriveChoiceField(
        Drive.objects.none(),
        label="Đợt thi đua cao điểm",
        required=False,
        empty_label="— Không (giao ước cả năm hoặc nửa năm) —",
        error_messages={"invalid_choice": "Đợt thi đua đã chọn không thuộc phong trào này."},
        help_text="Chỉ chọn khi thời gian giao ước là “Đợt thi đua cao điểm”.",
    )
    preamble = _text(
        "Lời mở đầu",
        max_length=10000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Căn cứ, mục đích của giao ước; in ở đầu văn bản.",
    )

    def __init__(self, *args, campaign: Campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["drive"].queryset = campaign.drives.order_by("starts_on", "pk")

    def clean(self):
        data = super().clean()
        period, drive = data.get("period"), data.get("drive")
        if period == PledgePeriod.DRIVE and drive is None and "drive" not in self.errors:
            self.add_error("drive", "Giao ước của đợt thi đua cao điểm phải chọn đợt thi đua.")
        if period and period != PledgePeriod.DRIVE and drive is not None:
            self.add_error(
                "drive",
                "Chỉ chọn đợt thi đua khi thời gian giao ước là “Đợt thi đua cao điểm”; "
                "hãy bỏ chọn đợt hoặc đổi thời gian giao ước.",
            )
        return data

    @staticmethod
    def initial_for(pledge) -> dict:
        return {
            "title": pledge.title,
            "period": pledge.period,
            "drive": pledge.drive_id,
            "preamble": pledge.preamble,
        }


class PledgeItemForm(forms.Form):
    """One promised target."""

    content = _text(
        "Nội dung",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Ví dụ: Hoàn thành 100% nội dung, chương trình huấn luyện.",
    )
    indicator = _text("Chỉ tiêu", max_length=300, required=False, help_text="Ví dụ: Tỷ lệ quân số khỏe.")
    unit_of_measure = _text("Đơn vị tính", max_length=50, required=False, help_text="Ví dụ: %.")
    comparison = _choice("So sánh", Comparison.choices, initial=Comparison.AT_LEAST)
    target_value = vn_forms.DecimalField(
        label="Giá trị chỉ tiêu",
        required=False,
        min_value=Decimal(0),
        max_digits=TARGET_MAX_DIGITS,
        decimal_places=TARGET_DECIMAL_PLACES,
        help_text="Số không âm, ví dụ 98,5; để trống nếu không đo bằng số.",
        error_messages={
            "invalid": "Giá trị chỉ tiêu phải là một số, ví dụ 98,5.",
            "min_value": "Giá trị chỉ tiêu không được âm (phải từ 0 trở lên).",
            "max_digits": f"Giá trị chỉ tiêu có tối đa {TARGET_MAX_DIGITS} chữ số.",
            "max_decimal_places": f"Giá trị chỉ tiêu có tối đa {TARGET_DECIMAL_PLACES} chữ số sau dấu phẩy.",
            "max_whole_digits": (
                f"Giá trị chỉ tiêu có tối đa {TARGET_MAX_DIGITS - TARGET_DECIMAL_PLACES} chữ số trước dấu phẩy."
            ),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Rendered inside the page's own <form>: the helper only lays the fields out.
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            "content",
            Row(
                Column("indicator", css_class="col-md-4"),
                Column("unit_of_measure", css_class="col-md-2"),
                Column("comparison", css_class="col-md-3"),
                Column("target_value", css_class="col-md-3"),
            ),
        )

    @staticmethod
    def initial_for(item) -> dict:
        return {
            "content": item.content,
            "indicator": item.indicator,
            "unit_of_measure": item.unit_of_measure,
            "comparison": item.comparison,
            "target_value": item.target_value,
        }


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return obj.name


class RegistrationForm(forms.Form):
    """A member unit registers for an emulation title (đăng ký danh hiệu)."""

    unit = UnitChoiceField(
        Unit.objects.none(),
        label="Đơn vị",
        empty_label="— Chọn đơn vị —",
        error_messages={
            "required": "Chọn đơn vị đăng ký.",
            "invalid_choice": "Đơn vị đã chọn không phải là thành viên hiện tại của khối/cụm.",
        },
    )
    title = _text(
        "Danh hiệu đăng ký",
        max_length=200,
        help_text="Ví dụ: Đơn vị Quyết thắng; Cờ thi đua của Bộ Quốc phòng.",
    )

    def __init__(self, *args, units: QuerySet[Unit], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column("unit", css_class="col-md-5"), Column("title", css_class="col-md-7")),
        )


class PledgeRevokeForm(forms.Form):
    reason = _text(
        "Lý do thu hồi",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Ví dụ: Sửa chỉ tiêu mục 3 theo chỉ đạo của Tổng cục Chính trị. Lý do được lưu và hiển thị cùng phiên bản cũ.",
    )


def _password_field() -> forms.CharField:
    return forms.CharField(
        label="Mật khẩu đăng nhập (xác nhận ký)",
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={
            "required": "Nhập mật khẩu đăng nhập của bạn để xác nhận ký.",
            "max_length": "Mật khẩu dài tối đa %(limit_value)d ký tự.",
        },
        help_text="Nhập lại mật khẩu bạn dùng để đăng nhập; hệ thống không lưu mật khẩu này cùng chữ ký.",
    )


class PledgeSignForm(forms.Form):
    """A leader signs for one of his units; the unit is asked only when he leads several.

    The choices are the units already loaded by the page, so that the form adds no query."""

    unit = forms.TypedChoiceField(
        label="Ký thay mặt đơn vị",
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Chọn đơn vị mà bạn ký thay mặt.",
            "invalid_choice": "Bạn không thể ký cho đơn vị đã chọn: chỉ chọn đơn vị bạn chỉ huy và chưa ký.",
        },
    )
    password = _password_field()

    def __init__(self, *args, units: list[Unit], ready: list[Unit], **kwargs):
        """`units`: every unit the user may name (the service says why one cannot sign now);
        `ready`: the ones offered on the page."""
        super().__init__(*args, **kwargs)
        self._units = {unit.pk: unit for unit in units}
        field = self.fields["unit"]
        field.choices = [(unit.pk, unit.name) for unit in units]
        if len(ready) == 1:
            field.widget = forms.HiddenInput()
            field.initial = ready[0].pk
        else:
            field.widget.choices = [(unit.pk, unit.name) for unit in ready]

    def clean_unit(self) -> Unit:
        return self._units[self.cleaned_data["unit"]]


class WitnessSignForm(forms.Form):
    password = _password_field()
