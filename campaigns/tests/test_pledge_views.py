"""Pages of pledges: drafting, opening, signing, the board, verification, revoking, closing
and the print copy — happy paths, bad input, the access matrix of DESIGN.md §6, the freeze
of an opened pledge through every edit page, and query counts at two data sizes."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from blocs.models import AuditEvent, Membership
from blocs.tests.factories import AssignmentFactory, MembershipFactory, UnitFactory, UserFactory
from campaigns.models import (
    Pledge,
    PledgeItem,
    PledgeRegistration,
    PledgeSignature,
    PledgeState,
    SignatureKind,
)
from campaigns.selectors.pledges import pending_pledges_for
from campaigns.services import campaigns as campaign_services
from campaigns.services import pledges as services

PASSWORD = "Mat-khau-123"
MANAGERS = ["admin", "secretary"]
NON_MANAGERS = ["observer", "leader", "officer"]
OUTSIDERS = ["other_secretary", "outsider", "nobody"]
FROZEN_WORDS = "đã được niêm phong"


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def text_of(response) -> str:
    return response.content.decode()


@pytest.fixture
def campaign(world):
    return campaign_services.campaign_create(
        bloc=world.bloc, year=2025, name="Phong trào Thi đua Quyết thắng năm 2025", actor=world.admin
    )


def make_pledge(world, campaign, *, items: int = 2, opened: bool = False) -> Pledge:
    pledge = services.pledge_create(
        campaign=campaign,
        title="Giao ước thi đua năm 2025",
        preamble="Thực hiện Kế hoạch phát động Phong trào Thi đua Quyết thắng năm 2025.",
        actor=world.secretary,
    )
    for index in range(1, items + 1):
        services.pledge_item_add(
            pledge=pledge,
            content=f"Nội dung {index}",
            indicator="Tỷ lệ quân số khỏe",
            unit_of_measure="%",
            target_value=Decimal("98.5"),
            actor=world.secretary,
        )
    services.pledge_registration_add(
        pledge=pledge, unit=world.unit_a, title="Đơn vị Quyết thắng", actor=world.secretary
    )
    if opened:
        pledge = services.pledge_open(pledge=pledge, actor=world.secretary)
    return pledge


@pytest.fixture
def draft(world, campaign) -> Pledge:
    return make_pledge(world, campaign)


@pytest.fixture
def opened(world, campaign) -> Pledge:
    return make_pledge(world, campaign, opened=True)


def sign(pledge, leader, unit) -> PledgeSignature:
    return services.pledge_sign(pledge=pledge, unit=unit, password=PASSWORD, ip="10.0.0.1", actor=leader)


def url(name: str, *args) -> str:
    return reverse(f"campaigns:{name}", args=args)


def snapshot(pledge: Pledge) -> tuple:
    """What a refused request must leave untouched."""
    pledge = Pledge.objects.get(pk=pledge.pk)
    return (
        pledge.title,
        pledge.preamble,
        pledge.period,
        pledge.state,
        pledge.content_hash,
        list(
            PledgeItem.objects.filter(pledge=pledge).order_by("position").values_list("position", "content")
        ),
        list(PledgeRegistration.objects.filter(pledge=pledge).order_by("pk").values_list("unit_id", "title")),
        Pledge.objects.filter(campaign=pledge.campaign).count(),
        PledgeSignature.objects.filter(pledge=pledge).count(),
    )


def edit_requests(world, pledge) -> list[tuple[str, str, dict]]:
    """Every page that changes a pledge's content, as (method, url, data)."""
    item = pledge.items.order_by("position").first()
    registration = pledge.registrations.first()
    pk = pledge.pk
    return [
        ("get", url("pledge-edit", pk), {}),
        ("post", url("pledge-edit", pk), {"title": "Tiêu đề mới", "period": "year"}),
        ("get", url("pledge-item-add", pk), {}),
        ("post", url("pledge-item-add", pk), {"content": "Mục thêm", "comparison": "gte"}),
        ("get", url("pledge-item-edit", pk, item.pk), {}),
        ("post", url("pledge-item-edit", pk, item.pk), {"content": "Đã sửa", "comparison": "gte"}),
        ("post", url("pledge-item-delete", pk, item.pk), {}),
        ("post", url("pledge-item-down", pk, item.pk), {}),
        ("post", url("pledge-item-up", pk, item.pk), {}),
        ("get", url("pledge-registration-add", pk), {}),
        ("post", url("pledge-registration-add", pk), {"unit": world.unit_b.pk, "title": "Đơn vị tiên tiến"}),
        ("post", url("pledge-registration-remove", pk, registration.pk), {}),
        ("post", url("pledge-open", pk), {}),
    ]


def manage_requests(world, pledge) -> list[tuple[str, str, dict]]:
    return [
        ("get", url("pledge-create", pledge.campaign_id), {}),
        ("post", url("pledge-create", pledge.campaign_id), {"title": "Giao ước mới", "period": "year"}),
        *edit_requests(world, pledge),
        ("get", url("pledge-open", pledge.pk), {}),
        ("get", url("pledge-revoke", pledge.pk), {}),
        ("post", url("pledge-revoke", pledge.pk), {"reason": "Sửa chỉ tiêu"}),
        ("post", url("pledge-close", pledge.pk), {}),
    ]


def read_urls(pledge) -> list[str]:
    return [
        url("pledge-list", pledge.campaign_id),
        url("pledge-detail", pledge.pk),
        url("pledge-board", pledge.pk),
        url("pledge-verify", pledge.pk),
        url("pledge-print", pledge.pk),
    ]


