"""Read queries of the blocs pages, each with a fixed number of SQL queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from blocs.models import Bloc, BlocKind, ChairTerm, LeaveReason, Membership, Unit, vietnamese_order

HISTORY_LIMIT = 50


def bloc_list_for(
    *, user, today: date, query: str = "", kind: str = "", organiser_id: int | None = None
) -> QuerySet[Bloc]:
    """The blocs `user` may see, filtered, in Vietnamese order, each annotated with its
    current member count (`member_count`) and the chair of the latest year on record
    (`latest_chair_year`, `latest_chair_name`). One query (plus one to count for paging)."""
    blocs = Bloc.objects.visible_to(user).search(query)
    if kind:
        blocs = blocs.filter(kind=kind)
    if organiser_id:
        blocs = blocs.filter(organiser_id=organiser_id)
    current = Membership.objects.current(today).filter(bloc=OuterRef("pk"))
    latest = ChairTerm.objects.filter(bloc=OuterRef("pk")).order_by("-year")
    return (
        blocs.select_related("organiser")
        .annotate(
            member_count=Coalesce(
                Subquery(
                    current.order_by().values("bloc").annotate(n=Count("pk")).values("n"),
                    output_field=IntegerField(),
                ),
                Value(0),
            ),
            latest_chair_year=Subquery(latest.values("year")[:1]),
            latest_chair_name=Subquery(latest.values("chair__name")[:1]),
        )
        .order_by(vietnamese_order("name"), "pk")
    )


def bloc_organisers_for(*, user) -> list[Unit]:
    """The organising units of the blocs `user` may see, for the list's filter. One query."""
    visible = Bloc.objects.visible_to(user).values("organiser_id")
    return list(Unit.objects.filter(pk__in=visible).in_vietnamese_order())


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    user: Any
    action: str  # "+" created, "~" changed, "-" deleted (django-simple-history's history_type)
    subject: str
    summary: str = ""
    changes: tuple[FieldChange, ...] = ()

    @property
    def action_label(self) -> str:
        return {"+": "Thêm", "~": "Sửa", "-": "Xóa"}[self.action]


@dataclass(frozen=True)
class MemberRow:
    """A current member and its role in this year's chair term ("chair", "deputy" or "")."""

    membership: Membership
    role_this_year: str = ""


@dataclass
class BlocPage:
    """Everything the bloc detail page shows."""

    bloc: Bloc
    year: int
    members: list[MemberRow]
    former_members: list[Membership]
    chair_terms: list[ChairTerm]
    current_term: ChairTerm | None
    history: list[HistoryEntry] = field(default_factory=list)
    history_total: int = 0


def _show(value: Any, choices: dict[str, str] | None = None) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if choices is not None:
        return str(choices.get(value, value))
    if isinstance(value, Unit):
        return value.name
    return str(value)


# Tracked fields per model: (field name, label, choices). Foreign keys are compared by id and
# shown by the related row's name, which the history queries select.
_BLOC_FIELDS = [
    ("name", "Tên", None),
    ("kind", "Loại", dict(BlocKind.choices)),
    ("organiser", "Cấp tổ chức", None),
    ("decision_number", "Số quyết định", None),
    ("decision_date", "Ngày quyết định", None),
    ("decision_issuer", "Cơ quan ban hành", None),
    ("description", "Ghi chú", None),
    ("is_active", "Đang hoạt động", None),
]
_MEMBERSHIP_FIELDS = [
    ("unit", "Đơn vị", None),
    ("joined_on", "Ngày tham gia", None),
    ("left_on", "Ngày rời", None),
    ("leave_reason", "Lý do rời", dict(LeaveReason.choices)),
    ("note", "Ghi chú", None),
]
_CHAIR_TERM_FIELDS = [
    ("year", "Năm", None),
    ("chair", "Đơn vị trưởng", None),
    ("deputy", "Đơn vị phó", None),
    ("decided_on", "Ngày quyết định", None),
    ("reason", "Căn cứ/lý do", None),
]
_FOREIGN_KEYS = {"organiser", "unit", "chair", "deputy"}


def _changes(old, new, fields) -> tuple[FieldChange, ...]:
    changes = []
    for name, label, choices in fields:
        key = f"{name}_id" if name in _FOREIGN_KEYS else name
        if getattr(old, key) != getattr(new, key):
            changes.append(
                FieldChange(label, _show(getattr(old, name), choices), _show(getattr(new, name), choices))
            )
    return tuple(changes)


