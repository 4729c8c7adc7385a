"""The units pages: list and tree, detail, create, edit, export and the import template."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from blocs.models import AuditEvent, Unit
from blocs.services.unit_import import Action, unit_import_plan
from blocs.services.units import unit_update
from blocs.tests.factories import AssignmentFactory, ChairTermFactory, MembershipFactory, UnitFactory
from thidua.lib.text import sort_key

LIST_URL = reverse("blocs:unit-list")
CREATE_URL = reverse("blocs:unit-create")
EXPORT_URL = reverse("blocs:unit-export")
TEMPLATE_URL = reverse("blocs:unit-import-template")

# Every page: session, user, the navigation's roles. For non-admins, each `visible_to(user)` adds one query (the paths of
# their units) and the first `has_perm` two (Django's model permissions).
BASE_QUERIES = 3
# Saving through the services (validation, insert, history, path, audit), then a redirect.
CREATE_POST_QUERIES = 15
EDIT_POST_QUERIES = 16
# A refused form is shown again with its parent choices: one query more than a plain page.
INVALID_POST_QUERIES = BASE_QUERIES + 1


def detail_url(unit: Unit) -> str:
    return reverse("blocs:unit-detail", args=[unit.pk])


def edit_url(unit: Unit) -> str:
    return reverse("blocs:unit-edit", args=[unit.pk])


def add_units(parent: Unit, count: int, **fields) -> list[Unit]:
    return [UnitFactory(parent=parent, **fields) for _ in range(count)]


def messages_of(response) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]


def unit_snapshot() -> list[tuple]:
    return sorted(Unit.objects.values_list("code", "name", "short_name", "parent_id", "echelon", "is_active"))


# --- List and tree -------------------------------------------------------------------------------------


def test_tree_puts_children_under_their_parent_in_vietnamese_order(world, client_for):
    for name in ["Zung", "Ánh", "Anh", "Ăn", "Ân", "Đức", "Dũng"]:
        UnitFactory(name=name, parent=world.unit_a)
    response = client_for(world.admin).get(LIST_URL)
    assert response.status_code == 200
    rows = [(row.unit.name, row.level) for row in response.context["page_obj"].object_list]
    assert rows == [
        ("Bộ Quốc phòng", 0),
        ("Quân khu 1", 1),
        ("Anh", 2),
        ("Ánh", 2),
        ("Ăn", 2),
        ("Ân", 2),
        ("Dũng", 2),
        ("Đức", 2),
        ("Sư đoàn 3", 2),
        ("Zung", 2),
        ("Quân khu 2", 1),
        ("Quân khu 3", 1),
        ("Sư đoàn 301", 1),
    ]
    body = response.content.decode()
    assert body.index("Quân khu 1") < body.index("Ánh") < body.index("Zung") < body.index("Quân khu 2")


def test_tree_rows_link_to_each_unit_and_name_its_echelon(world, client_for):
    Unit.objects.filter(pk=world.child_a.pk).update(echelon="su_doan")
    body = client_for(world.admin).get(LIST_URL).content.decode()
    rows = re.findall(r'<tr data-testid="unit-row".*?</tr>', body, re.S)
    assert len(rows) == Unit.objects.count()
    division = next(row for row in rows if ">Sư đoàn 3</a>" in row)
    assert f'href="{detail_url(world.child_a)}"' in division
    assert "<td>Sư đoàn</td>" in division and "su_doan" not in division  # its label, not its code


def test_long_tree_is_paged_and_says_which_branch_a_page_continues(world, client_for):
    add_units(world.child_a, 250)
    client = client_for(world.admin)
    first = client.get(LIST_URL)
    assert len(first.context["page_obj"].object_list) == 200
    assert "256 đơn vị, xếp theo cây tổ chức" in first.content.decode()
    assert 'data-testid="tree-continued"' not in first.content.decode()
    second = client.get(LIST_URL, {"page": 2})
    rows = second.context["page_obj"].object_list
    assert len(rows) == 56
    assert [unit.name for unit in second.context["continued_from"]] == [
        "Bộ Quốc phòng",
        "Quân khu 1",
        "Sư đoàn 3",
    ]
    assert "Tiếp theo nhánh:" in second.content.decode()
    assert rows[-1].unit.name == "Sư đoàn 301"


def test_tree_shows_inactive_units_greyed(world, client_for):
    Unit.objects.filter(pk=world.child_a.pk).update(is_active=False)
    response = client_for(world.admin).get(LIST_URL)
    body = response.content.decode()
    row = body[body.index(f'href="{detail_url(world.child_a)}"') - 400 : body.index("Sư đoàn 3</a>") + 200]
    assert 'class="text-secondary"' in row
    assert "Ngừng hoạt động" in row


def test_leader_sees_own_subtree_bloc_members_and_organiser_only(world, client_for):
    response = client_for(world.leader).get(LIST_URL)
    names = [row.unit.name for row in response.context["page_obj"].object_list]
    assert names == ["Bộ Quốc phòng", "Quân khu 1", "Sư đoàn 3", "Quân khu 2", "Quân khu 3"]
    assert "Sư đoàn 301" not in response.content.decode()
    assert "Thêm đơn vị" not in response.content.decode()


def test_unit_whose_parent_is_hidden_starts_its_own_tree(world, client_for):
    response = client_for(world.outsider).get(LIST_URL)
    rows = [(row.unit.name, row.level) for row in response.context["page_obj"].object_list]
    assert rows == [("Bộ Quốc phòng", 0), ("Sư đoàn 301", 1)]
    hidden_root = UnitFactory(code="ROOT2", name="Tổng cục Chính trị")
    UnitFactory(code="C1", name="Cục Tuyên huấn", parent=hidden_root)
    AssignmentFactory(user=world.nobody, role="officer", unit=Unit.objects.get(code="C1"))
    rows = [
        (row.unit.name, row.level)
        for row in client_for(world.nobody).get(LIST_URL).context["page_obj"].object_list
    ]
    assert rows == [("Cục Tuyên huấn", 0)]


def test_user_without_roles_sees_an_explanation(world, client_for):
    response = client_for(world.nobody).get(LIST_URL)
    assert response.status_code == 200
    assert "Chưa có đơn vị nào bạn được xem." in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("quan khu 1", {"Quân khu 1"}),
        ("QUÂN KHU 1", {"Quân khu 1"}),
        ("duc", {"Đức Phổ"}),
        ("Hoà", {"Hòa Bình", "Hoà An"}),
        ("Hòa", {"Hòa Bình", "Hoà An"}),
        ("sd3", {"Sư đoàn 3"}),
        ("  su   doan 3 ", {"Sư đoàn 3", "Sư đoàn 301"}),
    ],
)
def test_search_ignores_accents_and_finds_exact_codes(world, client_for, query, expected):
    for name in ["Đức Phổ", "Hòa Bình", "Hoà An"]:
        UnitFactory(name=name, parent=world.unit_a)
    response = client_for(world.admin).get(LIST_URL, {"q": query})
    assert response.status_code == 200
    assert {unit.name for unit in response.context["page_obj"]} == expected


def test_search_results_are_limited_to_visible_units(world, client_for):
    response = client_for(world.outsider).get(LIST_URL, {"q": "quan khu"})
    assert list(response.context["page_obj"]) == []
    assert "Không tìm thấy đơn vị nào khớp “quan khu”." in response.content.decode()


def test_search_is_paginated_by_50_in_vietnamese_order(world, client_for):
    add_units(world.unit_a, 60)
    client = client_for(world.admin)
    first = client.get(LIST_URL, {"q": "don vi"})
    assert len(first.context["page_obj"]) == 50
    names = [unit.name for unit in first.context["page_obj"]]
    assert names == sorted(names, key=sort_key)
    assert "q=don+vi&amp;page=2" in first.content.decode()
    second = client.get(LIST_URL, {"q": "don vi", "page": 2})
    assert len(second.context["page_obj"]) == 10
    assert "60 đơn vị khớp" in second.content.decode()


def test_echelon_filter(world, client_for):
    Unit.objects.filter(pk=world.child_a.pk).update(echelon="su_doan")
    response = client_for(world.admin).get(LIST_URL, {"echelon": "su_doan"})
    assert [row.unit.name for row in response.context["page_obj"].object_list] == ["Sư đoàn 3"]
    response = client_for(world.admin).get(LIST_URL, {"echelon": "su_doan", "q": "quan"})
    assert list(response.context["page_obj"]) == []


def test_unknown_echelon_answers_400_with_a_message(world, client_for):
    response = client_for(world.admin).get(LIST_URL, {"echelon": "phi_doi"})
    assert response.status_code == 400
    assert "Cấp “phi_doi” không có trong danh mục." in response.content.decode()


def test_anonymous_is_sent_to_login(client):
    response = client.get(LIST_URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("extra", [5, 50])
@pytest.mark.parametrize(
    ("persona", "params", "queries"),
    [
        ("admin", {}, BASE_QUERIES + 1),
        ("leader", {}, BASE_QUERIES + 4),
        ("admin", {"q": "don vi"}, BASE_QUERIES + 2),
        ("secretary", {"q": "quan khu"}, BASE_QUERIES + 5),
    ],
)
def test_list_query_count_does_not_grow_with_units(
    world, client_for, django_assert_num_queries, extra, persona, params, queries
):
    add_units(world.unit_a, extra)
    add_units(world.unit_b, extra, is_active=False)
    client = client_for(world.persona(persona))
    with django_assert_num_queries(queries):
        response = client.get(LIST_URL, params)
    assert response.status_code == 200


# --- Detail ----------------------------------------------------------------------------------------------


def test_detail_shows_unit_tree_blocs_terms_and_history(world, client_for):
    membership = world.unit_a.memberships.get()
    MembershipFactory(
        bloc=world.other_bloc,
        unit=world.unit_a,
        joined_on=date(2019, 1, 1),
        left_on=date(2021, 12, 31),
        leave_reason="merged",
    )
    ChairTermFactory(bloc=world.bloc, year=2024, chair=world.unit_a, deputy=world.unit_b)
    ChairTermFactory(bloc=world.bloc, year=2025, chair=world.unit_b, deputy=world.unit_a)
    client = client_for(world.admin)
    edit = {
        "code": "QK1",
        "name": "Quân khu 1 (mới)",
        "parent": world.root.pk,
        "echelon": "quan_khu",
        "is_active": "on",
    }
    assert client.post(edit_url(world.unit_a), edit).status_code == 302

    response = client.get(detail_url(world.unit_a))
    assert response.status_code == 200
    body = response.content.decode()
    assert "<code>QK1</code>" in body
    assert "Quân khu, tương đương" in body
    assert f'<a href="{detail_url(world.root)}">Bộ Quốc phòng</a>' in body  # breadcrumb / parent
    assert [child.name for child in response.context["detail"].children] == ["Sư đoàn 3"]
    rows = response.context["detail"].memberships
    assert [(m.bloc.name, m.left_on) for m in rows] == [
        ("Khối thi đua số 2", None),
        ("Cụm thi đua số 6", date(2021, 12, 31)),
    ]
    assert membership.joined_on.strftime("%d/%m/%Y") in body
    assert "31/12/2021" in body and "Sáp nhập" in body
    assert "Khối trưởng" in body and "Khối phó" in body
    history = response.context["detail"].history
    assert history[0].kind_label == "Sửa"
    assert history[0].who == str(world.admin)
    changes = {(c.label, c.old, c.new) for c in history[0].changes}
    assert changes == {
        ("Tên đơn vị", "Quân khu 1", "Quân khu 1 (mới)"),
        ("Cấp", "Khác", "Quân khu, tương đương"),
    }
    assert "Tên đơn vị: Quân khu 1 → Quân khu 1 (mới)" in body
    assert history[-1].kind_label == "Tạo mới"
    assert "Sửa thông tin" in body


def test_detail_names_hidden_ancestors_without_linking_them(world, client_for):
    response = client_for(world.leader).get(detail_url(world.child_a))
    assert response.status_code == 200
    ancestors = [(a.unit.name, a.visible) for a in response.context["detail"].ancestors]
    assert ancestors == [("Bộ Quốc phòng", True), ("Quân khu 1", True)]
    hidden = UnitFactory(code="C1", name="Cục Tuyên huấn", parent=UnitFactory(code="TC", name="Tổng cục"))
    AssignmentFactory(user=world.nobody, role="officer", unit=hidden)
    response = client_for(world.nobody).get(detail_url(hidden))
    body = response.content.decode()
    assert [(a.unit.name, a.visible) for a in response.context["detail"].ancestors] == [("Tổng cục", False)]
    assert '<li class="breadcrumb-item">Tổng cục</li>' in body
    assert "Sửa thông tin" not in body


def test_detail_limits_children_and_blocs_to_what_the_user_may_see(world, client_for):
    response = client_for(world.secretary).get(detail_url(world.unit_a))
    assert response.status_code == 200
    assert response.context["detail"].children == []  # SD3 is not a member of the bloc
    assert [m.bloc.name for m in response.context["detail"].memberships] == ["Khối thi đua số 2"]


@pytest.mark.parametrize(
    ("persona", "unit_attr", "status"),
    [
        ("admin", "other_unit", 200),
        ("secretary", "unit_b", 200),
        ("observer", "unit_c", 200),
        ("leader", "child_a", 200),
        ("officer", "unit_a", 200),
        ("other_secretary", "other_unit", 200),
        ("outsider", "unit_a", 404),
        ("outsider", "child_a", 404),
        ("secretary", "other_unit", 404),
        ("nobody", "root", 404),
    ],
)
def test_detail_access(world, client_for, persona, unit_attr, status):
    response = client_for(world.persona(persona)).get(detail_url(getattr(world, unit_attr)))
    assert response.status_code == status


@pytest.mark.parametrize("extra", [5, 50])
@pytest.mark.parametrize(("persona", "queries"), [("admin", BASE_QUERIES + 8), ("leader", BASE_QUERIES + 12)])
def test_detail_query_count_does_not_grow(
    world, client_for, django_assert_num_queries, extra, persona, queries
):
    add_units(world.unit_a, extra)
    for year in range(2000, 2000 + extra):
        ChairTermFactory(bloc=world.bloc, year=year, chair=world.unit_a)
    for index in range(extra):
        unit_update(unit=world.unit_a, actor=world.admin, short_name=f"QK1-{index}")
    client = client_for(world.persona(persona))
    with django_assert_num_queries(queries):
        response = client.get(detail_url(world.unit_a))
    assert response.status_code == 200


# --- Create ------------------------------------------------------------------------------------------------


def form_data(**overrides) -> dict:
    data = {
        "code": "sd-312",
        "name": "  Sư đoàn   312 ",
        "short_name": "F312",
        "echelon": "su_doan",
        "is_active": "on",
    }
    data.update(overrides)
    return data


def test_admin_creates_a_unit(world, client_for):
    client = client_for(world.admin)
    page = client.get(CREATE_URL, {"cap-tren": world.unit_a.pk})
    assert page.status_code == 200
    assert f'<option value="{world.unit_a.pk}" selected>Quân khu 1 (QK1)</option>' in page.content.decode()
    response = client.post(CREATE_URL, form_data(parent=world.unit_a.pk))
    unit = Unit.objects.get(code="SD-312")
    assert response.status_code == 302 and response["Location"] == detail_url(unit)
    assert (unit.name, unit.parent, unit.echelon, unit.depth) == ("Sư đoàn 312", world.unit_a, "su_doan", 2)
    assert unit.path == f"{world.unit_a.path}{unit.pk}/"
    assert messages_of(response) == ["Đã thêm đơn vị Sư đoàn 312 (SD-312)."]
    assert unit.history.get().history_user == world.admin


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"code": ""}, "code", "Hãy nhập mã đơn vị."),
        ({"code": "SĐ 312"}, "code", "chỉ được gồm chữ cái A–Z không dấu, chữ số và các dấu - _ ."),
        ({"code": "A" * 41}, "code", "Mã đơn vị dài 41 ký tự, tối đa 40 ký tự."),
        ({"code": "qk1"}, "code", "Mã “QK1” đã được dùng cho một đơn vị khác."),
        ({"name": "   "}, "name", "Hãy nhập tên đơn vị."),
        ({"name": "Đ" * 201}, "name", "Tên đơn vị tối đa 200 ký tự (hiện có 201)."),
        ({"echelon": "phi_doi"}, "echelon", "Cấp “phi_doi” không có trong danh mục."),
        ({"parent": "999999"}, "parent", "Đơn vị cấp trên đã chọn không còn tồn tại"),
    ],
)
def test_create_with_bad_input_answers_400_and_saves_nothing(world, client_for, overrides, field, message):
    before = unit_snapshot()
    response = client_for(world.admin).post(CREATE_URL, form_data(**overrides))
    assert response.status_code == 400
    errors = " ".join(response.context["form"].errors[field])
    assert message in errors, errors
    body = response.content.decode()
    assert "Chưa lưu được: hãy sửa các ô được đánh dấu bên dưới." in body
    assert unit_snapshot() == before


@pytest.mark.parametrize("persona", ["secretary", "observer", "leader", "officer", "outsider", "nobody"])
def test_only_admins_may_create(world, client_for, persona):
    client = client_for(world.persona(persona))
    assert client.get(CREATE_URL).status_code == 403
    assert client.post(CREATE_URL, form_data()).status_code == 403
    assert not Unit.objects.filter(code="SD-312").exists()
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.DENIED, actor=world.persona(persona)).exists()


@pytest.mark.parametrize("extra", [5, 50])
def test_create_page_query_count(world, client_for, django_assert_num_queries, extra):
    add_units(world.unit_a, extra)
    client = client_for(world.admin)
    with django_assert_num_queries(BASE_QUERIES + 1):  # the parent choices
        response = client.get(CREATE_URL)
    parent_options = response.context["form"].fields["parent"].choices
    assert len(parent_options) == Unit.objects.count() + 1  # and the empty choice


# --- Edit ----------------------------------------------------------------------------------------------------


def test_admin_edits_a_unit(world, client_for):
    client = client_for(world.admin)
    page = client.get(edit_url(world.child_a))
    assert page.status_code == 200
    assert 'value="SD3"' in page.content.decode()
    response = client.post(
        edit_url(world.child_a),
        {
            "code": "SD3",
            "name": "Sư đoàn 3 Sao Vàng",
            "short_name": "",
            "parent": world.unit_b.pk,
            "echelon": "su_doan",
        },
    )
    assert response.status_code == 302 and response["Location"] == detail_url(world.child_a)
    world.child_a.refresh_from_db()
    assert (world.child_a.name, world.child_a.parent, world.child_a.is_active) == (
        "Sư đoàn 3 Sao Vàng",
        world.unit_b,
        False,
    )
    assert world.child_a.path == f"{world.unit_b.path}{world.child_a.pk}/"
    assert messages_of(response) == ["Đã lưu thay đổi của đơn vị Sư đoàn 3 Sao Vàng (SD3)."]


def test_edit_without_changes_saves_nothing(world, client_for):
    client = client_for(world.admin)
    data = {
        "code": "QK1",
        "name": "Quân khu 1",
        "short_name": "",
        "parent": world.root.pk,
        "echelon": "khac",
        "is_active": "on",
    }
    response = client.post(edit_url(world.unit_a), data)
    assert response.status_code == 302
    assert messages_of(response) == ["Không có thay đổi nào ở đơn vị Quân khu 1."]
    assert world.unit_a.history.count() == 1


@pytest.mark.parametrize("target", ["unit_a", "child_a"])
def test_edit_refuses_itself_or_a_descendant_as_parent(world, client_for, target):
    before = unit_snapshot()
    data = {
        "code": "QK1",
        "name": "Quân khu 1",
        "parent": getattr(world, target).pk,
        "echelon": "khac",
        "is_active": "on",
    }
    response = client_for(world.admin).post(edit_url(world.unit_a), data)
    assert response.status_code == 400
    assert response.context["form"].errors["parent"] == [
        "Đơn vị cấp trên không được là chính nó hoặc đơn vị cấp dưới của nó."
    ]
    assert unit_snapshot() == before


def test_edit_refuses_a_code_used_by_another_unit(world, client_for):
    data = {
        "code": "qk2",
        "name": "Quân khu 1",
        "parent": world.root.pk,
        "echelon": "khac",
        "is_active": "on",
    }
    response = client_for(world.admin).post(edit_url(world.unit_a), data)
    assert response.status_code == 400
    assert response.context["form"].errors["code"] == ["Mã “QK2” đã được dùng cho một đơn vị khác."]
    world.unit_a.refresh_from_db()
    assert world.unit_a.code == "QK1"


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("secretary", 403),
        ("observer", 403),
        ("leader", 403),
        ("officer", 403),
        ("outsider", 404),
        ("nobody", 404),
    ],
)
def test_only_admins_may_edit(world, client_for, persona, status):
    client = client_for(world.persona(persona))
    assert client.get(edit_url(world.unit_a)).status_code == status
    data = {"code": "QK1", "name": "Đổi tên", "parent": world.root.pk, "echelon": "khac"}
    assert client.post(edit_url(world.unit_a), data).status_code == status
    world.unit_a.refresh_from_db()
    assert world.unit_a.name == "Quân khu 1"


@pytest.mark.parametrize("extra", [5, 50])
def test_edit_page_query_count(world, client_for, django_assert_num_queries, extra):
    add_units(world.unit_a, extra)
    client = client_for(world.admin)
    with django_assert_num_queries(BASE_QUERIES + 2):  # the unit, the parent choices
        assert client.get(edit_url(world.unit_a)).status_code == 200


# --- Export and template -----------------------------------------------------------------------------------------


def read_sheet(content: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(content), data_only=False).worksheets[0]
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_admin_exports_every_unit_in_tree_order(world, client_for):
    Unit.objects.filter(pk=world.unit_a.pk).update(short_name="QK1", echelon="quan_khu")
    response = client_for(world.admin).get(EXPORT_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith('attachment; filename="don-vi-')
    rows = read_sheet(response.content)
    assert rows[0] == ["Mã đơn vị", "Tên đơn vị", "Mã đơn vị cấp trên", "Cấp", "Tên viết tắt"]
    assert rows[1:] == [
        ["ROOT", "Bộ Quốc phòng", None, "Bộ", None],
        ["QK1", "Quân khu 1", "ROOT", "Quân khu, tương đương", "QK1"],
        ["SD3", "Sư đoàn 3", "QK1", "Khác", None],
        ["QK2", "Quân khu 2", "ROOT", "Khác", None],
        ["QK3", "Quân khu 3", "ROOT", "Khác", None],
        ["SD301", "Sư đoàn 301", "ROOT", "Khác", None],
    ]
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.EXPORT)
    assert (event.actor, event.data) == (world.admin, {"count": 6})


def test_leader_exports_only_visible_units(world, client_for):
    rows = read_sheet(client_for(world.leader).get(EXPORT_URL).content)
    assert [row[0] for row in rows[1:]] == ["ROOT", "QK1", "SD3", "QK2", "QK3"]


def test_export_then_import_changes_nothing(world, client_for):
    UnitFactory(
        code="X.1", name="-Đơn vị có gạch đầu", short_name="+84", parent=world.child_a, echelon="dai_doi"
    )
    UnitFactory(code="X_2", name="@Đơn vị có a còng", parent=world.child_a)
    content = client_for(world.admin).get(EXPORT_URL).content
    plan = unit_import_plan(data=content)
    assert not plan.has_errors
    assert {row.action for row in plan.rows} == {Action.UNCHANGED}
    assert len(plan.rows) == Unit.objects.count()


def test_export_never_writes_a_formula(world, client_for):
    UnitFactory(code="EVIL", name='=HYPERLINK("http://evil","x")', short_name="@SUM(A1)", parent=world.root)
    content = client_for(world.admin).get(EXPORT_URL).content
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml
    sheet = load_workbook(io.BytesIO(content), data_only=False).worksheets[0]
    evil = next(row for row in sheet.iter_rows() if row[0].value == "EVIL")
    assert (evil[1].data_type, evil[1].quotePrefix) == ("s", True)
    assert evil[1].value == '=HYPERLINK("http://evil","x")'
    assert (evil[4].data_type, evil[4].quotePrefix) == ("s", True)


def test_user_without_roles_exports_an_empty_list(world, client_for):
    rows = read_sheet(client_for(world.nobody).get(EXPORT_URL).content)
    assert len(rows) == 1


@pytest.mark.parametrize("extra", [5, 50])
@pytest.mark.parametrize(("persona", "queries"), [("admin", BASE_QUERIES + 3), ("leader", BASE_QUERIES + 4)])
def test_export_query_count(world, client_for, django_assert_num_queries, extra, persona, queries):
    add_units(world.unit_a, extra)
    client = client_for(world.persona(persona))
    # the units, then the audit event inside its own savepoint
    with django_assert_num_queries(queries):
        assert client.get(EXPORT_URL).status_code == 200


def test_import_template_has_header_example_and_echelons(world, client_for):
    response = client_for(world.secretary).get(TEMPLATE_URL)
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Đơn vị", "Danh mục cấp", "Hướng dẫn"]
    rows = read_sheet(response.content)
    assert rows[0] == ["Mã đơn vị", "Tên đơn vị", "Mã đơn vị cấp trên", "Cấp", "Tên viết tắt"]
    assert rows[2] == ["QK1", "Quân khu 1", "BQP", "Quân khu, tương đương", "QK1"]
    labels = [row[0].value for row in workbook["Danh mục cấp"].iter_rows(min_row=2)]
    assert "Sư đoàn" in labels and "Khác" in labels
    plan = unit_import_plan(data=response.content)
    assert not plan.has_errors
    assert [(row.code, row.action) for row in plan.rows] == [("BQP", Action.CREATE), ("QK1", Action.UPDATE)]


@pytest.mark.parametrize("extra", [5, 50])
def test_form_posts_query_counts_do_not_grow_with_units(world, client_for, django_assert_num_queries, extra):
    add_units(world.unit_a, extra)
    client = client_for(world.admin)
    with django_assert_num_queries(CREATE_POST_QUERIES):
        assert client.post(CREATE_URL, form_data(parent=world.unit_a.pk)).status_code == 302
    with django_assert_num_queries(INVALID_POST_QUERIES):
        assert client.post(CREATE_URL, form_data(code="")).status_code == 400
    edit = {
        "code": "QK1",
        "name": "Quân khu Một",
        "parent": world.root.pk,
        "echelon": "khac",
        "is_active": "on",
    }
    with django_assert_num_queries(EDIT_POST_QUERIES):
        assert client.post(edit_url(world.unit_a), edit).status_code == 302


@pytest.mark.parametrize("extra", [5, 50])
def test_template_download_query_count(world, client_for, django_assert_num_queries, extra):
    add_units(world.unit_a, extra)
    client = client_for(world.admin)
    with django_assert_num_queries(BASE_QUERIES - 1):  # no page, so no navigation query
        assert client.get(TEMPLATE_URL).status_code == 200