# --- Access matrix ------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", NON_MANAGERS)
@pytest.mark.parametrize("state", ["draft", "opened"])
def test_readers_who_may_not_manage_get_403_on_every_drafting_page(
    world, campaign, client_for, persona, state
):
    pledge = make_pledge(world, campaign, opened=state == "opened")
    before = snapshot(pledge)
    client = client_for(world.persona(persona))
    for method, address, data in manage_requests(world, pledge):
        response = getattr(client, method)(address, data)
        assert response.status_code == 403, (method, address)
    assert snapshot(pledge) == before


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_users_who_cannot_see_the_bloc_get_404_everywhere(world, opened, client_for, persona):
    before = snapshot(opened)
    client = client_for(world.persona(persona))
    for method, address, data in manage_requests(world, opened):
        assert getattr(client, method)(address, data).status_code == 404, (method, address)
    for address in [
        *read_urls(opened),
        url("pledge-sign", opened.pk),
        url("pledge-witness", opened.pk),
    ]:
        assert client.get(address).status_code == 404, address
    assert snapshot(opened) == before


@pytest.mark.parametrize("persona", ["admin", "secretary", *NON_MANAGERS])
def test_everyone_who_sees_the_bloc_reads_every_pledge_page(world, opened, client_for, persona):
    client = client_for(world.persona(persona))
    for address in read_urls(opened):
        response = client.get(address)
        assert response.status_code == 200, address
        assert "Giao ước thi đua năm 2025" in text_of(response)


@pytest.mark.parametrize("persona", NON_MANAGERS)
def test_leaders_officers_and_observers_may_read_drafts(world, draft, client_for, persona):
    response = client_for(world.persona(persona)).get(url("pledge-detail", draft.pk))
    assert response.status_code == 200
    assert "Nội dung 2" in text_of(response)
    assert url("pledge-edit", draft.pk) not in text_of(response)
    assert "data-confirm" not in text_of(response)


def test_anonymous_visitor_is_sent_to_the_login_page(opened, client):
    for address in [*read_urls(opened), url("pledge-sign", opened.pk)]:
        response = client.get(address)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_denied_drafting_is_audited(world, draft, client_for):
    client_for(world.leader).post(url("pledge-open", draft.pk))
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.DENIED, actor=world.leader).exists()


def test_unknown_campaign_and_pledge_give_404(world, client_for):
    client = client_for(world.admin)
    assert client.get(url("pledge-list", 99999)).status_code == 404
    assert client.get(url("pledge-detail", 99999)).status_code == 404


# --- List and detail ----------------------------------------------------------------------------


def test_list_shows_every_version_of_the_campaign_pledges(world, opened, client_for):
    successor = services.pledge_revoke(pledge=opened, reason="Sửa mục 2", actor=world.secretary)
    response = client_for(world.leader).get(url("pledge-list", opened.campaign_id))
    assert response.status_code == 200
    assert [p.pk for p in response.context["pledges"]] == [opened.pk, successor.pk]
    page = text_of(response)
    assert "Đã thu hồi" in page
    assert "Dự thảo" in page


def test_detail_of_a_draft_offers_the_managers_edit_forms(world, draft, client_for):
    page = text_of(client_for(world.secretary).get(url("pledge-detail", draft.pk)))
    for name in ["pledge-edit", "pledge-item-add", "pledge-registration-add", "pledge-open"]:
        assert url(name, draft.pk) in page
    assert 'name="target_value"' in page
    assert "Quân khu 1" in page  # the registration and the unit choice


def test_detail_of_an_open_pledge_shows_the_seal_and_no_edit_form(world, opened, client_for):
    page = text_of(client_for(world.secretary).get(url("pledge-detail", opened.pk)))
    assert opened.content_hash in page
    assert opened.short_code in page
    assert "0/3" in page
    assert url("pledge-edit", opened.pk) not in page
    assert url("pledge-item-add", opened.pk) not in page
    assert url("pledge-revoke", opened.pk) in page


def test_detail_offers_the_sign_button_to_leaders_of_a_party_only(world, opened, client_for):
    assert url("pledge-sign", opened.pk) in text_of(
        client_for(world.leader).get(url("pledge-detail", opened.pk))
    )
    officer_page = text_of(client_for(world.officer).get(url("pledge-detail", opened.pk)))
    assert url("pledge-sign", opened.pk) not in officer_page


# --- Drafting: create and edit ------------------------------------------------------------------


def test_secretary_creates_a_pledge(world, campaign, client_for):
    response = client_for(world.secretary).post(
        url("pledge-create", campaign.pk),
        {"title": "Giao ước  thi đua năm 2025", "period": "h1", "preamble": "Căn cứ"},
    )
    pledge = Pledge.objects.get(campaign=campaign)
    assert response.status_code == 302
    assert response["Location"] == url("pledge-detail", pledge.pk)
    assert pledge.state == PledgeState.DRAFT
    assert pledge.period == "h1"
    assert pledge.title == "Giao ước thi đua năm 2025"


