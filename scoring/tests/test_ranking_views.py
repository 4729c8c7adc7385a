"""Ranking pages: a campaign's ranking for a period, one unit's page, the Excel and CSV files and
the overview of every bloc. The access matrix of DESIGN.md §6 (the secretariat sees unpublished
rounds, bannered; members and observers see published rounds only; outsiders get 404), bad
input, the files' contents, the audit event, and query counts at two data sizes."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from blocs.models import AuditEvent, Membership
from blocs.tests.factories import AssignmentFactory, BlocFactory
from campaigns.tests.factories import CampaignFactory
from scoring.models import RoundState, ScorecardKind
from scoring.tests.ranking_factories import campaign_of, card, make_round, member, standard

MANAGERS = ["admin", "secretary"]
READERS = ["observer", "leader", "officer"]
OUTSIDERS = ["other_secretary", "outsider", "nobody"]
VIEWS = ["ranking-index", "ranking", "ranking-unit", "ranking-xlsx", "ranking-csv"]


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def campaign(world):
    """Khối thi đua số 2, 2024: Q1 published, Q2 closed (not published)."""
    campaign = campaign_of(world.bloc)
    q1, q2 = make_round(campaign, "q1"), make_round(campaign, "q2", RoundState.CLOSED)
    card(q1, world.unit_a, standard(40) | {"3.1": 2})
    card(q1, world.unit_b, standard(44))
    card(q1, world.unit_c, standard(30) | {"5.1": 1})
    card(q2, world.unit_a, standard(20))
    card(q2, world.unit_b, standard(48))
    return campaign


def url(name: str, campaign, period: str = "h1", unit=None) -> str:
    if name == "ranking-index":
        return reverse(f"scoring:{name}", args=[campaign.pk])
    if name == "ranking-unit":
        return reverse(f"scoring:{name}", args=[campaign.pk, period, unit.pk])
    return reverse(f"scoring:{name}", args=[campaign.pk, period])


# --- Access (DESIGN.md §6) ----------------------------------------------------------------------


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("persona", [*MANAGERS, *READERS])
def test_everyone_who_sees_the_bloc_sees_its_rankings(world, client_for, campaign, view, persona):
    response = client_for(world.persona(persona)).get(url(view, campaign, unit=world.unit_a))
    assert response.status_code == (302 if view == "ranking-index" else 200)


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("persona", OUTSIDERS)
def test_others_get_404(world, client_for, campaign, view, persona):
    response = client_for(world.persona(persona)).get(url(view, campaign, unit=world.unit_a))
    assert response.status_code == 404


@pytest.mark.parametrize("view", [*VIEWS, "ranking-overview"])
def test_anonymous_users_are_sent_to_log_in(client, campaign, world, view):
    address = (
        reverse("scoring:ranking-overview")
        if view == "ranking-overview"
        else url(view, campaign, unit=world.unit_a)
    )
    response = client.get(address)
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]


@pytest.mark.parametrize("persona", MANAGERS)
def test_secretariat_sees_unpublished_rounds_under_a_banner(world, client_for, campaign, persona):
    page = text_of(client_for(world.persona(persona)).get(url("ranking", campaign)))
    assert "Chưa công bố – chỉ thường trực xem được." in page
    assert "gồm kết quả Quý II chưa công bố" in page
    # H1 with Q2: B (44 + 48) / 2 = 46 first; A (42 + 20) / 2 = 31; C has no Q2.
    rows = re.findall(r'data-testid="ranking-row".*?</tr>', page)
    assert [re.search(r'class="fw-semibold">([^<]+)</a>', r).group(1) for r in rows] == [
        "Quân khu 2",
        "Quân khu 1",
        "Quân khu 3",
    ]
    assert 'data-testid="total">46<' in page and "Thiếu Quý II" in page


@pytest.mark.parametrize("persona", READERS)
def test_members_and_observers_see_published_rounds_only(world, client_for, campaign, persona):
    page = text_of(client_for(world.persona(persona)).get(url("ranking", campaign)))
    assert "Chưa công bố" not in page
    assert "Chỉ gồm kết quả các đợt chấm đã công bố (Quý I)." in page
    assert "Kết quả tạm tính: chưa có kết quả Quý II được công bố." in page
    rows = re.findall(r'data-testid="ranking-row".*?</tr>', page)
    assert len(rows) == 3
    assert 'data-testid="total">44<' in rows[0] and 'data-testid="total">42<' in rows[1]
    assert "Vi phạm tiêu chí phủ quyết" in rows[2]


@pytest.mark.parametrize("persona", READERS)
def test_members_get_the_empty_state_for_an_unpublished_quarter(world, client_for, campaign, persona):
    response = client_for(world.persona(persona)).get(url("ranking", campaign, "q2"))
    page = text_of(response)
    assert response.status_code == 200
    assert "Chưa có kết quả chấm điểm Quý II năm 2024 được công bố." in page
    assert "ranking-row" not in page and "Tải Excel" not in page


@pytest.mark.parametrize(("persona", "period"), [("secretary", "h1"), ("leader", "q1"), ("observer", "q1")])
def test_index_goes_to_the_latest_period_the_user_may_see(world, client_for, campaign, persona, period):
    response = client_for(world.persona(persona)).get(url("ranking-index", campaign))
    assert response["Location"] == url("ranking", campaign, period)


def test_index_of_a_campaign_without_results_goes_to_the_year(world, client_for):
    campaign = CampaignFactory(bloc=world.bloc, year=2026)
    response = client_for(world.secretary).get(url("ranking-index", campaign))
    assert response["Location"] == url("ranking", campaign, "year")
    page = text_of(client_for(world.secretary).get(response["Location"]))
    assert "Chưa có kết quả chấm điểm cả năm 2026." in page


# --- Bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize("view", ["ranking", "ranking-unit", "ranking-xlsx", "ranking-csv"])
@pytest.mark.parametrize("period", ["q5", "nam", "YEAR", "h2"])
def test_unknown_period_is_404(world, client_for, campaign, view, period):
    response = client_for(world.secretary).get(url(view, campaign, period, unit=world.unit_a))
    assert response.status_code == 404


def test_unknown_campaign_is_404(world, client_for, campaign):
    response = client_for(world.admin).get(reverse("scoring:ranking", args=[999999, "q1"]))
    assert response.status_code == 404


def test_unit_not_in_the_bloc_is_404(world, client_for, campaign):
    response = client_for(world.admin).get(url("ranking-unit", campaign, unit=world.other_unit))
    assert response.status_code == 404
    response = client_for(world.admin).get(reverse("scoring:ranking-unit", args=[campaign.pk, "h1", 999999]))
    assert response.status_code == 404


def test_unit_that_left_before_the_period_is_404(world, client_for, campaign):
    Membership.objects.filter(bloc=world.bloc, unit=world.unit_c).update(left_on="2023-12-31")
    card(make_round(campaign, "q3"), world.unit_a, standard(30))
    response = client_for(world.secretary).get(url("ranking-unit", campaign, "q3", unit=world.unit_c))
    assert response.status_code == 404


# --- The unit's page --------------------------------------------------------------------------


def test_unit_page_shows_rank_groups_against_the_bloc_mean_and_the_trend(world, client_for, campaign):
    response = client_for(world.leader).get(url("ranking-unit", campaign, "q1", unit=world.unit_a))
    page = text_of(response)
    assert response.status_code == 200
    assert re.search(r'data-testid="unit-rank">.*?Hạng</span><span class="r-place-value">2</span>', page)
    assert 'data-testid="unit-total">42 ' in page
    assert "Tốt" in page  # 40 of 50 standard points = 80%
    # Group 1: A has 20, the bloc 20 (20, 20, 20); group 2: A 20, mean (20 + 24 + 10) / 3 = 18.
    groups = re.findall(r'data-testid="group-row">.*?</tr>', page)
    assert "Chính trị" in groups[0] and ">20<" in groups[0]
    assert ">+2<" in groups[1]
    assert 'id="ranking-unit-chart-data"' in page
    assert 'data-testid="unit-objections"' in page  # the objections panel sits on the page
    assert "Chưa công bố" not in page


def test_unit_page_of_an_unscored_member_says_so(world, client_for, campaign):
    response = client_for(world.secretary).get(url("ranking-unit", campaign, "q2", unit=world.unit_c))
    page = text_of(response)
    assert response.status_code == 200
    assert "Đơn vị chưa có điểm Quý II năm 2024." in page


def test_veto_and_missing_flags_show_on_the_unit_page(world, client_for, campaign):
    page = text_of(client_for(world.secretary).get(url("ranking-unit", campaign, unit=world.unit_c)))
    assert "Vi phạm tiêu chí phủ quyết" in page and "Thiếu Quý II" in page


# --- The ranking page's content -------------------------------------------------------------------


def test_page_has_the_switcher_the_chart_data_and_the_rules(world, client_for, campaign):
    page = text_of(client_for(world.secretary).get(url("ranking", campaign, "q1")))
    switcher = re.search(r'data-testid="period-switcher">(.*?)</nav>', page).group(1)
    assert re.findall(r">([^<>]+)</a>", switcher) == [
        "Quý I",
        "Quý II",
        "Quý III",
        "Quý IV",
        "6 tháng",
        "Cả năm",
    ]
    assert 'aria-current="page" href="/phong-trao/' in switcher
    assert 'id="ranking-chart-data"' in page and "ranking-chart.js" in page and "chart.umd.min.js" in page
    assert "<script>" not in page  # no inline code
    assert "Cách xếp hạng" in page
    assert "Xếp loại theo tỷ lệ tổng điểm so với điểm chuẩn tối đa" in page
    assert "Nhóm 1</strong>: Chính trị" in page


def test_tied_units_show_equal_sign_and_the_tie_note(world, client_for):
    campaign = campaign_of(world.bloc)
    q1 = make_round(campaign, "q1")
    card(q1, world.unit_a, standard(40, core=20))
    card(q1, world.unit_b, standard(40, core=20))
    card(q1, world.unit_c, standard(42, core=22) | {"4.1": 2})
    page = text_of(client_for(world.observer).get(url("ranking", campaign, "q1")))
    assert page.count(">1=<") == 2
    assert page.count("Bằng điểm – xét ít điểm trừ hơn – vẫn đồng hạng") == 2
    assert '<span class="r-rank-badge r-top">3</span>' in page
    assert page.count("Bằng điểm – xét ít điểm trừ hơn") == 3


def test_numbers_use_the_decimal_comma(world, client_for):
    campaign = campaign_of(world.bloc)
    card(make_round(campaign, "q1"), world.unit_a, standard("37.25"))
    page = text_of(client_for(world.leader).get(url("ranking", campaign, "q1")))
    assert 'data-testid="total">37,25<' in page


# --- Files --------------------------------------------------------------------------------------


def csv_rows(response) -> list[list[str]]:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark for Excel
    assert b"\r\n" in raw
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def test_csv_has_the_page_columns_decimal_commas_and_the_rules(world, client_for, campaign):
    response = client_for(world.secretary).get(url("ranking-csv", campaign))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="xep-hang-khoi-thi-dua-so-2-2024-6-thang-dau-nam.csv"'
    )
    rows = csv_rows(response)
    assert rows[0] == [
        "Hạng",
        "Đơn vị",
        "Nhóm 1. Chính trị",
        "Nhóm 2. Huấn luyện",
        "Điểm chuẩn",
        "Điểm thưởng",
        "Điểm trừ",
        "Tổng điểm",
        "Xếp loại",
        "Tổng điểm Quý I",
        "Tổng điểm Quý II",
        "Ghi chú",
    ]
    assert rows[1] == ["1", "Quân khu 2", "20", "26", "46", "0", "0", "46", "Xuất sắc", "44", "48", ""]
    assert rows[2][:2] == ["2", "Quân khu 1"] and rows[2][4:8] == ["30", "1", "0", "31"]
    assert rows[3][-1] == "Vi phạm tiêu chí phủ quyết; Thiếu Quý II"
    text = "\n".join(";".join(r) for r in rows)
    assert "Kết quả xếp hạng thi đua 6 tháng đầu năm 2024" in text
    assert "Chưa công bố – chỉ thường trực xem được: có kết quả Quý II chưa công bố." in text
    assert "Điểm 6 tháng đầu năm = trung bình cộng điểm Quý I, Quý II." in text


def test_csv_for_a_member_has_published_rounds_only(world, client_for, campaign):
    rows = csv_rows(client_for(world.leader).get(url("ranking-csv", campaign)))
    assert rows[1][:2] == ["1", "Quân khu 2"] and rows[1][7] == "44"
    assert not any("Chưa công bố" in ";".join(r) for r in rows)


def test_files_keep_formula_like_names_as_text(world, client_for, campaign):
    world.unit_a.name = '=HYPERLINK("http://x")'
    world.unit_a.save()
    rows = csv_rows(client_for(world.secretary).get(url("ranking-csv", campaign)))
    assert [r[1] for r in rows[1:4] if "HYPERLINK" in r[1]] == ['\'=HYPERLINK("http://x")']
    response = client_for(world.secretary).get(url("ranking-xlsx", campaign))
    sheet = load_workbook(io.BytesIO(response.content)).active
    cell = next(c for row in sheet.iter_rows() for c in row if c.value == '=HYPERLINK("http://x")')
    assert cell.data_type == "s" and cell.quotePrefix


def test_excel_has_title_numbers_and_the_rules_at_the_bottom(world, client_for, campaign):
    response = client_for(world.observer).get(url("ranking-xlsx", campaign, "q1"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"].endswith('quy-i.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "Kết quả xếp hạng thi đua Quý I năm 2024"
    assert values[1][0].startswith("Khối thi đua số 2 – ")
    header = values[3]
    assert header[:2] == ["Hạng", "Đơn vị"] and header[-1] == "Ghi chú"
    first = values[4]
    assert first[:2] == ["1", "Quân khu 2"]
    total = header.index("Tổng điểm")
    assert first[total] == 44 and sheet.cell(row=5, column=total + 1).number_format == "0.00"
    column = [row[0] for row in values if row and row[0]]
    assert "Cách xếp hạng:" in column
    assert column[-1].startswith("Xếp loại theo tỷ lệ tổng điểm")


@pytest.mark.parametrize("view", ["ranking-xlsx", "ranking-csv"])
def test_every_export_is_audited(world, client_for, campaign, view):
    client_for(world.leader).get(url(view, campaign))
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.EXPORT)
    assert event.actor == world.leader
    assert "xếp hạng 6 tháng đầu năm 2024 của Khối thi đua số 2" in event.summary
    assert event.data["published_only"] is True


# --- The overview of every bloc ---------------------------------------------------------------------


def _other_bloc_campaign(world, year=2024):
    campaign = campaign_of(world.other_bloc, year)
    card(make_round(campaign, "q1"), world.other_unit, standard(33))
    return campaign


def test_overview_lists_the_blocs_the_user_sees_with_their_leader(world, client_for, campaign):
    _other_bloc_campaign(world)
    admin = text_of(client_for(world.admin).get(reverse("scoring:ranking-overview") + "?nam=2024"))
    assert admin.count('data-testid="overview-row"') == 2
    assert admin.index("Cụm thi đua số 6") < admin.index("Khối thi đua số 2")
    # The admin sees Q2 (unpublished): B leads the year with (44 + 48) / 2 = 46.
    assert re.search(r"Quân khu 2</span>.*?46<", admin) and "chưa công bố" in admin
    leader = text_of(client_for(world.leader).get(reverse("scoring:ranking-overview") + "?nam=2024"))
    assert leader.count('data-testid="overview-row"') == 1 and "Cụm thi đua số 6" not in leader
    assert re.search(r'data-testid="leader"><span class="fw-semibold">Quân khu 2</span>', leader)
    assert re.search(r'data-testid="ranked-count">3<', leader) and ">44<" in leader
    assert "chưa công bố" not in leader
    assert (
        '<td class="small">Quý I<div class="text-secondary">tạm tính, chưa có Quý II, Quý III, Quý IV'
        in leader
    )


def test_overview_for_a_user_without_blocs_is_empty(world, client_for, campaign):
    response = client_for(world.nobody).get(reverse("scoring:ranking-overview") + "?nam=2024")
    assert response.status_code == 200 and 'data-testid="overview-empty"' in response.content.decode()


def test_overview_for_another_blocs_secretary_shows_only_that_bloc(world, client_for, campaign):
    _other_bloc_campaign(world)
    page = text_of(client_for(world.other_secretary).get(reverse("scoring:ranking-overview") + "?nam=2024"))
    assert page.count('data-testid="overview-row"') == 1 and "Sư đoàn 301" in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?nam=abc", "Năm “abc” không hợp lệ"),
        ("?nam=1999", "Năm “1999” không hợp lệ: nhập năm từ 2000 đến 2100."),
        ("?nam=2024&ky=q9", "Kỳ xếp hạng không hợp lệ"),
    ],
)
def test_overview_bad_input_is_400_with_a_message(world, client_for, campaign, query, message):
    response = client_for(world.secretary).get(reverse("scoring:ranking-overview") + query)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_overview_defaults_to_this_year(world, client_for, campaign):
    page = text_of(client_for(world.secretary).get(reverse("scoring:ranking-overview")))
    assert 'data-testid="overview-empty"' in page  # the campaign is of 2024


# --- Query counts at two sizes ------------------------------------------------------------------


def grow(world, size: int):
    """The bloc's campaign with `size` members scored in every round: 3 units and one round,
    then (called again) 9 units and four rounds."""
    campaign = campaign_of(world.bloc)
    units = [world.unit_a, world.unit_b, world.unit_c]
    for number in range(3, size):
        units.append(member(world.bloc, f"Đơn vị thêm {number}", f"THEM{number}"))
    for period in ("q1",) if size == 3 else ("q1", "q2", "q3", "q4"):
        scoring_round = make_round(campaign, period)
        scored = set(scoring_round.scorecards.values_list("scored_unit_id", flat=True))
        for offset, unit in enumerate(units):
            if unit.pk not in scored:
                card(scoring_round, unit, standard(20 + offset) | {"3.1": offset % 3})
                card(scoring_round, unit, standard(10), kind=ScorecardKind.SELF)
    return campaign


def count_queries(client, address) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(address).status_code in (200, 302)
    return len(captured.captured_queries)


@pytest.mark.parametrize("persona", ["secretary", "leader", "admin"])
@pytest.mark.parametrize("view", [*VIEWS, "ranking-overview"])
def test_pages_run_a_fixed_number_of_queries(world, client_for, django_assert_num_queries, view, persona):
    client = client_for(world.persona(persona))
    small = grow(world, 3)
    address = (
        reverse("scoring:ranking-overview") + "?nam=2024"
        if view == "ranking-overview"
        else url(view, small, "year", unit=world.unit_a)
    )
    client.get(address)  # warm caches (content types, permissions)
    expected = count_queries(client, address)
    assert expected <= 20
    grow(world, 9)
    if view == "ranking-overview":  # and more blocs
        for number in range(3):
            bloc = BlocFactory(name=f"Khối phụ {number}")
            AssignmentFactory(user=world.persona(persona), role="observer", bloc=bloc)
            extra = campaign_of(bloc)
            card(make_round(extra, "q1"), member(bloc, f"Đơn vị phụ {number}", f"PHU{number}"), standard(30))
    with django_assert_num_queries(expected):
        response = client.get(address)
    assert response.status_code in (200, 302)
    if view == "ranking":
        assert response.content.decode().count('data-testid="ranking-row"') == 9


def test_overview_ranks_every_bloc_in_one_query(world, client_for, campaign):
    _other_bloc_campaign(world)
    for number in range(3):
        bloc = BlocFactory(name=f"Khối phụ {number}")
        extra = campaign_of(bloc)
        card(make_round(extra, "q1"), member(bloc, f"Đơn vị phụ {number}", f"PHU{number}"), standard(30))
    client = client_for(world.admin)
    address = reverse("scoring:ranking-overview") + "?nam=2024"
    client.get(address)
    with CaptureQueriesContext(connection) as captured:
        page = text_of(client.get(address))
    rankings = [q for q in captured.captured_queries if "card_parts" in q["sql"]]
    assert len(rankings) == 1
    assert page.count('data-testid="overview-row"') == 5


def test_overview_pages_through_many_blocs(world, client_for, campaign, monkeypatch):
    from scoring.views import ranking as views

    monkeypatch.setattr(views, "OVERVIEW_PAGE_SIZE", 2)
    _other_bloc_campaign(world)
    extra = BlocFactory(name="Khối phụ")
    card(make_round(campaign_of(extra), "q1"), member(extra, "Đơn vị phụ", "PHU"), standard(30))
    client = client_for(world.admin)
    first = text_of(client.get(reverse("scoring:ranking-overview") + "?nam=2024&ky=q1"))
    assert first.count('data-testid="overview-row"') == 2 and "1–2 trong 3 khối, cụm" in first
    assert "?nam=2024&amp;ky=q1&amp;page=2" in first
    second = text_of(client.get(reverse("scoring:ranking-overview") + "?nam=2024&ky=q1&page=2"))
    assert second.count('data-testid="overview-row"') == 1 and "Khối thi đua số 2" in second
    assert "Quân khu 2" in second  # Q1: 44 points
    beyond = client.get(reverse("scoring:ranking-overview") + "?nam=2024&page=abc")
    assert beyond.status_code == 200


# --- Links to the rankings ----------------------------------------------------------------------


def test_round_campaign_and_tab_pages_link_to_the_rankings(world, client_for, campaign):
    q1 = campaign.rounds.get(period="q1")
    client = client_for(world.leader)
    detail = client.get(reverse("scoring:round-detail", args=[q1.pk])).content.decode()
    assert f'href="{url("ranking", campaign, "q1")}" data-testid="round-ranking-link"' in detail
    tabs = client.get(reverse("scoring:round-list", args=[campaign.pk])).content.decode()
    assert f'href="{url("ranking-index", campaign)}"><i class="bi bi-trophy"' in tabs
    overview = client.get(reverse("campaign-overview", args=[campaign.pk])).content.decode()
    assert f'href="{url("ranking-index", campaign)}" data-testid="campaign-ranking-link"' in overview


def test_members_see_no_ranking_link_on_an_unpublished_round(world, client_for, campaign):
    q2 = campaign.rounds.get(period="q2")
    page = client_for(world.leader).get(reverse("scoring:round-detail", args=[q2.pk])).content.decode()
    assert "round-ranking-link" not in page
    page = client_for(world.secretary).get(reverse("scoring:round-detail", args=[q2.pk])).content.decode()
    assert "round-ranking-link" in page


def test_a_tree_too_deep_to_rank_gets_a_message_not_a_500(world, client_for):
    from scoring.models import Criterion
    from scoring.tests.ranking_factories import criteria_set

    campaign = campaign_of(world.bloc)
    parent = Criterion.objects.get(criteria_set=criteria_set(campaign), code="1.1")
    for level in range(6):
        parent = Criterion.objects.create(
            criteria_set=parent.criteria_set, parent=parent, code=f"1.1.{level}", title="x", max_points=1
        )
    card(make_round(campaign, "q1"), world.unit_a, {parent.code: 1})
    client = client_for(world.secretary)
    response = client.get(url("ranking", campaign, "q1"))
    assert response.status_code == 200 and "chưa xếp hạng được" in response.content.decode()
    assert client.get(url("ranking-csv", campaign, "q1")).status_code == 409
    assert client.get(url("ranking-unit", campaign, "q1", unit=world.unit_a)).status_code == 404
    overview = client.get(reverse("scoring:ranking-overview") + "?nam=2024")
    assert overview.status_code == 400 and "chưa xếp hạng được" in overview.content.decode()
