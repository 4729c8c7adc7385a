"""Load the catalogue of titles and award forms (idempotent)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from awards.services.titles import seed_titles


class Command(BaseCommand):
    help = "Nạp danh mục danh hiệu thi đua và hình thức khen thưởng (chạy lại không tạo trùng, không ghi đè mục đã sửa)."

    def handle(self, *args, **options):
        added = seed_titles()
        self.stdout.write(self.style.SUCCESS(f"Đã nạp danh mục: thêm {added} mục."))