def test_a_drive_pledge_names_its_drive(world, campaign, client_for):
    drive = campaign_services.drive_create(
        campaign=campaign,
        name="Mừng Đảng, mừng xuân",
        starts_on=campaign.starts_on,
        ends_on=campaign.starts_on + timedelta(days=30),
        actor=world.admin,
    )
    client = client_for(world.secretary)
    response = client.post(url("pledge-create", campaign.pk), {"title": "Giao ước đợt 1", "period": "drive"})
    assert response.status_code == 400
    assert "phải chọn đợt thi đua" in text_of(response)
    response = client.post(
        url("pledge-create", campaign.pk), {"title": "Giao ước đợt 1", "period": "drive", "drive": drive.pk}
    )
    assert response.status_code == 302
    assert Pledge.objects.get(campaign=campaign).drive == drive


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "", "period": "year"}, "Tiêu đề không được để trống."),
        ({"title": "x" * 251, "period": "year"}, "Tiêu đề dài tối đa 250 ký tự"),
        (
            {"title": "Giao ước", "period": "year", "preamble": "x" * 10001},
            "Lời mở đầu dài tối đa 10000 ký tự",
        ),
        ({"title": "Giao ước", "period": "quy"}, "Thời gian giao ước “quy” không hợp lệ"),
        (
            {"title": "Giao ước", "period": "year", "drive": "99999"},
            "Đợt thi đua đã chọn không thuộc phong trào này.",
        ),
    ],
)
def test_bad_pledge_input_is_refused_with_a_message(world, campaign, client_for, data, message):
    response = client_for(world.secretary).post(url("pledge-create", campaign.pk), data)
    assert response.status_code == 400
    assert message in text_of(response)
    assert not Pledge.objects.exists()


def test_secretary_edits_a_draft(world, draft, client_for):
    response = client_for(world.secretary).post(
        url("pledge-edit", draft.pk), {"title": "Giao ước sửa", "period": "h2", "preamble": "Mới"}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.title, draft.period, draft.preamble) == ("Giao ước sửa", "h2", "Mới")


def test_editing_with_bad_input_changes_nothing(world, draft, client_for):
    before = snapshot(draft)
    response = client_for(world.secretary).post(url("pledge-edit", draft.pk), {"title": "", "period": "year"})
    assert response.status_code == 400
    assert "Tiêu đề không được để trống." in text_of(response)
    assert snapshot(draft) == before


# --- Drafting: items ----------------------------------------------------------------------------


def test_item_with_a_decimal_comma_is_added_at_the_end(world, draft, client_for):
    response = client_for(world.secretary).post(
        url("pledge-item-add", draft.pk),
        {
            "content": "Quân số khỏe",
            "indicator": "Tỷ lệ quân số khỏe",
            "unit_of_measure": "%",
            "comparison": "gte",
            "target_value": "98,5",
        },
    )
    assert response.status_code == 302
    item = draft.items.get(position=3)
    assert item.target_value == Decimal("98.5")
    assert item.target_display == "≥ 98,5 %"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"content": ""}, "Nội dung không được để trống."),
        ({"content": "x" * 2001}, "Nội dung dài tối đa 2000 ký tự"),
        ({"content": "Mục", "indicator": "x" * 301}, "Chỉ tiêu dài tối đa 300 ký tự"),
        ({"content": "Mục", "unit_of_measure": "x" * 51}, "Đơn vị tính dài tối đa 50 ký tự"),
        ({"content": "Mục", "target_value": "chín mươi"}, "không phải là số"),
        ({"content": "Mục", "target_value": "-1"}, "Giá trị chỉ tiêu không được âm"),
        ({"content": "Mục", "target_value": "98,555"}, "tối đa 2 chữ số sau dấu phẩy"),
        ({"content": "Mục", "target_value": "12345678901"}, "tối đa 10 chữ số trước dấu phẩy"),
        ({"content": "Mục", "comparison": "lt"}, "So sánh “lt” không hợp lệ"),
    ],
)
def test_bad_item_input_is_refused_with_a_message(world, draft, client_for, data, message):
    before = snapshot(draft)
    response = client_for(world.secretary).post(
        url("pledge-item-add", draft.pk), {"comparison": "gte", **data}
    )
    assert response.status_code == 400
    assert message in text_of(response)
    assert snapshot(draft) == before


def test_item_is_edited(world, draft, client_for):
    item = draft.items.get(position=2)
    response = client_for(world.secretary).post(
        url("pledge-item-edit", draft.pk, item.pk),
        {"content": "Tuyệt đối an toàn", "comparison": "eq", "target_value": "0", "unit_of_measure": "vụ"},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.content, item.target_value, item.unit_of_measure) == ("Tuyệt đối an toàn", 0, "vụ")


def test_item_of_another_pledge_is_not_found(world, campaign, draft, client_for):
    other = make_pledge(world, campaign, items=1)
    foreign = other.items.get()
    client = client_for(world.secretary)
    assert client.get(url("pledge-item-edit", draft.pk, foreign.pk)).status_code == 404
    assert client.post(url("pledge-item-delete", draft.pk, foreign.pk)).status_code == 404
    assert client.post(url("pledge-item-up", draft.pk, foreign.pk)).status_code == 404
    assert PledgeItem.objects.filter(pk=foreign.pk).exists()


def test_deleting_an_item_renumbers_the_rest(world, campaign, client_for):
    pledge = make_pledge(world, campaign, items=3)
    first = pledge.items.get(position=1)
    response = client_for(world.secretary).post(url("pledge-item-delete", pledge.pk, first.pk))
    assert response.status_code == 302
    assert list(pledge.items.order_by("position").values_list("position", "content")) == [
        (1, "Nội dung 2"),
        (2, "Nội dung 3"),
    ]


def test_moving_items_with_a_full_page_post(world, draft, client_for):
    second = draft.items.get(position=2)
    response = client_for(world.secretary).post(url("pledge-item-up", draft.pk, second.pk))
    assert response.status_code == 302
    assert list(draft.items.order_by("position").values_list("content", flat=True)) == [
        "Nội dung 2",
        "Nội dung 1",
    ]


