from __future__ import annotations

from datetime import date
from decimal import Decimal

import factory
from django.utils import timezone

from blocs.models import Bloc, Unit, User
from blocs.tests.factories import AssignmentFactory, BlocFactory, UserFactory
from campaigns.models import Campaign, Drive, Pledge, PledgeItem, PledgeSignature
from campaigns.services.pledges import pledge_create, pledge_item_add, pledge_open

PASSWORD = "Mat-khau-123"  # UserFactory's password


def this_year() -> int:
    return timezone.localdate().year


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    bloc = factory.SubFactory(BlocFactory)
    year = factory.LazyFunction(this_year)
    name = factory.LazyAttribute(lambda o: f"Phong trào Thi đua Quyết thắng năm {o.year}")
    theme = "Đoàn kết, kỷ cương, chủ động, sáng tạo"
    starts_on = factory.LazyAttribute(lambda o: date(o.year, 1, 1))
    ends_on = factory.LazyAttribute(lambda o: date(o.year, 12, 31))


class DriveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Drive

    campaign = factory.SubFactory(CampaignFactory)
    name = factory.Sequence(lambda n: f"Đợt thi đua cao điểm {n}")
    starts_on = factory.LazyAttribute(lambda o: date(o.campaign.year, 3, 1))
    ends_on = factory.LazyAttribute(lambda o: date(o.campaign.year, 5, 19))


class PledgeFactory(factory.django.DjangoModelFactory):
    """A draft pledge. Open one with `open_pledge` (through the service), never by setting state."""

    class Meta:
        model = Pledge

    campaign = factory.SubFactory(CampaignFactory)
    title = factory.Sequence(lambda n: f"Giao ước thi đua số {n}")
    preamble = "Các đơn vị trong khối thống nhất giao ước thi đua với các nội dung sau."


class PledgeItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PledgeItem

    pledge = factory.SubFactory(PledgeFactory)
    position = factory.LazyAttribute(lambda o: o.pledge.items.count() + 1)
    content = factory.Sequence(lambda n: f"Hoàn thành nhiệm vụ huấn luyện số {n}")
    indicator = "Tỷ lệ quân số khỏe"
    unit_of_measure = "%"
    target_value = Decimal("98.00")


def open_pledge(
    bloc: Bloc,
    items: int = 2,
    *,
    actor=None,
    campaign: Campaign | None = None,
    title: str = "Giao ước thi đua năm",
) -> Pledge:
    """A pledge of `bloc` with `items` items, opened for signing through the services, so that
    its content is frozen and hashed exactly as in production."""
    if campaign is None:
        campaign = Campaign.objects.filter(bloc=bloc, year=this_year()).first() or CampaignFactory(bloc=bloc)
    pledge = pledge_create(campaign=campaign, title=title, actor=actor)
    for number in range(1, items + 1):
        pledge_item_add(
            pledge=pledge,
            content=f"Nội dung thi đua {number}",
            indicator="Tỷ lệ quân số khỏe",
            unit_of_measure="%",
            target_value=Decimal("98.00") + number,
            actor=actor,
        )
    return pledge_open(pledge=pledge, actor=actor)


def signatures_of(pledge: Pledge) -> list[PledgeSignature]:
    """The pledge's signatures in chain order, with what verification reads."""
    return list(pledge.signatures.select_related("unit").order_by("sequence"))


def leader_for(unit: Unit, **fields) -> User:
    """A commander of `unit`, who may sign pledges for it (password `PASSWORD`)."""
    user = UserFactory(**fields)
    AssignmentFactory(user=user, role="leader", unit=unit)
    return user
