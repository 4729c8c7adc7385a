"""A campaign's whole year on one page: its header, its peak drives and pledges, and a
timeline that later apps (scoring rounds, reviews) join by adding a source.

It lives in the composition root because it combines apps (DESIGN.md §3): `campaigns`
knows nothing of rounds or reviews, and they must not reach down into its pages.

A *source* is a function that takes the loaded `CampaignData` and returns `TimelineItem`s,
each a span of days (a bar) or a single day (a marker), with at most one marker inside a
span. `campaign_timeline` lays the items out on lanes so that overlapping spans never
cover each other, and lists every dated event in order for reading (and screen readers).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from awards.models import Review, ReviewKind, ReviewState
from campaigns.models import Campaign, CampaignState, Drive, Pledge, PledgePeriod, PledgeState
from campaigns.selectors.campaigns import current_pledges
from scoring.models import RoundState, ScoringRound

MANAGE = "campaigns.manage_campaign"

# Lay-out of the timeline. Labels sit above their bar and may run past its end, so a lane
# is kept free for the label's estimated width too (the band is at least MIN_WIDTH_PX wide).
MIN_WIDTH_PX = 900
CHAR_WIDTH_PERCENT = 100 * 6.8 / MIN_WIDTH_PX  # one character of the 0.8rem label
LABEL_MAX_CHARS = 80  # longer titles are cut with "…" (the list below has them whole)
LANE_GAP_PERCENT = 0.8
MONTHS = [f"Tháng {m}" for m in range(1, 13)]
QUARTERS = ["Quý I", "Quý II", "Quý III", "Quý IV"]


# --- What sources return ---------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineItem:
    group: str  # the band it is drawn in, e.g. "Đợt thi đua cao điểm"
    kind: str  # CSS modifier and sort order: campaign, drive, pledge (later: round, review)
    label: str  # what the chronological list calls it, e.g. "Đợt thi đua cao điểm"
    title: str
    starts_on: date
    ends_on: date | None = None  # None: a one-day event, drawn as a marker
    marker_on: date | None = None  # a day inside the span worth marking (a pledge's opening)
    marker_label: str = ""  # what the list calls the marked day, e.g. "Mở ký giao ước"
    url: str | None = None
    state: str = ""
    muted: bool = False  # drafts: drawn hatched


@dataclass(frozen=True)
class CampaignData:
    """What the overview loads once and every source may read."""

    campaign: Campaign
    drives: list[Drive]
    pledges: list[Pledge]
    rounds: list[ScoringRound] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)


TimelineSource = Callable[[CampaignData], Iterable[TimelineItem]]


def _url(name: str, *args) -> str | None:
    """The address of a page another part of the product provides, if it is installed."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def campaign_items(data: CampaignData) -> list[TimelineItem]:
    campaign = data.campaign
    return [
        TimelineItem(
            group="Phong trào",
            kind="campaign",
            label="Phong trào thi đua",
            title=campaign.name,
            starts_on=campaign.starts_on,
            ends_on=campaign.ends_on,
            marker_on=campaign.launched_on,
            marker_label="Phát động phong trào",
            state=campaign.get_state_display(),
            muted=campaign.state == CampaignState.DRAFT,
        )
    ]


def drive_items(data: CampaignData) -> list[TimelineItem]:
    return [
        TimelineItem(
            group="Đợt thi đua cao điểm",
            kind="drive",
            label="Đợt thi đua cao điểm",
            title=drive.name,
            starts_on=drive.starts_on,
            ends_on=drive.ends_on,
            url=f"#dot-{drive.pk}",
        )
        for drive in data.drives
    ]


def pledge_span(pledge: Pledge, campaign: Campaign) -> tuple[date, date]:
    """The days a pledge covers: its drive's, its half of the year, or the campaign's."""
    year = campaign.year
    if pledge.period == PledgePeriod.DRIVE and pledge.drive is not None:
        return pledge.drive.starts_on, pledge.drive.ends_on
    if pledge.period == PledgePeriod.FIRST_HALF:
        return date(year, 1, 1), date(year, 6, 30)
    if pledge.period == PledgePeriod.SECOND_HALF:
        return date(year, 7, 1), date(year, 12, 31)
    return campaign.starts_on, campaign.ends_on


def pledge_items(data: CampaignData) -> list[TimelineItem]:
    items = []
    for pledge in data.pledges:
        starts_on, ends_on = pledge_span(pledge, data.campaign)
        version = f" (phiên bản {pledge.version})" if pledge.version > 1 else ""
        items.append(
            TimelineItem(
                group="Giao ước thi đua",
                kind="pledge",
                label=f"Giao ước – {pledge.get_period_display().lower()}",
                title=f"{pledge.title}{version}",
                starts_on=starts_on,
                ends_on=ends_on,
                marker_on=timezone.localdate(pledge.opened_at) if pledge.opened_at else None,
                marker_label="Mở ký giao ước",
                url=_url("campaigns:pledge-detail", pledge.pk),
                state=pledge.get_state_display(),
                muted=pledge.state == PledgeState.DRAFT,
            )
        )
    return items


