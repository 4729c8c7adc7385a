"""Browser journeys: pytest-playwright driving Debian's Chromium against a live server.

Playwright cannot download its own browsers on these machines, so the launch uses the
system's /usr/bin/chromium. Without it the journeys are skipped locally; CI sets
E2E_REQUIRED=1 so that a missing browser fails the run instead. Screenshots of failing
journeys land in test-results/ (pytest-playwright's --screenshot only-on-failure).
"""

from __future__ import annotations

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls the fixtures
# make there are plain synchronous calls, so Django's async guard is lifted for this suite.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")

# Flags that keep Chromium from reaching out to the network on its own.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
    if CHROMIUM is None:
        if os.environ.get("E2E_REQUIRED"):
            raise pytest.UsageError("E2E_REQUIRED is set but no chromium executable was found")
        skip = pytest.mark.skip(reason="chromium is not installed (apt-get install chromium)")
        for item in items:
            if "e2e" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "locale": "vi-VN",
        "timezone_id": "Asia/Ho_Chi_Minh",
        "viewport": {"width": 1366, "height": 768},
    }


@pytest.fixture
def demo(transactional_db):
    """The demo organisation (real blocs, demo users) in the live server's database."""
    from thidua.demo.organisation import DEMO_PASSWORD, seed_organisation

    seed_organisation()
    return DEMO_PASSWORD


@pytest.fixture
def external_requests(page, live_server):
    """Every request the page makes to a host other than the live server."""
    outside: list[str] = []
    origin = live_server.url

    def record(request):
        url = request.url
        if not (url.startswith(origin) or url.startswith("data:") or url.startswith("blob:")):
            outside.append(url)

    page.on("request", record)
    return outside


@pytest.fixture
def login(page, live_server, demo):
    def do_login(username: str):
        page.goto(f"{live_server.url}/dang-nhap/")
        page.get_by_label("Tên đăng nhập").fill(username)
        page.get_by_label("Mật khẩu").fill(demo)
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_url(f"{live_server.url}/")
        return page

    return do_login


@pytest.fixture
def demo_data(transactional_db):
    """The whole demo (organisation, campaigns, 2024 and 2026 scores, reviews, awards) in the
    live server's database: what a newcomer sees after `make run`."""
    from django.core.management import call_command

    from thidua.demo.organisation import DEMO_PASSWORD

    call_command("seed_demo", quiet_logins=True, stdout=open(os.devnull, "w"))  # noqa: SIM115
    return DEMO_PASSWORD


@pytest.fixture
def sign_in(page, live_server, demo_data):
    """Log in through the login page with the demo password (needs `demo_data`)."""

    def do_login(username: str, viewport: dict | None = None):
        if viewport:
            page.set_viewport_size(viewport)
        page.goto(f"{live_server.url}/dang-nhap/")
        page.get_by_label("Tên đăng nhập").fill(username)
        page.get_by_label("Mật khẩu").fill(demo_data)
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_url(f"{live_server.url}/")
        return page

    return do_login


def confirm(page, button_name: str, *, expect_question: str | None = None) -> None:
    """Answer the confirmation dialog of an irreversible action with its confirming button."""
    from playwright.sync_api import expect

    dialog = page.get_by_role("dialog", name="Xác nhận")
    expect(dialog).to_be_visible()
    if expect_question:
        expect(dialog).to_contain_text(expect_question)
    dialog.get_by_role("button", name=button_name).click()
