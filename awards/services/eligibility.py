"""Award eligibility and quotas (DESIGN.md §5 rule 7): pure functions, no queries.

`check_unit` answers, for one unit and one title, each of the title's rules with a Vietnamese
sentence that carries the numbers it was decided on ("Xếp loại Xuất sắc (yêu cầu từ Tốt trở
lên): đạt"). The caller loads the rules, the ranking entry, the award history and the pending
flags; nothing here touches the database, so every rule is tested on plain objects.

`quota_for` is a title's cap in a bloc: its share of the member units, rounded down, raised to
one when the title says "at least one".
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal

from awards.models import RuleKind, UnitFlagKind
from scoring.models import default_bands
from scoring.services.rules import LOWEST_BAND
from thidua.lib.numbers import format_decimal

PASSED = "đạt"
FAILED = "không đạt"
QUOTA_RULE = "quota"


@dataclass(frozen=True)
class Check:
    """One rule answered for one unit: which rule, whether it passed, and why."""

    rule: str
    label: str
    passed: bool
    text: str

    def as_json(self) -> dict:
        return asdict(self)


def band_order(bands: Sequence | None = None) -> list[str]:
    """Classification labels from best to worst: the campaign's bands, then "Yếu"."""
    labels = [str(band[0]) for band in (bands or default_bands())]
    if LOWEST_BAND not in labels:
        labels.append(LOWEST_BAND)
    return labels


def quota_for(title, member_count: int) -> int | None:
    """How many member units of a bloc the title may go to; None when unlimited."""
    if title.quota_percent is None:
        return None
    share = Decimal(title.quota_percent) * Decimal(member_count) / Decimal(100)
    quota = math.floor(share)
    if quota == 0 and title.quota_at_least_one and member_count > 0:
        return 1
    return quota


def quota_text(title, member_count: int) -> str:
    """The quota as a sentence: "20% của 4 đơn vị thành viên = 0,8, làm tròn xuống 0; được ít nhất 1 suất"."""
    quota = quota_for(title, member_count)
    if quota is None:
        return "Không giới hạn số đơn vị"
    share = Decimal(title.quota_percent) * Decimal(member_count) / Decimal(100)
    text = (
        f"{format_decimal(title.quota_percent)}% của {member_count} đơn vị thành viên"
        f" = {format_decimal(share)}, làm tròn xuống {math.floor(share)}"
    )
    if math.floor(share) == 0 and quota == 1:
        text += "; được ít nhất 1 suất"
    return f"{text} → {quota} suất"


def _result(passed: bool) -> str:
    return PASSED if passed else FAILED


def _rank_label(entry) -> str:
    return f"{entry.rank}{'=' if entry.tied else ''}"


def _years_text(years: list[int]) -> str:
    if not years:
        return ""
    return str(years[0]) if len(years) == 1 else f"{years[0]}–{years[-1]}"


def consecutive_run(
    held: set[tuple[int, int]], title_id: int, year: int, also_proposed: Collection[int]
) -> list[int]:
    """The unbroken run of years holding the title, ending this year if it is held (or
    proposed in the same list), else the year before."""

    def has(y: int) -> bool:
        return (title_id, y) in held or (y == year and title_id in also_proposed)

    run: list[int] = []
    y = year if has(year) else year - 1
    while has(y):
        run.insert(0, y)
        y -= 1
    return run