def test_moving_items_with_htmx_returns_the_items_table(world, draft, client_for):
    first = draft.items.get(position=1)
    response = client_for(world.secretary).post(
        url("pledge-item-down", draft.pk, first.pk), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    page = text_of(response)
    assert 'id="pledge-items"' in page
    assert "<html" not in page
    assert page.index("Nội dung 2") < page.index("Nội dung 1")


def test_moving_the_last_item_down_changes_nothing(world, draft, client_for):
    last = draft.items.get(position=2)
    client_for(world.secretary).post(url("pledge-item-down", draft.pk, last.pk))
    assert list(draft.items.order_by("position").values_list("content", flat=True)) == [
        "Nội dung 1",
        "Nội dung 2",
    ]


# --- Drafting: registrations --------------------------------------------------------------------


def test_member_unit_registers_for_a_title(world, draft, client_for):
    response = client_for(world.secretary).post(
        url("pledge-registration-add", draft.pk),
        {"unit": world.unit_b.pk, "title": "Cờ thi đua của Bộ Quốc phòng"},
    )
    assert response.status_code == 302
    assert draft.registrations.filter(unit=world.unit_b, title="Cờ thi đua của Bộ Quốc phòng").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"unit": "other_unit", "title": "Đơn vị tiên tiến"}, "không phải là thành viên hiện tại"),
        ({"unit": "unit_b", "title": ""}, "Danh hiệu đăng ký không được để trống."),
        ({"unit": "unit_b", "title": "x" * 201}, "Danh hiệu đăng ký dài tối đa 200 ký tự"),
        ({"unit": "", "title": "Đơn vị tiên tiến"}, "Chọn đơn vị đăng ký."),
        ({"unit": "unit_a", "title": "Đơn vị Quyết thắng"}, "Đơn vị đã đăng ký danh hiệu này."),
    ],
)
def test_bad_registration_is_refused_with_a_message(world, draft, client_for, data, message):
    data = {**data, "unit": world.persona(data["unit"]).pk if data["unit"] else ""}
    before = snapshot(draft)
    response = client_for(world.secretary).post(url("pledge-registration-add", draft.pk), data)
    assert response.status_code == 400
    assert message in text_of(response)
    assert snapshot(draft) == before


def test_a_unit_that_left_the_bloc_cannot_register(world, draft, client_for):
    Membership.objects.filter(bloc=world.bloc, unit=world.unit_b).update(
        left_on=timezone.localdate() - timedelta(days=1)
    )
    response = client_for(world.secretary).post(
        url("pledge-registration-add", draft.pk), {"unit": world.unit_b.pk, "title": "Đơn vị tiên tiến"}
    )
    assert response.status_code == 400
    assert "không phải là thành viên hiện tại" in text_of(response)


def test_registration_is_removed(world, draft, client_for):
    registration = draft.registrations.get()
    response = client_for(world.secretary).post(url("pledge-registration-remove", draft.pk, registration.pk))
    assert response.status_code == 302
    assert not draft.registrations.exists()


# --- Opening ------------------------------------------------------------------------------------


def test_open_page_previews_the_parties_and_asks_before_freezing(world, draft, client_for):
    response = client_for(world.secretary).get(url("pledge-open", draft.pk))
    assert response.status_code == 200
    page = text_of(response)
    assert [u.name for u in response.context["parties"]] == ["Quân khu 1", "Quân khu 2", "Quân khu 3"]
    assert (
        f'data-confirm="Niêm phong và mở ký “{draft.title}”? Sau khi mở ký, nội dung giao ước không sửa được nữa."'
        in page
    )


def test_opening_freezes_the_content(world, draft, client_for):
    response = client_for(world.secretary).post(url("pledge-open", draft.pk))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.state == PledgeState.OPEN
    assert len(draft.content_hash) == 64
    assert draft.short_code in messages_of(response)[0]


def test_a_pledge_without_items_cannot_be_opened(world, campaign, client_for):
    pledge = make_pledge(world, campaign, items=0)
    response = client_for(world.secretary).post(url("pledge-open", pledge.pk))
    assert response.status_code == 400
    assert "chưa có nội dung nào" in text_of(response)
    pledge.refresh_from_db()
    assert pledge.state == PledgeState.DRAFT


# --- The freeze: no edit through any page -------------------------------------------------------


@pytest.mark.parametrize("persona", MANAGERS)
def test_every_edit_page_refuses_an_open_pledge(world, opened, client_for, persona):
    before = snapshot(opened)
    client = client_for(world.persona(persona))
    for method, address, data in edit_requests(world, opened):
        response = getattr(client, method)(address, data)
        assert response.status_code == 400, (method, address)
        assert FROZEN_WORDS in text_of(response), (method, address)
    assert snapshot(opened) == before


def test_every_edit_page_refuses_a_signed_and_a_revoked_pledge(world, opened, client_for):
    sign(opened, world.leader, world.unit_a)
    services.pledge_revoke(pledge=opened, reason="Sửa mục 2", actor=world.secretary)
    before = snapshot(opened)
    client = client_for(world.secretary)
    for method, address, data in edit_requests(world, opened):
        response = getattr(client, method)(address, data)
        assert response.status_code == 400, (method, address)
    assert snapshot(opened) == before


