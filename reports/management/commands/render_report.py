"""Render a report synchronously to a file, without a worker and without a job row:

    manage.py render_report tong_ket --review 3 -o tong-ket-2024.pdf
    manage.py render_report pledge --pledge 1
    manage.py render_report ranking_sheet --round 12 --set place="Hà Nội" --set number=15/BC-KTĐ2
    manage.py render_report tong_ket --review 3 --html      # the HTML the PDF is laid out from

For administrators and scripts; the same renderers as the Celery jobs.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from awards.models import Review
from campaigns.models import Pledge
from reports.models import ReportKind
from reports.renderers import build_document, render_pdf
from reports.renderers.common import DocumentParameters
from reports.services.jobs import ReportRefused, check_target
from scoring.models import ScoringRound

TARGETS = {"review": Review, "pledge": Pledge, "round": ScoringRound}


class Command(BaseCommand):
    help = "Tạo một báo cáo PDF ngay (không qua hàng đợi) và ghi ra tệp."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=[k.value for k in ReportKind], help="loại báo cáo")
        group = parser.add_mutually_exclusive_group(required=True)
        for name, label in (("review", "hội nghị"), ("pledge", "giao ước"), ("round", "đợt chấm")):
            group.add_argument(f"--{name}", type=int, metavar="ID", help=f"mã {label}")
        parser.add_argument(
            "-o", "--output", help="tệp ghi ra (mặc định: tên theo tiêu đề, thư mục hiện tại)"
        )
        parser.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help=f"tham số của tài liệu: {', '.join(DocumentParameters.__dataclass_fields__)}",
        )
        parser.add_argument("--html", action="store_true", help="ghi HTML nguồn thay cho PDF")

    def handle(self, *args, **options):
        name = next(n for n in TARGETS if options.get(n))
        try:
            target = TARGETS[name].objects.get(pk=options[name])
        except TARGETS[name].DoesNotExist as exc:
            raise CommandError(f"Không có {name} mã {options[name]}.") from exc
        kind = options["kind"]
        try:
            check_target(kind=kind, target=target)
        except ReportRefused as exc:
            raise CommandError(str(exc)) from exc
        parameters: dict = {}
        for item in options["set"]:
            key, sep, value = item.partition("=")
            if not sep or key not in DocumentParameters.__dataclass_fields__:
                raise CommandError(f"Tham số không hợp lệ: {item}")
            parameters[key] = value.split("|") if key == "recipients" else value
        started = time.perf_counter()
        document = build_document(kind=kind, target=target, parameters=parameters)
        if options["html"]:
            content, suffix = document.html.encode("utf-8"), ".html"
            pages = None
        else:
            pdf = render_pdf(document)
            content, suffix, pages = pdf.content, ".pdf", pdf.page_count
        output = Path(options["output"] or document.filename.removesuffix(".pdf") + suffix)
        output.write_bytes(content)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"{document.title}: {output} ({len(content):,} byte"
            + (f", {pages} trang" if pages else "")
            + f", {elapsed:.2f} s; mã băm dữ liệu {document.data_hash[:16]})"
        )
