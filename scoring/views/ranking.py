"""Ranking pages (DESIGN.md §5 rules 1–5): a campaign's ranking for a period, one unit's place
in it, the files (Excel, CSV) and the overview of every bloc. HTTP only; every number comes
from `scoring.selectors.ranking`.

Who sees what (DESIGN.md §6): whoever sees the bloc sees its rankings (others get 404). Admins
and the bloc's secretariat see every round, unpublished ones included and bannered as such;
members' leaders and officers and the bloc's observers see published rounds only."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import select_template
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from blocs.models import Assignment, Role, Unit, vietnamese_order
from campaigns.models import Campaign
from scoring.models import (
    CardBasis,
    RankingPeriod,
    RoundPeriod,
    RoundState,
    Score,
    ScorecardKind,
    ScorecardState,
    ScoringRound,
)
from scoring.selectors.ranking import (
    Ranking,
    RankingError,
    campaign_rules,
    latest_period,
    period_label,
    rankings_for,
)
from scoring.services import ranking_export
from thidua.lib.excel import XLSX_CONTENT_TYPE

MANAGE = "scoring.manage_scoring"
SWITCHER_LABELS = {
    RankingPeriod.Q1: "Quý I",
    RankingPeriod.Q2: "Quý II",
    RankingPeriod.Q3: "Quý III",
    RankingPeriod.Q4: "Quý IV",
    RankingPeriod.H1: "6 tháng",
    RankingPeriod.YEAR: "Cả năm",
}
OBJECTIONS_TEMPLATE = "scoring/_unit_objections.html"
FIRST_YEAR, LAST_YEAR = 2000, 2100
# An army has some 300 blocs: a page of them is what a reader scans, and what one ranking
# query handles well inside the page budget (docs/performance.md).
OVERVIEW_PAGE_SIZE = 50


# --- Loading with access checks ---------------------------------------------------------------


def _campaign(request: HttpRequest, pk: int) -> Campaign:
    campaigns = Campaign.objects.visible_to(request.user).select_related("bloc", "scoring_rules")
    return get_object_or_404(campaigns, pk=pk)


def _period(value: str) -> str:
    if value not in RankingPeriod.values:
        raise Http404("Kỳ xếp hạng không hợp lệ: chọn Quý I–IV, 6 tháng hoặc cả năm.")
    return value


def _sees_unpublished(request: HttpRequest, campaign: Campaign) -> bool:
    return request.user.has_perm(MANAGE, campaign.bloc)


@dataclass(frozen=True)
class _Context:
    campaign: Campaign
    ranking: Ranking | None
    error: str
    round_states: dict[str, str]  # period → state, every round of the campaign
    published_only: bool

    @property
    def unpublished(self) -> list[str]:
        if self.ranking is None:
            return []
        return ranking_export.unpublished_labels(self.ranking, self.round_states)


def _ranking(request: HttpRequest, campaign_pk: int, period: str) -> _Context:
    """The campaign (404 for outsiders), its rounds' states and its ranking for `period` as the
    user may see it. Three queries after the session (campaign, permission, rounds) plus one."""
    period = _period(period)
    campaign = _campaign(request, campaign_pk)
    published_only = not _sees_unpublished(request, campaign)
    states = dict(ScoringRound.objects.filter(campaign=campaign).values_list("period", "state"))
    try:
        ranking = rankings_for(campaigns=[campaign], period=period, published_only=published_only)[
            campaign.pk
        ]
    except RankingError as exc:
        return _Context(campaign, None, str(exc), states, published_only)
    return _Context(campaign, ranking, "", states, published_only)


def _switcher(campaign: Campaign, ranking: Ranking | None, period: str, name: str, *args) -> list[dict]:
    available = set(ranking.available_periods) if ranking is not None else set()
    return [
        {
            "period": value,
            "label": SWITCHER_LABELS[value],
            "title": RankingPeriod(value).label,
            "url": reverse(name, args=[campaign.pk, value, *args]),
            "active": value == period,
            "available": value in available,
        }
        for value in RankingPeriod.values
    ]


def _chart(ranking: Ranking) -> dict:
    """What the bar chart draws (read by static/js/ranking-chart.js from a json_script)."""
    rows = ranking.scored_rows
    return {
        "labels": [row.label for row in rows],
        "names": [row.name for row in rows],
        "totals": [float(row.total) for row in rows],
        "ranks": [row.rank_label for row in rows],
        "disqualified": [row.disqualified for row in rows],
        "incomplete": [bool(row.missing) for row in rows],
    }


BAND_STYLES = ["success", "primary", "info", "warning", "secondary", "secondary", "secondary", "secondary"]


def band_style(ranking: Ranking, label: str) -> str:
    """A badge colour for a classification: by its place among the campaign's bands."""
    labels = [band[0] for band in ranking.rules.bands or []]
    if label in labels:
        return BAND_STYLES[min(labels.index(label), len(BAND_STYLES) - 1)]
    return "danger" if label else "light"


