"""Builders shared by the honours tests: closed reviews made straight from the models (a frozen
ranking and a leading unit), the seeded catalogue, and award records of earlier years."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from awards.models import AwardDecision, AwardRecord, Review, Title
from awards.services.titles import seed_titles
from blocs.tests.factories import MembershipFactory, UnitFactory
from campaigns.tests.factories import CampaignFactory
from scoring.models import RankingEntry, RankingSnapshot

FLAG_BQP = "Cờ thi đua của Bộ Quốc phòng"
FLAG_COMMAND = "Cờ thi đua của quân khu, quân chủng, tổng cục và tương đương"
QUYET_THANG = "Đơn vị Quyết thắng"
TIEN_TIEN = "Đơn vị tiên tiến"
BANG_KHEN_BQP = "Bằng khen của Bộ trưởng Bộ Quốc phòng"
BANG_KHEN_TTG = "Bằng khen của Thủ tướng Chính phủ"
GIAY_KHEN = "Giấy khen"


def catalogue() -> dict[str, Title]:
    seed_titles()
    return {title.name: title for title in Title.objects.all()}


def closed_review(
    bloc,
    rows,
    *,
    leading=None,
    year: int = 2024,
    kind: str = "tong_ket",
    made_by,
) -> Review:
    """A closed review of `bloc` for `year` whose frozen ranking has `rows`: tuples of
    (unit, rank, classification, total[, disqualified]) in ranking order."""
    campaign = CampaignFactory(bloc=bloc, year=year)
    snapshot = RankingSnapshot.objects.create(
        campaign=campaign,
        period="year" if kind == "tong_ket" else "h1",
        content_hash="a" * 64,
        made_by=made_by,
    )
    for position, row in enumerate(rows, start=1):
        unit, rank, classification, total, *rest = row
        RankingEntry.objects.create(
            snapshot=snapshot,
            unit=unit,
            unit_name=unit.name,
            position=position,
            rank=rank,
            total=Decimal(str(total)) if total is not None else None,
            classification=classification,
            disqualified=bool(rest and rest[0]),
        )
    return Review.objects.create(
        campaign=campaign,
        kind=kind,
        held_on=date(year, 12, 20),
        place="Hội trường",
        state="closed",
        snapshot=snapshot,
        leading_unit=leading,
    )


def world_review(world, **kwargs) -> Review:
    """world.bloc's 2024 tổng kết: Quân khu 1 leads (Xuất sắc), 2 Tốt, 3 Khá."""
    rows = kwargs.pop(
        "rows",
        [
            (world.unit_a, 1, "Xuất sắc", "95.5"),
            (world.unit_b, 2, "Tốt", "85"),
            (world.unit_c, 3, "Khá", "70"),
        ],
    )
    return closed_review(
        world.bloc, rows, leading=kwargs.pop("leading", world.unit_a), made_by=world.admin, **kwargs
    )


def grant(unit, title: Title, year: int, *, by) -> AwardRecord:
    """An award record of an earlier year, under its own decision."""
    decision = AwardDecision.objects.create(
        number=f"{AwardDecision.objects.count() + 1}/QĐ-BQP",
        signed_on=date(year + 1, 1, 15),
        issuer="Bộ Quốc phòng",
        year=year,
        created_by=by,
    )
    return AwardRecord.objects.create(decision=decision, unit=unit, title=title, year=year)


def add_members(bloc, count: int) -> list:
    units = [UnitFactory() for _ in range(count)]
    for unit in units:
        MembershipFactory(bloc=bloc, unit=unit)
    return units
