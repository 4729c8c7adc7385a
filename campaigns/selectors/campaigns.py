"""Read queries of the campaign pages, each with a fixed number of SQL queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from blocs.models import Bloc
from campaigns.models import Campaign, Drive, Pledge, PledgeState


def _count_of(queryset: QuerySet) -> Coalesce:
    """A correlated COUNT(*) per campaign (a subquery, so that two counts do not multiply)."""
    return Coalesce(
        Subquery(
            queryset.filter(campaign=OuterRef("pk"))
            .order_by()
            .values("campaign")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        Value(0),
    )


def campaign_list_for_bloc(*, bloc: Bloc) -> list[Campaign]:
    """A bloc's campaigns, newest year first, each with `drive_count` and `pledge_count`
    (revoked and superseded pledge versions are not counted). One query."""
    campaigns = (
        Campaign.objects.filter(bloc=bloc)
        .annotate(
            drive_count=_count_of(Drive.objects.all()),
            pledge_count=_count_of(current_pledges(Pledge.objects.all())),
        )
        .order_by("-year", "pk")
    )
    result = list(campaigns)
    for campaign in result:
        campaign.bloc = bloc  # already loaded: spare a query per row
    return result


def current_pledges(pledges: QuerySet[Pledge]) -> QuerySet[Pledge]:
    """The pledges that count: not revoked, and the latest version of each."""
    return pledges.exclude(state=PledgeState.REVOKED).filter(superseded_by__isnull=True)


def shift_years(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 28 February (the rule of
    `campaign_copy`)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class CopiedDrive:
    name: str
    starts_on: date
    ends_on: date
    new_starts_on: date
    new_ends_on: date
    target_count: int


@dataclass(frozen=True)
class CopiedPledge:
    title: str
    new_title: str
    period_label: str
    item_count: int


@dataclass(frozen=True)
class CopyPreview:
    """What `campaign_copy` will take from `source` into `year`."""

    source: Campaign
    year: int
    new_name: str
    drives: list[CopiedDrive]
    pledges: list[CopiedPledge]


def campaign_copy_preview(*, source: Campaign, year: int) -> CopyPreview:
    """The drives (with their dates moved to `year`) and the pledges (as drafts, with their
    items) that copying `source` would create. Two queries."""
    shift = year - source.year
    old, new = str(source.year), str(year)
    drives = [
        CopiedDrive(
            name=drive.name,
            starts_on=drive.starts_on,
            ends_on=drive.ends_on,
            new_starts_on=shift_years(drive.starts_on, shift),
            new_ends_on=shift_years(drive.ends_on, shift),
            target_count=len(drive.targets or []),
        )
        for drive in source.drives.order_by("starts_on", "pk")
    ]
    pledges = [
        CopiedPledge(
            title=pledge.title,
            new_title=pledge.title.replace(old, new),
            period_label=pledge.get_period_display(),
            item_count=pledge.item_count,
        )
        for pledge in current_pledges(source.pledges.all()).annotate(item_count=Count("items")).order_by("pk")
    ]
    return CopyPreview(
        source=source,
        year=year,
        new_name=source.name.replace(old, new),
        drives=drives,
        pledges=pledges,
    )


def next_campaign_year(*, bloc: Bloc, today: date) -> int:
    """The year a new campaign of `bloc` would most likely be for: this year if it has none
    yet, else the first free year after it. One query."""
    taken = set(Campaign.objects.filter(bloc=bloc, year__gte=today.year).values_list("year", flat=True))
    year = today.year
    while year in taken:
        year += 1
    return year
