"""Build the army-scale dataset of DESIGN.md §8 for `make bench` (see scoring/scale.py)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from scoring.scale import (
    MARKER_BLOC,
    ScaleDatasetExists,
    ScaleSpec,
    build_scale_dataset,
    scale_dataset_exists,
    thousands,
)

SMALL = {"blocs": 30}
LABELS = {
    "units": "đơn vị",
    "blocs": "khối",
    "memberships": "lượt thành viên",
    "campaigns": "phong trào",
    "criteria": "tiêu chí",
    "rounds": "đợt chấm",
    "scorecards": "phiếu chấm",
    "scores": "điểm",
}


class Command(BaseCommand):
    help = (
        "Tạo dữ liệu quy mô toàn quân để đo hiệu năng: mặc định 300 khối, 3.000 đơn vị, 60 tiêu chí, "
        "4 đợt chấm mỗi năm, 2 năm (khoảng 2,9 triệu điểm). Chỉ chạy một lần trên một CSDL."
    )

    def add_arguments(self, parser):
        default = ScaleSpec(first_year=timezone.localdate().year - 1)
        parser.add_argument("--blocs", type=int, default=default.blocs, help="Số khối (mặc định 300).")
        parser.add_argument(
            "--units-per-bloc", type=int, default=default.units_per_bloc, help="Số đơn vị mỗi khối (10)."
        )
        parser.add_argument(
            "--criteria", type=int, default=default.criteria, help="Số tiêu chí được chấm mỗi bộ (60)."
        )
        parser.add_argument("--years", type=int, default=default.years, help="Số năm (2).")
        parser.add_argument(
            "--first-year", type=int, default=default.first_year, help="Năm đầu tiên (mặc định: năm ngoái)."
        )
        parser.add_argument(
            "--self-share",
            type=float,
            default=default.self_share,
            help="Tỷ lệ đơn vị có phiếu tự chấm (0–1, mặc định 1: mọi đơn vị).",
        )
        parser.add_argument("--seed", type=int, default=default.seed, help="Hạt giống ngẫu nhiên.")
        parser.add_argument(
            "--small",
            action="store_true",
            help="Bản nhỏ để chạy nhanh (30 khối, khoảng 290.000 điểm), hợp với SQLite.",
        )
        parser.add_argument(
            "--if-absent",
            action="store_true",
            help=f"Bỏ qua, không báo lỗi, nếu dữ liệu quy mô đã có (khối “{MARKER_BLOC}”).",
        )

    def handle(self, *args, **options):
        if options["small"]:
            options.update(SMALL)
        if not 0 <= options["self_share"] <= 1:
            raise CommandError("--self-share phải nằm trong khoảng 0–1.")
        for name in ("blocs", "units_per_bloc", "criteria", "years"):
            if options[name] < 1:
                raise CommandError(f"--{name.replace('_', '-')} phải lớn hơn 0.")
        spec = ScaleSpec(
            blocs=options["blocs"],
            units_per_bloc=options["units_per_bloc"],
            criteria=options["criteria"],
            years=options["years"],
            first_year=options["first_year"],
            self_share=options["self_share"],
            seed=options["seed"],
        )
        if scale_dataset_exists():
            self._exists(options["if_absent"])
            return
        self.stdout.write(
            f"Tạo dữ liệu quy mô trên {connection.vendor}: {spec.blocs} khối × {spec.units_per_bloc} đơn vị, "
            f"{spec.criteria} tiêu chí, {spec.years} năm từ {spec.first_year}, "
            f"khoảng {thousands(spec.expected_scores)} điểm."
        )
        try:
            report = build_scale_dataset(spec, log=self.stdout.write)
        except ScaleDatasetExists:  # created by someone else meanwhile
            self._exists(options["if_absent"])
            return
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        counts = ", ".join(f"{thousands(value)} {LABELS[name]}" for name, value in report.counts.items())
        self.stdout.write(self.style.SUCCESS(f"Xong sau {report.seconds:.1f} giây: {counts}."))

    def _exists(self, if_absent: bool) -> None:
        message = (
            f"Dữ liệu quy mô đã có trong CSDL này (khối “{MARKER_BLOC}”), không tạo lại. "
            "Muốn tạo lại hãy dùng một CSDL mới."
        )
        if not if_absent:
            raise CommandError(message)
        self.stdout.write(message)
