"""Journey: the secretariat opens a pledge; the leader of Quân khu 1 finds it on his home
page, reads it, signs with his password and sees the record hash; the secretary's board then
shows Quân khu 1 as signed, with the signer's name."""

from __future__ import annotations

import re
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import expect

from blocs.models import Bloc, User
from campaigns.models import PledgeSignature
from campaigns.services.campaigns import campaign_create
from campaigns.services.pledges import pledge_create, pledge_item_add, pledge_open


def open_pledge():
    bloc = Bloc.objects.get(name="Khối thi đua số 2")
    secretary = User.objects.get(username="thuky.k2")
    year = timezone.localdate().year
    campaign = campaign_create(
        bloc=bloc, year=year, name=f"Phong trào Thi đua Quyết thắng năm {year}", actor=secretary
    )
    pledge = pledge_create(
        campaign=campaign,
        title=f"Giao ước thi đua năm {year} của Khối thi đua số 2",
        preamble="Thực hiện Kế hoạch phát động Phong trào Thi đua Quyết thắng, các đơn vị cùng giao ước.",
        actor=secretary,
    )
    pledge_item_add(
        pledge=pledge,
        content="Hoàn thành 100% nội dung, chương trình huấn luyện",
        indicator="Tỷ lệ nội dung đạt khá, giỏi",
        unit_of_measure="%",
        target_value=Decimal("75"),
        actor=secretary,
    )
    pledge_item_add(
        pledge=pledge,
        content="Bảo đảm quân số khỏe",
        indicator="Tỷ lệ quân số khỏe",
        unit_of_measure="%",
        target_value=Decimal("98.5"),
        actor=secretary,
    )
    return pledge_open(pledge=pledge, actor=secretary)


def test_leader_signs_the_pledge_and_the_secretary_sees_it(login, page, live_server, demo, external_requests):
    pledge = open_pledge()

    page = login("chihuy.qk1")
    todo = page.get_by_test_id("todo")
    expect(todo.get_by_role("heading", name="Việc cần làm")).to_be_visible()
    entry = todo.get_by_test_id("todo-item").filter(has_text=pledge.title)
    expect(entry).to_contain_text("chờ Quân khu 1 ký")
    entry.get_by_role("link", name="Đọc và ký cho Quân khu 1").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text(pledge.title)
    expect(page.get_by_test_id("short-code")).to_have_text(pledge.short_code)
    expect(page.get_by_test_id("content-hash")).to_have_text(pledge.content_hash)
    expect(page.get_by_text("không phải chữ ký số")).to_be_visible()
    expect(page.get_by_text("Bảo đảm quân số khỏe")).to_be_visible()

    page.get_by_label("Mật khẩu đăng nhập (xác nhận ký)").fill(demo)
    page.get_by_role("button", name="Ký giao ước cho Quân khu 1").click()

    signature = PledgeSignature.objects.get(pledge=pledge)
    expect(page.get_by_test_id("signed-panel")).to_contain_text("Quân khu 1 đã ký giao ước")
    expect(page.get_by_test_id("record-hash")).to_have_text(signature.record_hash)
    expect(page.get_by_role("link", name=re.compile("Kiểm tra toàn vẹn"))).to_be_visible()
    assert signature.unit.code == "QK1"
    assert signature.user.username == "chihuy.qk1"

    page.context.clear_cookies()
    page = login("thuky.k2")
    page.goto(f"{live_server.url}/giao-uoc/{pledge.pk}/tinh-hinh-ky/")
    expect(page.get_by_test_id("board-progress")).to_have_text("1/8 đơn vị đã ký")
    row = page.locator("[data-testid=party-row][data-unit=QK1]")
    expect(row).to_contain_text("Quân khu 1")
    expect(row).to_contain_text("Đã ký")
    expect(row).to_contain_text(signature.signer_name)

    page.get_by_role("link", name=re.compile("Kiểm tra toàn vẹn")).first.click()
    expect(page.get_by_test_id("verify-result")).to_contain_text("Giao ước nguyên vẹn")
    assert external_requests == [], f"requests left the server: {external_requests}"


def test_demo_leader_signs_the_2026_pledge_from_his_home_page_and_sees_it_verified(
    sign_in, live_server, demo_data, external_requests
):
    """Journey 2 (DESIGN.md §1) on the demo data: Quân khu 2 has not signed the 2026 pledge."""
    page = sign_in("chihuy.qk2")
    entry = page.get_by_test_id("todo-item").filter(has_text="Giao ước thi đua năm 2026")
    expect(entry).to_contain_text(
        "Giao ước “Giao ước thi đua năm 2026” của Khối thi đua số 2 chờ Quân khu 2 ký."
    )
    entry.get_by_role("link", name="Đọc và ký cho Quân khu 2").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Giao ước thi đua năm 2026")
    expect(page.get_by_text("không phải chữ ký số")).to_be_visible()
    page.get_by_label("Mật khẩu đăng nhập (xác nhận ký)").fill("sai-mat-khau")
    page.get_by_role("button", name="Ký giao ước cho Quân khu 2").click()
    expect(page.locator("body")).to_contain_text("Mật khẩu")  # refused, asked again
    assert not PledgeSignature.objects.filter(
        pledge__title="Giao ước thi đua năm 2026", unit__code="QK2"
    ).exists()

    page.get_by_label("Mật khẩu đăng nhập (xác nhận ký)").fill(demo_data)
    page.get_by_role("button", name="Ký giao ước cho Quân khu 2").click()
    signature = PledgeSignature.objects.get(pledge__title="Giao ước thi đua năm 2026", unit__code="QK2")
    expect(page.get_by_test_id("signed-panel")).to_contain_text("Quân khu 2 đã ký giao ước")
    expect(page.get_by_test_id("record-hash")).to_have_text(signature.record_hash)

    page.get_by_role("link", name=re.compile("Kiểm tra toàn vẹn")).first.click()
    expect(page.get_by_test_id("verify-result")).to_contain_text("Giao ước nguyên vẹn")

    page.goto(f"{live_server.url}/")
    expect(page.get_by_test_id("todo")).not_to_contain_text("chờ Quân khu 2 ký")
    assert external_requests == []
