"""Load the demo data (idempotent): real blocs and units, demo users for every role."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from thidua.demo.awards import seed_awards
from thidua.demo.campaigns import seed_campaigns
from thidua.demo.current_year import seed_current_year
from thidua.demo.organisation import DEMO_PASSWORD, seed_organisation
from thidua.demo.reviews import seed_reviews
from thidua.demo.scores import seed_scores


class Command(BaseCommand):
    help = "Nạp dữ liệu mẫu (chạy lại nhiều lần không tạo trùng)."

    def add_arguments(self, parser):
        parser.add_argument("--quiet-logins", action="store_true", help="Không in danh sách tài khoản mẫu.")

    def handle(self, *args, quiet_logins: bool = False, **options):
        with transaction.atomic():
            logins = seed_organisation()
            seed_campaigns()
            seed_scores()
            seed_reviews()
            seed_awards()
            seed_current_year()
        self.stdout.write(self.style.SUCCESS("Đã nạp dữ liệu mẫu."))
        if quiet_logins:
            return
        self.stdout.write(f"\nTài khoản mẫu (mật khẩu chung: {DEMO_PASSWORD}) — chỉ dùng để thử nghiệm:")
        width = max(len(login.username) for login in logins)
        for login in logins:
            self.stdout.write(f"  {login.username.ljust(width)}  {login.role} — {login.where}")
