"""Demo reviews and suy tôn votes of 2024.

- Cụm thi đua số 6 held its tổng kết on 01/11/2024 hosted by Sư đoàn Bộ binh 301 (real event
  from the seeds): the four members voted on paper, Trường Quân sự Bộ Tư lệnh Thủ đô was
  acclaimed leading unit and took the chair for 2025 (the seeds report it).
- Khối thi đua số 2 held its sơ kết on 18/07/2024 (Quân khu 1, the 2024 chair, won the vote
  outright) and its tổng kết on 16/01/2025, where nobody had more than half of the ballots at
  first and Quân khu 1 won the run-off against Bộ Tư lệnh Thủ đô Hà Nội. As Quân khu 1 chaired
  2024, the chair cannot go to it twice in a row: the handover rule gives 2025 to the
  best-ranked other unit. Dates, places and ballots are demo.

Every step runs the real services under a demo clock, as a secretariat and leaders would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time

from awards.models import Candidate, Review
from awards.services.elections import (
    ballot_cast,
    ballot_round_count,
    election_open,
    election_prepare,
    paper_ballots_enter,
)
from awards.services.reviews import attendance_set, review_close, review_create, review_mark_held
from blocs.models import Unit, User
from campaigns.models import Campaign
from thidua.demo.campaigns import demo_clock

YEAR = 2024


@dataclass
class DemoReview:
    bloc_name: str
    secretary: str
    kind: str
    held_on: date
    place: str
    host: str
    chaired_by: str
    absent: list[str] = field(default_factory=list)
    # Each ballot round: online votes {voter code: candidate code}, or paper counts.
    online_rounds: list[dict[str, str]] = field(default_factory=list)
    paper_counts: dict[str, int] | None = None


REVIEWS = [
    DemoReview(
        bloc_name="Cụm thi đua số 6",
        secretary="thuky.c6",
        kind="tong_ket",
        held_on=date(YEAR, 11, 1),
        place="Hội trường Sư đoàn Bộ binh 301, Hà Nội",
        host="SD301",
        chaired_by="Thủ trưởng Sư đoàn Bộ binh 301 (cụm trưởng năm 2024)",
        paper_counts={"TQS-BTLTD": 3, "SD301": 1},
    ),
    DemoReview(
        bloc_name="Khối thi đua số 2",
        secretary="thuky.k2",
        kind="so_ket",
        held_on=date(YEAR, 7, 18),
        place="Hội trường Bộ Tư lệnh Quân khu 1, thành phố Thái Nguyên",
        host="QK1",
        chaired_by="Thủ trưởng Bộ Tư lệnh Quân khu 1 (khối trưởng năm 2024)",
        online_rounds=[
            {
                "QK1": "QK1",
                "QK2": "QK1",
                "QK3": "QK1",
                "QK4": "BTLTD",
                "QK5": "QK1",
                "QK7": "QK1",
                "QK9": "BTLTD",
                "BTLTD": "QK2",
            }
        ],
    ),
    DemoReview(
        bloc_name="Khối thi đua số 2",
        secretary="thuky.k2",
        kind="tong_ket",
        held_on=date(YEAR + 1, 1, 16),
        place="Hội trường Bộ Tư lệnh Quân khu 1, thành phố Thái Nguyên",
        host="QK1",
        chaired_by="Thủ trưởng Bộ Tư lệnh Quân khu 1 (khối trưởng năm 2024)",
        absent=["QK9"],
        online_rounds=[
            {
                "QK1": "BTLTD",
                "QK2": "QK1",
                "QK3": "QK1",
                "QK4": "BTLTD",
                "QK5": "QK1",
                "QK7": "BTLTD",
                "BTLTD": "QK4",
            },
            {
                "QK1": "BTLTD",
                "QK2": "QK1",
                "QK3": "QK1",
                "QK4": "QK1",
                "QK5": "QK1",
                "QK7": "QK1",
                "BTLTD": "QK1",
            },
        ],
    ),
]


def _units(codes) -> dict[str, Unit]:
    return {unit.code: unit for unit in Unit.objects.filter(code__in=codes)}


def seed_review(plan: DemoReview) -> Review | None:
    campaign = Campaign.objects.select_related("bloc").get(bloc__name=plan.bloc_name, year=YEAR)
    if Review.objects.filter(campaign=campaign, kind=plan.kind).exists():
        return None
    secretary = User.objects.get(username=plan.secretary)
    host = Unit.objects.get(code=plan.host)
    day = plan.held_on
    with demo_clock(day, time(7, 30)):
        review = review_create(
            campaign=campaign,
            kind=plan.kind,
            held_on=day,
            place=plan.place,
            host_unit=host,
            chaired_by=plan.chaired_by,
            actor=secretary,
        )
        present = {
            row.unit_id: row.unit.code not in plan.absent for row in review.attendance.select_related("unit")
        }
        attendance_set(review=review, present=present, actor=secretary)
        election = election_prepare(review=review, actor=secretary)
    with demo_clock(day, time(9, 0)):
        ballot_round = election_open(election=election, actor=secretary)
    candidates = {c.unit.code: c for c in Candidate.objects.filter(election=election).select_related("unit")}
    if plan.paper_counts is not None:
        voters = [row.unit for row in review.attendance.select_related("unit") if row.present]
        with demo_clock(day, time(9, 40)):
            paper_ballots_enter(
                ballot_round=ballot_round,
                counts={candidates[code].pk: n for code, n in plan.paper_counts.items()},
                invalid=len(voters) - sum(plan.paper_counts.values()),
                voted_units=voters,
                actor=secretary,
            )
            ballot_round = ballot_round_count(ballot_round=ballot_round, actor=secretary)
    for number, votes in enumerate(plan.online_rounds):
        units = _units(votes)
        for minute, (voter, choice) in enumerate(votes.items()):
            leader = User.objects.get(username=f"chihuy.{voter.lower()}")
            with demo_clock(day, time(9 + number, 5 + minute * 3)):
                ballot_cast(
                    ballot_round=ballot_round, unit=units[voter], candidate=candidates[choice], actor=leader
                )
        with demo_clock(day, time(9 + number, 45)):
            counted = ballot_round_count(ballot_round=ballot_round, actor=secretary)
        ballot_round = counted.election.ballot_rounds.order_by("-number").first()
    with demo_clock(day, time(11, 30)):
        review_mark_held(review=review, actor=secretary)
    with demo_clock(day, time(16, 0)):
        return review_close(review=review, actor=secretary)


def seed_reviews() -> None:
    """Idempotent: a review that exists is left as it is."""
    for plan in REVIEWS:
        seed_review(plan)
