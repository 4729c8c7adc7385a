"""A campaign's rule choices (DESIGN.md §5): which card counts, peer scoring, how the year is
aggregated, the tie-break order, the classification bands, how the leading unit is chosen (and
among how many candidates), and how many days members have to object to published scores.

They may change until the first round of the campaign is published: from then on a result
has been announced under them, and changing them would silently change it.

Numbers are kept in the JSON fields as JSON numbers (an integer when whole, else a decimal
number such as 82.5); readers take them back with `Decimal(str(value))`."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from blocs.models import AuditEvent
from blocs.services.audit import audit_record
from campaigns.models import Campaign
from scoring.models import Aggregation, CardBasis, LeadingBy, RoundState, ScoringRules
from thidua.lib.numbers import NumberFormatError, format_decimal, parse_decimal
from thidua.lib.text import nfc

TIE_BREAKS = {
    "fewer_penalty": "Đơn vị có ít điểm trừ hơn xếp trên",
    "core_group": "Đơn vị có điểm nhóm nhiệm vụ trọng tâm cao hơn xếp trên",
}
FIELDS = {
    "card_basis",
    "peer_scoring",
    "aggregation",
    "quarter_weights",
    "tie_breaks",
    "bands",
    "leading_by",
    "candidate_count",
    "objection_days",
}
CANDIDATES = (2, 10)  # suy tôn among this many best-placed units, at least and at most
OBJECTION_DAYS = (0, 60)
MAX_BANDS = 8
MAX_BAND_LABEL = 50
LOWEST_BAND = "Yếu"
LOCKED_MESSAGE = (
    "Phong trào đã có đợt chấm được công bố kết quả, nên quy tắc tính điểm không sửa được nữa "
    "(kết quả đã công bố được tính theo quy tắc này)."
)


def scoring_rules_for(campaign: Campaign) -> ScoringRules:
    """The campaign's rules, or the defaults (not saved) when it has none yet. One query."""
    return ScoringRules.objects.filter(campaign=campaign).first() or ScoringRules(campaign=campaign)


def scoring_rules_locked(campaign: Campaign) -> bool:
    """True once a round of the campaign is published. One query."""
    return campaign.rounds.filter(state=RoundState.PUBLISHED).exists()


def _number(value) -> Decimal:
    number = value if isinstance(value, Decimal) else parse_decimal(value)
    if number is None:
        raise NumberFormatError("Giá trị không được để trống.")
    return number


def _json_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _clean_weights(weights, aggregation: str) -> tuple[list, str | None]:
    weights = list(weights or [])
    if not weights and aggregation != Aggregation.WEIGHTED:
        return [], None
    if len(weights) != 4:
        return weights, "Trọng số phải gồm đúng 4 số, cho Quý I, II, III và IV."
    numbers: list[Decimal] = []
    for quarter, value in zip(("I", "II", "III", "IV"), weights, strict=True):
        try:
            number = _number(value)
        except NumberFormatError as exc:
            return weights, f"Trọng số Quý {quarter}: {exc}"
        if number < 0:
            return weights, f"Trọng số Quý {quarter} không được âm."
        numbers.append(number)
    if aggregation == Aggregation.WEIGHTED and sum(numbers) <= 0:
        return weights, "Tính trung bình có trọng số thì tổng các trọng số phải lớn hơn 0."
    return [_json_number(n) for n in numbers], None


def _clean_tie_breaks(tie_breaks) -> tuple[list, str | None]:
    tie_breaks = list(tie_breaks or [])
    unknown = [str(t) for t in tie_breaks if t not in TIE_BREAKS]
    if unknown:
        return tie_breaks, f"Tiêu chí xét khi bằng điểm không hợp lệ: {', '.join(unknown)}."
    if len(set(tie_breaks)) != len(tie_breaks):
        return tie_breaks, "Mỗi tiêu chí xét khi bằng điểm chỉ chọn một lần."
    return tie_breaks, None


