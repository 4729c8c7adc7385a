"""The entry grid, the self-versus-final comparison and a cell's history: what the secretariat
types and sees, bad input, conflicts, closed and published rounds, the access matrix of
DESIGN.md §6, and query counts at two data sizes."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from blocs.models import AuditEvent
from scoring.models import Correction, Score, Scorecard, ScorecardKind
from scoring.services.rounds import round_publish
from scoring.services.scorecards import final_grid_save, self_card_save
from scoring.tests.factories import close_round, published_round, round_with_sample
from scoring.tests.test_grid_services import (
    big_tree,
    grow_bloc,
    leaves_of,
    round_with_tree,
    statements,
    stored,
)

MANAGERS = ["admin", "secretary"]
SEE_BUT_NOT_ENTER = ["observer", "leader", "officer"]
OUTSIDERS = ["other_secretary", "outsider", "nobody"]


def url(name: str, *args) -> str:
    return reverse(f"scoring:{name}", args=args)


def text_of(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def form_of(response) -> dict[str, str]:
    """What the browser would send back: every cell as shown, the versions and loaded values."""
    data = {}
    for head in response.context["heads"]:
        unit_id = head["column"].unit.pk
        data[f"v-{unit_id}"] = str(head["version"])
        data[f"o-{unit_id}"] = head["originals"]
    for row in response.context["rows"]:
        for cell in row.cells:
            data[cell.name] = cell.text
    return data


def cell(unit, criterion) -> str:
    return f"c-{unit.pk}-{criterion.pk}"


def input_value(response, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', text_of(response))
    assert match, name
    return match.group(1)


@pytest.fixture
def scoring_round(world):
    return round_with_sample(world.bloc, "q1", actor=world.admin)


@pytest.fixture
def leaves(scoring_round):
    return leaves_of(scoring_round)


def final_save(world, scoring_round, entries, versions=None, actor=None, reason=""):
    return final_grid_save(
        scoring_round=scoring_round,
        entries={(u.pk, c.pk): Decimal(v) if v is not None else None for (u, c), v in entries.items()},
        base_versions={u.pk: v for u, v in (versions or {}).items()},
        actor=actor or world.secretary,
        reason=reason,
    )


# --- Access ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", MANAGERS)
def test_managers_open_the_grid(world, scoring_round, client_for, persona):
    response = client_for(world.persona(persona)).get(url("grid", scoring_round.pk))
    assert response.status_code == 200
    assert [c.unit.name for c in response.context["grid"].columns] == [
        "Quân khu 1",
        "Quân khu 2",
        "Quân khu 3",
    ]


@pytest.mark.parametrize("persona", SEE_BUT_NOT_ENTER)
@pytest.mark.parametrize("method", ["get", "post"])
def test_members_and_observers_see_the_round_but_not_the_grid(
    world, scoring_round, leaves, client_for, persona, method
):
    client = client_for(world.persona(persona))
    response = getattr(client, method)(
        url("grid", scoring_round.pk), {cell(world.unit_a, leaves["1.1"]): "4"}
    )
    assert response.status_code == 403
    assert not Score.objects.exists()


@pytest.mark.parametrize("persona", OUTSIDERS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_outsiders_do_not_see_the_grid(world, scoring_round, leaves, client_for, persona, method):
    client = client_for(world.persona(persona))
    response = getattr(client, method)(
        url("grid", scoring_round.pk), {cell(world.unit_a, leaves["1.1"]): "4"}
    )
    assert response.status_code == 404
    assert not Score.objects.exists()


def test_the_grid_needs_a_login(client, scoring_round):
    response = client.get(url("grid", scoring_round.pk))
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]


def test_an_officer_cannot_write_the_final_card(world, scoring_round, leaves, client_for):
    response = client_for(world.officer).post(
        url("grid", scoring_round.pk), {cell(world.unit_a, leaves["1.1"]): "5", f"v-{world.unit_a.pk}": "0"}
    )
    assert response.status_code == 403
    assert not Scorecard.objects.filter(kind=ScorecardKind.FINAL).exists()


def test_a_leader_of_another_bloc_gets_404(world, scoring_round, leaves, client_for):
    response = client_for(world.outsider).post(
        url("grid", scoring_round.pk), {cell(world.unit_a, leaves["1.1"]): "5", f"v-{world.unit_a.pk}": "0"}
    )
    assert response.status_code == 404
    assert not Score.objects.exists()


# --- The page -------------------------------------------------------------------------------------


def test_the_grid_shows_each_cell_with_the_units_self_score_and_totals(
    world, scoring_round, leaves, client_for
):
    final_save(
        world, scoring_round, {(world.unit_a, leaves["2.1"]): "9.5", (world.unit_a, leaves["9.1"]): "1"}
    )
    self_card_save(
        scoring_round=scoring_round,
        unit_id=world.unit_a.pk,
        entries={leaves["2.1"].pk: Decimal("8.5")},
        base_version=0,
        actor=world.officer,
    )

    response = client_for(world.secretary).get(url("grid", scoring_round.pk))

    page = text_of(response)
    name = cell(world.unit_a, leaves["2.1"])
    assert input_value(response, name) == "9,5"
    assert f'id="{name}" name="{name}" value="9,5" data-loaded="9,5" inputmode="decimal"' in page
    assert "tự chấm: 8,5" in page
    assert f'name="v-{world.unit_a.pk}" value="1"' in page
    assert f'name="v-{world.unit_b.pk}" value="0"' in page
    total = re.search(rf'data-testid="total-{world.unit_a.pk}">(.*?)</td>', page, re.S).group(1)
    assert '<span class="g-tot-n">9,5</span>' in total
    assert '<span class="g-veto-flag">phủ quyết</span>' in total  # veto 9.1 = 1
    assert "Lý do đính chính" not in page
    assert "<script>" not in page  # no inline scripts: static/js/grid.js does the keyboard


def test_saving_the_grid_writes_every_changed_cell_and_counts_them(world, scoring_round, leaves, client_for):
    client = client_for(world.secretary)
    data = form_of(client.get(url("grid", scoring_round.pk)))
    data[cell(world.unit_a, leaves["1.1"])] = "4,5"
    data[cell(world.unit_a, leaves["2.1"])] = "9.5"
    data[cell(world.unit_b, leaves["9.1"])] = "1"

    response = client.post(url("grid", scoring_round.pk), data)

    assert response.status_code == 302 and response["Location"] == url("grid", scoring_round.pk)
    assert messages_of(response) == ["Đã lưu 3 ô điểm (3 ô nhập mới, 0 ô sửa, 0 ô xóa)."]
    assert stored(scoring_round, world.unit_a) == {"1.1": Decimal("4.5"), "2.1": Decimal("9.5")}
    assert stored(scoring_round, world.unit_b) == {"9.1": Decimal("1")}
    assert not Scorecard.objects.filter(scored_unit=world.unit_c).exists()  # nothing typed there
    page = client.get(url("grid", scoring_round.pk))
    assert input_value(page, cell(world.unit_a, leaves["1.1"])) == "4,5"
    assert input_value(page, cell(world.unit_a, leaves["2.1"])) == "9,5"


def test_an_emptied_cell_clears_its_score(world, scoring_round, leaves, client_for):
    final_save(world, scoring_round, {(world.unit_a, leaves["1.1"]): "4"})
    client = client_for(world.secretary)
    data = form_of(client.get(url("grid", scoring_round.pk)))
    data[cell(world.unit_a, leaves["1.1"])] = " "

    response = client.post(url("grid", scoring_round.pk), data)

    assert response.status_code == 302
    assert messages_of(response) == ["Đã lưu 1 ô điểm (0 ô nhập mới, 0 ô sửa, 1 ô xóa)."]
    assert stored(scoring_round, world.unit_a) == {}


def test_saving_an_unchanged_grid_writes_nothing(world, scoring_round, client_for):
    client = client_for(world.secretary)
    response = client.post(url("grid", scoring_round.pk), form_of(client.get(url("grid", scoring_round.pk))))
    assert response.status_code == 302
    assert messages_of(response) == ["Không có ô nào thay đổi."]
    assert not Scorecard.objects.exists()


# --- Bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "typed", "message"),
    [
        ("1.1", "abc", "Quân khu 1 – Tiêu chí 1.1: “abc” không phải là số (ví dụ hợp lệ: 9,5)."),
        ("1.1", "1e9", "Quân khu 1 – Tiêu chí 1.1: “1e9” không phải là số (ví dụ hợp lệ: 9,5)."),
        ("1.1", "1.234,5", "Quân khu 1 – Tiêu chí 1.1: “1.234,5” không phải là số (ví dụ hợp lệ: 9,5)."),
        ("1.1", "5,5", "Quân khu 1 – Tiêu chí 1.1: tối đa 5 điểm, đã nhập 5,5."),
        ("2.1", "-1", "Quân khu 1 – Tiêu chí 2.1: điểm không được âm (điểm trừ nhập số dương)."),
        ("2.1", "9,125", "Quân khu 1 – Tiêu chí 2.1: điểm chỉ lấy tối đa 2 chữ số sau dấu phẩy."),
        ("9.1", "2", "Quân khu 1 – Tiêu chí phủ quyết 9.1 chỉ nhận 0 (không vi phạm) hoặc 1 (có vi phạm)."),
        ("9.2", "0,5", "Quân khu 1 – Tiêu chí phủ quyết 9.2 chỉ nhận 0 (không vi phạm) hoặc 1 (có vi phạm)."),
    ],
)
def test_a_bad_cell_is_marked_with_its_message_and_nothing_is_saved(
    world, scoring_round, leaves, client_for, code, typed, message
):
    client = client_for(world.secretary)
    data = form_of(client.get(url("grid", scoring_round.pk)))
    data[cell(world.unit_b, leaves["1.2"])] = "4"  # a good cell beside it
    bad = cell(world.unit_a, leaves[code])
    data[bad] = typed

    response = client.post(url("grid", scoring_round.pk), data)

    assert response.status_code == 400
    page = text_of(response)
    assert "Chưa lưu được." in page
    assert "Có 1 ô chưa đúng; chưa lưu ô nào." in page
    assert f'<li><a href="#{bad}">{message}</a></li>' in page
    assert input_value(response, bad) == typed  # what was typed is kept
    assert input_value(response, cell(world.unit_b, leaves["1.2"])) == "4"
    assert 'class="g-cell is-invalid"' in page
    assert not Score.objects.exists()


def test_a_refused_save_shows_what_is_stored_in_the_cells_it_did_not_send(
    world, scoring_round, leaves, client_for
):
    """The save reads the request against the grid's shape alone; the page shown again after a
    refusal still has every stored score, self score, total and version."""
    final_save(world, scoring_round, {(world.unit_a, leaves["2.1"]): "9.5"})
    self_card_save(
        scoring_round=scoring_round,
        unit_id=world.unit_a.pk,
        entries={leaves["2.1"].pk: Decimal("8.5")},
        base_version=0,
        actor=world.officer,
    )
    client = client_for(world.secretary)
    data = form_of(client.get(url("grid", scoring_round.pk)))
    untouched = cell(world.unit_a, leaves["2.1"])
    del data[untouched]
    data[cell(world.unit_b, leaves["1.1"])] = "7"

    response = client.post(url("grid", scoring_round.pk), data)

    assert response.status_code == 400
    page = text_of(response)
    assert f'id="{untouched}" name="{untouched}" value="9,5" data-loaded="9,5"' in page
    assert "tự chấm: 8,5" in page
    assert f'name="v-{world.unit_a.pk}" value="1"' in page
    total = re.search(rf'data-testid="total-{world.unit_a.pk}">(.*?)</td>', page, re.S).group(1)
    assert '<span class="g-tot-n">9,5</span>' in total
    assert stored(scoring_round, world.unit_b) == {}


def test_every_bad_cell_is_reported_at_once(world, scoring_round, leaves, client_for):
    client = client_for(world.secretary)
    data = form_of(client.get(url("grid", scoring_round.pk)))
    data[cell(world.unit_a, leaves["1.1"])] = "x"
    data[cell(world.unit_b, leaves["1.1"])] = "7"
    data[cell(world.unit_c, leaves["9.1"])] = "3"

    response = client.post(url("grid", scoring_round.pk), data)

    assert response.status_code == 400
    assert response.context["form"].error_list() == [
        (
            cell(world.unit_a, leaves["1.1"]),
            "Quân khu 1 – Tiêu chí 1.1: “x” không phải là số (ví dụ hợp lệ: 9,5).",
        ),
        (cell(world.unit_b, leaves["1.1"]), "Quân khu 2 – Tiêu chí 1.1: tối đa 5 điểm, đã nhập 7."),
        (
            cell(world.unit_c, leaves["9.1"]),
            "Quân khu 3 – Tiêu chí phủ quyết 9.1 chỉ nhận 0 (không vi phạm) hoặc 1 (có vi phạm).",
        ),
    ]
    assert not Score.objects.exists()


def test_cells_of_units_or_criteria_outside_the_grid_are_ignored(world, scoring_round, leaves, client_for):
    client = client_for(world.secretary)
    data = form_of(client.get(url("grid", scoring_round.pk)))
    group = leaves["1.1"].parent
    data[f"c-{world.other_unit.pk}-{leaves['1.1'].pk}"] = "5"
    data[f"c-{world.unit_a.pk}-{group.pk}"] = "5"
    data[cell(world.unit_a, leaves["1.1"])] = "5"

    response = client.post(url("grid", scoring_round.pk), data)

    assert response.status_code == 302
    assert Score.objects.count() == 1
    assert not Scorecard.objects.filter(scored_unit=world.other_unit).exists()


# --- Conflicts ------------------------------------------------------------------------------------


def test_a_conflicting_save_shows_who_changed_what_and_keeps_what_was_typed(
    world, scoring_round, leaves, client_for
):
    final_save(world, scoring_round, {(world.unit_a, leaves["1.2"]): "3"})
    client = client_for(world.secretary)
    data = form_of(client.get(url("grid", scoring_round.pk)))
    # Meanwhile the admin saves Quân khu 1 from another page.
    final_save(
        world,
        scoring_round,
        {(world.unit_a, leaves["1.1"]): "4", (world.unit_a, leaves["1.3"]): "2"},
        {world.unit_a: 1},
        actor=world.admin,
    )
    data[cell(world.unit_a, leaves["1.1"])] = "3,5"
    data[cell(world.unit_a, leaves["1.2"])] = "5"
    data[cell(world.unit_b, leaves["1.1"])] = "4"

    response = client.post(url("grid", scoring_round.pk), data)

    assert response.status_code == 409
    page = text_of(response)
    assert "Dữ liệu đã được người khác thay đổi" in page
    assert f"<strong>Quân khu 1</strong>: {world.admin} lưu lúc" in page
    assert "(phiên bản 2)" in page
    assert "<li>1.1: hiện tại 4, bạn nhập 3,5</li>" in page
    assert "<li>1.2: hiện tại 3, bạn nhập 5</li>" in page
    assert "Quân khu 2</strong>" not in page  # untouched by anyone else
    assert stored(scoring_round, world.unit_a) == {
        "1.1": Decimal("4"),
        "1.2": Decimal("3"),
        "1.3": Decimal("2"),
    }
    assert not stored(scoring_round, world.unit_b)
    # What the user typed stays; the cell the admin changed and the user did not is refreshed.
    assert input_value(response, cell(world.unit_a, leaves["1.1"])) == "3,5"
    assert input_value(response, cell(world.unit_a, leaves["1.3"])) == "2"
    assert input_value(response, cell(world.unit_b, leaves["1.1"])) == "4"
    assert f'name="v-{world.unit_a.pk}" value="2"' in page
    assert "g-cell is-conflict" in page

    # The user reviews and saves again: it goes through, and the admin's 1.3 is kept.
    again = client.post(url("grid", scoring_round.pk), form_of(response))

    assert again.status_code == 302
    assert stored(scoring_round, world.unit_a) == {
        "1.1": Decimal("3.5"),
        "1.2": Decimal("5"),
        "1.3": Decimal("2"),
    }
    assert stored(scoring_round, world.unit_b) == {"1.1": Decimal("4")}


def test_a_save_to_another_unit_meanwhile_is_not_a_conflict(world, scoring_round, leaves, client_for):
    client = client_for(world.secretary)
    data = form_of(client.get(url("grid", scoring_round.pk)))
    final_save(world, scoring_round, {(world.unit_b, leaves["1.1"]): "4"}, actor=world.admin)
    data[cell(world.unit_a, leaves["1.1"])] = "5"

    response = client.post(url("grid", scoring_round.pk), data)

    assert response.status_code == 302
    assert stored(scoring_round, world.unit_b) == {
        "1.1": Decimal("4")
    }  # the stale empty cell did not clear it
    assert stored(scoring_round, world.unit_a) == {"1.1": Decimal("5")}


def test_a_post_without_loaded_values_sends_every_cell_and_is_still_locked(
    world, scoring_round, leaves, client_for
):
    """A client that sends only `c-` and `v-` fields: every cell it sends counts, under the lock."""
    final_save(world, scoring_round, {(world.unit_a, leaves["1.1"]): "4"}, actor=world.admin)
    client = client_for(world.secretary)

    stale = client.post(
        url("grid", scoring_round.pk), {cell(world.unit_a, leaves["1.1"]): "3", f"v-{world.unit_a.pk}": "0"}
    )
    fresh = client.post(
        url("grid", scoring_round.pk), {cell(world.unit_a, leaves["1.1"]): "3", f"v-{world.unit_a.pk}": "1"}
    )

    assert stale.status_code == 409
    assert fresh.status_code == 302
    assert stored(scoring_round, world.unit_a) == {"1.1": Decimal("3")}


# --- Closed and published rounds -----------------------------------------------------------------


def test_a_closed_round_shows_the_grid_read_only_and_refuses_writes(world, scoring_round, leaves, client_for):
    close_round(scoring_round, world.admin)
    client = client_for(world.secretary)

    page = client.get(url("grid", scoring_round.pk))
    response = client.post(
        url("grid", scoring_round.pk), {cell(world.unit_a, leaves["1.1"]): "4", f"v-{world.unit_a.pk}": "0"}
    )

    assert page.status_code == 200
    assert "Đợt chấm đã khóa sổ" in text_of(page)
    assert text_of(page).count(" disabled>") == 3 * len(leaves)
    assert "Lưu bảng điểm" not in text_of(page)
    assert response.status_code == 400
    assert "Đợt chấm đã khóa sổ, không nhập thêm điểm được" in text_of(response)
    assert not Score.objects.exists()


def test_a_published_round_needs_a_reason_and_a_correction_is_recorded(world, leaves, client_for):
    scoring_round = round_with_sample(world.bloc, "q2", actor=world.admin)
    leaves = leaves_of(scoring_round)
    final_save(world, scoring_round, {(world.unit_a, leaves["1.1"]): "4"})
    close_round(scoring_round, world.admin)
    round_publish(scoring_round=scoring_round, actor=world.admin)
    client = client_for(world.secretary)
    page = client.get(url("grid", scoring_round.pk))
    assert "Lý do đính chính" in text_of(page) and "Lưu đính chính" in text_of(page)
    data = form_of(page)
    data[cell(world.unit_a, leaves["1.1"])] = "4,5"

    refused = client.post(url("grid", scoring_round.pk), {**data, "reason": "  "})
    assert refused.status_code == 400
    assert "Lý do đính chính không được để trống: đợt chấm đã công bố." in text_of(refused)
    assert input_value(refused, cell(world.unit_a, leaves["1.1"])) == "4,5"
    assert stored(scoring_round, world.unit_a) == {"1.1": Decimal("4")}

    response = client.post(url("grid", scoring_round.pk), {**data, "reason": "Phúc tra ngày 15/4"})

    assert response.status_code == 302
    assert messages_of(response) == ["Đã đính chính 1 ô điểm (0 ô nhập mới, 1 ô sửa, 0 ô xóa)."]
    assert stored(scoring_round, world.unit_a) == {"1.1": Decimal("4.5")}
    correction = Correction.objects.get()
    assert (correction.reason, correction.version) == ("Phúc tra ngày 15/4", 2)
    assert AuditEvent.objects.filter(summary__startswith="Đính chính điểm").exists()
    history = client.get(
        url("cell-history", scoring_round.pk, world.unit_a.pk, leaves["1.1"].pk),
        headers={"HX-Request": "true"},
    )
    assert "Lý do đính chính: Phúc tra ngày 15/4" in text_of(history)
    assert "Phiên bản 2" in text_of(history)


# --- Comparison -----------------------------------------------------------------------------------


@pytest.fixture
def compared(world, scoring_round, leaves):
    """Quân khu 1 rated itself 5 on 1.1 and 8,5 on 2.1; the secretariat gave 5 and 6."""
    self_card_save(
        scoring_round=scoring_round,
        unit_id=world.unit_a.pk,
        entries={
            leaves["1.1"].pk: Decimal("5"),
            leaves["2.1"].pk: Decimal("8.5"),
            leaves["2.2"].pk: Decimal("7"),
        },
        base_version=0,
        actor=world.officer,
    )
    final_save(
        world,
        scoring_round,
        {
            (world.unit_a, leaves["1.1"]): "5",
            (world.unit_a, leaves["2.1"]): "6",
            (world.unit_a, leaves["2.2"]): "6.5",
        },
    )
    return scoring_round


def diff_cells(response) -> list[str]:
    return re.findall(r'<td class="cmp-diff ([a-z]*)"[^>]*>([^<]*)</td>', text_of(response))


def test_the_comparison_highlights_differences(world, compared, client_for):
    response = client_for(world.secretary).get(url("comparison", compared.pk) + f"?don_vi={world.unit_a.pk}")

    assert response.status_code == 200
    cells = diff_cells(response)
    assert ("", "0") in cells  # 1.1: 5 and 5
    assert ("strong", "\u22122,5") in cells  # 2.1: 6 − 8,5, a quarter of its maximum of 10
    assert ("diff", "\u22120,5") in cells  # 2.2: 6,5 − 7
    assert ("diff", "\u22123") in cells  # group 2: 12,5 − 15,5, under a fifth of its 25
    assert [c.unit for c in response.context["comparison"].columns] == [world.unit_a]


def test_managers_compare_every_unit(world, compared, client_for):
    response = client_for(world.admin).get(url("comparison", compared.pk))
    assert [c.unit.name for c in response.context["comparison"].columns] == [
        "Quân khu 1",
        "Quân khu 2",
        "Quân khu 3",
    ]


def test_a_leader_sees_his_own_units_comparison_once_published(world, compared, client_for):
    client = client_for(world.leader)
    before = client.get(url("comparison", compared.pk))
    assert before.status_code == 200
    assert [c.unit for c in before.context["comparison"].columns] == [world.unit_a]
    assert "sẽ hiện ở đây khi đợt chấm được công bố" in text_of(before)
    assert not any(cell.final_points for row in before.context["comparison"].rows for cell in row.cells)

    close_round(compared, world.admin)
    round_publish(scoring_round=compared, actor=world.admin)
    after = client.get(url("comparison", compared.pk) + f"?don_vi={world.unit_a.pk}")
    assert ("strong", "\u22122,5") in diff_cells(after)


@pytest.mark.parametrize("persona", ["leader", "officer"])
def test_a_unit_cannot_see_another_units_comparison(world, compared, client_for, persona):
    response = client_for(world.persona(persona)).get(
        url("comparison", compared.pk) + f"?don_vi={world.unit_b.pk}"
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("persona", "status"), [("observer", 403), ("outsider", 404), ("other_secretary", 404)]
)
def test_others_do_not_see_the_comparison(world, compared, client_for, persona, status):
    assert client_for(world.persona(persona)).get(url("comparison", compared.pk)).status_code == status


@pytest.mark.parametrize("chosen", ["abc", "999999", "²", "-1", "1" * 30])
def test_an_unknown_unit_in_the_comparison_is_404(world, compared, client_for, chosen):
    response = client_for(world.secretary).get(url("comparison", compared.pk) + f"?don_vi={chosen}")
    assert response.status_code == 404


# --- A cell's history -----------------------------------------------------------------------------


def test_a_cells_history_lists_who_changed_it_when_from_what_to_what(
    world, scoring_round, leaves, client_for
):
    final_save(world, scoring_round, {(world.unit_a, leaves["1.1"]): "4"}, actor=world.admin)
    final_save(world, scoring_round, {(world.unit_a, leaves["1.1"]): "4.5"}, {world.unit_a: 1})
    address = url("cell-history", scoring_round.pk, world.unit_a.pk, leaves["1.1"].pk)
    client = client_for(world.secretary)

    partial = client.get(address, headers={"HX-Request": "true"})
    page = client.get(address)

    assert partial.status_code == 200 and "<html" not in text_of(partial)
    assert page.status_code == 200 and "<html" in text_of(page)
    history = partial.context["history"]
    assert [(c.action, c.by, c.old, c.new) for c in history.final] == [
        ("Sửa", str(world.secretary), Decimal("4"), Decimal("4.5")),
        ("Nhập", str(world.admin), None, Decimal("4")),
    ]
    assert "4 → <strong>4,5</strong>" in text_of(partial)


def test_a_leader_sees_his_units_cell_history_only(world, scoring_round, leaves, client_for):
    client = client_for(world.leader)
    own = client.get(url("cell-history", scoring_round.pk, world.unit_a.pk, leaves["1.1"].pk))
    other = client.get(url("cell-history", scoring_round.pk, world.unit_b.pk, leaves["1.1"].pk))
    assert own.status_code == 200
    assert "hiện khi đợt chấm được công bố" in text_of(own)
    assert other.status_code == 404


@pytest.mark.parametrize("persona", ["observer", "outsider", "nobody"])
def test_others_do_not_see_a_cells_history(world, scoring_round, leaves, client_for, persona):
    address = url("cell-history", scoring_round.pk, world.unit_a.pk, leaves["1.1"].pk)
    assert client_for(world.persona(persona)).get(address).status_code == 404


def test_a_group_or_a_unit_outside_the_bloc_has_no_cell_history(world, scoring_round, leaves, client_for):
    client = client_for(world.secretary)
    group = leaves["1.1"].parent
    assert client.get(url("cell-history", scoring_round.pk, world.unit_a.pk, group.pk)).status_code == 404
    assert (
        client.get(url("cell-history", scoring_round.pk, world.other_unit.pk, leaves["1.1"].pk)).status_code
        == 404
    )


# --- Query counts ---------------------------------------------------------------------------------


def sized_round(world, units: int, big: bool):
    grow_bloc(world.bloc, units)
    if big:
        scoring_round = round_with_tree(world.bloc, big_tree(), world.admin)
    else:
        scoring_round = round_with_sample(world.bloc, actor=world.admin)
    leaves = leaves_of(scoring_round)
    unit_ids = list(world.bloc.memberships.values_list("unit_id", flat=True))
    final_grid_save(
        scoring_round=scoring_round,
        entries={
            (u, c.pk): Decimal("1") if c.kind != "veto" else Decimal("0")
            for u in unit_ids
            for c in leaves.values()
        },
        base_versions={},
        actor=world.admin,
    )
    for unit_id in unit_ids[:2]:
        Scorecard.objects.create(round=scoring_round, scored_unit_id=unit_id, kind=ScorecardKind.SELF)
    return scoring_round


SIZES = [(3, False), (10, False), (3, True), (10, True)]  # units × (the sample's 23 or 60 criteria)


@pytest.mark.parametrize(("units", "big"), SIZES)
def test_the_grid_runs_a_fixed_number_of_queries(world, client_for, django_assert_num_queries, units, big):
    scoring_round = sized_round(world, units, big)
    client = client_for(world.secretary)
    # session, user, round, the secretary's right; criteria, members, cards, scores; the
    # navigation's roles
    with django_assert_num_queries(9):
        response = client.get(url("grid", scoring_round.pk))
    assert response.status_code == 200
    assert len(response.context["grid"].columns) == units


@pytest.mark.parametrize(("units", "big"), SIZES)
def test_saving_the_grid_runs_a_fixed_number_of_queries(
    world, client_for, django_assert_num_queries, units, big
):
    scoring_round = sized_round(world, units, big)
    client = client_for(world.secretary)
    data = form_of(client.get(url("grid", scoring_round.pk)))
    for name in data:
        if name.startswith("c-") and data[name] == "1":
            data[name] = "0,5"
    # 6 to read the request (session, user, round, the secretary's right, the grid's shape:
    # criteria and units), 9 for the save on PostgreSQL (transaction, round lock, cards, scores,
    # one statement per bulk write, the audit event): 15, DESIGN.md §8's budget; SQLite splits
    # big bulk writes into batches of 999 variables, counted once here.
    with CaptureQueriesContext(connection) as captured:
        response = client.post(url("grid", scoring_round.pk), data)
    assert response.status_code == 302
    scored = sum(1 for leaf in leaves_of(scoring_round).values() if leaf.kind != "veto")
    assert messages_of(response)[0].startswith(f"Đã lưu {units * scored} ô điểm")
    assert len(statements(captured.captured_queries)) == 15


@pytest.mark.parametrize(("units", "big"), SIZES)
def test_the_comparison_runs_a_fixed_number_of_queries(
    world, client_for, django_assert_num_queries, units, big
):
    scoring_round = sized_round(world, units, big)
    client = client_for(world.secretary)
    with django_assert_num_queries(9):
        response = client.get(url("comparison", scoring_round.pk))
    assert response.status_code == 200


@pytest.mark.parametrize(("units", "big"), SIZES)
def test_a_cells_history_runs_a_fixed_number_of_queries(
    world, client_for, django_assert_num_queries, units, big
):
    scoring_round = sized_round(world, units, big)
    leaf = next(iter(leaves_of(scoring_round).values()))
    client = client_for(world.secretary)
    # session, user, round, the secretary's right, the unit, the criterion, the history, the
    # corrections
    with django_assert_num_queries(8):
        response = client.get(
            url("cell-history", scoring_round.pk, world.unit_a.pk, leaf.pk), headers={"HX-Request": "true"}
        )
    assert response.status_code == 200


def test_saving_a_published_round_unchanged_needs_no_reason(world, client_for):
    scoring_round = published_round(world.bloc, actor=world.admin)
    client = client_for(world.secretary)
    page = client.get(url("grid", scoring_round.pk))
    assert 'name="reason"' in text_of(page) and 'data-testid="grid-published"' in text_of(page)

    response = client.post(url("grid", scoring_round.pk), form_of(page))

    assert response.status_code == 302
    assert messages_of(response) == ["Không có ô nào thay đổi."]
    assert not Correction.objects.exists()
