"""Writing scores: the secretariat's whole grid in one transaction, a unit's own card.

Every cell is checked before anything is written; a card changed by someone else since the
writer loaded it (its `version` moved) stops the whole save and names who changed what, so
nothing typed is lost and nothing is overwritten silently."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from blocs.models import Assignment, AuditEvent, Membership, Role
from blocs.services.audit import audit_record
from scoring.models import (
    Correction,
    CriteriaSet,
    Criterion,
    CriterionKind,
    RoundState,
    Score,
    Scorecard,
    ScorecardKind,
    ScorecardState,
    ScoringRound,
)
from thidua.lib.numbers import format_decimal
from thidua.lib.text import nfc

MAX_NOTE = 1000
Cell = tuple[int, int]  # (unit id, criterion id)


class InvalidScores(ValidationError):
    """Bad cells, each with its Vietnamese reason; nothing was written."""

    def __init__(self, cells: dict[Cell, str], general: list[str] | None = None):
        self.cells = cells
        self.general = general or []
        messages = [*self.general, *cells.values()]
        super().__init__(messages or ["Dữ liệu điểm không hợp lệ."])


@dataclass
class ConflictCard:
    unit_id: int
    unit_name: str
    updated_by: str
    updated_at: datetime | None
    version: int
    # (criterion code, value now stored, value the writer sent)
    cells: list[tuple[str, Decimal | None, Decimal | None]] = field(default_factory=list)


class ScoreConflict(Exception):
    """Someone saved these cards after the writer loaded them. Nothing was written."""

    def __init__(self, cards: list[ConflictCard]):
        self.cards = cards
        super().__init__("Có người khác đã lưu điểm của cùng đơn vị trong lúc bạn nhập.")


@dataclass
class SaveResult:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    versions: dict[int, int] = field(default_factory=dict)

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.deleted


def check_points(criterion: Criterion, value: Decimal) -> str | None:
    """The rule a value breaks, or None. Penalties are positive amounts; vetoes are 0 or 1."""
    if not value.is_finite():
        return f"Tiêu chí {criterion.code}: giá trị không phải là số."
    if criterion.kind == CriterionKind.VETO:
        if value not in (Decimal(0), Decimal(1)):
            return f"Tiêu chí phủ quyết {criterion.code} chỉ nhận 0 (không vi phạm) hoặc 1 (có vi phạm)."
        return None
    if value < 0:
        return f"Tiêu chí {criterion.code}: điểm không được âm (điểm trừ nhập số dương)."
    if value.as_tuple().exponent < -2:
        return f"Tiêu chí {criterion.code}: điểm chỉ lấy tối đa 2 chữ số sau dấu phẩy."
    if criterion.max_points is not None and value > criterion.max_points:
        # A number of more than 28 digits cannot be rounded for display (InvalidOperation).
        typed = format_decimal(value) if value.adjusted() < 12 else "một số quá lớn"
        return (
            f"Tiêu chí {criterion.code}: tối đa {format_decimal(criterion.max_points)} điểm, đã nhập {typed}."
        )
    return None


def _leaves(criteria_set: CriteriaSet) -> dict[int, Criterion]:
    return {c.pk: c for c in Criterion.objects.filter(criteria_set=criteria_set, children__isnull=True)}


def _member_ids(scoring_round: ScoringRound) -> dict[int, str]:
    memberships = Membership.objects.filter(
        Q(bloc_id=scoring_round.campaign.bloc_id),
        Q(joined_on__lte=scoring_round.ends_on),
        Q(left_on__isnull=True) | Q(left_on__gte=scoring_round.starts_on),
    ).values_list("unit_id", "unit__name")
    return dict(memberships)


def _lock_round(scoring_round: ScoringRound) -> ScoringRound:
    return (
        ScoringRound.objects.select_for_update(of=("self",))
        .select_related("campaign__bloc", "criteria_set")
        .get(pk=scoring_round.pk)
    )


def _validate(
    entries: dict[Cell, Decimal | None],
    notes: dict[Cell, str] | None,
    leaves: dict[int, Criterion],
    members: dict[int, str],
) -> None:
    cells: dict[Cell, str] = {}
    general: list[str] = []
    for (unit_id, criterion_id), value in entries.items():
        if unit_id not in members:
            general.append(f"Đơn vị mã số {unit_id} không thuộc khối/cụm trong kỳ chấm này.")
            continue
        criterion = leaves.get(criterion_id)
        if criterion is None:
            general.append(f"Tiêu chí mã số {criterion_id} không thuộc bộ tiêu chí của đợt chấm.")
            continue
        if value is not None and (problem := check_points(criterion, value)):
            cells[(unit_id, criterion_id)] = f"{members[unit_id]} – {problem}"
    for cell, note in (notes or {}).items():
        if len(note) > MAX_NOTE:
            cells[cell] = f"Ghi chú quá {MAX_NOTE} ký tự."
    if cells or general:
        raise InvalidScores(cells, sorted(set(general)))


def _check_versions(
    cards: dict[int, Scorecard],
    base_versions: dict[int, int],
    entries: dict[Cell, Decimal | None],
    existing: dict[tuple[int, int], Score],
    leaves: dict[int, Criterion],
    members: dict[int, str],
) -> None:
    touched = {unit_id for unit_id, _ in entries}
    conflicts: list[ConflictCard] = []
    for unit_id in sorted(touched):
        card = cards[unit_id]
        if card.version == base_versions.get(unit_id, 0):
            continue
        conflict = ConflictCard(
            unit_id=unit_id,
            unit_name=members[unit_id],
            updated_by=str(card.updated_by) if card.updated_by_id else "không rõ",
            updated_at=card.updated_at,
            version=card.version,
        )
        for (entry_unit, criterion_id), sent in sorted(entries.items()):
            if entry_unit != unit_id:
                continue
            stored = existing.get((card.pk, criterion_id))
            stored_value = stored.points if stored else None
            if stored_value != sent:
                conflict.cells.append((leaves[criterion_id].code, stored_value, sent))
        conflicts.append(conflict)
    if conflicts:
        raise ScoreConflict(conflicts)


def _write(
    *,
    cards: dict[int, Scorecard],
    entries: dict[Cell, Decimal | None],
    notes: dict[Cell, str] | None,
    existing: dict[tuple[int, int], Score],
    leaves: dict[int, Criterion],
    actor,
    reason: str,
) -> tuple[SaveResult, dict[int, list[dict]]]:
    result = SaveResult()
    to_create: list[Score] = []
    to_update: list[Score] = []
    to_delete: list[int] = []
    changes: dict[int, list[dict]] = defaultdict(list)
    touched: set[int] = set()
    for (unit_id, criterion_id), value in entries.items():
        card = cards[unit_id]
        stored = existing.get((card.pk, criterion_id))
        note = (notes or {}).get((unit_id, criterion_id))
        before = stored.points if stored else None
        if value is None:
            if stored is not None:
                to_delete.append(stored.pk)
                touched.add(unit_id)
                changes[unit_id].append(
                    {"criterion": leaves[criterion_id].code, "old": str(before), "new": None}
                )
            continue
        if stored is None:
            to_create.append(Score(scorecard=card, criterion_id=criterion_id, points=value, note=note or ""))
        elif stored.points != value or (note is not None and note != stored.note):
            stored.points = value
            if note is not None:
                stored.note = note
            to_update.append(stored)
        else:
            continue
        touched.add(unit_id)
        if before != value:
            changes[unit_id].append(
                {
                    "criterion": leaves[criterion_id].code,
                    "old": None if before is None else str(before),
                    "new": str(value),
                }
            )
    history = {"default_user": actor, "default_change_reason": reason or None}
    if to_create:
        bulk_create_with_history(to_create, Score, **history)
    if to_update:
        _update_scores(to_update, history)
    if to_delete:
        for score in Score.objects.filter(pk__in=to_delete):
            score._history_user = actor
            score._change_reason = reason or None
            score.delete()
    result.created, result.updated, result.deleted = len(to_create), len(to_update), len(to_delete)
    now = timezone.now()
    touched_cards = [cards[u] for u in sorted(touched)]
    for card in touched_cards:
        card.version += 1
        card.updated_at = now
        card.updated_by = actor
    if touched_cards:
        Scorecard.objects.bulk_update(touched_cards, ["version", "updated_at", "updated_by"])
    result.versions = {unit_id: card.version for unit_id, card in cards.items()}
    return result, changes


def _update_scores(scores: list[Score], history: dict) -> None:
    """Write changed scores in one upsert (INSERT … ON CONFLICT (scorecard, criterion) DO
    UPDATE) and their history rows in one insert. Django's `bulk_update` builds a `CASE WHEN`
    per row and field, several times slower for a whole grid (docs/performance.md). The cards
    are locked, so every row is still there and the insert always turns into an update."""
    now = timezone.now()
    for score in scores:
        score.updated_at = now
    Score.objects.bulk_create(
        [
            Score(
                scorecard_id=score.scorecard_id,
                criterion_id=score.criterion_id,
                points=score.points,
                note=score.note,
                evidence=score.evidence,
                updated_at=now,
            )
            for score in scores
        ],
        update_conflicts=True,
        unique_fields=["scorecard", "criterion"],
        update_fields=["points", "note", "updated_at"],
    )
    Score.history.bulk_history_create(scores, update=True, **history)


def _freeze_criteria(criteria_set: CriteriaSet) -> None:
    if criteria_set.frozen_at is None:
        CriteriaSet.objects.filter(pk=criteria_set.pk, frozen_at__isnull=True).update(
            frozen_at=timezone.now()
        )
        criteria_set.frozen_at = timezone.now()


@transaction.atomic
def final_grid_save(
    *,
    scoring_round: ScoringRound,
    entries: dict[Cell, Decimal | None],
    base_versions: dict[int, int],
    actor,
    reason: str = "",
    leaves: dict[int, Criterion] | None = None,
    members: dict[int, str] | None = None,
) -> SaveResult:
    """Write the secretariat's (final) scores of many units at once.

    `entries` maps (unit id, criterion id) to points, or None to clear the cell;
    `base_versions` maps each unit to the version of its card the writer loaded (0 when it had
    none). In a published round every change is a correction and needs a reason.

    `leaves` (leaf criteria by id) and `members` (unit names by id) are the round's, as a caller
    that has just read them passes them (the grid page); they are read here otherwise."""
    scoring_round = _lock_round(scoring_round)
    reason = nfc(reason or "")
    if scoring_round.state == RoundState.CLOSED:
        raise ValidationError("Đợt chấm đã khóa sổ, không nhập thêm điểm được (mở lại đợt chấm nếu cần sửa).")
    if scoring_round.state == RoundState.PUBLISHED and not reason:
        raise ValidationError(
            {"reason": "Đợt chấm đã công bố: mọi thay đổi là đính chính và phải nêu lý do."}
        )
    if len(reason) > 500:
        raise ValidationError({"reason": "Lý do đính chính không quá 500 ký tự."})
    leaves = _leaves(scoring_round.criteria_set) if leaves is None else leaves
    members = _member_ids(scoring_round) if members is None else members
    _validate(entries, None, leaves, members)
    if not entries:
        return SaveResult()

    units = sorted({unit_id for unit_id, _ in entries})
    cards = {
        card.scored_unit_id: card
        for card in Scorecard.objects.select_for_update(of=("self",))
        .select_related("updated_by")
        .filter(round=scoring_round, kind=ScorecardKind.FINAL, scored_unit_id__in=units)
    }
    missing = [
        Scorecard(round=scoring_round, scored_unit_id=u, kind=ScorecardKind.FINAL)
        for u in units
        if u not in cards
    ]
    if missing:
        for card in Scorecard.objects.bulk_create(missing):
            cards[card.scored_unit_id] = card
    existing = {
        (score.scorecard_id, score.criterion_id): score
        for score in Score.objects.filter(scorecard__in=[c.pk for c in cards.values()])
    }
    _check_versions(cards, base_versions, entries, existing, leaves, members)
    result, changes = _write(
        cards=cards, entries=entries, notes=None, existing=existing, leaves=leaves, actor=actor, reason=reason
    )
    if result.changed:
        _freeze_criteria(scoring_round.criteria_set)
    if scoring_round.state == RoundState.PUBLISHED and changes:
        Correction.objects.bulk_create(
            Correction(scorecard=cards[u], version=cards[u].version, reason=reason, changes=c, made_by=actor)
            for u, c in changes.items()
        )
    audit_record(
        kind=AuditEvent.Kind.CHANGE,
        summary=(
            f"{'Đính chính' if scoring_round.state == RoundState.PUBLISHED else 'Lưu'} điểm {scoring_round}: "
            f"{result.created} thêm, {result.updated} sửa, {result.deleted} xóa"
        ),
        actor=actor,
        data={"round": scoring_round.pk, "units": sorted(changes), "reason": reason},
    )
    return result


def _can_draft_own_card(user, unit_id: int) -> bool:
    return Assignment.objects.filter(
        user=user, unit_id=unit_id, role__in=[Role.LEADER, Role.OFFICER]
    ).exists()


@transaction.atomic
def self_card_save(
    *,
    scoring_round: ScoringRound,
    unit_id: int,
    entries: dict[int, Decimal | None],
    notes: dict[int, str] | None = None,
    base_version: int,
    actor,
) -> tuple[Scorecard, SaveResult]:
    """A unit's officer or leader drafts its self-assessment while the round is open."""
    if not _can_draft_own_card(actor, unit_id):
        raise PermissionDenied("Chỉ chỉ huy hoặc cán bộ của đơn vị mới được tự chấm cho đơn vị.")
    scoring_round = _lock_round(scoring_round)
    if scoring_round.state != RoundState.OPEN:
        raise ValidationError("Đợt chấm không còn nhận điểm tự chấm (đã khóa sổ hoặc đã công bố).")
    leaves = _leaves(scoring_round.criteria_set)
    members = _member_ids(scoring_round)
    cell_entries = {(unit_id, c): v for c, v in entries.items()}
    cell_notes = {(unit_id, c): nfc(n) for c, n in (notes or {}).items()}
    _validate(cell_entries, cell_notes, leaves, members)
    card, _ = (
        Scorecard.objects.select_for_update(of=("self",))
        .select_related("updated_by")
        .get_or_create(round=scoring_round, scored_unit_id=unit_id, kind=ScorecardKind.SELF)
    )
    if card.state == ScorecardState.SUBMITTED:
        raise ValidationError("Phiếu tự chấm đã được chỉ huy gửi, không sửa được nữa.")
    existing = {(s.scorecard_id, s.criterion_id): s for s in card.scores.all()}
    # Notes typed without a value are kept on the cell with the value already stored.
    for cell in cell_notes:
        if cell not in cell_entries:
            stored = existing.get((card.pk, cell[1]))
            cell_entries[cell] = stored.points if stored else None
    _check_versions({unit_id: card}, {unit_id: base_version}, cell_entries, existing, leaves, members)
    result, _changes = _write(
        cards={unit_id: card},
        entries=cell_entries,
        notes=cell_notes,
        existing=existing,
        leaves=leaves,
        actor=actor,
        reason="",
    )
    if result.changed:
        _freeze_criteria(scoring_round.criteria_set)
        audit_record(
            kind=AuditEvent.Kind.CHANGE,
            summary=f"Lưu phiếu tự chấm của {members[unit_id]}, {scoring_round}",
            actor=actor,
            data={"round": scoring_round.pk, "unit": unit_id},
        )
    return card, result


