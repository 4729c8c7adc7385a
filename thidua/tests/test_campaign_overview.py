"""A campaign's overview page and its timeline: who sees it, what the header and the
actions show, how drives and pledges are laid out on the year, and the query count."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from campaigns.models import Campaign, CampaignState, Drive, Pledge, PledgeItem, PledgeState
from campaigns.services import campaigns as services
from campaigns.services import pledges as pledge_services
from thidua.overview import CampaignData, TimelineItem, campaign_data, campaign_timeline

MANAGERS = ["admin", "secretary"]
READERS = ["observer", "leader", "officer"]
OUTSIDERS = ["other_secretary", "outsider", "nobody"]


def make_campaign(world, year: int = 2025, *, state: str = CampaignState.DRAFT, **kwargs) -> Campaign:
    campaign = services.campaign_create(
        bloc=world.bloc,
        year=year,
        name=f"Phong trào Thi đua Quyết thắng năm {year}",
        actor=world.admin,
        **kwargs,
    )
    if state != CampaignState.DRAFT:
        Campaign.objects.filter(pk=campaign.pk).update(state=state)
        campaign.refresh_from_db()
    return campaign


def make_drive(campaign: Campaign, name: str, starts_on: date, ends_on: date, **kwargs) -> Drive:
    return Drive.objects.create(campaign=campaign, name=name, starts_on=starts_on, ends_on=ends_on, **kwargs)


def url_of(campaign: Campaign) -> str:
    return reverse("campaign-overview", args=[campaign.pk])


def pledge_detail_url(pledge: Pledge) -> str | None:
    try:
        return reverse("campaigns:pledge-detail", args=[pledge.pk])
    except NoReverseMatch:
        return None


# --- Access --------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", [*MANAGERS, *READERS])
def test_everyone_who_sees_the_bloc_reads_the_overview(world, client_for, persona):
    campaign = make_campaign(world)
    response = client_for(world.persona(persona)).get(url_of(campaign))
    assert response.status_code == 200
    assert "Phong trào Thi đua Quyết thắng năm 2025" in response.content.decode()


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_others_get_404(world, client_for, persona):
    response = client_for(world.persona(persona)).get(url_of(make_campaign(world)))
    assert response.status_code == 404


def test_anonymous_visitor_is_sent_to_the_login_page(world, client):
    response = client.get(url_of(make_campaign(world)))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- Header and actions ---------------------------------------------------------------------------


def test_header_shows_the_campaign(world, client_for):
    campaign = make_campaign(
        world,
        theme="Đoàn kết, kỷ cương, đột phá, sáng tạo, quyết thắng",
        guiding_idea="Lấy huấn luyện, sẵn sàng chiến đấu làm trọng tâm.",
        starts_on=date(2025, 1, 2),
        ends_on=date(2025, 12, 20),
        launched_on=date(2025, 1, 15),
        state=CampaignState.ACTIVE,
    )
    page = client_for(world.leader).get(url_of(campaign)).content.decode()
    for text in [
        '<h1 class="h3 mb-1">Phong trào Thi đua Quyết thắng năm 2025</h1>',
        "Khối thi đua số 2",
        "Đoàn kết, kỷ cương, đột phá, sáng tạo, quyết thắng",
        "Lấy huấn luyện, sẵn sàng chiến đấu làm trọng tâm.",
        "02/01/2025 – 20/12/2025",
        "15/01/2025",
        "Đang thực hiện",
    ]:
        assert text in page, text
    assert f'href="{reverse("campaigns:campaign-list", args=[world.bloc.pk])}"' in page


def test_managers_see_launch_on_a_draft_and_close_on_an_active_campaign(world, client_for):
    campaign = make_campaign(world)
    client = client_for(world.secretary)
    page = client.get(url_of(campaign)).content.decode()
    assert reverse("campaigns:campaign-edit", args=[campaign.pk]) in page
    assert reverse("campaigns:drive-create", args=[campaign.pk]) in page
    assert re.search(
        rf'action="{reverse("campaigns:campaign-activate", args=[campaign.pk])}" data-confirm="Phát động ',
        page,
    )
    assert reverse("campaigns:campaign-close", args=[campaign.pk]) not in page
    Campaign.objects.filter(pk=campaign.pk).update(state=CampaignState.ACTIVE)
    page = client.get(url_of(campaign)).content.decode()
    assert re.search(
        rf'action="{reverse("campaigns:campaign-close", args=[campaign.pk])}" data-confirm="Kết thúc ', page
    )
    assert reverse("campaigns:campaign-activate", args=[campaign.pk]) not in page


def test_a_closed_campaign_offers_no_changes(world, client_for):
    campaign = make_campaign(world, state=CampaignState.CLOSED)
    make_drive(campaign, "Đợt 1", date(2025, 3, 1), date(2025, 3, 31))
    page = client_for(world.admin).get(url_of(campaign)).content.decode()
    assert "Đã kết thúc" in page
    assert "data-confirm" not in page
    assert reverse("campaigns:campaign-edit", args=[campaign.pk]) not in page
    assert reverse("campaigns:drive-create", args=[campaign.pk]) not in page


@pytest.mark.parametrize("persona", READERS)
def test_readers_see_no_actions(world, client_for, persona):
    campaign = make_campaign(world)
    make_drive(campaign, "Đợt 1", date(2025, 3, 1), date(2025, 3, 31))
    page = client_for(world.persona(persona)).get(url_of(campaign)).content.decode()
    assert "data-confirm" not in page
    assert 'data-testid="campaign-actions"' not in page
    assert "/sua/" not in page


# --- The timeline ---------------------------------------------------------------------------------


def lanes_of(timeline, group: str) -> list[list[str]]:
    (found,) = [g for g in timeline.groups if g.label == group]
    return [[bar.item.title for bar in lane.bars] for lane in found.lanes]


def test_overlapping_drives_go_on_separate_lanes(world):
    campaign = make_campaign(world)
    make_drive(campaign, "Đợt A", date(2025, 1, 1), date(2025, 1, 31))
    make_drive(campaign, "Đợt B", date(2025, 1, 15), date(2025, 2, 15))
    make_drive(campaign, "Đợt C", date(2025, 6, 1), date(2025, 6, 30))
    make_drive(campaign, "Đợt D", date(2025, 6, 10), date(2025, 6, 20))
    timeline = campaign_timeline(campaign=campaign, today=date(2025, 3, 1))
    assert lanes_of(timeline, "Đợt thi đua cao điểm") == [["Đợt A", "Đợt C"], ["Đợt B", "Đợt D"]]


def test_a_long_label_keeps_the_next_drive_off_its_lane(world):
    campaign = make_campaign(world)
    make_drive(
        campaign, "Đợt thi đua cao điểm mừng xuân, ra quân huấn luyện", date(2025, 1, 1), date(2025, 1, 10)
    )
    make_drive(campaign, "Đợt ngắn", date(2025, 1, 20), date(2025, 1, 25))
    timeline = campaign_timeline(campaign=campaign, today=date(2025, 3, 1))
    assert len(lanes_of(timeline, "Đợt thi đua cao điểm")) == 2


def test_bars_are_placed_by_percent_of_the_year(world):
    campaign = make_campaign(world)
    make_drive(campaign, "Nửa cuối năm", date(2025, 7, 1), date(2025, 12, 31))
    timeline = campaign_timeline(campaign=campaign, today=date(2024, 1, 1))
    (lane,) = [g for g in timeline.groups if g.label == "Đợt thi đua cao điểm"][0].lanes
    # 1 July is day 181 of 365; the bar covers the last 184 days.
    assert lane.bars[0].style == "left:49.589%;width:50.411%"
    assert [t.label for t in timeline.months] == [f"Tháng {m}" for m in range(1, 13)]
    assert timeline.months[1].style == "left:8.493%;width:7.671%"  # February: days 31–58


def test_pledges_cover_their_period_and_mark_their_opening(world):
    campaign = make_campaign(world)
    drive = make_drive(campaign, "Đợt ra quân", date(2025, 1, 8), date(2025, 2, 20))
    year = pledge_services.pledge_create(campaign=campaign, title="Giao ước năm 2025", actor=world.admin)
    pledge_services.pledge_item_add(pledge=year, content="100% quân số khỏe", actor=world.admin)
    year = pledge_services.pledge_open(pledge=year, actor=world.admin)
    for title, period, pledge_drive in [
        ("Giao ước 6 tháng đầu năm", "h1", None),
        ("Giao ước 6 tháng cuối năm", "h2", None),
        ("Giao ước đợt ra quân", "drive", drive),
    ]:
        pledge_services.pledge_create(
            campaign=campaign, title=title, period=period, drive=pledge_drive, actor=world.admin
        )
    timeline = campaign_timeline(campaign=campaign, today=date(2025, 3, 1))
    spans = {
        bar.item.title: (bar.item.starts_on, bar.item.ends_on, bar.item.muted, bool(bar.marker_style))
        for group in timeline.groups
        if group.label == "Giao ước thi đua"
        for lane in group.lanes
        for bar in lane.bars
    }
    assert spans == {
        "Giao ước năm 2025": (date(2025, 1, 1), date(2025, 12, 31), False, year.opened_at.year == 2025),
        "Giao ước 6 tháng đầu năm": (date(2025, 1, 1), date(2025, 6, 30), True, False),
        "Giao ước 6 tháng cuối năm": (date(2025, 7, 1), date(2025, 12, 31), True, False),
        "Giao ước đợt ra quân": (date(2025, 1, 8), date(2025, 2, 20), True, False),
    }
    opened = timezone.localdate(year.opened_at)
    assert any(e.label == "Mở ký giao ước" and e.on == opened for e in timeline.events)


def test_only_the_current_version_of_a_pledge_is_shown(world):
    campaign = make_campaign(world)
    pledge = pledge_services.pledge_create(campaign=campaign, title="Giao ước năm 2025", actor=world.admin)
    pledge_services.pledge_item_add(pledge=pledge, content="An toàn tuyệt đối", actor=world.admin)
    pledge_services.pledge_open(pledge=pledge, actor=world.admin)
    pledge_services.pledge_revoke(pledge=pledge, reason="Sửa chỉ tiêu", actor=world.admin)
    timeline = campaign_timeline(campaign=campaign, today=date(2025, 3, 1))
    assert lanes_of(timeline, "Giao ước thi đua") == [["Giao ước năm 2025 (phiên bản 2)"]]


def test_today_is_marked_only_in_the_campaigns_year(world):
    campaign = make_campaign(world)
    assert campaign_timeline(campaign=campaign, today=date(2025, 12, 31)).today_style == "left:99.863%"
    assert campaign_timeline(campaign=campaign, today=date(2026, 1, 1)).today is None


def test_events_are_listed_in_date_order(world):
    campaign = make_campaign(world, launched_on=date(2025, 1, 15))
    make_drive(campaign, "Đợt chào mừng ngày 22/12", date(2025, 11, 15), date(2025, 12, 22))
    make_drive(campaign, "Đợt ra quân", date(2025, 1, 8), date(2025, 2, 20))
    timeline = campaign_timeline(campaign=campaign, today=date(2025, 3, 1))
    assert [(e.on, e.until, e.label, e.title) for e in timeline.events] == [
        (
            date(2025, 1, 1),
            date(2025, 12, 31),
            "Phong trào thi đua",
            "Phong trào Thi đua Quyết thắng năm 2025",
        ),
        (date(2025, 1, 8), date(2025, 2, 20), "Đợt thi đua cao điểm", "Đợt ra quân"),
        (date(2025, 1, 15), None, "Phát động phong trào", "Phong trào Thi đua Quyết thắng năm 2025"),
        (date(2025, 11, 15), date(2025, 12, 22), "Đợt thi đua cao điểm", "Đợt chào mừng ngày 22/12"),
    ]


def test_later_apps_add_events_through_a_source(world):
    """Scoring rounds and reviews will join the timeline as sources; one is faked here."""
    campaign = make_campaign(world)

    def reviews(data: CampaignData) -> list[TimelineItem]:
        return [
            TimelineItem(
                group="Sơ kết, tổng kết",
                kind="review",
                label="Hội nghị sơ kết",
                title="Sơ kết 6 tháng đầu năm",
                starts_on=date(data.campaign.year, 6, 25),
            )
        ]

    timeline = campaign_timeline(campaign=campaign, today=date(2025, 3, 1), sources=[reviews])
    (group,) = timeline.groups
    (bar,) = group.lanes[0].bars
    assert (group.label, bar.point, bar.style) == (
        "Sơ kết, tổng kết",
        True,
        "left:48.082%",
    )  # the middle of day 176 of 365
    assert [(e.on, e.label) for e in timeline.events] == [(date(2025, 6, 25), "Hội nghị sơ kết")]


# --- The page ------------------------------------------------------------------------------------


def test_page_draws_the_timeline_without_scripts_and_lists_its_events(world, client_for):
    campaign = make_campaign(world, year=timezone.localdate().year)
    drive = make_drive(
        campaign,
        "Đợt ra quân huấn luyện",
        campaign.starts_on,
        campaign.starts_on + timedelta(days=30),
        contents="Thi đua huấn luyện giỏi.",
        targets=["100% nội dung đạt yêu cầu", "An toàn tuyệt đối"],
    )
    pledge = pledge_services.pledge_create(campaign=campaign, title="Giao ước thi đua", actor=world.admin)
    response = client_for(world.observer).get(url_of(campaign))
    page = response.content.decode()
    assert '<link rel="stylesheet" href="/static/css/timeline.css">' in page
    assert not re.search(r"<script(?![^>]*\bsrc=)", page), "no inline script"
    assert re.search(r'class="tl-scroll" aria-hidden="true"', page)
    assert page.count('class="tl-bar tl-bar--') == 3  # campaign, drive, pledge
    assert 'class="tl-today"' in page
    assert f'href="#dot-{drive.pk}" tabindex="-1"' in page
    events = page[page.index('data-testid="timeline-events"') :]
    assert events.index("Phong trào Thi đua") < events.index("Đợt ra quân huấn luyện")
    assert f"{campaign.starts_on:%d/%m/%Y} – {campaign.starts_on + timedelta(days=30):%d/%m/%Y}" in events
    drive_card = page[page.index(f'id="dot-{drive.pk}"') :]
    assert "Thi đua huấn luyện giỏi." in drive_card and "<li>An toàn tuyệt đối</li>" in drive_card
    detail = pledge_detail_url(pledge)
    if detail:
        assert f'<a href="{detail}">Giao ước thi đua</a>' in page
    else:
        assert "Giao ước thi đua" in page


def test_empty_campaign_says_what_to_add(world, client_for):
    campaign = make_campaign(world)
    page = client_for(world.secretary).get(url_of(campaign)).content.decode()
    assert "Chưa có đợt thi đua cao điểm hay giao ước nào trên dòng thời gian" in page
    page = client_for(world.leader).get(url_of(campaign)).content.decode()
    assert "Bấm “Thêm đợt thi đua”" not in page


def test_data_loads_drives_current_pledges_rounds_and_reviews_in_four_queries(
    world, django_assert_num_queries
):
    campaign = make_campaign(world)
    for index in range(3):
        make_drive(campaign, f"Đợt {index}", date(2025, 3, 1), date(2025, 3, 31))
    with django_assert_num_queries(4):
        data = campaign_data(campaign=campaign)
        campaign_timeline(campaign=campaign, today=date(2025, 3, 1), data=data)


# --- Query count ---------------------------------------------------------------------------------


def grow(world, campaign: Campaign, n: int) -> None:
    """n drives (half of them overlapping) and n pledges of every period, some opened."""
    drives = [
        make_drive(
            campaign,
            f"Đợt {i}",
            date(2025, 1 + i % 12, 1),
            date(2025, 1 + i % 12, 28) + timedelta(days=10 * (i % 2)),
        )
        for i in range(n)
    ]
    periods = ["year", "h1", "h2", "drive"]
    for i in range(n):
        period = periods[i % 4]
        pledge = Pledge.objects.create(
            campaign=campaign,
            title=f"Giao ước {i}",
            period=period,
            drive=drives[i] if period == "drive" else None,
        )
        PledgeItem.objects.create(pledge=pledge, position=1, content="Nội dung")
        if i % 3 == 0:
            Pledge.objects.filter(pk=pledge.pk).update(
                state=PledgeState.OPEN, content_hash="0" * 64, opened_at=timezone.now()
            )


# Three queries are the page's own (session and user, navigation roles); then the campaign, the permission (none for an admin), drives, pledges, rounds,
# reviews.
@pytest.mark.parametrize("size", [2, 12])
@pytest.mark.parametrize(("persona", "expected"), [("secretary", 9), ("admin", 8), ("leader", 9)])
def test_overview_runs_a_fixed_number_of_queries(
    world, client_for, django_assert_num_queries, size, persona, expected
):
    campaign = make_campaign(world, launched_on=date(2025, 1, 15))
    grow(world, campaign, size)
    client = client_for(world.persona(persona))
    with django_assert_num_queries(expected):
        response = client.get(url_of(campaign))
    assert response.status_code == 200
    assert len(response.context["timeline"].events) >= 2 * size


def test_scoring_rounds_join_the_timeline_with_their_deadline(world, client_for):
    from scoring.tests.factories import round_with_sample

    scoring_round = round_with_sample(world.bloc, period="q1", year=2025, actor=world.secretary)
    page = client_for(world.leader).get(url_of(scoring_round.campaign))
    assert page.status_code == 200
    events = page.context["timeline"].events
    assert any(e.kind == "round" and "Quý I" in e.title for e in events)
    assert "Hạn nhập điểm" in page.content.decode()
    assert reverse("scoring:round-detail", args=[scoring_round.pk]) in page.content.decode()


def test_reviews_join_the_timeline_as_one_day_events_with_their_state(world, client_for):
    from awards.services.reviews import review_create

    campaign = make_campaign(world)
    so_ket = review_create(
        campaign=campaign,
        kind="so_ket",
        held_on=date(2025, 7, 18),
        place="Hội trường Quân khu 1",
        actor=world.admin,
    )
    review_create(
        campaign=campaign,
        kind="tong_ket",
        held_on=date(2025, 12, 20),
        place="Hội trường Quân khu 2",
        actor=world.admin,
    )
    timeline = campaign_timeline(campaign=campaign, today=date(2025, 3, 1))
    (group,) = [g for g in timeline.groups if g.label == "Sơ kết, tổng kết"]
    bars = [bar for lane in group.lanes for bar in lane.bars]
    assert [(bar.item.title, bar.point, bar.item.state, bar.item.muted) for bar in bars] == [
        ("Sơ kết 6 tháng đầu năm 2025", True, "Đang chuẩn bị", True),
        ("Tổng kết năm 2025", True, "Đang chuẩn bị", True),
    ]
    assert [(e.on, e.label) for e in timeline.events if e.kind == "review"] == [
        (date(2025, 7, 18), "Hội nghị sơ kết"),
        (date(2025, 12, 20), "Hội nghị tổng kết"),
    ]
    page = client_for(world.observer).get(url_of(campaign)).content.decode()
    detail = reverse("awards:review-detail", args=[so_ket.pk])
    assert 'class="tl-point tl-bar--review is-muted" style="left:' in page
    assert f'<a href="{detail}">Sơ kết 6 tháng đầu năm</a>' in page
    assert reverse("awards:review-list", args=[campaign.pk]) in page
