"""Every page a user can reach from the home page by following links has breadcrumbs back to
it, answers without error, and names every field it asks for: crawled through the demo data
as each role."""

from __future__ import annotations

import re
from collections import defaultdict
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from django.core.management import call_command
from django.urls import Resolver404, resolve

from blocs.models import User

pytestmark = pytest.mark.django_db

PER_ROUTE = 2  # addresses visited per URL pattern (the second catches a state the first lacks)
SKIP = re.compile(r"^/(dang-xuat|quan-tri|static|media|minh-chung)/|\.(xlsx|csv|pdf)$|/(csv|excel)/$")
# Pages that stand alone by design: the home page is the root; the print view is for paper.
HIDDEN_TYPES = ("hidden", "submit", "button", "reset", "image")
NO_BREADCRUMBS = {"home", "pledge-print", "election-minutes"}


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.crumbs = 0
        self.in_crumbs = False
        self.fields: list[dict] = []
        self.label_for: set[str] = set()
        self.label_depth = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag == "nav" and attrs.get("aria-label") == "Vị trí trang":
            self.in_crumbs = True
        if self.in_crumbs and tag == "li" and "breadcrumb-item" in (attrs.get("class") or ""):
            self.crumbs += 1
        if tag == "label":
            self.label_depth += 1
            if attrs.get("for"):
                self.label_for.add(attrs["for"])
        if tag in ("input", "select", "textarea") and attrs.get("type") not in HIDDEN_TYPES:
            self.fields.append({**attrs, "_wrapped": self.label_depth > 0, "_tag": tag})

    def handle_endtag(self, tag):
        if tag == "nav":
            self.in_crumbs = False
        if tag == "label":
            self.label_depth = max(0, self.label_depth - 1)

    def unnamed(self) -> list[str]:
        return [
            f"<{f['_tag']} name={f.get('name')}>"
            for f in self.fields
            if not f["_wrapped"]
            and f.get("id") not in self.label_for
            and not f.get("aria-label")
            and not f.get("aria-labelledby")
            and not f.get("title")
        ]


def crawl(client, limit: int = 400) -> tuple[dict[str, list[str]], int]:
    """Visit the pages reachable from "/" (GET only); return the problems by address and the
    number of pages read."""
    problems: dict[str, list[str]] = defaultdict(list)
    seen: set[str] = set()
    per_route: dict[str, int] = defaultdict(int)
    pages = 0
    queue = [("/", "")]
    while queue and len(seen) < limit:
        address, referrer = queue.pop(0)
        if address in seen:
            continue
        seen.add(address)
        response = client.get(address)
        if response.status_code in (301, 302):
            continue
        if response.status_code != 200:
            problems[address].append(f"HTTP {response.status_code} (linked from {referrer})")
            continue
        if "text/html" not in response.get("Content-Type", "") or response.get("HX-Request"):
            continue
        html = response.content.decode()
        if "<html" not in html[:300]:
            continue  # an htmx fragment
        parser = Page()
        parser.feed(html)
        pages += 1
        name = resolve(urlsplit(address).path).url_name
        if name not in NO_BREADCRUMBS and parser.crumbs < 2:
            problems[address].append(f"no breadcrumbs ({name})")
        if unnamed := parser.unnamed():
            problems[address].append(f"fields without a label: {unnamed}")
        for href in parser.links:
            href = urldefrag(href)[0]
            if not href.startswith("/") or href.startswith("//") or SKIP.search(urlsplit(href).path):
                continue
            try:
                route = resolve(urlsplit(href).path).route
            except Resolver404:
                problems[address].append(f"link to nowhere: {href}")
                continue
            if href not in seen and per_route[route] < PER_ROUTE:
                per_route[route] += 1
                queue.append((href, address))
    return dict(problems), pages


def test_every_reachable_page_has_breadcrumbs_and_labelled_fields(client):
    call_command("seed_demo", quiet_logins=True)  # once: the roles only read
    problems, read = {}, {}
    for username in ["thuky.k2", "chihuy.qk1", "canbo.qk1", "theodoi.k2", "admin"]:
        client.force_login(User.objects.get(username=username))
        found, read[username] = crawl(client)
        problems.update({f"{username} {address}": issues for address, issues in found.items()})
    assert problems == {}
    assert min(read.values()) >= 25, read  # the crawl did reach the product's pages


def test_the_crawl_reports_a_page_without_breadcrumbs():
    """The check itself: a page missing its breadcrumbs is named."""
    page = Page()
    page.feed('<nav aria-label="Vị trí trang"><ol><li class="breadcrumb-item">Trang chủ</li></ol></nav>')
    assert page.crumbs == 1
    page = Page()
    page.feed('<form><input name="q"><label for="x">X</label><input id="x" name="x"></form>')
    assert page.unnamed() == ["<input name=q>"]
