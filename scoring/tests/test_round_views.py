"""Pages of scoring rounds: the list, opening and editing a round, its page with every member
unit's cards and the reminders, closing, reopening and publishing; bad input, the access
matrix of DESIGN.md §6 and query counts at two sizes."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from blocs.tests.factories import AssignmentFactory, MembershipFactory, UnitFactory, UserFactory
from campaigns.models import Campaign, CampaignState
from campaigns.tests.factories import CampaignFactory
from scoring.models import RoundState, ScoringRound
from scoring.services.scorecards import final_grid_save, self_card_save, self_card_submit
from scoring.tests.factories import close_round, round_with_sample, sample_set

MANAGERS = ["admin", "secretary"]
READERS = ["observer", "leader", "officer"]
OUTSIDERS = ["other_secretary", "outsider", "nobody"]
PUBLISH_QUESTION = (
    "Công bố kết quả đợt chấm Quý I năm 2025 của Khối thi đua số 2? Sau khi công bố, điểm không sửa được nữa "
    "trừ khi đính chính có lý do."
)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def detail_url(scoring_round: ScoringRound) -> str:
    return reverse("scoring:round-detail", args=[scoring_round.pk])


@pytest.fixture
def campaign(world) -> Campaign:
    campaign = CampaignFactory(bloc=world.bloc, year=2025)
    sample_set(campaign, world.secretary)
    return campaign


@pytest.fixture
def q1(world, campaign) -> ScoringRound:
    return round_with_sample(world.bloc, campaign=campaign, actor=world.secretary)


def snapshot() -> list:
    return list(
        ScoringRound.objects.order_by("pk").values_list(
            "period", "starts_on", "ends_on", "entry_deadline", "state"
        )
    )


ROUND_DATA = {
    "period": "q2",
    "starts_on": "01/04/2025",
    "ends_on": "30/06/2025",
    "entry_deadline": "10/07/2025",
}


# --- Access matrix ------------------------------------------------------------------------------


def manage_requests(campaign: Campaign, scoring_round: ScoringRound) -> list[tuple[str, str, dict]]:
    edit = {k: v for k, v in ROUND_DATA.items() if k != "period"} | {
        "starts_on": "01/01/2025",
        "ends_on": "31/03/2025",
    }
    return [
        ("get", reverse("scoring:round-create", args=[campaign.pk]), {}),
        ("post", reverse("scoring:round-create", args=[campaign.pk]), ROUND_DATA),
        ("get", reverse("scoring:round-edit", args=[scoring_round.pk]), {}),
        ("post", reverse("scoring:round-edit", args=[scoring_round.pk]), edit),
        ("post", reverse("scoring:round-close", args=[scoring_round.pk]), {}),
        ("post", reverse("scoring:round-reopen", args=[scoring_round.pk]), {}),
        ("post", reverse("scoring:round-publish", args=[scoring_round.pk]), {}),
    ]


@pytest.mark.parametrize("persona", READERS)
def test_readers_of_the_bloc_get_403_on_every_change(world, client_for, campaign, q1, persona):
    before = snapshot()
    client = client_for(world.persona(persona))
    for method, url, data in manage_requests(campaign, q1):
        assert getattr(client, method)(url, data).status_code == 403, (method, url)
    assert snapshot() == before


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_users_who_cannot_see_the_bloc_get_404_everywhere(world, client_for, campaign, q1, persona):
    requests = manage_requests(campaign, q1) + [
        ("get", reverse("scoring:round-list", args=[campaign.pk]), {}),
        ("get", detail_url(q1), {}),
    ]
    before = snapshot()
    client = client_for(world.persona(persona))
    for method, url, data in requests:
        assert getattr(client, method)(url, data).status_code == 404, (method, url)
    assert snapshot() == before


@pytest.mark.parametrize("persona", MANAGERS)
def test_managers_open_every_page(world, client_for, campaign, q1, persona):
    client = client_for(world.persona(persona))
    for method, url, _ in manage_requests(campaign, q1):
        if method == "get":
            assert client.get(url).status_code == 200, url


def test_actions_only_answer_post(world, client_for, q1):
    client = client_for(world.secretary)
    for name in ("round-close", "round-reopen", "round-publish"):
        assert client.get(reverse(f"scoring:{name}", args=[q1.pk])).status_code == 405


# --- The list -------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", [*MANAGERS, *READERS])
def test_everyone_who_sees_the_bloc_reads_the_rounds(world, client_for, campaign, q1, persona):
    response = client_for(world.persona(persona)).get(reverse("scoring:round-list", args=[campaign.pk]))
    assert response.status_code == 200
    page = text_of(response)
    assert "Quý I" in page and "01/01/2025 – 31/03/2025" in page and "10/04/2025" in page
    assert "Đang nhập điểm" in page
    assert ("Mở đợt chấm" in page) is (persona in MANAGERS)


def test_the_list_counts_scored_finals_and_submitted_self_assessments(world, client_for, campaign, q1):
    leaf = q1.criteria_set.criteria.get(code="1.1")
    final_grid_save(
        scoring_round=q1,
        entries={(world.unit_b.pk, leaf.pk): Decimal(4)},
        base_versions={},
        actor=world.secretary,
    )
    self_card_save(
        scoring_round=q1,
        unit_id=world.unit_a.pk,
        entries={leaf.pk: Decimal(5)},
        base_version=0,
        actor=world.officer,
    )
    row = re.search(
        r'data-testid="round-row">.*?</tr>',
        text_of(client_for(world.secretary).get(reverse("scoring:round-list", args=[campaign.pk]))),
    ).group(0)
    assert re.search(r">\s*1/3\s*<", row)  # one final card with scores of three members
    assert "0/3" in row and "(1 đang soạn)" in row


def test_the_list_without_rounds_says_what_to_do(world, client_for, campaign):
    page = text_of(client_for(world.secretary).get(reverse("scoring:round-list", args=[campaign.pk])))
    assert "Phong trào chưa có đợt chấm nào" in page and "Mỗi quý mở một đợt chấm" in page


# --- Opening and editing --------------------------------------------------------------------------


def test_the_create_form_offers_the_next_quarter_with_its_dates(world, client_for, campaign, q1):
    response = client_for(world.secretary).get(reverse("scoring:round-create", args=[campaign.pk]) + "?ky=q3")
    page = response.content.decode()
    for name, label in {
        "period": "Kỳ chấm",
        "starts_on": "Từ ngày",
        "ends_on": "Đến ngày",
        "entry_deadline": "Hạn nhập điểm",
    }.items():
        assert re.search(rf'<label\s+for="id_{name}"[^>]*>\s*{label}', page), name
    assert 'value="01/07/2025"' in page and 'value="30/09/2025"' in page and 'value="10/10/2025"' in page
    assert '<option value="q3" selected>' in page
    assert "?ky=q1" not in page  # Q1 is taken: no quick link


def test_secretary_opens_a_round(world, client_for, campaign, q1):
    response = client_for(world.secretary).post(
        reverse("scoring:round-create", args=[campaign.pk]), ROUND_DATA
    )
    created = campaign.rounds.get(period="q2")
    assert response.status_code == 302 and response["Location"] == detail_url(created)
    assert (created.starts_on, created.ends_on, created.entry_deadline) == (
        date(2025, 4, 1),
        date(2025, 6, 30),
        date(2025, 7, 10),
    )
    assert created.criteria_set == q1.criteria_set
    assert messages_of(response) == [
        "Đã mở đợt chấm Quý II năm 2025 (01/04/2025 – 30/06/2025), hạn nhập điểm 10/07/2025."
    ]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"period": "q1"}, "period", "Phong trào đã có đợt chấm điểm của kỳ này."),
        ({"period": "q9"}, "period", "Kỳ chấm phải là Quý I, II, III, IV hoặc Cuối năm."),
        ({"starts_on": ""}, "starts_on", "Từ ngày không được để trống."),
        ({"starts_on": "2025/04/01x"}, "starts_on", "Từ ngày: "),
        ({"ends_on": "31/06/2025"}, "ends_on", "Đến ngày: Ngày “31/06/2025” không tồn tại."),
        (
            {"starts_on": "01/12/2024"},
            "starts_on",
            "Ngày bắt đầu phải nằm trong thời gian của phong trào (01/01/2025 – 31/12/2025).",
        ),
        ({"ends_on": "15/01/2026"}, "ends_on", "Ngày kết thúc phải nằm trong thời gian của phong trào"),
        ({"ends_on": "01/03/2025"}, "ends_on", "Ngày kết thúc phải sau hoặc bằng ngày bắt đầu."),
        (
            {"entry_deadline": "01/03/2025"},
            "entry_deadline",
            "Hạn nhập điểm không được trước ngày bắt đầu của kỳ chấm.",
        ),
    ],
)
def test_opening_refuses_bad_input_with_a_message(world, client_for, campaign, q1, changes, field, message):
    before = snapshot()
    response = client_for(world.secretary).post(
        reverse("scoring:round-create", args=[campaign.pk]), ROUND_DATA | changes
    )
    assert response.status_code == 400
    page = text_of(response)
    assert message in page
    assert re.search(rf'id="error_\d+_id_{field}"', page), field
    assert snapshot() == before


def test_opening_without_criteria_says_so(world, client_for):
    campaign = CampaignFactory(bloc=world.bloc, year=2025)
    client = client_for(world.secretary)
    assert "Phong trào chưa có bộ tiêu chí" in text_of(
        client.get(reverse("scoring:round-create", args=[campaign.pk]))
    )
    response = client.post(reverse("scoring:round-create", args=[campaign.pk]), ROUND_DATA)
    assert response.status_code == 400
    assert "Phong trào chưa có bộ tiêu chí; hãy tạo bộ tiêu chí trước." in text_of(response)
    assert not ScoringRound.objects.exists()


def test_a_closed_campaign_opens_no_round(world, client_for, campaign):
    Campaign.objects.filter(pk=campaign.pk).update(state=CampaignState.CLOSED)
    response = client_for(world.secretary).post(
        reverse("scoring:round-create", args=[campaign.pk]), ROUND_DATA
    )
    assert response.status_code == 400
    assert "Phong trào đã kết thúc, không thể mở đợt chấm mới." in text_of(response)


def test_secretary_edits_a_rounds_dates(world, client_for, q1):
    client = client_for(world.secretary)
    page = client.get(reverse("scoring:round-edit", args=[q1.pk])).content.decode()
    assert 'value="10/04/2025"' in page and 'id="id_period"' not in page
    data = {"starts_on": "01/01/2025", "ends_on": "31/03/2025", "entry_deadline": "15/04/2025"}
    response = client.post(reverse("scoring:round-edit", args=[q1.pk]), data)
    assert response.status_code == 302
    q1.refresh_from_db()
    assert q1.entry_deadline == date(2025, 4, 15)
    response = client.post(
        reverse("scoring:round-edit", args=[q1.pk]), data | {"entry_deadline": "31/12/2024"}
    )
    assert response.status_code == 400
    assert "Hạn nhập điểm không được trước ngày bắt đầu của kỳ chấm." in text_of(response)


def test_a_published_round_cannot_be_edited(world, client_for, q1):
    close_round(q1)
    client = client_for(world.secretary)
    client.post(reverse("scoring:round-publish", args=[q1.pk]))
    data = {"starts_on": "01/01/2025", "ends_on": "31/03/2025", "entry_deadline": "20/04/2025"}
    response = client.post(reverse("scoring:round-edit", args=[q1.pk]), data)
    assert response.status_code == 400
    assert "Đợt chấm đã công bố, không thể sửa." in text_of(response)
    q1.refresh_from_db()
    assert q1.entry_deadline == date(2025, 4, 10)


# --- The round page --------------------------------------------------------------------------------


def test_the_round_page_shows_each_units_cards_and_reminders(world, client_for, q1):
    leaves = list(q1.criteria_set.criteria.filter(children__isnull=True))
    final_grid_save(
        scoring_round=q1,
        entries={(world.unit_a.pk, leaf.pk): Decimal(0) for leaf in leaves},
        base_versions={},
        actor=world.secretary,
    )
    card, _ = self_card_save(
        scoring_round=q1,
        unit_id=world.unit_a.pk,
        entries={leaf.pk: Decimal(0) for leaf in leaves},
        base_version=0,
        actor=world.leader,
    )
    self_card_submit(scorecard=card, actor=world.leader)
    response = client_for(world.secretary).get(detail_url(q1))
    assert response.status_code == 200
    page = text_of(response)
    rows = re.findall(r'<tr data-testid="unit-row">.*?</tr>', page)
    assert [re.search(r'<th scope="row"[^>]*>(.*?)</th>', r).group(1) for r in rows] == [
        "Quân khu 1",
        "Quân khu 2",
        "Quân khu 3",
    ]
    assert "23/23" in rows[0] and str(world.secretary) in rows[0] and "Đã gửi" in rows[0]
    assert "Chưa chấm (0/23)" in rows[1] and "Chưa có" in rows[1]
    assert "1/3</strong> đơn vị đã chấm đủ 23 tiêu chí" in page
    reminders = re.findall(r'data-testid="reminder-unit"><strong>(.*?)</strong>', page)
    assert reminders == ["Quân khu 2", "Quân khu 3"]
    assert "Đề nghị các đơn vị: Quân khu 2, Quân khu 3 hoàn thành và gửi phiếu tự chấm" in page
    assert 'for="reminder-text"' in page


def test_reminders_name_the_leaders_to_contact(world, client_for, q1):
    leader_b = UserFactory(full_name="Trần Văn Bình", rank="Đại tá", position="Tư lệnh")
    AssignmentFactory(user=leader_b, role="leader", unit=world.unit_b)
    page = text_of(client_for(world.secretary).get(detail_url(q1)))
    assert "Chỉ huy: Đại tá Trần Văn Bình (Tư lệnh)" in page


@pytest.mark.parametrize("persona", READERS)
def test_readers_see_the_round_without_actions_or_reminders(world, client_for, q1, persona):
    response = client_for(world.persona(persona)).get(detail_url(q1))
    assert response.status_code == 200
    page = text_of(response)
    assert "Quân khu 2" in page and 'data-testid="reminders"' not in page
    assert reverse("scoring:round-close", args=[q1.pk]) not in page
    assert reverse("scoring:round-edit", args=[q1.pk]) not in page


def test_the_round_page_links_the_grid(world, client_for, q1):
    page = text_of(client_for(world.secretary).get(detail_url(q1)))
    assert reverse("scoring:grid", args=[q1.pk]) in page


def test_the_round_page_tells_when_the_round_can_be_closed(world, client_for):
    today = timezone.localdate()
    campaign = CampaignFactory(bloc=world.bloc, year=today.year)
    scoring_round = round_with_sample(
        world.bloc,
        campaign=campaign,
        starts_on=campaign.starts_on,
        ends_on=today,
        entry_deadline=today + timedelta(days=3),
    )
    page = text_of(client_for(world.secretary).get(detail_url(scoring_round)))
    assert "Còn 3 ngày" in page and "Khóa sổ được từ ngày sau hạn nhập điểm." in page


# --- Closing, reopening, publishing ------------------------------------------------------------------


def test_closing_before_the_deadline_is_refused_with_the_services_message(world, client_for):
    today = timezone.localdate()
    campaign = CampaignFactory(bloc=world.bloc, year=today.year)
    scoring_round = round_with_sample(
        world.bloc, campaign=campaign, starts_on=campaign.starts_on, ends_on=today, entry_deadline=today
    )
    response = client_for(world.secretary).post(reverse("scoring:round-close", args=[scoring_round.pk]))
    assert response.status_code == 302 and response["Location"] == detail_url(scoring_round)
    assert messages_of(response) == [
        f"Chưa hết hạn nhập điểm ({today:%d/%m/%Y}); có thể khóa sổ từ ngày hôm sau."
    ]
    scoring_round.refresh_from_db()
    assert scoring_round.state == RoundState.OPEN


def notice(response) -> str:
    """The message shown on the page a POST led to."""
    return re.search(
        r'<div class="alert[^"]*alert-dismissible[^"]*" role="alert">\s*(.*?)\s*<button', text_of(response)
    ).group(1)


def test_secretary_closes_reopens_closes_and_publishes(world, client_for, q1):
    client = client_for(world.secretary)
    response = client.post(
        reverse("scoring:round-close", args=[q1.pk]), follow=True
    )  # 2025's deadline has passed
    assert notice(response) == "Đã khóa sổ đợt chấm Quý I năm 2025."
    page = text_of(response)
    assert f'data-confirm="{PUBLISH_QUESTION}"' in page
    assert reverse("scoring:round-reopen", args=[q1.pk]) in page
    response = client.post(reverse("scoring:round-reopen", args=[q1.pk]), follow=True)
    assert notice(response) == "Đã mở lại để nhập điểm đợt chấm Quý I năm 2025."
    client.post(reverse("scoring:round-close", args=[q1.pk]), follow=True)
    response = client.post(reverse("scoring:round-publish", args=[q1.pk]), follow=True)
    assert notice(response) == "Đã công bố kết quả đợt chấm Quý I năm 2025."
    q1.refresh_from_db()
    assert (q1.state, q1.published_by) == (RoundState.PUBLISHED, world.secretary)
    page = text_of(response)
    assert "Đã công bố" in page and reverse("scoring:round-reopen", args=[q1.pk]) not in page


def test_publishing_an_open_round_is_refused(world, client_for, q1):
    response = client_for(world.secretary).post(reverse("scoring:round-publish", args=[q1.pk]))
    assert messages_of(response) == ["Phải khóa sổ đợt chấm trước khi công bố."]
    q1.refresh_from_db()
    assert q1.state == RoundState.OPEN


def test_reopening_a_published_round_is_refused(world, client_for, q1):
    close_round(q1)
    client = client_for(world.secretary)
    client.post(reverse("scoring:round-publish", args=[q1.pk]), follow=True)
    response = client.post(reverse("scoring:round-reopen", args=[q1.pk]))
    assert messages_of(response) == ["Chỉ mở lại được đợt chấm đã khóa sổ nhưng chưa công bố."]
    q1.refresh_from_db()
    assert q1.state == RoundState.PUBLISHED


# --- Query counts ---------------------------------------------------------------------------------


def grow(world, campaign: Campaign, members: int) -> ScoringRound:
    """A Q1 round and a Q2 round of a bloc with `members` member units, each with a final
    card, a self-assessment and a leader."""
    for number in range(members - 3):
        MembershipFactory(
            bloc=world.bloc, unit=UnitFactory(name=f"Lữ đoàn {number + 100}"), joined_on=date(2020, 1, 1)
        )
    q1 = round_with_sample(world.bloc, campaign=campaign, actor=world.secretary)
    round_with_sample(world.bloc, "q2", campaign=campaign, actor=world.secretary)
    leaves = list(q1.criteria_set.criteria.filter(children__isnull=True)[:3])
    units = [m.unit for m in world.bloc.memberships.select_related("unit")]
    final_grid_save(
        scoring_round=q1,
        entries={(unit.pk, leaf.pk): Decimal(1) for unit in units for leaf in leaves},
        base_versions={},
        actor=world.secretary,
    )
    for unit in units:
        officer = UserFactory()
        AssignmentFactory(user=officer, role="officer", unit=unit)
        AssignmentFactory(user=UserFactory(), role="leader", unit=unit)
        self_card_save(
            scoring_round=q1,
            unit_id=unit.pk,
            entries={leaves[0].pk: Decimal(1)},
            base_version=0,
            actor=officer,
        )
    return q1


PAGES = {
    "round-list": lambda campaign, q1: reverse("scoring:round-list", args=[campaign.pk]),
    "round-detail": lambda campaign, q1: detail_url(q1),
}


@pytest.mark.parametrize("size", [3, 12])
@pytest.mark.parametrize(
    ("page", "persona", "expected"),
    [
        ("round-list", "secretary", 6),
        ("round-list", "leader", 6),
        ("round-detail", "secretary", 9),
        ("round-detail", "leader", 9),
    ],
)
def test_round_pages_run_a_fixed_number_of_queries(
    world, client_for, django_assert_num_queries, campaign, size, page, persona, expected
):
    q1 = grow(world, campaign, size)
    client = client_for(world.persona(persona))
    url = PAGES[page](campaign, q1)
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert response.status_code == 200
    if page == "round-detail":
        assert text_of(response).count('data-testid="unit-row"') == size
