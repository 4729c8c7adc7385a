"""Danh sách đề nghị khen thưởng: the nominations drawn from a closed tổng kết, each with the
rules it passes and fails, the written justification of an override, and the answer of the
level above."""

from __future__ import annotations

from awards.models import NominationList, Review
from awards.selectors.honours import nomination_board
from reports.renderers.common import DocumentParameters, default_parameters, letterhead, place_name


def nominations_title(review: Review) -> str:
    return f"Danh sách đề nghị khen thưởng năm {review.campaign.year} – {review.campaign.bloc.name}"


def defaults(review: Review) -> DocumentParameters:
    nomination_list = NominationList.objects.filter(review=review).only("submitted_at").first()
    from django.utils import timezone

    submitted = nomination_list.submitted_at if nomination_list else None
    day = timezone.localtime(submitted).date() if submitted else review.held_on
    return default_parameters(
        bloc=review.campaign.bloc, kind_sign="", place=place_name(review.place), issued_on=day
    )


def nominations_context(review: Review, parameters: DocumentParameters) -> dict:
    nomination_list = NominationList.objects.select_related("review__campaign__bloc").get(review=review)
    return {
        "document_title": nominations_title(review),
        "review": review,
        "campaign": review.campaign,
        "bloc": review.campaign.bloc,
        "letterhead": letterhead(bloc=review.campaign.bloc, parameters=parameters),
        "parameters": parameters,
        "nomination_list": nomination_list,
        "board": nomination_board(nomination_list=nomination_list),
    }