def test_htmx_move_on_a_frozen_pledge_is_refused(world, opened, client_for):
    item = opened.items.get(position=2)
    response = client_for(world.secretary).post(
        url("pledge-item-up", opened.pk, item.pk), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400
    assert list(opened.items.order_by("position").values_list("content", flat=True)) == [
        "Nội dung 1",
        "Nội dung 2",
    ]


# --- Signing ------------------------------------------------------------------------------------


def test_sign_page_shows_what_is_signed_and_the_honest_note(world, opened, client_for):
    response = client_for(world.leader).get(url("pledge-sign", opened.pk))
    assert response.status_code == 200
    page = text_of(response)
    assert opened.short_code in page
    assert opened.content_hash in page
    assert "Nội dung 2" in page
    assert "Mật khẩu đăng nhập (xác nhận ký)" in page
    assert "không phải chữ ký số" in page
    assert "20/2023/QH15" in page
    assert 'type="radio"' not in page  # one unit: no choice to make


def test_leader_signs_for_his_unit(world, opened, client_for):
    client = client_for(world.leader)
    response = client.post(
        url("pledge-sign", opened.pk),
        {"unit": world.unit_a.pk, "password": PASSWORD},
        REMOTE_ADDR="10.1.2.3",
        HTTP_USER_AGENT="Trình duyệt thử",
    )
    assert response.status_code == 302
    signature = PledgeSignature.objects.get(pledge=opened)
    assert (signature.unit, signature.user, signature.sequence) == (world.unit_a, world.leader, 1)
    assert (signature.ip, signature.user_agent) == ("10.1.2.3", "Trình duyệt thử")
    assert signature.content_hash == opened.content_hash
    assert signature.signer_name == world.leader.full_name
    assert signature.signer_rank == world.leader.rank
    page = text_of(client.get(response["Location"]))
    assert signature.record_hash in page
    assert url("pledge-verify", opened.pk) in page
    assert 'name="password"' not in page


def test_signature_without_a_client_address_still_verifies(world, opened, client_for):
    client_for(world.leader).post(
        url("pledge-sign", opened.pk), {"unit": world.unit_a.pk, "password": PASSWORD}, REMOTE_ADDR=""
    )
    response = client_for(world.secretary).get(url("pledge-verify", opened.pk))
    assert response.context["result"].intact, response.context["result"].problems


def test_leader_of_another_bloc_gets_404(world, opened, client_for):
    client = client_for(world.outsider)
    assert client.get(url("pledge-sign", opened.pk)).status_code == 404
    response = client.post(url("pledge-sign", opened.pk), {"unit": world.other_unit.pk, "password": PASSWORD})
    assert response.status_code == 404
    assert not PledgeSignature.objects.exists()


@pytest.mark.parametrize("persona", ["officer", "observer", "secretary", "admin"])
def test_only_leaders_may_sign(world, opened, client_for, persona):
    client = client_for(world.persona(persona))
    assert client.get(url("pledge-sign", opened.pk)).status_code == 403
    response = client.post(url("pledge-sign", opened.pk), {"unit": world.unit_a.pk, "password": PASSWORD})
    assert response.status_code == 403
    assert not PledgeSignature.objects.exists()


def test_leader_cannot_sign_for_a_sibling_unit(world, opened, client_for):
    response = client_for(world.leader).post(
        url("pledge-sign", opened.pk), {"unit": world.unit_b.pk, "password": PASSWORD}
    )
    assert response.status_code == 400
    assert "Bạn không thể ký cho đơn vị đã chọn" in text_of(response)
    assert not PledgeSignature.objects.exists()


def test_wrong_password_records_nothing(world, opened, client_for):
    response = client_for(world.leader).post(
        url("pledge-sign", opened.pk), {"unit": world.unit_a.pk, "password": "sai-mat-khau"}
    )
    assert response.status_code == 400
    assert "Mật khẩu không đúng" in text_of(response)
    assert not PledgeSignature.objects.exists()
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.SIGN).exists()


def test_empty_password_is_asked_for(world, opened, client_for):
    response = client_for(world.leader).post(url("pledge-sign", opened.pk), {"unit": world.unit_a.pk})
    assert response.status_code == 400
    assert "Nhập mật khẩu đăng nhập của bạn để xác nhận ký." in text_of(response)
    assert not PledgeSignature.objects.exists()


def test_repeated_wrong_passwords_lock_signing_for_a_while(world, opened, client_for):
    client = client_for(world.leader)
    for _ in range(5):
        client.post(url("pledge-sign", opened.pk), {"unit": world.unit_a.pk, "password": "sai"})
    response = client.post(url("pledge-sign", opened.pk), {"unit": world.unit_a.pk, "password": PASSWORD})
    assert response.status_code == 400
    assert "Hãy chờ 15 phút" in text_of(response)
    assert not PledgeSignature.objects.exists()


def test_signing_twice_is_refused_politely(world, opened, client_for):
    client = client_for(world.leader)
    client.post(url("pledge-sign", opened.pk), {"unit": world.unit_a.pk, "password": PASSWORD})
    response = client.post(url("pledge-sign", opened.pk), {"unit": world.unit_a.pk, "password": PASSWORD})
    assert response.status_code == 400
    assert "Quân khu 1 đã ký giao ước này lúc" in text_of(response)
    assert "Không cần ký lại" in text_of(response)
    assert PledgeSignature.objects.filter(pledge=opened).count() == 1


def test_a_unit_that_left_the_bloc_cannot_sign(world, opened, client_for):
    Membership.objects.filter(bloc=world.bloc, unit=world.unit_a).update(
        left_on=timezone.localdate() - timedelta(days=1)
    )
    client = client_for(world.leader)
    page = text_of(client.get(url("pledge-sign", opened.pk)))
    assert "Quân khu 1 đã rời Khối thi đua số 2" in page
    assert 'name="password"' not in page
    response = client.post(url("pledge-sign", opened.pk), {"unit": world.unit_a.pk, "password": PASSWORD})
    assert response.status_code == 400
    assert "đã rời Khối thi đua số 2, không thể ký" in text_of(response)
    assert not PledgeSignature.objects.exists()


def test_a_draft_cannot_be_signed_yet(world, draft, client_for):
    client = client_for(world.leader)
    response = client.get(url("pledge-sign", draft.pk))
    assert response.status_code == 200
    assert "chưa mở ký" in text_of(response)
    assert 'name="password"' not in text_of(response)
    response = client.post(url("pledge-sign", draft.pk), {"unit": world.unit_a.pk, "password": PASSWORD})
    assert response.status_code == 400
    assert "Giao ước chưa được mở ký." in text_of(response)
    assert not PledgeSignature.objects.exists()


