"""Journey: an admin logs in, opens Khối thi đua số 2, sees its 8 members and its chair."""

from __future__ import annotations

from playwright.sync_api import expect


def test_admin_sees_bloc_members_and_chair(login, live_server, external_requests):
    page = login("admin")
    expect(page.get_by_role("heading", name="Quản trị hệ thống", exact=True)).to_be_visible()

    page.get_by_role("link", name="Khối, cụm thi đua", exact=True).click()
    page.get_by_role("link", name="Khối thi đua số 2").first.click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Khối thi đua số 2")
    members = page.locator("[data-testid=member-row]")
    expect(members).to_have_count(8)
    for name in ["Quân khu 1", "Quân khu 9", "Bộ Tư lệnh Thủ đô Hà Nội"]:
        expect(members.filter(has_text=name)).to_have_count(1)
    expect(page.locator("[data-testid=chair-timeline]")).to_contain_text("2024")
    expect(page.locator("[data-testid=chair-timeline]")).to_contain_text("Quân khu 1")
    expect(page.get_by_text("1200/QĐ-BQP")).to_be_visible()
    assert external_requests == [], f"requests left the server: {external_requests}"
