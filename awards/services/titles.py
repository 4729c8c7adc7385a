"""The catalogue of titles and award forms, and the eligibility rules of each (DESIGN.md §5 rule 7).

The seed (awards/data/titles.json) holds the army's titles and award forms (TT 118/2023), kept
apart, with default rules and quotas taken from practice; docs/awards.md says where each default
comes from. Seeding only adds what is missing, so an admin's later edits are never undone.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from awards.models import EligibilityRule, RuleKind, Title
from blocs.models import AuditEvent
from blocs.services.audit import audit_record
from thidua.lib.text import nfc

CATALOGUE = Path(__file__).resolve().parent.parent / "data" / "titles.json"

TITLE_FIELDS = {
    "name",
    "kind",
    "level",
    "recipient",
    "issuer",
    "is_flag",
    "quota_percent",
    "quota_at_least_one",
    "position",
    "active",
    "description",
}
RULE_FIELDS = {"kind", "classification", "number", "required_title", "position"}


def load_catalogue() -> list[dict]:
    return json.loads(CATALOGUE.read_text(encoding="utf-8"))["titles"]


@transaction.atomic
def seed_titles(*, actor=None) -> int:
    """Add the catalogue's titles that are missing (by name) with their default rules; returns
    how many were added. Titles already present are left as they are."""
    rows = load_catalogue()
    existing = {nfc(name) for name in Title.objects.values_list("name", flat=True)}
    added: list[Title] = []
    for row in rows:
        if nfc(row["name"]) in existing:
            continue
        title = Title(
            name=nfc(row["name"]),
            kind=row["kind"],
            level=row["level"],
            recipient=row.get("recipient", "collective"),
            issuer=row.get("issuer", ""),
            is_flag=row.get("is_flag", False),
            quota_percent=Decimal(row["quota_percent"]) if row.get("quota_percent") else None,
            quota_at_least_one=row.get("quota_at_least_one", False),
            position=row.get("position", 0),
            description=row.get("description", ""),
        )
        title.full_clean()
        title.save()
        added.append(title)
    by_name = {title.name: title for title in Title.objects.all()}
    rows_by_name = {nfc(row["name"]): row for row in rows}
    for title in added:
        for position, rule in enumerate(rows_by_name[title.name].get("rules", []), start=1):
            required = rule.get("required_title")
            EligibilityRule.objects.create(
                title=title,
                kind=rule["kind"],
                classification=rule.get("classification", ""),
                number=rule.get("number"),
                required_title=by_name[nfc(required)] if required else None,
                position=position,
            )
    if added:
        audit_record(
            kind=AuditEvent.Kind.CHANGE,
            summary=f"Nạp danh mục danh hiệu, hình thức khen thưởng: thêm {len(added)} mục",
            actor=actor,
        )
    return len(added)


def _clean_title(title: Title) -> None:
    title.name = nfc(title.name)
    title.issuer = nfc(title.issuer)
    title.description = nfc(title.description)
    if title.recipient == "individual" and title.is_flag:
        raise ValidationError(
            {"is_flag": "Cờ thi đua chỉ tặng tập thể: bỏ chọn “là cờ thi đua” hoặc chọn đối tượng Tập thể."}
        )
    if title.kind == "award" and title.is_flag:
        raise ValidationError(
            {"is_flag": "Cờ thi đua là danh hiệu thi đua, không phải hình thức khen thưởng."}
        )
    if title.quota_at_least_one and title.quota_percent is None:
        raise ValidationError(
            {"quota_at_least_one": "Chỉ chọn “ít nhất một đơn vị” khi đã nhập tỷ lệ tối đa."}
        )
    title.full_clean()


@transaction.atomic
def title_create(*, actor, **fields) -> Title:
    unknown = set(fields) - TITLE_FIELDS
    if unknown:
        raise TypeError(f"title_create: unknown fields {sorted(unknown)}")
    title = Title(**fields)
    _clean_title(title)
    title.save()
    audit_record(kind=AuditEvent.Kind.CHANGE, summary=f"Thêm danh mục khen thưởng: {title.name}", actor=actor)
    return title


@transaction.atomic
def title_update(*, title: Title, actor, **changes) -> Title:
    unknown = set(changes) - TITLE_FIELDS
    if unknown:
        raise TypeError(f"title_update: unknown fields {sorted(unknown)}")
    title = Title.objects.select_for_update(of=("self",)).get(pk=title.pk)
    if "kind" in changes and changes["kind"] != title.kind and title.records.exists():
        raise ValidationError(
            {
                "kind": "Đã có đơn vị được khen theo mục này, không đổi được giữa danh hiệu và hình thức khen thưởng."
            }
        )
    for name, value in changes.items():
        setattr(title, name, value)
    _clean_title(title)
    title.save()
    audit_record(kind=AuditEvent.Kind.CHANGE, summary=f"Sửa danh mục khen thưởng: {title.name}", actor=actor)
    return title


def _clean_rule(rule: EligibilityRule) -> None:
    rule.classification = nfc(rule.classification or "")
    errors: dict[str, str] = {}
    if rule.kind == RuleKind.MIN_CLASSIFICATION and not rule.classification:
        errors["classification"] = "Nhập mức xếp loại tối thiểu, ví dụ Tốt."
    if rule.kind == RuleKind.MAX_RANK and not rule.number:
        errors["number"] = "Nhập hạng thấp nhất được xét (từ 1 trở lên), ví dụ 3."
    if rule.kind == RuleKind.CONSECUTIVE_YEARS and (not rule.number or rule.number < 2):
        errors["number"] = "Nhập số năm liên tục (từ 2 trở lên)."
    if rule.kind == RuleKind.TITLE_SAME_YEAR and rule.required_title_id is None:
        errors["required_title"] = "Chọn danh hiệu phải đạt trong năm."
    if rule.kind == RuleKind.TITLE_SAME_YEAR and rule.required_title_id == rule.title_id:
        errors["required_title"] = "Danh hiệu yêu cầu phải khác danh hiệu đang xét."
    if errors:
        raise ValidationError(errors)
    # Keep only what the kind uses, so a rule never shows a stale number or title.
    if rule.kind != RuleKind.MIN_CLASSIFICATION:
        rule.classification = ""
    if rule.kind not in (RuleKind.MAX_RANK, RuleKind.CONSECUTIVE_YEARS):
        rule.number = None
    if rule.kind not in (RuleKind.TITLE_SAME_YEAR, RuleKind.CONSECUTIVE_YEARS):
        rule.required_title = None
    rule.full_clean()


@transaction.atomic
def eligibility_rule_add(*, title: Title, actor, **fields) -> EligibilityRule:
    unknown = set(fields) - RULE_FIELDS
    if unknown:
        raise TypeError(f"eligibility_rule_add: unknown fields {sorted(unknown)}")
    fields.setdefault("position", (title.rules.count() + 1))
    rule = EligibilityRule(title=title, **fields)
    _clean_rule(rule)
    rule.save()
    audit_record(
        kind=AuditEvent.Kind.CHANGE,
        summary=f"Thêm điều kiện xét “{rule.get_kind_display()}” cho {title.name}",
        actor=actor,
    )
    return rule


@transaction.atomic
def eligibility_rule_update(*, rule: EligibilityRule, actor, **changes) -> EligibilityRule:
    unknown = set(changes) - RULE_FIELDS
    if unknown:
        raise TypeError(f"eligibility_rule_update: unknown fields {sorted(unknown)}")
    rule = EligibilityRule.objects.select_for_update(of=("self",)).select_related("title").get(pk=rule.pk)
    for name, value in changes.items():
        setattr(rule, name, value)
    _clean_rule(rule)
    rule.save()
    audit_record(
        kind=AuditEvent.Kind.CHANGE,
        summary=f"Sửa điều kiện xét “{rule.get_kind_display()}” của {rule.title.name}",
        actor=actor,
    )
    return rule


@transaction.atomic
def eligibility_rule_remove(*, rule: EligibilityRule, actor) -> None:
    summary = f"Bỏ điều kiện xét “{rule.get_kind_display()}” của {rule.title.name}"
    rule.delete()
    audit_record(kind=AuditEvent.Kind.CHANGE, summary=summary, actor=actor)