def check_unit(
    *,
    title,
    unit,
    entry,
    leading_unit,
    year: int,
    history: Iterable,
    flags: Iterable,
    rules: Iterable | None = None,
    bands: Sequence | None = None,
    also_proposed: Collection[int] = (),
) -> list[Check]:
    """Every rule of `title` answered for `unit`.

    entry: the unit's RankingEntry in the review's snapshot (None if it is not ranked);
    leading_unit: the unit the review named leading unit (None if none);
    history: AwardRecords (any units; only this unit's are read) with `title_id` and `year`;
    flags: UnitFlags pending on the review's date (any units; only this unit's are read);
    rules: the title's EligibilityRules (defaults to `title.rules.all()`);
    bands: the campaign's classification bands, best first (defaults to DESIGN.md §5);
    also_proposed: ids of titles proposed for this unit in the same list: a "title the same
      year" rule counts them, pending the decision.
    """
    rules = list(title.rules.all() if rules is None else rules)
    held = {(record.title_id, record.year) for record in history if record.unit_id == unit.pk}
    own_flags = [flag for flag in flags if flag.unit_id == unit.pk]
    order = band_order(bands)
    checks: list[Check] = []
    for rule in rules:
        label = rule.get_kind_display()
        kind = rule.kind
        if kind == RuleKind.LEADING_UNIT:
            if leading_unit is None:
                passed, text = False, "Hội nghị chưa xác định đơn vị dẫn đầu"
            elif leading_unit.pk == unit.pk:
                passed, text = True, f"Là đơn vị dẫn đầu năm {year}"
            else:
                passed, text = (
                    False,
                    f"Không phải đơn vị dẫn đầu (đơn vị dẫn đầu năm {year}: {leading_unit.name})",
                )
        elif kind == RuleKind.MIN_CLASSIFICATION:
            required = rule.classification
            actual = getattr(entry, "classification", "") or ""
            if required not in order:
                passed, text = False, f"Mức xếp loại “{required}” không có trong cách xếp loại của phong trào"
            elif actual not in order:
                passed, text = False, f"Chưa có xếp loại (yêu cầu từ {required} trở lên)"
            else:
                passed = order.index(actual) <= order.index(required)
                text = f"Xếp loại {actual} (yêu cầu từ {required} trở lên)"
        elif kind == RuleKind.MAX_RANK:
            if entry is None or entry.rank is None:
                passed, text = False, f"Chưa có xếp hạng (yêu cầu từ hạng 1 đến hạng {rule.number})"
            else:
                passed = entry.rank <= (rule.number or 0)
                total = f" với {format_decimal(entry.total)} điểm" if entry.total is not None else ""
                text = f"Xếp hạng {_rank_label(entry)}{total} (yêu cầu từ hạng 1 đến hạng {rule.number})"
        elif kind == RuleKind.NOT_DISQUALIFIED:
            if entry is None:
                passed, text = False, "Không có trong kết quả xếp hạng đã chốt"
            elif entry.disqualified:
                passed, text = False, "Vi phạm tiêu chí phủ quyết trong năm"
            else:
                passed, text = True, "Không vi phạm tiêu chí phủ quyết"
        elif kind == RuleKind.TITLE_SAME_YEAR:
            required = rule.required_title
            if (required.pk, year) in held:
                passed, text = True, f"Đã được tặng {required.name} năm {year}"
            elif required.pk in also_proposed:
                passed, text = (
                    True,
                    f"Được đề nghị {required.name} năm {year} trong cùng danh sách (chờ quyết định)",
                )
            else:
                passed, text = False, f"Chưa được tặng và không được đề nghị {required.name} năm {year}"
        elif kind == RuleKind.CONSECUTIVE_YEARS:
            required = rule.required_title or title
            needed = rule.number or 0
            run = consecutive_run(held, required.pk, year, also_proposed)
            passed = len(run) >= needed
            if run:
                pending = (
                    f" (năm {year} đang đề nghị)"
                    if run[-1] == year and (required.pk, year) not in held
                    else ""
                )
                text = (
                    f"Đạt {required.name} {len(run)} năm liên tục ({_years_text(run)}){pending}, "
                    f"yêu cầu {needed} năm liên tục"
                )
            else:
                text = f"Không đạt {required.name} năm {year - 1} nên chưa có năm liên tục nào, yêu cầu {needed} năm liên tục"
        elif kind == RuleKind.NO_PENDING_FLAG:
            if own_flags:
                passed = False
                text = "; ".join(
                    f"{UnitFlagKind(flag.kind).label} từ {flag.opened_on:%d/%m/%Y}"
                    + (f" ({flag.note})" if flag.note else "")
                    for flag in own_flags
                )
            else:
                passed, text = True, "Không có vụ việc kỷ luật, thanh tra, khiếu nại đang xem xét"
        else:  # a kind added to the model but not to the engine must never pass silently
            passed, text = False, f"Chưa có cách xét điều kiện “{label}”"
        checks.append(Check(rule=kind, label=label, passed=passed, text=f"{text}: {_result(passed)}"))
    return checks


def quota_check(*, title, member_count: int, seat: int) -> Check | None:
    """The quota answered for the nomination holding `seat` (1-based) among the title's
    nominations of the list; None when the title has no quota."""
    quota = quota_for(title, member_count)
    if quota is None:
        return None
    passed = seat <= quota
    if passed:
        text = f"Trong chỉ tiêu: suất {seat}/{quota} ({quota_text(title, member_count)}): đạt"
    else:
        text = f"Vượt chỉ tiêu: đề nghị thứ {seat} khi chỉ có {quota} suất ({quota_text(title, member_count)}): không đạt"
    return Check(rule=QUOTA_RULE, label="Trong chỉ tiêu của khối/cụm", passed=passed, text=text)
