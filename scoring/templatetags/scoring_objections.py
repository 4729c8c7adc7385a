"""Objections on pages other parts of scoring own: the round's page, the self-assessment page
and a unit's page. Each tag runs a fixed number of queries."""

from __future__ import annotations

from django import template

from scoring.models import Objection, ScoringRound
from scoring.selectors import objections as selectors

register = template.Library()


@register.filter
def objection_state(objection: Objection) -> str:
    return selectors.state_label(objection)


@register.simple_tag(takes_context=True)
def round_objection_summary(context, scoring_round: ScoringRound, *, counts: bool = False):
    """`{% round_objection_summary scoring_round counts=can_manage as summary %}`: two queries."""
    return selectors.round_objection_summary(
        scoring_round=scoring_round, user=context["user"], counts=bool(counts)
    )


@register.simple_tag
def objection_window_for(scoring_round: ScoringRound):
    """`{% objection_window_for scoring_round as window %}`: one query."""
    return selectors.objection_window(scoring_round=scoring_round)


@register.simple_tag(takes_context=True)
def unit_objections_for(context, campaign, unit):
    """`{% unit_objections_for campaign unit as data %}`: four queries at most."""
    return selectors.unit_objections(campaign=campaign, unit=unit, user=context.get("user"))
