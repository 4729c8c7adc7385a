"""Pages of campaigns and drives: happy paths, bad input on every form, the access matrix of
DESIGN.md §6, and query counts at two data sizes."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from blocs.models import AuditEvent
from campaigns.models import Campaign, CampaignState, Drive, Pledge, PledgeItem
from campaigns.services import campaigns as services
from campaigns.services import pledges as pledge_services

MANAGERS = ["admin", "secretary"]
READERS = ["observer", "leader", "officer"]
OUTSIDERS = ["other_secretary", "outsider", "nobody"]


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def assert_labelled(page: str, fields: dict[str, str]) -> None:
    """Every input has a visible label naming it."""
    for name, label in fields.items():
        assert re.search(rf'<label\s+for="id_{name}"[^>]*>\s*{re.escape(label)}', page), name


def make_campaign(
    world, year: int = 2024, *, state: str = CampaignState.DRAFT, bloc=None, **kwargs
) -> Campaign:
    campaign = services.campaign_create(
        bloc=bloc or world.bloc,
        year=year,
        name=f"Phong trào Thi đua Quyết thắng năm {year}",
        actor=world.admin,
        **kwargs,
    )
    if state != CampaignState.DRAFT:
        Campaign.objects.filter(pk=campaign.pk).update(state=state)
        campaign.refresh_from_db()
    return campaign


def make_drive(campaign: Campaign, name: str = "Đợt ra quân huấn luyện", **kwargs) -> Drive:
    kwargs.setdefault("starts_on", date(campaign.year, 1, 8))
    kwargs.setdefault("ends_on", date(campaign.year, 2, 20))
    return Drive.objects.create(campaign=campaign, name=name, **kwargs)


def overview_url(campaign: Campaign) -> str:
    return reverse("campaign-overview", args=[campaign.pk])


CAMPAIGN_DATA = {
    "year": "2025",
    "name": "Phong trào Thi đua Quyết thắng năm 2025",
    "theme": "Đoàn kết, kỷ cương, đột phá, sáng tạo, quyết thắng",
    "guiding_idea": "Lấy huấn luyện, sẵn sàng chiến đấu làm trọng tâm.",
    "starts_on": "01/01/2025",
    "ends_on": "31/12/2025",
    "launched_on": "",
}
DRIVE_DATA = {
    "name": "Đợt thi đua cao điểm chào mừng ngày 22/12",
    "starts_on": "15/11/2024",
    "ends_on": "22/12/2024",
    "contents": "Thi đua huấn luyện giỏi, rèn luyện kỷ luật tốt.",
    "targets": "100% nội dung huấn luyện đạt yêu cầu\n\n  An toàn   tuyệt đối \n",
}


# --- Access matrix ------------------------------------------------------------------------------


def manage_requests(world) -> list[tuple[str, str, dict]]:
    """Every management request on world.bloc's campaign of 2024, as (method, url, data)."""
    campaign = make_campaign(world, 2024)
    drive = make_drive(campaign)
    bloc_pk = world.bloc.pk
    edit = {k: v.replace("2025", "2024") for k, v in CAMPAIGN_DATA.items() if k != "year"}
    return [
        ("get", reverse("campaigns:campaign-create", args=[bloc_pk]), {}),
        ("post", reverse("campaigns:campaign-create", args=[bloc_pk]), CAMPAIGN_DATA),
        ("get", reverse("campaigns:campaign-copy", args=[bloc_pk]), {}),
        ("post", reverse("campaigns:campaign-copy", args=[bloc_pk]), {"source": campaign.pk, "year": "2025"}),
        ("get", reverse("campaigns:campaign-edit", args=[campaign.pk]), {}),
        ("post", reverse("campaigns:campaign-edit", args=[campaign.pk]), edit),
        ("post", reverse("campaigns:campaign-activate", args=[campaign.pk]), {}),
        ("post", reverse("campaigns:campaign-close", args=[campaign.pk]), {}),
        ("get", reverse("campaigns:drive-create", args=[campaign.pk]), {}),
        ("post", reverse("campaigns:drive-create", args=[campaign.pk]), DRIVE_DATA),
        ("get", reverse("campaigns:drive-edit", args=[drive.pk]), {}),
        ("post", reverse("campaigns:drive-edit", args=[drive.pk]), DRIVE_DATA),
        ("post", reverse("campaigns:drive-delete", args=[drive.pk]), {}),
    ]


def snapshot(world) -> tuple:
    """What a refused request must leave untouched."""
    return (
        list(Campaign.objects.order_by("pk").values_list("year", "name", "theme", "state", "launched_on")),
        list(Drive.objects.order_by("pk").values_list("name", "starts_on", "ends_on", "targets")),
    )


