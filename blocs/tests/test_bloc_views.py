"""Pages of blocs and clusters: list, detail, and the admin's forms for blocs, members and
chair terms — happy paths, bad input, the access matrix of DESIGN.md §6, query counts."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from blocs.models import AuditEvent, Bloc, ChairTerm, Membership
from blocs.tests.factories import (
    AssignmentFactory,
    BlocFactory,
    ChairTermFactory,
    MembershipFactory,
    UnitFactory,
)

READERS = ["secretary", "observer", "leader", "officer"]
OUTSIDERS = ["other_secretary", "outsider", "nobody"]


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def edit_requests(world) -> list[tuple[str, str, dict]]:
    """Every write page of world.bloc, as (method, url, data)."""
    membership = Membership.objects.get(bloc=world.bloc, unit=world.unit_a)
    term = ChairTermFactory(bloc=world.bloc, year=2024, chair=world.unit_a, deputy=world.unit_b)
    pk = world.bloc.pk
    bloc_data = {"name": "Khối đổi tên", "kind": "khoi", "organiser": world.root.pk, "is_active": "on"}
    return [
        ("get", reverse("blocs:bloc-update", args=[pk]), {}),
        ("post", reverse("blocs:bloc-update", args=[pk]), bloc_data),
        ("get", reverse("blocs:membership-add", args=[pk]), {}),
        (
            "post",
            reverse("blocs:membership-add", args=[pk]),
            {"unit": world.other_unit.pk, "joined_on": "01/01/2025"},
        ),
        ("get", reverse("blocs:membership-end", args=[pk, membership.pk]), {}),
        (
            "post",
            reverse("blocs:membership-end", args=[pk, membership.pk]),
            {"left_on": "01/01/2025", "reason": "left"},
        ),
        ("get", reverse("blocs:chairterm-set", args=[pk]), {}),
        ("post", reverse("blocs:chairterm-set", args=[pk]), {"year": "2025", "chair": world.unit_b.pk}),
        ("post", reverse("blocs:chairterm-delete", args=[pk, term.pk]), {}),
    ]


def snapshot(bloc: Bloc) -> tuple:
    """What a refused request must leave untouched."""
    bloc.refresh_from_db()
    return (
        bloc.name,
        list(Membership.objects.filter(bloc=bloc).order_by("pk").values_list("unit_id", "left_on")),
        list(
            ChairTerm.objects.filter(bloc=bloc).order_by("year").values_list("year", "chair_id", "deputy_id")
        ),
    )


# --- Access matrix ------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", READERS)
def test_readers_of_the_bloc_get_403_on_every_edit_page(world, client_for, persona):
    requests = edit_requests(world)
    before = snapshot(world.bloc)
    client = client_for(world.persona(persona))
    for method, url, data in requests:
        response = getattr(client, method)(url, data)
        assert response.status_code == 403, (method, url)
    assert snapshot(world.bloc) == before


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_users_who_cannot_see_the_bloc_get_404_on_every_edit_page(world, client_for, persona):
    requests = edit_requests(world)
    before = snapshot(world.bloc)
    client = client_for(world.persona(persona))
    for method, url, data in requests:
        response = getattr(client, method)(url, data)
        assert response.status_code == 404, (method, url)
    assert snapshot(world.bloc) == before


def test_secretary_of_cum_6_gets_404_on_edit_pages_of_khoi_2(world, client_for):
    assert world.other_bloc.name == "Cụm thi đua số 6"
    client = client_for(world.other_secretary)
    for method, url, data in edit_requests(world):
        assert getattr(client, method)(url, data).status_code == 404


def test_leader_of_member_unit_gets_403_editing_his_own_bloc(world, client_for):
    response = client_for(world.leader).get(reverse("blocs:bloc-update", args=[world.bloc.pk]))
    assert response.status_code == 403


def test_denied_access_is_audited(world, client_for):
    client_for(world.leader).get(reverse("blocs:bloc-update", args=[world.bloc.pk]))
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.DENIED, actor=world.leader).exists()


@pytest.mark.parametrize("persona", [*READERS, *OUTSIDERS])
def test_only_admins_may_create_a_bloc(world, client_for, persona):
    client = client_for(world.persona(persona))
    assert client.get(reverse("blocs:bloc-create")).status_code == 403
    response = client.post(
        reverse("blocs:bloc-create"), {"name": "Khối mới", "kind": "khoi", "organiser": world.root.pk}
    )
    assert response.status_code == 403
    assert not Bloc.objects.filter(name="Khối mới").exists()


@pytest.mark.parametrize("persona", ["admin", *READERS])
def test_those_who_may_see_the_bloc_read_its_page(world, client_for, persona):
    response = client_for(world.persona(persona)).get(reverse("blocs:bloc-detail", args=[world.bloc.pk]))
    assert response.status_code == 200
    assert "Khối thi đua số 2" in response.content.decode()


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_others_get_404_on_the_bloc_page(world, client_for, persona):
    response = client_for(world.persona(persona)).get(reverse("blocs:bloc-detail", args=[world.bloc.pk]))
    assert response.status_code == 404


def test_anonymous_visitor_is_sent_to_the_login_page(world, client):
    for url in [reverse("blocs:bloc-list"), reverse("blocs:bloc-detail", args=[world.bloc.pk])]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_action_buttons_are_shown_to_admins_only(world, client_for):
    edit_url = reverse("blocs:bloc-update", args=[world.bloc.pk])
    detail_url = reverse("blocs:bloc-detail", args=[world.bloc.pk])
    assert edit_url in client_for(world.admin).get(detail_url).content.decode()
    for persona in READERS:
        page = client_for(world.persona(persona)).get(detail_url).content.decode()
        assert edit_url not in page
        assert reverse("blocs:membership-add", args=[world.bloc.pk]) not in page
        assert "data-confirm" not in page


# --- List ---------------------------------------------------------------------------------------


def row_names(response) -> list[str]:
    return [bloc.name for bloc in response.context["blocs"]]


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("admin", ["Cụm thi đua số 6", "Khối thi đua số 2"]),
        ("secretary", ["Khối thi đua số 2"]),
        ("observer", ["Khối thi đua số 2"]),
        ("leader", ["Khối thi đua số 2"]),
        ("officer", ["Khối thi đua số 2"]),
        ("other_secretary", ["Cụm thi đua số 6"]),
        ("outsider", ["Cụm thi đua số 6"]),
        ("nobody", []),
    ],
)
def test_list_shows_the_blocs_each_persona_may_see(world, client_for, persona, expected):
    response = client_for(world.persona(persona)).get(reverse("blocs:bloc-list"))
    assert response.status_code == 200
    assert row_names(response) == expected


def test_list_search_ignores_accents(world, client_for):
    response = client_for(world.admin).get(reverse("blocs:bloc-list"), {"q": "khoi thi dua so 2"})
    assert row_names(response) == ["Khối thi đua số 2"]
    assert "1 khối/cụm khớp điều kiện tìm" in response.content.decode()


def test_list_search_without_match_says_what_to_do(world, client_for):
    response = client_for(world.admin).get(reverse("blocs:bloc-list"), {"q": "không có khối này"})
    assert row_names(response) == []
    assert "Không tìm thấy khối/cụm nào khớp điều kiện tìm." in response.content.decode()


def test_list_filters_by_kind_and_organiser(world, client_for):
    command = UnitFactory(name="Bộ Tư lệnh Thủ đô Hà Nội", parent=world.root)
    BlocFactory(name="Cụm thi đua số 1", kind="cum", organiser=command)
    client = client_for(world.admin)
    assert row_names(client.get(reverse("blocs:bloc-list"), {"kind": "cum"})) == [
        "Cụm thi đua số 1",
        "Cụm thi đua số 6",
    ]
    assert row_names(client.get(reverse("blocs:bloc-list"), {"organiser": command.pk})) == [
        "Cụm thi đua số 1"
    ]
    assert row_names(client.get(reverse("blocs:bloc-list"), {"kind": "cum", "organiser": world.root.pk})) == [
        "Cụm thi đua số 6"
    ]


def test_list_ignores_invalid_filters(world, client_for):
    response = client_for(world.admin).get(reverse("blocs:bloc-list"), {"kind": "xyz", "organiser": "abc"})
    assert response.status_code == 200
    assert len(row_names(response)) == 2


def test_list_is_in_vietnamese_order(world, client_for):
    for name in ["Khối Zung", "Khối Đông", "Khối Dũng", "Khối Ánh"]:
        BlocFactory(name=name, organiser=world.root)
    response = client_for(world.admin).get(reverse("blocs:bloc-list"), {"q": "khoi "})
    assert row_names(response) == ["Khối Ánh", "Khối Dũng", "Khối Đông", "Khối thi đua số 2", "Khối Zung"]


def test_list_shows_organiser_member_count_and_latest_chair(world, client_for):
    ChairTermFactory(bloc=world.bloc, year=2024, chair=world.unit_a)
    ChairTermFactory(bloc=world.bloc, year=2025, chair=world.unit_b)
    Membership.objects.filter(bloc=world.bloc, unit=world.unit_c).update(left_on=date(2021, 1, 1))
    response = client_for(world.admin).get(reverse("blocs:bloc-list"), {"q": "khối thi đua số 2"})
    (row,) = response.context["blocs"]
    assert (row.organiser.name, row.member_count, row.latest_chair_name, row.latest_chair_year) == (
        "Bộ Quốc phòng",
        2,
        "Quân khu 2",
        2025,
    )
    assert 'Quân khu 2 <span class="text-secondary small">(2025)</span>' in response.content.decode()


def test_list_empty_state_for_a_user_without_roles(world, client_for):
    page = client_for(world.nobody).get(reverse("blocs:bloc-list")).content.decode()
    assert "Liên hệ quản trị viên để được phân quyền." in page


# --- Detail -------------------------------------------------------------------------------------


def test_detail_shows_decision_members_former_members_and_timeline(world, client_for):
    bloc = world.bloc
    Bloc.objects.filter(pk=bloc.pk).update(
        decision_number="1200/QĐ-BQP", decision_date=date(2024, 3, 29), decision_issuer="Bộ Quốc phòng"
    )
    this_year = timezone.localdate().year
    ChairTermFactory(
        bloc=bloc, year=2024, chair=world.unit_a, decided_on=date(2023, 11, 30), reason="Suy tôn"
    )
    ChairTermFactory(bloc=bloc, year=this_year, chair=world.unit_b, deputy=world.unit_c)
    gone = UnitFactory(name="Sư đoàn 9", parent=world.root)
    MembershipFactory(
        bloc=bloc, unit=gone, joined_on=date(2020, 1, 1), left_on=date(2022, 6, 30), leave_reason="merged"
    )

    response = client_for(world.secretary).get(reverse("blocs:bloc-detail", args=[bloc.pk]))
    page = response.content.decode()
    assert '<h1 class="h3 mb-1">Khối thi đua số 2</h1>' in page
    assert "Số 1200/QĐ-BQP ngày 29/03/2024 của Bộ Quốc phòng" in page
    assert page.count('data-testid="member-row"') == 3
    assert [row.membership.unit.name for row in response.context["page"].members] == [
        "Quân khu 1",
        "Quân khu 2",
        "Quân khu 3",
    ]
    assert [(row.membership.unit.name, row.role_this_year) for row in response.context["page"].members] == [
        ("Quân khu 1", ""),
        ("Quân khu 2", "chair"),
        ("Quân khu 3", "deputy"),
    ]
    assert "Đơn vị đã rời" in page
    former = page[page.index("Đơn vị đã rời") :]
    assert "Sư đoàn 9" in former and "30/06/2022" in former and "Sáp nhập" in former
    timeline = page[page.index('data-testid="chair-timeline"') :]
    assert timeline.index(f"Năm {this_year}") < timeline.index("Năm 2024")
    assert "Quyết định ngày 30/11/2023" in timeline and "Suy tôn" in timeline


def test_detail_links_member_units_to_their_page(world, client_for):
    page = client_for(world.admin).get(reverse("blocs:bloc-detail", args=[world.bloc.pk])).content.decode()
    for unit in (world.unit_a, world.unit_b, world.unit_c):
        assert f'<a href="{reverse("blocs:unit-detail", args=[unit.pk])}">{unit.name}</a>' in page


def test_detail_shows_the_change_history(world, client_for):
    client = client_for(world.admin)
    client.post(
        reverse(
            "blocs:membership-end", args=[world.bloc.pk, world.bloc.memberships.get(unit=world.unit_c).pk]
        ),
        {"left_on": "15/05/2025", "reason": "dissolved"},
    )
    response = client.get(reverse("blocs:bloc-detail", args=[world.bloc.pk]))
    latest = response.context["page"].history[0]
    assert (latest.subject, latest.action_label, str(latest.user)) == (
        "Thành viên: Quân khu 3",
        "Sửa",
        str(world.admin),
    )
    assert [(c.label, c.old, c.new) for c in latest.changes] == [
        ("Ngày rời", "—", "15/05/2025"),
        ("Lý do rời", "—", "Giải thể"),
    ]
    assert "Ngày rời: — → 15/05/2025" in response.content.decode()


def test_detail_of_a_bloc_without_members_says_what_to_do_first(world, client_for):
    empty = BlocFactory(name="Khối mới lập", organiser=world.root)
    page = client_for(world.admin).get(reverse("blocs:bloc-detail", args=[empty.pk])).content.decode()
    assert "Bấm “Thêm thành viên” để thêm đơn vị đầu tiên" in page
    assert "Chưa ghi nhận khối trưởng năm nào." in page


# --- Bloc create and edit ----------------------------------------------------------------------


def test_admin_creates_a_bloc(world, client_for):
    client = client_for(world.admin)
    response = client.post(
        reverse("blocs:bloc-create"),
        {
            "name": "  Khối thi đua   số 9 ",
            "kind": "khoi",
            "organiser": world.root.pk,
            "decision_number": "77/QĐ-BQP",
            "decision_date": "05/06/2025",
            "decision_issuer": "Bộ Quốc phòng",
            "is_active": "on",
        },
    )
    bloc = Bloc.objects.get(name="Khối thi đua số 9")
    assert response.status_code == 302
    assert response["Location"] == reverse("blocs:bloc-detail", args=[bloc.pk])
    assert bloc.decision_date == date(2025, 6, 5)
    assert bloc.is_active
    assert messages_of(response) == ["Đã tạo Khối thi đua số 9 (Bộ Quốc phòng)."]
    assert AuditEvent.objects.filter(summary="Tạo Khối thi đua số 9", actor=world.admin).exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": ""}, "name", "Tên khối/cụm không được để trống."),
        ({"name": "K" * 201}, "name", "Tên khối/cụm dài tối đa 200 ký tự (đang có 201 ký tự)."),
        ({"organiser": ""}, "organiser", "Chọn cấp tổ chức."),
        ({"kind": "nhom"}, "kind", "Loại “nhom” không hợp lệ: chọn Khối thi đua hoặc Cụm thi đua."),
        (
            {"decision_date": "2024/13/45"},
            "decision_date",
            "Ngày quyết định: “2024/13/45” không đúng dạng ngày/tháng/năm (ví dụ 05/06/2025).",
        ),
        (
            {"decision_date": "31/02/2024"},
            "decision_date",
            "Ngày quyết định: Ngày “31/02/2024” không tồn tại.",
        ),
        (
            {"decision_number": "1" * 61},
            "decision_number",
            "Số quyết định thành lập dài tối đa 60 ký tự (đang có 61 ký tự).",
        ),
    ],
)
def test_create_refuses_bad_input_with_a_message(world, client_for, data, field, message):
    count = Bloc.objects.count()
    response = client_for(world.admin).post(
        reverse("blocs:bloc-create"), {"name": "Khối mới", "kind": "khoi", "organiser": world.root.pk, **data}
    )
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert message in response.content.decode()
    assert Bloc.objects.count() == count


def test_create_refuses_a_second_bloc_of_the_same_name_under_one_organiser(world, client_for):
    response = client_for(world.admin).post(
        reverse("blocs:bloc-create"),
        {"name": "Khối thi đua số 2", "kind": "khoi", "organiser": world.root.pk},
    )
    assert response.status_code == 400
    assert "Cấp tổ chức này đã có một khối/cụm cùng tên." in response.content.decode()
    assert Bloc.objects.filter(name="Khối thi đua số 2").count() == 1


def test_create_refuses_an_inactive_organiser(world, client_for):
    closed = UnitFactory(name="Đơn vị đã giải thể", is_active=False)
    response = client_for(world.admin).post(
        reverse("blocs:bloc-create"), {"name": "Khối mới", "kind": "khoi", "organiser": closed.pk}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["organiser"] == [
        "Cấp tổ chức đã chọn không có trong danh sách đơn vị đang hoạt động."
    ]


def test_admin_edits_a_bloc(world, client_for):
    url = reverse("blocs:bloc-update", args=[world.bloc.pk])
    client = client_for(world.admin)
    form_page = client.get(url).content.decode()
    assert 'value="Khối thi đua số 2"' in form_page
    response = client.post(
        url,
        {
            "name": "Khối thi đua số 2",
            "kind": "khoi",
            "organiser": world.root.pk,
            "decision_number": "1200/QĐ-BQP",
            "decision_date": "29/03/2024",
            "description": "Các quân khu và Bộ Tư lệnh Thủ đô.",
        },
    )
    assert response.status_code == 302
    world.bloc.refresh_from_db()
    assert (world.bloc.decision_number, world.bloc.decision_date, world.bloc.is_active) == (
        "1200/QĐ-BQP",
        date(2024, 3, 29),
        False,
    )
    assert messages_of(response) == ["Đã lưu thông tin của Khối thi đua số 2."]
    history = client.get(reverse("blocs:bloc-detail", args=[world.bloc.pk])).context["page"].history
    assert ("Ngày quyết định", "—", "29/03/2024") in [(c.label, c.old, c.new) for c in history[0].changes]


def test_edit_refuses_bad_input_and_keeps_the_bloc(world, client_for):
    before = snapshot(world.bloc)
    response = client_for(world.admin).post(
        reverse("blocs:bloc-update", args=[world.bloc.pk]),
        {"name": "", "kind": "khoi", "organiser": world.root.pk, "decision_date": "32/01/2024"},
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["name"] == ["Tên khối/cụm không được để trống."]
    assert errors["decision_date"] == ["Ngày quyết định: Ngày “32/01/2024” không tồn tại."]
    assert snapshot(world.bloc) == before


def test_edit_of_an_unknown_bloc_is_404(world, client_for):
    assert client_for(world.admin).get(reverse("blocs:bloc-update", args=[999999])).status_code == 404


# --- Memberships ---------------------------------------------------------------------------------


def test_admin_adds_a_member(world, client_for):
    unit = UnitFactory(name="Quân khu 5", parent=world.root)
    url = reverse("blocs:membership-add", args=[world.bloc.pk])
    client = client_for(world.admin)
    choices = client.get(url).context["form"].fields["unit"].queryset
    assert unit in choices and world.unit_a not in choices
    response = client.post(url, {"unit": unit.pk, "joined_on": "29/03/2024", "note": "Theo QĐ 1200"})
    assert response.status_code == 302
    assert response["Location"] == reverse("blocs:bloc-detail", args=[world.bloc.pk])
    membership = Membership.objects.get(bloc=world.bloc, unit=unit)
    assert (membership.joined_on, membership.left_on, membership.note) == (
        date(2024, 3, 29),
        None,
        "Theo QĐ 1200",
    )
    assert messages_of(response) == ["Đã thêm Quân khu 5 vào Khối thi đua số 2 từ 29/03/2024."]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"unit": ""}, "unit", "Chọn đơn vị."),
        ({"joined_on": ""}, "joined_on", "Ngày tham gia không được để trống."),
        (
            {"joined_on": "2024-3"},
            "joined_on",
            "Ngày tham gia: “2024-3” không đúng dạng ngày/tháng/năm (ví dụ 05/06/2025).",
        ),
        ({"note": "x" * 301}, "note", "Ghi chú dài tối đa 300 ký tự (đang có 301 ký tự)."),
    ],
)
def test_add_member_refuses_bad_input(world, client_for, data, field, message):
    unit = UnitFactory(name="Quân khu 5")
    count = Membership.objects.count()
    response = client_for(world.admin).post(
        reverse("blocs:membership-add", args=[world.bloc.pk]),
        {"unit": unit.pk, "joined_on": "01/01/2025", **data},
    )
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert message in response.content.decode()
    assert Membership.objects.count() == count


def test_add_member_refuses_a_current_member(world, client_for):
    response = client_for(world.admin).post(
        reverse("blocs:membership-add", args=[world.bloc.pk]),
        {"unit": world.unit_a.pk, "joined_on": "01/01/2025"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["unit"] == [
        "Đơn vị đã chọn không có trong danh sách: chỉ chọn được đơn vị đang hoạt động và chưa là thành viên."
    ]
    assert Membership.objects.filter(bloc=world.bloc, unit=world.unit_a).count() == 1


def test_add_member_refuses_a_rejoin_before_the_unit_left(world, client_for):
    Membership.objects.filter(bloc=world.bloc, unit=world.unit_c).update(left_on=date(2024, 6, 30))
    response = client_for(world.admin).post(
        reverse("blocs:membership-add", args=[world.bloc.pk]),
        {"unit": world.unit_c.pk, "joined_on": "01/06/2024"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["joined_on"] == [
        "Ngày tham gia phải sau ngày rời của lần tham gia trước của đơn vị này."
    ]
    assert Membership.objects.filter(bloc=world.bloc, unit=world.unit_c).count() == 1


def test_admin_ends_a_membership(world, client_for):
    membership = Membership.objects.get(bloc=world.bloc, unit=world.unit_c)
    url = reverse("blocs:membership-end", args=[world.bloc.pk, membership.pk])
    client = client_for(world.admin)
    assert "Quân khu 3 rời Khối thi đua số 2" in client.get(url).content.decode()
    response = client.post(
        url, {"left_on": "01/07/2025", "reason": "merged", "note": "Sáp nhập vào Quân khu 1"}
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert (membership.left_on, membership.leave_reason, membership.note) == (
        date(2025, 7, 1),
        "merged",
        "Sáp nhập vào Quân khu 1",
    )
    assert messages_of(response) == [
        "Đã ghi nhận Quân khu 3 rời Khối thi đua số 2 từ ngày 01/07/2025 (lý do: sáp nhập)."
    ]
    page = client.get(reverse("blocs:bloc-detail", args=[world.bloc.pk]))
    assert [m.unit.name for m in page.context["page"].former_members] == ["Quân khu 3"]
    assert page.content.decode().count('data-testid="member-row"') == 2


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"left_on": "31/12/2019"}, "left_on", "Ngày rời phải sau hoặc bằng ngày tham gia."),
        ({"left_on": ""}, "left_on", "Ngày rời không được để trống."),
        (
            {"left_on": "hôm qua"},
            "left_on",
            "Ngày rời: “hôm qua” không đúng dạng ngày/tháng/năm (ví dụ 05/06/2025).",
        ),
        ({"reason": "bo-di"}, "reason", "Lý do rời “bo-di” không hợp lệ: chọn một lý do trong danh sách."),
    ],
)
def test_end_membership_refuses_bad_input(world, client_for, data, field, message):
    membership = Membership.objects.get(bloc=world.bloc, unit=world.unit_c)
    response = client_for(world.admin).post(
        reverse("blocs:membership-end", args=[world.bloc.pk, membership.pk]),
        {"left_on": "01/07/2025", "reason": "left", **data},
    )
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert message in response.content.decode()
    membership.refresh_from_db()
    assert membership.left_on is None


def test_end_membership_twice_is_refused(world, client_for):
    membership = Membership.objects.get(bloc=world.bloc, unit=world.unit_c)
    Membership.objects.filter(pk=membership.pk).update(left_on=date(2024, 1, 1), leave_reason="left")
    url = reverse("blocs:membership-end", args=[world.bloc.pk, membership.pk])
    client = client_for(world.admin)
    assert "Đơn vị đã rời Khối thi đua số 2 ngày 01/01/2024" in client.get(url).content.decode()
    response = client.post(url, {"left_on": "01/07/2025", "reason": "left"})
    assert response.status_code == 400
    assert response.context["form"].errors["left_on"] == ["Đơn vị đã rời khối/cụm trước đó."]
    membership.refresh_from_db()
    assert membership.left_on == date(2024, 1, 1)


def test_membership_of_another_bloc_is_404(world, client_for):
    foreign = Membership.objects.get(bloc=world.other_bloc, unit=world.other_unit)
    url = reverse("blocs:membership-end", args=[world.bloc.pk, foreign.pk])
    client = client_for(world.admin)
    assert client.get(url).status_code == 404
    assert client.post(url, {"left_on": "01/07/2025", "reason": "left"}).status_code == 404
    foreign.refresh_from_db()
    assert foreign.left_on is None


# --- Chair terms ---------------------------------------------------------------------------------


def test_admin_sets_the_chair_and_deputy_of_a_year(world, client_for):
    url = reverse("blocs:chairterm-set", args=[world.bloc.pk])
    response = client_for(world.admin).post(
        url,
        {
            "year": "2025",
            "chair": world.unit_a.pk,
            "deputy": world.unit_b.pk,
            "decided_on": "01/11/2024",
            "reason": "Suy tôn tại hội nghị tổng kết 2024",
        },
    )
    assert response.status_code == 302
    term = ChairTerm.objects.get(bloc=world.bloc, year=2025)
    assert (term.chair, term.deputy, term.decided_on) == (world.unit_a, world.unit_b, date(2024, 11, 1))
    assert messages_of(response) == [
        "Đã ghi Quân khu 1 là khối trưởng Khối thi đua số 2 năm 2025, khối phó: Quân khu 2."
    ]


def test_setting_a_year_again_replaces_its_term_and_the_form_is_prefilled(world, client_for):
    ChairTermFactory(bloc=world.bloc, year=2025, chair=world.unit_a, reason="Cũ")
    url = reverse("blocs:chairterm-set", args=[world.bloc.pk])
    client = client_for(world.admin)
    form = client.get(url, {"nam": "2025"}).context["form"]
    assert (form.initial["year"], form.initial["chair"], form.initial["reason"]) == (
        2025,
        world.unit_a.pk,
        "Cũ",
    )
    client.post(url, {"year": "2025", "chair": world.unit_c.pk})
    assert list(ChairTerm.objects.filter(bloc=world.bloc).values_list("year", "chair_id")) == [
        (2025, world.unit_c.pk)
    ]


def test_cluster_messages_speak_of_cum_truong(world, client_for):
    second = UnitFactory(name="Trường Quân sự")
    MembershipFactory(bloc=world.other_bloc, unit=second)
    response = client_for(world.admin).post(
        reverse("blocs:chairterm-set", args=[world.other_bloc.pk]), {"year": "2025", "chair": second.pk}
    )
    assert messages_of(response) == ["Đã ghi Trường Quân sự là cụm trưởng Cụm thi đua số 6 năm 2025."]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"deputy": "a"}, "deputy", "Đơn vị trưởng và đơn vị phó phải là hai đơn vị khác nhau."),
        ({"year": "2019"}, "chair", "Quân khu 1 không là thành viên của Khối thi đua số 2 trong năm 2019."),
        ({"chair": ""}, "chair", "Chọn đơn vị trưởng."),
        ({"chair": "other"}, "chair", "Đơn vị trưởng phải là một đơn vị thành viên của khối/cụm này."),
        ({"deputy": "other"}, "deputy", "Đơn vị phó phải là một đơn vị thành viên của khối/cụm này."),
        ({"year": ""}, "year", "Năm không được để trống."),
        ({"year": "hai nghìn"}, "year", "Năm phải là một số, ví dụ 2025."),
        ({"year": "1900"}, "year", "Năm phải từ 1945 trở đi."),
        ({"decided_on": "30/02/2025"}, "decided_on", "Ngày quyết định: Ngày “30/02/2025” không tồn tại."),
        ({"reason": "x" * 501}, "reason", "Căn cứ/lý do dài tối đa 500 ký tự (đang có 501 ký tự)."),
    ],
)
def test_set_chair_refuses_bad_input(world, client_for, data, field, message):
    units = {"a": world.unit_a.pk, "other": world.other_unit.pk}
    data = {key: units.get(value, value) for key, value in data.items()}
    response = client_for(world.admin).post(
        reverse("blocs:chairterm-set", args=[world.bloc.pk]),
        {"year": "2025", "chair": world.unit_a.pk, **data},
    )
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert message in response.content.decode()
    assert not ChairTerm.objects.exists()


def test_set_chair_refuses_a_deputy_who_was_not_a_member_that_year(world, client_for):
    Membership.objects.filter(bloc=world.bloc, unit=world.unit_b).update(left_on=date(2023, 12, 31))
    response = client_for(world.admin).post(
        reverse("blocs:chairterm-set", args=[world.bloc.pk]),
        {"year": "2024", "chair": world.unit_a.pk, "deputy": world.unit_b.pk},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["deputy"] == [
        "Quân khu 2 không là thành viên của Khối thi đua số 2 trong năm 2024."
    ]
    assert not ChairTerm.objects.exists()


def test_chair_form_of_a_bloc_without_members_says_to_add_members_first(world, client_for):
    empty = BlocFactory(name="Khối mới lập", organiser=world.root)
    page = client_for(world.admin).get(reverse("blocs:chairterm-set", args=[empty.pk])).content.decode()
    assert "chưa có đơn vị thành viên nào" in page
    assert reverse("blocs:membership-add", args=[empty.pk]) in page


def test_admin_deletes_a_chair_term_after_confirming(world, client_for):
    term = ChairTermFactory(bloc=world.bloc, year=2024, chair=world.unit_a)
    client = client_for(world.admin)
    url = reverse("blocs:chairterm-delete", args=[world.bloc.pk, term.pk])
    page = client.get(reverse("blocs:bloc-detail", args=[world.bloc.pk])).content.decode()
    assert f'action="{url}" data-confirm="Xóa nhiệm kỳ năm 2024 (Quân khu 1)?' in page
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302
    assert not ChairTerm.objects.filter(pk=term.pk).exists()
    assert messages_of(response) == [
        "Đã xóa nhiệm kỳ năm 2024 của Khối thi đua số 2 (khối trưởng: Quân khu 1)."
    ]


def test_chair_term_of_another_bloc_cannot_be_deleted_through_this_one(world, client_for):
    foreign = ChairTermFactory(bloc=world.other_bloc, year=2024, chair=world.other_unit)
    response = client_for(world.admin).post(
        reverse("blocs:chairterm-delete", args=[world.bloc.pk, foreign.pk])
    )
    assert response.status_code == 404
    assert ChairTerm.objects.filter(pk=foreign.pk).exists()


# --- Query counts --------------------------------------------------------------------------------


def grow(world, n: int) -> None:
    """Give world.bloc n more members and n chair terms (with their history), and the
    secretary n more blocs to see."""
    units = [UnitFactory(parent=world.root) for _ in range(n)]
    for index, unit in enumerate(units):
        MembershipFactory(bloc=world.bloc, unit=unit, joined_on=date(1990, 1, 1))
        ChairTermFactory(bloc=world.bloc, year=1990 + index, chair=unit, deputy=world.unit_a)
    for unit in units[: n // 3]:
        Membership.objects.filter(bloc=world.bloc, unit=unit).update(left_on=date(2010, 1, 1))
    for _ in range(n):
        bloc = BlocFactory(organiser=UnitFactory(parent=world.root))
        MembershipFactory(bloc=bloc, unit=world.unit_b)
        ChairTermFactory(bloc=bloc, year=2024, chair=world.unit_b)
        AssignmentFactory(user=world.secretary, role="secretary", bloc=bloc)


PAGES = {
    # name: (persona, url builder, expected queries)
    "list": ("secretary", lambda w: reverse("blocs:bloc-list"), 8),
    "list-search": ("admin", lambda w: reverse("blocs:bloc-list") + "?q=khoi&kind=khoi", 6),
    "detail": ("secretary", lambda w: reverse("blocs:bloc-detail", args=[w.bloc.pk]), 9),
    "detail-admin": ("admin", lambda w: reverse("blocs:bloc-detail", args=[w.bloc.pk]), 9),
    "create": ("admin", lambda w: reverse("blocs:bloc-create"), 4),
    "update": ("admin", lambda w: reverse("blocs:bloc-update", args=[w.bloc.pk]), 5),
    "membership-add": ("admin", lambda w: reverse("blocs:membership-add", args=[w.bloc.pk]), 6),
    "membership-end": (
        "admin",
        lambda w: reverse("blocs:membership-end", args=[w.bloc.pk, w.bloc.memberships.get(unit=w.unit_a).pk]),
        5,
    ),
    "chairterm-set": ("admin", lambda w: reverse("blocs:chairterm-set", args=[w.bloc.pk]) + "?nam=1991", 8),
}


@pytest.mark.parametrize("size", [3, 30])
@pytest.mark.parametrize("name", list(PAGES))
def test_pages_run_a_fixed_number_of_queries(world, client_for, django_assert_num_queries, name, size):
    grow(world, size)
    persona, url_for, expected = PAGES[name]
    client = client_for(world.persona(persona))
    url = url_for(world)
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize("size", [3, 30])
def test_adding_a_member_runs_a_fixed_number_of_queries(world, client_for, django_assert_num_queries, size):
    grow(world, size)
    unit = UnitFactory(name="Quân khu 5")
    client = client_for(world.admin)
    url = reverse("blocs:membership-add", args=[world.bloc.pk])
    with django_assert_num_queries(20):
        response = client.post(url, {"unit": unit.pk, "joined_on": "29/03/2024"})
    assert response.status_code == 302


@pytest.mark.parametrize("size", [3, 30])
def test_setting_a_chair_runs_a_fixed_number_of_queries(world, client_for, django_assert_num_queries, size):
    grow(world, size)
    client = client_for(world.admin)
    url = reverse("blocs:chairterm-set", args=[world.bloc.pk])
    with django_assert_num_queries(24):
        response = client.post(url, {"year": "2025", "chair": world.unit_a.pk, "deputy": world.unit_b.pk})
    assert response.status_code == 302


def test_bloc_page_links_to_the_pages_higher_apps_offer(world, client_for):
    from django.urls import reverse

    response = client_for(world.leader).get(reverse("blocs:bloc-detail", args=[world.bloc.pk]))
    assert response.status_code == 200
    assert reverse("campaigns:campaign-list", args=[world.bloc.pk]) in response.content.decode()
