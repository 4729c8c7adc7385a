"""Criteria sets: load a tree (sample set, Excel), edit while unused, version, copy."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from blocs.models import AuditEvent
from blocs.services.audit import audit_record
from campaigns.models import Campaign
from scoring.models import CriteriaSet, Criterion, CriterionKind
from thidua.lib.text import nfc

SAMPLE_FILE = Path(__file__).resolve().parent.parent / "data" / "sample_criteria.json"
CAPPED_KINDS = {CriterionKind.BONUS, CriterionKind.PENALTY}


def _require_unfrozen(criteria_set: CriteriaSet) -> None:
    if criteria_set.is_frozen:
        raise ValidationError(
            "Bộ tiêu chí đã có điểm chấm nên đã khóa; muốn thay đổi hãy tạo phiên bản mới của bộ tiêu chí."
        )


def _decimal(value, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).replace(",", "."))
    except InvalidOperation as exc:
        raise ValidationError({field: f"“{value}” không phải là số."}) from exc
    if not number.is_finite() or number <= 0:
        raise ValidationError({field: "Điểm tối đa phải là số lớn hơn 0."})
    # The column holds 4 digits before the point and 2 after (PostgreSQL refuses more).
    if number >= 10_000 or number.as_tuple().exponent < -2:
        raise ValidationError({field: "Điểm tối đa có tối đa 4 chữ số phần nguyên và 2 chữ số thập phân."})
    return number


@transaction.atomic
def criteria_set_create(*, campaign: Campaign, name: str, actor) -> CriteriaSet:
    version = (campaign.criteria_sets.aggregate(last=Max("version"))["last"] or 0) + 1
    criteria_set = CriteriaSet(campaign=campaign, name=nfc(name), version=version)
    criteria_set.full_clean()
    criteria_set.save()
    audit_record(
        kind=AuditEvent.Kind.CHANGE,
        summary=f"Tạo bộ tiêu chí “{criteria_set.name}” phiên bản {version} cho {campaign}",
        actor=actor,
    )
    return criteria_set


def validate_tree(groups: list[dict]) -> list[str]:
    """Check a tree in the sample file's shape; return every problem as a Vietnamese line."""
    problems: list[str] = []
    codes: set[str] = set()
    kinds = {k.value for k in CriterionKind}

    def visit(node: dict, kind: str | None, where: str) -> None:
        code = nfc(str(node.get("code", "")))
        title = nfc(str(node.get("title", "")))
        label = f"{where} “{code or '?'}”"
        if not code:
            problems.append(f"{where}: thiếu mã tiêu chí.")
        elif len(code) > 20:
            problems.append(f"{label}: mã tiêu chí quá 20 ký tự.")
        elif code in codes:
            problems.append(f"{label}: mã tiêu chí bị trùng.")
        codes.add(code)
        if not title:
            problems.append(f"{label}: thiếu nội dung tiêu chí.")
        elif len(title) > 500:
            problems.append(f"{label}: nội dung tiêu chí quá 500 ký tự.")
        node_kind = node.get("kind", kind or "standard")
        if node_kind not in kinds:
            problems.append(f"{label}: loại “{node_kind}” không hợp lệ (standard, bonus, penalty, veto).")
        elif kind is not None and node_kind != kind:
            problems.append(f"{label}: tiêu chí con phải cùng loại với nhóm ({CriterionKind(kind).label}).")
        children = node.get("children") or []
        is_leaf = not children
        if node_kind != "veto" and (is_leaf or node_kind in CAPPED_KINDS and kind is None):
            try:
                if _decimal(node.get("max"), "max") is None:
                    problems.append(f"{label}: thiếu điểm tối đa.")
            except ValidationError as exc:
                problems.append(f"{label}: {exc.messages[0]}")
        for child in children:
            visit(child, node_kind, "Tiêu chí")

    if not groups:
        problems.append("Bộ tiêu chí không có nhóm tiêu chí nào.")
    for group in groups:
        visit(group, None, "Nhóm")
    return problems