@pytest.mark.parametrize("persona", READERS)
def test_readers_of_the_bloc_get_403_on_every_management_request(world, client_for, persona):
    requests = manage_requests(world)
    before = snapshot(world)
    client = client_for(world.persona(persona))
    for method, url, data in requests:
        assert getattr(client, method)(url, data).status_code == 403, (method, url)
    assert snapshot(world) == before


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_users_who_cannot_see_the_bloc_get_404_on_every_management_request(world, client_for, persona):
    requests = manage_requests(world)
    before = snapshot(world)
    client = client_for(world.persona(persona))
    for method, url, data in requests:
        assert getattr(client, method)(url, data).status_code == 404, (method, url)
    assert snapshot(world) == before


@pytest.mark.parametrize("persona", MANAGERS)
def test_admin_and_the_bloc_secretary_may_open_every_management_page(world, client_for, persona):
    client = client_for(world.persona(persona))
    for method, url, _ in manage_requests(world):
        if method == "get":
            assert client.get(url).status_code == 200, url


def test_refused_access_is_audited(world, client_for):
    campaign = make_campaign(world)
    client_for(world.leader).post(reverse("campaigns:campaign-close", args=[campaign.pk]))
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.DENIED, actor=world.leader).exists()


def test_anonymous_visitor_is_sent_to_the_login_page(world, client):
    for url in [
        reverse("campaigns:campaign-list", args=[world.bloc.pk]),
        reverse("campaigns:campaign-create", args=[world.bloc.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


# --- List ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", [*MANAGERS, *READERS])
def test_everyone_who_sees_the_bloc_reads_its_campaigns(world, client_for, persona):
    make_campaign(world, 2024)
    response = client_for(world.persona(persona)).get(
        reverse("campaigns:campaign-list", args=[world.bloc.pk])
    )
    assert response.status_code == 200
    assert "Phong trào Thi đua Quyết thắng năm 2024" in response.content.decode()


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_others_get_404_on_the_campaign_list(world, client_for, persona):
    response = client_for(world.persona(persona)).get(
        reverse("campaigns:campaign-list", args=[world.bloc.pk])
    )
    assert response.status_code == 404


def test_list_shows_years_newest_first_with_states_and_counts(world, client_for):
    old = make_campaign(world, 2023, state=CampaignState.CLOSED, theme="Chủ đề năm 2023")
    current = make_campaign(world, 2024, state=CampaignState.ACTIVE)
    make_drive(current)
    make_drive(current, name="Đợt 2")
    pledge_services.pledge_create(campaign=current, title="Giao ước năm 2024", actor=world.admin)
    make_campaign(world, 2024, bloc=world.other_bloc)
    response = client_for(world.observer).get(reverse("campaigns:campaign-list", args=[world.bloc.pk]))
    rows = response.context["campaigns"]
    assert [(c.year, c.drive_count, c.pledge_count) for c in rows] == [(2024, 2, 1), (2023, 0, 0)]
    page = response.content.decode()
    assert page.count('data-testid="campaign-row"') == 2
    assert page.index("Đang thực hiện") < page.index("Đã kết thúc")
    assert "Chủ đề: Chủ đề năm 2023" in page
    assert f'href="{overview_url(old)}"' in page


def test_list_offers_creating_this_years_campaign_and_copying_to_managers_only(world, client_for):
    year = timezone.localdate().year
    make_campaign(world, year - 1)
    url = reverse("campaigns:campaign-list", args=[world.bloc.pk])
    page = client_for(world.secretary).get(url).content.decode()
    assert f"Tạo phong trào năm {year}" in page
    assert f"{reverse('campaigns:campaign-create', args=[world.bloc.pk])}?nam={year}" in page
    assert "Sao chép từ năm trước" in page
    make_campaign(world, year)
    assert f"Tạo phong trào năm {year + 1}" in client_for(world.secretary).get(url).content.decode()
    for persona in READERS:
        page = client_for(world.persona(persona)).get(url).content.decode()
        assert "Tạo phong trào" not in page and "Sao chép từ năm trước" not in page


def test_list_without_campaigns_says_what_to_do(world, client_for):
    url = reverse("campaigns:campaign-list", args=[world.bloc.pk])
    assert "chưa có phong trào thi đua nào" in client_for(world.admin).get(url).content.decode()
    assert (
        "Cán bộ thi đua của khối/cụm sẽ lập phong trào" in client_for(world.leader).get(url).content.decode()
    )


# --- Create --------------------------------------------------------------------------------------


def test_create_form_is_prefilled_for_the_year_asked(world, client_for):
    url = reverse("campaigns:campaign-create", args=[world.bloc.pk]) + "?nam=2026"
    page = client_for(world.secretary).get(url).content.decode()
    for value in [
        'value="2026"',
        'value="Phong trào Thi đua Quyết thắng năm 2026"',
        'value="01/01/2026"',
        'value="31/12/2026"',
    ]:
        assert value in page
    assert_labelled(
        page,
        {
            "year": "Năm",
            "name": "Tên phong trào",
            "theme": "Chủ đề",
            "guiding_idea": "Tư tưởng chỉ đạo",
            "starts_on": "Ngày bắt đầu",
            "ends_on": "Ngày kết thúc",
            "launched_on": "Ngày phát động",
        },
    )


def test_secretary_creates_a_campaign(world, client_for):
    response = client_for(world.secretary).post(
        reverse("campaigns:campaign-create", args=[world.bloc.pk]),
        {
            **CAMPAIGN_DATA,
            "name": "  Phong trào Thi đua   Quyết thắng năm 2025 ",
            "launched_on": "15/01/2025",
        },
    )
    campaign = Campaign.objects.get(bloc=world.bloc, year=2025)
    assert response.status_code == 302
    assert response["Location"] == overview_url(campaign)
    assert (campaign.name, campaign.launched_on, campaign.state) == (
        "Phong trào Thi đua Quyết thắng năm 2025",
        date(2025, 1, 15),
        CampaignState.DRAFT,
    )
    assert messages_of(response) == ["Đã tạo Phong trào Thi đua Quyết thắng năm 2025 của Khối thi đua số 2."]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": ""}, "name", "Tên phong trào không được để trống."),
        ({"name": "P" * 201}, "name", "Tên phong trào dài tối đa 200 ký tự (đang có 201 ký tự)."),
        ({"theme": "C" * 301}, "theme", "Chủ đề dài tối đa 300 ký tự (đang có 301 ký tự)."),
        (
            {"guiding_idea": "T" * 2001},
            "guiding_idea",
            "Tư tưởng chỉ đạo dài tối đa 2000 ký tự (đang có 2001 ký tự).",
        ),
        ({"year": ""}, "year", "Năm không được để trống."),
        ({"year": "hai"}, "year", "Năm phải là một số, ví dụ 2025."),
        ({"year": "1900"}, "year", "Năm phải từ 1945 trở đi."),
        ({"starts_on": ""}, "starts_on", "Ngày bắt đầu không được để trống."),
        (
            {"starts_on": "2025/13/01"},
            "starts_on",
            "Ngày bắt đầu: “2025/13/01” không đúng dạng ngày/tháng/năm (ví dụ 05/06/2025).",
        ),
        ({"ends_on": "31/02/2025"}, "ends_on", "Ngày kết thúc: Ngày “31/02/2025” không tồn tại."),
        ({"starts_on": "01/12/2024"}, "starts_on", "Ngày bắt đầu phải thuộc năm 2025."),
        ({"ends_on": "15/01/2026"}, "ends_on", "Ngày kết thúc phải thuộc năm 2025."),
        (
            {"starts_on": "01/06/2025", "ends_on": "01/03/2025"},
            "ends_on",
            "Ngày kết thúc phải sau ngày bắt đầu.",
        ),
        ({"launched_on": "20/12/2024"}, "launched_on", "Ngày phát động phải thuộc năm 2025."),
    ],
)
def test_create_refuses_bad_input_with_a_message(world, client_for, data, field, message):
    response = client_for(world.secretary).post(
        reverse("campaigns:campaign-create", args=[world.bloc.pk]), {**CAMPAIGN_DATA, **data}
    )
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert message in response.content.decode()
    assert response.content.decode().count(message) == 1
    assert not Campaign.objects.exists()


def test_create_shows_every_mistake_at_once(world, client_for):
    response = client_for(world.secretary).post(
        reverse("campaigns:campaign-create", args=[world.bloc.pk]),
        {**CAMPAIGN_DATA, "name": "", "ends_on": "31/12/2026", "launched_on": "01/01/2024"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "name": ["Tên phong trào không được để trống."],
        "ends_on": ["Ngày kết thúc phải thuộc năm 2025."],
        "launched_on": ["Ngày phát động phải thuộc năm 2025."],
    }


def test_create_refuses_a_second_campaign_of_the_year(world, client_for):
    make_campaign(world, 2025)
    response = client_for(world.secretary).post(
        reverse("campaigns:campaign-create", args=[world.bloc.pk]), CAMPAIGN_DATA
    )
    assert response.status_code == 400
    assert response.context["form"].errors["year"] == ["Khối/cụm này đã có phong trào thi đua của năm này."]
    assert Campaign.objects.filter(bloc=world.bloc, year=2025).count() == 1


def test_duplicate_year_found_only_by_the_service_is_shown_under_the_year(world, client_for, monkeypatch):
    """A campaign created by someone else after the form's check is still reported on the year."""
    from campaigns.forms import campaigns as forms_module

    monkeypatch.setattr(forms_module.CampaignForm, "clean_year", lambda self: self.cleaned_data["year"])
    make_campaign(world, 2025)
    response = client_for(world.secretary).post(
        reverse("campaigns:campaign-create", args=[world.bloc.pk]), CAMPAIGN_DATA
    )
    assert response.status_code == 400
    assert response.context["form"].errors["year"] == ["Khối/cụm này đã có phong trào thi đua của năm này."]
    assert response.context["form"].non_field_errors() == []


# --- Edit ----------------------------------------------------------------------------------------


def edit_data(**changes) -> dict:
    data = {k: v.replace("2025", "2024") for k, v in CAMPAIGN_DATA.items() if k != "year"}
    return {**data, **changes}


def test_edit_form_shows_the_current_values_without_the_year(world, client_for):
    campaign = make_campaign(world, 2024, theme="Chủ đề cũ", launched_on=date(2024, 1, 15))
    response = client_for(world.secretary).get(reverse("campaigns:campaign-edit", args=[campaign.pk]))
    page = response.content.decode()
    assert "year" not in response.context["form"].fields
    assert 'value="Chủ đề cũ"' in page and 'value="15/01/2024"' in page and 'value="31/12/2024"' in page


def test_secretary_edits_a_campaign(world, client_for):
    campaign = make_campaign(world, 2024)
    response = client_for(world.secretary).post(
        reverse("campaigns:campaign-edit", args=[campaign.pk]),
        edit_data(theme="Chủ đề mới", ends_on="30/11/2024"),
    )
    assert response.status_code == 302
    assert response["Location"] == overview_url(campaign)
    campaign.refresh_from_db()
    assert (campaign.theme, campaign.ends_on) == ("Chủ đề mới", date(2024, 11, 30))
    assert messages_of(response) == ["Đã lưu Phong trào Thi đua Quyết thắng năm 2024 của Khối thi đua số 2."]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": " "}, "name", "Tên phong trào không được để trống."),
        ({"theme": "C" * 301}, "theme", "Chủ đề dài tối đa 300 ký tự (đang có 301 ký tự)."),
        ({"starts_on": "01/01/2025"}, "starts_on", "Ngày bắt đầu phải thuộc năm 2024."),
        (
            {"starts_on": "01/07/2024", "ends_on": "30/06/2024"},
            "ends_on",
            "Ngày kết thúc phải sau ngày bắt đầu.",
        ),
    ],
)
def test_edit_refuses_bad_input_with_a_message(world, client_for, data, field, message):
    campaign = make_campaign(world, 2024)
    response = client_for(world.secretary).post(
        reverse("campaigns:campaign-edit", args=[campaign.pk]), edit_data(**data)
    )
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    campaign.refresh_from_db()
    assert (campaign.name, campaign.theme, campaign.starts_on, campaign.ends_on) == (
        "Phong trào Thi đua Quyết thắng năm 2024",
        "",
        date(2024, 1, 1),
        date(2024, 12, 31),
    )


