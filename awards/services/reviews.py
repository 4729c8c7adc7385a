"""Reviews (sơ kết / tổng kết): preparing → held → closed (DESIGN.md §4).

A review is created with its attendance list (the bloc's members on the day) and the
narrative sections of the report, pre-filled with drafts written from the data. The
secretariat records who attended, edits the sections, confirms the conference was held and
closes it: closing freezes the ranking of the period (a `RankingSnapshot`), records the
leading unit and, for a tổng kết, next year's chair and deputy. A closed review is read-only;
a correction of a score published later is shown against it and may be issued as a new
version of the ranking, with its reason, without changing what the review closed on.

Dates: a sơ kết is held in the campaign's year; a tổng kết in that year or in January of
the next (DOMAIN.md: tổng kết run from late October to January)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from awards.models import Attendance, LeadingBasis, Review, ReviewKind, ReviewSection, ReviewState
from awards.selectors.reviews import (
    close_problems,
    election_of,
    leading_for,
    members_on,
    review_name,
    round_statuses,
)
from awards.services.handover import handover_proposal
from awards.services.review_drafts import SECTIONS, draft_section, drafts, review_facts, section_title
from blocs.models import AuditEvent, Membership, Unit
from blocs.services.audit import audit_record
from blocs.services.organisation import chair_term_set
from campaigns.models import Campaign
from scoring.models import RankingSnapshot
from scoring.selectors.ranking import ranking_for
from scoring.services.rules import scoring_rules_for
from scoring.services.snapshots import ranking_snapshot_freeze, snapshot_as_rows, snapshot_changes
from thidua.lib.text import nfc

REVIEW_FIELDS = {"held_on", "place", "host_unit", "chaired_by"}
MAX_PLACE = 200
MAX_PERSON = 200
MAX_BODY = 20000
MAX_REASON = 500
CLOSED_MESSAGE = "Hội nghị đã chốt kết quả nên không sửa được nữa."


# --- Checks -----------------------------------------------------------------------------------


def date_window(campaign: Campaign, kind: str) -> tuple[date, date]:
    """The days a review of `kind` may be held on."""
    first = date(campaign.year, 1, 1)
    if kind == ReviewKind.TONG_KET:
        return first, date(campaign.year + 1, 1, 31)
    return first, date(campaign.year, 12, 31)


def date_rule(campaign: Campaign, kind: str) -> str:
    if kind == ReviewKind.TONG_KET:
        return f"trong năm {campaign.year} hoặc tháng 01/{campaign.year + 1}"
    return f"trong năm {campaign.year}"


def _check_date(campaign: Campaign, kind: str, held_on: date) -> None:
    first, last = date_window(campaign, kind)
    if not first <= held_on <= last:
        raise ValidationError(
            {
                "held_on": f"Ngày tổ chức hội nghị phải {date_rule(campaign, kind)} ({held_on:%d/%m/%Y} nằm ngoài)."
            }
        )


def _check_host(campaign: Campaign, host_unit: Unit | None, held_on: date) -> None:
    if host_unit is None:
        return
    if not Membership.objects.current(held_on).filter(bloc_id=campaign.bloc_id, unit=host_unit).exists():
        raise ValidationError(
            {
                "host_unit": f"{host_unit.name} không là thành viên của {campaign.bloc.name} "
                f"vào ngày {held_on:%d/%m/%Y}."
            }
        )


def _text(value: str, *, field: str, label: str, limit: int, required: bool = False) -> str:
    value = nfc(value or "")
    if required and not value:
        raise ValidationError({field: f"{label} không được để trống."})
    if len(value) > limit:
        raise ValidationError({field: f"{label} dài tối đa {limit} ký tự (đang có {len(value)})."})
    return value


def _lock(review: Review) -> Review:
    return (
        Review.objects.select_for_update(of=("self",))
        .select_related("campaign__bloc", "host_unit")
        .get(pk=review.pk)
    )


def _require_open(review: Review) -> None:
    if review.state == ReviewState.CLOSED:
        raise ValidationError(CLOSED_MESSAGE)


def _sync_attendance(review: Review) -> None:
    """Attendance rows for exactly the bloc's members on the review's day: rows of units
    that are members are kept with what was recorded, others removed, new members added."""
    members = set(members_on(review.campaign.bloc, review.held_on).values_list("pk", flat=True))
    existing = set(Attendance.objects.filter(review=review).values_list("unit_id", flat=True))
    if existing - members:
        Attendance.objects.filter(review=review, unit_id__in=existing - members).delete()
    bulk_create_with_history(
        [Attendance(review=review, unit_id=unit_id) for unit_id in sorted(members - existing)], Attendance
    )


# --- Creating and editing ----------------------------------------------------------------------


@transaction.atomic
def review_create(
    *,
    campaign: Campaign,
    kind: str,
    held_on: date,
    place: str,
    host_unit: Unit | None = None,
    chaired_by: str = "",
    actor,
) -> Review:
    """A sơ kết or tổng kết of `campaign` (one of each kind), with one attendance row per
    member unit on `held_on` and the report's sections drafted from the data."""
    campaign = Campaign.objects.select_for_update().select_related("bloc").get(pk=campaign.pk)
    if kind not in ReviewKind.values:
        raise ValidationError({"kind": "Loại hội nghị phải là sơ kết 6 tháng hoặc tổng kết năm."})
    if Review.objects.filter(campaign=campaign, kind=kind).exists():
        raise ValidationError({"kind": f"{campaign.name} đã có hội nghị {ReviewKind(kind).label.lower()}."})
    if held_on is None:
        raise ValidationError({"held_on": "Ngày tổ chức không được để trống."})
    _check_date(campaign, kind, held_on)
    place = _text(place, field="place", label="Địa điểm", limit=MAX_PLACE, required=True)
    chaired_by = _text(chaired_by, field="chaired_by", label="Người chủ trì", limit=MAX_PERSON)
    _check_host(campaign, host_unit, held_on)
    review = Review(
        campaign=campaign, kind=kind, held_on=held_on, place=place, host_unit=host_unit, chaired_by=chaired_by
    )
    review.full_clean()
    try:
        with transaction.atomic():
            review.save()
    except IntegrityError as exc:  # the same kind created meanwhile
        raise ValidationError(
            {"kind": f"{campaign.name} đã có hội nghị {ReviewKind(kind).label.lower()}."}
        ) from exc
    _sync_attendance(review)
    texts = drafts(review_facts(review=review))
    bulk_create_with_history(
        [
            ReviewSection(
                review=review,
                key=key,
                title=section_title(key, campaign.bloc.kind),
                position=position,
                body=texts[key],
            )
            for position, (key, _title) in enumerate(SECTIONS, start=1)
        ],
        ReviewSection,
        default_user=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        kind=AuditEvent.Kind.CHANGE,
        summary=f"Tạo {review_name(review)} (ngày {held_on:%d/%m/%Y} tại {place})",
        actor=actor,
        data={"review": review.pk},
    )
    return review


