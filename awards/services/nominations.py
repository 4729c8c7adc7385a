"""Award proposals from a closed tổng kết (DESIGN.md §5 rule 7).

Generation, from the review's frozen ranking:
1. the leading unit is proposed for the bloc's flag: the Bộ Quốc phòng flag for a bloc the
   Ministry organised, the command-level flag for a cluster of a quân khu, quân chủng, tổng cục…;
2. emulation titles (danh hiệu) whose rules look at the ranking (a minimum classification or
   a rank), in catalogue order: each unit, best ranked first and the leading unit before all,
   gets the first title it qualifies for while the title's quota lasts — one title a year per
   unit (one achievement, one award);
3. award forms (bằng khen…) with a ranking rule the same way, except for the unit proposed for
   the flag, whose achievement the flag already rewards.
Titles and forms of the Government level are proposed by the Ministry; the secretariat adds them
by hand when asked, as any other nomination.

Every nomination keeps each rule's check with its explanation, and a quota check (seats go in
list order: an added nomination takes the last seat). A nomination that fails a rule or the
quota is kept only with a written justification, printed on the list; the list cannot be
submitted while one is unjustified.
"""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from awards.models import (
    AwardRecord,
    EligibilityRule,
    Nomination,
    NominationBasis,
    NominationList,
    NominationListState,
    NominationState,
    Recipient,
    Review,
    RuleKind,
    Title,
    TitleKind,
    TitleLevel,
    UnitFlag,
)
from awards.services.eligibility import check_unit, quota_check, quota_for
from blocs.models import AuditEvent, Bloc, Echelon, Membership, Unit
from blocs.services.audit import audit_record
from scoring.models import RankingEntry, ScoringRules
from thidua.lib.text import nfc

RANKING_RULES = (RuleKind.MIN_CLASSIFICATION, RuleKind.MAX_RANK)
NOT_DRAFT = "Danh sách đã trình cấp trên, không sửa được nữa."


# --- What a list is checked against ---------------------------------------------------------------


def flag_level_for(bloc: Bloc) -> str:
    """The level of the flag a bloc's leading unit is proposed for."""
    return TitleLevel.MINISTRY if bloc.organiser.echelon == Echelon.MINISTRY else TitleLevel.COMMAND


def member_ids(bloc: Bloc, year: int) -> set[int]:
    return set(Membership.objects.filter(bloc=bloc).during_year(year).values_list("unit_id", flat=True))


def bands_for(review: Review) -> list | None:
    snapshot_bands = (review.snapshot.rules or {}).get("bands") if review.snapshot_id else None
    if snapshot_bands:
        return snapshot_bands
    rules = ScoringRules.objects.filter(campaign_id=review.campaign_id).first()
    return rules.bands if rules else None


class Context:
    """Everything the checks of one list read, loaded once (a fixed number of queries)."""

    def __init__(self, review: Review):
        self.review = review
        self.bloc = review.campaign.bloc
        self.year = review.campaign.year
        self.members = member_ids(self.bloc, self.year)
        self.member_count = len(self.members)
        self.entries: dict[int, RankingEntry] = (
            {entry.unit_id: entry for entry in review.snapshot.entries.select_related("unit")}
            if review.snapshot_id
            else {}
        )
        self.history = list(
            AwardRecord.objects.filter(unit_id__in=self.members | set(self.entries)).only(
                "unit_id", "title_id", "year"
            )
        )
        self.flags = list(UnitFlag.objects.pending(timezone.localdate()).filter(unit_id__in=self.members))
        self.bands = bands_for(review)
        self.rules: dict[int, list[EligibilityRule]] = defaultdict(list)
        for rule in EligibilityRule.objects.select_related("required_title", "title").order_by(
            "position", "pk"
        ):
            self.rules[rule.title_id].append(rule)

    def checks(self, *, title: Title, unit: Unit, also_proposed=()) -> list:
        return check_unit(
            title=title,
            unit=unit,
            entry=self.entries.get(unit.pk),
            leading_unit=self.review.leading_unit,
            year=self.year,
            history=self.history,
            flags=self.flags,
            rules=self.rules.get(title.pk, []),
            bands=self.bands,
            also_proposed=also_proposed,
        )