def test_edit_refuses_dates_that_leave_a_drive_outside(world, client_for):
    campaign = make_campaign(world, 2024)
    make_drive(
        campaign, name="Đợt chào mừng ngày 22/12", starts_on=date(2024, 11, 15), ends_on=date(2024, 12, 22)
    )
    response = client_for(world.secretary).post(
        reverse("campaigns:campaign-edit", args=[campaign.pk]), edit_data(ends_on="30/11/2024")
    )
    assert response.status_code == 400
    assert (
        "Các đợt thi đua sau sẽ nằm ngoài thời gian mới của phong trào: Đợt chào mừng ngày 22/12."
        in response.content.decode()
    )
    campaign.refresh_from_db()
    assert campaign.ends_on == date(2024, 12, 31)


def test_a_closed_campaign_cannot_be_edited(world, client_for):
    campaign = make_campaign(world, 2024, state=CampaignState.CLOSED)
    client = client_for(world.secretary)
    url = reverse("campaigns:campaign-edit", args=[campaign.pk])
    assert "Phong trào đã kết thúc nên không sửa được nữa." in client.get(url).content.decode()
    response = client.post(url, edit_data(theme="Chủ đề mới"))
    assert response.status_code == 400
    assert "Phong trào đã kết thúc, không thể sửa." in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.theme == ""


