"""A unit's self-assessment page: officers draft, the leader sends, the secretariat reads."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blocs.tests.factories import AssignmentFactory, MembershipFactory, UnitFactory
from scoring.models import Criterion, CriterionKind, Score, Scorecard, ScorecardKind, ScorecardState
from scoring.services.criteria import criteria_set_create, criteria_set_load_tree
from scoring.services.scorecards import check_points, self_card_save
from scoring.tests.factories import close_round, published_round, round_with_sample


@pytest.fixture
def scoring_round(world):
    return round_with_sample(world.bloc, "q1", actor=world.admin)


def page_url(scoring_round, unit=None) -> str:
    url = reverse("scoring:self-assessment", args=[scoring_round.pk])
    return f"{url}?don_vi={unit.pk}" if unit else url


def submit_url(scoring_round, unit=None) -> str:
    url = reverse("scoring:self-assessment-submit", args=[scoring_round.pk])
    return f"{url}?don_vi={unit.pk}" if unit else url


def leaves(scoring_round) -> dict[str, Criterion]:
    return {
        c.code: c
        for c in Criterion.objects.filter(criteria_set=scoring_round.criteria_set, children__isnull=True)
    }


def self_card(scoring_round, unit) -> Scorecard | None:
    return Scorecard.objects.filter(round=scoring_round, scored_unit=unit, kind=ScorecardKind.SELF).first()


def stored(scoring_round, unit) -> dict[str, Decimal]:
    card = self_card(scoring_round, unit)
    if card is None:
        return {}
    return {s.criterion.code: s.points for s in card.scores.select_related("criterion")}


def post_data(response, **values: str) -> dict[str, str]:
    """The page's form as loaded, with some cells typed: `values` maps criterion codes
    ("1_1" for 1.1) or `note_1_1` to text."""
    form = response.context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {name: "" if value is None else str(value) for name, value in data.items()}
    for name, raw in data.items():
        if name.startswith("points_") and raw:
            data[name] = raw.replace(".", ",")
    codes = {c.code: c.pk for c in form.leaves}
    for key, text in values.items():
        is_note = key.startswith("note_")
        code = key.removeprefix("note_").replace("_", ".")
        data[f"{'note' if is_note else 'points'}_{codes[code]}"] = text
    return data


def fill_all_standard(scoring_round, unit, actor, value: str = "3") -> None:
    entries = {
        c.pk: Decimal(value) for c in leaves(scoring_round).values() if c.kind == CriterionKind.STANDARD
    }
    card = self_card(scoring_round, unit)
    self_card_save(
        scoring_round=scoring_round,
        unit_id=unit.pk,
        entries=entries,
        base_version=card.version if card else 0,
        actor=actor,
    )


# --- Drafting ---------------------------------------------------------------------------------------


def test_officer_drafts_points_and_notes(world, client_for, scoring_round):
    client = client_for(world.officer)
    page = client.get(page_url(scoring_round))
    assert page.status_code == 200
    assert page.context["unit"] == world.unit_a and page.context["editable"]
    assert not page.context["can_send"]
    assert "Chờ chỉ huy gửi" in page.content.decode()

    data = post_data(page, **{"1_1": "4,500", "note_1_1": "Đã quán triệt đủ 100%", "7_1": "2"})
    response = client.post(page_url(scoring_round), data)
    assert response.status_code == 302
    assert stored(scoring_round, world.unit_a) == {"1.1": Decimal("4.5"), "7.1": Decimal("2")}
    score = Score.objects.get(criterion__code="1.1", scorecard__round=scoring_round)
    assert score.note == "Đã quán triệt đủ 100%"
    again = client.get(page_url(scoring_round))
    assert again.context["totals"].total == Decimal("6.5")
    assert "Đã lưu nháp phiếu tự chấm" in again.content.decode()


def test_bad_points_come_back_with_the_typed_values_and_nothing_is_saved(world, client_for, scoring_round):
    client = client_for(world.leader)
    page = client.get(page_url(scoring_round))
    data = post_data(page, **{"1_1": "7", "1_2": "abc", "8_1": "-1", "9_1": "2", "2_1": "9,5"})
    response = client.post(page_url(scoring_round), data)
    assert response.status_code == 400
    form = response.context["form"]
    codes = {c.code: c.pk for c in form.leaves}
    assert "tối đa 5 điểm" in form.errors[f"points_{codes['1.1']}"][0]
    assert "không phải là số" in form.errors[f"points_{codes['1.2']}"][0]
    assert "không được âm" in form.errors[f"points_{codes['8.1']}"][0]
    assert "0 (không vi phạm) hoặc 1" in form.errors[f"points_{codes['9.1']}"][0]
    body = response.content.decode()
    assert 'value="abc"' in body and 'value="9,5"' in body
    assert self_card(scoring_round, world.unit_a) is None


def test_a_note_without_points_is_refused(world, client_for, scoring_round):
    client = client_for(world.officer)
    page = client.get(page_url(scoring_round))
    response = client.post(page_url(scoring_round), post_data(page, note_1_1="Ghi chú"))
    assert response.status_code == 400
    assert "ghi chú phải đi kèm điểm" in response.content.decode()


def test_a_note_longer_than_1000_characters_is_refused(world, client_for, scoring_round):
    client = client_for(world.officer)
    page = client.get(page_url(scoring_round))
    response = client.post(page_url(scoring_round), post_data(page, **{"1_1": "4", "note_1_1": "x" * 1001}))
    assert response.status_code == 400
    assert self_card(scoring_round, world.unit_a) is None


def test_clearing_a_value_removes_the_score(world, client_for, scoring_round):
    fill_all_standard(scoring_round, world.unit_a, world.officer)
    client = client_for(world.officer)
    page = client.get(page_url(scoring_round))
    response = client.post(page_url(scoring_round), post_data(page, **{"1_1": ""}))
    assert response.status_code == 302
    assert "1.1" not in stored(scoring_round, world.unit_a)


def test_a_conflict_names_who_saved_and_keeps_what_was_typed(world, client_for, scoring_round):
    """The officer opens the page; the leader saves 1.1 and 1.2 meanwhile; the officer's save
    of 1.1 stops, names the leader, keeps his 1.1 and takes the leader's 1.2."""
    world.leader.full_name = "Trần Chỉ Huy"
    world.leader.save()
    client = client_for(world.officer)
    page = client.get(page_url(scoring_round))
    codes = {c.code: c for c in page.context["form"].leaves}
    self_card_save(
        scoring_round=scoring_round,
        unit_id=world.unit_a.pk,
        entries={codes["1.1"].pk: Decimal("2"), codes["1.2"].pk: Decimal("5")},
        base_version=0,
        actor=world.leader,
    )
    response = client.post(page_url(scoring_round), post_data(page, **{"1_1": "4"}))
    assert response.status_code == 409
    body = response.content.decode()
    assert "Trần Chỉ Huy" in body and "chưa có gì được ghi" in body
    assert "Tiêu chí 1.1: đang lưu 2, bạn nhập 4" in body
    form = response.context["form"]
    assert form[f"points_{codes['1.1'].pk}"].value() == "4"
    assert form[f"points_{codes['1.2'].pk}"].value() == "5"
    assert stored(scoring_round, world.unit_a) == {"1.1": Decimal("2"), "1.2": Decimal("5")}
    # Saving again, knowingly, writes the officer's value and keeps the leader's 1.2.
    resend = {name: str(form[name].value() or "") for name in form.fields}
    assert client.post(page_url(scoring_round), resend).status_code == 302
    assert stored(scoring_round, world.unit_a) == {"1.1": Decimal("4"), "1.2": Decimal("5")}


