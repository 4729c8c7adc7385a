"""The request form of a report: which document, and what goes on its first and last page.
Validation and normalisation only; every message names the field and the rule."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from reports.models import ReportKind
from reports.renderers.common import DocumentParameters
from thidua.lib import forms as vn_forms

MAX_LINE = 200
MAX_RECIPIENTS = 12


def _text(label: str, *, max_length: int, required: bool = False, **kwargs) -> vn_forms.TextField:
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


class IssuedOnField(vn_forms.DateField):
    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError as exc:
            raise ValidationError(f"Ngày ban hành: {exc.messages[0]}", code="invalid") from exc


class ReportRequestForm(forms.Form):
    kind = forms.ChoiceField(
        label="Tài liệu",
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={
            "required": "Chọn tài liệu cần tạo.",
            "invalid_choice": "Tài liệu “%(value)s” không lập được cho đối tượng này.",
        },
    )
    number = _text(
        "Số, ký hiệu",
        max_length=60,
        help_text="Ví dụ 15/BC-KTĐ2. Để trống phần số (chỉ ghi “/BC-KTĐ2”) nếu văn thư ghi số khi ban hành.",
    )
    place = _text(
        "Địa danh", max_length=100, help_text="Nơi ban hành, in trước ngày tháng: “Hà Nội, ngày …”."
    )
    issued_on = IssuedOnField(label="Ngày ban hành", required=False)
    signer_authority = _text("Thẩm quyền ký", max_length=MAX_LINE, help_text="Ví dụ: TM. KHỐI THI ĐUA SỐ 2.")
    signer_position = _text("Chức vụ người ký", max_length=MAX_LINE, help_text="Ví dụ: KHỐI TRƯỞNG.")
    signer_name = _text(
        "Cấp bậc, họ tên người ký", max_length=MAX_LINE, help_text="Để trống nếu ghi tay khi ký."
    )
    recipients = _text(
        "Nơi nhận",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=f"Mỗi dòng một nơi nhận (tối đa {MAX_RECIPIENTS} dòng), không cần gạch đầu dòng.",
    )

    def __init__(self, *args, kinds: list[str], year: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, ReportKind(k).label) for k in kinds]
        self.fields["kind"].initial = kinds[0]
        self.year = year

    def clean_issued_on(self):
        issued = self.cleaned_data.get("issued_on")
        if issued is not None and not (self.year <= issued.year <= self.year + 1):
            raise ValidationError(
                f"Ngày ban hành phải trong năm {self.year} hoặc năm {self.year + 1} "
                f"(năm của phong trào và năm tổng kết), không phải {issued:%d/%m/%Y}."
            )
        return issued

    def clean_recipients(self):
        lines = [
            line.strip().lstrip("-–+•").strip()
            for line in self.cleaned_data.get("recipients", "").split("\n")
        ]
        lines = [line for line in lines if line]
        if len(lines) > MAX_RECIPIENTS:
            raise ValidationError(f"Nơi nhận: tối đa {MAX_RECIPIENTS} dòng (đang có {len(lines)} dòng).")
        too_long = next((line for line in lines if len(line) > MAX_LINE), None)
        if too_long:
            raise ValidationError(
                f"Nơi nhận: mỗi dòng tối đa {MAX_LINE} ký tự (dòng “{too_long[:30]}…” dài hơn)."
            )
        return lines

    def parameters(self) -> dict:
        data = self.cleaned_data
        issued = data.get("issued_on")
        return DocumentParameters(
            number=data.get("number", ""),
            place=data.get("place", ""),
            issued_on=issued.isoformat() if issued else "",
            signer_authority=data.get("signer_authority", ""),
            signer_position=data.get("signer_position", ""),
            signer_name=data.get("signer_name", ""),
            recipients=data.get("recipients", []),
        ).as_dict()

    @staticmethod
    def initial_from(parameters: DocumentParameters) -> dict:
        issued = parameters.issued_date
        return {
            "number": parameters.number,
            "place": parameters.place,
            "issued_on": issued,
            "signer_authority": parameters.signer_authority,
            "signer_position": parameters.signer_position,
            "signer_name": parameters.signer_name,
            "recipients": "\n".join(parameters.recipients),
        }
