"""Rankings frozen when a review closes (DESIGN.md §4): what the review showed, whatever
corrections come later.

A snapshot is append-only: its rows can be neither changed nor deleted (the models refuse,
one by one and in bulk). A correction published after closing makes a new version with its
reason; the earlier versions stay, and the review keeps pointing at the one it closed on.

Each snapshot carries the rules it was computed under (as stored values and in words), the
criteria groups, and a SHA-256 of the canonical JSON of its entries, so that a later reader
can check that the rows are those that were frozen."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Max

from blocs.models import AuditEvent
from blocs.services.audit import audit_record
from campaigns.integrity import canonical_json, sha256_hex
from campaigns.models import Campaign
from scoring.models import RankingEntry, RankingPeriod, RankingSnapshot, RoundPeriod, ScoringRules
from scoring.selectors.ranking import GroupInfo, Ranking, RankingRow, period_rounds, ranking_for
from scoring.services.rules import scoring_rules_for
from thidua.lib.text import nfc

RULE_FIELDS = (
    "card_basis",
    "peer_scoring",
    "aggregation",
    "quarter_weights",
    "tie_breaks",
    "bands",
    "leading_by",
    "candidate_count",
)
MAX_REASON = 500


def period_words(period: str, year: int) -> str:
    """ "6 tháng đầu năm 2024", "năm 2024", "Quý I năm 2024"."""
    if period == RankingPeriod.YEAR:
        return f"năm {year}"
    if period == RankingPeriod.H1:
        return f"6 tháng đầu năm {year}"
    return f"{RankingPeriod(period).label} năm {year}"


def _text(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _number(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _rules_json(rules: ScoringRules) -> dict:
    return {name: getattr(rules, name) for name in RULE_FIELDS}


def _entry_json(entry: RankingEntry) -> dict:
    """An entry as the hash sees it: every value the snapshot shows, numbers as strings."""
    return {
        "unit": entry.unit_id,
        "unit_name": entry.unit_name,
        "position": entry.position,
        "rank": entry.rank,
        "tied": entry.tied,
        "tie_break": entry.tie_break,
        "total": _text(entry.total),
        "standard": _text(entry.standard),
        "bonus": _text(entry.bonus),
        "penalty": _text(entry.penalty),
        "core": _text(entry.core),
        "classification": entry.classification,
        "disqualified": entry.disqualified,
        "missing": list(entry.missing),
        "quarters": dict(entry.quarters),
        "group_points": dict(entry.group_points),
    }


def entries_hash(entries: list[RankingEntry]) -> str:
    """SHA-256 of the canonical JSON of the entries, in their order."""
    return sha256_hex(canonical_json({"entries": [_entry_json(e) for e in entries]}))


def _entry(row: RankingRow, position: int) -> RankingEntry:
    return RankingEntry(
        unit_id=row.unit_id,
        unit_name=row.name,
        position=position,
        rank=row.rank,
        tied=row.tied,
        tie_break=",".join(row.tie_break),
        total=row.total,
        standard=row.standard,
        bonus=row.bonus,
        penalty=row.penalty,
        core=row.core,
        classification=row.classification,
        disqualified=row.disqualified,
        missing=list(row.missing),
        quarters={period: _text(value) for period, value in row.quarters.items() if value is not None},
        group_points={code: _text(value) for code, value in row.groups.items()},
    )


@transaction.atomic
def ranking_snapshot_freeze(*, campaign: Campaign, period: str, actor, reason: str = "") -> RankingSnapshot:
    """Freeze the ranking of `campaign` for `period` from its published rounds, as the next
    version of that period's snapshots. Three queries to read, two to write (plus the audit)."""
    if period not in RankingPeriod.values:
        raise ValueError(f"ranking_snapshot_freeze: unknown period {period!r}")
    reason = nfc(reason or "")[:MAX_REASON]
    # Lock the campaign so that two freezes of one period cannot take the same version.
    campaign = Campaign.objects.select_for_update().select_related("bloc").get(pk=campaign.pk)
    rules = scoring_rules_for(campaign)
    ranking = ranking_for(campaign=campaign, period=period, rules=rules, published_only=True)
    last = RankingSnapshot.objects.filter(campaign=campaign, period=period).aggregate(v=Max("version"))["v"]
    entries = [_entry(row, position) for position, row in enumerate(ranking.rows, start=1)]
    snapshot = RankingSnapshot.objects.create(
        campaign=campaign,
        period=period,
        version=(last or 0) + 1,
        reason=reason,
        rules=_rules_json(rules),
        rules_text=ranking.rules_text,
        groups=[{"code": g.code, "title": g.title, "kind": g.kind} for g in ranking.groups],
        content_hash=entries_hash(entries),
        made_by=actor,
    )
    for entry in entries:
        entry.snapshot = snapshot
    RankingEntry.objects.bulk_create(entries)
    label = period_words(period, campaign.year)
    audit_record(
        kind=AuditEvent.Kind.PUBLISH,
        summary=f"Chốt kết quả xếp hạng {label} của {campaign.bloc.name} (phiên bản {snapshot.version})"
        + (f": {reason}" if reason else ""),
        actor=actor,
        data={"snapshot": snapshot.pk, "content_hash": snapshot.content_hash},
    )
    return snapshot