# --- Sending -----------------------------------------------------------------------------------------


def test_leader_submits_a_complete_card_which_becomes_read_only(world, client_for, scoring_round):
    fill_all_standard(scoring_round, world.unit_a, world.officer)
    card = self_card(scoring_round, world.unit_a)
    client = client_for(world.leader)
    page = client.get(page_url(scoring_round))
    assert page.context["can_send"]
    response = client.post(submit_url(scoring_round, world.unit_a), {"version": card.version})
    assert response.status_code == 302
    card.refresh_from_db()
    assert card.state == ScorecardState.SUBMITTED and card.submitted_by == world.leader

    page = client.get(page_url(scoring_round))
    assert page.context["form"] is None and not page.context["editable"]
    assert "Đã gửi" in page.content.decode()
    data = {"version": card.version, "loaded": "", f"points_{leaves(scoring_round)['1.1'].pk}": "1"}
    refused = client.post(page_url(scoring_round), data)
    assert refused.status_code == 400
    assert "không sửa được nữa" in refused.content.decode()
    assert stored(scoring_round, world.unit_a)["1.1"] == Decimal("3")


def test_officer_cannot_submit(world, client_for, scoring_round):
    fill_all_standard(scoring_round, world.unit_a, world.officer)
    card = self_card(scoring_round, world.unit_a)
    response = client_for(world.officer).post(submit_url(scoring_round), {"version": card.version})
    assert response.status_code == 403
    card.refresh_from_db()
    assert card.state == ScorecardState.DRAFT