def round_items(data: CampaignData) -> list[TimelineItem]:
    return [
        TimelineItem(
            group="Chấm điểm",
            kind="round",
            label=f"Đợt chấm {scoring_round.get_period_display()}",
            title=f"Chấm điểm {scoring_round.get_period_display()}",
            starts_on=scoring_round.starts_on,
            ends_on=scoring_round.ends_on,
            marker_on=scoring_round.entry_deadline
            if scoring_round.starts_on <= scoring_round.entry_deadline <= date(data.campaign.year, 12, 31)
            else None,
            marker_label="Hạn nhập điểm",
            url=_url("scoring:round-detail", scoring_round.pk),
            state=scoring_round.get_state_display(),
            muted=scoring_round.state == RoundState.OPEN,
        )
        for scoring_round in data.rounds
    ]


def review_items(data: CampaignData) -> list[TimelineItem]:
    """Sơ kết and tổng kết conferences: one-day events, with their state (a tổng kết held in
    January of the next year is drawn at the end of the band)."""
    return [
        TimelineItem(
            group="Sơ kết, tổng kết",
            kind="review",
            label="Hội nghị sơ kết" if review.kind == ReviewKind.SO_KET else "Hội nghị tổng kết",
            title=f"{review.get_kind_display()} {data.campaign.year}",
            starts_on=review.held_on,
            url=_url("awards:review-detail", review.pk),
            state=review.get_state_display(),
            muted=review.state == ReviewState.PREPARING,
        )
        for review in data.reviews
    ]


# Later apps add theirs here, in drawing order.
TIMELINE_SOURCES: list[TimelineSource] = [
    campaign_items,
    drive_items,
    pledge_items,
    round_items,
    review_items,
]


# --- The laid-out timeline ---------------------------------------------------------------------


@dataclass(frozen=True)
class Tick:
    label: str
    style: str  # "left:…%;width:…%", always with a decimal point whatever the locale


@dataclass
class Bar:
    item: TimelineItem
    style: str
    label_style: str
    label_at_end: bool  # the label is right-aligned to the bar's end (no room after its start)
    marker_style: str = ""
    point: bool = False  # a one-day event


@dataclass
class Lane:
    bars: list[Bar] = field(default_factory=list)
    free_from: float = 0.0  # percent of the year from which this lane is free


@dataclass
class LaneGroup:
    label: str
    lanes: list[Lane]


@dataclass(frozen=True)
class TimelineEvent:
    on: date
    until: date | None
    kind: str
    label: str
    title: str
    url: str | None
    state: str


@dataclass
class Timeline:
    year: int
    months: list[Tick]
    quarters: list[Tick]
    groups: list[LaneGroup]
    events: list[TimelineEvent]
    today: date | None
    today_style: str = ""

    @property
    def is_empty(self) -> bool:
        return not self.groups


def _pct(value: float) -> str:
    return f"{max(0.0, min(100.0, value)):.3f}%"


class _Scale:
    """Days of one calendar year as percentages of the band's width."""

    def __init__(self, year: int):
        self.year = year
        self.first = date(year, 1, 1)
        self.days = 366 if calendar.isleap(year) else 365

    def clamp(self, day: date) -> date:
        return min(max(day, self.first), date(self.year, 12, 31))

    def start(self, day: date) -> float:
        return (self.clamp(day) - self.first).days * 100 / self.days

    def end(self, day: date) -> float:
        return ((self.clamp(day) - self.first).days + 1) * 100 / self.days

    def middle(self, day: date) -> float:
        return ((day - self.first).days + 0.5) * 100 / self.days

    def contains(self, day: date) -> bool:
        return day.year == self.year


def _ticks(scale: _Scale) -> tuple[list[Tick], list[Tick]]:
    months = []
    for month in range(1, 13):
        first = date(scale.year, month, 1)
        last = date(scale.year, month, calendar.monthrange(scale.year, month)[1])
        left, right = scale.start(first), scale.end(last)
        months.append(Tick(MONTHS[month - 1], f"left:{_pct(left)};width:{_pct(right - left)}"))
    quarters = []
    for index in range(4):
        first = date(scale.year, 3 * index + 1, 1)
        last_month = 3 * index + 3
        last = date(scale.year, last_month, calendar.monthrange(scale.year, last_month)[1])
        left, right = scale.start(first), scale.end(last)
        quarters.append(Tick(QUARTERS[index], f"left:{_pct(left)};width:{_pct(right - left)}"))
    return months, quarters


def _bar(item: TimelineItem, scale: _Scale) -> tuple[Bar, float]:
    """A bar (or a one-day marker) and the percent up to which it and its label take room."""
    ends_on = item.ends_on or item.starts_on
    left, right = scale.start(item.starts_on), scale.end(ends_on)
    label_width = min(len(item.title), LABEL_MAX_CHARS) * CHAR_WIDTH_PERCENT
    at_end = left + label_width > 100
    if at_end:
        label_style = f"right:{_pct(100 - right)}"
        taken = right
    else:
        label_style = f"left:{_pct(left)}"
        taken = max(right, left + label_width)
    marker_style = ""
    if item.marker_on is not None and scale.contains(item.marker_on):
        marker_style = f"left:{_pct(scale.middle(item.marker_on))}"
    if item.ends_on is None:
        style = f"left:{_pct(scale.middle(item.starts_on))}"
    else:
        style = f"left:{_pct(left)};width:{_pct(right - left)}"
    bar = Bar(item, style, label_style, at_end, marker_style, point=item.ends_on is None)
    return bar, taken