def _evaluate(nomination_list: NominationList, context: Context) -> list[Nomination]:
    """Recompute every nomination's checks (a flag's "title the same year" depends on the other
    nominations; the quota on the order), save the ones that changed, return them all."""
    nominations = list(nomination_list.nominations.select_related("unit", "title").order_by("position", "pk"))
    proposed: dict[int, set[int]] = defaultdict(set)
    for nomination in nominations:
        proposed[nomination.unit_id].add(nomination.title_id)
    seats: dict[int, int] = defaultdict(int)
    for nomination in nominations:
        checks = context.checks(
            title=nomination.title,
            unit=nomination.unit,
            also_proposed=proposed[nomination.unit_id] - {nomination.title_id},
        )
        seats[nomination.title_id] += 1
        quota = quota_check(
            title=nomination.title, member_count=context.member_count, seat=seats[nomination.title_id]
        )
        if quota is not None:
            checks.append(quota)
        payload = [check.as_json() for check in checks]
        passes = all(check.passed for check in checks)
        if payload != nomination.checks or passes != nomination.passes:
            nomination.checks = payload
            nomination.passes = passes
            nomination.save(update_fields=["checks", "passes"])
    return nominations


def _failed(nomination: Nomination) -> list[str]:
    return [check["text"] for check in nomination.checks if not check["passed"]]


def _lock_draft(nomination_list: NominationList) -> NominationList:
    locked = (
        NominationList.objects.select_for_update(of=("self",))
        .select_related("review__campaign__bloc__organiser", "review__snapshot", "review__leading_unit")
        .get(pk=nomination_list.pk)
    )
    if locked.state != NominationListState.DRAFT:
        raise ValidationError(NOT_DRAFT)
    return locked


# --- Generation ---------------------------------------------------------------------------------


def _ranked(context: Context) -> list[RankingEntry]:
    leading = context.review.leading_unit_id
    entries = [entry for entry in context.entries.values() if entry.unit_id in context.members]
    return sorted(
        entries,
        key=lambda e: (e.unit_id != leading, e.rank is None, e.rank or 0, e.position),
    )


def _auto_titles(kind: str) -> list[Title]:
    """Collective titles of `kind` the ranking can decide (a classification or rank rule)."""
    return list(
        Title.objects.filter(
            active=True,
            is_flag=False,
            kind=kind,
            recipient=Recipient.COLLECTIVE,
            rules__kind__in=RANKING_RULES,
        )
        .exclude(level=TitleLevel.GOVERNMENT)
        .distinct()
        .order_by("position", "name")
    )


@transaction.atomic
def nominations_generate(*, review: Review, actor) -> NominationList:
    review = (
        Review.objects.select_for_update(of=("self",))
        .select_related("campaign__bloc__organiser", "snapshot", "leading_unit")
        .get(pk=review.pk)
    )
    if not review.is_closed or review.snapshot_id is None:
        raise ValidationError(
            "Hội nghị chưa chốt kết quả xếp hạng, chưa lập được danh sách đề nghị khen thưởng."
        )
    if not review.is_year_end:
        raise ValidationError(
            "Danh hiệu thi đua xét theo năm: chỉ lập danh sách đề nghị từ hội nghị tổng kết năm."
        )
    if NominationList.objects.filter(review=review).exists():
        raise ValidationError("Hội nghị đã có danh sách đề nghị khen thưởng.")
    nomination_list = NominationList.objects.create(review=review)
    context = Context(review)
    chosen: dict[int, set[int]] = defaultdict(set)
    used: dict[int, int] = defaultdict(int)
    position = 0

    def propose(entry: RankingEntry, title: Title, basis: str) -> None:
        nonlocal position
        position += 1
        Nomination.objects.create(
            nomination_list=nomination_list,
            unit=entry.unit,
            title=title,
            basis=basis,
            rank=entry.rank,
            total=entry.total,
            classification=entry.classification,
            position=position,
        )
        chosen[entry.unit_id].add(title.pk)
        used[title.pk] += 1

    flag = (
        Title.objects.filter(
            active=True, is_flag=True, recipient=Recipient.COLLECTIVE, level=flag_level_for(context.bloc)
        )
        .order_by("position", "name")
        .first()
    )
    leading_entry = context.entries.get(review.leading_unit_id) if review.leading_unit_id else None
    if flag is not None and leading_entry is not None and leading_entry.unit_id in context.members:
        propose(leading_entry, flag, NominationBasis.LEADING)

    def fill(titles: list[Title], skip: set[int]) -> None:
        for entry in _ranked(context):
            if entry.unit_id in skip:
                continue
            for title in titles:
                quota = quota_for(title, context.member_count)
                if quota is not None and used[title.pk] >= quota:
                    continue
                checks = context.checks(title=title, unit=entry.unit, also_proposed=chosen[entry.unit_id])
                if all(check.passed for check in checks):
                    kinds = {rule.kind for rule in context.rules.get(title.pk, [])}
                    basis = (
                        NominationBasis.CLASSIFICATION
                        if RuleKind.MIN_CLASSIFICATION in kinds
                        else NominationBasis.RANK
                    )
                    propose(entry, title, basis)
                    break

    fill(_auto_titles(TitleKind.TITLE), skip=set())
    flagged = {review.leading_unit_id} if flag is not None and leading_entry is not None else set()
    fill(_auto_titles(TitleKind.AWARD), skip=flagged)
    nominations = _evaluate(nomination_list, context)
    audit_record(
        kind=AuditEvent.Kind.CHANGE,
        summary=f"Lập danh sách đề nghị khen thưởng ({len(nominations)} đề nghị) – {review}",
        actor=actor,
        data={"nomination_list": nomination_list.pk},
    )
    return nomination_list


