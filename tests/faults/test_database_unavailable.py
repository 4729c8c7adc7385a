"""The database unreachable: a Vietnamese 503 page without a stack trace, rendered without the
database, and the next request served normally once the database answers again.

These tests make the connection fail on purpose and run on any database; the same behaviour
against a real PostgreSQL cut off behind a proxy is in test_database_proxy.py."""

from __future__ import annotations

import pytest
from django.db import InterfaceError, OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from thidua.middleware import database_unavailable_response

pytestmark = pytest.mark.django_db

HEADING = "Hệ thống tạm thời không truy cập được cơ sở dữ liệu"


@pytest.fixture
def database_down(monkeypatch):
    """Call it to make every attempt to reach the database fail as a refused connection does;
    `.undo()` brings the database back."""

    def refuse(*args, **kwargs):
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')

    def cut():
        monkeypatch.setattr(connection, "ensure_connection", refuse)
        monkeypatch.setattr(connection, "cursor", refuse)
        return monkeypatch

    return cut


def assert_vietnamese_503(response) -> None:
    html = response.content.decode()
    assert response.status_code == 503
    assert HEADING in html and "Hãy thử lại sau ít phút" in html
    assert '<html lang="vi">' in html
    assert "Traceback" not in html and "OperationalError" not in html and "5432" not in html
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("page", ["login", "home"])
def test_pages_answer_503_in_vietnamese_when_the_database_is_down(world, client, database_down, page):
    client.force_login(world.secretary)
    database_down()
    assert_vietnamese_503(client.get(reverse(page)))


def test_an_anonymous_visitor_signing_in_gets_503_too(world, client, database_down):
    """No session yet: the database is first needed by the login form, inside the view."""
    database_down()
    response = client.post(reverse("login"), {"username": "secretary", "password": "Mat-khau-123"})
    assert_vietnamese_503(response)


def test_a_request_that_needs_no_database_does_not_open_a_connection(client, database_down):
    """Anonymous pages that read nothing (the login form) are served as before."""
    database_down()
    assert client.get(reverse("login")).status_code == 200


def test_a_form_post_answers_503_and_keeps_the_visitors_session_cookie(world, client, database_down):
    client.force_login(world.secretary)
    cookie = client.cookies["sessionid"].value
    database_down()
    response = client.post(reverse("logout"))
    assert_vietnamese_503(response)
    assert "sessionid" not in response.cookies  # neither deleted nor replaced
    assert client.cookies["sessionid"].value == cookie


def test_an_htmx_request_gets_the_503_status_for_the_page_script_to_explain(world, client, database_down):
    client.force_login(world.secretary)
    database_down()
    response = client.get(reverse("home"), HTTP_HX_REQUEST="true")
    assert response.status_code == 503


def test_a_connection_lost_inside_a_view_answers_503(world, client, monkeypatch):
    """The connection opened, then broke while the view ran its queries."""
    client.force_login(world.admin)

    def broken(*args, **kwargs):
        raise InterfaceError("connection already closed")

    monkeypatch.setattr("blocs.views.people.Paginator.get_page", broken)
    assert_vietnamese_503(client.get(reverse("blocs:user-list")))


def test_the_health_probe_still_answers_json(client, monkeypatch):
    monkeypatch.setattr("thidua.health.check_database", lambda: {"ok": False, "error": "OperationalError"})
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["database"] == {"ok": False, "error": "OperationalError"}


def test_the_503_page_is_rendered_without_touching_the_database():
    with CaptureQueriesContext(connection) as queries:
        response = database_unavailable_response()
    assert len(queries) == 0
    assert_vietnamese_503(response)
    assert "/static/css/error.css" in response.content.decode()


def test_the_next_request_is_served_once_the_database_answers(world, client, database_down):
    client.force_login(world.secretary)
    cut = database_down()
    assert client.get(reverse("home")).status_code == 503
    cut.undo()
    assert client.get(reverse("home")).status_code == 200


def test_other_errors_still_give_the_500_page(client, settings):
    from thidua.middleware import DatabaseUnavailableMiddleware

    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    assert middleware.process_exception(None, RuntimeError("x")) is None
    assert middleware.process_exception(None, OperationalError("x")).status_code == 503
