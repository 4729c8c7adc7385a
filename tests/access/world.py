"""The world the access matrix walks: conftest's `World` (two blocs, one user per role, an
outsider) and, in its bloc, one object of every kind a URL of the product names, made through
the services as production makes them.

The 2024 campaign of `world.bloc` has Q1–Q4 scored and published, a sơ kết held with its
suy tôn vote open, a tổng kết closed with a nomination list submitted to the level above, an
award decision, a draft pledge and an open one that Quân khu 2 has signed, a peak drive, an
objection to Q1, an open year-end round in which Quân khu 1 has drafted its self-assessment
with an evidence file, and a new, still editable version of its criteria set.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.core.files.base import ContentFile

from awards.models import AwardDecision, Candidate, EligibilityRule, Nomination, NominationList, Review, Title
from awards.services.decisions import award_decision_record
from awards.services.elections import election_open, election_prepare
from awards.services.nominations import nomination_list_submit, nomination_remove, nominations_generate
from awards.services.reviews import review_close
from awards.services.titles import seed_titles
from awards.tests.factories import held_review, review_for
from blocs.models import Assignment, ChairTerm, Membership, User
from blocs.tests.factories import AssignmentFactory, ChairTermFactory, UserFactory
from campaigns.models import Campaign, Drive, Pledge, PledgeItem, PledgeRegistration
from campaigns.services.pledges import pledge_create, pledge_item_add, pledge_registration_add, pledge_sign
from campaigns.tests.factories import PASSWORD, DriveFactory, leader_for, open_pledge
from conftest import World
from reports.models import JobState, ReportJob, ReportKind
from reports.tests.factories import job_for
from scoring.models import CriteriaSet, Criterion, CriterionKind, Objection, Score, ScoringRound, ScoringRules
from scoring.services.criteria import criteria_set_new_version
from scoring.services.evidence import score_evidence_attach
from scoring.services.objections import objection_file
from scoring.services.scorecards import self_card_save
from scoring.tests.factories import round_with_sample

YEAR = 2024
PDF = b"%PDF-1.4\n% minh chung\n"


@dataclass
class Objects:
    """One object of each kind, all of `world.bloc`."""

    campaign: Campaign
    drive: Drive
    draft_pledge: Pledge
    item: PledgeItem
    registration: PledgeRegistration
    open_pledge: Pledge
    criteria_set: CriteriaSet  # the editable new version
    criterion: Criterion  # of the editable version
    leaf: Criterion  # of the set the open round is scored on
    published_round: ScoringRound
    open_round: ScoringRound
    evidence_score: Score
    objection: Objection
    review: Review  # the sơ kết: held, its vote open
    closed_review: Review  # the tổng kết: closed, with nominations
    candidate: Candidate
    section_pk: int
    nomination_list: NominationList
    nomination: Nomination
    title: Title
    rule: EligibilityRule
    decision: AwardDecision
    job: ReportJob
    membership: Membership
    chair_term: ChairTerm
    assignment: Assignment
    other_membership: Membership  # of the other bloc
    other_chair_term: ChairTerm  # of the other bloc


class MatrixWorld(World):
    """conftest's World plus an observer who approves awards, and `objects`."""

    approver: User
    objects: Objects
    media_root: Path  # where the evidence and report files are kept


