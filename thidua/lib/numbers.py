"""Numbers as Vietnamese users type and read them: a decimal comma ("9,5")."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")


class NumberFormatError(ValueError):
    """Raised with a Vietnamese message when a text is not a number."""


def parse_decimal(text: str | int | float | Decimal | None) -> Decimal | None:
    """Read "9,5", "9.5", "10" or a number; empty means None. Anything else raises.

    Only one separator is accepted: "1.234,5" is ambiguous in a score sheet and is refused
    rather than guessed.
    """
    if text is None:
        return None
    if isinstance(text, bool):
        raise NumberFormatError("Giá trị không phải là số.")
    if isinstance(text, (int, Decimal)):
        value = Decimal(text)
    elif isinstance(text, float):
        value = Decimal(str(text))
    else:
        cleaned = text.strip().replace("\u00a0", "").replace(" ", "")
        if not cleaned:
            return None
        if not _NUMBER.match(cleaned):
            raise NumberFormatError(f"“{text.strip()[:20]}” không phải là số (ví dụ hợp lệ: 9,5).")
        try:
            value = Decimal(cleaned.replace(",", "."))
        except InvalidOperation as exc:  # pragma: no cover - the pattern already excludes these
            raise NumberFormatError(f"“{text.strip()[:20]}” không phải là số.") from exc
    if not value.is_finite():
        raise NumberFormatError("Giá trị không phải là số hữu hạn.")
    return value


def format_decimal(value: Decimal | int | None, places: int = 2) -> str:
    """Show a number with a decimal comma and no useless trailing zeros: 9.50 → "9,5"."""
    if value is None:
        return ""
    quantised = Decimal(value).quantize(Decimal(1).scaleb(-places))
    text = format(quantised.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")
