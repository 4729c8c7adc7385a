"""Reads of the suy tôn vote: the election page, the leader's ballot panel and the minutes
(biên bản), each in a fixed number of queries.

Nothing here reads a ballot one by one: results come from the tally stored when a round is
counted; before that only the number of units that have voted is shown."""

from __future__ import annotations

from dataclasses import dataclass, field

from awards.models import (
    Attendance,
    BallotCast,
    BallotRound,
    BallotRoundState,
    Candidate,
    Election,
    ElectionState,
    Review,
    VoteMethod,
)
from blocs.models import Assignment, Membership, Role, Unit, vietnamese_order


def quorum_needed(member_count: int) -> int:
    """Fewest member units for a valid vote: two thirds of the members, rounded up (DESIGN.md
    §5 rule 6; DOMAIN.md: a cluster meeting is valid with at least 2/3 of members present)."""
    return -(-member_count * 2 // 3)


def member_unit_ids(review: Review) -> set[int]:
    """The bloc's member units on the day of the review. One query."""
    return set(
        Membership.objects.current(review.held_on)
        .filter(bloc_id=review.campaign.bloc_id)
        .values_list("unit_id", flat=True)
    )


def present_unit_ids(review: Review, members: set[int]) -> set[int]:
    """The member units marked present at the review. One query."""
    return set(
        Attendance.objects.filter(review=review, present=True, unit_id__in=members).values_list(
            "unit_id", flat=True
        )
    )


# --- The election page ----------------------------------------------------------------------------


@dataclass
class MemberLine:
    unit: Unit
    present: bool
    representative: str
    voted: str = ""  # the method by which it voted in the current round, "" if it has not

    @property
    def voted_label(self) -> str:
        return VoteMethod(self.voted).label if self.voted else ""


@dataclass
class CandidateLine:
    candidate: Candidate
    votes: int | None  # None until the round is counted

    @property
    def unit(self) -> Unit:
        return self.candidate.unit


@dataclass
class RoundView:
    ballot_round: BallotRound
    candidates: list[Candidate]
    voted_units: dict[int, str] = field(default_factory=dict)  # unit id → method

    @property
    def number(self) -> int:
        return self.ballot_round.number

    @property
    def is_open(self) -> bool:
        return self.ballot_round.state == BallotRoundState.OPEN

    @property
    def voted_count(self) -> int:
        return len(self.voted_units)

    @property
    def online_count(self) -> int:
        return sum(1 for method in self.voted_units.values() if method == VoteMethod.ONLINE)

    @property
    def paper_count(self) -> int:
        return sum(1 for method in self.voted_units.values() if method == VoteMethod.PAPER)

    @property
    def total_ballots(self) -> int:
        return self.ballot_round.valid_count + self.ballot_round.invalid_count

    @property
    def lines(self) -> list[CandidateLine]:
        """The units on the ballot in ballot order, with their votes once counted."""
        tally = self.ballot_round.tally if not self.is_open else {}
        return [CandidateLine(c, tally.get(str(c.pk)) if tally else None) for c in self.candidates]

    @property
    def majority(self) -> int:
        """Votes needed to win this round: more than half of the valid ballots."""
        return self.ballot_round.valid_count // 2 + 1


@dataclass
class ElectionBoard:
    review: Review
    election: Election | None
    members: list[MemberLine]
    candidates: list[Candidate]
    rounds: list[RoundView]

    @property
    def member_count(self) -> int:
        return len(self.members)

    @property
    def present(self) -> list[MemberLine]:
        return [line for line in self.members if line.present]

    @property
    def present_count(self) -> int:
        return len(self.present)

    @property
    def quorum_needed(self) -> int:
        return quorum_needed(self.member_count)

    @property
    def has_quorum(self) -> bool:
        return self.member_count > 0 and self.present_count >= self.quorum_needed

    @property
    def state(self) -> str:
        return self.election.state if self.election else ""

    @property
    def in_setup(self) -> bool:
        return self.state == ElectionState.SETUP

    @property
    def current(self) -> RoundView | None:
        """The round open for voting, if any."""
        last = self.rounds[-1] if self.rounds else None
        return last if last and last.is_open and self.state == ElectionState.VOTING else None

    @property
    def counted(self) -> list[RoundView]:
        return [r for r in self.rounds if not r.is_open]

    @property
    def note_lines(self) -> list[str]:
        return self.election.minutes_note.splitlines() if self.election and self.election.minutes_note else []

    @property
    def addable(self) -> list[Unit]:
        """Member units not yet on the list (the service says why one may not stand)."""
        standing = {c.unit_id for c in self.candidates}
        return [line.unit for line in self.members if line.unit.pk not in standing]

    @property
    def present_not_voted(self) -> list[Unit]:
        """Present units that have not voted in the open round: those the paper form offers."""
        current = self.current
        if current is None:
            return []
        return [
            line.unit for line in self.members if line.present and line.unit.pk not in current.voted_units
        ]


def election_board(*, review: Review) -> ElectionBoard:
    """Everything the election page and the minutes show. Three queries without an election,
    seven with one, whatever the number of units, candidates and rounds."""
    election = Election.objects.filter(review=review).select_related("winner").first()
    if election is not None:
        election.review = review
    memberships = (
        Membership.objects.current(review.held_on)
        .filter(bloc_id=review.campaign.bloc_id)
        .select_related("unit")
        .order_by(vietnamese_order("unit__name"), "unit_id")
    )
    attendance = {
        unit_id: (present, representative)
        for unit_id, present, representative in Attendance.objects.filter(review=review).values_list(
            "unit_id", "present", "representative"
        )
    }
    members = [MemberLine(m.unit, *attendance.get(m.unit_id, (False, ""))) for m in memberships]
    if election is None:
        return ElectionBoard(review=review, election=None, members=members, candidates=[], rounds=[])

    candidates = list(election.candidates.select_related("unit").order_by("position", "pk"))
    by_pk = {c.pk: c for c in candidates}
    rounds = list(election.ballot_rounds.select_related("counted_by").order_by("number"))
    through = BallotRound.candidates.through.objects.filter(ballotround__election=election).values_list(
        "ballotround_id", "candidate_id"
    )
    on_ballot: dict[int, list[Candidate]] = {r.pk: [] for r in rounds}
    for round_id, candidate_id in through:
        on_ballot[round_id].append(by_pk[candidate_id])
    voted: dict[int, dict[int, str]] = {r.pk: {} for r in rounds}
    for round_id, unit_id, method in BallotCast.objects.filter(ballot_round__election=election).values_list(
        "ballot_round_id", "unit_id", "method"
    ):
        voted[round_id][unit_id] = method
    views = [
        RoundView(r, sorted(on_ballot[r.pk], key=lambda c: (c.position, c.pk)), voted[r.pk]) for r in rounds
    ]
    current = views[-1] if views and views[-1].is_open else None
    if current is not None:
        for line in members:
            line.voted = current.voted_units.get(line.unit.pk, "")
    return ElectionBoard(
        review=review, election=election, members=members, candidates=candidates, rounds=views
    )


# --- The leader's ballot --------------------------------------------------------------------------


@dataclass
class BallotPanel:
    """The member units the user leads, as the ballot page shows them."""

    board: ElectionBoard
    units: list[MemberLine]

    @property
    def present(self) -> list[MemberLine]:
        return [line for line in self.units if line.present]

    @property
    def ready(self) -> list[MemberLine]:
        """Units that may vote now: present, a round open, not voted in it yet."""
        if self.board.current is None:
            return []
        return [line for line in self.present if not line.voted]

    @property
    def voted(self) -> list[MemberLine]:
        return [line for line in self.present if line.voted]


def ballot_panel(*, board: ElectionBoard, user) -> BallotPanel:
    """The member units `user` leads (one query)."""
    led = set(
        Assignment.objects.filter(
            user=user, role=Role.LEADER, unit_id__in=[line.unit.pk for line in board.members]
        ).values_list("unit_id", flat=True)
    )
    return BallotPanel(board=board, units=[line for line in board.members if line.unit.pk in led])
