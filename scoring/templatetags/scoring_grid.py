"""Numbers on the scoring pages as Vietnamese readers write them: a decimal comma."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from html import escape

from django import template
from django.utils.safestring import mark_safe

from thidua.lib.numbers import format_decimal

register = template.Library()


@register.filter
def points(value: Decimal | int | None, empty: str = "") -> str:
    """9.50 → "9,5"; None → `empty`."""
    if value is None or value == "":
        return empty
    try:
        return format_decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)


@register.filter
def signed_points(value: Decimal | None) -> str:
    """A difference with its sign: "+1,5", "−2", "0"; None → ""."""
    if value is None:
        return ""
    if value > 0:
        return f"+{format_decimal(value)}"
    if value < 0:
        return f"\u2212{format_decimal(-value)}"
    return "0"


@register.filter
def max_attr(value: Decimal | None) -> str:
    """A maximum for a data- attribute read by the page's script (a point, no comma)."""
    return "" if value is None else format(Decimal(value).normalize(), "f")


_CELL = (
    '<td class="{classes}"><input class="g-in" type="text" id="{name}" name="{name}" value="{text}"'
    ' data-loaded="{loaded}" inputmode="decimal" autocomplete="off" spellcheck="false"'
    ' aria-labelledby="u-{unit} r-{criterion}"{state}{disabled}>'
    '<span class="g-foot">{own}<a class="g-hist" href="{history}{unit}/{criterion}/" tabindex="-1"'
    ' title="Lịch sử ô" aria-label="Lịch sử ô {code}"><i class="bi bi-clock-history" aria-hidden="true"></i>'
    "</a></span></td>"
)


@register.simple_tag
def grid_cells(row, *, editable: bool, history_prefix: str) -> str:
    """The inputs of one criterion's row, one per unit. Built here rather than in the template:
    a 10 × 60 grid has 600 of them, and resolving and escaping their attributes one by one
    through the template engine would take most of the page's time. Every text is escaped."""
    code = escape(row.criterion.code)
    history = escape(history_prefix)
    disabled = "" if editable else " disabled"
    cells = []
    for cell in row.cells:
        classes = "g-cell"
        state = ""
        if cell.error:
            classes += " is-invalid"
            state = f' aria-invalid="true" title="{escape(cell.error)}"'
        elif cell.conflict:
            classes += " is-conflict"
            state = f' title="Người khác vừa lưu: {escape(cell.conflict)}"'
        own = f'<span class="g-self">tự chấm: {escape(cell.self_text)}</span>' if cell.self_text else ""
        cells.append(
            _CELL.format(
                classes=classes,
                name=escape(cell.name),
                text=escape(cell.text),
                loaded=escape(cell.loaded),
                unit=int(cell.unit_id),
                criterion=int(cell.criterion_id),
                state=state,
                disabled=disabled,
                own=own,
                history=history,
                code=code,
            )
        )
    return mark_safe("".join(cells))  # noqa: S308 - built from escaped parts above


@register.simple_tag
def comparison_cells(row) -> str:
    """Self, final and their difference for each unit of one comparison row (see grid_cells)."""
    cells = []
    for difference in row.cells:
        level = difference.level
        title = ' title="Lệch từ 20% điểm tối đa trở lên"' if level == "strong" else ""
        cells.append(
            f'<td class="cmp-first">{escape(points(difference.self_points))}</td>'
            f"<td>{escape(points(difference.final_points))}</td>"
            f'<td class="cmp-diff {level}"{title}>{escape(signed_points(difference.diff))}</td>'
        )
    return mark_safe("".join(cells))  # noqa: S308 - built from escaped parts above