def _clean_bands(bands) -> tuple[list, list[str]]:
    bands = list(bands or [])
    problems: list[str] = []
    if not bands:
        return bands, ["Cần ít nhất một mức xếp loại (ví dụ Xuất sắc từ 90%)."]
    if len(bands) > MAX_BANDS:
        return bands, [f"Tối đa {MAX_BANDS} mức xếp loại."]
    cleaned: list[list] = []
    previous: Decimal | None = None
    labels: set[str] = set()
    for number, band in enumerate(bands, start=1):
        if not isinstance(band, list | tuple) or len(band) != 2:
            problems.append(f"Mức xếp loại thứ {number}: cần một tên và một ngưỡng.")
            continue
        label, threshold = nfc(str(band[0] or "")), band[1]
        if not label:
            problems.append(f"Mức xếp loại thứ {number}: tên xếp loại không được để trống.")
        elif len(label) > MAX_BAND_LABEL:
            problems.append(f"Mức xếp loại thứ {number}: tên xếp loại dài tối đa {MAX_BAND_LABEL} ký tự.")
        elif label.casefold() in labels or label.casefold() == LOWEST_BAND.casefold():
            problems.append(f"Mức xếp loại thứ {number}: tên “{label}” bị trùng.")
        labels.add(label.casefold())
        try:
            value = _number(threshold)
        except NumberFormatError as exc:
            problems.append(f"Mức xếp loại thứ {number} ({label or '?'}): ngưỡng – {exc}")
            continue
        if not Decimal(0) <= value <= Decimal(100):
            problems.append(f"Mức xếp loại thứ {number} ({label or '?'}): ngưỡng phải từ 0 đến 100 (%).")
        elif previous is not None and value >= previous:
            problems.append(
                f"Mức xếp loại thứ {number} ({label or '?'}): ngưỡng phải thấp hơn mức trên "
                f"({format_decimal(previous)}%); các mức xếp từ cao xuống thấp."
            )
        previous = value
        cleaned.append([label, _json_number(value)])
    return cleaned, problems


def _clean_count(value, label: str, bounds: tuple[int, int]) -> str | None:
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int):
        return f"{label} phải là một số nguyên từ {low} đến {high}."
    if not low <= value <= high:
        return f"{label} phải từ {low} đến {high} (đang là {value})."
    return None


def validate_rules(rules: ScoringRules) -> None:
    """Normalise the rule fields of `rules` in place; raise every problem by field."""
    errors: dict[str, list[str]] = {}
    if rules.card_basis not in CardBasis.values:
        errors["card_basis"] = ["Phiếu dùng để xếp hạng không hợp lệ."]
    if rules.aggregation not in Aggregation.values:
        errors["aggregation"] = ["Cách tính điểm cả năm không hợp lệ."]
    if rules.card_basis == CardBasis.PEER_MEAN and not rules.peer_scoring:
        errors["peer_scoring"] = ["Xếp hạng theo phiếu chấm chéo thì phải bật chấm chéo giữa các đơn vị."]
    rules.quarter_weights, problem = _clean_weights(rules.quarter_weights, rules.aggregation)
    if problem:
        errors["quarter_weights"] = [problem]
    rules.tie_breaks, problem = _clean_tie_breaks(rules.tie_breaks)
    if problem:
        errors["tie_breaks"] = [problem]
    rules.bands, problems = _clean_bands(rules.bands)
    if problems:
        errors["bands"] = problems
    if rules.leading_by not in LeadingBy.values:
        errors["leading_by"] = ["Cách chọn đơn vị dẫn đầu không hợp lệ: bình xét, suy tôn hoặc theo điểm."]
    problem = _clean_count(rules.candidate_count, "Số đơn vị đưa ra suy tôn", CANDIDATES)
    if problem:
        errors["candidate_count"] = [problem]
    problem = _clean_count(rules.objection_days, "Số ngày được kiến nghị sau khi công bố", OBJECTION_DAYS)
    if problem:
        errors["objection_days"] = [problem]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def scoring_rules_update(*, campaign: Campaign, actor, **fields) -> ScoringRules:
    """Change the campaign's rule choices (created with the defaults on first use)."""
    unknown = set(fields) - FIELDS
    if unknown:
        raise TypeError(f"scoring_rules_update: unknown fields {sorted(unknown)}")
    if scoring_rules_locked(campaign):
        raise ValidationError(LOCKED_MESSAGE)
    rules, _created = ScoringRules.objects.get_or_create(campaign=campaign)
    rules = ScoringRules.objects.select_for_update().get(pk=rules.pk)
    before = {name: getattr(rules, name) for name in FIELDS}
    for name, value in fields.items():
        setattr(rules, name, value)
    validate_rules(rules)
    rules.full_clean()
    rules.save()
    changed = sorted(name for name in FIELDS if getattr(rules, name) != before[name])
    audit_record(
        kind=AuditEvent.Kind.CHANGE,
        summary=f"Sửa quy tắc tính điểm của {campaign.name} – {campaign.bloc.name}",
        actor=actor,
        data={"campaign": campaign.pk, "changed": changed},
    )
    return rules
