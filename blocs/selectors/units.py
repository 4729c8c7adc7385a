"""Read queries of the units pages, each with a fixed number of SQL queries whatever the rows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from django.db.models import Q, QuerySet

from blocs.models import Bloc, ChairTerm, Echelon, Membership, Unit, vietnamese_order

HISTORY_LIMIT = 50
# Fields of a unit whose changes the history shows, in this order.
HISTORY_FIELDS = ("code", "name", "short_name", "parent", "echelon", "is_active")


@dataclass(frozen=True, slots=True)
class TreeUnit:
    """What the tree shows of a unit, read as plain values rather than model instances: an
    admin's tree orders every unit (3,021 at army scale) to show 200 of them a page, and building
    a `Unit` for each took about 40 % of the page's time."""

    pk: int
    code: str
    name: str
    short_name: str
    parent_id: int | None
    echelon: str
    is_active: bool

    def get_echelon_display(self) -> str:
        return ECHELON_LABELS.get(self.echelon, self.echelon)


TREE_FIELDS = ("pk", "code", "name", "short_name", "parent_id", "echelon", "is_active")
ECHELON_LABELS = dict(Echelon.choices)


@dataclass(frozen=True)
class TreeRow:
    unit: TreeUnit
    level: int  # depth in the tree as this user sees it (0 = a top row)

    @property
    def indent(self) -> range:
        return range(self.level)


def unit_tree(*, user, echelon: str = "") -> list[TreeRow]:
    """The units `user` may see as a tree: every unit right after its parent, siblings in
    Vietnamese order of their names. A unit whose parent the user cannot see (or that the
    echelon filter leaves out) starts a tree of its own. One query (plus `visible_to`'s)."""
    units = Unit.objects.visible_to(user)
    if echelon:
        units = units.filter(echelon=echelon)
    ordered = [
        TreeUnit(*values)
        for values in units.order_by(vietnamese_order("name"), "pk").values_list(*TREE_FIELDS)
    ]
    return _as_tree(ordered)


def _as_tree(ordered: list[TreeUnit]) -> list[TreeRow]:
    return [TreeRow(unit=unit, level=level) for unit, level in _tree_order(ordered)]


def _tree_order(ordered: list) -> list[tuple[Any, int]]:
    """Depth-first walk of items (with `pk` and `parent_id`) already sorted in Vietnamese
    order, so that siblings keep that order. Items whose parent is absent are top rows."""
    present = {item.pk for item in ordered}
    children: dict[int | None, list] = defaultdict(list)
    for item in ordered:
        children[item.parent_id if item.parent_id in present else None].append(item)
    walked: list[tuple[Any, int]] = []
    stack = [(item, 0) for item in reversed(children[None])]
    while stack:
        item, level = stack.pop()
        walked.append((item, level))
        stack.extend((child, level + 1) for child in reversed(children.get(item.pk, [])))
    return walked


def tree_ancestors(rows: list[TreeRow], index: int) -> list[TreeUnit]:
    """The rows above `rows[index]` in its branch, top first: what a page that starts in the
    middle of a branch shows as "continued from"."""
    chain: list[TreeUnit] = []
    level = rows[index].level if 0 <= index < len(rows) else 0
    for row in reversed(rows[:index]):
        if level == 0:
            break
        if row.level < level:
            chain.append(row.unit)
            level = row.level
    return chain[::-1]


def unit_search(*, user, text: str, echelon: str = "") -> QuerySet[Unit]:
    """Units `user` may see whose name or short name contains `text` without regard to
    accents ("quan khu 1" finds "Quân khu 1", "duc" finds "Đức"), or whose code is `text`."""
    units = Unit.objects.visible_to(user).search(text)
    if echelon:
        units = units.filter(echelon=echelon)
    return units.select_related("parent").order_by(vietnamese_order("name"), "pk")


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    who: str
    kind: str  # "+", "~", "-"
    kind_label: str
    changes: list[FieldChange]
    reason: str = ""


_KIND_LABELS = {"+": "Tạo mới", "~": "Sửa", "-": "Xóa"}


