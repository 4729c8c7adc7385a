"""Charts drawn on the server as SVG: WeasyPrint runs no JavaScript, so the documents cannot
use the Chart.js charts of the pages. Same numbers, same colours, drawn here."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape

from django.utils.safestring import SafeString, mark_safe

from thidua.lib.numbers import format_decimal

COLOURS = {"ok": "#2f5d3a", "missing": "#c98a00", "veto": "#b02a37", "mean": "#6c757d"}


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal
    tone: str = "ok"  # a key of COLOURS
    note: str = ""  # printed after the value, e.g. "(1=)"


def bar_chart(
    bars: list[Bar],
    *,
    maximum: Decimal,
    width: int = 600,
    label_width: int = 190,
    bar_height: int = 16,
    gap: int = 7,
    unit: str = "",
) -> SafeString:
    """A horizontal bar chart, one bar per item from top to bottom, with its value printed at
    the end of the bar and a scale of five ticks. Sizes are in CSS pixels."""
    if not bars:
        return mark_safe("")
    maximum = max(maximum, max((bar.value for bar in bars), default=Decimal(0)), Decimal(1))
    plot = width - label_width - 110
    top = 6
    height = top + len(bars) * (bar_height + gap) + 24
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" class="chart">'
    ]
    for step in range(6):
        x = label_width + plot * step / 5
        tick = maximum * step / 5
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 2}" x2="{x:.1f}" y2="{height - 20}" stroke="#d0d0d0" stroke-width="0.6"/>'
            f'<text x="{x:.1f}" y="{height - 6}" font-size="9" text-anchor="middle" fill="#444">'
            f"{escape(format_decimal(tick, 0))}{escape(unit)}</text>"
        )
    for index, bar in enumerate(bars):
        y = top + index * (bar_height + gap)
        length = float(bar.value) / float(maximum) * plot if bar.value > 0 else 0
        label = bar.label if len(bar.label) <= 34 else bar.label[:33] + "…"
        value = format_decimal(bar.value) + (f" {bar.note}" if bar.note else "")
        parts.append(
            f'<text x="{label_width - 6}" y="{y + bar_height - 4}" font-size="10" text-anchor="end">'
            f"{escape(label)}</text>"
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar_height}" '
            f'fill="{COLOURS.get(bar.tone, COLOURS["ok"])}"/>'
            f'<text x="{label_width + length + 4:.1f}" y="{y + bar_height - 4}" font-size="10">'
            f"{escape(value)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))
