"""Pages of objections to a published score: a round's list, the leader's form, one objection
with the secretariat's answer, the unit's view and the entry points on the round's and the
self-assessment's pages; the access matrix of DESIGN.md §6, bad input and query counts."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from blocs.tests.factories import AssignmentFactory, MembershipFactory, UnitFactory, UserFactory
from scoring.models import Correction, Objection, ObjectionState, ScoringRound
from scoring.services.objections import objection_answer, objection_file
from scoring.services.scorecards import final_grid_save
from scoring.tests.factories import round_with_sample
from scoring.tests.test_objection_services import final_points, leaves_of, scored_round

PERSONAS = ["admin", "secretary", "observer", "leader", "officer", "other_secretary", "outsider", "nobody"]
OUTSIDERS = ["other_secretary", "outsider", "nobody"]
REASON = "Điểm huấn luyện chưa tính kết quả hội thao cấp quân khu."


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def url(name: str, *args) -> str:
    return reverse(f"scoring:{name}", args=args)


@pytest.fixture
def published(world) -> ScoringRound:
    return scored_round(world)


@pytest.fixture
def leaves(published):
    return leaves_of(published)


@pytest.fixture
def objection(world, published, leaves) -> Objection:
    return objection_file(
        scoring_round=published,
        unit=world.unit_a,
        criterion=leaves["2.1"],
        requested_points=Decimal("4.5"),
        reason=REASON,
        actor=world.leader,
    )


def move_publication(scoring_round: ScoringRound, days_ago: int) -> None:
    ScoringRound.objects.filter(pk=scoring_round.pk).update(
        published_at=timezone.now() - timedelta(days=days_ago)
    )
    scoring_round.refresh_from_db()


def objection_count() -> int:
    return Objection.objects.count()


# --- Access matrix ------------------------------------------------------------------------------------

LIST = {"admin": 200, "secretary": 200, "observer": 200, "leader": 200, "officer": 200}
CREATE = {"leader": 200, "admin": 403, "secretary": 403, "observer": 403, "officer": 403}
DETAIL = {"admin": 200, "secretary": 200, "observer": 200, "leader": 200, "officer": 200}
ANSWER = {"admin": 302, "secretary": 302, "observer": 403, "leader": 403, "officer": 403}


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_reads_or_is_refused_the_pages(world, client_for, published, objection, persona):
    client = client_for(world.persona(persona))
    assert client.get(url("objection-list", published.pk)).status_code == LIST.get(persona, 404)
    assert client.get(url("objection-create", published.pk)).status_code == CREATE.get(persona, 404)
    assert client.get(url("objection-detail", objection.pk)).status_code == DETAIL.get(persona, 404)


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_acts_or_is_refused(world, client_for, published, objection, leaves, persona):
    client = client_for(world.persona(persona))
    filed = client.post(
        url("objection-create", published.pk), {"criterion": leaves["1.1"].pk, "reason": REASON}
    )
    assert filed.status_code == (302 if persona == "leader" else CREATE.get(persona, 404))
    assert objection_count() == (2 if persona == "leader" else 1)
    answered = client.post(
        url("objection-detail", objection.pk), {"decision": "reject", "answer": "Giữ nguyên điểm."}
    )
    assert answered.status_code == ANSWER.get(persona, 404)
    objection.refresh_from_db()
    assert (objection.state == ObjectionState.REJECTED) is (persona in ("admin", "secretary"))


def test_another_units_staff_do_not_see_its_objection(world, client_for, published, objection):
    leader_b = UserFactory()
    AssignmentFactory(user=leader_b, role="leader", unit=world.unit_b)
    client = client_for(leader_b)
    assert client.get(url("objection-detail", objection.pk)).status_code == 404
    assert (
        client.post(url("objection-detail", objection.pk), {"decision": "reject", "answer": "x"}).status_code
        == 404
    )
    listing = client.get(url("objection-list", published.pk))
    assert listing.status_code == 200 and 'data-testid="objection-row"' not in text_of(listing)


def test_a_leader_cannot_file_for_another_unit(world, client_for, published, leaves):
    client = client_for(world.leader)
    response = client.post(
        url("objection-create", published.pk) + f"?don_vi={world.unit_b.pk}",
        {"criterion": leaves["1.1"].pk, "reason": REASON},
    )
    assert response.status_code == 404
    assert client.get(url("objection-create", published.pk) + "?don_vi=abc").status_code == 404
    assert objection_count() == 0


def test_pages_only_answer_their_methods(world, client_for, published, objection):
    client = client_for(world.secretary)
    assert client.post(url("objection-list", published.pk)).status_code == 405
    assert client.put(url("objection-detail", objection.pk)).status_code == 405


# --- Filing ---------------------------------------------------------------------------------------------


def test_the_form_lists_the_leaves_with_the_units_points_and_the_last_day(
    world, client_for, published, leaves
):
    response = client_for(world.leader).get(url("objection-create", published.pk))
    page = text_of(response)
    last_day = timezone.localdate(published.published_at) + timedelta(days=7)
    assert f"đến hết ngày <strong>{last_day:%d/%m/%Y}</strong>" in page
    assert "2.1. Kết quả huấn luyện" in page and "đang có 3/" in page
    assert "1.3. " in page and "chưa có điểm" in page
    assert f'value="{leaves["1.1"].parent.pk}"' not in page  # a group is not a choice
    assert "Kết quả chung của đơn vị" in page


def test_a_leader_files_with_a_decimal_comma(world, client_for, published, leaves):
    client = client_for(world.leader)
    response = client.post(
        url("objection-create", published.pk),
        {"criterion": leaves["2.1"].pk, "requested_points": "4,5", "reason": f"  {REASON}  "},
    )
    objection = Objection.objects.get()
    assert response.status_code == 302 and response.url == url("objection-detail", objection.pk)
    assert objection.requested_points == Decimal("4.5") and objection.reason == REASON
    assert "Đã gửi kiến nghị của Quân khu 1 về tiêu chí 2.1" in messages_of(response)[0]
    page = text_of(client.get(response.url))
    assert "Chờ trả lời" in page and "4,5" in page and 'data-testid="objection-waiting"' in page


def test_a_general_objection_needs_no_criterion(world, client_for, published):
    response = client_for(world.leader).post(
        url("objection-create", published.pk), {"criterion": "", "reason": REASON}
    )
    assert response.status_code == 302
    assert Objection.objects.get().criterion is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reason": ""}, "Nội dung kiến nghị: hãy ghi điểm nào chưa đúng"),
        ({"reason": "x" * 2001}, "Nội dung kiến nghị tối đa 2000 ký tự"),
        ({"requested_points": "abc"}, "Điểm đề nghị: “abc” không phải là số"),
        ({"requested_points": "5,5"}, "Điểm đề nghị – Tiêu chí 1.1: tối đa 5 điểm, đã nhập 5,5"),
        ({"requested_points": "-1"}, "Điểm đề nghị – Tiêu chí 1.1: điểm không được âm"),
        ({"criterion": "999999"}, "Kiến nghị về: hãy chọn một tiêu chí trong danh sách"),
        ({"criterion": "", "requested_points": "3"}, "Điểm đề nghị chỉ ghi khi kiến nghị về một tiêu chí"),
    ],
)
def test_bad_input_answers_400_naming_the_field(world, client_for, published, leaves, data, message):
    posted = {"criterion": leaves["1.1"].pk, "requested_points": "", "reason": REASON, **data}
    response = client_for(world.leader).post(url("objection-create", published.pk), posted)
    assert response.status_code == 400
    assert message in text_of(response)
    assert 'data-testid="form-errors"' in text_of(response)
    assert objection_count() == 0


def test_another_rounds_criterion_is_refused(world, client_for, published):
    stranger = leaves_of(round_with_sample(world.other_bloc, actor=world.admin))["1.1"]
    response = client_for(world.leader).post(
        url("objection-create", published.pk), {"criterion": stranger.pk, "reason": REASON}
    )
    assert response.status_code == 400 and "Kiến nghị về: hãy chọn" in text_of(response)
    assert objection_count() == 0


def test_a_second_open_objection_on_the_same_criterion_is_refused(world, client_for, published, objection):
    response = client_for(world.leader).post(
        url("objection-create", published.pk), {"criterion": objection.criterion_id, "reason": "Nhắc lại"}
    )
    assert response.status_code == 400
    assert "đã có kiến nghị về tiêu chí 2.1" in text_of(response)
    assert objection_count() == 1
    page = text_of(client_for(world.leader).get(url("objection-create", published.pk)))
    assert "đang chờ trả lời" in page


def test_on_the_last_day_the_form_is_open(world, client_for, published, leaves):
    move_publication(published, 7)
    client = client_for(world.leader)
    page = text_of(client.get(url("objection-create", published.pk)))
    assert "hôm nay là ngày cuối" in page
    response = client.post(
        url("objection-create", published.pk), {"criterion": leaves["1.1"].pk, "reason": REASON}
    )
    assert response.status_code == 302


def test_after_the_window_the_form_is_closed_and_a_post_is_refused(world, client_for, published, leaves):
    move_publication(published, 8)
    last_day = timezone.localdate(published.published_at) + timedelta(days=7)
    client = client_for(world.leader)
    page = client.get(url("objection-create", published.pk))
    assert page.status_code == 200
    assert 'data-testid="objection-closed"' in text_of(page) and 'name="reason"' not in text_of(page)
    response = client.post(
        url("objection-create", published.pk), {"criterion": leaves["1.1"].pk, "reason": REASON}
    )
    assert response.status_code == 400
    assert (
        f"Đã hết hạn kiến nghị về kết quả đợt chấm Quý I năm {published.campaign.year}: hạn cuối là hết ngày {last_day:%d/%m/%Y}"
        in text_of(response)
    )
    assert objection_count() == 0


def test_a_round_not_yet_published_takes_no_objection(world, client_for):
    scoring_round = round_with_sample(world.bloc, actor=world.admin)
    client = client_for(world.leader)
    assert "chưa được công bố" in text_of(client.get(url("objection-create", scoring_round.pk)))
    response = client.post(url("objection-create", scoring_round.pk), {"criterion": "", "reason": REASON})
    assert response.status_code == 400 and objection_count() == 0


# --- Answering --------------------------------------------------------------------------------------------


def test_the_secretary_accepts_with_new_points_making_a_correction(
    world, client_for, published, objection, leaves
):
    client = client_for(world.secretary)
    page = text_of(client.get(url("objection-detail", objection.pk)))
    assert 'name="decision"' in page and 'name="new_points"' in page and 'value="4,5"' in page
    response = client.post(
        url("objection-detail", objection.pk),
        {"decision": "accept", "new_points": "4,5", "answer": "Đúng, hội thao chưa được tính."},
    )
    assert response.status_code == 302
    assert "đính chính điểm tiêu chí 2.1" in messages_of(response)[0]
    objection.refresh_from_db()
    correction = Correction.objects.get()
    assert objection.state == ObjectionState.ACCEPTED and objection.correction == correction
    assert correction.reason == "Chấp nhận kiến nghị của Quân khu 1: Đúng, hội thao chưa được tính."
    assert final_points(published, world.unit_a, leaves["2.1"]) == Decimal("4.5")
    page = text_of(client.get(url("objection-detail", objection.pk)))
    assert 'data-testid="objection-correction"' in page and "3 → <strong>4,5</strong>" in page
    assert 'name="decision"' not in page
    history = text_of(client.get(url("cell-history", published.pk, world.unit_a.pk, leaves["2.1"].pk)))
    assert "Chấp nhận kiến nghị của Quân khu 1: Đúng, hội thao chưa được tính." in history
    # The unit's staff see the answer and the correction.
    leader_page = text_of(client_for(world.leader).get(url("objection-detail", objection.pk)))
    assert "Chấp nhận, đã đính chính điểm" in leader_page and "Lịch sử điểm của tiêu chí" in leader_page


def test_the_secretary_rejects_and_the_score_stays(world, client_for, published, objection, leaves):
    response = client_for(world.secretary).post(
        url("objection-detail", objection.pk),
        {"decision": "reject", "new_points": "4,5", "answer": "Biên bản ghi đúng 3 điểm."},
    )
    assert response.status_code == 302
    objection.refresh_from_db()
    assert objection.state == ObjectionState.REJECTED and objection.answer == "Biên bản ghi đúng 3 điểm."
    assert final_points(published, world.unit_a, leaves["2.1"]) == Decimal(3)
    assert not Correction.objects.exists()
    observer_page = text_of(client_for(world.observer).get(url("objection-detail", objection.pk)))
    assert "Không chấp nhận" in observer_page and "Lịch sử điểm của tiêu chí" not in observer_page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"decision": "accept", "new_points": "", "answer": "Có"},
            "Điểm mới: chấp nhận kiến nghị về tiêu chí 2.1",
        ),
        ({"decision": "accept", "new_points": "99", "answer": "Có"}, "Điểm mới – Tiêu chí 2.1: tối đa"),
        ({"decision": "accept", "new_points": "3", "answer": "Có"}, "Điểm mới bằng điểm đang công bố (3)"),
        ({"decision": "accept", "new_points": "x", "answer": "Có"}, "Điểm mới: “x” không phải là số"),
        ({"decision": "reject", "answer": ""}, "Nội dung trả lời: hãy ghi lý do"),
        ({"decision": "maybe", "answer": "Có"}, "Quyết định: hãy chọn chấp nhận hoặc không chấp nhận"),
    ],
)
def test_a_bad_answer_answers_400_naming_the_field(
    world, client_for, published, objection, leaves, data, message
):
    response = client_for(world.secretary).post(url("objection-detail", objection.pk), data)
    assert response.status_code == 400
    assert message in text_of(response)
    objection.refresh_from_db()
    assert objection.state == ObjectionState.OPEN and not Correction.objects.exists()
    assert final_points(published, world.unit_a, leaves["2.1"]) == Decimal(3)


def test_an_answered_objection_is_not_answered_twice(world, client_for, published, objection, leaves):
    client = client_for(world.secretary)
    client.post(url("objection-detail", objection.pk), {"decision": "reject", "answer": "Giữ nguyên."})
    response = client.post(
        url("objection-detail", objection.pk), {"decision": "accept", "new_points": "5", "answer": "Đổi ý"}
    )
    assert response.status_code == 400
    assert "đã được trả lời (không chấp nhận)" in messages_of(response)[-1]
    objection.refresh_from_db()
    assert objection.state == ObjectionState.REJECTED and objection.answer == "Giữ nguyên."
    assert final_points(published, world.unit_a, leaves["2.1"]) == Decimal(3)


def test_a_general_objection_is_answered_without_points(world, client_for, published):
    objection = objection_file(scoring_round=published, unit=world.unit_a, reason=REASON, actor=world.leader)
    client = client_for(world.secretary)
    assert 'name="new_points"' not in text_of(client.get(url("objection-detail", objection.pk)))
    response = client.post(
        url("objection-detail", objection.pk), {"decision": "accept", "answer": "Ghi nhận."}
    )
    assert response.status_code == 302
    objection.refresh_from_db()
    assert objection.state == ObjectionState.ACCEPTED and objection.correction is None


def test_the_history_lists_each_step(world, client_for, published, objection):
    objection_answer(objection=objection, accept=False, answer="Giữ nguyên.", actor=world.secretary)
    page = text_of(client_for(world.officer).get(url("objection-detail", objection.pk)))
    history = page[page.index('data-testid="objection-history"') :]
    assert history.index("Gửi kiến nghị") < history.index("Không chấp nhận kiến nghị")


# --- The list and the entry points --------------------------------------------------------------------------


def test_the_secretariat_sees_every_units_objections_and_the_staff_their_own(
    world, client_for, published, leaves
):
    leader_b = UserFactory()
    AssignmentFactory(user=leader_b, role="leader", unit=world.unit_b)
    objection_file(
        scoring_round=published, unit=world.unit_a, criterion=leaves["1.1"], reason=REASON, actor=world.leader
    )
    objection_file(scoring_round=published, unit=world.unit_b, reason="Chung", actor=leader_b)
    for persona, count in [("secretary", 2), ("observer", 2), ("leader", 1), ("officer", 1)]:
        page = text_of(client_for(world.persona(persona)).get(url("objection-list", published.pk)))
        assert page.count('data-testid="objection-row"') == count, persona
    secretary_page = text_of(client_for(world.secretary).get(url("objection-list", published.pk)))
    assert (
        "Trả lời" in secretary_page and '<strong class="text-body">2</strong> chờ trả lời' in secretary_page
    )


def test_the_round_page_offers_the_leader_an_objection_while_the_window_is_open(world, client_for, published):
    client = client_for(world.leader)
    page = text_of(client.get(url("round-detail", published.pk)))
    assert 'data-testid="file-objection"' in page and "Kiến nghị về điểm" in page
    self_page = text_of(client.get(url("self-assessment", published.pk)))
    assert 'data-testid="objection-invite"' in self_page
    assert 'data-testid="objection-invite"' not in text_of(
        client_for(world.officer).get(url("self-assessment", published.pk))
    )
    move_publication(published, 8)
    page = text_of(client.get(url("round-detail", published.pk)))
    assert 'data-testid="file-objection"' not in page and "Đã hết hạn kiến nghị" in page
    assert 'data-testid="objection-invite"' not in text_of(client.get(url("self-assessment", published.pk)))


def test_the_round_page_counts_open_objections_for_the_secretariat(world, client_for, published, objection):
    page = text_of(client_for(world.secretary).get(url("round-detail", published.pk)))
    assert '<span class="badge text-bg-warning" data-testid="open-objections">1 chờ trả lời</span>' in page
    assert 'data-testid="file-objection"' not in page
    objection_answer(objection=objection, accept=False, answer="Giữ nguyên.", actor=world.secretary)
    page = text_of(client_for(world.secretary).get(url("round-detail", published.pk)))
    assert (
        'data-testid="open-objections"' not in page
        and "<strong>0</strong> chờ trả lời trong 1 kiến nghị" in page
    )


# --- The unit's view -----------------------------------------------------------------------------------------


UNIT_INCLUDE = Template('{% include "scoring/_unit_objections.html" with campaign=campaign unit=unit %}')


def render_unit(campaign, unit, user) -> str:
    return re.sub(
        r"\s+", " ", UNIT_INCLUDE.render(Context({"campaign": campaign, "unit": unit, "user": user}))
    )


def test_the_unit_view_shows_state_answer_and_correction(world, published, leaves, objection):
    objection_answer(
        objection=objection, accept=True, answer="Đúng.", new_points=Decimal("4.5"), actor=world.secretary
    )
    objection_file(scoring_round=published, unit=world.unit_a, reason="Chung", actor=world.leader)
    html = render_unit(published.campaign, world.unit_a, world.leader)
    assert html.count('data-testid="unit-objection"') == 2
    assert "Chấp nhận, đã đính chính điểm" in html and "Chờ trả lời" in html
    assert "2.1: 3 → <strong>4,5</strong>" in html and "Đúng." in html
    assert 'data-testid="unit-objection-window"' in html  # the leader may still object
    assert 'data-testid="unit-objection-window"' not in render_unit(
        published.campaign, world.unit_a, world.observer
    )
    assert "chưa có kiến nghị nào" in render_unit(published.campaign, world.unit_b, world.observer)


# --- Query counts ----------------------------------------------------------------------------------------------


def grow(world, published: ScoringRound, members: int) -> None:
    """`members` more member units, each scored, with a leader and an objection; half of them
    answered, one with a correction."""
    leaves = leaves_of(published)
    for number in range(members):
        unit = UnitFactory(name=f"Lữ đoàn {number + 100}")
        MembershipFactory(bloc=world.bloc, unit=unit)
        leader = UserFactory()
        AssignmentFactory(user=leader, role="leader", unit=unit)
        final_grid_save(
            scoring_round=published,
            entries={(unit.pk, leaves["1.1"].pk): Decimal(2)},
            base_versions={},
            actor=world.secretary,
            reason="Bổ sung đơn vị",
        )
        objection = objection_file(
            scoring_round=published, unit=unit, criterion=leaves["1.1"], reason=REASON, actor=leader
        )
        if number % 2:
            objection_answer(
                objection=objection,
                accept=bool(number % 4 == 1),
                answer="Trả lời",
                new_points=Decimal(3) if number % 4 == 1 else None,
                actor=world.secretary,
            )


@pytest.mark.parametrize("members", [2, 9])
@pytest.mark.parametrize(("persona", "expected"), [("secretary", 8), ("leader", 10), ("observer", 9)])
def test_the_list_runs_a_fixed_number_of_queries(
    world, client_for, django_assert_num_queries, published, members, persona, expected
):
    grow(world, published, members)
    client = client_for(world.persona(persona))
    with django_assert_num_queries(expected):
        response = client.get(url("objection-list", published.pk))
    assert response.status_code == 200


@pytest.mark.parametrize("members", [2, 9])
def test_the_unit_view_runs_a_fixed_number_of_queries(world, django_assert_num_queries, published, members):
    first = objection_file(
        scoring_round=published,
        unit=world.unit_a,
        criterion=leaves_of(published)["1.1"],
        reason=REASON,
        actor=world.leader,
    )
    objection_answer(
        objection=first, accept=True, answer="Đúng", new_points=Decimal(5), actor=world.secretary
    )
    for number in range(members - 1):
        objection = objection_file(
            scoring_round=published, unit=world.unit_a, reason=REASON, actor=world.leader
        )
        objection_answer(
            objection=objection, accept=bool(number % 2), answer="Trả lời", actor=world.secretary
        )
    with django_assert_num_queries(4):
        html = render_unit(published.campaign, world.unit_a, world.leader)
    assert html.count('data-testid="unit-objection"') == members


# Every page: session, user, the navigation's roles. The round's page: the round, its board (four), the secretary's right; the objections'
# rules and counts; whether the user may read the round's score sheets (the "Bảng điểm PDF" link).
PUBLISHED_ROUND_PAGE_QUERIES = 12


@pytest.mark.parametrize("members", [2, 9])
def test_the_published_round_page_stays_fixed_with_objections(
    world, client_for, django_assert_num_queries, published, members
):
    grow(world, published, members)
    client = client_for(world.secretary)
    with django_assert_num_queries(PUBLISHED_ROUND_PAGE_QUERIES):
        response = client.get(url("round-detail", published.pk))
    assert response.status_code == 200
