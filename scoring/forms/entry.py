"""The entry grid's form: reads every cell as Vietnamese users type numbers ("9,5" or "9.5"),
the card versions the page was loaded with, and the correction reason of a published round.

Validation and normalisation only; `final_grid_save` decides and writes. The form sends the
service only the cells the user changed: each unit's column carries, in a hidden `o-<unit>`,
the values it was loaded with. So a unit nobody touched on this page never conflicts with
someone else's save, and after a conflict a second save cannot put back values the user
never typed (nothing anyone entered is lost)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError

from scoring.models import RoundState
from scoring.selectors.grid import Cell, Grid
from scoring.services.scorecards import ConflictCard, check_points
from thidua.lib import forms as vn_forms
from thidua.lib.numbers import NumberFormatError, parse_decimal

REASON_MAX = 500
TWO_PLACES = Decimal("0.01")


def cell_key(unit_id: int, criterion_id: int) -> str:
    return f"c-{unit_id}-{criterion_id}"


def encode_originals(values: dict[int, Decimal | None]) -> str:
    """A column's loaded values as `<criterion id>=<value>;…` (a point, no comma)."""
    return ";".join(f"{criterion_id}={'' if v is None else v}" for criterion_id, v in sorted(values.items()))


def decode_originals(text: str) -> dict[int, Decimal | None] | None:
    """The column's loaded values, or None when the field is missing or not ours."""
    if not text:
        return None
    values: dict[int, Decimal | None] = {}
    for part in text.split(";"):
        key, sep, raw = part.partition("=")
        try:
            values[int(key)] = parse_decimal(raw) if sep else None
        except (ValueError, NumberFormatError):
            return None
    return values


def sends_back_every_column(data, grid: Grid) -> bool:
    """Whether every unit's column came back with its loaded values: the form then reads the
    request against the grid's shape alone, without the stored scores."""
    return all(decode_originals(data.get(f"o-{unit_id}", "")) is not None for unit_id in grid.unit_ids)


def _normalised(value: Decimal) -> Decimal:
    """ "9,500" is 9.5: trailing zeros past the second decimal are not a third decimal."""
    if value.as_tuple().exponent < -2:  # type: ignore[operator]
        try:
            rounded = value.quantize(TWO_PLACES)
        except InvalidOperation:  # too many digits to round: leave it for the rules to refuse
            return value
        if rounded == value:
            return rounded
    return value


def _version(raw: str | None) -> int:
    try:
        return max(int(raw or 0), 0)
    except (TypeError, ValueError):
        return 0