@transaction.atomic
def criteria_set_load_tree(*, criteria_set: CriteriaSet, groups: list[dict], actor) -> int:
    """Replace an unused set's criteria with a tree shaped like data/sample_criteria.json.

    All or nothing: any problem raises ValidationError listing every problem."""
    criteria_set = CriteriaSet.objects.select_for_update().get(pk=criteria_set.pk)
    _require_unfrozen(criteria_set)
    problems = validate_tree(groups)
    if problems:
        raise ValidationError(problems)
    criteria_set.criteria.all().delete()
    count = 0

    def create(node: dict, parent: Criterion | None, kind: str, position: int) -> None:
        nonlocal count
        node_kind = node.get("kind", kind)
        criterion = Criterion.objects.create(
            criteria_set=criteria_set,
            parent=parent,
            code=nfc(str(node["code"])),
            title=nfc(str(node["title"])),
            kind=node_kind,
            max_points=None if node_kind == CriterionKind.VETO else _decimal(node.get("max"), "max"),
            is_core=bool(node.get("core", False)),
            position=position,
        )
        count += 1
        for index, child in enumerate(node.get("children") or [], start=1):
            create(child, criterion, node_kind, index)

    for index, group in enumerate(groups, start=1):
        create(group, None, group.get("kind", "standard"), index)
    audit_record(
        kind=AuditEvent.Kind.IMPORT,
        summary=f"Nạp {count} tiêu chí vào “{criteria_set.name}” phiên bản {criteria_set.version}",
        actor=actor,
    )
    return count


def sample_tree() -> tuple[str, list[dict]]:
    data = json.loads(SAMPLE_FILE.read_text(encoding="utf-8"))
    return data["name"], data["groups"]


@transaction.atomic
def criteria_set_from_sample(*, campaign: Campaign, actor) -> CriteriaSet:
    name, groups = sample_tree()
    criteria_set = criteria_set_create(campaign=campaign, name=name, actor=actor)
    criteria_set_load_tree(criteria_set=criteria_set, groups=groups, actor=actor)
    return criteria_set


def tree_of(criteria_set: CriteriaSet) -> list[dict]:
    """The set as a tree in the sample file's shape (for copying and versioning)."""
    nodes = list(criteria_set.criteria.order_by("position", "pk"))
    children: dict[int | None, list[Criterion]] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)

    def shape(node: Criterion) -> dict:
        data = {"code": node.code, "title": node.title, "kind": node.kind}
        if node.max_points is not None:
            data["max"] = str(node.max_points)
        if node.is_core:
            data["core"] = True
        if children.get(node.pk):
            data["children"] = [shape(child) for child in children[node.pk]]
        return data

    return [shape(group) for group in children.get(None, [])]


@transaction.atomic
def criteria_set_new_version(*, criteria_set: CriteriaSet, actor) -> CriteriaSet:
    """A new, editable version of a (frozen) set with the same criteria."""
    new = criteria_set_create(campaign=criteria_set.campaign, name=criteria_set.name, actor=actor)
    new.copied_from = criteria_set
    new.save(update_fields=["copied_from"])
    criteria_set_load_tree(criteria_set=new, groups=tree_of(criteria_set), actor=actor)
    return new


@transaction.atomic
def criteria_set_copy(*, source: CriteriaSet, campaign: Campaign, actor) -> CriteriaSet:
    """Start a campaign's criteria from another campaign's (last year's) set."""
    new = criteria_set_create(campaign=campaign, name=source.name, actor=actor)
    new.copied_from = source
    new.save(update_fields=["copied_from"])
    criteria_set_load_tree(criteria_set=new, groups=tree_of(source), actor=actor)
    return new


CRITERION_FIELDS = {"code", "title", "kind", "max_points", "is_core", "pledge_item", "parent"}


def _check_cap(criterion: Criterion) -> None:
    """Bonus and penalty groups are capped by their own maximum (DESIGN.md §5 rule 1)."""
    if criterion.parent_id is None and criterion.kind in CAPPED_KINDS and criterion.max_points is None:
        raise ValidationError(
            {
                "max_points": f"Nhóm {criterion.get_kind_display().lower()} phải có mức điểm tối đa của cả nhóm."
            }
        )


def _descendant_ids(criterion: Criterion) -> set[int]:
    nodes = Criterion.objects.filter(criteria_set_id=criterion.criteria_set_id).values_list("pk", "parent_id")
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in nodes:
        children.setdefault(parent_id, []).append(pk)
    found: set[int] = set()
    stack = list(children.get(criterion.pk, []))
    while stack:
        pk = stack.pop()
        found.add(pk)
        stack.extend(children.get(pk, []))
    return found


