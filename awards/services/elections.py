"""The suy tôn vote of a review (DESIGN.md §5 rule 6).

- Candidates: the `candidate_count` best units of the period's published ranking that may lead
  the bloc (no veto triggered, every quarter scored); units tied at the last place all stand.
- Quorum: the vote is valid when at least two thirds of the member units (on the day of the
  review) take part; the ballot opens only when that many are present.
- Counting: a unit wins with more than half of the valid ballots; otherwise a run-off between
  the top two (every unit tied for first, or the first and every unit tied for second). A
  run-off that changes nothing (the same units tie again) is a tie: the same units are voted on
  again, unless the secretariat ends the election and the review decides by score.
- Secrecy: who took part (`BallotCast`) and what was chosen (`Ballot`) are written in the same
  transaction but share nothing except the ballot round; ballots have random ids and are only
  read in the order of those ids. Audit events name the unit that voted, never its choice.

Every workflow locks the election row first, so that a ballot, a paper entry, a count and the
end of the election on the same election happen one after the other."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from awards.models import (
    Ballot,
    BallotCast,
    BallotOutcome,
    BallotRound,
    BallotRoundState,
    Candidate,
    Election,
    ElectionState,
    Review,
    VoteMethod,
)
from awards.selectors.elections import member_unit_ids, present_unit_ids, quorum_needed
from blocs.models import Assignment, AuditEvent, Role, Unit
from blocs.services.audit import audit_record
from scoring.models import RankingPeriod
from scoring.selectors.ranking import Ranking, RankingRow, ranking_for
from scoring.services.rules import scoring_rules_for
from thidua.lib.numbers import format_decimal
from thidua.lib.text import nfc

NOTE_LIMIT = 4000
REASON_LIMIT = 500
_shuffle = random.SystemRandom().shuffle


# --- Loading and refusing -------------------------------------------------------------------------


def _lock_election(election: Election) -> Election:
    return (
        Election.objects.select_for_update(of=("self",))
        .select_related("review__campaign__bloc")
        .get(pk=election.pk)
    )


def _lock_round(ballot_round: BallotRound) -> BallotRound:
    """The election, then the round, locked in that order (the order every workflow uses)."""
    election = _lock_election(ballot_round.election)
    locked = BallotRound.objects.select_for_update(of=("self",)).get(pk=ballot_round.pk)
    locked.election = election
    return locked


def _require_review_open(review: Review) -> None:
    if review.is_closed:
        raise ValidationError("Hội nghị đã chốt kết quả, không thay đổi cuộc bỏ phiếu suy tôn được nữa.")


def _require_setup(election: Election) -> None:
    _require_review_open(election.review)
    if election.state != ElectionState.SETUP:
        raise ValidationError(
            f"Cuộc bỏ phiếu {election.get_state_display().lower()}: danh sách đơn vị đưa ra suy tôn "
            "chỉ thay đổi được trước khi mở bỏ phiếu."
        )


def _require_open_round(ballot_round: BallotRound) -> None:
    election = ballot_round.election
    _require_review_open(election.review)
    if election.state != ElectionState.VOTING:
        raise ValidationError(
            f"Cuộc bỏ phiếu {election.get_state_display().lower()}, không bỏ phiếu được nữa."
        )
    if ballot_round.state != BallotRoundState.OPEN:
        raise ValidationError(
            {"ballot_round": f"Lần bỏ phiếu thứ {ballot_round.number} đã kiểm phiếu, không nhận thêm phiếu."}
        )


def _ranking(review: Review) -> Ranking:
    campaign = review.campaign
    return ranking_for(
        campaign=campaign, period=review.period, rules=scoring_rules_for(campaign), published_only=True
    )


def _with_note(election: Election, line: str) -> str:
    """The minutes note with one more line; the oldest lines go first when it grows too long."""
    text = f"{election.minutes_note}\n{line}".strip() if election.minutes_note else line
    return text[-NOTE_LIMIT:]


def _names(units: Iterable[Unit]) -> str:
    return ", ".join(unit.name for unit in units)


def _total(row: RankingRow) -> str:
    return format_decimal(row.total) if row.total is not None else "–"


# --- Choosing the candidates ----------------------------------------------------------------------


def period_words(review: Review) -> str:
    """The period a review looks at, as a sentence says it: "6 tháng đầu năm 2025", "năm 2025"."""
    year = review.campaign.year
    return f"6 tháng đầu năm {year}" if review.period == RankingPeriod.H1 else f"năm {year}"


def _choose(
    ranking: Ranking, count: int, members: set[int], period: str
) -> tuple[list[RankingRow], list[str]]:
    """The rows that stand and the explanation of the list, line by line."""
    eligible = sorted(
        (row for row in ranking.eligible_rows if row.unit_id in members), key=lambda row: row.rank or 0
    )
    source = f"bảng xếp hạng {period} đã công bố"
    if not eligible:
        return [], [
            f"Chưa lập được danh sách suy tôn: {source} chưa có đơn vị nào đủ điều kiện "
            "(có điểm đủ các quý, không vi phạm tiêu chí phủ quyết). Thường trực có thể bổ sung đơn vị "
            "khi kết quả được công bố."
        ]
    chosen = eligible[:count]
    cutoff = chosen[-1].rank
    chosen += [row for row in eligible[count:] if row.rank == cutoff]
    lines = [
        f"Danh sách suy tôn lập theo {source}: {count} đơn vị điểm cao nhất có điểm đủ các quý "
        "và không vi phạm tiêu chí phủ quyết."
    ]
    if len(chosen) > count:
        tied = [row for row in chosen if row.rank == cutoff]
        lines.append(
            f"{', '.join(row.name for row in tied)} đồng hạng {cutoff} ({_total(tied[0])} điểm) nên cả "
            f"{len(tied)} đơn vị cùng được đưa ra suy tôn; danh sách có {len(chosen)} đơn vị."
        )
    elif len(chosen) < count:
        lines.append(f"Chỉ có {len(chosen)} đơn vị đủ điều kiện.")
    for row in ranking.scored_rows:
        if row.unit_id not in members:
            continue
        if row.disqualified and (len(chosen) < count or (row.rank or 0) <= cutoff):
            lines.append(
                f"{row.name} (hạng {row.rank_label}, {_total(row)} điểm) vi phạm tiêu chí phủ quyết "
                "nên không được đưa ra suy tôn."
            )
        elif row.missing and not row.disqualified:
            lines.append(f"{row.name} thiếu điểm {', '.join(row.missing)} nên không được đưa ra suy tôn.")
    return chosen, lines


@transaction.atomic
def election_prepare(*, review: Review, actor) -> Election:
    """Create the review's election, or refresh it while it is being prepared: the member and
    present counts, and the candidates from the period's published ranking (units added by
    hand are replaced by the list the ranking gives)."""
    review = Review.objects.select_for_update(of=("self",)).select_related("campaign__bloc").get(pk=review.pk)
    _require_review_open(review)
    election = Election.objects.select_for_update(of=("self",)).filter(review=review).first()
    created = election is None
    if created:
        election = Election(review=review)
    else:
        election.review = review
        _require_setup(election)
    members = member_unit_ids(review)
    election.member_count = len(members)
    election.present_count = len(present_unit_ids(review, members))
    rules = scoring_rules_for(review.campaign)
    ranking = ranking_for(campaign=review.campaign, period=review.period, rules=rules, published_only=True)
    chosen, lines = _choose(ranking, rules.candidate_count, members, period_words(review))
    election.minutes_note = "\n".join(lines)[:NOTE_LIMIT]
    election.full_clean()
    election.save()
    if not created:
        election.candidates.all().delete()
    Candidate.objects.bulk_create(
        Candidate(election=election, unit_id=row.unit_id, rank=row.rank, total=row.total, position=number)
        for number, row in enumerate(chosen, start=1)
    )
    audit_record(
        kind=AuditEvent.Kind.CHANGE,
        summary=(
            f"{'Chuẩn bị' if created else 'Lập lại danh sách'} bỏ phiếu suy tôn – {review}: "
            f"{len(chosen)} đơn vị đưa ra suy tôn"
        ),
        actor=actor,
        data={"election": election.pk, "units": [row.unit_id for row in chosen]},
    )
    return election


@transaction.atomic
def candidate_add(*, election: Election, unit: Unit, actor) -> Candidate:
    """Add a member unit to the list by hand, with the rank and total it stands on."""
    election = _lock_election(election)
    _require_setup(election)
    review = election.review
    if election.candidates.filter(unit=unit).exists():
        raise ValidationError({"unit": f"{unit.name} đã có trong danh sách suy tôn."})
    if unit.pk not in member_unit_ids(review):
        raise ValidationError(
            {
                "unit": f"{unit.name} không phải là đơn vị thành viên của {review.campaign.bloc.name} vào ngày "
                f"hội nghị ({review.held_on:%d/%m/%Y}) nên không được đưa ra suy tôn."
            }
        )
    ranking = _ranking(review)
    row = ranking.row_for(unit.pk)
    period = period_words(review)
    if row is None or not row.is_scored:
        raise ValidationError(
            {"unit": f"{unit.name} chưa có điểm {period} đã công bố nên không được đưa ra suy tôn."}
        )
    if row.disqualified:
        raise ValidationError(
            {
                "unit": f"{unit.name} vi phạm tiêu chí phủ quyết trong {period} nên không được đưa ra suy tôn "
                "(đơn vị vi phạm tiêu chí phủ quyết không được là đơn vị dẫn đầu)."
            }
        )
    if row.missing:
        raise ValidationError(
            {"unit": f"{unit.name} thiếu điểm {', '.join(row.missing)} nên không được đưa ra suy tôn."}
        )
    position = (election.candidates.aggregate(last=Max("position"))["last"] or 0) + 1
    candidate = Candidate(election=election, unit=unit, rank=row.rank, total=row.total, position=position)
    candidate.full_clean()
    candidate.save()
    election.minutes_note = _with_note(
        election,
        f"Thường trực bổ sung {unit.name} (hạng {row.rank_label}, {_total(row)} điểm) vào danh sách suy tôn.",
    )
    election.save(update_fields=["minutes_note"])
    audit_record(
        kind=AuditEvent.Kind.CHANGE,
        summary=f"Bổ sung {unit.name} vào danh sách suy tôn – {review}",
        actor=actor,
        data={"election": election.pk, "unit": unit.pk},
    )
    return candidate


@transaction.atomic
def candidate_remove(*, candidate: Candidate, actor) -> None:
    election = _lock_election(candidate.election)
    _require_setup(election)
    candidate = Candidate.objects.select_related("unit").filter(pk=candidate.pk, election=election).first()
    if candidate is None:
        raise ValidationError("Đơn vị này không còn trong danh sách suy tôn.")
    unit = candidate.unit
    candidate.delete()
    election.minutes_note = _with_note(election, f"Thường trực bỏ {unit.name} khỏi danh sách suy tôn.")
    election.save(update_fields=["minutes_note"])
    audit_record(
        kind=AuditEvent.Kind.CHANGE,
        summary=f"Bỏ {unit.name} khỏi danh sách suy tôn – {election.review}",
        actor=actor,
        data={"election": election.pk, "unit": unit.pk},
    )


# --- Opening, voting ------------------------------------------------------------------------------


@transaction.atomic
def election_open(*, election: Election, actor) -> BallotRound:
    """Open the first ballot, when two thirds of the members are present and at least two
    units stand. The member and present counts are taken again at this moment."""
    election = _lock_election(election)
    _require_setup(election)
    review = election.review
    members = member_unit_ids(review)
    present = present_unit_ids(review, members)
    election.member_count, election.present_count = len(members), len(present)
    if not members:
        raise ValidationError(
            f"{review.campaign.bloc.name} không có đơn vị thành viên nào vào ngày hội nghị "
            f"({review.held_on:%d/%m/%Y}), không bỏ phiếu được."
        )
    needed = quorum_needed(len(members))
    if len(present) < needed:
        raise ValidationError(
            f"Chưa đủ số đơn vị dự hội nghị để bỏ phiếu: có mặt {len(present)}/{len(members)} đơn vị "
            f"thành viên, cần ít nhất {needed} đơn vị (2/3 số đơn vị thành viên)."
        )
    candidates = list(election.candidates.all())
    if len(candidates) < 2:
        raise ValidationError(
            f"Cần ít nhất 2 đơn vị trong danh sách suy tôn để bỏ phiếu (hiện có {len(candidates)})."
        )
    election.state = ElectionState.VOTING
    election.save(update_fields=["state", "member_count", "present_count"])
    ballot_round = BallotRound.objects.create(election=election, number=1)
    ballot_round.candidates.set(candidates)
    audit_record(
        kind=AuditEvent.Kind.CHANGE,
        summary=(
            f"Mở bỏ phiếu suy tôn lần 1 – {review}: {len(present)}/{len(members)} đơn vị có mặt, "
            f"{len(candidates)} đơn vị trên phiếu"
        ),
        actor=actor,
        data={"election": election.pk, "round": ballot_round.pk},
    )
    return ballot_round


def _require_present(review: Review, unit: Unit, members: set[int], present: set[int]) -> None:
    if unit.pk not in members:
        raise ValidationError(
            {
                "unit": f"{unit.name} không phải là đơn vị thành viên của {review.campaign.bloc.name}, không bỏ phiếu được."
            }
        )
    if unit.pk not in present:
        raise ValidationError({"unit": f"{unit.name} không có mặt tại hội nghị nên không bỏ phiếu được."})


def _already_voted(ballot_round: BallotRound, unit: Unit) -> ValidationError:
    return ValidationError(
        f"{unit.name} đã bỏ phiếu lần thứ {ballot_round.number}; mỗi đơn vị chỉ bỏ một phiếu mỗi lần bỏ phiếu."
    )


@transaction.atomic
def ballot_cast(*, ballot_round: BallotRound, unit: Unit, candidate: Candidate | None, actor) -> BallotCast:
    """The leader of a present member unit casts its ballot online (`candidate` None: a
    blank ballot). Who voted and what was chosen are stored apart, with nothing that links them."""
    if not Assignment.objects.filter(user=actor, role=Role.LEADER, unit=unit).exists():
        raise PermissionDenied("Chỉ chỉ huy của đơn vị mới được bỏ phiếu cho đơn vị.")
    ballot_round = _lock_round(ballot_round)
    _require_open_round(ballot_round)
    review = ballot_round.election.review
    members = member_unit_ids(review)
    _require_present(review, unit, members, present_unit_ids(review, members))
    if BallotCast.objects.filter(ballot_round=ballot_round, unit=unit).exists():
        raise _already_voted(ballot_round, unit)
    if candidate is not None and not ballot_round.candidates.filter(pk=candidate.pk).exists():
        raise ValidationError({"candidate": "Đơn vị được chọn không có trên phiếu bầu lần này."})
    cast = BallotCast.objects.create(
        ballot_round=ballot_round, unit=unit, method=VoteMethod.ONLINE, cast_by=actor
    )
    Ballot.objects.create(ballot_round=ballot_round, candidate=candidate)
    audit_record(
        kind=AuditEvent.Kind.CHANGE,
        summary=f"{unit.name} đã bỏ phiếu suy tôn lần {ballot_round.number} (trực tuyến) – {review}",
        actor=actor,
        data={"election": ballot_round.election_id, "round": ballot_round.pk, "unit": unit.pk},
    )
    return cast


def _count_problem(value, label: str) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return f"{label} phải là một số nguyên."
    if value < 0:
        return f"{label} không được âm."
    return None


@transaction.atomic
def paper_ballots_enter(
    *, ballot_round: BallotRound, counts: dict[int, int], invalid: int, voted_units: list, actor
) -> list[BallotCast]:
    """The secretariat enters the paper ballots of a round: how many ballots each candidate
    (by candidate id) got, how many were blank or invalid, and which present units voted on
    paper. The number of ballots must equal the number of units marked; nothing is saved when
    anything is wrong."""
    ballot_round = _lock_round(ballot_round)
    _require_open_round(ballot_round)
    review = ballot_round.election.review
    candidates = {c.pk: c for c in ballot_round.candidates.select_related("unit")}
    errors: dict[str, list[str]] = {}

    for key, value in counts.items():
        candidate = candidates.get(key)
        if candidate is None:
            errors.setdefault("counts", []).append(
                "Phiếu giấy chỉ ghi được cho các đơn vị có trên phiếu bầu lần này."
            )
            continue
        problem = _count_problem(value, f"Số phiếu bầu {candidate.unit.name}")
        if problem:
            errors.setdefault("counts", []).append(problem)
    problem = _count_problem(invalid, "Số phiếu trắng, không hợp lệ")
    if problem:
        errors["invalid"] = [problem]

    unit_ids = [getattr(unit, "pk", unit) for unit in voted_units]
    units = {
        unit.pk: unit for unit in Unit.objects.filter(pk__in=[u for u in unit_ids if isinstance(u, int)])
    }
    if not unit_ids:
        errors["voted_units"] = ["Đánh dấu các đơn vị đã bỏ phiếu giấy."]
    elif len(set(unit_ids)) != len(unit_ids):
        errors["voted_units"] = ["Mỗi đơn vị chỉ đánh dấu một lần."]
    else:
        members = member_unit_ids(review)
        present = present_unit_ids(review, members)
        absent = [u for u in unit_ids if u not in present]
        voted = BallotCast.objects.filter(ballot_round=ballot_round, unit_id__in=unit_ids).select_related(
            "unit"
        )
        if absent:
            names = _names(units[u] for u in absent if u in units) or "Đơn vị đã chọn"
            errors.setdefault("voted_units", []).append(
                f"{names} không có mặt tại hội nghị (hoặc không phải đơn vị thành viên) nên không bỏ phiếu được."
            )
        for cast in voted:
            errors.setdefault("voted_units", []).append(
                f"{cast.unit.name} đã bỏ phiếu lần thứ {ballot_round.number} "
                f"({cast.get_method_display().lower()}), không đánh dấu lại được."
            )
    if not errors:
        valid = sum(counts.values())
        if valid + invalid != len(unit_ids):
            errors[NON_FIELD_ERRORS] = [
                f"Tổng số phiếu giấy ({valid + invalid}: {valid} phiếu bầu, {invalid} phiếu trắng hoặc không "
                f"hợp lệ) phải bằng số đơn vị được đánh dấu đã bỏ phiếu giấy ({len(unit_ids)})."
            ]
    if errors:
        raise ValidationError(errors)

    casts = BallotCast.objects.bulk_create(
        BallotCast(ballot_round=ballot_round, unit_id=u, method=VoteMethod.PAPER, cast_by=actor)
        for u in unit_ids
    )
    ballots = [
        Ballot(ballot_round=ballot_round, candidate=candidates[key])
        for key, n in counts.items()
        for _ in range(n)
    ]
    ballots += [Ballot(ballot_round=ballot_round, candidate=None) for _ in range(invalid)]
    _shuffle(ballots)
    Ballot.objects.bulk_create(ballots)
    audit_record(
        kind=AuditEvent.Kind.CHANGE,
        summary=(
            f"Nhập {len(ballots)} phiếu giấy suy tôn lần {ballot_round.number} – {review}: "
            f"{_names(units[u] for u in unit_ids)}"
        ),
        actor=actor,
        data={"election": ballot_round.election_id, "round": ballot_round.pk, "units": unit_ids},
    )
    return casts


# --- Counting, ending -----------------------------------------------------------------------------


def ballots_in_box(ballot_round: BallotRound) -> list[int | None]:
    """The choices of a round's ballots (candidate id, None for blank or invalid), in the order
    of their random ids: never in the order they were cast."""
    return list(
        Ballot.objects.filter(ballot_round=ballot_round).order_by("id").values_list("candidate_id", flat=True)
    )


def _next_ballot(candidates: list[Candidate], tally: dict[int, int]) -> list[Candidate]:
    """The units of a run-off: all those tied for first, else the first and all tied for second."""
    ordered = sorted(candidates, key=lambda c: -tally[c.pk])
    first = tally[ordered[0].pk]
    leaders = [c for c in ordered if tally[c.pk] == first]
    if len(leaders) >= 2:
        return leaders
    second = tally[ordered[1].pk]
    return [ordered[0], *(c for c in ordered[1:] if tally[c.pk] == second)]


@transaction.atomic
def ballot_round_count(*, ballot_round: BallotRound, actor) -> BallotRound:
    """Count a round. More than half of the valid ballots wins; otherwise a new round opens
    between the top two (a run-off), or between the same units when a run-off ends equal."""
    ballot_round = _lock_round(ballot_round)
    _require_open_round(ballot_round)
    election = ballot_round.election
    review = election.review
    cast_count = BallotCast.objects.filter(ballot_round=ballot_round).count()
    needed = quorum_needed(election.member_count)
    if cast_count < needed:
        raise ValidationError(
            f"Mới có {cast_count}/{election.member_count} đơn vị thành viên bỏ phiếu lần thứ {ballot_round.number}; "
            f"cần ít nhất {needed} đơn vị (2/3 số đơn vị thành viên) tham gia thì kết quả mới hợp lệ."
        )
    choices = ballots_in_box(ballot_round)
    if len(choices) != cast_count:  # only possible if rows were written outside the services
        raise ValidationError(
            f"Số phiếu trong hòm ({len(choices)}) khác số đơn vị đã bỏ phiếu ({cast_count}); "
            "không kiểm phiếu được, hãy báo quản trị hệ thống."
        )
    candidates = list(ballot_round.candidates.select_related("unit").order_by("position"))
    counted = Counter(choice for choice in choices if choice is not None)
    tally = {c.pk: counted.get(c.pk, 0) for c in candidates}
    valid = sum(tally.values())
    best = max(candidates, key=lambda c: tally[c.pk])
    next_units: list[Candidate] = []
    if valid and tally[best.pk] * 2 > valid:
        outcome = BallotOutcome.WINNER
    else:
        next_units = _next_ballot(candidates, tally)
        same = {c.pk for c in next_units} == {c.pk for c in candidates}
        outcome = BallotOutcome.TIE if ballot_round.number > 1 and same else BallotOutcome.RUNOFF

    ballot_round.state = BallotRoundState.COUNTED
    ballot_round.counted_at = timezone.now()
    ballot_round.counted_by = actor if getattr(actor, "is_authenticated", False) else None
    ballot_round.valid_count = valid
    ballot_round.invalid_count = len(choices) - valid
    ballot_round.tally = {str(pk): n for pk, n in tally.items()}
    ballot_round.outcome = outcome
    ballot_round.save()
    result = "; ".join(f"{c.unit.name}: {tally[c.pk]}" for c in candidates)
    if outcome == BallotOutcome.WINNER:
        election.state = ElectionState.DONE
        election.winner = best.unit
        election.finished_at = timezone.now()
        election.save(update_fields=["state", "winner", "finished_at"])
        summary = f"{best.unit.name} được suy tôn đơn vị dẫn đầu"
    else:
        following = BallotRound.objects.create(election=election, number=ballot_round.number + 1)
        following.candidates.set(next_units)
        word = (
            "bằng phiếu, bỏ phiếu lại"
            if outcome == BallotOutcome.TIE
            else "không đơn vị nào quá nửa, bỏ phiếu lại"
        )
        summary = f"{word} lần {following.number} giữa {_names(c.unit for c in next_units)}"
    audit_record(
        kind=AuditEvent.Kind.PUBLISH,
        summary=(
            f"Kiểm phiếu suy tôn lần {ballot_round.number} – {review}: {valid} phiếu hợp lệ, "
            f"{ballot_round.invalid_count} không hợp lệ ({result}); {summary}"
        ),
        actor=actor,
        data={
            "election": election.pk,
            "round": ballot_round.pk,
            "tally": ballot_round.tally,
            "outcome": outcome,
        },
    )
    return ballot_round


@transaction.atomic
def election_abandon(*, election: Election, reason: str, actor) -> Election:
    """End the election without a winner (after a tie, or when it cannot go on): the review
    then takes the leading unit by score. A round still open is left uncounted."""
    reason = nfc(reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": "Phải nêu lý do kết thúc bỏ phiếu mà không bầu được đơn vị dẫn đầu."}
        )
    if len(reason) > REASON_LIMIT:
        raise ValidationError(
            {"reason": f"Lý do dài tối đa {REASON_LIMIT} ký tự (đang có {len(reason)} ký tự)."}
        )
    election = _lock_election(election)
    _require_review_open(election.review)
    if election.state not in (ElectionState.SETUP, ElectionState.VOTING):
        raise ValidationError(
            f"Cuộc bỏ phiếu {election.get_state_display().lower()}, không kết thúc lại được."
        )
    election.state = ElectionState.FAILED
    election.finished_at = timezone.now()
    election.minutes_note = _with_note(
        election, f"Kết thúc bỏ phiếu, không bầu được đơn vị dẫn đầu; hội nghị xét theo điểm. Lý do: {reason}"
    )
    election.save(update_fields=["state", "finished_at", "minutes_note"])
    audit_record(
        kind=AuditEvent.Kind.CHANGE,
        summary=f"Kết thúc bỏ phiếu suy tôn không có kết quả – {election.review}: {reason}",
        actor=actor,
        data={"election": election.pk},
    )
    return election