# --- Activate and close ---------------------------------------------------------------------------


def test_secretary_launches_then_closes_a_campaign(world, client_for):
    campaign = make_campaign(world, 2024, launched_on=date(2024, 1, 15))
    client = client_for(world.secretary)
    response = client.post(reverse("campaigns:campaign-activate", args=[campaign.pk]))
    assert response.status_code == 302 and response["Location"] == overview_url(campaign)
    assert messages_of(response) == [
        "Đã phát động Phong trào Thi đua Quyết thắng năm 2024 của Khối thi đua số 2 (ngày phát động 15/01/2024)."
    ]
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.ACTIVE
    response = client.post(reverse("campaigns:campaign-close", args=[campaign.pk]))
    assert messages_of(response)[-1:] == [
        "Đã kết thúc Phong trào Thi đua Quyết thắng năm 2024 của Khối thi đua số 2."
    ]
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.CLOSED


@pytest.mark.parametrize(
    ("state", "action", "message"),
    [
        ("active", "campaign-activate", "Chỉ phong trào đang ở trạng thái dự thảo mới có thể phát động."),
        ("closed", "campaign-activate", "Chỉ phong trào đang ở trạng thái dự thảo mới có thể phát động."),
        ("draft", "campaign-close", "Chỉ phong trào đang thực hiện mới có thể kết thúc."),
        ("closed", "campaign-close", "Chỉ phong trào đang thực hiện mới có thể kết thúc."),
    ],
)
def test_an_illegal_transition_is_refused_with_a_message(world, client_for, state, action, message):
    campaign = make_campaign(world, 2024, state=state)
    response = client_for(world.secretary).post(reverse(f"campaigns:{action}", args=[campaign.pk]))
    assert response.status_code == 302
    assert messages_of(response) == [message]
    campaign.refresh_from_db()
    assert campaign.state == state


