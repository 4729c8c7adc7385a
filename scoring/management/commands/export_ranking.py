"""Write a bloc's ranking for a period as CSV, the file the ranking page offers (published rounds
only, unless --all-rounds).

    python manage.py export_ranking --bloc "Khối thi đua số 2" --year 2024 --period year --output kq.csv
    python manage.py export_ranking --bloc 3 --year 2024 --period q1 > kq.csv
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from blocs.models import Bloc
from campaigns.models import Campaign
from scoring.models import RankingPeriod
from scoring.selectors.ranking import RankingError, rankings_for
from scoring.services import ranking_export
from scoring.services.ranking_export import ranking_table
from thidua.lib.text import nfc

PERIODS = ", ".join(RankingPeriod.values)


class Command(BaseCommand):
    help = "Xuất bảng xếp hạng của một khối/cụm ra tệp CSV (mở được bằng Excel)."

    def add_arguments(self, parser):
        parser.add_argument("--bloc", required=True, help="Số hiệu (id) hoặc tên khối/cụm thi đua.")
        parser.add_argument("--year", required=True, help="Năm của phong trào, ví dụ 2024.")
        parser.add_argument("--period", required=True, help=f"Kỳ xếp hạng: {PERIODS}.")
        parser.add_argument("--output", help="Ghi vào tệp này (mặc định: ra màn hình).")
        parser.add_argument(
            "--all-rounds",
            action="store_true",
            help="Tính cả các đợt chấm chưa công bố (mặc định chỉ các đợt đã công bố).",
        )

    def handle(
        self, *args, bloc: str, year: str, period: str, output: str | None, all_rounds: bool, **options
    ):
        found = self._bloc(bloc)
        year_number = self._year(year)
        if period not in RankingPeriod.values:
            raise CommandError(f"Kỳ xếp hạng “{period}” không hợp lệ: chọn một trong {PERIODS}.")
        campaign = (
            Campaign.objects.filter(bloc=found, year=year_number)
            .select_related("bloc", "scoring_rules")
            .first()
        )
        if campaign is None:
            raise CommandError(f"{found.name} không có phong trào thi đua năm {year_number}.")
        try:
            ranking = rankings_for(campaigns=[campaign], period=period, published_only=not all_rounds)[
                campaign.pk
            ]
        except RankingError as exc:
            raise CommandError(str(exc)) from exc
        content = ranking_export.ranking_csv(ranking_table(ranking))
        if output:
            try:
                Path(output).write_bytes(content)
            except OSError as exc:
                raise CommandError(f"Không ghi được tệp “{output}”: {exc.strerror or exc}.") from exc
        else:
            self.stdout.write(content.decode("utf-8"), ending="")
        ranking_export.ranking_export_record(ranking=ranking, file_format="csv", actor=None)
        if output:
            scope = "mọi đợt chấm" if all_rounds else "các đợt đã công bố"
            self.stderr.write(
                f"Đã ghi xếp hạng {ranking.label} của {found.name} ({len(ranking.scored_rows)} đơn vị có điểm, "
                f"{scope}) vào {output}."
            )

    def _bloc(self, text: str) -> Bloc:
        text = nfc(text)
        if text.isdigit():
            found = Bloc.objects.filter(pk=int(text)).first()
            if found is None:
                raise CommandError(f"Không có khối/cụm thi đua số hiệu {text}.")
            return found
        matches = list(Bloc.objects.filter(name__iexact=text)) or list(Bloc.objects.search(text)[:20])
        if not matches:
            raise CommandError(f"Không tìm thấy khối/cụm thi đua “{text}”.")
        if len(matches) > 1:
            names = "; ".join(f"{b.name} (số hiệu {b.pk})" for b in matches[:10])
            raise CommandError(
                f"Có {len(matches)} khối/cụm khớp với “{text}”: {names}. Hãy ghi số hiệu (--bloc <id>)."
            )
        return matches[0]

    def _year(self, text: str) -> int:
        if not text.strip().isdigit() or not 2000 <= int(text) <= 2100:
            raise CommandError(f"Năm “{text}” không hợp lệ: nhập năm từ 2000 đến 2100, ví dụ 2024.")
        return int(text)
