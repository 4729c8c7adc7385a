"""Hostile input on every form and every page of the product: never a 500.

Every URL of the access matrix (tests/access/test_matrix.py) is asked by the first persona it
lets in: its GET with hostile values in the query parameters the pages read, and its POST with
every field of the page's forms set to each hostile value in turn — a NUL character (which
PostgreSQL refuses in text), a very long text, a negative, a huge number, markup, a date that
does not exist, a number in Eastern Arabic digits. Each must be answered with a page, a
redirect or a refusal (4xx), never with a server error. Run on PostgreSQL in CI."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client

from tests.access.test_matrix import (  # noqa: F401 (the world and its settings are fixtures)
    INSIDERS,
    OK,
    ROWS,
    _matrix_settings,
    matrix,
    url_of,
)

HOSTILE = {
    "nul": "a\x00b",
    "long": "Đ" * 5000,
    "negative": "-1",
    "huge": "9" * 40,
    "markup": '<script>alert("x")</script>',
    "no-such-date": "31/02/2024",
    "arabic-digits": "١٢",
}
# The query parameters the product's pages read (filters, search, paging, the year, the unit).
QUERY_PARAMETERS = ("q", "page", "nam", "year", "kind", "loai", "don_vi", "khoi", "ky", "trang_thai", "next")
SKIPPED_FIELDS = {"csrfmiddlewaretoken"}


class _FieldNames(HTMLParser):
    """The names of the inputs, selects and textareas of a page's POST forms."""

    def __init__(self):
        super().__init__()
        self.names: list[str] = []
        self._in_post_form = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self._in_post_form = (attributes.get("method") or "").lower() == "post"
        elif self._in_post_form and tag in ("input", "select", "textarea"):
            name = attributes.get("name")
            if name and name not in SKIPPED_FIELDS and name not in self.names:
                self.names.append(name)

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_post_form = False


def _first_admitted(expect: dict[str, str]) -> str | None:
    return next((persona for persona in INSIDERS if expect.get(persona) == OK), None)


class _Asker:
    """One signed-in client per test; every request in a transaction rolled back after it, and
    a new sign-in when a request ended the session (signing out everywhere)."""

    def __init__(self, world, persona: str):
        self.user = getattr(world, persona)
        self.client = Client()
        self.client.force_login(self.user)

    def __call__(self, method: str, url: str, data: dict | None = None):
        with transaction.atomic():
            response = getattr(self.client, method)(url, data or {})
            transaction.set_rollback(True)
        if (
            not self.client.cookies.get(settings.SESSION_COOKIE_NAME, None)
            or not self.client.cookies[settings.SESSION_COOKIE_NAME].value
        ):
            self.client.force_login(self.user)
        return response


POSTS = [
    pytest.param(name, id=name)
    for name, row in ROWS.items()
    if row.post is not None and _first_admitted(row.post) and name not in ("logout",)
]
GETS = [
    pytest.param(name, id=name)
    for name, row in ROWS.items()
    if row.get is not None and _first_admitted(row.get)
]


def _asker_for(request, name: str, method: str) -> tuple[str, str, _Asker]:
    """The URL, the first persona its `method` lets in, and that persona's asker."""
    world = request.getfixturevalue("matrix")
    persona = _first_admitted(ROWS[name].methods()[method])
    return url_of(world, name), persona, _Asker(world, persona)


def _assert_no_server_error(response, what: str) -> None:
    assert response.status_code < 500, f"{what}: HTTP {response.status_code}"


@pytest.mark.django_db
@pytest.mark.usefixtures("matrix")
@pytest.mark.parametrize("name", POSTS)
def test_every_form_refuses_hostile_values_without_a_server_error(request, name):
    row = ROWS[name]
    url, persona, ask = _asker_for(request, name, "POST")
    names: list[str] = []
    if row.get is not None and row.get.get(persona) == OK:
        page = ask("get", url)
        if page.get("Content-Type", "").startswith("text/html"):
            parser = _FieldNames()
            parser.feed(page.content.decode())
            names = parser.names
    for label, value in HOSTILE.items():
        data = dict.fromkeys(names, value) or {"value": value}
        response = ask("post", url, data)
        _assert_no_server_error(response, f"POST {name} as {persona}, every field {label}")


@pytest.mark.django_db
@pytest.mark.usefixtures("matrix")
@pytest.mark.parametrize("name", GETS)
def test_every_page_reads_hostile_query_parameters_without_a_server_error(request, name):
    url, persona, ask = _asker_for(request, name, "GET")
    separator = "&" if "?" in url else "?"
    for label in ("nul", "long", "negative", "huge", "no-such-date"):
        value = HOSTILE[label]
        query = "&".join(f"{parameter}={_quote(value)}" for parameter in QUERY_PARAMETERS)
        response = ask("get", f"{url}{separator}{query}")
        _assert_no_server_error(response, f"GET {name} as {persona}, parameters {label}")


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")