# --- The secretariat adjusts ----------------------------------------------------------------------


def _justification(text: str) -> str:
    return nfc(text or "").strip()


@transaction.atomic
def nomination_add(
    *, nomination_list: NominationList, unit: Unit, title: Title, justification: str = "", actor
) -> Nomination:
    """Add a unit for a title. If it fails a rule or the quota, it is kept only with a written
    justification; otherwise refused with the reasons."""
    nomination_list = _lock_draft(nomination_list)
    review = nomination_list.review
    context = Context(review)
    if unit.pk not in context.members:
        raise ValidationError(
            {"unit": f"{unit.name} không phải đơn vị thành viên của {context.bloc.name} năm {context.year}."}
        )
    if not title.active:
        raise ValidationError({"title": f"{title.name} đã ngừng sử dụng trong danh mục."})
    if title.recipient != Recipient.COLLECTIVE:
        raise ValidationError(
            {"title": f"{title.name} là danh hiệu cá nhân; danh sách của khối/cụm chỉ gồm tập thể."}
        )
    if nomination_list.nominations.filter(unit=unit, title=title).exists():
        raise ValidationError({"title": f"{unit.name} đã được đề nghị {title.name} trong danh sách này."})
    entry = context.entries.get(unit.pk)
    position = (max(nomination_list.nominations.values_list("position", flat=True), default=0)) + 1
    justification = _justification(justification)
    try:
        with transaction.atomic():
            nomination = Nomination.objects.create(
                nomination_list=nomination_list,
                unit=unit,
                title=title,
                basis=NominationBasis.MANUAL,
                rank=entry.rank if entry else None,
                total=entry.total if entry else None,
                classification=entry.classification if entry else "",
                justification=justification,
                position=position,
            )
    except IntegrityError as exc:  # added by someone else meanwhile
        raise ValidationError(
            {"title": f"{unit.name} đã được đề nghị {title.name} trong danh sách này."}
        ) from exc
    nominations = _evaluate(nomination_list, context)
    nomination = next(n for n in nominations if n.pk == nomination.pk)
    if not nomination.passes and not justification:
        raise ValidationError(
            {
                "justification": (
                    f"Không thêm được {unit.name} – {title.name}: "
                    + "; ".join(_failed(nomination))
                    + ". Muốn vẫn đề nghị, hãy ghi giải trình bằng văn bản (được in trên danh sách)."
                )
            }
        )
    audit_record(
        kind=AuditEvent.Kind.CHANGE,
        summary=f"Thêm đề nghị {unit.name} – {title.name}"
        + ("" if nomination.passes else " (có giải trình)"),
        actor=actor,
        data={"nomination": nomination.pk},
    )
    return nomination


@transaction.atomic
def nomination_remove(*, nomination: Nomination, actor) -> None:
    nomination_list = _lock_draft(nomination.nomination_list)
    summary = f"Bỏ đề nghị {nomination.unit.name} – {nomination.title.name}"
    nomination.delete()
    _evaluate(nomination_list, Context(nomination_list.review))
    audit_record(kind=AuditEvent.Kind.CHANGE, summary=summary, actor=actor)


