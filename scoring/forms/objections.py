"""Forms of an objection to a published score: the leader's objection and the secretariat's
answer. Validation and normalisation only (decimal comma, NFC text); `objection_file` and
`objection_answer` decide and write."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from scoring.models import Criterion, CriterionKind, Objection
from scoring.selectors.objections import FilingChoices
from scoring.services.objections import TEXT_MAX
from scoring.services.score_excel import normalise_points
from scoring.services.scorecards import check_points
from thidua.lib import forms as vn_forms
from thidua.lib.numbers import format_decimal

GENERAL = ""
GENERAL_LABEL = "Kết quả chung của đơn vị (không gắn với một tiêu chí)"
ACCEPT = "accept"
REJECT = "reject"


def _text_field(label: str, required: str, placeholder: str) -> vn_forms.TextField:
    return vn_forms.TextField(
        label=label,
        max_length=TEXT_MAX,
        error_messages={
            "required": required,
            "max_length": f"{label} tối đa {TEXT_MAX} ký tự (đang có %(show_value)d ký tự).",
        },
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": TEXT_MAX, "placeholder": placeholder}),
    )


class _PointsField(vn_forms.DecimalField):
    """A number with a decimal comma whose every message names the field."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError as exc:
            raise ValidationError(f"{self.label}: {' '.join(exc.messages)}", code="invalid") from exc


def _points_field(label: str, help_text: str) -> _PointsField:
    field = _PointsField(label=label, required=False, help_text=help_text)
    field.widget.attrs.update(
        {"autocomplete": "off", "class": "form-control text-end", "style": "max-width:9rem"}
    )
    return field


def _current(criterion: Criterion, points: Decimal | None) -> str:
    if points is None:
        return "chưa có điểm"
    if criterion.kind == CriterionKind.VETO:
        return "có vi phạm" if points == 1 else "không vi phạm"
    return f"đang có {format_decimal(points)}/{format_decimal(criterion.max_points)} điểm"


def _clean_points(form: forms.Form, name: str, criterion: Criterion | None, label: str) -> Decimal | None:
    value = form.cleaned_data.get(name)
    if value is None:
        return None
    value = normalise_points(value)
    if criterion is not None and (problem := check_points(criterion, value)):
        form.add_error(name, f"{label} – {problem}")
    return value


class ObjectionForm(forms.Form):
    """The criterion objected to (or the whole result), the points asked for, the reason."""

    criterion = forms.ChoiceField(
        label="Kiến nghị về",
        required=False,
        error_messages={
            "invalid_choice": "Kiến nghị về: hãy chọn một tiêu chí trong danh sách (tiêu chí đã chọn không "
            "thuộc bộ tiêu chí của đợt chấm)."
        },
    )
    requested_points = _points_field(
        "Điểm đề nghị",
        "Không bắt buộc. Điểm đơn vị đề nghị cho tiêu chí, từ 0 đến điểm tối đa; nhập số với dấu phẩy, ví dụ 9,5.",
    )
    reason = _text_field(
        "Nội dung kiến nghị",
        "Nội dung kiến nghị: hãy ghi điểm nào chưa đúng và căn cứ.",
        "Điểm nào chưa đúng, vì sao, căn cứ (biên bản, số liệu, minh chứng đã nộp)…",
    )

    def __init__(self, data=None, *, choices: FilingChoices, **kwargs):
        super().__init__(data, **kwargs)
        self.leaves = {leaf.pk: leaf for leaf in choices.leaves}
        options: list = [
            (GENERAL, GENERAL_LABEL + (" – đang chờ trả lời" if None in choices.pending else ""))
        ]
        for group in choices.layout.groups:
            items = [
                (
                    str(leaf.pk),
                    f"{leaf.code}. {leaf.title} ({_current(leaf, choices.points.get(leaf.pk))})"
                    + (" – đang chờ trả lời" if leaf.pk in choices.pending else ""),
                )
                for leaf in group.leaves
            ]
            if items:
                options.append((f"{group.node.code}. {group.node.title}", items))
        self.fields["criterion"].choices = options
        self.fields["criterion"].widget.attrs["class"] = "form-select"

    def clean_criterion(self) -> Criterion | None:
        value = self.cleaned_data.get("criterion")
        return self.leaves[int(value)] if value else None

    def clean(self):
        cleaned = super().clean()
        criterion = cleaned.get("criterion")
        if "criterion" in self.errors:
            return cleaned
        if criterion is None and cleaned.get("requested_points") is not None:
            self.add_error(
                "requested_points",
                "Điểm đề nghị chỉ ghi khi kiến nghị về một tiêu chí; hãy chọn tiêu chí hoặc để trống điểm.",
            )
        else:
            cleaned["requested_points"] = _clean_points(self, "requested_points", criterion, "Điểm đề nghị")
        return cleaned


class AnswerForm(forms.Form):
    """Accept (with the new points when the objection is about a criterion) or reject, and why."""

    decision = forms.ChoiceField(
        label="Quyết định",
        choices=[(ACCEPT, "Chấp nhận"), (REJECT, "Không chấp nhận")],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Quyết định: hãy chọn chấp nhận hoặc không chấp nhận.",
            "invalid_choice": "Quyết định: hãy chọn chấp nhận hoặc không chấp nhận.",
        },
    )
    new_points = _points_field("Điểm mới", "")
    answer = _text_field(
        "Nội dung trả lời",
        "Nội dung trả lời: hãy ghi lý do chấp nhận hay không chấp nhận.",
        "Căn cứ xem xét, kết luận của cơ quan thường trực…",
    )

    def __init__(self, data=None, *, objection: Objection, **kwargs):
        super().__init__(data, **kwargs)
        self.objection = objection
        criterion = objection.criterion
        if criterion is None:
            del self.fields["new_points"]
            self.fields["decision"].choices = [
                (ACCEPT, "Chấp nhận (ghi nhận trả lời, không đổi điểm)"),
                (REJECT, "Không chấp nhận"),
            ]
        else:
            self.fields["decision"].choices = [
                (ACCEPT, "Chấp nhận và đính chính điểm"),
                (REJECT, "Không chấp nhận, giữ nguyên điểm"),
            ]
            maximum = (
                "0 hoặc 1"
                if criterion.kind == CriterionKind.VETO
                else f"0 đến {format_decimal(criterion.max_points)}"
            )
            self.fields[
                "new_points"
            ].help_text = (
                f"Bắt buộc khi chấp nhận: điểm đính chính của tiêu chí {criterion.code} ({maximum})."
            )
            if objection.requested_points is not None:
                self.fields["new_points"].initial = objection.requested_points

    @property
    def accept(self) -> bool:
        return self.cleaned_data.get("decision") == ACCEPT

    def clean(self):
        cleaned = super().clean()
        if "new_points" not in self.fields:
            return cleaned
        if cleaned.get("decision") != ACCEPT:
            # The points typed before choosing "reject" are not a correction: the score stays.
            cleaned["new_points"] = None
            return cleaned
        criterion = self.objection.criterion
        if cleaned.get("new_points") is None and "new_points" not in self.errors:
            self.add_error(
                "new_points",
                f"Điểm mới: chấp nhận kiến nghị về tiêu chí {criterion.code} thì phải ghi điểm mới.",
            )
        else:
            cleaned["new_points"] = _clean_points(self, "new_points", criterion, "Điểm mới")
        return cleaned