def test_leader_of_several_units_chooses_the_unit(world, opened, client_for):
    AssignmentFactory(user=world.leader, role="leader", unit=world.unit_b)
    client = client_for(world.leader)
    page = text_of(client.get(url("pledge-sign", opened.pk)))
    assert page.count('type="radio"') == 2
    response = client.post(url("pledge-sign", opened.pk), {"unit": world.unit_b.pk, "password": PASSWORD})
    assert response.status_code == 302
    assert PledgeSignature.objects.get(pledge=opened).unit == world.unit_b
    page = text_of(client.get(url("pledge-sign", opened.pk)))
    assert f'type="hidden" name="unit" value="{world.unit_a.pk}"' in page
    assert "Quân khu 2 đã ký giao ước" in page


def test_last_signature_completes_the_pledge(world, opened, client_for):
    leaders = {}
    for unit in (world.unit_b, world.unit_c):
        leaders[unit] = UserFactory()
        AssignmentFactory(user=leaders[unit], role="leader", unit=unit)
    sign(opened, world.leader, world.unit_a)
    sign(opened, leaders[world.unit_b], world.unit_b)
    client_for(leaders[world.unit_c]).post(
        url("pledge-sign", opened.pk), {"unit": world.unit_c.pk, "password": PASSWORD}
    )
    opened.refresh_from_db()
    assert opened.state == PledgeState.COMPLETE
    page = text_of(client_for(world.secretary).get(url("pledge-board", opened.pk)))
    assert "3/3 đơn vị đã ký" in page
    assert "Đã ký đủ" in page


# --- Witness --------------------------------------------------------------------------------------


def test_observer_with_the_witness_right_signs_as_witness(world, opened, client_for):
    client = client_for(world.observer)
    assert "Mật khẩu đăng nhập (xác nhận ký)" in text_of(client.get(url("pledge-witness", opened.pk)))
    response = client.post(url("pledge-witness", opened.pk), {"password": PASSWORD})
    assert response.status_code == 302
    witness = PledgeSignature.objects.get(pledge=opened, kind=SignatureKind.WITNESS)
    assert witness.unit is None
    page = text_of(client_for(world.secretary).get(url("pledge-board", opened.pk)))
    assert world.observer.full_name in page


def test_witness_with_a_wrong_password_records_nothing(world, opened, client_for):
    response = client_for(world.observer).post(url("pledge-witness", opened.pk), {"password": "sai"})
    assert response.status_code == 400
    assert "Mật khẩu không đúng" in text_of(response)
    assert not PledgeSignature.objects.exists()


def test_a_second_witness_is_refused(world, opened, client_for):
    services.pledge_witness_sign(pledge=opened, password=PASSWORD, actor=world.observer)
    response = client_for(world.observer).post(url("pledge-witness", opened.pk), {"password": PASSWORD})
    assert response.status_code == 400
    assert "Giao ước đã có chữ ký chứng kiến." in text_of(response)
    assert PledgeSignature.objects.count() == 1


@pytest.mark.parametrize("persona", ["secretary", "leader", "officer", "admin"])
def test_only_a_witness_may_sign_as_witness(world, opened, client_for, persona):
    client = client_for(world.persona(persona))
    assert client.get(url("pledge-witness", opened.pk)).status_code == 403
    assert client.post(url("pledge-witness", opened.pk), {"password": PASSWORD}).status_code == 403
    assert not PledgeSignature.objects.exists()


# --- Board ----------------------------------------------------------------------------------------


def test_board_shows_who_signed_who_is_missing_and_who_left(world, opened, client_for):
    signature = sign(opened, world.leader, world.unit_a)
    Membership.objects.filter(bloc=world.bloc, unit=world.unit_c).update(
        left_on=timezone.localdate() - timedelta(days=1)
    )
    response = client_for(world.secretary).get(url("pledge-board", opened.pk))
    assert response.status_code == 200
    board = response.context["board"]
    assert [(row.name, row.signed, row.has_left) for row in board.rows] == [
        ("Quân khu 1", True, False),
        ("Quân khu 2", False, False),
        ("Quân khu 3", False, True),
    ]
    assert [row.name for row in board.missing] == ["Quân khu 2"]
    page = text_of(response)
    assert "1/3 đơn vị đã ký" in page
    assert world.leader.full_name in page
    assert timezone.localtime(signature.signed_at).strftime("%H:%M %d/%m/%Y") in page


def test_board_of_a_draft_says_nothing_is_signed_yet(world, draft, client_for):
    response = client_for(world.leader).get(url("pledge-board", draft.pk))
    assert response.status_code == 200
    assert "chưa mở ký" in text_of(response)


# --- Verification ---------------------------------------------------------------------------------