def unit_history(*, unit: Unit, limit: int = HISTORY_LIMIT) -> list[HistoryEntry]:
    """The latest changes of a unit, newest first: who, when, and each field's old → new
    value in Vietnamese. Two queries: the history rows (with their users) and the names of
    the parent units they mention."""
    records = list(
        unit.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1]
    )
    parent_ids = {record.parent_id for record in records if record.parent_id}
    parents = {
        pk: f"{name} ({code})"
        for pk, name, code in Unit.objects.filter(pk__in=parent_ids).values_list("pk", "name", "code")
    }
    labels = {name: str(Unit._meta.get_field(name).verbose_name) for name in HISTORY_FIELDS}
    labels = {name: label[:1].upper() + label[1:] for name, label in labels.items()}

    def shown(record, name: str) -> str:
        if name == "parent":
            return parents.get(record.parent_id, f"#{record.parent_id}") if record.parent_id else "(không có)"
        if name == "echelon":
            return Echelon(record.echelon).label if record.echelon in Echelon.values else record.echelon
        if name == "is_active":
            return "Có" if record.is_active else "Không"
        return getattr(record, name) or "(trống)"

    entries: list[HistoryEntry] = []
    for index, record in enumerate(records[:limit]):
        previous = records[index + 1] if index + 1 < len(records) else None
        if record.history_type == "+" or previous is None:
            changes = [FieldChange(labels[name], "", shown(record, name)) for name in HISTORY_FIELDS]
            changes = [change for change in changes if change.new not in ("", "(trống)", "(không có)")]
        else:
            changes = [
                FieldChange(labels[name], shown(previous, name), shown(record, name))
                for name in HISTORY_FIELDS
                if shown(previous, name) != shown(record, name)
            ]
        entries.append(
            HistoryEntry(
                at=record.history_date,
                who=str(record.history_user) if record.history_user else "Hệ thống",
                kind=record.history_type,
                kind_label=_KIND_LABELS.get(record.history_type, record.history_type),
                changes=changes,
                reason=record.history_change_reason or "",
            )
        )
    return entries


@dataclass(frozen=True)
class Ancestor:
    unit: Unit
    visible: bool


@dataclass
class UnitDetail:
    unit: Unit
    ancestors: list[Ancestor]
    children: list[Unit]
    memberships: list[Membership]
    chair_terms: list[ChairTerm]
    history: list[HistoryEntry] = field(default_factory=list)


def unit_detail(*, user, unit: Unit) -> UnitDetail:
    """Everything the unit page shows. Blocs, memberships and chair terms are limited to the
    blocs `user` may see; children to the units they may see; ancestors are all named (a
    unit's place in the tree is part of what it is) but linked only where visible."""
    visible = Unit.objects.visible_to(user)
    blocs = Bloc.objects.visible_to(user)
    ancestors = unit.ancestors()
    visible_ancestor_ids = set(visible.filter(pk__in=[a.pk for a in ancestors]).values_list("pk", flat=True))
    children = list(
        visible.filter(parent=unit)
        .only("pk", "code", "name", "short_name", "echelon", "is_active", "parent_id", "sort_key")
        .order_by(vietnamese_order("name"), "pk")
    )
    memberships = list(
        Membership.objects.filter(unit=unit, bloc__in=blocs)
        .select_related("bloc", "bloc__organiser")
        .order_by("-joined_on", "-pk")
    )
    chair_terms = list(
        ChairTerm.objects.filter(Q(chair=unit) | Q(deputy=unit), bloc__in=blocs)
        .select_related("bloc", "chair", "deputy")
        .order_by("-year", "bloc__sort_key", "pk")
    )
    return UnitDetail(
        unit=unit,
        ancestors=[Ancestor(unit=a, visible=a.pk in visible_ancestor_ids) for a in ancestors],
        children=children,
        memberships=memberships,
        chair_terms=chair_terms,
        history=unit_history(unit=unit),
    )


@dataclass(frozen=True)
class ExportRow:
    code: str
    name: str
    parent_code: str
    echelon_label: str
    short_name: str


class _ExportItem(NamedTuple):
    pk: int
    parent_id: int | None
    row: ExportRow


def units_for_export(*, user) -> list[ExportRow]:
    """The units `user` may see, in tree order, with their parent's code. One query (plus
    `visible_to`'s). The parent's code is given even when the user cannot open the parent:
    it is part of the unit's own record."""
    labels = dict(Echelon.choices)
    items = [
        _ExportItem(
            pk,
            parent_id,
            ExportRow(
                code=code,
                name=name,
                parent_code=parent_code or "",
                echelon_label=labels.get(echelon, echelon),
                short_name=short_name,
            ),
        )
        for pk, parent_id, code, name, parent_code, echelon, short_name in Unit.objects.visible_to(user)
        .values_list("pk", "parent_id", "code", "name", "parent__code", "echelon", "short_name")
        .order_by(vietnamese_order("name"), "pk")
    ]
    return [item.row for item, _level in _tree_order(items)]
