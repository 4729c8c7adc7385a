"""Forms of the round pages and of the campaign's scoring rules: validation and normalisation
only; the services save and check the domain rules (dates inside the campaign, bands in
descending order …). Every message names the field and the rule."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from campaigns.models import Campaign
from scoring.forms.criteria import LabelledDecimalField
from scoring.models import Aggregation, CardBasis, LeadingBy, RoundPeriod, ScoringRound, ScoringRules
from scoring.services.rules import CANDIDATES, LOWEST_BAND, MAX_BAND_LABEL, OBJECTION_DAYS
from thidua.lib import forms as vn_forms

BAND_ROWS = 6
# Short enough for a select; the rules page spells them out (TIE_BREAKS).
TIE_BREAK_CHOICES = {"fewer_penalty": "Ít điểm trừ hơn", "core_group": "Điểm nhóm trọng tâm cao hơn"}
QUARTER_NAMES = ("I", "II", "III", "IV")


def duplicate_period_message() -> str:
    """The model's own words for a second round of one period in a campaign."""
    (constraint,) = (c for c in ScoringRound._meta.constraints if c.name == "round_one_per_campaign_period")
    return str(constraint.violation_error_message)


class _DateField(vn_forms.DateField):
    """A dd/mm/yyyy date whose errors start with the field's label."""

    def __init__(self, *, label: str, **kwargs):
        super().__init__(label=label, error_messages={"required": f"{label} không được để trống."}, **kwargs)

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError as exc:
            raise ValidationError(f"{self.label}: {exc.messages[0]}", code="invalid") from exc


class RoundForm(forms.Form):
    """A round's period (when creating) and its dates."""

    period = forms.ChoiceField(
        label="Kỳ chấm",
        choices=RoundPeriod.choices,
        error_messages={
            "required": "Chọn kỳ chấm.",
            "invalid_choice": "Kỳ chấm phải là Quý I, II, III, IV hoặc Cuối năm.",
        },
    )
    starts_on = _DateField(
        label="Từ ngày", help_text="Ngày đầu của kỳ được chấm, trong thời gian của phong trào."
    )
    ends_on = _DateField(label="Đến ngày", help_text="Ngày cuối của kỳ được chấm.")
    entry_deadline = _DateField(
        label="Hạn nhập điểm",
        help_text="Các đơn vị gửi phiếu tự chấm và thường trực nhập điểm đến hết ngày này; sau đó mới khóa sổ được.",
    )

    def __init__(
        self, *args, campaign: Campaign, scoring_round: ScoringRound | None = None, taken=(), **kwargs
    ):
        """`taken`: the periods the campaign already has rounds for (already loaded)."""
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.taken = set(taken)
        if scoring_round is not None:
            del self.fields["period"]

    @classmethod
    def initial_for(cls, scoring_round: ScoringRound) -> dict:
        return {name: getattr(scoring_round, name) for name in ("starts_on", "ends_on", "entry_deadline")}

    def clean_period(self) -> str:
        period = self.cleaned_data["period"]
        if period in self.taken:
            raise ValidationError(duplicate_period_message(), code="unique")
        return period


# --- Scoring rules ----------------------------------------------------------------------------


def _weight_field(quarter: str) -> LabelledDecimalField:
    label = f"Trọng số Quý {quarter}"
    return LabelledDecimalField(
        label=label,
        required=False,
        max_digits=6,
        decimal_places=2,
        error_messages={
            "max_digits": f"{label}: tối đa 4 chữ số phần nguyên và 2 chữ số thập phân.",
            "max_decimal_places": f"{label}: tối đa 2 chữ số sau dấu phẩy.",
            "max_whole_digits": f"{label}: tối đa 4 chữ số phần nguyên.",
        },
    )


def _count_field(label: str, bounds: tuple[int, int], help_text: str) -> forms.IntegerField:
    low, high = bounds
    message = f"{label}: nhập một số nguyên từ {low} đến {high}."
    return forms.IntegerField(
        label=label,
        min_value=low,
        max_value=high,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"class": "form-control", "inputmode": "numeric"}),
        error_messages={
            "required": f"{label} không được để trống.",
            "invalid": message,
            "min_value": message,
            "max_value": message,
        },
    )


