"""Pages for admins: users, their roles, and the audit log."""

from __future__ import annotations

from datetime import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from blocs.models import Assignment, AuditEvent, User
from blocs.services.audit import audit_record
from blocs.tests.factories import AssignmentFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
NON_ADMINS = ["secretary", "observer", "leader", "officer", "outsider", "nobody"]
GOOD_PASSWORD = "Trung-doan-841"
# Queries of any signed-in page: session, user, navigation roles (the session itself is saved
# again at most once a minute, thidua/lib/sessions.py).
REQUEST = 3


def _pages(world) -> list[tuple[str, str]]:
    assignment = world.secretary.assignments.get()
    return [
        ("get", reverse("blocs:user-list")),
        ("get", reverse("blocs:user-create")),
        ("post", reverse("blocs:user-create")),
        ("get", reverse("blocs:user-detail", args=[world.leader.pk])),
        ("get", reverse("blocs:user-update", args=[world.leader.pk])),
        ("post", reverse("blocs:user-update", args=[world.leader.pk])),
        ("post", reverse("blocs:assignment-add", args=[world.nobody.pk])),
        ("post", reverse("blocs:assignment-remove", args=[world.secretary.pk, assignment.pk])),
        ("get", reverse("blocs:audit-list")),
    ]


def _make_users(world, count: int) -> None:
    """`count` users, each with a bloc role and a unit role."""
    for _ in range(count):
        user = UserFactory()
        AssignmentFactory(user=user, role="observer", bloc=world.bloc)
        AssignmentFactory(user=user, role="officer", unit=UnitFactory())


def _user_form(**overrides) -> dict[str, str]:
    data = {
        "username": "tranthibich",
        "full_name": "Trần Thị Bích",
        "rank": "Đại úy",
        "position": "Trợ lý thi đua",
        "email": "bich@qk1.mil.vn",
        "is_active": "on",
        "password1": GOOD_PASSWORD,
        "password2": GOOD_PASSWORD,
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# --- Access ------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", NON_ADMINS)
def test_non_admin_gets_403_on_every_people_page(world, client, persona):
    client.force_login(world.persona(persona))
    users_before, assignments_before = User.objects.count(), Assignment.objects.count()
    for method, url in _pages(world):
        data = {"role": "secretary", "bloc": world.bloc.pk} if method == "post" else None
        response = getattr(client, method)(url, data)
        assert response.status_code == 403, url
        assert "Bạn không có quyền" in response.content.decode()
    assert (User.objects.count(), Assignment.objects.count()) == (users_before, assignments_before)


def test_anonymous_is_sent_to_login_page(world, client):
    for method, url in _pages(world):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login") + "?next="), url


def test_actions_refuse_get(world, client):
    client.force_login(world.admin)
    assignment = world.secretary.assignments.get()
    assert client.get(reverse("blocs:assignment-add", args=[world.nobody.pk])).status_code == 405
    url = reverse("blocs:assignment-remove", args=[world.secretary.pk, assignment.pk])
    assert client.get(url).status_code == 405
    assert Assignment.objects.filter(pk=assignment.pk).exists()


def test_admin_menu_links_to_people_pages(world, client):
    client.force_login(world.admin)
    html = client.get(reverse("home")).content.decode()
    assert reverse("blocs:user-list") in html
    assert reverse("blocs:audit-list") in html


# --- User list ---------------------------------------------------------------------------------


def test_user_list_shows_each_user_with_roles_state_and_last_login(world, client):
    locked = UserFactory(username="bichtt", full_name="Trần Thị Bích", rank="Đại úy", position="Trợ lý")
    User.objects.filter(pk=locked.pk).update(
        is_active=False, last_login=datetime(2025, 3, 5, 8, 7, tzinfo=HANOI)
    )
    client.force_login(world.admin)
    response = client.get(reverse("blocs:user-list"))
    html = response.content.decode()
    assert response.status_code == 200
    for text in ("bichtt", "Trần Thị Bích", "Đại úy", "Trợ lý", "05/03/2025 08:07", "Đã khóa"):
        assert text in html
    assert "Cán bộ thi đua (thường trực khối/cụm): Khối thi đua số 2" in html
    assert "Chỉ huy đơn vị: Quân khu 1" in html
    assert "Quản trị viên" in html
    assert reverse("blocs:user-detail", args=[locked.pk]) in html


def test_user_search_ignores_accents_and_case(world, client):
    UserFactory(username="bichtt", full_name="Trần Thị Bích", position="Trợ lý tuyên huấn")
    UserFactory(username="hungnv", full_name="Nguyễn Văn Hùng", position="Chính ủy")
    client.force_login(world.admin)
    for query in ("bich", "TRAN THI", "Bích", "tuyen huan"):
        users = list(client.get(reverse("blocs:user-list"), {"q": query}).context["users"])
        assert [u.username for u in users] == ["bichtt"], query
    users = client.get(reverse("blocs:user-list"), {"q": "SECRET"}).context["users"]
    assert sorted(u.username for u in users) == ["other_secretary", "secretary"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"role": "secretary"}, ["other_secretary", "secretary"]),
        ({"role": "observer"}, ["observer"]),
        ({"role": "leader"}, ["leader", "outsider"]),
        ({"role": "admin"}, ["admin"]),
        ({"role": "none"}, ["nobody", "zlocked"]),
        ({"state": "locked"}, ["zlocked"]),
        ({"state": "locked", "role": "secretary"}, []),
    ],
)
def test_user_list_filters_by_role_and_state(world, client, params, expected):
    UserFactory(username="zlocked", is_active=False)
    client.force_login(world.admin)
    response = client.get(reverse("blocs:user-list"), params)
    assert response.status_code == 200
    assert [u.username for u in response.context["users"]] == expected


