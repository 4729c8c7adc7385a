"""Sign-in safety as a user meets it: a lockout after repeated wrong passwords says so in
Vietnamese (and the admin's home page lists it); an htmx action after the session expired
leads to the login page with "Phiên đăng nhập đã hết hạn" instead of a broken page."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.sessions.models import Session
from playwright.sync_api import expect

from blocs.models import Bloc, User
from campaigns.models import Campaign
from campaigns.services.pledges import pledge_create, pledge_item_add


def test_a_lockout_is_explained_in_vietnamese_and_shown_to_the_admin(sign_in, page, live_server):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page.goto(f"{live_server.url}/dang-nhap/")
        page.get_by_label("Tên đăng nhập").fill("chihuy.qk1")
        page.get_by_label("Mật khẩu").fill("sai-mat-khau")
        page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", name="Tài khoản tạm bị khóa đăng nhập")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("Đã nhập sai mật khẩu quá nhiều lần từ máy này")

    # The right password does not get in while the lock lasts.
    page.goto(f"{live_server.url}/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill("chihuy.qk1")
    page.get_by_label("Mật khẩu").fill("Demo@2024")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", name="Tài khoản tạm bị khóa đăng nhập")).to_be_visible()

    page = sign_in("admin")
    lockouts = page.get_by_test_id("lockouts")
    expect(lockouts).to_contain_text("chihuy.qk1 từ 127.0.0.1")
    expect(page.get_by_test_id("todo")).to_contain_text("1 tài khoản đang bị tạm khóa đăng nhập")
    expect(page.get_by_test_id("security-events")).to_contain_text("Bị khóa đăng nhập")
    expect(page.get_by_test_id("health-database")).to_contain_text("Cơ sở dữ liệu: hoạt động bình thường")


def test_an_htmx_action_after_the_session_expired_leads_to_the_login_page(sign_in, page, live_server):
    secretary = User.objects.get(username="thuky.k2")
    campaign = Campaign.objects.get(bloc=Bloc.objects.get(name="Khối thi đua số 2"), year=2026)
    pledge = pledge_create(campaign=campaign, title="Giao ước đợt thi đua cao điểm", actor=secretary)
    for number in (1, 2):
        pledge_item_add(
            pledge=pledge,
            content=f"Nội dung thi đua {number}",
            indicator="Tỷ lệ quân số khỏe",
            unit_of_measure="%",
            target_value=Decimal(98),
            actor=secretary,
        )
    page = sign_in("thuky.k2")
    page.goto(f"{live_server.url}/giao-uoc/{pledge.pk}/")
    move_down = page.locator("#pledge-items form[hx-post*='xuong'] button").first
    expect(move_down).to_be_visible()

    Session.objects.all().delete()  # the session expires on the server while the page is open
    move_down.click()

    page.wait_for_url(f"{live_server.url}/dang-nhap/**")
    expect(page.get_by_role("alert")).to_contain_text("Phiên đăng nhập đã hết hạn")
    assert "next=" in page.url and f"giao-uoc%2F{pledge.pk}" in page.url
    page.get_by_label("Tên đăng nhập").fill("thuky.k2")
    page.get_by_label("Mật khẩu").fill("Demo@2024")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{live_server.url}/giao-uoc/{pledge.pk}/")
