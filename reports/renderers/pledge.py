"""Giao ước thi đua: the sealed text, the items, the signatures and how to verify them."""

from __future__ import annotations

from django.utils import timezone

from campaigns.integrity import verify_pledge
from campaigns.models import Pledge
from campaigns.selectors.pledges import pledge_board
from reports.renderers.common import DocumentParameters, default_parameters, letterhead, paragraphs


def pledge_title(pledge: Pledge) -> str:
    return f"Giao ước thi đua – {pledge.title} – {pledge.campaign.bloc.name}"


def defaults(pledge: Pledge) -> DocumentParameters:
    opened = timezone.localtime(pledge.opened_at).date() if pledge.opened_at else None
    parameters = default_parameters(bloc=pledge.campaign.bloc, kind_sign="", place="", issued_on=opened)
    parameters.recipients = []
    return parameters


def pledge_context(pledge: Pledge, parameters: DocumentParameters) -> dict:
    """`pledge` comes with its campaign, bloc, organiser and drive. The board lists the
    parties as the pledge sealed them, with each one's signature; the verification recomputes
    every hash as the verification page does."""
    board = pledge_board(pledge=pledge, today=timezone.localdate())
    verification = verify_pledge(pledge, board.signatures) if pledge.is_frozen else None
    return {
        "document_title": pledge_title(pledge),
        "pledge": pledge,
        "campaign": pledge.campaign,
        "bloc": pledge.campaign.bloc,
        "letterhead": letterhead(bloc=pledge.campaign.bloc, parameters=parameters),
        "parameters": parameters,
        "preamble": paragraphs(pledge.preamble),
        "items": list(pledge.items.order_by("position", "pk")),
        "registrations": list(pledge.registrations.select_related("unit").order_by("pk")),
        "board": board,
        "verification": verification,
    }