def test_actions_only_answer_post(world, client_for):
    campaign = make_campaign(world, 2024)
    drive = make_drive(campaign)
    client = client_for(world.secretary)
    for url in [
        reverse("campaigns:campaign-activate", args=[campaign.pk]),
        reverse("campaigns:campaign-close", args=[campaign.pk]),
        reverse("campaigns:drive-delete", args=[drive.pk]),
    ]:
        assert client.get(url).status_code == 405


# --- Copy ----------------------------------------------------------------------------------------


def year_with_content(world, year: int = 2024) -> Campaign:
    campaign = make_campaign(world, year, theme="Đoàn kết, kỷ cương")
    make_drive(
        campaign,
        name="Đợt ra quân",
        starts_on=date(year, 1, 8),
        ends_on=date(year, 2, 29),
        targets=["A", "B"],
    )
    pledge = pledge_services.pledge_create(
        campaign=campaign, title=f"Giao ước thi đua năm {year}", actor=world.admin
    )
    pledge_services.pledge_item_add(pledge=pledge, content="100% quân số khỏe", actor=world.admin)
    return campaign


def test_copy_page_previews_the_latest_year_into_the_next(world, client_for):
    year_with_content(world, 2020)
    source = year_with_content(world, 2024)
    response = client_for(world.secretary).get(reverse("campaigns:campaign-copy", args=[world.bloc.pk]))
    assert response.status_code == 200
    form = response.context["form"]
    assert (form.initial["source"], form.initial["year"]) == (source.pk, max(2025, timezone.localdate().year))
    page = response.content.decode()
    assert 'data-testid="copy-preview"' in page
    assert "Đợt ra quân" in page and "08/01/2024 – 29/02/2024" in page
    assert "Giao ước thi đua năm" in page and "1 mục nội dung" in page
    assert_labelled(page, {"source": "Sao chép từ phong trào", "year": "Năm của phong trào mới"})


def test_preview_button_shows_the_chosen_year_without_copying(world, client_for):
    source = year_with_content(world, 2024)
    response = client_for(world.secretary).post(
        reverse("campaigns:campaign-copy", args=[world.bloc.pk]),
        {"source": source.pk, "year": "2025", "xem": "1"},
    )
    assert response.status_code == 200
    preview = response.context["preview"]
    assert (preview.new_name, [(d.new_starts_on, d.new_ends_on) for d in preview.drives]) == (
        "Phong trào Thi đua Quyết thắng năm 2025",
        [(date(2025, 1, 8), date(2025, 2, 28))],
    )
    assert "08/01/2025 – 28/02/2025" in response.content.decode()
    assert Campaign.objects.count() == 1