def test_user_list_active_filter_leaves_out_locked_users(world, client):
    UserFactory(username="zlocked", is_active=False)
    client.force_login(world.admin)
    users = client.get(reverse("blocs:user-list"), {"state": "active"}).context["users"]
    names = [u.username for u in users]
    assert "zlocked" not in names and "secretary" in names


def test_user_list_rejects_unknown_filter_value(world, client):
    client.force_login(world.admin)
    response = client.get(reverse("blocs:user-list"), {"role": "general"})
    assert response.status_code == 400
    assert "Vai trò cần lọc không hợp lệ." in response.content.decode()


@pytest.mark.parametrize("size", [5, 40])
def test_user_list_query_count_is_fixed(world, client, django_assert_num_queries, size):
    _make_users(world, size)
    client.force_login(world.admin)
    with django_assert_num_queries(REQUEST + 3):  # count, page of users, their roles
        response = client.get(reverse("blocs:user-list"))
    assert len(response.context["users"]) == min(User.objects.count(), 50)


@pytest.mark.parametrize("size", [5, 40])
def test_user_search_query_count_is_fixed(world, client, django_assert_num_queries, size):
    _make_users(world, size)
    client.force_login(world.admin)
    with django_assert_num_queries(REQUEST + 4):  # count, names to fold, users, roles
        client.get(reverse("blocs:user-list"), {"q": "nguyen", "role": "observer", "state": "active"})


# --- User create -------------------------------------------------------------------------------


def test_admin_creates_user(world, client):
    client.force_login(world.admin)
    response = client.post(reverse("blocs:user-create"), _user_form(), follow=True)
    user = User.objects.get(username="tranthibich")
    assert response.redirect_chain[-1][0] == reverse("blocs:user-detail", args=[user.pk])
    assert "Đã tạo người dùng “tranthibich” (Trần Thị Bích)." in response.content.decode()
    assert (user.full_name, user.rank, user.position, user.email) == (
        "Trần Thị Bích",
        "Đại úy",
        "Trợ lý thi đua",
        "bich@qk1.mil.vn",
    )
    assert user.is_active and not user.is_superuser and not user.is_staff
    assert user.check_password(GOOD_PASSWORD)
    event = AuditEvent.objects.get(kind="change", summary="Tạo người dùng tranthibich")
    assert event.actor == world.admin


def test_admin_creates_another_admin(world, client):
    client.force_login(world.admin)
    client.post(reverse("blocs:user-create"), _user_form(is_superuser="on"))
    user = User.objects.get(username="tranthibich")
    assert user.is_superuser and user.is_staff


