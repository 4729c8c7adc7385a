"""The Content-Security-Policy: sent on every page, and no template brings back what it forbids
(inline scripts, event-handler attributes, inline <style> elements, htmx code attributes)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from campaigns.tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db

BASE_DIR = Path(settings.BASE_DIR)


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def _assert_strict(response) -> None:
    policy = _policy(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no host
    assert policy["style-src"] == ["'self'"]
    assert policy["style-src-attr"] == ["'unsafe-inline'"]  # attributes only, see settings.py
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


@pytest.fixture
def pages(world):
    campaign = CampaignFactory(bloc=world.bloc)
    return {
        "login": (None, reverse("login"), 200),
        "home": (world.secretary, reverse("home"), 200),
        "bloc": (world.secretary, reverse("blocs:bloc-detail", args=[world.bloc.pk]), 200),
        "timeline": (world.secretary, reverse("campaign-overview", args=[campaign.pk]), 200),
        "users (admin)": (world.admin, reverse("blocs:user-list"), 200),
        "403": (world.leader, reverse("blocs:user-list"), 403),
        "404": (world.outsider, reverse("blocs:bloc-detail", args=[world.bloc.pk]), 404),
        "health": (None, reverse("healthz"), 200),
    }


@pytest.mark.parametrize(
    "page", ["login", "home", "bloc", "timeline", "users (admin)", "403", "404", "health"]
)
def test_every_kind_of_page_carries_the_strict_policy(pages, client, page):
    user, url, status = pages[page]
    if user is not None:
        client.force_login(user)
    response = client.get(url)
    assert response.status_code == status
    _assert_strict(response)


def test_the_database_unavailable_page_carries_the_policy_too(world, client, monkeypatch):
    from django.db import OperationalError, connection

    def refuse():
        raise OperationalError("connection refused")

    client.force_login(world.secretary)
    monkeypatch.setattr(connection, "ensure_connection", refuse)
    response = client.get(reverse("home"))
    assert response.status_code == 503
    _assert_strict(response)


def test_pages_load_their_styles_and_scripts_from_files_only(world, client):
    client.force_login(world.secretary)
    html = client.get(reverse("home")).content.decode()
    assert not re.search(r"<style[\s>]", html)
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag


# --- No template brings back what the policy forbids -------------------------------------------

TEMPLATE_DIRS = [BASE_DIR / "templates", *sorted(BASE_DIR.glob("*/templates"))]
# The PDF documents are laid out by WeasyPrint on the server, never served to a browser: their
# stylesheet is inlined so that the document's hash covers it (reports.renderers).
DOCUMENT_TEMPLATES = BASE_DIR / "reports" / "templates" / "reports" / "pdf"
INLINE_DATA_TYPES = {"application/json", "application/ld+json", "text/template"}


class _Offences(HTMLParser):
    """Inline <script> without src (other than data blocks), <style> elements, on*="…"
    handlers, hx-on / hx-vars and javascript: addresses, in one template's text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        line = self.getpos()[0]
        if tag == "script" and not values.get("src") and values.get("type") not in INLINE_DATA_TYPES:
            self.found.append(f"line {line}: inline <script>")
        if tag == "style":
            self.found.append(f"line {line}: inline <style>")
        for name, value in attrs:
            lowered = name.lower()
            if re.fullmatch(r"on[a-z]+", lowered):
                self.found.append(f"line {line}: event handler {name}=")
            if lowered.startswith(("hx-on", "data-hx-on", "hx-vars", "data-hx-vars")):
                self.found.append(f"line {line}: htmx code attribute {name}=")
            if value and value.strip().lower().startswith("javascript:"):
                self.found.append(f"line {line}: javascript: address in {name}=")
            if lowered in {"hx-vals", "data-hx-vals"} and value and value.strip().startswith("js:"):
                self.found.append(f"line {line}: htmx js: values")

    handle_startendtag = handle_starttag


def offences(text: str) -> list[str]:
    # Template tags may sit inside a tag's attributes; blank them so the HTML parser sees plain
    # markup (the attributes the tags would print are checked in the rendered pages above).
    plain = re.sub(r"{%.*?%}|{{.*?}}|{#.*?#}", " ", text, flags=re.S)
    parser = _Offences()
    parser.feed(plain)
    parser.close()
    return parser.found


def test_the_template_scan_finds_each_kind_of_offence():
    assert offences("<script>alert(1)</script>") == ["line 1: inline <script>"]
    assert offences("<style>p{}</style>") == ["line 1: inline <style>"]
    assert offences('<a href="#" onclick="x()">') == ["line 1: event handler onclick="]
    assert offences('<body onload="x()">') == ["line 1: event handler onload="]
    assert offences('<img src=x ONERROR="x()"/>') == ["line 1: event handler onerror="]
    assert offences('<button hx-on:click="x()">') == ["line 1: htmx code attribute hx-on:click="]
    assert offences('<a href="javascript:x()">') == ["line 1: javascript: address in href="]
    assert offences('<div hx-vals="js:{a: x()}">') == ["line 1: htmx js: values"]
    assert offences("<script src=\"{% static 'js/a.js' %}\"></script>") == []
    assert offences('<script type="application/json" id="d">{}</script>') == []
    assert offences('<div style="width:{{ w }}%" data-confirm="Xóa?">') == []


def test_no_template_has_inline_script_or_event_handlers():
    templates = [
        path
        for folder in TEMPLATE_DIRS
        for path in folder.rglob("*.html")
        if DOCUMENT_TEMPLATES not in path.parents
    ]
    assert len(templates) > 50  # the scan really reads the project's templates
    found = {
        str(path.relative_to(BASE_DIR)): problems
        for path in templates
        if (problems := offences(path.read_text(encoding="utf-8")))
    }
    assert found == {}
