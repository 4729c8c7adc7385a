"""`manage.py verify_pledges`: recompute the hashes of every sealed pledge, for scheduled audits.

Prints one line per pledge and exits with a non-zero status when any pledge is not intact, so
that cron or a CI job notices. The queries are fixed (pledges, items, registrations, signatures)
whatever the number of pledges."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Prefetch

from campaigns.integrity import verify_pledge
from campaigns.models import Pledge, PledgeRegistration, PledgeSignature


class Command(BaseCommand):
    help = (
        "Kiểm tra tính nguyên vẹn của các giao ước đã niêm phong: tính lại mã băm nội dung và "
        "chuỗi chữ ký, in một dòng cho mỗi giao ước; trả mã lỗi khác 0 nếu có giao ước không "
        "nguyên vẹn."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--pledge",
            type=int,
            metavar="ID",
            help="Chỉ kiểm tra giao ước có mã số này.",
        )

    def handle(self, *args, **options):
        pledges = (
            Pledge.objects.frozen()
            .select_related("campaign__bloc", "drive")
            .prefetch_related(
                "items",
                Prefetch("registrations", queryset=PledgeRegistration.objects.select_related("unit")),
                Prefetch(
                    "signatures",
                    queryset=PledgeSignature.objects.select_related("unit").order_by("sequence"),
                ),
            )
            .order_by("pk")
        )
        if options["pledge"] is not None:
            pledges = pledges.filter(pk=options["pledge"])

        checked = broken = 0
        for pledge in pledges:
            result = verify_pledge(pledge, pledge.signatures.all())
            head = f"{pledge.pk} {pledge.title} (phiên bản {pledge.version}) – {pledge.campaign.bloc.name}"
            checked += 1
            if result.intact:
                self.stdout.write(
                    self.style.SUCCESS(f"{head}: nguyên vẹn ({result.signatures_checked} chữ ký)")
                )
            else:
                broken += 1
                self.stdout.write(self.style.ERROR(f"{head}: KHÔNG NGUYÊN VẸN – {' '.join(result.problems)}"))

        if options["pledge"] is not None and not checked:
            raise CommandError(f"Không có giao ước đã niêm phong nào mang mã số {options['pledge']}.")
        if broken:
            raise CommandError(f"{broken}/{checked} giao ước không nguyên vẹn.")
        self.stdout.write(f"Đã kiểm tra {checked} giao ước: tất cả nguyên vẹn.")