def _lines(ranking: Ranking) -> list[dict]:
    periods = ranking.trend_periods
    return [
        {
            "row": row,
            "band": band_style(ranking, row.classification),
            "trend": row.trend(periods),
            "groups": [row.groups.get(g.code) for g in ranking.standard_groups],
        }
        for row in ranking.rows
    ]


def _page_context(request: HttpRequest, data: _Context, period: str) -> dict:
    campaign, ranking = data.campaign, data.ranking
    return {
        "campaign": campaign,
        "bloc": campaign.bloc,
        "ranking": ranking,
        "period": period,
        "period_label": RankingPeriod(period).label,
        "period_title": period_label(period, campaign.year),
        "period_short": SWITCHER_LABELS[period],
        "error": data.error,
        "sees_unpublished": not data.published_only,
        "unpublished": data.unpublished,
        "switcher": _switcher(campaign, ranking, period, "scoring:ranking"),
        "round_states": data.round_states,
        "published_rounds": [
            RoundPeriod(p).label
            for p in RoundPeriod.values
            if data.round_states.get(p) == RoundState.PUBLISHED
        ],
    }


# --- Pages ------------------------------------------------------------------------------------


@login_required
@require_GET
def ranking_index(request: HttpRequest, campaign_pk: int) -> HttpResponse:
    """To the latest period with results the user may see (the year's page when none has)."""
    campaign = _campaign(request, campaign_pk)
    rules = campaign_rules(campaign)
    rounds = ScoringRound.objects.filter(campaign=campaign)
    if not _sees_unpublished(request, campaign):
        rounds = rounds.filter(state=RoundState.PUBLISHED)
    cards = Score.objects.filter(scorecard__round=OuterRef("pk"))
    if rules.card_basis == CardBasis.PEER_MEAN:
        cards = cards.filter(scorecard__kind=ScorecardKind.PEER, scorecard__state=ScorecardState.SUBMITTED)
    else:
        cards = cards.filter(scorecard__kind=ScorecardKind.FINAL)
    with_results = set(rounds.filter(Exists(cards)).values_list("period", flat=True))
    period = latest_period(with_results, rules) or RankingPeriod.YEAR
    return redirect("scoring:ranking", campaign_pk=campaign.pk, period=period)


@login_required
@require_GET
def ranking_page(request: HttpRequest, campaign_pk: int, period: str) -> HttpResponse:
    data = _ranking(request, campaign_pk, period)
    context = _page_context(request, data, period)
    if data.ranking is not None:
        context["lines"] = _lines(data.ranking)
        context["chart"] = _chart(data.ranking)
        context["chart_height"] = 60 + 26 * len(data.ranking.scored_rows)
    return render(request, "scoring/ranking.html", context)


@login_required
@require_GET
def ranking_unit(request: HttpRequest, campaign_pk: int, period: str, unit_pk: int) -> HttpResponse:
    """One unit's place in the ranking; 404 when the unit is not in it."""
    data = _ranking(request, campaign_pk, period)
    row = data.ranking.row_for(unit_pk) if data.ranking is not None else None
    if row is None:
        raise Http404("Đơn vị không có trong bảng xếp hạng của khối/cụm này.")
    unit = get_object_or_404(Unit, pk=unit_pk)
    ranking = data.ranking
    means = ranking.group_means()
    groups = [
        {
            "group": group,
            "points": row.groups.get(group.code) if row.is_scored else None,
            "mean": means.get(group.code),
            "difference": (row.groups[group.code] - means[group.code])
            if row.is_scored and group.code in means
            else None,
        }
        for group in ranking.groups
    ]
    context = _page_context(request, data, period)
    context.update(
        {
            "row": row,
            "band": band_style(ranking, row.classification),
            "unit": unit,
            "groups": groups,
            "trend": row.trend(ranking.trend_periods),
            "switcher": _switcher(data.campaign, ranking, period, "scoring:ranking-unit", unit_pk),
            "unit_chart": {
                "labels": [f"Nhóm {g['group'].code}" for g in groups],
                "titles": [g["group"].title for g in groups],
                "unit": [float(g["points"]) if g["points"] is not None else None for g in groups],
                "mean": [float(g["mean"]) if g["mean"] is not None else None for g in groups],
                "unit_label": row.label,
            },
            "objections_template": _objections_template(),
        }
    )
    return render(request, "scoring/ranking_unit.html", context)


def _objections_template() -> str | None:
    """The unit's objections panel when that part of the product is installed."""
    try:
        return select_template([OBJECTIONS_TEMPLATE]).template.name
    except TemplateDoesNotExist:
        return None


# --- Files ------------------------------------------------------------------------------------


