"""Demo award proposals and decisions of 2024.

From the closed 2024 tổng kết of each bloc, the secretariat draws up the nomination list from
the frozen ranking (every rule checked and explained), adjusts it, submits it; the level above
approves or rejects each nomination; the decision that comes back is recorded.

- Cụm thi đua số 6 (tổng kết 01/11/2024): Trường Quân sự Bộ Tư lệnh Thủ đô, acclaimed leading
  unit, is proposed for the command-level flag. The cluster has four members, so the 20 %
  quota of Đơn vị Quyết thắng gives 0,8 → one seat ("at least one"). The secretariat also
  proposes Sư đoàn Bộ binh 301 for it: refused for breaking the quota, then kept with a written
  justification, which the level above does not accept.
- Khối thi đua số 2 (tổng kết 16/01/2025): the leading unit is proposed for the Ministry's
  flag. The secretariat proposes one more unit the rules turn down: refused, then kept with a
  justification.

Decision numbers, dates and texts are demo. A bloc whose 2024 tổng kết is not closed yet is
skipped, so the function can run before or after the reviews are seeded, and again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from django.core.exceptions import ValidationError
from django.db import transaction

from awards.models import NominationList, NominationState, Review, ReviewKind, ReviewState, Title
from awards.services.decisions import award_decision_record
from awards.services.nominations import (
    nomination_add,
    nomination_decide,
    nomination_list_submit,
    nominations_generate,
)
from awards.services.titles import seed_titles
from blocs.models import Unit, User
from thidua.demo.campaigns import demo_clock

YEAR = 2024
QUYET_THANG = "Đơn vị Quyết thắng"


@dataclass
class Extra:
    """A nomination the secretariat adds by hand, with the justification it is kept on."""

    unit_code: str
    title: str
    justification: str
    # The level above's answer: None approves, a text rejects with that reason.
    rejection: str | None = None


@dataclass
class AwardPlan:
    bloc_name: str
    secretary: str
    drafted_on: date
    submitted_on: date
    decided_on: date
    extras: list[Extra]
    decision_number: str
    decision_issuer: str
    decision_signed_on: date
    decision_summary: str


PLANS = [
    AwardPlan(
        bloc_name="Cụm thi đua số 6",
        secretary="thuky.c6",
        drafted_on=date(YEAR, 11, 5),
        submitted_on=date(YEAR, 11, 8),
        decided_on=date(YEAR, 12, 2),
        extras=[
            Extra(
                unit_code="SD301",
                title=QUYET_THANG,
                justification=(
                    "Sư đoàn Bộ binh 301 là cụm trưởng năm 2024, hoàn thành xuất sắc diễn tập chiến đấu "
                    "phòng thủ và nhiệm vụ cứu hộ sau bão số 3 (Yagi); cụm đề nghị xét thêm ngoài định mức."
                ),
                rejection=(
                    "Định mức Đơn vị Quyết thắng của cụm là 1 đơn vị; thành tích cứu hộ sau bão số 3 "
                    "được xét khen thưởng theo chuyên đề."
                ),
            )
        ],
        decision_number="1568/QĐ-BTL",
        decision_issuer="Tư lệnh Bộ Tư lệnh Thủ đô Hà Nội",
        decision_signed_on=date(YEAR, 12, 16),
        decision_summary="Tặng Cờ thi đua và danh hiệu thi đua năm 2024 cho các đơn vị Cụm thi đua số 6",
    ),
    AwardPlan(
        bloc_name="Khối thi đua số 2",
        secretary="thuky.k2",
        drafted_on=date(YEAR + 1, 1, 20),
        submitted_on=date(YEAR + 1, 1, 24),
        decided_on=date(YEAR + 1, 2, 14),
        extras=[
            Extra(
                unit_code="QK7",
                title="Bằng khen của Bộ trưởng Bộ Quốc phòng",
                justification=(
                    "Quân khu 7 hoàn thành xuất sắc nhiệm vụ huấn luyện, sẵn sàng chiến đấu; vụ mất an toàn "
                    "quý III đã được kết luận là nguyên nhân khách quan. Khối đề nghị cấp trên xem xét."
                ),
                rejection="Đơn vị vi phạm tiêu chí phủ quyết trong năm, không xét khen thưởng theo quy chế của khối.",
            )
        ],
        decision_number="612/QĐ-BQP",
        decision_issuer="Bộ trưởng Bộ Quốc phòng",
        decision_signed_on=date(YEAR + 1, 3, 3),
        decision_summary="Tặng Cờ thi đua của Bộ Quốc phòng và danh hiệu thi đua năm 2024 cho các đơn vị Khối thi đua số 2",
    ),
]


def _approver(review: Review) -> User:
    """An observer of the bloc given the right to approve awards, else the admin."""
    bloc = review.campaign.bloc
    for user in User.objects.filter(assignments__bloc=bloc, assignments__can_approve_awards=True):
        if user.has_perm("awards.approve_nominations", bloc):
            return user
    return User.objects.get(username="admin")


def seed_plan(plan: AwardPlan) -> NominationList | None:
    review = (
        Review.objects.select_related("campaign__bloc")
        .filter(campaign__bloc__name=plan.bloc_name, campaign__year=YEAR, kind=ReviewKind.TONG_KET)
        .first()
    )
    if review is None or review.state != ReviewState.CLOSED:
        return None
    if NominationList.objects.filter(review=review).exists():
        return None
    secretary = User.objects.get(username=plan.secretary)
    with demo_clock(plan.drafted_on, time(8, 30)):
        nomination_list = nominations_generate(review=review, actor=secretary)
    rejections: dict[tuple[int, int], str] = {}
    for minute, extra in enumerate(plan.extras):
        unit = Unit.objects.get(code=extra.unit_code)
        title = Title.objects.get(name=extra.title)
        with demo_clock(plan.drafted_on, time(9, 10 + minute * 5)):
            try:  # proposed as is first: refused with the reason…
                with transaction.atomic():
                    nomination = nomination_add(
                        nomination_list=nomination_list, unit=unit, title=title, actor=secretary
                    )
            except ValidationError:
                # …then kept with the written justification.
                nomination = nomination_add(
                    nomination_list=nomination_list,
                    unit=unit,
                    title=title,
                    justification=extra.justification,
                    actor=secretary,
                )
        if extra.rejection:
            rejections[(nomination.unit_id, nomination.title_id)] = extra.rejection
    with demo_clock(plan.submitted_on, time(15, 0)):
        nomination_list_submit(nomination_list=nomination_list, actor=secretary)
    approver = _approver(review)
    for minute, nomination in enumerate(nomination_list.nominations.order_by("position")):
        reason = rejections.get((nomination.unit_id, nomination.title_id))
        if reason is None and not nomination.passes and not nomination.justification:
            reason = "Không đủ điều kiện."
        with demo_clock(plan.decided_on, time(10, minute)):
            nomination_decide(
                nomination=nomination, approve=reason is None, reason=reason or "", actor=approver
            )
    approved = nomination_list.nominations.filter(state=NominationState.APPROVED).select_related(
        "unit", "title"
    )
    with demo_clock(plan.decision_signed_on, time(16, 0)):
        award_decision_record(
            number=plan.decision_number,
            signed_on=plan.decision_signed_on,
            issuer=plan.decision_issuer,
            year=YEAR,
            summary=plan.decision_summary,
            grants=[(n.unit, n.title) for n in approved],
            nomination_list=nomination_list,
            actor=secretary,
        )
    return nomination_list


def seed_awards() -> None:
    """Idempotent: the catalogue's missing titles are added; a bloc whose 2024 tổng kết is not
    closed, or that already has its nomination list, is left as it is."""
    seed_titles()
    for plan in PLANS:
        with transaction.atomic():
            seed_plan(plan)