def test_incomplete_card_is_refused_with_the_missing_criteria(world, client_for, scoring_round):
    crit = leaves(scoring_round)
    card, _ = self_card_save(
        scoring_round=scoring_round,
        unit_id=world.unit_a.pk,
        entries={crit["1.1"].pk: Decimal("5"), crit["1.2"].pk: Decimal("5")},
        base_version=0,
        actor=world.officer,
    )
    response = client_for(world.leader).post(submit_url(scoring_round), {"version": card.version})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Còn 15 tiêu chí chưa chấm: 1.3, 2.1, 2.2" in body
    card.refresh_from_db()
    assert card.state == ScorecardState.DRAFT


def test_submitting_with_no_card_asks_to_save_first(world, client_for, scoring_round):
    response = client_for(world.leader).post(submit_url(scoring_round), {"version": 0})
    assert response.status_code == 400
    assert "chưa có điểm nào" in response.content.decode()


def test_submitting_a_card_changed_since_it_was_read_is_refused(world, client_for, scoring_round):
    fill_all_standard(scoring_round, world.unit_a, world.officer)
    card = self_card(scoring_round, world.unit_a)
    response = client_for(world.leader).post(submit_url(scoring_round), {"version": card.version - 1})
    assert response.status_code == 400
    assert "hãy xem lại rồi gửi" in response.content.decode()
    card.refresh_from_db()
    assert card.state == ScorecardState.DRAFT


def test_closed_round_is_read_only_and_refuses_saving(world, client_for, scoring_round):
    crit = leaves(scoring_round)
    card, _ = self_card_save(
        scoring_round=scoring_round,
        unit_id=world.unit_a.pk,
        entries={crit["1.1"].pk: Decimal("5")},
        base_version=0,
        actor=world.officer,
    )
    close_round(scoring_round, world.admin)
    client = client_for(world.officer)
    page = client.get(page_url(scoring_round))
    assert page.status_code == 200 and page.context["form"] is None
    assert "khóa sổ" in page.content.decode()
    response = client.post(
        page_url(scoring_round), {"version": card.version, "loaded": "", f"points_{crit['1.1'].pk}": "1"}
    )
    assert response.status_code == 400
    assert "không còn nhận điểm tự chấm" in response.content.decode()
    assert stored(scoring_round, world.unit_a) == {"1.1": Decimal("5")}


def test_published_round_is_read_only(world, client_for):
    scoring_round = published_round(world.bloc, "q2", world.admin)
    page = client_for(world.leader).get(page_url(scoring_round))
    assert page.status_code == 200 and not page.context["editable"]
    assert "đã công bố" in page.content.decode()


# --- Who may see and act -----------------------------------------------------------------------------


def test_leader_of_another_member_unit_gets_404_for_unit_a(world, client_for, scoring_round):
    other = UnitFactory(code="QK2LEAD")
    leader_b = AssignmentFactory(role="leader", unit=world.unit_b).user
    client = client_for(leader_b)
    assert client.get(page_url(scoring_round)).context["unit"] == world.unit_b
    assert client.get(page_url(scoring_round, world.unit_a)).status_code == 404
    assert client.post(page_url(scoring_round, world.unit_a), {"version": 0}).status_code == 404
    assert client.post(submit_url(scoring_round, world.unit_a), {"version": 0}).status_code == 404
    assert client.get(page_url(scoring_round, other)).status_code == 404
    assert client.get(f"{page_url(scoring_round)}?don_vi=abc").status_code == 404