# --- Reading a snapshot back -------------------------------------------------------------------


class FrozenRanking(Ranking):
    """A snapshot read back as a `Ranking`: the same rows, groups and leader rule, with the
    rules in the words stored at freezing."""

    stored_rules_text: list[str]
    snapshot: RankingSnapshot

    @property
    def rules_text(self) -> list[str]:  # type: ignore[override]
        return self.stored_rules_text


def _shares_total(rows: list[RankingRow]) -> None:
    """Mark units of equal total (within complete or incomplete units), as the live ranking does."""
    seen: dict[tuple, list[RankingRow]] = {}
    for row in rows:
        if row.is_scored:
            seen.setdefault((bool(row.missing), row.total), []).append(row)
    for group in seen.values():
        if len(group) > 1:
            for row in group:
                row.shares_total = True


def snapshot_as_rows(snapshot: RankingSnapshot) -> list[RankingRow]:
    """The snapshot's entries as `RankingRow`s (the live ranking's shape), in their frozen
    order. One query."""
    rows = []
    for entry in snapshot.entries.select_related("unit").order_by("position"):
        row = RankingRow(
            unit_id=entry.unit_id,
            name=entry.unit_name,
            short_name=entry.unit.short_name or "",
            code=entry.unit.code or "",
            rank=entry.rank,
            tied=entry.tied,
            total=entry.total,
            standard=entry.standard,
            bonus=entry.bonus,
            penalty=entry.penalty,
            core=entry.core,
            max_standard=None,
            disqualified=entry.disqualified,
            missing=list(entry.missing),
            quarters={period: _number(value) for period, value in entry.quarters.items()},
            groups={code: _number(value) or Decimal("0.00") for code, value in entry.group_points.items()},
            classification=entry.classification,
            tie_break=[key for key in entry.tie_break.split(",") if key],
        )
        rows.append(row)
    _shares_total(rows)
    return rows


def snapshot_ranking(snapshot: RankingSnapshot) -> FrozenRanking:
    """The snapshot as a ranking object that the ranking templates render like a live one.
    One query (the entries); `snapshot.campaign` should be loaded."""
    rules = ScoringRules(
        campaign=snapshot.campaign, **{k: v for k, v in snapshot.rules.items() if k in RULE_FIELDS}
    )
    ranking = FrozenRanking(
        campaign=snapshot.campaign,
        period=snapshot.period,
        rules=rules,
        rows=snapshot_as_rows(snapshot),
        groups=[GroupInfo(code=g["code"], title=g["title"], kind=g["kind"]) for g in snapshot.groups],
        rounds=period_rounds(snapshot.period, rules),
        published_only=True,
    )
    seen = {period for row in ranking.rows for period in row.quarters}
    ranking.rounds_with_results = [p for p in RoundPeriod.values if p in seen]
    ranking.stored_rules_text = list(snapshot.rules_text)
    ranking.snapshot = snapshot
    return ranking


def snapshot_is_intact(snapshot: RankingSnapshot) -> bool:
    """True when the stored entries still hash to the snapshot's content hash. One query."""
    return entries_hash(list(snapshot.entries.order_by("position"))) == snapshot.content_hash


# --- Changes since a snapshot ------------------------------------------------------------------


@dataclass(frozen=True)
class SnapshotChange:
    """A unit whose total or rank differs between a snapshot and the live ranking."""

    unit_id: int
    name: str
    frozen_total: Decimal | None
    live_total: Decimal | None
    frozen_rank: str
    live_rank: str

    @property
    def total_changed(self) -> bool:
        return self.frozen_total != self.live_total

    @property
    def rank_changed(self) -> bool:
        return self.frozen_rank != self.live_rank


def snapshot_changes(snapshot: RankingSnapshot | list[RankingRow], ranking: Ranking) -> list[SnapshotChange]:
    """Units whose total or rank (with its "=") differ from the snapshot in `ranking`, in the
    live ranking's order, then units that only the snapshot has. Pass the snapshot's rows
    (`snapshot_as_rows`) when they are already loaded: no query then, else one."""
    frozen_rows = snapshot if isinstance(snapshot, list) else snapshot_as_rows(snapshot)
    frozen = {row.unit_id: row for row in frozen_rows}
    changes = []
    for row in ranking.rows:
        before = frozen.pop(row.unit_id, None)
        before_total = before.total if before else None
        before_rank = before.rank_label if before else "–"
        if before_total != row.total or before_rank != row.rank_label:
            changes.append(
                SnapshotChange(row.unit_id, row.name, before_total, row.total, before_rank, row.rank_label)
            )
    for row in frozen.values():
        changes.append(SnapshotChange(row.unit_id, row.name, row.total, None, row.rank_label, "–"))
    return changes
