"""Dates as Vietnamese users type and read them: day first (dd/mm/yyyy)."""

from __future__ import annotations

import re
from datetime import date, datetime

_DATE = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})\s*$")
_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")


class DateFormatError(ValueError):
    """Raised with a Vietnamese message when a text is not a valid date."""


def parse_date(value: str | date | datetime | None) -> date | None:
    """Read "05/06/2025" as 5 June 2025 (ISO "2025-06-05" too); empty means None."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    if match := _DATE.match(text):
        day, month, year = (int(part) for part in match.groups())
    elif match := _ISO.match(text):
        year, month, day = (int(part) for part in match.groups())
    else:
        raise DateFormatError(f"“{text[:20]}” không đúng dạng ngày/tháng/năm (ví dụ 05/06/2025).")
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise DateFormatError(f"Ngày “{text[:20]}” không tồn tại.") from exc


def format_date(value: date | None) -> str:
    """05/06/2025."""
    return value.strftime("%d/%m/%Y") if value else ""


def format_date_long(value: date, place: str = "") -> str:
    """ "Hà Nội, ngày 05 tháng 3 năm 2024" as Nghị định 30/2020 writes the place and date line.

    Days below 10 and the months January and February take a leading zero.
    """
    month = f"{value.month:02d}" if value.month <= 2 else str(value.month)
    text = f"ngày {value.day:02d} tháng {month} năm {value.year}"
    return f"{place}, {text}" if place else text