def test_outsider_and_nobody_get_404(world, client_for, scoring_round):
    for persona in ("outsider", "other_secretary", "nobody"):
        client = client_for(world.persona(persona))
        assert client.get(page_url(scoring_round)).status_code == 404
        assert client.post(page_url(scoring_round), {"version": 0}).status_code == 404


def test_observer_gets_403(world, client_for, scoring_round):
    client = client_for(world.observer)
    assert client.get(page_url(scoring_round)).status_code == 403
    assert client.get(page_url(scoring_round, world.unit_a)).status_code == 404
    assert client.post(page_url(scoring_round), {"version": 0}).status_code == 403


def test_secretary_reads_any_member_card_but_cannot_write(world, client_for, scoring_round):
    fill_all_standard(scoring_round, world.unit_a, world.officer)
    client = client_for(world.secretary)
    chooser = client.get(page_url(scoring_round))
    assert chooser.status_code == 200
    assert [unit.code for unit, _card in chooser.context["choices"]] == ["QK1", "QK2", "QK3"]
    page = client.get(page_url(scoring_round, world.unit_a))
    assert page.status_code == 200 and page.context["form"] is None and not page.context["own"]
    assert "chỉ xem" in page.content.decode()
    assert page.context["totals"].standard == Decimal("3") * 17
    card = self_card(scoring_round, world.unit_a)
    assert client.post(page_url(scoring_round, world.unit_a), {"version": card.version}).status_code == 403
    assert client.post(submit_url(scoring_round, world.unit_a), {"version": card.version}).status_code == 403
    assert client.get(page_url(scoring_round, world.other_unit)).status_code == 404


def test_admin_reads_but_does_not_draft(world, client_for, scoring_round):
    client = client_for(world.admin)
    page = client.get(page_url(scoring_round, world.unit_b))
    assert page.status_code == 200 and page.context["form"] is None
    assert client.post(page_url(scoring_round, world.unit_b), {"version": 0}).status_code == 403


def test_a_user_of_several_units_chooses_one(world, client_for, scoring_round):
    AssignmentFactory(user=world.officer, role="officer", unit=world.unit_c)
    client = client_for(world.officer)
    chooser = client.get(page_url(scoring_round))
    assert chooser.status_code == 200
    assert chooser.templates[0].name == "scoring/self_assessment_choose.html"
    page = client.get(page_url(scoring_round, world.unit_c))
    assert page.context["unit"] == world.unit_c and page.context["editable"]
    assert len(page.context["own_units"]) == 2


def test_officer_of_a_unit_outside_the_round_gets_403(world, client_for, scoring_round):
    """A unit that left the bloc before the round sees the bloc (history) but has no card."""
    gone = UnitFactory(code="QK9")
    membership = MembershipFactory(bloc=world.bloc, unit=gone)
    membership.left_on = scoring_round.starts_on.replace(year=scoring_round.starts_on.year - 1)
    membership.save()
    officer = AssignmentFactory(role="officer", unit=gone).user
    assert client_for(officer).get(page_url(scoring_round)).status_code == 403


def test_anonymous_is_sent_to_login(client, scoring_round):
    response = client.get(page_url(scoring_round))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# --- Totals and query counts ------------------------------------------------------------------------