class GridForm(forms.Form):
    """One input per (member unit, leaf criterion): `c-<unit id>-<criterion id>`; a hidden
    `v-<unit id>` with the version of the unit's final card the page loaded and `o-<unit id>`
    with its loaded values. An empty cell means "no score". A cell missing from the request is
    left as it is."""

    reason = vn_forms.TextField(
        label="Lý do đính chính",
        max_length=REASON_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": "Lý do đính chính không được để trống: đợt chấm đã công bố.",
            "max_length": f"Lý do đính chính dài tối đa {REASON_MAX} ký tự (đang có %(show_value)d ký tự).",
        },
        help_text="Ví dụ: Theo biên bản phúc tra ngày 15/4, điểm huấn luyện của Quân khu 1 nhập nhầm.",
    )

    def __init__(self, data=None, *, grid: Grid, **kwargs):
        super().__init__(data, **kwargs)
        self.grid = grid
        self.is_correction = grid.scoring_round.state == RoundState.PUBLISHED
        self.is_closed = grid.scoring_round.state == RoundState.CLOSED
        self.typed: dict[Cell, str] = {}
        self.values: dict[Cell, Decimal | None] = {}
        self.cell_errors: dict[Cell, str] = {}
        self.versions: dict[int, int] = grid.versions
        self.originals: dict[Cell, Decimal | None] = dict(grid.final)
        self.entries: dict[Cell, Decimal | None] = {}
        self.conflicts: dict[Cell, Decimal | None] = {}
        if self.is_bound:
            self._read_cells()

    # --- Reading the request ------------------------------------------------------------------

    def _read_cells(self) -> None:
        grid, data = self.grid, self.data
        names = {column.unit.pk: column.unit.name for column in grid.columns}
        known_originals: dict[int, dict[int, Decimal | None] | None] = {}
        for unit_id in grid.unit_ids:
            self.versions[unit_id] = _version(data.get(f"v-{unit_id}"))
            known_originals[unit_id] = decode_originals(data.get(f"o-{unit_id}", ""))
            if known_originals[unit_id] is not None:
                for criterion_id in (leaf.pk for leaf in grid.leaves):
                    self.originals[(unit_id, criterion_id)] = known_originals[unit_id].get(criterion_id)
        for leaf in grid.leaves:
            for unit_id in grid.unit_ids:
                key = cell_key(unit_id, leaf.pk)
                if key not in data:
                    continue
                cell = (unit_id, leaf.pk)
                raw = data.get(key, "")
                self.typed[cell] = raw
                try:
                    value = parse_decimal(raw)
                except NumberFormatError as exc:
                    self.cell_errors[cell] = f"{names[unit_id]} – Tiêu chí {leaf.code}: {exc}"
                    continue
                value = None if value is None else _normalised(value)
                self.values[cell] = value
                originals = known_originals[unit_id]
                if originals is None or leaf.pk not in originals or originals[leaf.pk] != value:
                    self.entries[cell] = value
        if self.cell_errors:
            # Say everything that is wrong at once, not one kind of error per attempt.
            leaves = {leaf.pk: leaf for leaf in grid.leaves}
            for (unit_id, criterion_id), value in self.values.items():
                problem = value is not None and check_points(leaves[criterion_id], value)
                if problem:
                    self.cell_errors[(unit_id, criterion_id)] = f"{names[unit_id]} – {problem}"

    def clean(self):
        data = super().clean()
        if self.is_correction and self.entries and not data.get("reason") and "reason" not in self.errors:
            self.add_error("reason", self.fields["reason"].error_messages["required"])
        if self.cell_errors:
            raise ValidationError(
                f"Có {len(self.cell_errors)} ô chưa đúng; chưa lưu ô nào. Sửa các ô được tô đỏ rồi lưu lại."
            )
        return data

    # --- After the service answered -------------------------------------------------------------

    def add_cell_errors(self, cells: dict[Cell, str], general: list[str]) -> None:
        self.cell_errors.update(cells)
        count = len(cells)
        if count:
            self.add_error(None, f"Có {count} ô chưa đúng; chưa lưu ô nào. Sửa các ô được tô đỏ rồi lưu lại.")
        for message in general:
            self.add_error(None, message)

    def rebase(self, fresh: Grid, cards: list[ConflictCard]) -> None:
        """After a conflict: load what is stored now, keep every cell the user changed, and take
        the current versions, so that a second save (once the user has reviewed) goes through
        and only writes what the user typed."""
        self.grid = fresh
        self.versions = fresh.versions
        self.originals = dict(fresh.final)
        changed = set(self.entries)
        self.typed = {cell: text for cell, text in self.typed.items() if cell in changed}
        self.values = {cell: value for cell, value in self.values.items() if cell in changed}
        conflicted = {card.unit_id for card in cards}
        for cell, value in self.entries.items():
            if cell[0] in conflicted and fresh.final.get(cell) != value:
                self.conflicts[cell] = fresh.final.get(cell)

    # --- What the page shows --------------------------------------------------------------------

    def show_over(self, grid: Grid) -> None:
        """Show the page again over the whole grid, when the request was read against its shape
        alone: untouched cells show what is stored; the versions and loaded values sent back
        stay as they came."""
        self.grid = grid

    def shown_values(self) -> dict[Cell, Decimal | None]:
        """The values the subtotals are computed from: stored, overlaid with what parses."""
        values: dict[Cell, Decimal | None] = dict(self.grid.final)
        values.update(self.values)
        return values

    def originals_of(self, unit_id: int) -> str:
        return encode_originals(
            {leaf.pk: self.originals.get((unit_id, leaf.pk)) for leaf in self.grid.leaves}
        )

    def error_list(self) -> list[tuple[str, str]]:
        """(input id, message) of each bad cell, in the page's order: down each unit's column."""
        order = {
            cell: index
            for index, cell in enumerate(
                (unit_id, leaf.pk) for unit_id in self.grid.unit_ids for leaf in self.grid.leaves
            )
        }
        return [
            (cell_key(*cell), message)
            for cell, message in sorted(self.cell_errors.items(), key=lambda item: order.get(item[0], 0))
        ]