def test_create_form_labels_every_field_in_vietnamese(world, client):
    client.force_login(world.admin)
    html = client.get(reverse("blocs:user-create")).content.decode()
    for label in (
        "Tên đăng nhập",
        "Họ và tên",
        "Cấp bậc",
        "Chức vụ",
        "Email",
        "Mật khẩu",
        "Nhập lại mật khẩu",
    ):
        assert label in html
    assert 'for="id_password2"' in html


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"username": ""}, "Tên đăng nhập không được để trống."),
        ({"username": "a" * 151}, "Tên đăng nhập dài tối đa 150 ký tự (đang có 151 ký tự)."),
        ({"username": "tran thi bich"}, "Tên đăng nhập chỉ gồm chữ, số và các ký tự"),
        ({"username": "secretary"}, "Tên đăng nhập đã được sử dụng"),
        ({"username": "Secretary"}, "Tên đăng nhập “Secretary” đã được dùng cho người khác."),
        ({"full_name": "  "}, "Họ và tên không được để trống."),
        ({"rank": "Đ" * 61}, "Cấp bậc dài tối đa 60 ký tự"),
        ({"email": "bich@"}, "Email không đúng dạng"),
        ({"password1": None, "password2": None}, "Mật khẩu không được để trống."),
        ({"password1": "Qk1-ab", "password2": "Qk1-ab"}, "Mật khẩu quá ngắn: cần ít nhất 10 ký tự."),
        ({"password1": "password123", "password2": "password123"}, "Mật khẩu này quá phổ biến"),
        ({"password1": "8264917305", "password2": "8264917305"}, "Mật khẩu không được chỉ gồm chữ số"),
        ({"password1": "tranthibich1", "password2": "tranthibich1"}, "Mật khẩu quá giống tên đăng nhập."),
        ({"password2": "Trung-doan-842"}, "Hai lần nhập mật khẩu không khớp nhau."),
    ],
)
def test_create_refuses_bad_input_with_a_message(world, client, overrides, message):
    client.force_login(world.admin)
    before = User.objects.count()
    response = client.post(reverse("blocs:user-create"), _user_form(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert User.objects.count() == before
    assert not AuditEvent.objects.filter(kind="change").exists()


@pytest.mark.parametrize("size", [5, 40])
def test_create_form_query_count_is_fixed(world, client, django_assert_num_queries, size):
    _make_users(world, size)
    client.force_login(world.admin)
    with django_assert_num_queries(REQUEST):
        client.get(reverse("blocs:user-create"))


# --- User update -------------------------------------------------------------------------------


def _edit_form(user: User, **overrides) -> dict[str, str]:
    data = {
        "username": user.username,
        "full_name": user.full_name,
        "rank": user.rank,
        "position": user.position,
        "email": user.email,
        "is_active": "on" if user.is_active else None,
        "is_superuser": "on" if user.is_superuser else None,
        "password1": "",
        "password2": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_edit_form_is_filled_with_the_user(world, client):
    client.force_login(world.admin)
    response = client.get(reverse("blocs:user-update", args=[world.leader.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="leader"' in html and f'value="{world.leader.full_name}"' in html
    assert "Để trống nếu không đổi." in html


def test_admin_edits_user_and_keeps_password_when_left_empty(world, client):
    client.force_login(world.admin)
    url = reverse("blocs:user-update", args=[world.leader.pk])
    response = client.post(url, _edit_form(world.leader, full_name="Hoàng  Văn   Thái", rank="Thượng tá"))
    assert response.status_code == 302
    assert response["Location"] == reverse("blocs:user-detail", args=[world.leader.pk])
    world.leader.refresh_from_db()
    assert (world.leader.full_name, world.leader.rank) == ("Hoàng Văn Thái", "Thượng tá")
    assert world.leader.check_password("Mat-khau-123")
    message = client.get(response["Location"]).content.decode()
    assert "Đã lưu thông tin người dùng “leader” (Hoàng Văn Thái)." in message
    event = AuditEvent.objects.get(kind="change", summary="Sửa người dùng leader")
    assert event.data["fields"] == ["full_name", "rank"]


def test_admin_sets_a_new_password(world, client):
    client.force_login(world.admin)
    url = reverse("blocs:user-update", args=[world.leader.pk])
    client.post(url, _edit_form(world.leader, password1=GOOD_PASSWORD, password2=GOOD_PASSWORD))
    world.leader.refresh_from_db()
    assert world.leader.check_password(GOOD_PASSWORD)


def test_locking_a_user_logs_them_out_at_once(world, client):
    leader_browser = Client()
    leader_browser.force_login(world.leader)
    assert leader_browser.get(reverse("home")).status_code == 200
    client.force_login(world.admin)
    url = reverse("blocs:user-update", args=[world.leader.pk])
    assert client.post(url, _edit_form(world.leader, is_active=None)).status_code == 302
    world.leader.refresh_from_db()
    assert not world.leader.is_active
    assert leader_browser.get(reverse("home")).status_code == 302
    assert client.get(reverse("home")).status_code == 200  # the admin's own session stays
    assert Session.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"is_active": None}, "Không thể tự khóa tài khoản hoặc tự bỏ quyền quản trị của chính mình."),
        ({"is_superuser": None}, "Không thể tự khóa tài khoản hoặc tự bỏ quyền quản trị của chính mình."),
        ({"username": "secretary"}, "Tên đăng nhập đã được sử dụng"),
        ({"full_name": ""}, "Họ và tên không được để trống."),
        ({"password1": "Qk1-ab", "password2": "Qk1-ab"}, "Mật khẩu quá ngắn: cần ít nhất 10 ký tự."),
        ({"password1": GOOD_PASSWORD}, "Nhập lại mật khẩu để xác nhận."),
        ({"password2": GOOD_PASSWORD}, "Nhập mật khẩu mới (hoặc để trống cả hai ô nếu không đổi)."),
    ],
)
def test_admin_cannot_lock_or_demote_self_nor_save_bad_input(world, client, overrides, message):
    world.admin.full_name = "Quản Trị Viên"
    world.admin.save()
    client.force_login(world.admin)
    response = client.post(
        reverse("blocs:user-update", args=[world.admin.pk]), _edit_form(world.admin, **overrides)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    world.admin.refresh_from_db()
    assert world.admin.is_active and world.admin.is_superuser
    assert (world.admin.username, world.admin.full_name) == ("admin", "Quản Trị Viên")
    assert world.admin.check_password("Mat-khau-123")
    assert not AuditEvent.objects.filter(kind="change").exists()


def test_edit_of_unknown_user_is_404(world, client):
    client.force_login(world.admin)
    assert client.get(reverse("blocs:user-update", args=[99999])).status_code == 404


@pytest.mark.parametrize("size", [5, 40])
def test_edit_form_query_count_is_fixed(world, client, django_assert_num_queries, size):
    _make_users(world, size)
    client.force_login(world.admin)
    with django_assert_num_queries(REQUEST + 1):  # the edited user
        client.get(reverse("blocs:user-update", args=[world.leader.pk]))


# --- User detail and roles ---------------------------------------------------------------------


def test_user_detail_shows_profile_roles_and_recent_activity(world, client):
    for n in range(25):
        audit_record(kind="login", summary=f"Đăng nhập lần {n}", actor=world.observer)
    audit_record(kind="login_failed", summary="Đăng nhập thất bại", username="observer")
    audit_record(kind="login", summary="Người khác", actor=world.leader)
    client.force_login(world.admin)
    response = client.get(reverse("blocs:user-detail", args=[world.observer.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert world.observer.full_name in html
    assert "Theo dõi (cấp trên)" in html and "Khối thi đua số 2 (Bộ Quốc phòng)" in html
    assignment = world.observer.assignments.get()
    assert reverse("blocs:assignment-remove", args=[world.observer.pk, assignment.pk]) in html
    assert 'data-confirm="Bỏ vai trò “Theo dõi (cấp trên)” tại Khối thi đua số 2' in html
    events = list(response.context["events"])
    assert len(events) == 20
    assert events[0].summary == "Đăng nhập thất bại"  # newest first, failures under their username
    assert "Người khác" not in html
    for label in ("Vai trò", "Khối/cụm", "Đơn vị", "Được ký chứng kiến"):
        assert label in html


def test_user_detail_of_unknown_user_is_404(world, client):
    client.force_login(world.admin)
    assert client.get(reverse("blocs:user-detail", args=[99999])).status_code == 404


@pytest.mark.parametrize("size", [5, 40])
def test_user_detail_query_count_is_fixed(world, client, django_assert_num_queries, size):
    target = UserFactory(username="busy")
    for _ in range(size):
        AssignmentFactory(user=target, role="officer", unit=UnitFactory())
        audit_record(kind="login", summary="Đăng nhập", actor=target)
    client.force_login(world.admin)
    # the user, their roles, their events, the blocs and the units to choose from
    with django_assert_num_queries(REQUEST + 5):
        response = client.get(reverse("blocs:user-detail", args=[target.pk]))
    assert len(response.context["assignments"]) == size


@pytest.mark.parametrize(
    ("role", "target", "can_witness"),
    [
        ("secretary", "bloc", False),
        ("observer", "bloc", True),
        ("leader", "unit", False),
        ("officer", "unit", False),
    ],
)
def test_admin_gives_a_role(world, client, role, target, can_witness):
    client.force_login(world.admin)
    where = world.bloc if target == "bloc" else world.unit_b
    data = {"role": role, target: where.pk}
    if can_witness:
        data["can_witness"] = "on"
    response = client.post(reverse("blocs:assignment-add", args=[world.nobody.pk]), data, follow=True)
    assignment = Assignment.objects.get(user=world.nobody)
    assert (assignment.role, assignment.bloc or assignment.unit, assignment.can_witness) == (
        role,
        where,
        can_witness,
    )
    html = response.content.decode()
    assert f"Đã giao vai trò “{assignment.get_role_display()}” tại {where} cho {world.nobody}" in html
    assert AuditEvent.objects.filter(kind="change", summary__startswith="Giao vai trò").exists()


def test_witness_flag_is_ignored_for_unit_roles(world, client):
    client.force_login(world.admin)
    data = {"role": "leader", "unit": world.unit_b.pk, "can_witness": "on"}
    client.post(reverse("blocs:assignment-add", args=[world.nobody.pk]), data)
    assert not Assignment.objects.get(user=world.nobody).can_witness


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Chọn vai trò cần giao."),
        ({"role": "general", "unit": "unit_a"}, "Vai trò không hợp lệ."),
        ({"role": "leader", "bloc": "bloc"}, "Vai trò “Chỉ huy đơn vị” gắn với một đơn vị: hãy chọn đơn vị."),
        ({"role": "officer"}, "Vai trò “Cán bộ đơn vị” gắn với một đơn vị: hãy chọn đơn vị."),
        (
            {"role": "secretary", "unit": "unit_a"},
            "Vai trò “Cán bộ thi đua (thường trực khối/cụm)” gắn với một khối/cụm: hãy chọn khối/cụm.",
        ),
        ({"role": "observer", "bloc": 99999}, "Khối/cụm đã chọn không còn trong danh sách."),
        ({"role": "leader", "unit": "unit_a"}, "Người dùng đã có vai trò này ở đơn vị này."),
    ],
)
def test_giving_a_role_refuses_wrong_input(world, client, data, message):
    data = {
        key: getattr(world, value).pk if value in ("bloc", "unit_a") else value for key, value in data.items()
    }
    client.force_login(world.admin)
    before = Assignment.objects.count()
    response = client.post(reverse("blocs:assignment-add", args=[world.leader.pk]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Assignment.objects.count() == before
    assert not AuditEvent.objects.filter(kind="change").exists()


def test_admin_removes_a_role(world, client):
    assignment = world.secretary.assignments.get()
    client.force_login(world.admin)
    url = reverse("blocs:assignment-remove", args=[world.secretary.pk, assignment.pk])
    response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("blocs:user-detail", args=[world.secretary.pk])
    assert not Assignment.objects.filter(pk=assignment.pk).exists()
    html = response.content.decode()
    assert "Đã bỏ vai trò “Cán bộ thi đua (thường trực khối/cụm)” tại Khối thi đua số 2" in html
    assert AuditEvent.objects.get(kind="change").summary.startswith("Bỏ vai trò: ")


def test_removing_a_role_through_another_users_address_is_404(world, client):
    assignment = world.secretary.assignments.get()
    client.force_login(world.admin)
    url = reverse("blocs:assignment-remove", args=[world.leader.pk, assignment.pk])
    assert client.post(url).status_code == 404
    assert Assignment.objects.filter(pk=assignment.pk).exists()


# --- Audit log ---------------------------------------------------------------------------------


def _event_at(moment: datetime, **fields) -> AuditEvent:
    with mock.patch("django.utils.timezone.now", return_value=moment):
        return AuditEvent.objects.create(**fields)


def test_audit_log_lists_newest_first_with_time_kind_user_ip_and_summary(world, client):
    _event_at(datetime(2025, 1, 2, 9, 5, tzinfo=HANOI), kind="login", username="leader", summary="Cũ hơn")
    _event_at(
        datetime(2025, 6, 7, 14, 30, tzinfo=HANOI),
        kind="login_failed",
        username="leader",
        ip="10.1.2.3",
        summary="Đăng nhập thất bại",
    )
    client.force_login(world.admin)
    response = client.get(reverse("blocs:audit-list"))
    html = response.content.decode()
    assert response.status_code == 200
    events = [e.summary for e in response.context["events"]]
    assert events == ["Đăng nhập thành công", "Đăng nhập thất bại", "Cũ hơn"]  # the admin's login first
    for text in ("07/06/2025 14:30", "Đăng nhập thất bại", "leader", "10.1.2.3", "02/01/2025 09:05"):
        assert text in html


def test_audit_log_pages_by_fifty(world, client):
    for n in range(60):
        audit_record(kind="export", summary=f"Xuất {n}")
    client.force_login(world.admin)
    first = client.get(reverse("blocs:audit-list"), {"kind": "export"})
    assert len(first.context["events"]) == 50
    assert "Trang 1/2" in first.content.decode()
    assert "kind=export&amp;page=2" in first.content.decode()
    second = client.get(reverse("blocs:audit-list"), {"kind": "export", "page": 2})
    assert [e.summary for e in second.context["events"]] == [f"Xuất {n}" for n in range(9, -1, -1)]


def test_audit_log_filters_by_kind_username_and_dates(world, client):
    _event_at(datetime(2025, 3, 31, 23, 59, tzinfo=HANOI), kind="login", username="leader", summary="a")
    _event_at(datetime(2025, 4, 1, 0, 0, tzinfo=HANOI), kind="login", username="leader", summary="b")
    _event_at(datetime(2025, 4, 30, 23, 59, tzinfo=HANOI), kind="login", username="leader", summary="c")
    _event_at(datetime(2025, 5, 1, 0, 0, tzinfo=HANOI), kind="login", username="leader", summary="d")
    _event_at(datetime(2025, 4, 10, tzinfo=HANOI), kind="denied", username="leader", summary="e")
    _event_at(datetime(2025, 4, 10, tzinfo=HANOI), kind="login", username="officer", summary="f")
    client.force_login(world.admin)
    params = {"kind": "login", "username": "LEAD", "date_from": "01/04/2025", "date_to": "30/04/2025"}
    response = client.get(reverse("blocs:audit-list"), params)
    assert [e.summary for e in response.context["events"]] == ["c", "b"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date_from": "31/02/2025"}, "Ngày “31/02/2025” không tồn tại."),
        ({"date_to": "hôm qua"}, "“hôm qua” không đúng dạng ngày/tháng/năm"),
        ({"date_from": "30/04/2025", "date_to": "01/04/2025"}, "“Đến ngày” phải sau hoặc bằng “Từ ngày”."),
        ({"kind": "hack"}, "Loại sự kiện không hợp lệ."),
    ],
)
def test_audit_log_refuses_bad_filters(world, client, params, message):
    audit_record(kind="login", summary="Đăng nhập")
    client.force_login(world.admin)
    response = client.get(reverse("blocs:audit-list"), params)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert list(response.context["events"]) == []


@pytest.mark.parametrize("size", [5, 60])
def test_audit_log_query_count_is_fixed(world, client, django_assert_num_queries, size):
    for n in range(size):
        audit_record(kind="login", summary=f"Đăng nhập {n}", actor=world.leader)
    client.force_login(world.admin)
    with django_assert_num_queries(REQUEST + 2):  # count, page
        client.get(reverse("blocs:audit-list"), {"kind": "login", "date_from": "01/01/2020"})
