"""Factories and helpers for scoring tests; other apps' tests reuse `round_with_sample`.

Rounds and criteria sets are made through the services, so that they are exactly what
production makes (the sample 100-point set, dates inside the campaign, audit events)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import factory

from blocs.models import Bloc
from campaigns.models import Campaign
from campaigns.tests.factories import CampaignFactory, this_year
from scoring.models import CriteriaSet, Criterion, CriterionKind, RoundState, ScoringRound
from scoring.selectors.rounds import default_round_dates
from scoring.services.criteria import criteria_set_from_sample
from scoring.services.rounds import current_criteria_set, round_close, round_create, round_publish


class CriteriaSetFactory(factory.django.DjangoModelFactory):
    """An empty, editable set; fill it with `CriterionFactory` or `criteria_set_load_tree`."""

    class Meta:
        model = CriteriaSet

    campaign = factory.SubFactory(CampaignFactory)
    version = factory.LazyAttribute(lambda o: o.campaign.criteria_sets.count() + 1)
    name = "Bộ tiêu chí chấm điểm thi đua"


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    criteria_set = factory.SubFactory(CriteriaSetFactory)
    parent = None
    code = factory.Sequence(lambda n: f"{n + 1}")
    title = factory.Sequence(lambda n: f"Tiêu chí số {n + 1}")
    kind = factory.LazyAttribute(lambda o: o.parent.kind if o.parent else CriterionKind.STANDARD)
    max_points = Decimal("5")
    position = factory.LazyAttribute(lambda o: o.criteria_set.criteria.filter(parent=o.parent).count() + 1)


def campaign_for(bloc: Bloc, year: int | None = None) -> Campaign:
    """The bloc's campaign of `year` (this year by default), created if missing."""
    year = year or this_year()
    return Campaign.objects.filter(bloc=bloc, year=year).first() or CampaignFactory(bloc=bloc, year=year)


def sample_set(campaign: Campaign, actor=None) -> CriteriaSet:
    """The campaign's current criteria set, or a new one loaded from the sample file."""
    return current_criteria_set(campaign) or criteria_set_from_sample(campaign=campaign, actor=actor)


def round_with_sample(
    bloc: Bloc,
    period: str = "q1",
    actor=None,
    *,
    campaign: Campaign | None = None,
    year: int | None = None,
    starts_on: date | None = None,
    ends_on: date | None = None,
    entry_deadline: date | None = None,
) -> ScoringRound:
    """An open round of `bloc`'s campaign (this year's unless `campaign` or `year` is given)
    for `period` ("q1"…"q4", "year"), scored on the sample criteria set.

    The campaign and its criteria set are reused when they exist, so two calls for "q1" and
    "q2" give two rounds of one campaign on one set. Dates default to the quarter, the entry
    deadline to 10 days after its end (see `default_round_dates`)."""
    campaign = campaign or campaign_for(bloc, year)
    criteria_set = sample_set(campaign, actor)
    defaults = default_round_dates(campaign, period)
    return round_create(
        campaign=campaign,
        criteria_set=criteria_set,
        period=period,
        starts_on=starts_on or defaults.starts_on,
        ends_on=ends_on or defaults.ends_on,
        entry_deadline=entry_deadline or defaults.entry_deadline,
        actor=actor,
    )


def close_round(scoring_round: ScoringRound, actor=None) -> ScoringRound:
    """Close a round as on the day after its entry deadline."""
    return round_close(
        scoring_round=scoring_round, actor=actor, today=scoring_round.entry_deadline + timedelta(days=1)
    )


def published_round(bloc: Bloc, period: str = "q1", actor=None, **kwargs) -> ScoringRound:
    """A round that is closed and published through the services (`actor` required by
    `round_publish` to record who published; any user will do)."""
    scoring_round = round_with_sample(bloc, period, actor, **kwargs)
    if scoring_round.state == RoundState.OPEN:
        close_round(scoring_round, actor)
    return round_publish(scoring_round=scoring_round, actor=actor)