@transaction.atomic
def review_update(*, review: Review, actor, **fields) -> Review:
    """Change the date, place, host unit or chairperson of a review that is not closed. A new
    date brings the attendance list to the members of that day (what was recorded for units
    still members is kept)."""
    unknown = set(fields) - REVIEW_FIELDS
    if unknown:
        raise TypeError(f"review_update: unknown fields {sorted(unknown)}")
    review = _lock(review)
    _require_open(review)
    campaign = review.campaign
    held_on = fields.get("held_on", review.held_on)
    if held_on is None:
        raise ValidationError({"held_on": "Ngày tổ chức không được để trống."})
    _check_date(campaign, review.kind, held_on)
    if "place" in fields:
        review.place = _text(fields["place"], field="place", label="Địa điểm", limit=MAX_PLACE, required=True)
    if "chaired_by" in fields:
        review.chaired_by = _text(
            fields["chaired_by"], field="chaired_by", label="Người chủ trì", limit=MAX_PERSON
        )
    if "host_unit" in fields:
        review.host_unit = fields["host_unit"]
    moved = held_on != review.held_on
    review.held_on = held_on
    _check_host(campaign, review.host_unit, held_on)
    review.full_clean()
    review.save()
    if moved:
        _sync_attendance(review)
    audit_record(
        kind=AuditEvent.Kind.CHANGE,
        summary=f"Sửa thông tin {review_name(review)}",
        actor=actor,
        data={"review": review.pk, "fields": sorted(fields)},
    )
    return review