def test_page_totals_cap_bonus_and_mark_veto(world, client_for):
    from scoring.tests.factories import campaign_for

    campaign = campaign_for(world.bloc)
    criteria_set = criteria_set_create(campaign=campaign, name="Bộ nhỏ", actor=world.admin)
    criteria_set_load_tree(
        criteria_set=criteria_set,
        groups=[
            {"code": "1", "title": "Chuẩn", "children": [{"code": "1.1", "title": "A", "max": 10}]},
            {
                "code": "2",
                "title": "Thưởng",
                "kind": "bonus",
                "max": 3,
                "children": [
                    {"code": "2.1", "title": "B", "max": 5},
                    {"code": "2.2", "title": "C", "max": 5},
                ],
            },
            {
                "code": "3",
                "title": "Trừ",
                "kind": "penalty",
                "max": 2,
                "children": [{"code": "3.1", "title": "D", "max": 5}],
            },
            {"code": "4", "title": "Phủ quyết", "kind": "veto", "children": [{"code": "4.1", "title": "E"}]},
        ],
        actor=world.admin,
    )
    scoring_round = round_with_sample(world.bloc, "q3", world.admin, campaign=campaign)
    scoring_round.criteria_set = criteria_set
    scoring_round.save()
    crit = leaves(scoring_round)
    self_card_save(
        scoring_round=scoring_round,
        unit_id=world.unit_a.pk,
        entries={
            crit["1.1"].pk: Decimal(8),
            crit["2.1"].pk: Decimal(4),
            crit["2.2"].pk: Decimal(1),
            crit["3.1"].pk: Decimal(5),
            crit["4.1"].pk: Decimal(1),
        },
        base_version=0,
        actor=world.officer,
    )
    page = client_for(world.officer).get(page_url(scoring_round))
    totals = page.context["totals"]
    assert (totals.standard, totals.bonus, totals.penalty, totals.total) == (8, 3, 2, 9)
    assert totals.vetoed
    body = page.content.decode()
    assert "Có vi phạm" in body and "(5)" in body


def _grow(scoring_round, world, n: int) -> None:
    """n more criteria in a group of their own, and a score on each of them."""
    from scoring.services.criteria import criterion_add

    group = criterion_add(
        criteria_set=scoring_round.criteria_set,
        code="10",
        title="Nhóm thêm",
        max_points=None,
        actor=world.admin,
    )
    added = [
        criterion_add(
            criteria_set=scoring_round.criteria_set,
            code=f"10.{i}",
            title=f"Tiêu chí thêm {i}",
            parent=group,
            max_points=Decimal(5),
            actor=world.admin,
        )
        for i in range(1, n + 1)
    ]
    self_card_save(
        scoring_round=scoring_round,
        unit_id=world.unit_a.pk,
        entries={c.pk: Decimal(2) for c in added},
        notes={c.pk: "ghi chú" for c in added},
        base_version=0,
        actor=world.officer,
    )


# Every page: session, user, the navigation's roles. This page: the round, the user's units in it, the criteria, the card, its scores,
# the draft and submit permissions (two queries and one).
SELF_PAGE_QUERIES = 11


@pytest.mark.parametrize("extra", [2, 25])
def test_page_query_count_does_not_grow_with_criteria(world, client_for, django_assert_num_queries, extra):
    scoring_round = round_with_sample(world.bloc, "q1", actor=world.admin)
    _grow(scoring_round, world, extra)
    client = client_for(world.officer)
    with django_assert_num_queries(SELF_PAGE_QUERIES):
        response = client.get(page_url(scoring_round))
    assert response.status_code == 200
    assert response.context["totals"].scored == extra


# --- Fuzzing the form ---------------------------------------------------------------------------------

TYPED = st.one_of(
    st.text(alphabet="0123456789,.-+ eE", max_size=7),
    st.decimals(min_value=-3, max_value=12, places=2, allow_nan=False, allow_infinity=False).map(
        lambda d: str(d).replace(".", ",")
    ),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    typed=st.dictionaries(st.sampled_from(["1_1", "2_1", "7_1", "8_1", "9_1"]), TYPED, min_size=1, max_size=5)
)
def test_any_typed_value_is_saved_valid_or_refused_whole(world, client, typed):
    if not hasattr(world, "fuzz_round"):
        world.fuzz_round = round_with_sample(world.bloc, "q4", actor=world.admin)
    scoring_round = world.fuzz_round
    client.force_login(world.officer)
    before = stored(scoring_round, world.unit_a)
    page = client.get(page_url(scoring_round))
    response = client.post(page_url(scoring_round), post_data(page, **typed))
    assert response.status_code in (302, 400)
    after = stored(scoring_round, world.unit_a)
    if response.status_code == 400:
        assert after == before
    crit = leaves(scoring_round)
    assert all(check_points(crit[code], value) is None for code, value in after.items())
