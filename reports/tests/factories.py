"""Objects the reports are made from, built through the services as production builds them."""

from __future__ import annotations

import io

from pypdf import PdfReader

from awards.services.nominations import nominations_generate
from awards.services.reviews import review_close
from awards.services.titles import seed_titles
from awards.tests.factories import held_review, review_for
from blocs.tests.factories import MembershipFactory, UnitFactory
from campaigns.services.pledges import pledge_sign
from campaigns.tests.factories import PASSWORD, leader_for, open_pledge
from reports.models import JobState, ReportJob, ReportKind
from scoring.models import ScoringRules

YEAR = 2024


def grow(bloc, size: int) -> None:
    """Members up to `size` (the world's bloc has three)."""
    for number in range(4, size + 1):
        MembershipFactory(bloc=bloc, unit=UnitFactory(code=f"DV{number:02d}", name=f"Đơn vị {number:02d}"))


def closed_review(world, *, kind: str = "tong_ket"):
    """A held and closed review of the world's bloc, Q1–Q4 (or Q1–Q2) published, leading unit
    by score."""
    review = held_review(review_for(world.bloc, kind, YEAR, actor=world.admin), actor=world.admin)
    ScoringRules.objects.update_or_create(campaign=review.campaign, defaults={"leading_by": "score"})
    return review_close(review=review, actor=world.admin)


def with_nominations(world, review):
    seed_titles()
    return nominations_generate(review=review, actor=world.admin)


def signed_pledge(world, signers: int = 2):
    pledge = open_pledge(world.bloc, items=3, actor=world.secretary)
    units = [world.unit_a, world.unit_b, world.unit_c][:signers]
    for unit in units:
        leader = world.leader if unit == world.unit_a else leader_for(unit)
        pledge_sign(pledge=pledge, unit=unit, password=PASSWORD, ip="10.0.0.1", actor=leader)
    return pledge


def pdf_pages(content: bytes) -> list[str]:
    """The text of each page of a PDF."""
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages]


def job_for(target, *, kind: str, actor, state: str = JobState.QUEUED, **fields) -> ReportJob:
    """A job row as the request service leaves it (no message sent)."""
    target_field = {"Review": "review", "Pledge": "pledge", "ScoringRound": "scoring_round"}[
        type(target).__name__
    ]
    return ReportJob.objects.create(
        kind=kind,
        campaign=target.campaign,
        requested_by=actor,
        state=state,
        **{target_field: target},
        **fields,
    )


__all__ = ["ReportKind"]
