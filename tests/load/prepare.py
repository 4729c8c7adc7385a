"""What the load test works on, read from the demo data (`manage.py seed_demo`) and written to a
JSON file that the locustfile reads:

    python -m tests.load.prepare --output var/load/targets.json

- the open round of Khối thi đua số 2 in the current year's campaign (the demo's year in
  progress has one); when the demo has none, a round of the current quarter is opened through
  the services (with the sample criteria set when the campaign has none), as the secretariat
  would;
- the round's leaves (id, kind, maximum) and member units, the leaders and officers of those
  units, the bloc's secretary and observer;
- the open pledges each leader can sign, the published year ranking, the 2024 reviews whose
  reports are asked for.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date, timedelta
from pathlib import Path

BLOC = "Khối thi đua số 2"
SECRETARY = "thuky.k2"
OBSERVER = "theodoi.k2"
ADMIN = "admin"
REPORT_SECRETARIES = ("thuky.k2", "thuky.c6")


def _quarter(today: date) -> tuple[str, date, date]:
    index = (today.month - 1) // 3
    starts_on = date(today.year, 3 * index + 1, 1)
    following = date(today.year + 1, 1, 1) if index == 3 else date(today.year, 3 * index + 4, 1)
    return f"q{index + 1}", starts_on, following - timedelta(days=1)


def open_round(campaign, secretary):
    """The campaign's open round, or one opened for the current quarter."""
    from scoring.models import CriteriaSet, RoundState, ScoringRound
    from scoring.services.criteria import criteria_set_from_sample
    from scoring.services.rounds import round_create

    found = (
        ScoringRound.objects.filter(campaign=campaign, state=RoundState.OPEN)
        .select_related("criteria_set", "campaign__bloc")
        .order_by("-starts_on")
        .first()
    )
    if found is not None:
        return found
    criteria_set = CriteriaSet.objects.filter(campaign=campaign).order_by("-pk").first()
    if criteria_set is None:
        criteria_set = criteria_set_from_sample(campaign=campaign, actor=secretary)
    period, starts_on, ends_on = _quarter(date.today())
    return round_create(
        campaign=campaign,
        period=period,
        starts_on=starts_on,
        ends_on=ends_on,
        entry_deadline=ends_on + timedelta(days=10),
        criteria_set=criteria_set,
        actor=secretary,
    )


def targets() -> dict:
    from django.db import transaction
    from django.urls import reverse
    from django.utils import timezone

    from awards.models import Review
    from blocs.models import Assignment, Role, User
    from campaigns.models import Campaign, Pledge, PledgeState
    from scoring.models import Criterion, RoundState, ScoringRound
    from scoring.selectors.rounds import round_members

    secretary = User.objects.get(username=SECRETARY)
    campaign = (
        Campaign.objects.filter(bloc__name=BLOC, year__lte=timezone.localdate().year)
        .select_related("bloc")
        .order_by("-year")
        .first()
    )
    if campaign is None:
        raise SystemExit(f"Không có phong trào nào của {BLOC}: hãy nạp dữ liệu mẫu (manage.py seed_demo).")
    with transaction.atomic():
        scoring_round = open_round(campaign, secretary)
    leaves = Criterion.objects.filter(
        criteria_set=scoring_round.criteria_set, children__isnull=True
    ).order_by("pk")
    members = list(round_members(scoring_round).order_by("code"))
    member_ids = {unit.pk for unit in members}
    staff = Assignment.objects.filter(unit_id__in=member_ids, user__is_active=True).select_related(
        "user", "unit"
    )
    leaders = sorted({a.user.username for a in staff if a.role == Role.LEADER})
    officers = sorted({a.user.username for a in staff if a.role == Role.OFFICER})

    published_year = (
        ScoringRound.objects.filter(campaign__bloc=campaign.bloc, state=RoundState.PUBLISHED)
        .order_by("-campaign__year")
        .values_list("campaign_id", flat=True)
        .first()
    )
    pledges = Pledge.objects.filter(campaign__bloc=campaign.bloc, state=PledgeState.OPEN).order_by("pk")
    reviews = Review.objects.filter(campaign__bloc__name__in=[BLOC, "Cụm thi đua số 6"]).order_by("pk")
    return {
        "bloc": campaign.bloc.name,
        "round": {
            "id": scoring_round.pk,
            "name": str(scoring_round),
            "grid": reverse("scoring:grid", args=[scoring_round.pk]),
            "self_assessment": reverse("scoring:self-assessment", args=[scoring_round.pk]),
            "comparison": reverse("scoring:comparison", args=[scoring_round.pk]),
            "ranking": reverse("scoring:ranking", args=[campaign.pk, scoring_round.period]),
            "units": {str(unit.pk): unit.code for unit in members},
            "leaves": [
                {
                    "id": leaf.pk,
                    "code": leaf.code,
                    "kind": leaf.kind,
                    "max": None if leaf.max_points is None else str(leaf.max_points),
                }
                for leaf in leaves
            ],
        },
        "year_ranking": reverse("scoring:ranking", args=[published_year, "year"]) if published_year else None,
        "ranking_overview": reverse("scoring:ranking-overview"),
        "pledges": [
            {
                "title": pledge.title,
                "sign": reverse("campaigns:pledge-sign", args=[pledge.pk]),
                "verify": reverse("campaigns:pledge-verify", args=[pledge.pk]),
            }
            for pledge in pledges
        ],
        "reviews": [
            {"name": str(review), "report": reverse("reports:review", args=[review.pk]), "kind": review.kind}
            for review in reviews
        ],
        "users": {
            "secretary": SECRETARY,
            "observer": OBSERVER,
            "admin": ADMIN,
            "leaders": leaders,
            "officers": officers,
            "report_secretaries": list(REPORT_SECRETARIES),
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Chuẩn bị dữ liệu cho kiểm thử tải (make load).")
    parser.add_argument("--output", type=Path, required=True, help="Tệp JSON ghi các đích của kiểm thử tải.")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "thidua.settings")
    import django

    django.setup()
    found = targets()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(found, ensure_ascii=False, indent=2), encoding="utf-8")
    round_ = found["round"]
    print(
        f"Đợt chấm: {round_['name']} ({len(round_['units'])} đơn vị × {len(round_['leaves'])} tiêu chí); "
        f"{len(found['users']['leaders'])} chỉ huy, {len(found['users']['officers'])} cán bộ đơn vị; "
        f"{len(found['pledges'])} giao ước đang mở ký; {len(found['reviews'])} hội nghị."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