@transaction.atomic
def self_card_submit(*, scorecard: Scorecard, actor) -> Scorecard:
    """The unit's leader sends its self-assessment to the secretariat."""
    if not Assignment.objects.filter(user=actor, unit_id=scorecard.scored_unit_id, role=Role.LEADER).exists():
        raise PermissionDenied("Chỉ chỉ huy đơn vị mới được gửi phiếu tự chấm.")
    card = (
        Scorecard.objects.select_for_update(of=("self",))
        .select_related("round__criteria_set")
        .get(pk=scorecard.pk)
    )
    if card.kind != ScorecardKind.SELF:
        raise ValidationError("Chỉ gửi được phiếu tự chấm.")
    if card.round.state != RoundState.OPEN:
        raise ValidationError("Đợt chấm không còn nhận phiếu tự chấm.")
    if card.state == ScorecardState.SUBMITTED:
        raise ValidationError("Phiếu tự chấm đã được gửi trước đó.")
    standard = {
        pk
        for pk, kind in Criterion.objects.filter(
            criteria_set=card.round.criteria_set, children__isnull=True
        ).values_list("pk", "kind")
        if kind == CriterionKind.STANDARD
    }
    missing = standard - set(card.scores.values_list("criterion_id", flat=True))
    if missing:
        codes = sorted(Criterion.objects.filter(pk__in=missing).values_list("code", flat=True))
        raise ValidationError(f"Còn {len(missing)} tiêu chí chưa chấm: {', '.join(codes)}.")
    card.state = ScorecardState.SUBMITTED
    card.submitted_at = timezone.now()
    card.submitted_by = actor
    # The row is locked (select_for_update above), so a plain increment is safe; an F()
    # expression would reach the historical record, which cannot store one.
    card.version += 1
    card.save(update_fields=["state", "submitted_at", "submitted_by", "version"])
    audit_record(kind=AuditEvent.Kind.CHANGE, summary=f"Gửi phiếu tự chấm: {card}", actor=actor)
    return card
