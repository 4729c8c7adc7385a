"""Signing in and out, throttling, sessions, password change, and the audit of all of it."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.conf import settings as project_settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from blocs.models import AuditEvent
from blocs.tests.factories import UserFactory
from thidua.lib.sessions import REFRESHED_AT

pytestmark = pytest.mark.django_db

PASSWORD = "Mat-khau-123"  # the factories' password
WRONG = "Sai-mat-khau-9"
WRONG_LOGIN = "Tên đăng nhập hoặc mật khẩu không đúng."


def _login(client, username: str, password: str, ip: str = "127.0.0.1", **extra):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip, **extra
    )


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- Login page --------------------------------------------------------------------------------


def test_login_page_is_in_vietnamese(client):
    response = client.get(reverse("login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="vi">' in html
    for text in ("Đăng nhập", "Tên đăng nhập", "Mật khẩu", "Quên mật khẩu?"):
        assert text in html
    assert 'for="id_username"' in html and 'for="id_password"' in html


def test_successful_login_goes_home_and_is_audited(client):
    user = UserFactory(username="hung")
    response = _login(client, "hung", PASSWORD, ip="10.0.0.7")
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert _signed_in(client)
    event = AuditEvent.objects.get(kind="login")
    assert (event.actor, event.username, event.ip) == (user, "hung", "10.0.0.7")


def test_wrong_password_shows_vietnamese_message_and_is_audited(client):
    UserFactory(username="hung")
    response = _login(client, "hung", WRONG, ip="10.0.0.7")
    assert response.status_code == 200
    assert WRONG_LOGIN in response.content.decode()
    assert not _signed_in(client)
    event = AuditEvent.objects.get(kind="login_failed")
    assert (event.actor, event.username, event.ip) == (None, "hung", "10.0.0.7")
    assert not AuditEvent.objects.filter(kind="login").exists()


def test_unknown_username_is_refused_like_a_wrong_password(client):
    response = _login(client, "khongco", WRONG)
    assert WRONG_LOGIN in response.content.decode()
    assert AuditEvent.objects.get(kind="login_failed").username == "khongco"


def test_locked_account_cannot_log_in(client):
    UserFactory(username="hung", is_active=False)
    response = _login(client, "hung", PASSWORD)
    assert response.status_code == 200
    assert WRONG_LOGIN in response.content.decode()
    assert not _signed_in(client)
    assert not AuditEvent.objects.filter(kind="login").exists()


def test_login_page_does_not_redirect_off_site(client):
    UserFactory(username="hung")
    response = client.post(
        reverse("login") + "?next=https://example.com/", {"username": "hung", "password": PASSWORD}
    )
    assert response["Location"] == reverse("home")


# --- Throttling (django-axes) ------------------------------------------------------------------


def test_repeated_failures_lock_the_username_from_that_address_only(client, django_user_model):
    UserFactory(username="hung")
    limit = project_settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        assert _login(client, "hung", WRONG, ip="10.0.0.7").status_code == 200
    assert not AuditEvent.objects.filter(kind="locked_out").exists()

    response = _login(client, "hung", WRONG, ip="10.0.0.7")
    assert "tạm bị khóa" in response.content.decode()
    event = AuditEvent.objects.get(kind="locked_out")
    assert (event.username, event.ip) == ("hung", "10.0.0.7")

    # Even the right password is refused from that address during the cool-off...
    response = _login(client, "hung", PASSWORD, ip="10.0.0.7")
    assert "tạm bị khóa" in response.content.decode()
    assert not _signed_in(client)
    # ...while the same person at another machine signs in.
    response = _login(client, "hung", PASSWORD, ip="10.0.0.8")
    assert response.status_code == 302
    assert _signed_in(client)


def test_failures_of_one_username_do_not_lock_another(client):
    UserFactory(username="hung")
    UserFactory(username="lan")
    for _ in range(project_settings.AXES_FAILURE_LIMIT):
        _login(client, "hung", WRONG)
    assert _login(client, "lan", PASSWORD).status_code == 302


def test_forwarded_for_header_cannot_dodge_the_lock(client):
    """Without a trusted proxy, X-Forwarded-For is whatever the client wants it to be."""
    UserFactory(username="hung")
    for n in range(project_settings.AXES_FAILURE_LIMIT):
        _login(client, "hung", WRONG, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    response = _login(client, "hung", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.200")
    assert "tạm bị khóa" in response.content.decode()


def test_lockout_page_is_in_vietnamese(client):
    UserFactory(username="hung")
    for _ in range(project_settings.AXES_FAILURE_LIMIT):
        response = _login(client, "hung", WRONG)
    html = response.content.decode()
    assert response.status_code == 429
    assert "Tài khoản tạm bị khóa đăng nhập" in html
    assert "liên hệ quản trị viên" in html


# --- Logout and sessions -----------------------------------------------------------------------


def test_logout_by_post_ends_the_session(client):
    user = UserFactory(username="hung")
    client.force_login(user)
    session_key = client.session.session_key
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert not _signed_in(client)
    assert not Session.objects.filter(session_key=session_key).exists()
    assert AuditEvent.objects.get(kind="logout").actor == user
    assert client.get(reverse("home")).status_code == 302


def test_logout_refuses_get(client):
    client.force_login(UserFactory())
    assert client.get(reverse("logout")).status_code == 405
    assert _signed_in(client)


def test_sessions_expire_when_idle():
    assert 0 < project_settings.SESSION_COOKIE_AGE <= 12 * 3600
    assert 0 < project_settings.SESSION_REFRESH_SECONDS <= 300
    assert project_settings.SESSION_COOKIE_HTTPONLY is True


def _age_refresh(session_key: str, seconds: int) -> None:
    """Pretend the session was last saved `seconds` ago, and expires five minutes from now."""
    store = SessionStore(session_key)
    store[REFRESHED_AT] = store[REFRESHED_AT] - seconds
    store.save()
    Session.objects.filter(pk=session_key).update(expire_date=timezone.now() + timedelta(minutes=5))


def test_a_request_after_the_refresh_interval_pushes_the_idle_deadline_back(client):
    client.force_login(UserFactory())
    session = Session.objects.get()
    _age_refresh(session.pk, project_settings.SESSION_REFRESH_SECONDS)

    client.get(reverse("home"))

    expires = Session.objects.get(pk=session.pk).expire_date
    assert expires > timezone.now() + timedelta(seconds=project_settings.SESSION_COOKIE_AGE - 60)


def test_requests_within_the_refresh_interval_do_not_write_the_session(client):
    client.force_login(UserFactory())
    session = Session.objects.get()
    _age_refresh(session.pk, project_settings.SESSION_REFRESH_SECONDS - 10)

    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("home"))

    assert not [q for q in captured.captured_queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
    assert Session.objects.get(pk=session.pk).expire_date < timezone.now() + timedelta(minutes=6)


def test_signing_in_starts_the_idle_deadline(client):
    user = UserFactory()
    _login(client, user.username, PASSWORD)
    store = SessionStore(client.session.session_key)
    assert abs(store[REFRESHED_AT] - time.time()) < 60
    expires = Session.objects.get().expire_date
    assert expires > timezone.now() + timedelta(seconds=project_settings.SESSION_COOKIE_AGE - 60)


def test_expired_session_sends_the_user_to_login(client):
    client.force_login(UserFactory())
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_htmx_request_with_expired_session_redirects_whole_page_to_login(client):
    page = reverse("blocs:user-list")
    response = client.get(page, HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL=f"http://testserver{page}?q=abc")
    assert response.status_code == 204
    assert "Location" not in response
    target = response["HX-Redirect"]
    assert target.startswith(reverse("login") + "?")
    assert "expired=1" in target and "next=%2Fnguoi-dung%2F%3Fq%3Dabc" in target
    login_page = client.get(target)
    assert "Phiên đăng nhập đã hết hạn" in login_page.content.decode()


def test_plain_request_without_session_gets_a_normal_redirect(client):
    response = client.get(reverse("blocs:user-list"))
    assert response.status_code == 302
    assert "HX-Redirect" not in response
    assert "Phiên đăng nhập đã hết hạn" not in client.get(response["Location"]).content.decode()


# --- Denied access -----------------------------------------------------------------------------


def test_denied_access_is_audited(world, client):
    client.force_login(world.secretary)
    response = client.get(reverse("blocs:user-list"), REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 403
    event = AuditEvent.objects.get(kind="denied")
    assert (event.actor, event.username, event.ip) == (world.secretary, "secretary", "10.0.0.9")
    assert event.path == reverse("blocs:user-list")
    assert "/nguoi-dung/" in event.summary


# --- Password change ---------------------------------------------------------------------------


def test_password_change_page_is_in_vietnamese(client):
    client.force_login(UserFactory())
    html = client.get(reverse("password_change")).content.decode()
    for label in ("Mật khẩu hiện tại", "Mật khẩu mới", "Nhập lại mật khẩu mới"):
        assert label in html


def test_password_change_works_and_keeps_the_user_signed_in(client):
    user = UserFactory(username="hung")
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "Trung-doan-841", "new_password2": "Trung-doan-841"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")
    user.refresh_from_db()
    assert user.check_password("Trung-doan-841")
    assert "Đã đổi mật khẩu" in client.get(response["Location"]).content.decode()


def test_password_change_refuses_a_wrong_current_password(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {"old_password": WRONG, "new_password1": "Trung-doan-841", "new_password2": "Trung-doan-841"},
    )
    assert response.status_code == 200
    assert "Mật khẩu cũ không chính xác" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_change_refuses_a_short_password_in_vietnamese(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "Qk1-ab", "new_password2": "Qk1-ab"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert "This password is too short" not in html
    assert "Mật khẩu quá ngắn" in html


def test_password_change_needs_login(client):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