def test_secretary_copies_last_year(world, client_for):
    source = year_with_content(world, 2024)
    response = client_for(world.secretary).post(
        reverse("campaigns:campaign-copy", args=[world.bloc.pk]), {"source": source.pk, "year": "2025"}
    )
    copy = Campaign.objects.get(bloc=world.bloc, year=2025)
    assert response.status_code == 302
    assert response["Location"] == overview_url(copy)
    assert messages_of(response) == [
        "Đã tạo Phong trào Thi đua Quyết thắng năm 2025 của Khối thi đua số 2 từ phong trào năm 2024: "
        "1 đợt thi đua, 1 giao ước (dự thảo)."
    ]
    assert (copy.theme, copy.copied_from_id) == ("Đoàn kết, kỷ cương", source.pk)
    assert list(copy.drives.values_list("starts_on", "ends_on")) == [(date(2025, 1, 8), date(2025, 2, 28))]
    assert list(PledgeItem.objects.filter(pledge__campaign=copy).values_list("content", flat=True)) == [
        "100% quân số khỏe"
    ]


@pytest.mark.parametrize(
    ("year", "field", "message"),
    [
        ("2025", "year", "Khối/cụm này đã có phong trào thi đua của năm này."),
        ("2023", "year", "Năm của phong trào mới phải sau năm của phong trào được sao chép (2024)."),
        ("", "year", "Năm của phong trào mới không được để trống."),
        ("abc", "year", "Năm phải là một số, ví dụ 2025."),
    ],
)
def test_copy_refuses_a_bad_year(world, client_for, year, field, message):
    source = year_with_content(world, 2024)
    make_campaign(world, 2025)
    response = client_for(world.secretary).post(
        reverse("campaigns:campaign-copy", args=[world.bloc.pk]), {"source": source.pk, "year": year}
    )
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert message in response.content.decode()
    assert Campaign.objects.count() == 2


def test_copy_refuses_a_campaign_of_another_bloc(world, client_for):
    make_campaign(world, 2023)
    foreign = make_campaign(world, 2024, bloc=world.other_bloc)
    response = client_for(world.admin).post(
        reverse("campaigns:campaign-copy", args=[world.bloc.pk]), {"source": foreign.pk, "year": "2025"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["source"] == [
        "Phong trào để sao chép phải là một phong trào của khối/cụm này."
    ]
    assert not Campaign.objects.filter(year=2025).exists()


def test_copy_page_without_a_campaign_says_what_to_do(world, client_for):
    page = (
        client_for(world.secretary)
        .get(reverse("campaigns:campaign-copy", args=[world.bloc.pk]))
        .content.decode()
    )
    assert "chưa có phong trào nào để sao chép" in page


# --- Drives --------------------------------------------------------------------------------------


def test_secretary_adds_a_drive_with_one_target_per_line(world, client_for):
    campaign = make_campaign(world, 2024)
    response = client_for(world.secretary).post(
        reverse("campaigns:drive-create", args=[campaign.pk]), DRIVE_DATA
    )
    drive = Drive.objects.get(campaign=campaign)
    assert response.status_code == 302
    assert response["Location"] == overview_url(campaign) + "#dot-thi-dua"
    assert (drive.name, drive.starts_on, drive.ends_on, drive.targets) == (
        "Đợt thi đua cao điểm chào mừng ngày 22/12",
        date(2024, 11, 15),
        date(2024, 12, 22),
        ["100% nội dung huấn luyện đạt yêu cầu", "An toàn tuyệt đối"],
    )
    assert messages_of(response) == [
        "Đã thêm Đợt thi đua cao điểm chào mừng ngày 22/12 (15/11/2024 – 22/12/2024) vào "
        "Phong trào Thi đua Quyết thắng năm 2024 của Khối thi đua số 2."
    ]


def test_overlapping_drives_are_allowed(world, client_for):
    campaign = make_campaign(world, 2024)
    make_drive(campaign, starts_on=date(2024, 11, 1), ends_on=date(2024, 12, 31))
    response = client_for(world.secretary).post(
        reverse("campaigns:drive-create", args=[campaign.pk]), DRIVE_DATA
    )
    assert response.status_code == 302
    assert campaign.drives.count() == 2


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": ""}, "name", "Tên đợt thi đua không được để trống."),
        ({"name": "Đ" * 201}, "name", "Tên đợt thi đua dài tối đa 200 ký tự (đang có 201 ký tự)."),
        ({"contents": "N" * 5001}, "contents", "Nội dung dài tối đa 5000 ký tự (đang có 5001 ký tự)."),
        ({"starts_on": ""}, "starts_on", "Ngày bắt đầu không được để trống."),
        (
            {"ends_on": "22-12"},
            "ends_on",
            "Ngày kết thúc: “22-12” không đúng dạng ngày/tháng/năm (ví dụ 05/06/2025).",
        ),
        (
            {"starts_on": "20/12/2023"},
            "starts_on",
            "Ngày bắt đầu đợt phải nằm trong thời gian của phong trào (01/03/2024 – 30/11/2024).",
        ),
        (
            {"ends_on": "22/12/2024"},
            "ends_on",
            "Ngày kết thúc đợt phải nằm trong thời gian của phong trào (01/03/2024 – 30/11/2024).",
        ),
        (
            {"starts_on": "10/11/2024", "ends_on": "01/11/2024"},
            "ends_on",
            "Ngày kết thúc đợt phải sau hoặc bằng ngày bắt đầu.",
        ),
        (
            {"targets": "Chỉ tiêu ngắn\n" + "C" * 301},
            "targets",
            "Chỉ tiêu thứ 2 dài tối đa 300 ký tự (đang có 301 ký tự).",
        ),
        (
            {"targets": "\n".join(f"Chỉ tiêu {n}" for n in range(31))},
            "targets",
            "Danh sách chỉ tiêu có tối đa 30 dòng (đang có 31 dòng).",
        ),
    ],
)
def test_drive_form_refuses_bad_input_with_a_message(world, client_for, data, field, message):
    campaign = make_campaign(world, 2024, starts_on=date(2024, 3, 1), ends_on=date(2024, 11, 30))
    response = client_for(world.secretary).post(
        reverse("campaigns:drive-create", args=[campaign.pk]),
        {**DRIVE_DATA, "starts_on": "01/11/2024", "ends_on": "20/11/2024", **data},
    )
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert message in response.content.decode()
    assert not Drive.objects.exists()