@transaction.atomic
def attendance_set(
    *,
    review: Review,
    present: dict[int, bool],
    representatives: dict[int, str] | None = None,
    actor,
) -> list[Attendance]:
    """Record which member units attended (unit id → present) and who represented them.
    Units left out keep what was recorded; a unit that is not on the list is refused."""
    review = _lock(review)
    _require_open(review)
    representatives = representatives or {}
    rows = {a.unit_id: a for a in Attendance.objects.filter(review=review).select_related("unit")}
    strangers = sorted((set(present) | set(representatives)) - set(rows))
    if strangers:
        names = dict(Unit.objects.filter(pk__in=strangers).values_list("pk", "name"))
        listed = ", ".join(names.get(pk, f"mã {pk}") for pk in strangers)
        raise ValidationError(
            {
                "present": f"{listed} không là thành viên của {review.campaign.bloc.name} "
                f"vào ngày {review.held_on:%d/%m/%Y}."
            }
        )
    changed = []
    for unit_id, row in rows.items():
        before = (row.present, row.representative)
        if unit_id in present:
            row.present = bool(present[unit_id])
        if unit_id in representatives:
            row.representative = _text(
                representatives[unit_id],
                field="representative",
                label=f"Người dự của {row.unit.name}",
                limit=MAX_PERSON,
            )
        if (row.present, row.representative) != before:
            changed.append(row)
    for row in changed:
        row.save(update_fields=["present", "representative"])
    count = sum(1 for row in rows.values() if row.present)
    audit_record(
        kind=AuditEvent.Kind.CHANGE,
        summary=f"Ghi thành phần dự {review_name(review)}: {count}/{len(rows)} đơn vị có mặt",
        actor=actor,
        data={"review": review.pk, "present": sorted(u for u, r in rows.items() if r.present)},
    )
    return list(rows.values())


def _lock_section(section: ReviewSection) -> ReviewSection:
    section = (
        ReviewSection.objects.select_for_update(of=("self",))
        .select_related("review__campaign__bloc")
        .get(pk=section.pk)
    )
    _require_open(section.review)
    return section


@transaction.atomic
def section_update(*, section: ReviewSection, body: str, actor) -> ReviewSection:
    """Save the secretariat's text of a section."""
    section = _lock_section(section)
    section.body = _text(
        body, field="body", label=f"Nội dung mục “{section.title}”", limit=MAX_BODY, required=True
    )
    section.edited = True
    section.updated_at = timezone.now()
    section.updated_by = actor
    section.save()
    audit_record(
        kind=AuditEvent.Kind.CHANGE,
        summary=f"Sửa mục “{section.title}” – {review_name(section.review)}",
        actor=actor,
        data={"review": section.review_id, "section": section.key},
    )
    return section


@transaction.atomic
def section_regenerate(*, section: ReviewSection, actor) -> ReviewSection:
    """Write the section's draft again from the current data (the edited text is replaced;
    the history keeps it)."""
    section = _lock_section(section)
    section.body = draft_section(section.key, review_facts(review=section.review))
    section.edited = False
    section.updated_at = timezone.now()
    section.updated_by = actor
    section.save()
    audit_record(
        kind=AuditEvent.Kind.CHANGE,
        summary=f"Tạo lại bản nháp mục “{section.title}” – {review_name(section.review)}",
        actor=actor,
        data={"review": section.review_id, "section": section.key},
    )
    return section