def _entries(records, fields, subject, summary) -> list[tuple[datetime, int, HistoryEntry]]:
    """History entries of one model's records, each compared with the previous record of
    the same object (records come ordered by time)."""
    previous: dict[int, Any] = {}
    entries = []
    for record in records:
        before = previous.get(record.id)
        previous[record.id] = record
        changes: tuple[FieldChange, ...] = ()
        if record.history_type == "~" and before is not None:
            changes = _changes(before, record, fields)
            if not changes:
                continue  # saved without a change: nothing to tell
        entry = HistoryEntry(
            at=record.history_date,
            user=record.history_user,
            action=record.history_type,
            subject=subject(record),
            summary=summary(record) if record.history_type != "~" else "",
            changes=changes,
        )
        entries.append((record.history_date, record.history_id, entry))
    return entries


def _membership_summary(record) -> str:
    text = f"Tham gia từ {_show(record.joined_on)}"
    if record.left_on:
        text += f", rời ngày {_show(record.left_on)}"
    return text if record.history_type == "+" else "Xóa bản ghi thành viên"


def _term_summary(record) -> str:
    if record.history_type == "-":
        return "Xóa nhiệm kỳ"
    text = f"Trưởng: {record.chair.name}"
    if record.deputy_id:
        text += f"; phó: {record.deputy.name}"
    return text


def bloc_history(*, bloc: Bloc, limit: int = HISTORY_LIMIT) -> tuple[list[HistoryEntry], int]:
    """The latest changes to a bloc, its memberships and its chair terms, newest first, and
    how many there are in all. Three queries, whatever the length of the history."""
    bloc_records = (
        Bloc.history.filter(id=bloc.pk)
        .select_related("history_user", "organiser")
        .order_by("history_date", "history_id")
    )
    membership_records = (
        Membership.history.filter(bloc_id=bloc.pk)
        .select_related("history_user", "unit")
        .order_by("history_date", "history_id")
    )
    term_records = (
        ChairTerm.history.filter(bloc_id=bloc.pk)
        .select_related("history_user", "chair", "deputy")
        .order_by("history_date", "history_id")
    )
    entries = [
        *_entries(
            bloc_records,
            _BLOC_FIELDS,
            lambda r: "Thông tin khối/cụm",
            lambda r: "Tạo khối/cụm" if r.history_type == "+" else "Xóa khối/cụm",
        ),
        *_entries(
            membership_records,
            _MEMBERSHIP_FIELDS,
            lambda r: f"Thành viên: {r.unit.name}",
            _membership_summary,
        ),
        *_entries(term_records, _CHAIR_TERM_FIELDS, lambda r: f"Nhiệm kỳ năm {r.year}", _term_summary),
    ]
    entries.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return [entry for _, _, entry in entries[:limit]], len(entries)


def bloc_page(*, bloc: Bloc, today: date) -> BlocPage:
    """Members (current and former), chair terms newest first, and the change history of a
    bloc. Five queries: memberships, chair terms, and three for the history."""
    memberships = list(
        bloc.memberships.select_related("unit").order_by(vietnamese_order("unit__name"), "joined_on", "pk")
    )
    terms = list(bloc.chair_terms.select_related("chair", "deputy").order_by("-year"))
    current_term = next((t for t in terms if t.year == today.year), None)
    members: list[MemberRow] = []
    former: list[Membership] = []
    for membership in memberships:
        membership.bloc = bloc
        if membership.left_on is not None and membership.left_on < today:
            former.append(membership)
        elif current_term is not None and membership.unit_id == current_term.chair_id:
            members.append(MemberRow(membership, "chair"))
        elif current_term is not None and membership.unit_id == current_term.deputy_id:
            members.append(MemberRow(membership, "deputy"))
        else:
            members.append(MemberRow(membership))
    former.sort(key=lambda m: (m.left_on, m.pk), reverse=True)
    history, total = bloc_history(bloc=bloc)
    return BlocPage(
        bloc=bloc,
        year=today.year,
        members=members,
        former_members=former,
        chair_terms=terms,
        current_term=current_term,
        history=history,
        history_total=total,
    )
