"""Pages of the catalogue: everyone signed in reads it, admins add and edit titles and rules."""

from __future__ import annotations

import pytest
from django.urls import reverse

from awards.models import EligibilityRule, Title
from awards.tests.test_nominations_support import FLAG_BQP, QUYET_THANG, catalogue

NOT_ADMINS = ["secretary", "observer", "leader", "officer", "outsider", "nobody"]

TITLE_DATA = {
    "name": "Cờ thi đua của Quân khu 1",
    "kind": "title",
    "level": "quan_khu",
    "recipient": "collective",
    "issuer": "Tư lệnh Quân khu 1",
    "is_flag": "on",
    "quota_percent": "",
    "position": "35",
    "active": "on",
    "description": "",
}


@pytest.fixture
def titles(db):
    return catalogue()


def state():
    return (
        list(Title.objects.order_by("pk").values_list("name", "quota_percent", "active")),
        list(
            EligibilityRule.objects.order_by("pk").values_list("title_id", "kind", "number", "classification")
        ),
    )


@pytest.mark.parametrize("persona", ["admin", *NOT_ADMINS])
def test_everyone_signed_in_reads_the_catalogue_with_titles_apart_from_award_forms(
    world, client_for, titles, persona
):
    response = client_for(world.persona(persona)).get(reverse("awards:title-list"))
    assert response.status_code == 200
    page = response.content.decode()
    titles_part, awards_part = page.split('data-testid="awards"')
    assert FLAG_BQP in titles_part and "Bằng khen của Bộ trưởng Bộ Quốc phòng" in awards_part
    assert "≤ 20% số đơn vị, ít nhất 1" in titles_part
    assert "Xếp loại từ Xuất sắc trở lên" in titles_part
    assert (reverse("awards:title-create") in page) is (persona == "admin")


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(reverse("awards:title-list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", NOT_ADMINS)
def test_only_admins_edit_the_catalogue(world, client_for, titles, persona):
    title = titles[QUYET_THANG]
    rule = title.rules.first()
    before = state()
    client = client_for(world.persona(persona))
    for method, url, data in [
        ("get", reverse("awards:title-create"), {}),
        ("post", reverse("awards:title-create"), TITLE_DATA),
        ("get", reverse("awards:title-edit", args=[title.pk]), {}),
        ("post", reverse("awards:title-edit", args=[title.pk]), TITLE_DATA),
        ("post", reverse("awards:title-rule-add", args=[title.pk]), {"kind": "leading_unit"}),
        ("post", reverse("awards:title-rule-edit", args=[rule.pk]), {"kind": "leading_unit"}),
        ("post", reverse("awards:title-rule-delete", args=[rule.pk]), {}),
    ]:
        assert getattr(client, method)(url, data).status_code == 403, url
    assert state() == before


def test_admin_adds_a_title_then_a_rule(world, client_for, titles):
    client = client_for(world.admin)
    response = client.post(reverse("awards:title-create"), TITLE_DATA)
    title = Title.objects.get(name="Cờ thi đua của Quân khu 1")
    assert response.status_code == 302 and response["Location"] == reverse(
        "awards:title-edit", args=[title.pk]
    )
    assert title.is_flag and title.level == "quan_khu"
    response = client.post(
        reverse("awards:title-rule-add", args=[title.pk]),
        {"kind": "title_same_year", "required_title": titles[QUYET_THANG].pk},
    )
    assert response.status_code == 302
    page = client.get(reverse("awards:title-edit", args=[title.pk])).content.decode()
    assert "Đã được tặng (hoặc cùng được đề nghị) Đơn vị Quyết thắng trong năm" in page


def test_admin_edits_the_quota(world, client_for, titles):
    title = titles[QUYET_THANG]
    data = {
        **{k: v for k, v in TITLE_DATA.items() if k not in ("is_flag",)},
        "name": title.name,
        "level": title.level,
        "quota_percent": "25",
        "quota_at_least_one": "on",
    }
    response = client_for(world.admin).post(reverse("awards:title-edit", args=[title.pk]), data)
    assert response.status_code == 302
    title.refresh_from_db()
    assert str(title.quota_percent) == "25.00"


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        ({"name": ""}, "name", "Tên: không được để trống."),
        ({"kind": "x"}, "kind", "Loại: chọn Danh hiệu thi đua hoặc Hình thức khen thưởng."),
        ({"quota_percent": "120"}, "quota_percent", "Tỷ lệ tối đa: phải lớn hơn 0 và không quá 100%."),
        ({"quota_percent": "abc"}, "quota_percent", "Tỷ lệ tối đa: “abc” không phải là số"),
        ({"position": "-1"}, "position", "Thứ tự: không được âm."),
        ({"kind": "award"}, "is_flag", "không phải hình thức khen thưởng"),
        ({"name": FLAG_BQP}, "name", "đã tồn tại"),
    ],
)
def test_bad_title_input_answers_400_naming_the_field(world, client_for, titles, changes, field, text):
    before = state()
    response = client_for(world.admin).post(reverse("awards:title-create"), {**TITLE_DATA, **changes})
    assert response.status_code == 400
    assert any(text in e for e in response.context["form"].errors[field]), response.context["form"].errors
    assert state() == before


@pytest.mark.parametrize(
    ("data", "field", "text"),
    [
        ({}, "kind", "Điều kiện: không được để trống."),
        ({"kind": "min_classification"}, "classification", "Nhập mức xếp loại tối thiểu"),
        ({"kind": "max_rank", "number": "0"}, "number", "Số: từ 1 trở lên."),
        ({"kind": "max_rank", "number": "ba"}, "number", "Số: nhập một số nguyên."),
        (
            {"kind": "title_same_year", "required_title": "999999"},
            "required_title",
            "Danh hiệu yêu cầu: chọn một mục",
        ),
    ],
)
def test_bad_rule_input_answers_400_naming_the_field(world, client_for, titles, data, field, text):
    before = state()
    response = client_for(world.admin).post(
        reverse("awards:title-rule-add", args=[titles[QUYET_THANG].pk]), data
    )
    assert response.status_code == 400
    assert any(text in e for e in response.context["form"].errors[field]), response.context["form"].errors
    assert state() == before


def test_admin_edits_and_removes_a_rule(world, client_for, titles):
    rule = titles[QUYET_THANG].rules.get(kind="min_classification")
    client = client_for(world.admin)
    response = client.post(
        reverse("awards:title-rule-edit", args=[rule.pk]),
        {"kind": "min_classification", "classification": "Tốt"},
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.classification == "Tốt"
    client.post(reverse("awards:title-rule-delete", args=[rule.pk]))
    assert not EligibilityRule.objects.filter(pk=rule.pk).exists()