# --- Holding and closing -----------------------------------------------------------------------


@transaction.atomic
def review_mark_held(*, review: Review, actor, today: date | None = None) -> Review:
    """Confirm that the conference took place: from its day on, with its attendance recorded."""
    review = _lock(review)
    today = today or timezone.localdate()
    if review.state != ReviewState.PREPARING:
        raise ValidationError(
            "Hội nghị đã được xác nhận tổ chức trước đó."
            if review.state == ReviewState.HELD
            else CLOSED_MESSAGE
        )
    if today < review.held_on:
        raise ValidationError(
            f"Hội nghị tổ chức ngày {review.held_on:%d/%m/%Y}; chỉ xác nhận đã tổ chức được từ ngày đó."
        )
    if not Attendance.objects.filter(review=review, present=True).exists():
        raise ValidationError("Chưa ghi đơn vị nào có mặt: hãy ghi thành phần dự hội nghị trước.")
    review.state = ReviewState.HELD
    review.save()
    audit_record(
        kind=AuditEvent.Kind.CHANGE,
        summary=f"Xác nhận đã tổ chức {review_name(review)} ngày {review.held_on:%d/%m/%Y}",
        actor=actor,
        data={"review": review.pk},
    )
    return review


@transaction.atomic
def review_close(
    *,
    review: Review,
    actor,
    chair: Unit | None = None,
    deputy: Unit | None = None,
    handover_reason: str = "",
) -> Review:
    """Close a held review: every round of its period published, the leading unit known (the
    suy tôn winner when the campaign votes, else the unit ranked first alone among those
    that may lead). Freezes the period's ranking and records the leading unit; a tổng kết
    also records next year's chair and deputy, as proposed (`handover_proposal`) unless the
    secretariat chooses otherwise with a written reason. The sections nobody edited are drafted
    again from the final results."""
    review = _lock(review)
    campaign = review.campaign
    rules = scoring_rules_for(campaign)
    ranking = ranking_for(campaign=campaign, period=review.period, rules=rules, published_only=True)
    election = election_of(review)
    leading = leading_for(review, rules, ranking, election)
    problems = close_problems(review, round_statuses(review, rules), leading)
    if problems:
        raise ValidationError(" ".join(problems))

    review.leading_unit_id = leading.unit.pk
    review.leading_basis = leading.basis
    handover_text = ""
    if review.is_year_end:
        handover_text = _record_handover(review, ranking, leading, chair, deputy, handover_reason, actor)
    review.snapshot = ranking_snapshot_freeze(campaign=campaign, period=review.period, actor=actor)
    review.state = ReviewState.CLOSED
    review.closed_at = timezone.now()
    review.closed_by = actor
    review.save()
    review = Review.objects.select_related("campaign__bloc", "leading_unit", "snapshot", "host_unit").get(
        pk=review.pk
    )
    _redraft_unedited(review, actor)
    basis = "theo kết quả suy tôn" if leading.basis == LeadingBasis.VOTE else "theo điểm"
    audit_record(
        kind=AuditEvent.Kind.PUBLISH,
        summary=f"Chốt kết quả {review_name(review)}: đơn vị dẫn đầu {review.leading_unit.name} ({basis})"
        + handover_text,
        actor=actor,
        data={"review": review.pk, "snapshot": review.snapshot_id},
    )
    return review


def _redraft_unedited(review: Review, actor) -> None:
    """Sections nobody edited are written again from the closed review (the frozen ranking,
    the leading unit, the chair handover), so the report states the final results."""
    sections = list(ReviewSection.objects.filter(review=review, edited=False))
    if not sections:
        return
    facts = review_facts(review=review)
    now = timezone.now()
    for section in sections:
        body = draft_section(section.key, facts)
        if body != section.body:
            section.body = body
            section.updated_at = now
            section.updated_by = actor
            section.save()