class RulesForm(forms.Form):
    """The rule choices as fields; `cleaned_rules()` gives the service's keyword arguments.
    The service checks the rules themselves (weights, tie-breaks, bands)."""

    card_basis = forms.ChoiceField(
        label="Phiếu dùng để xếp hạng",
        choices=CardBasis.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Chọn phiếu dùng để xếp hạng.",
            "invalid_choice": "Phiếu dùng để xếp hạng không hợp lệ.",
        },
    )
    peer_scoring = forms.BooleanField(
        label="Có chấm chéo giữa các đơn vị",
        required=False,
        help_text="Chỉ huy mỗi đơn vị chấm phiếu cho các đơn vị khác trong khối/cụm.",
    )
    aggregation = forms.ChoiceField(
        label="Cách tính điểm cả năm",
        choices=Aggregation.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Chọn cách tính điểm cả năm.",
            "invalid_choice": "Cách tính điểm cả năm không hợp lệ.",
        },
    )
    tie_break_1 = forms.ChoiceField(label="Khi bằng điểm, xét trước", required=False)
    tie_break_2 = forms.ChoiceField(label="Sau đó xét", required=False)
    leading_by = forms.ChoiceField(
        label="Cách chọn đơn vị dẫn đầu",
        choices=LeadingBy.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Chọn cách chọn đơn vị dẫn đầu.",
            "invalid_choice": "Cách chọn đơn vị dẫn đầu không hợp lệ: bình xét, suy tôn hoặc theo điểm.",
        },
    )
    candidate_count = _count_field(
        "Số đơn vị đưa ra suy tôn",
        CANDIDATES,
        "Khi bình xét, suy tôn: số đơn vị điểm cao nhất (không vi phạm tiêu chí phủ quyết) được đưa ra bỏ phiếu.",
    )
    objection_days = _count_field(
        "Số ngày được kiến nghị sau khi công bố",
        OBJECTION_DAYS,
        "Trong số ngày này kể từ ngày công bố kết quả một đợt chấm, chỉ huy đơn vị được kiến nghị về điểm "
        "của đơn vị mình; 0 là không nhận kiến nghị.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for number, quarter in enumerate(QUARTER_NAMES, start=1):
            self.fields[f"weight_{number}"] = _weight_field(quarter)
        tie_choices = [("", "— Không xét, giữ đồng hạng —"), *TIE_BREAK_CHOICES.items()]
        for name in ("tie_break_1", "tie_break_2"):
            self.fields[name].choices = tie_choices
            self.fields[name].error_messages["invalid_choice"] = "Tiêu chí xét khi bằng điểm không hợp lệ."
        for number in range(1, BAND_ROWS + 1):
            self.fields[f"band_label_{number}"] = vn_forms.TextField(
                widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
                label=f"Tên mức xếp loại {number}",
                max_length=MAX_BAND_LABEL,
                required=False,
                error_messages={"max_length": f"Tên mức xếp loại {number} dài tối đa %(limit_value)d ký tự."},
            )
            self.fields[f"band_threshold_{number}"] = LabelledDecimalField(
                widget=forms.TextInput(
                    attrs={"class": "form-control form-control-sm", "inputmode": "decimal"}
                ),
                label=f"Ngưỡng mức {number} (từ … %)",
                required=False,
                max_digits=5,
                decimal_places=2,
                error_messages={
                    "max_digits": f"Ngưỡng mức {number}: nhập một số từ 0 đến 100.",
                    "max_decimal_places": f"Ngưỡng mức {number}: tối đa 2 chữ số sau dấu phẩy.",
                    "max_whole_digits": f"Ngưỡng mức {number}: nhập một số từ 0 đến 100.",
                },
            )

    @property
    def weight_fields(self):
        return [self[f"weight_{n}"] for n in range(1, 5)]

    @property
    def band_rows(self):
        return [(n, self[f"band_label_{n}"], self[f"band_threshold_{n}"]) for n in range(1, BAND_ROWS + 1)]

    @property
    def lowest_band(self) -> str:
        return LOWEST_BAND

    @classmethod
    def initial_for(cls, rules: ScoringRules) -> dict:
        initial = {
            "card_basis": rules.card_basis,
            "peer_scoring": rules.peer_scoring,
            "aggregation": rules.aggregation,
            "leading_by": rules.leading_by,
            "candidate_count": rules.candidate_count,
            "objection_days": rules.objection_days,
        }
        for number, name in enumerate(list(rules.tie_breaks or [])[:2], start=1):
            initial[f"tie_break_{number}"] = name
        for number, weight in enumerate(list(rules.quarter_weights or [])[:4], start=1):
            initial[f"weight_{number}"] = weight
        for number, band in enumerate(list(rules.bands or [])[:BAND_ROWS], start=1):
            initial[f"band_label_{number}"], initial[f"band_threshold_{number}"] = band
        return initial

    def clean(self):
        data = super().clean()
        first, second = data.get("tie_break_1"), data.get("tie_break_2")
        if first and second and first == second:
            self.add_error("tie_break_2", "Mỗi tiêu chí xét khi bằng điểm chỉ chọn một lần.")
        if second and not first:
            self.add_error("tie_break_1", "Chọn tiêu chí xét trước rồi mới chọn tiêu chí xét sau.")
        for number in range(1, BAND_ROWS + 1):
            label, threshold = data.get(f"band_label_{number}"), data.get(f"band_threshold_{number}")
            if label and threshold is None and f"band_threshold_{number}" not in self.errors:
                self.add_error(f"band_threshold_{number}", f"Mức “{label}”: hãy ghi ngưỡng (từ bao nhiêu %).")
            if threshold is not None and not label and f"band_label_{number}" not in self.errors:
                self.add_error(f"band_label_{number}", f"Ngưỡng mức {number}: hãy ghi tên mức xếp loại.")
        return data

    def cleaned_rules(self) -> dict:
        data = self.cleaned_data
        weights = [data.get(f"weight_{n}") for n in range(1, 5)]
        bands = [
            [data[f"band_label_{n}"], data[f"band_threshold_{n}"]]
            for n in range(1, BAND_ROWS + 1)
            if data.get(f"band_label_{n}") and data.get(f"band_threshold_{n}") is not None
        ]
        return {
            "card_basis": data["card_basis"],
            "peer_scoring": data["peer_scoring"],
            "aggregation": data["aggregation"],
            "quarter_weights": [] if all(w is None for w in weights) else weights,
            "tie_breaks": [name for name in (data.get("tie_break_1"), data.get("tie_break_2")) if name],
            "bands": bands,
            "leading_by": data["leading_by"],
            "candidate_count": data["candidate_count"],
            "objection_days": data["objection_days"],
        }
