"""Forms of the units pages: filter, create/edit, Excel upload. Validation and normalisation only."""

from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from blocs.models import Echelon, Unit
from thidua.lib.forms import TextField
from thidua.lib.text import nfc

UNIT_CODE_MAX_LENGTH = 40
UNIT_NAME_MAX_LENGTH = 200
UNIT_SHORT_NAME_MAX_LENGTH = 60
_UNIT_CODE = re.compile(r"^[A-Z0-9._-]+$")


def normalise_unit_code(value: str) -> str:
    """Upper-case a unit code and check it: letters A–Z without accents, digits, - _ . only.

    Raises ValidationError with a Vietnamese message; shared by the form and the Excel import.
    """
    code = nfc(value or "").upper()
    if not code:
        raise ValidationError("Mã đơn vị không được để trống.", code="required")
    if len(code) > UNIT_CODE_MAX_LENGTH:
        raise ValidationError(
            f"Mã đơn vị dài {len(code)} ký tự, tối đa {UNIT_CODE_MAX_LENGTH} ký tự.", code="max_length"
        )
    if not _UNIT_CODE.match(code):
        raise ValidationError(
            f"Mã đơn vị “{code[:UNIT_CODE_MAX_LENGTH]}” chỉ được gồm chữ cái A–Z không dấu, chữ số và "
            "các dấu - _ . (không có dấu cách).",
            code="invalid",
        )
    return code


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError back into the form, on the field it names when the
    form has that field, otherwise at the top of the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            target = field if field in form.fields else None
            for item in errors:
                form.add_error(target, item)
    else:
        form.add_error(None, error)


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        label = f"{obj.name} ({obj.code})"
        return label if obj.is_active else f"{label} – ngừng hoạt động"


class UnitFilterForm(forms.Form):
    q = TextField(
        label="Tìm theo tên hoặc mã",
        required=False,
        max_length=100,
        error_messages={"max_length": "Từ khóa tìm kiếm dài quá (tối đa %(limit_value)d ký tự)."},
    )
    echelon = forms.ChoiceField(
        label="Cấp",
        required=False,
        choices=[("", "Tất cả các cấp"), *Echelon.choices],
        error_messages={"invalid_choice": "Cấp “%(value)s” không có trong danh mục."},
    )


class UnitForm(forms.Form):
    code = TextField(
        label="Mã đơn vị",
        max_length=UNIT_CODE_MAX_LENGTH * 2,  # the precise rule and message come from clean_code
        help_text="Chữ cái A–Z không dấu, chữ số, các dấu - _ . ; tối đa 40 ký tự. Ví dụ: QK1, SD-312.",
        error_messages={"required": "Hãy nhập mã đơn vị."},
    )
    name = TextField(
        label="Tên đơn vị",
        max_length=UNIT_NAME_MAX_LENGTH,
        error_messages={
            "required": "Hãy nhập tên đơn vị.",
            "max_length": "Tên đơn vị tối đa %(limit_value)d ký tự (hiện có %(show_value)d).",
        },
    )
    short_name = TextField(
        label="Tên viết tắt",
        required=False,
        max_length=UNIT_SHORT_NAME_MAX_LENGTH,
        error_messages={"max_length": "Tên viết tắt tối đa %(limit_value)d ký tự (hiện có %(show_value)d)."},
    )
    parent = UnitChoiceField(
        label="Đơn vị cấp trên",
        required=False,
        queryset=Unit.objects.none(),
        empty_label="— Không có (đơn vị cấp cao nhất) —",
        error_messages={"invalid_choice": "Đơn vị cấp trên đã chọn không còn tồn tại; hãy chọn lại."},
    )
    echelon = forms.ChoiceField(
        label="Cấp",
        choices=Echelon.choices,
        initial=Echelon.OTHER,
        error_messages={
            "required": "Hãy chọn cấp của đơn vị.",
            "invalid_choice": "Cấp “%(value)s” không có trong danh mục.",
        },
    )
    is_active = forms.BooleanField(label="Đang hoạt động", required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A plain select in Vietnamese order: fine for a few thousand units.
        self.fields["parent"].queryset = Unit.objects.in_vietnamese_order().only(
            "pk", "code", "name", "is_active", "sort_key"
        )
        self.fields["code"].widget.attrs["maxlength"] = UNIT_CODE_MAX_LENGTH

    def clean_code(self) -> str:
        return normalise_unit_code(self.cleaned_data["code"])

    def add_service_errors(self, error: ValidationError) -> None:
        """The service's errors on the fields they name; a taken code said plainly."""
        if hasattr(error, "error_dict") and "code" in error.error_dict:
            code = self.cleaned_data.get("code", "")
            error.error_dict["code"] = [
                ValidationError(f"Mã “{code}” đã được dùng cho một đơn vị khác.", code="unique")
                if item.code == "unique"
                else item
                for item in error.error_dict["code"]
            ]
        add_service_errors(self, error)

    @staticmethod
    def initial_for(unit: Unit) -> dict:
        return {
            "code": unit.code,
            "name": unit.name,
            "short_name": unit.short_name,
            "parent": unit.parent_id,
            "echelon": unit.echelon,
            "is_active": unit.is_active,
        }

    def changed_values(self) -> dict:
        """The cleaned values of the fields the user changed (for an update)."""
        return {name: self.cleaned_data[name] for name in self.changed_data if name in self.cleaned_data}


class UnitImportForm(forms.Form):
    file = forms.FileField(
        label="Tệp Excel (.xlsx)",
        help_text="Dòng 1 là tiêu đề cột: Mã đơn vị, Tên đơn vị, Mã đơn vị cấp trên, Cấp, Tên viết tắt (không bắt buộc).",
        error_messages={
            "required": "Hãy chọn tệp Excel cần nhập.",
            "empty": "Tệp rỗng: không có dữ liệu nào.",
            "invalid": "Không nhận được tệp; hãy chọn lại tệp.",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = (
            ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.UNIT_IMPORT_MAX_BYTES
        if upload.size > limit:
            raise ValidationError(
                f"Tệp quá lớn ({_megabytes(upload.size)} MB); tối đa {_megabytes(limit)} MB.", code="too_big"
            )
        return upload


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".replace(".", ",")


class UnitImportConfirmForm(forms.Form):
    """What the preview page posts back: the upload's token and the fingerprint of the plan
    the admin saw. Neither is trusted: the server compares both with what it holds."""

    token = forms.UUIDField(
        widget=forms.HiddenInput, error_messages={"invalid": "Mã phiên nhập không hợp lệ."}
    )
    fingerprint = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)