def _record_handover(review, ranking, leading, chair, deputy, reason, actor) -> str:
    """Record next year's chair term; return the words the audit event adds."""
    proposal = handover_proposal(review=review, ranking=ranking, leading=leading)
    if chair is None and deputy is None:
        chair, deputy = proposal.chair, proposal.deputy
    reason = _text(reason, field="handover_reason", label="Lý do", limit=MAX_REASON)
    year = proposal.year
    if chair is None:
        raise ValidationError({"chair": f"Chọn {proposal.chair_word} năm {year}."})
    if deputy is not None and deputy.pk == chair.pk:
        raise ValidationError(
            {
                "deputy": f"{proposal.chair_word.capitalize()} và {proposal.deputy_word} phải là hai đơn vị khác nhau."
            }
        )
    for field, unit in (("chair", chair), ("deputy", deputy)):
        if unit is not None and not proposal.is_member(unit):
            raise ValidationError(
                {
                    field: f"{unit.name} không là thành viên của {review.campaign.bloc.name} vào ngày 01/01/{year}."
                }
            )
    same = (chair.pk == getattr(proposal.chair, "pk", None)) and (
        getattr(deputy, "pk", None) == getattr(proposal.deputy, "pk", None)
    )
    if not same and not reason:
        raise ValidationError(
            {"handover_reason": "Chọn khác đề xuất theo quy tắc luân phiên thì phải ghi rõ lý do."}
        )
    recorded = reason or _proposal_reason(review, proposal)
    chair_term_set(
        bloc=review.campaign.bloc,
        year=year,
        chair=chair,
        deputy=deputy,
        decided_on=review.held_on,
        reason=recorded[:MAX_REASON],
        actor=actor,
    )
    deputy_text = f", {proposal.deputy_word} {deputy.name}" if deputy else ""
    return f"; {proposal.chair_word} năm {year}: {chair.name}{deputy_text}"


def _proposal_reason(review: Review, proposal) -> str:
    """The grounds recorded on the chair term when the proposal is taken: the proposal's own
    sentences about the chair and the deputy, within the field's 500 characters."""
    head = f"Theo đề xuất tại hội nghị tổng kết năm {review.campaign.year} ({review.held_on:%d/%m/%Y}):"
    picked = [line for line in proposal.lines if line.startswith("Đề xuất ")]
    while picked and len(" ".join([head, *picked])) > MAX_REASON:
        picked.pop()
    return " ".join([head, *picked]) if picked else f"{head} {proposal.lines[0]}"[:MAX_REASON]


@transaction.atomic
def review_snapshot_reissue(*, review: Review, reason: str, actor) -> RankingSnapshot:
    """After closing, a correction of a published score changes the live ranking: issue a new
    version of the period's ranking with its reason. The review keeps the version it closed
    on; the new one is listed beside it."""
    review = _lock(review)
    if review.state != ReviewState.CLOSED or review.snapshot_id is None:
        raise ValidationError("Chỉ lập phiên bản mới của kết quả xếp hạng sau khi hội nghị đã chốt kết quả.")
    reason = _text(reason, field="reason", label="Lý do lập phiên bản mới", limit=MAX_REASON, required=True)
    campaign = review.campaign
    latest = (
        RankingSnapshot.objects.filter(campaign=campaign, period=review.period).order_by("-version").first()
    )
    rules = scoring_rules_for(campaign)
    live = ranking_for(campaign=campaign, period=review.period, rules=rules, published_only=True)
    if not snapshot_changes(snapshot_as_rows(latest), live):
        raise ValidationError(
            f"Kết quả hiện tại không khác phiên bản {latest.version} đã chốt; không cần lập phiên bản mới."
        )
    snapshot = ranking_snapshot_freeze(campaign=campaign, period=review.period, actor=actor, reason=reason)
    audit_record(
        kind=AuditEvent.Kind.PUBLISH,
        summary=f"Lập phiên bản {snapshot.version} kết quả xếp hạng của {review_name(review)}: {reason}",
        actor=actor,
        data={"review": review.pk, "snapshot": snapshot.pk},
    )
    return snapshot
