"""Sessions end on logout, everywhere on request, and for disabled users; denied access (403) is
audited, an outsider's 404 is not; failed logins and lockouts are audited and throttled."""

from __future__ import annotations

import pytest
from django.conf import settings as project_settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from blocs.models import AuditEvent, User
from blocs.services.users import user_update
from blocs.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Mat-khau-123"  # the factories' password


def signed_in(user: User) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def is_signed_in(browser: Client) -> bool:
    """What the server thinks of this browser's cookie, on a page that needs a login."""
    return browser.get(reverse("home")).status_code == 200


def sessions_of(user: User) -> int:
    return sum(1 for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(user.pk))


# --- Logout ends the session on the server ----------------------------------------------------


def test_a_logged_out_session_cookie_cannot_be_replayed(world):
    browser = signed_in(world.leader)
    stolen = browser.cookies["sessionid"].value
    browser.post(reverse("logout"))
    thief = Client()
    thief.cookies["sessionid"] = stolen
    assert not is_signed_in(thief)
    assert not Session.objects.filter(session_key=stolen).exists()


# --- "Đăng xuất khỏi mọi thiết bị" -------------------------------------------------------------


def test_the_page_explains_what_signing_out_everywhere_does(world):
    browser = signed_in(world.leader)
    response = browser.get(reverse("blocs:sign-out-everywhere"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Đăng xuất khỏi mọi thiết bị" in html and "cả trên máy này" in html
    assert sessions_of(world.leader) == 1  # looking changes nothing


def test_a_user_signs_out_of_every_device_including_this_one(world):
    office, laptop = signed_in(world.leader), signed_in(world.leader)
    colleague = signed_in(world.officer)
    response = office.post(reverse("blocs:sign-out-everywhere"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("login")
    assert "Đã đăng xuất khỏi mọi thiết bị: 2 phiên đã kết thúc" in response.content.decode()
    assert not is_signed_in(office) and not is_signed_in(laptop)
    assert is_signed_in(colleague)
    event = AuditEvent.objects.get(summary__startswith="Đăng xuất khỏi mọi thiết bị")
    assert (event.kind, event.actor, event.data) == (
        "logout",
        world.leader,
        {"user": world.leader.pk, "sessions_ended": 2},
    )


def test_signing_out_everywhere_needs_a_login_and_a_post(world, client):
    response = client.post(reverse("blocs:sign-out-everywhere"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    browser = signed_in(world.leader)
    assert browser.put(reverse("blocs:sign-out-everywhere")).status_code == 405
    assert is_signed_in(browser)


def test_the_password_change_page_offers_signing_out_everywhere(world):
    html = signed_in(world.leader).get(reverse("password_change")).content.decode()
    assert reverse("blocs:sign-out-everywhere") in html


def test_an_admin_signs_a_user_out_of_every_device(world):
    admin = signed_in(world.admin)
    detail = admin.get(reverse("blocs:user-detail", args=[world.leader.pk])).content.decode()
    assert reverse("blocs:user-sign-out-everywhere", args=[world.leader.pk]) in detail
    phone, desk = signed_in(world.leader), signed_in(world.leader)

    response = admin.post(reverse("blocs:user-sign-out-everywhere", args=[world.leader.pk]), follow=True)

    assert "khỏi mọi thiết bị: 2 phiên đã kết thúc" in response.content.decode()
    assert not is_signed_in(phone) and not is_signed_in(desk)
    assert is_signed_in(admin)
    event = AuditEvent.objects.get(summary__startswith="Đăng xuất khỏi mọi thiết bị")
    assert event.actor == world.admin and "leader" in event.summary


def test_an_admin_signing_themself_out_everywhere_is_signed_out_here_too(world):
    admin = signed_in(world.admin)
    response = admin.post(reverse("blocs:user-sign-out-everywhere", args=[world.admin.pk]))
    assert response["Location"] == reverse("login")
    assert not is_signed_in(admin)


def test_only_admins_sign_other_users_out_and_the_attempt_is_audited(world):
    secretary = signed_in(world.secretary)
    target = signed_in(world.leader)
    response = secretary.post(reverse("blocs:user-sign-out-everywhere", args=[world.leader.pk]))
    assert response.status_code == 403
    assert is_signed_in(target)
    assert AuditEvent.objects.filter(kind="denied", actor=world.secretary).count() == 1


# --- Disabled users ----------------------------------------------------------------------------


def test_locking_a_user_through_the_user_page_ends_their_sessions_at_once(world):
    browser = signed_in(world.leader)
    user_update(user=world.leader, actor=world.admin, is_active=False)
    assert sessions_of(world.leader) == 0
    assert not is_signed_in(browser)


def test_a_user_locked_on_the_admin_site_is_signed_out_on_their_next_request(world):
    """The admin site saves `is_active` without ending sessions: the next request of the locked
    user is anonymous and ends the session, so unlocking the account later does not sign that
    browser back in."""
    browser = signed_in(world.leader)
    User.objects.filter(pk=world.leader.pk).update(is_active=False)  # as the admin site saves it
    assert sessions_of(world.leader) == 1

    response = browser.get(reverse("home"))

    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert sessions_of(world.leader) == 0
    event = AuditEvent.objects.get(summary="Kết thúc phiên của tài khoản đã bị khóa")
    assert (event.kind, event.username) == ("logout", "leader")
    User.objects.filter(pk=world.leader.pk).update(is_active=True)
    assert not is_signed_in(browser)  # signed out for good, not just while locked


def test_a_password_reset_by_the_admin_signs_the_user_out_everywhere(world):
    browser = signed_in(world.leader)
    user_update(user=world.leader, actor=world.admin, password="Trung-doan-841-moi")
    assert not is_signed_in(browser)


# --- Denied access is audited; an outsider's 404 is not -----------------------------------------


def test_each_forbidden_request_is_audited_once(world):
    browser = signed_in(world.observer)
    create = reverse("campaigns:campaign-create", args=[world.bloc.pk])
    assert browser.get(create).status_code == 403
    assert browser.post(create, {"name": "x"}).status_code == 403
    assert browser.get(create, HTTP_HX_REQUEST="true").status_code == 403
    events = AuditEvent.objects.filter(kind="denied").order_by("pk")
    assert [(e.actor, e.path) for e in events] == [(world.observer, create)] * 3
    assert [e.summary.split()[4] for e in events] == ["GET", "POST", "GET"]


def test_an_outsiders_404_leaves_no_audit_event(world):
    browser = signed_in(world.outsider)
    before = AuditEvent.objects.count()
    for _ in range(5):
        assert browser.get(reverse("blocs:bloc-detail", args=[world.bloc.pk])).status_code == 404
        assert browser.get("/khong-co-trang-nay/").status_code == 404
    assert AuditEvent.objects.count() == before


# --- Login throttling and its audit --------------------------------------------------------------


def test_lockout_after_the_failure_limit_with_the_vietnamese_message_and_every_step_audited(client):
    UserFactory(username="hung")
    limit = project_settings.AXES_FAILURE_LIMIT

    def attempt(password: str):
        return client.post(
            reverse("login"), {"username": "hung", "password": password}, REMOTE_ADDR="10.0.0.7"
        )

    for _ in range(limit - 1):
        response = attempt("Sai-mat-khau-9")
        assert response.status_code == 200
        assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.content.decode()
    response = attempt("Sai-mat-khau-9")
    assert response.status_code == 429
    assert "Tài khoản tạm bị khóa đăng nhập" in response.content.decode()
    assert attempt(PASSWORD).status_code == 429  # the right password too, during the cool-off
    assert "_auth_user_id" not in client.session

    assert AuditEvent.objects.filter(kind="login_failed", username="hung", ip="10.0.0.7").count() >= limit
    assert AuditEvent.objects.filter(kind="locked_out", username="hung", ip="10.0.0.7").exists()
    assert not AuditEvent.objects.filter(kind="login").exists()