def _export(request: HttpRequest, campaign_pk: int, period: str, file_format: str) -> HttpResponse:
    data = _ranking(request, campaign_pk, period)
    if data.ranking is None:
        return render(request, "scoring/ranking.html", _page_context(request, data, period), status=409)
    table = ranking_export.ranking_table(data.ranking, unpublished=data.unpublished)
    if file_format == "csv":
        response = HttpResponse(
            ranking_export.ranking_csv(table), content_type=ranking_export.CSV_CONTENT_TYPE
        )
    else:
        response = HttpResponse(ranking_export.ranking_xlsx(table), content_type=XLSX_CONTENT_TYPE)
    filename = ranking_export.export_filename(data.ranking, file_format)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    ranking_export.ranking_export_record(
        ranking=data.ranking, file_format=file_format, actor=request.user, request=request
    )
    return response


@login_required
@require_GET
def ranking_csv(request: HttpRequest, campaign_pk: int, period: str) -> HttpResponse:
    return _export(request, campaign_pk, period, "csv")


@login_required
@require_GET
def ranking_xlsx(request: HttpRequest, campaign_pk: int, period: str) -> HttpResponse:
    return _export(request, campaign_pk, period, "xlsx")


# --- Every bloc -------------------------------------------------------------------------------


@dataclass(frozen=True)
class OverviewLine:
    campaign: Campaign
    ranking: Ranking
    published: list[str]  # periods of the campaign's published rounds

    @property
    def ranked(self) -> int:
        return len(self.ranking.scored_rows)

    @property
    def published_labels(self) -> list[str]:
        return [RoundPeriod(p).label for p in self.published]

    @property
    def unpublished(self) -> list[str]:
        """Labels of the rounds in the ranking that are not published (secretariat's view)."""
        return [RoundPeriod(p).label for p in self.ranking.rounds_with_results if p not in self.published]


def _year(request: HttpRequest) -> tuple[int, str]:
    text = request.GET.get("nam", "").strip()
    if not text:
        return timezone.localdate().year, ""
    if not text.isdigit() or not FIRST_YEAR <= int(text) <= LAST_YEAR:
        return (
            timezone.localdate().year,
            f"Năm “{text[:10]}” không hợp lệ: nhập năm từ {FIRST_YEAR} đến {LAST_YEAR}.",
        )
    return int(text), ""


@login_required
@require_GET
def ranking_overview(request: HttpRequest) -> HttpResponse:
    """Every bloc the user sees, for a year: its campaign, how many units are ranked, the
    leading unit by score and the published rounds. The blocs of a page (OVERVIEW_PAGE_SIZE,
    in Vietnamese order) are ranked together in one query."""
    year, problem = _year(request)
    period = request.GET.get("ky", RankingPeriod.YEAR)
    if period not in RankingPeriod.values:
        problem = problem or "Kỳ xếp hạng không hợp lệ: chọn Quý I–IV, 6 tháng hoặc cả năm."
        period = RankingPeriod.YEAR
    visible = Campaign.objects.visible_to(request.user)
    page = Paginator(
        visible.filter(year=year)
        .select_related("bloc", "scoring_rules")
        .order_by(vietnamese_order("bloc__name"), "bloc_id"),
        OVERVIEW_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    campaigns = list(page.object_list)
    years = sorted(set(visible.order_by().values_list("year", flat=True).distinct()) | {year}, reverse=True)
    if request.user.is_superuser:
        managed: set[int] = {c.bloc_id for c in campaigns}
    else:
        managed = set(
            Assignment.objects.filter(user=request.user, role=Role.SECRETARY, bloc__isnull=False).values_list(
                "bloc_id", flat=True
            )
        )
    restricted = {c.pk: c.bloc_id not in managed for c in campaigns}
    try:
        rankings = rankings_for(campaigns=campaigns, period=period, published_only=restricted, details=False)
    except RankingError as exc:
        rankings, problem = {}, str(exc)
    published: dict[int, list[str]] = {c.pk: [] for c in campaigns}
    for campaign_id, round_period in (
        ScoringRound.objects.filter(campaign__in=[c.pk for c in campaigns], state=RoundState.PUBLISHED)
        .order_by("starts_on")
        .values_list("campaign_id", "period")
    ):
        published[campaign_id].append(round_period)
    lines = [OverviewLine(c, rankings[c.pk], published[c.pk]) for c in campaigns if c.pk in rankings]
    context = {
        "year": year,
        "years": years,
        "period": period,
        "period_title": period_label(period, year),
        "periods": [(value, SWITCHER_LABELS[value], value == period) for value in RankingPeriod.values],
        "lines": lines,
        "page_obj": page,
        "query_string": urlencode({"nam": year, "ky": period}),
        "problem": problem,
        "any_unpublished": any(line.unpublished for line in lines),
    }
    return render(request, "scoring/ranking_overview.html", context, status=400 if problem else 200)