def _lay_out(items: list[TimelineItem], scale: _Scale) -> list[LaneGroup]:
    """Each group's items on as few lanes as fit: earliest first, into the first lane free
    at its start (greedy interval colouring, optimal for intervals)."""
    groups: dict[str, list[TimelineItem]] = {}
    for item in items:
        groups.setdefault(item.group, []).append(item)
    laid_out = []
    for label, members in groups.items():
        lanes: list[Lane] = []
        for item in sorted(members, key=lambda i: (i.starts_on, i.ends_on or i.starts_on, i.title)):
            bar, taken = _bar(item, scale)
            start = scale.start(item.starts_on)
            lane = next((lane for lane in lanes if lane.free_from <= start), None)
            if lane is None:
                lane = Lane()
                lanes.append(lane)
            lane.bars.append(bar)
            lane.free_from = taken + LANE_GAP_PERCENT
        laid_out.append(LaneGroup(label, lanes))
    return laid_out


_KIND_ORDER = {"campaign": 0, "drive": 1, "pledge": 2, "round": 3, "review": 4}


def _events(items: list[TimelineItem]) -> list[TimelineEvent]:
    events = []
    for item in items:
        events.append(
            TimelineEvent(
                item.starts_on, item.ends_on, item.kind, item.label, item.title, item.url, item.state
            )
        )
        if item.marker_on is not None:
            events.append(
                TimelineEvent(
                    item.marker_on, None, item.kind, item.marker_label, item.title, item.url, item.state
                )
            )
    return sorted(events, key=lambda e: (e.on, _KIND_ORDER.get(e.kind, 9), e.until or e.on, e.title))


def campaign_data(*, campaign: Campaign) -> CampaignData:
    """The campaign's drives, its current pledges (not revoked, latest version), its scoring
    rounds and its reviews. Four queries."""
    drives = list(campaign.drives.order_by("starts_on", "pk"))
    rounds = list(ScoringRound.objects.filter(campaign=campaign).order_by("starts_on", "pk"))
    reviews = list(Review.objects.filter(campaign=campaign).order_by("held_on", "pk"))
    pledges = list(
        current_pledges(Pledge.objects.filter(campaign=campaign)).select_related("drive").order_by("pk")
    )
    for item in [*drives, *pledges]:
        item.campaign = campaign
    for review in reviews:
        review.campaign = campaign
    return CampaignData(campaign=campaign, drives=drives, pledges=pledges, rounds=rounds, reviews=reviews)


def campaign_timeline(
    *,
    campaign: Campaign,
    today: date,
    data: CampaignData | None = None,
    sources: Iterable[TimelineSource] | None = None,
) -> Timeline:
    """The campaign's year laid out on lanes, with its events in date order. The queries
    are those of the sources: two for drives and pledges (none when `data` is given)."""
    data = data or campaign_data(campaign=campaign)
    items = [item for source in (sources or TIMELINE_SOURCES) for item in source(data)]
    scale = _Scale(campaign.year)
    months, quarters = _ticks(scale)
    shown_today = today if scale.contains(today) else None
    return Timeline(
        year=campaign.year,
        months=months,
        quarters=quarters,
        groups=_lay_out(items, scale),
        events=_events(items),
        today=shown_today,
        today_style=f"left:{_pct(scale.middle(today))}" if shown_today else "",
    )


# --- The page ---------------------------------------------------------------------------------


@login_required
@require_GET
def campaign_overview(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(
        Campaign.objects.visible_to(request.user).select_related("bloc", "copied_from"), pk=pk
    )
    can_manage = request.user.has_perm(MANAGE, campaign.bloc)
    data = campaign_data(campaign=campaign)
    timeline = campaign_timeline(campaign=campaign, today=timezone.localdate(), data=data)
    return render(
        request,
        "thidua/campaign_overview.html",
        {
            "campaign": campaign,
            "bloc": campaign.bloc,
            "drives": data.drives,
            "pledges": [(pledge, _url("campaigns:pledge-detail", pledge.pk)) for pledge in data.pledges],
            "pledge_create_url": _url("campaigns:pledge-create", campaign.pk) if can_manage else None,
            "timeline": timeline,
            "rounds": data.rounds,
            "reviews": [(review, _url("awards:review-detail", review.pk)) for review in data.reviews],
            "review_list_url": _url("awards:review-list", campaign.pk),
            "scoring_links": [
                ("Bộ tiêu chí", _url("scoring:criteria-list", campaign.pk)),
                ("Đợt chấm điểm", _url("scoring:round-list", campaign.pk)),
                ("Quy tắc tính điểm", _url("scoring:rules", campaign.pk)),
            ],
            "can_manage": can_manage,
            "is_closed": campaign.state == CampaignState.CLOSED,
        },
    )