def test_drive_form_shows_every_mistake_at_once(world, client_for):
    campaign = make_campaign(world, 2024)
    response = client_for(world.secretary).post(
        reverse("campaigns:drive-create", args=[campaign.pk]),
        {**DRIVE_DATA, "name": "", "starts_on": "01/12/2023", "targets": "C" * 301},
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"name", "starts_on", "targets"}


def test_no_drive_can_be_added_to_a_closed_campaign(world, client_for):
    campaign = make_campaign(world, 2024, state=CampaignState.CLOSED)
    client = client_for(world.secretary)
    url = reverse("campaigns:drive-create", args=[campaign.pk])
    assert "không thêm hay sửa đợt thi đua được nữa" in client.get(url).content.decode()
    response = client.post(url, DRIVE_DATA)
    assert response.status_code == 400
    assert "Phong trào đã kết thúc, không thể thêm đợt thi đua." in response.content.decode()
    assert not Drive.objects.exists()


def test_secretary_edits_a_drive(world, client_for):
    campaign = make_campaign(world, 2024)
    drive = make_drive(campaign, targets=["Chỉ tiêu 1", "Chỉ tiêu 2"])
    client = client_for(world.secretary)
    url = reverse("campaigns:drive-edit", args=[drive.pk])
    page = client.get(url).content.decode()
    assert "Chỉ tiêu 1\nChỉ tiêu 2</textarea>" in page
    assert_labelled(
        page,
        {
            "name": "Tên đợt thi đua",
            "starts_on": "Ngày bắt đầu",
            "ends_on": "Ngày kết thúc",
            "contents": "Nội dung",
            "targets": "Chỉ tiêu",
        },
    )
    assert 'value="08/01/2024"' in page
    response = client.post(url, {**DRIVE_DATA, "targets": "Chỉ tiêu 3"})
    assert response.status_code == 302
    drive.refresh_from_db()
    assert (drive.name, drive.targets) == ("Đợt thi đua cao điểm chào mừng ngày 22/12", ["Chỉ tiêu 3"])
    assert messages_of(response) == [
        "Đã lưu Đợt thi đua cao điểm chào mừng ngày 22/12 (15/11/2024 – 22/12/2024) của "
        "Phong trào Thi đua Quyết thắng năm 2024."
    ]