def build_world() -> MatrixWorld:
    world = MatrixWorld()
    world.approver = UserFactory(username="approver")
    AssignmentFactory(user=world.approver, role="observer", bloc=world.bloc, can_approve_awards=True)
    admin, secretary = world.admin, world.secretary

    review = held_review(review_for(world.bloc, "so_ket", YEAR, actor=admin), actor=admin)
    closed = held_review(review_for(world.bloc, "tong_ket", YEAR, actor=admin), actor=admin)
    campaign = closed.campaign
    ScoringRules.objects.update_or_create(campaign=campaign, defaults={"leading_by": "score"})
    closed = review_close(review=closed, actor=admin)
    election = election_prepare(review=review, actor=admin)
    election_open(election=election, actor=admin)

    seed_titles()
    nomination_list = nominations_generate(review=closed, actor=admin)
    for nomination in nomination_list.nominations.all():
        if not nomination.passes:
            nomination_remove(nomination=nomination, actor=admin)
    nomination_list = nomination_list_submit(nomination_list=nomination_list, actor=secretary)
    title = Title.objects.filter(rules__isnull=False).order_by("pk").first()
    decision = award_decision_record(
        number="15/QĐ-BQP",
        signed_on=date(YEAR + 1, 1, 15),
        issuer="Bộ trưởng Bộ Quốc phòng",
        year=YEAR,
        grants=[(world.unit_b, title)],
        note="Khen thưởng đột xuất.",
        actor=admin,
    )

    draft = pledge_create(campaign=campaign, title="Giao ước thi đua đợt cao điểm", actor=secretary)
    item = pledge_item_add(
        pledge=draft,
        content="Hoàn thành huấn luyện",
        indicator="Tỷ lệ đạt yêu cầu",
        unit_of_measure="%",
        target_value=Decimal("100"),
        actor=secretary,
    )
    pledge_item_add(
        pledge=draft,
        content="Bảo đảm an toàn",
        indicator="Số vụ mất an toàn",
        unit_of_measure="vụ",
        target_value=Decimal("0"),
        actor=secretary,
    )
    registration = pledge_registration_add(
        pledge=draft, unit=world.unit_b, title="Đơn vị Quyết thắng", actor=secretary
    )
    opened = open_pledge(world.bloc, items=2, actor=secretary, campaign=campaign)
    pledge_sign(pledge=opened, unit=world.unit_b, password=PASSWORD, actor=leader_for(world.unit_b))

    published = ScoringRound.objects.get(campaign=campaign, period="q1")
    open_round = round_with_sample(world.bloc, "year", admin, campaign=campaign)
    leaf = Criterion.objects.filter(
        criteria_set=open_round.criteria_set, children__isnull=True, kind=CriterionKind.STANDARD
    ).order_by("position", "pk")[0]
    card, _result = self_card_save(
        scoring_round=open_round,
        unit_id=world.unit_a.pk,
        entries={leaf.pk: Decimal("1")},
        base_version=0,
        actor=world.officer,
    )
    score = Score.objects.get(scorecard=card, criterion=leaf)
    score = score_evidence_attach(score=score, name="bien-ban-kiem-tra.pdf", data=PDF, actor=world.officer)
    editable = criteria_set_new_version(criteria_set=open_round.criteria_set, actor=admin)
    objection = objection_file(
        scoring_round=published,
        unit=world.unit_a,
        reason="Đề nghị xem lại điểm của đơn vị.",
        actor=world.leader,
    )

    job = job_for(closed, kind=ReportKind.TONG_KET, actor=secretary, state=JobState.DONE)
    job.file.save("tong-ket.pdf", ContentFile(PDF), save=True)

    chair_term = ChairTerm.objects.filter(bloc=world.bloc).first() or ChairTermFactory(
        bloc=world.bloc, year=YEAR, chair=world.unit_a
    )
    world.objects = Objects(
        campaign=campaign,
        drive=DriveFactory(campaign=campaign),
        draft_pledge=draft,
        item=item,
        registration=registration,
        open_pledge=opened,
        criteria_set=editable,
        criterion=Criterion.objects.filter(criteria_set=editable, code=leaf.code).get(),
        leaf=leaf,
        published_round=published,
        open_round=open_round,
        evidence_score=score,
        objection=objection,
        review=review,
        closed_review=closed,
        candidate=election.candidates.order_by("position").first(),
        section_pk=review.sections.order_by("pk").values_list("pk", flat=True).first(),
        nomination_list=nomination_list,
        nomination=nomination_list.nominations.order_by("pk").first(),
        title=title,
        rule=title.rules.order_by("pk").first(),
        decision=decision,
        job=job,
        membership=Membership.objects.get(bloc=world.bloc, unit=world.unit_c),
        chair_term=chair_term,
        assignment=Assignment.objects.get(user=world.leader),
        other_membership=Membership.objects.get(bloc=world.other_bloc, unit=world.other_unit),
        other_chair_term=ChairTermFactory(bloc=world.other_bloc, year=YEAR, chair=world.other_unit),
    )
    return world