def tamper_item(pledge: Pledge, position: int, content: str) -> None:
    """Change an item behind the application's back, as someone with database access would."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "UPDATE campaigns_pledgeitem SET content = %s WHERE pledge_id = %s AND position = %s",
            [content, pledge.pk, position],
        )
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = origin")


def test_verification_says_intact(world, opened, client_for):
    sign(opened, world.leader, world.unit_a)
    response = client_for(world.officer).get(url("pledge-verify", opened.pk))
    assert response.status_code == 200
    page = text_of(response)
    assert "Giao ước nguyên vẹn" in page
    signature = PledgeSignature.objects.get()
    assert signature.record_hash in page
    assert "0" * 64 in page  # the first signature links to the genesis hash


def test_verification_names_the_tampered_item(world, opened, client_for):
    sign(opened, world.leader, world.unit_a)
    tamper_item(opened, 2, "Nội dung đã bị sửa lén")
    response = client_for(world.secretary).get(url("pledge-verify", opened.pk))
    assert response.status_code == 200
    page = text_of(response)
    assert "KHÔNG nguyên vẹn" in page
    assert "Mục 2: nội dung đã bị thay đổi." in page
    assert "Mục 1" not in page


def test_verification_names_a_tampered_signature(world, opened, client_for):
    sign(opened, world.leader, world.unit_a)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("UPDATE campaigns_pledgesignature SET signer_name = %s", ["Người khác"])
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = origin")
    page = text_of(client_for(world.secretary).get(url("pledge-verify", opened.pk)))
    assert "1 – Quân khu 1: thông tin chữ ký đã bị thay đổi." in page


def test_nobody_signs_a_pledge_whose_content_was_tampered_with(world, opened, client_for):
    tamper_item(opened, 2, "Nội dung đã bị sửa lén")
    client = client_for(world.leader)
    page = text_of(client.get(url("pledge-sign", opened.pk)))
    assert "không khớp với bản đã niêm phong" in page
    assert "Mục 2: nội dung đã bị thay đổi." in page
    assert 'name="password"' not in page
    response = client.post(url("pledge-sign", opened.pk), {"unit": world.unit_a.pk, "password": PASSWORD})
    assert response.status_code == 400
    response = client_for(world.observer).post(url("pledge-witness", opened.pk), {"password": PASSWORD})
    assert response.status_code == 400
    assert not PledgeSignature.objects.exists()


def test_verification_of_a_draft_explains_there_is_nothing_to_check(world, draft, client_for):
    response = client_for(world.secretary).get(url("pledge-verify", draft.pk))
    assert response.status_code == 200
    assert "chưa được niêm phong" in text_of(response)


# --- Revoke and close -----------------------------------------------------------------------------


def test_revoking_opens_version_2_and_keeps_version_1_readable(world, opened, client_for):
    signature = sign(opened, world.leader, world.unit_a)
    client = client_for(world.secretary)
    response = client.post(url("pledge-revoke", opened.pk), {"reason": "Sửa chỉ tiêu mục 2"})
    successor = Pledge.objects.get(supersedes=opened)
    assert response.status_code == 302
    assert response["Location"] == url("pledge-detail", successor.pk)
    assert (successor.version, successor.state) == (2, PledgeState.DRAFT)
    assert list(successor.items.values_list("content", flat=True)) == ["Nội dung 1", "Nội dung 2"]
    opened.refresh_from_db()
    assert (opened.state, opened.revoke_reason) == (PledgeState.REVOKED, "Sửa chỉ tiêu mục 2")

    old_page = text_of(client_for(world.leader).get(url("pledge-detail", opened.pk)))
    assert "Sửa chỉ tiêu mục 2" in old_page
    assert "đã được thay bằng" in old_page.lower()
    assert url("pledge-detail", successor.pk) in old_page
    board = text_of(client_for(world.leader).get(url("pledge-board", opened.pk)))
    assert world.leader.full_name in board
    assert "Giao ước nguyên vẹn" in text_of(client.get(url("pledge-verify", opened.pk)))
    assert signature.record_hash in text_of(client.get(url("pledge-verify", opened.pk)))

    new_page = text_of(client.get(url("pledge-detail", successor.pk)))
    assert "Thay thế" in new_page
    assert "phiên bản 1" in new_page


@pytest.mark.parametrize(
    ("reason", "message"),
    [("", "Lý do thu hồi không được để trống."), ("x" * 501, "Lý do thu hồi dài tối đa 500 ký tự")],
)
def test_revoking_needs_a_reason(world, opened, client_for, reason, message):
    before = snapshot(opened)
    response = client_for(world.secretary).post(url("pledge-revoke", opened.pk), {"reason": reason})
    assert response.status_code == 400
    assert message in text_of(response)
    assert snapshot(opened) == before


def test_a_draft_cannot_be_revoked(world, draft, client_for):
    client = client_for(world.secretary)
    assert "Chỉ thu hồi được giao ước đang mở ký" in text_of(client.get(url("pledge-revoke", draft.pk)))
    response = client.post(url("pledge-revoke", draft.pk), {"reason": "Thử"})
    assert response.status_code == 400
    assert Pledge.objects.count() == 1


def test_closing_ends_signing(world, opened, client_for):
    response = client_for(world.secretary).post(url("pledge-close", opened.pk))
    assert response.status_code == 302
    opened.refresh_from_db()
    assert opened.state == PledgeState.CLOSED
    response = client_for(world.leader).post(
        url("pledge-sign", opened.pk), {"unit": world.unit_a.pk, "password": PASSWORD}
    )
    assert response.status_code == 400
    assert not PledgeSignature.objects.exists()


def test_closing_a_draft_is_refused_with_a_message(world, draft, client_for):
    response = client_for(world.secretary).post(url("pledge-close", draft.pk))
    assert response.status_code == 302
    assert "Chỉ kết thúc được giao ước đang mở ký" in messages_of(response)[0]
    draft.refresh_from_db()
    assert draft.state == PledgeState.DRAFT


# --- Print ----------------------------------------------------------------------------------------


def test_print_copy_is_a_standalone_official_page(world, opened, client_for):
    signature = sign(opened, world.leader, world.unit_a)
    response = client_for(world.officer).get(url("pledge-print", opened.pk))
    assert response.status_code == 200
    page = text_of(response)
    assert "navbar" not in page
    assert "css/print.css" in page
    assert "bootstrap" not in page
    for text in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "KHỐI THI ĐUA SỐ 2",
        "GIAO ƯỚC THI ĐUA",
        "Nội dung 2",
        "Đơn vị Quyết thắng",
        signature.signer_name,
        opened.content_hash,
        opened.short_code,
        "Chưa ký",
        url("pledge-verify", opened.pk),
    ]:
        assert text in page, text


# --- Pending pledges for the home page ------------------------------------------------------------


def test_pending_pledges_lists_what_a_leader_still_has_to_sign(world, campaign, opened):
    make_pledge(world, campaign)  # a draft: nothing to sign yet
    assert pending_pledges_for(world.leader) == [(opened, world.unit_a)]
    sign(opened, world.leader, world.unit_a)
    assert pending_pledges_for(world.leader) == []
    assert pending_pledges_for(world.officer) == []
    assert pending_pledges_for(world.outsider) == []


def test_pending_pledges_skips_a_unit_that_left(world, opened):
    Membership.objects.filter(bloc=world.bloc, unit=world.unit_a).update(
        left_on=timezone.localdate() - timedelta(days=1)
    )
    assert pending_pledges_for(world.leader) == []


# --- Query counts ---------------------------------------------------------------------------------


def grow(world, campaign, n: int) -> Pledge:
    """An open pledge of world.bloc with n items, n registrations and n more member units, each
    with a leader who has signed; world.leader's unit has not signed."""
    units = [UnitFactory(parent=world.root) for _ in range(n)]
    leaders = []
    for unit in units:
        MembershipFactory(bloc=world.bloc, unit=unit)
        leaders.append(UserFactory())
        AssignmentFactory(user=leaders[-1], role="leader", unit=unit)
    pledge = make_pledge(world, campaign, items=n)
    for unit in units:
        services.pledge_registration_add(
            pledge=pledge, unit=unit, title="Đơn vị tiên tiến", actor=world.secretary
        )
    pledge = services.pledge_open(pledge=pledge, actor=world.secretary)
    for unit, leader in zip(units, leaders, strict=True):
        sign(pledge, leader, unit)
    services.pledge_witness_sign(pledge=pledge, password=PASSWORD, actor=world.observer)
    return pledge