def test_drive_edit_refuses_a_drive_moved_outside_its_campaign(world, client_for):
    campaign = make_campaign(world, 2024)
    drive = make_drive(campaign)
    response = client_for(world.secretary).post(
        reverse("campaigns:drive-edit", args=[drive.pk]), {**DRIVE_DATA, "ends_on": "10/01/2025"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["ends_on"] == [
        "Ngày kết thúc đợt phải nằm trong thời gian của phong trào (01/01/2024 – 31/12/2024)."
    ]
    drive.refresh_from_db()
    assert drive.ends_on == date(2024, 2, 20)


def test_secretary_deletes_a_drive_after_confirming(world, client_for):
    campaign = make_campaign(world, 2024)
    drive = make_drive(campaign)
    client = client_for(world.secretary)
    url = reverse("campaigns:drive-delete", args=[drive.pk])
    page = client.get(overview_url(campaign)).content.decode()
    assert f'action="{url}" data-confirm="Xóa Đợt ra quân huấn luyện (08/01/2024 – 20/02/2024)?' in page
    response = client.post(url)
    assert response.status_code == 302
    assert not Drive.objects.filter(pk=drive.pk).exists()
    assert messages_of(response) == [
        "Đã xóa Đợt ra quân huấn luyện khỏi Phong trào Thi đua Quyết thắng năm 2024 của Khối thi đua số 2."
    ]


def test_a_drive_with_a_pledge_is_not_deleted(world, client_for):
    campaign = make_campaign(world, 2024)
    drive = make_drive(campaign)
    pledge_services.pledge_create(
        campaign=campaign, title="Giao ước đợt ra quân", period="drive", drive=drive, actor=world.admin
    )
    response = client_for(world.secretary).post(reverse("campaigns:drive-delete", args=[drive.pk]))
    assert response.status_code == 302
    assert messages_of(response) == ["Đợt thi đua đã có giao ước, không thể xóa."]
    assert Drive.objects.filter(pk=drive.pk).exists()


def test_a_drive_of_another_bloc_is_not_found(world, client_for):
    foreign = make_drive(make_campaign(world, 2024, bloc=world.other_bloc))
    client = client_for(world.secretary)
    assert client.get(reverse("campaigns:drive-edit", args=[foreign.pk])).status_code == 404
    assert client.post(reverse("campaigns:drive-delete", args=[foreign.pk])).status_code == 404
    assert Drive.objects.filter(pk=foreign.pk).exists()


# --- Query counts --------------------------------------------------------------------------------


def grow(world, n: int) -> Campaign:
    """n campaigns of world.bloc (the latest with n drives and n pledges with items), and n
    more campaigns in other blocs."""
    latest = None
    for year in range(2024 - n + 1, 2025):
        latest = make_campaign(world, year)
    for index in range(n):
        make_drive(
            latest,
            name=f"Đợt {index}",
            starts_on=date(2024, 1 + index % 12, 1),
            ends_on=date(2024, 1 + index % 12, 20),
        )
        pledge = Pledge.objects.create(campaign=latest, title=f"Giao ước {index}")
        PledgeItem.objects.create(pledge=pledge, position=1, content="Nội dung")
        make_campaign(world, 2000 + index, bloc=world.other_bloc)
    return latest


# Every page pays 3 queries of its own: session and user, the navigation's roles (the session
# is saved again at most once a minute, thidua/lib/sessions.py).
PAGES = {
    # name: (persona, url builder, expected queries)
    "list": ("secretary", lambda w, c: reverse("campaigns:campaign-list", args=[w.bloc.pk]), 7),
    "list-reader": ("leader", lambda w, c: reverse("campaigns:campaign-list", args=[w.bloc.pk]), 6),
    "create": ("secretary", lambda w, c: reverse("campaigns:campaign-create", args=[w.bloc.pk]), 6),
    "edit": ("secretary", lambda w, c: reverse("campaigns:campaign-edit", args=[c.pk]), 5),
    "copy": ("secretary", lambda w, c: reverse("campaigns:campaign-copy", args=[w.bloc.pk]), 9),
    "drive-create": ("secretary", lambda w, c: reverse("campaigns:drive-create", args=[c.pk]), 5),
    "drive-edit": ("admin", lambda w, c: reverse("campaigns:drive-edit", args=[c.drives.first().pk]), 4),
}


@pytest.mark.parametrize("size", [2, 12])
@pytest.mark.parametrize("name", list(PAGES))
def test_pages_run_a_fixed_number_of_queries(world, client_for, django_assert_num_queries, name, size):
    campaign = grow(world, size)
    persona, url_for, expected = PAGES[name]
    client = client_for(world.persona(persona))
    url = url_for(world, campaign)
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert response.status_code == 200