@transaction.atomic
def nomination_justify(*, nomination: Nomination, justification: str, actor) -> Nomination:
    """Write (or clear) the justification of a nomination. An empty one on a nomination that
    fails is allowed while drafting; the list then cannot be submitted."""
    _lock_draft(nomination.nomination_list)
    nomination = (
        Nomination.objects.select_for_update(of=("self",))
        .select_related("unit", "title")
        .get(pk=nomination.pk)
    )
    nomination.justification = _justification(justification)
    nomination.full_clean()
    nomination.save(update_fields=["justification"])
    audit_record(
        kind=AuditEvent.Kind.CHANGE,
        summary=f"Giải trình đề nghị {nomination.unit.name} – {nomination.title.name}",
        actor=actor,
        data={"nomination": nomination.pk},
    )
    return nomination


def unjustified(nomination_list: NominationList) -> list[Nomination]:
    return [
        n
        for n in nomination_list.nominations.select_related("unit", "title").order_by("position", "pk")
        if not n.passes and not n.justification.strip()
    ]


@transaction.atomic
def nomination_list_submit(*, nomination_list: NominationList, actor) -> NominationList:
    nomination_list = _lock_draft(nomination_list)
    _evaluate(nomination_list, Context(nomination_list.review))
    if not nomination_list.nominations.exists():
        raise ValidationError("Danh sách chưa có đề nghị nào.")
    missing = unjustified(nomination_list)
    if missing:
        raise ValidationError(
            "Chưa trình được: các đề nghị không đủ điều kiện sau chưa có giải trình — "
            + "; ".join(f"{n.unit.name} – {n.title.name} ({', '.join(_failed(n))})" for n in missing)
            + "."
        )
    nomination_list.state = NominationListState.SUBMITTED
    nomination_list.submitted_at = timezone.now()
    nomination_list.submitted_by = actor
    nomination_list.save(update_fields=["state", "submitted_at", "submitted_by"])
    for nomination in nomination_list.nominations.all():
        nomination.state = NominationState.SUBMITTED
        nomination.save(update_fields=["state"])
    audit_record(
        kind=AuditEvent.Kind.CHANGE,
        summary=f"Trình danh sách đề nghị khen thưởng – {nomination_list.review}",
        actor=actor,
        data={"nomination_list": nomination_list.pk},
    )
    return nomination_list


# --- The higher level decides ---------------------------------------------------------------------


@transaction.atomic
def nomination_decide(*, nomination: Nomination, approve: bool, reason: str = "", actor) -> Nomination:
    nomination = (
        Nomination.objects.select_for_update(of=("self",))
        .select_related("nomination_list__review__campaign__bloc", "unit", "title")
        .get(pk=nomination.pk)
    )
    nomination_list = nomination.nomination_list
    bloc = nomination_list.review.campaign.bloc
    if not actor.has_perm("awards.approve_nominations", bloc):
        raise PermissionDenied(
            "Chỉ cấp trên được giao quyền mới xét duyệt đề nghị khen thưởng của khối/cụm này."
        )
    if nomination_list.state == NominationListState.DRAFT:
        raise ValidationError("Danh sách chưa được trình, chưa xét duyệt được.")
    if nomination.state not in (NominationState.SUBMITTED,):
        raise ValidationError(f"Đề nghị {nomination.unit.name} – {nomination.title.name} đã được xét.")
    reason = nfc(reason or "").strip()
    if not approve and not reason:
        raise ValidationError({"reason": "Ghi lý do không đồng ý."})
    nomination.state = NominationState.APPROVED if approve else NominationState.REJECTED
    nomination.decision_reason = reason
    nomination.decided_by = actor
    nomination.decided_at = timezone.now()
    nomination.full_clean()
    nomination.save(update_fields=["state", "decision_reason", "decided_by", "decided_at"])
    if not nomination_list.nominations.filter(state=NominationState.SUBMITTED).exists():
        nomination_list.state = NominationListState.DECIDED
        nomination_list.save(update_fields=["state"])
    word = "Đồng ý" if approve else "Không đồng ý"
    audit_record(
        kind=AuditEvent.Kind.CHANGE,
        summary=f"{word} đề nghị {nomination.unit.name} – {nomination.title.name}"
        + (f": {reason}" if reason else ""),
        actor=actor,
        data={"nomination": nomination.pk},
    )
    return nomination
