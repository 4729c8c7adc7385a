"""Forms of the round's Excel import: the upload, and what the preview posts back to confirm.
Validation and normalisation only."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from thidua.lib.excel import XLSX_CONTENT_TYPE
from thidua.lib.forms import TextField

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
REASON_MAX = 500


def import_max_bytes() -> int:
    return int(getattr(settings, "SCORE_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".replace(".", ",")


class ScoreImportForm(forms.Form):
    file = forms.FileField(
        label="Tệp Excel (.xlsx)",
        help_text="Tệp mẫu của đợt chấm đã điền điểm: mỗi cột một đơn vị, mỗi dòng một tiêu chí.",
        error_messages={
            "required": "Hãy chọn tệp Excel cần nhập.",
            "empty": "Tệp rỗng: không có dữ liệu nào.",
            "invalid": "Không nhận được tệp; hãy chọn lại tệp.",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = f".xlsx,{XLSX_CONTENT_TYPE}"

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = import_max_bytes()
        if upload.size > limit:
            raise ValidationError(
                f"Tệp quá lớn ({_megabytes(upload.size)} MB); tối đa {_megabytes(limit)} MB.", code="too_big"
            )
        return upload


class ScoreImportConfirmForm(forms.Form):
    """What the preview posts back: the upload's token and the fingerprint of the plan the
    user saw (neither trusted: the server compares both with what it holds), and the reason
    when the round is published (every change is then a correction)."""

    token = forms.UUIDField(
        widget=forms.HiddenInput, error_messages={"invalid": "Mã phiên nhập không hợp lệ."}
    )
    fingerprint = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)
    reason = TextField(
        label="Lý do đính chính",
        required=False,
        max_length=REASON_MAX,
        help_text="Bắt buộc khi đợt chấm đã công bố: mọi thay đổi là đính chính và được ghi lại.",
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
