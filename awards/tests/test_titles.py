"""The catalogue seed and the title/rule services."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from awards.models import EligibilityRule, Title
from awards.services import titles as services
from awards.tests.test_nominations_support import BANG_KHEN_BQP, FLAG_BQP, QUYET_THANG, TIEN_TIEN


def test_seed_keeps_titles_apart_from_award_forms_with_level_and_recipient(db):
    assert services.seed_titles() > 10
    titles = {t.name: t for t in Title.objects.all()}
    assert titles[FLAG_BQP].kind == "title" and titles[FLAG_BQP].is_flag and titles[FLAG_BQP].level == "bo"
    assert titles["Cờ thi đua của Chính phủ"].level == "chinh_phu"
    assert titles[QUYET_THANG].quota_percent == Decimal("20") and titles[QUYET_THANG].quota_at_least_one
    assert titles[BANG_KHEN_BQP].kind == "award" and titles["Giấy khen"].kind == "award"
    assert titles["Chiến sĩ thi đua cơ sở"].recipient == "individual"
    assert not Title.objects.filter(kind="award", is_flag=True).exists()


def test_seed_gives_the_documented_default_rules(db):
    services.seed_titles()
    flag = Title.objects.get(name=FLAG_BQP)
    kinds = [(r.kind, r.required_title.name if r.required_title else "") for r in flag.rules.all()]
    assert kinds == [
        ("leading_unit", ""),
        ("not_disqualified", ""),
        ("title_same_year", QUYET_THANG),
        ("no_pending_flag", ""),
    ]
    assert [(r.kind, r.classification) for r in Title.objects.get(name=TIEN_TIEN).rules.all()] == [
        ("min_classification", "Tốt"),
        ("not_disqualified", ""),
        ("no_pending_flag", ""),
    ]
    # No pending flag everywhere a collective title has rules.
    for title in Title.objects.filter(recipient="collective"):
        assert title.rules.filter(kind="no_pending_flag").exists(), title.name


def test_seed_is_idempotent_and_keeps_an_admins_edits(db):
    services.seed_titles()
    count, rules = Title.objects.count(), EligibilityRule.objects.count()
    Title.objects.filter(name=QUYET_THANG).update(quota_percent=Decimal("25"))
    assert services.seed_titles() == 0
    assert (Title.objects.count(), EligibilityRule.objects.count()) == (count, rules)
    assert Title.objects.get(name=QUYET_THANG).quota_percent == Decimal("25")


def test_title_create_refuses_a_flag_that_is_an_award_form(world):
    with pytest.raises(ValidationError) as exc:
        services.title_create(name="Cờ lạ", kind="award", level="bo", is_flag=True, actor=world.admin)
    assert "is_flag" in exc.value.error_dict
    assert not Title.objects.filter(name="Cờ lạ").exists()


def test_title_create_and_update(world):
    title = services.title_create(
        name="Cờ thi đua của Quân khu 1", kind="title", level="quan_khu", is_flag=True, actor=world.admin
    )
    services.title_update(
        title=title, quota_percent=Decimal("10"), quota_at_least_one=True, actor=world.admin
    )
    title.refresh_from_db()
    assert title.quota_percent == Decimal("10")
    with pytest.raises(ValidationError) as exc:
        services.title_update(title=title, quota_percent=None, actor=world.admin)
    assert "quota_at_least_one" in exc.value.error_dict


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "min_classification"}, "classification"),
        ({"kind": "max_rank"}, "number"),
        ({"kind": "consecutive_years", "number": 1}, "number"),
        ({"kind": "title_same_year"}, "required_title"),
    ],
)
def test_rule_needs_what_its_kind_reads(world, fields, field):
    services.seed_titles()
    title = Title.objects.get(name=QUYET_THANG)
    before = title.rules.count()
    with pytest.raises(ValidationError) as exc:
        services.eligibility_rule_add(title=title, actor=world.admin, **fields)
    assert field in exc.value.error_dict
    assert title.rules.count() == before


def test_rule_keeps_only_what_its_kind_uses(world):
    services.seed_titles()
    title = Title.objects.get(name=QUYET_THANG)
    rule = services.eligibility_rule_add(
        title=title, kind="max_rank", number=2, classification="Tốt", actor=world.admin
    )
    assert (rule.number, rule.classification) == (2, "")
    rule = services.eligibility_rule_update(rule=rule, kind="leading_unit", actor=world.admin)
    assert rule.number is None
    services.eligibility_rule_remove(rule=rule, actor=world.admin)
    assert not EligibilityRule.objects.filter(pk=rule.pk).exists()