PAGES = {
    # name: (persona, url name, expected queries); the detail page asks once whether the user
    # may read the pledge's reports (the "Tài liệu PDF" link added by the reports app).
    "detail": ("secretary", "pledge-detail", 11),
    "detail-leader": ("leader", "pledge-detail", 11),
    "board": ("secretary", "pledge-board", 7),
    "verify": ("officer", "pledge-verify", 7),
    "print": ("observer", "pledge-print", 7),
    "sign": ("leader", "pledge-sign", 10),
    "witness": ("observer", "pledge-witness", 9),
}


@pytest.mark.parametrize("size", [3, 20])
@pytest.mark.parametrize("name", list(PAGES))
def test_pages_run_a_fixed_number_of_queries(
    world, campaign, client_for, django_assert_num_queries, name, size
):
    pledge = grow(world, campaign, size)
    persona, url_name, expected = PAGES[name]
    client = client_for(world.persona(persona))
    address = url(url_name, pledge.pk)
    with django_assert_num_queries(expected):
        response = client.get(address)
    assert response.status_code == 200
    assert len(response.context["pledge"].items.all()) == size


@pytest.mark.parametrize("size", [3, 20])
def test_draft_detail_runs_a_fixed_number_of_queries(
    world, campaign, client_for, django_assert_num_queries, size
):
    pledge = make_pledge(world, campaign, items=size)
    client = client_for(world.secretary)
    with django_assert_num_queries(8):
        response = client.get(url("pledge-detail", pledge.pk))
    assert response.status_code == 200


@pytest.mark.parametrize("size", [3, 20])
def test_list_runs_a_fixed_number_of_queries(world, campaign, client_for, django_assert_num_queries, size):
    grow(world, campaign, size)
    for _ in range(size):
        make_pledge(world, campaign, items=1)
    client = client_for(world.leader)
    with django_assert_num_queries(6):
        response = client.get(url("pledge-list", campaign.pk))
    assert response.status_code == 200


@pytest.mark.parametrize("size", [3, 20])
def test_signing_runs_a_fixed_number_of_queries(world, campaign, client_for, django_assert_num_queries, size):
    pledge = grow(world, campaign, size)
    client = client_for(world.leader)
    with django_assert_num_queries(36):
        response = client.post(url("pledge-sign", pledge.pk), {"unit": world.unit_a.pk, "password": PASSWORD})
    assert response.status_code == 302


@pytest.mark.parametrize("size", [3, 20])
def test_pending_pledges_runs_a_fixed_number_of_queries(world, campaign, django_assert_num_queries, size):
    grow(world, campaign, size)
    for index in range(size):
        other = campaign_services.campaign_create(
            bloc=world.bloc, year=2000 + index, name=f"Phong trào năm {2000 + index}", actor=world.admin
        )
        make_pledge(world, other, items=1, opened=True)
    with django_assert_num_queries(3):
        pending = pending_pledges_for(world.leader)
    assert len(pending) == size + 1


def test_a_signature_with_an_empty_client_address_verifies(world, opened):
    """An empty REMOTE_ADDR (a Unix socket) is stored as NULL: the record hash must cover that."""
    from campaigns.integrity import verify_pledge

    services.pledge_sign(pledge=opened, unit=world.unit_a, password=PASSWORD, ip="", actor=world.leader)
    signatures = list(
        PledgeSignature.objects.filter(pledge=opened).select_related("unit").order_by("sequence")
    )
    assert signatures[0].ip is None
    assert verify_pledge(Pledge.objects.get(pk=opened.pk), signatures).intact
