"""Bảng tổng hợp điểm: a round's or a review period's ranking on a landscape page, with the
points per criterion group, per round, bonus, penalty, total, rank, classification and the
rules that produced them. Published results only; a closed review's frozen results."""

from __future__ import annotations

from django.utils import timezone

from awards.models import Review
from reports.charts import Bar, bar_chart
from reports.renderers.common import (
    DocumentParameters,
    bloc_word,
    default_parameters,
    letterhead,
    place_name,
    ranking_table,
)
from scoring.models import ScoringRound
from scoring.selectors.ranking import ranking_for
from scoring.services.rules import scoring_rules_for
from scoring.services.snapshots import period_words, snapshot_ranking


def _period_ranking(target):
    if isinstance(target, Review):
        campaign = target.campaign
        if target.snapshot_id:
            target.snapshot.campaign = campaign
            return snapshot_ranking(target.snapshot), target.period, True
        rules = scoring_rules_for(campaign)
        return (
            ranking_for(campaign=campaign, period=target.period, rules=rules, published_only=True),
            target.period,
            False,
        )
    rules = scoring_rules_for(target.campaign)
    return (
        ranking_for(campaign=target.campaign, period=target.period, rules=rules, published_only=True),
        target.period,
        False,
    )


def sheet_title(target) -> str:
    campaign = target.campaign
    return f"Bảng tổng hợp điểm thi đua {period_words(target.period, campaign.year)} – {campaign.bloc.name}"


def defaults(target) -> DocumentParameters:
    if isinstance(target, Review):
        place, day = place_name(target.place), target.held_on
    else:
        place = ""
        day = timezone.localtime(target.published_at).date() if target.published_at else target.entry_deadline
    parameters = default_parameters(bloc=target.campaign.bloc, kind_sign="", place=place, issued_on=day)
    parameters.recipients = []
    return parameters


def sheet_context(target: Review | ScoringRound, parameters: DocumentParameters) -> dict:
    campaign = target.campaign
    ranking, period, frozen = _period_ranking(target)
    bars = [
        Bar(
            row.label,
            row.total,
            "veto" if row.disqualified else ("missing" if row.missing else "ok"),
            f"({row.rank_label})",
        )
        for row in ranking.scored_rows
    ]
    maximum = max((row.max_standard or 0 for row in ranking.scored_rows), default=100)
    return {
        "document_title": sheet_title(target),
        "campaign": campaign,
        "bloc": campaign.bloc,
        "bloc_word": bloc_word(campaign.bloc),
        "letterhead": letterhead(bloc=campaign.bloc, parameters=parameters),
        "parameters": parameters,
        "period_words": period_words(period, campaign.year),
        "frozen": frozen,
        "snapshot": target.snapshot if frozen else None,
        "leading": None,
        "chart": bar_chart(bars, maximum=maximum, width=900, label_width=240),
        **ranking_table(ranking),
    }
