"""Accessibility basics on the pages each role uses most, with the demo data: axe-core finds no
WCAG 2.1 A/AA violation (labels, names, contrast, structure), every field has an accessible
name, the keyboard focus is visible, and at 768 px (a tablet) nothing runs off the page."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from blocs.models import Unit
from campaigns.models import Campaign, Pledge
from scoring.models import ScoringRound

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}

# Fields with neither a <label>, aria-label, aria-labelledby nor a title: nobody can tell what
# they are for with a screen reader (and the label is what a click on the words focuses).
UNNAMED_FIELDS = """
() => Array.from(document.querySelectorAll("input, select, textarea"))
  .filter(el => !["hidden", "submit", "button", "reset", "image"].includes(el.type))
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute("aria-label")
    && !el.getAttribute("aria-labelledby") && !el.getAttribute("title"))
  .map(el => el.outerHTML.slice(0, 120))
"""


def pages_for(username: str) -> list[str]:
    q3 = ScoringRound.objects.get(campaign__bloc__name="Khối thi đua số 2", campaign__year=2026, period="q3")
    campaign = Campaign.objects.get(bloc__name="Khối thi đua số 2", year=2026)
    pledge = Pledge.objects.get(campaign=campaign, title="Giao ước thi đua năm 2026")
    qk2 = Unit.objects.get(code="QK2")
    return {
        "thuky.k2": [
            "/",
            "/tim-kiem/?q=quan+khu",
            f"/dot-cham/{q3.pk}/bang-diem/",
            f"/dot-cham/{q3.pk}/",
            f"/phong-trao/{campaign.pk}/xep-hang/q2/",
            f"/giao-uoc/{pledge.pk}/tinh-hinh-ky/",
            f"/phong-trao/{campaign.pk}/",
            f"/khoi/{campaign.bloc_id}/",
        ],
        "chihuy.qk2": ["/", f"/giao-uoc/{pledge.pk}/ky/", f"/dot-cham/{q3.pk}/tu-cham/?don_vi={qk2.pk}"],
        "theodoi.k2": ["/", "/xep-hang/"],
        "admin": ["/", "/don-vi/", "/nguoi-dung/"],
    }[username]


def check(page, address: str) -> None:
    results = Axe().run(page, options=WCAG)
    assert results.violations_count == 0, f"{address}\n{results.generate_report()}"
    assert page.evaluate(UNNAMED_FIELDS) == [], address


USERS = ["thuky.k2", "chihuy.qk2", "theodoi.k2", "admin"]


def test_pages_pass_axe_and_every_field_is_named(sign_in, page, live_server):
    page.goto(f"{live_server.url}/dang-nhap/")
    check(page, "/dang-nhap/")
    for username in USERS:
        page.context.clear_cookies()
        sign_in(username)
        for address in pages_for(username):
            page.goto(f"{live_server.url}{address}")
            page.wait_for_load_state("networkidle")
            check(page, f"{username} {address}")


def test_home_fits_a_tablet(sign_in, page, live_server):
    for username in USERS:
        page.context.clear_cookies()
        sign_in(username, viewport={"width": 768, "height": 1024})
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.scrollWidth") <= 768, username
        expect(
            page.get_by_role("searchbox", name="Tìm đơn vị, khối, cụm, phong trào, giao ước")
        ).to_be_visible()
        expect(page.get_by_role("heading", name="Việc cần làm")).to_be_visible()
        check(page, f"{username} / at 768 px")


def test_the_keyboard_reaches_the_first_task_with_a_visible_focus(sign_in, page, live_server):
    page = sign_in("thuky.k2")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Bỏ qua menu, tới nội dung chính")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    first_task = page.get_by_test_id("todo-item").first.get_by_role("link")
    for _ in range(10):  # from the top of the content to the first task's button
        page.keyboard.press("Tab")
        if first_task.evaluate("el => el === document.activeElement"):
            break
    expect(first_task).to_be_focused()
    outline = first_task.evaluate(
        "el => getComputedStyle(el).outlineStyle + ' ' + getComputedStyle(el).outlineWidth"
    )
    assert outline.startswith("solid") and not outline.endswith(" 0px"), outline
