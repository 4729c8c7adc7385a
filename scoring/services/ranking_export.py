"""A ranking as a file: the rows and columns of the ranking page, in Excel (.xlsx) and CSV, with
the rules in words at the bottom (DESIGN.md §5: "printed under every ranking").

CSV is written for Excel as Vietnamese offices run it (Windows regional format vi-VN, whose
decimal symbol is the comma and list separator the semicolon): UTF-8 with a byte-order mark, so
that Excel reads the diacritics; fields separated by ";"; numbers with a decimal comma ("94,38");
CRLF line ends. No "sep=;" line: with it Excel ignores the byte-order mark and garbles the text.
Cells of text that a spreadsheet could take for a formula (starting with = + - @) are written
with a leading apostrophe, as in the Excel export's quote prefix (thidua.lib.excel)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.http import HttpRequest
from django.utils.text import slugify
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from blocs.models import AuditEvent
from blocs.services.audit import audit_record
from scoring.models import RankingPeriod, RoundPeriod, RoundState
from scoring.selectors.ranking import Ranking
from thidua.lib.excel import FORMULA_TRIGGERS, HEADER_FILL, HEADER_FONT, append_row, workbook_bytes
from thidua.lib.numbers import format_decimal
from thidua.lib.text import fold

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
CSV_DELIMITER = ";"
UNPUBLISHED_NOTE = "Chưa công bố – chỉ thường trực xem được"
NUMBER_FORMAT = "0.00"


@dataclass
class RankingTable:
    """The ranking as a table: a title, column headers, one row per unit and notes under it."""

    title: str
    subtitle: str
    headers: list[str]
    rows: list[list]  # Decimal, int, str or None
    numeric: set[int] = field(default_factory=set)  # indexes of the number columns
    notes: list[str] = field(default_factory=list)


def trend_label(period: str) -> str:
    return f"Tổng điểm {RoundPeriod(period).label}"


def ranking_table(ranking: Ranking, *, unpublished: list[str] | None = None) -> RankingTable:
    """The columns of the ranking page: rank, unit, the standard groups, standard, bonus,
    penalty, total, classification, the total of each round of the year (trend) and the flags.
    `unpublished`: labels of rounds in the ranking not yet published (noted under the title)."""
    campaign = ranking.campaign
    groups = ranking.standard_groups
    trend = ranking.trend_periods if len(ranking.trend_periods) > 1 else []  # as on the page
    headers = [
        "Hạng",
        "Đơn vị",
        *[f"Nhóm {g.code}. {g.title}" for g in groups],
        "Điểm chuẩn",
        "Điểm thưởng",
        "Điểm trừ",
        "Tổng điểm",
        "Xếp loại",
        *[trend_label(p) for p in trend],
        "Ghi chú",
    ]
    numeric = {*range(2, 2 + len(groups) + 4), *range(len(headers) - 1 - len(trend), len(headers) - 1)}
    rows = []
    for row in ranking.rows:
        rows.append(
            [
                row.rank_label,
                row.name,
                *[row.groups.get(g.code) if row.is_scored else None for g in groups],
                row.standard,
                row.bonus,
                row.penalty,
                row.total,
                row.classification,
                *[row.trend_totals.get(p, row.quarters.get(p)) for p in trend],
                "; ".join(row.flags),
            ]
        )
    subtitle = f"{campaign.bloc.name} – {campaign.name}"
    notes = []
    if unpublished:
        notes.append(f"{UNPUBLISHED_NOTE}: có kết quả {', '.join(unpublished)} chưa công bố.")
    if ranking.pending:
        notes.append(f"Kết quả tạm tính: chưa có kết quả {', '.join(ranking.pending)}.")
    notes += ["Cách xếp hạng:", *ranking.rules_text]
    return RankingTable(
        title=f"Kết quả xếp hạng thi đua {ranking.label}",
        subtitle=subtitle,
        headers=headers,
        rows=rows,
        numeric=numeric,
        notes=notes,
    )


def _csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format_decimal(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def ranking_csv(table: RankingTable) -> bytes:
    """The table as CSV for Excel in Vietnamese regional settings (module docstring)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow([_csv_text(h) for h in table.headers])
    for row in table.rows:
        writer.writerow([_csv_text(value) for value in row])
    writer.writerow([])
    for note in [table.title, table.subtitle, *table.notes]:
        writer.writerow([_csv_text(note)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def ranking_xlsx(table: RankingTable) -> bytes:
    """The table as a workbook: title, header, rows, then the notes and rules under them."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Xếp hạng"
    append_row(sheet, [table.title])
    sheet.cell(row=1, column=1).font = Font(bold=True, size=13)
    append_row(sheet, [table.subtitle])
    sheet.append([])
    header_row = append_row(sheet, table.headers)
    for column in range(1, len(table.headers) + 1):
        cell = sheet.cell(row=header_row, column=column)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for values in table.rows:
        number = append_row(sheet, values)
        for index in table.numeric:
            sheet.cell(row=number, column=index + 1).number_format = NUMBER_FORMAT
    sheet.append([])
    for note in table.notes:
        number = append_row(sheet, [note])
        if note == "Cách xếp hạng:":
            sheet.cell(row=number, column=1).font = Font(bold=True)
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=3)
    widths = [7, 34] + [12] * (len(table.headers) - 3) + [40]
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.row_dimensions[header_row].height = 45
    return workbook_bytes(workbook)


def export_filename(ranking: Ranking, extension: str) -> str:
    """An ASCII file name: xep-hang-khoi-thi-dua-so-2-2024-ca-nam.csv."""
    period = slugify(fold(RankingPeriod(ranking.period).label))
    bloc = slugify(fold(ranking.campaign.bloc.name))[:60]
    return f"xep-hang-{bloc}-{ranking.campaign.year}-{period}.{extension}"


def unpublished_labels(ranking: Ranking, states: dict[str, str]) -> list[str]:
    """Labels of the rounds with results in `ranking` whose state (from `states`, period →
    state) is not published; always empty for a ranking of published rounds only."""
    if ranking.published_only:
        return []
    return [
        RoundPeriod(p).label
        for p in ranking.trend_periods
        if p in ranking.rounds and states.get(p) != RoundState.PUBLISHED
    ]


@transaction.atomic
def ranking_export_record(*, ranking: Ranking, file_format: str, actor, request: HttpRequest | None = None):
    """Record that a ranking left the system as a file (an audit event)."""
    campaign = ranking.campaign
    return audit_record(
        kind=AuditEvent.Kind.EXPORT,
        summary=f"Xuất {file_format.upper()} xếp hạng {ranking.label} của {campaign.bloc.name}",
        actor=actor,
        request=request,
        data={
            "campaign": campaign.pk,
            "period": ranking.period,
            "format": file_format,
            "published_only": ranking.published_only,
            "units": len(ranking.rows),
        },
    )
