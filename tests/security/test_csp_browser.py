"""The Content-Security-Policy in a real browser (headless Chromium): the pages run their
scripts, htmx swaps a fragment, Bootstrap's dropdown opens, and the browser reports no
violation of the policy on the way."""

from __future__ import annotations

import os
import shutil
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client

from blocs.tests.factories import AssignmentFactory, BlocFactory, MembershipFactory, UnitFactory, UserFactory
from campaigns.services.campaigns import campaign_create
from campaigns.services.pledges import pledge_create, pledge_item_add

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
# Playwright's sync API runs an event loop in this thread; the ORM calls here are plain ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        CHROMIUM is None and not os.environ.get("E2E_REQUIRED"), reason="chromium is not installed"
    ),
]


@pytest.fixture
def draft_pledge():
    root = UnitFactory(code="BQP", name="Bộ Quốc phòng")
    bloc = BlocFactory(name="Khối thi đua số 2", organiser=root)
    MembershipFactory(bloc=bloc, unit=UnitFactory(code="QK1", name="Quân khu 1", parent=root))
    secretary = UserFactory(username="thuky.k2", full_name="Nguyễn Thị Lan")
    AssignmentFactory(user=secretary, role="secretary", bloc=bloc)
    campaign = campaign_create(
        bloc=bloc, year=2026, name="Phong trào Thi đua Quyết thắng năm 2026", actor=secretary
    )
    pledge = pledge_create(
        campaign=campaign,
        title="Giao ước thi đua năm 2026",
        preamble="Các đơn vị cùng giao ước.",
        actor=secretary,
    )
    for content in ("Hoàn thành 100% nội dung huấn luyện", "Bảo đảm quân số khỏe"):
        pledge_item_add(
            pledge=pledge,
            content=content,
            indicator="Tỷ lệ",
            unit_of_measure="%",
            target_value=Decimal("90"),
            actor=secretary,
        )
    return secretary, campaign, pledge


def test_pages_run_their_scripts_and_htmx_under_the_policy(live_server, draft_pledge, playwright):
    """`playwright` is pytest-playwright's session: the browser journeys share its event loop."""
    from playwright.sync_api import expect

    secretary, campaign, pledge = draft_pledge
    browser_client = Client()
    browser_client.force_login(secretary)
    session = browser_client.cookies[settings.SESSION_COOKIE_NAME].value
    violations: list[str] = []
    htmx_posts: list[str] = []

    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
    try:
        context = browser.new_context(locale="vi-VN")
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
        )
        page = context.new_page()
        page.on(
            "console",
            lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text
            else None,
        )
        page.on(
            "request",
            lambda request: htmx_posts.append(request.url)
            if request.method == "POST" and request.headers.get("hx-request") == "true"
            else None,
        )

        for path in ("/", f"/phong-trao/{campaign.pk}/"):
            response = page.goto(live_server.url + path)
            assert response.status == 200 and "Content-Security-Policy" in {
                k.title() for k in response.headers
            }

        # Bootstrap's script: the user menu opens.
        page.locator(".navbar .dropdown-toggle").first.click()
        expect(page.locator(".dropdown-menu.show")).to_be_visible()

        # htmx: moving an item down swaps the list in place, through an htmx request.
        page.goto(f"{live_server.url}/giao-uoc/{pledge.pk}/")
        rows = page.get_by_test_id("item-row")
        expect(rows.first).to_contain_text("Hoàn thành 100% nội dung huấn luyện")
        page.get_by_role("button", name="Đưa mục 1 xuống").click()
        expect(rows.first).to_contain_text("Bảo đảm quân số khỏe")
        assert any("/muc/" in url for url in htmx_posts), htmx_posts
        assert page.evaluate("window.htmx.config.includeIndicatorStyles") is False
        assert page.locator("head style").count() == 0  # htmx injected no inline <style>

    finally:
        browser.close()

    assert violations == []
