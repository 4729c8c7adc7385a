"""The health probe, the error pages, and the rule that no page loads anything from outside."""

from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from thidua.models import WorkerHeartbeat
from thidua.worker import beat

pytestmark = pytest.mark.django_db


# --- /healthz/ ---------------------------------------------------------------------------------


def test_healthz_answers_200_with_each_part_when_database_and_broker_answer(client, settings):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    report = response.json()
    assert {"status", "database", "broker", "worker"} <= set(report)
    assert report["database"]["ok"] is True
    assert report["broker"] == {"ok": True, "transport": settings.CELERY_BROKER_URL.split("://", 1)[0]}


def test_healthz_reports_no_worker_until_one_beats(client):
    report = client.get(reverse("healthz")).json()
    assert report["worker"]["ok"] is False
    assert report["status"] == "degraded"

    beat("w1")
    report = client.get(reverse("healthz")).json()
    assert report["worker"]["ok"] is True
    assert report["worker"]["alive"] == 1
    assert report["status"] == "ok"


def test_healthz_reports_a_silent_worker(client, settings):
    beat("w1")
    stale = timezone.now() - timedelta(seconds=settings.WORKER_HEARTBEAT_MAX_AGE + 5)
    WorkerHeartbeat.objects.update(seen_at=stale)
    response = client.get(reverse("healthz"))
    assert response.status_code == 200  # a stopped worker degrades, it does not fail the probe
    assert response.json()["worker"]["ok"] is False


def test_healthz_answers_503_when_the_database_fails(client, monkeypatch):
    monkeypatch.setattr("thidua.health.check_database", lambda: {"ok": False, "error": "OperationalError"})
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    report = response.json()
    assert report["database"] == {"ok": False, "error": "OperationalError"}
    assert report["worker"]["ok"] is False


def test_healthz_answers_503_when_the_broker_fails(client, monkeypatch):
    monkeypatch.setattr(
        "thidua.health.check_broker", lambda: {"ok": False, "transport": "redis", "error": "ConnectionError"}
    )
    assert client.get(reverse("healthz")).status_code == 503


def test_healthz_needs_no_login_and_only_reads(client):
    assert client.get(reverse("healthz")).status_code == 200
    assert client.post(reverse("healthz")).status_code == 405


# --- Error pages -------------------------------------------------------------------------------


def test_unknown_address_shows_vietnamese_404(client, settings):
    settings.DEBUG = False
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Không tìm thấy trang" in html
    assert "Page not found" not in html


def test_forbidden_page_is_in_vietnamese(world, client, settings):
    settings.DEBUG = False
    client.force_login(world.leader)
    response = client.get(reverse("blocs:audit-list"))
    assert response.status_code == 403
    html = response.content.decode()
    assert "Bạn không có quyền thực hiện thao tác này" in html
    assert "liên hệ quản trị viên" in html


def test_form_without_csrf_token_shows_expired_form_page(world):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(reverse("login"), {"username": "admin", "password": "Mat-khau-123"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "Biểu mẫu đã hết hạn" in html
    assert "_auth_user_id" not in browser.session


def test_form_with_csrf_token_is_accepted(world):
    browser = Client(enforce_csrf_checks=True)
    browser.get(reverse("login"))
    token = browser.cookies["csrftoken"].value
    response = browser.post(
        reverse("login"), {"username": "admin", "password": "Mat-khau-123", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


@pytest.mark.urls("thidua.tests.urls_failing")
def test_server_error_shows_vietnamese_500(client, settings):
    settings.DEBUG = False
    client.raise_request_exception = False
    response = client.get("/hong/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Hệ thống gặp lỗi khi xử lý yêu cầu" in html
    assert "lỗi thử nghiệm" not in html  # no details leak to the user


# --- Nothing is fetched from outside the server ------------------------------------------------


class _Resources(HTMLParser):
    """Every address the browser would fetch by itself: scripts, styles, icons, images."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in {"script", "img", "iframe", "source", "audio", "video", "embed"} and values.get("src"):
            self.urls.append(values["src"] or "")
        if tag == "link" and values.get("href"):
            self.urls.append(values["href"] or "")
        if values.get("srcset"):
            self.urls.extend(part.split()[0] for part in (values["srcset"] or "").split(","))


def _external(url: str) -> bool:
    """Anything with a host ("https://…", "//cdn…") or a scheme other than an inline data: URI."""
    parts = urlsplit(url.strip())
    return bool(parts.netloc) or parts.scheme not in {"", "data"}


@pytest.mark.parametrize("page", ["home", "login"])
def test_pages_load_no_external_resource(world, client, page):
    assert _external("https://cdn.example/x.js") and _external("//cdn.example/x.js")
    assert not _external("/static/js/thidua.js")
    if page == "home":
        client.force_login(world.admin)
    response = client.get(reverse(page))
    assert response.status_code == 200
    parser = _Resources()
    parser.feed(response.content.decode())
    assert any(url.endswith("bootstrap.min.css") for url in parser.urls)
    assert any(url.endswith("htmx.min.js") for url in parser.urls)
    assert [url for url in parser.urls if _external(url)] == []
    html = response.content.decode()
    assert "fonts.googleapis" not in html and "cdn." not in html