@transaction.atomic
def criterion_add(
    *,
    criteria_set: CriteriaSet,
    code: str,
    title: str,
    parent: Criterion | None = None,
    kind: str = CriterionKind.STANDARD,
    max_points: Decimal | None = None,
    is_core: bool = False,
    pledge_item=None,
    actor,
) -> Criterion:
    criteria_set = CriteriaSet.objects.select_for_update().get(pk=criteria_set.pk)
    _require_unfrozen(criteria_set)
    if parent is not None:
        kind = parent.kind
    position = (criteria_set.criteria.filter(parent=parent).aggregate(last=Max("position"))["last"] or 0) + 1
    criterion = Criterion(
        criteria_set=criteria_set,
        parent=parent,
        code=nfc(code),
        title=nfc(title),
        kind=kind,
        max_points=max_points,
        is_core=is_core,
        pledge_item=pledge_item,
        position=position,
    )
    criterion.full_clean()
    if criterion.kind != CriterionKind.VETO and parent is not None and criterion.max_points is None:
        raise ValidationError({"max_points": "Tiêu chí phải có điểm tối đa."})
    _check_cap(criterion)
    criterion.save()
    audit_record(
        kind=AuditEvent.Kind.CHANGE,
        summary=f"Thêm tiêu chí {criterion.code} vào “{criteria_set.name}”",
        actor=actor,
    )
    return criterion


@transaction.atomic
def criterion_update(*, criterion: Criterion, actor, **changes) -> Criterion:
    unknown = set(changes) - CRITERION_FIELDS
    if unknown:
        raise TypeError(f"criterion_update: unknown fields {sorted(unknown)}")
    _require_unfrozen(CriteriaSet.objects.select_for_update().get(pk=criterion.criteria_set_id))
    old_parent_id, old_kind = criterion.parent_id, criterion.kind
    descendants = _descendant_ids(criterion)
    for name, value in changes.items():
        setattr(criterion, name, nfc(value) if isinstance(value, str) else value)
    if criterion.parent_id is not None and (
        criterion.parent_id == criterion.pk or criterion.parent_id in descendants
    ):
        raise ValidationError(
            {"parent": "Không chuyển được tiêu chí vào chính nó hoặc vào tiêu chí con của nó."}
        )
    if criterion.parent is not None:
        criterion.kind = criterion.parent.kind  # a child follows its group
    if descendants and criterion.kind != old_kind and CriterionKind.VETO in (criterion.kind, old_kind):
        raise ValidationError(
            {
                "kind": "Tiêu chí đã có tiêu chí con nên không đổi được sang hoặc từ loại phủ quyết (chấm Có/Không)."
            }
        )
    if criterion.parent_id != old_parent_id:
        last = Criterion.objects.filter(
            criteria_set_id=criterion.criteria_set_id, parent_id=criterion.parent_id
        )
        criterion.position = (last.aggregate(last=Max("position"))["last"] or 0) + 1
    criterion.full_clean()
    is_leaf = not descendants
    if (
        criterion.kind != CriterionKind.VETO
        and criterion.parent_id is not None
        and is_leaf
        and criterion.max_points is None
    ):
        raise ValidationError({"max_points": "Tiêu chí phải có điểm tối đa."})
    _check_cap(criterion)
    criterion.save()
    # Every level below follows the group's kind, not only the direct children.
    Criterion.objects.filter(pk__in=descendants).exclude(kind=criterion.kind).update(kind=criterion.kind)
    audit_record(kind=AuditEvent.Kind.CHANGE, summary=f"Sửa tiêu chí {criterion.code}", actor=actor)
    return criterion


@transaction.atomic
def criterion_delete(*, criterion: Criterion, actor) -> None:
    _require_unfrozen(CriteriaSet.objects.select_for_update().get(pk=criterion.criteria_set_id))
    summary = f"Xóa tiêu chí {criterion.code} – {criterion.title}"
    criterion.delete()
    audit_record(kind=AuditEvent.Kind.CHANGE, summary=summary, actor=actor)


@transaction.atomic
def criterion_move(*, criterion: Criterion, offset: int, actor) -> None:
    """Move a criterion up (−1) or down (+1) among its siblings."""
    _require_unfrozen(CriteriaSet.objects.select_for_update().get(pk=criterion.criteria_set_id))
    siblings = list(
        Criterion.objects.filter(
            criteria_set_id=criterion.criteria_set_id, parent_id=criterion.parent_id
        ).order_by("position", "pk")
    )
    index = next(i for i, node in enumerate(siblings) if node.pk == criterion.pk)
    target = index + offset
    if not 0 <= target < len(siblings):
        return
    siblings[index], siblings[target] = siblings[target], siblings[index]
    for position, node in enumerate(siblings, start=1):
        node.position = position
    Criterion.objects.bulk_update(siblings, ["position"])
    audit_record(kind=AuditEvent.Kind.CHANGE, summary=f"Đổi thứ tự tiêu chí {criterion.code}", actor=actor)
