"""Rounds through the services (open → closed → published), their default dates, the round
pages' selectors, and the campaign's scoring rules."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from blocs.tests.factories import AssignmentFactory, MembershipFactory, UnitFactory, UserFactory
from campaigns.models import CampaignState
from campaigns.tests.factories import CampaignFactory
from scoring.models import RoundState, ScoringRound, ScoringRules
from scoring.selectors.rounds import (
    default_round_dates,
    next_free_period,
    round_board,
    round_list_for_campaign,
)
from scoring.services import rounds as services
from scoring.services.rules import scoring_rules_for, scoring_rules_locked, scoring_rules_update
from scoring.services.scorecards import final_grid_save, self_card_save, self_card_submit
from scoring.tests.factories import close_round, published_round, round_with_sample, sample_set


def test_round_with_sample_makes_an_open_round_on_the_sample_set(world):
    first = round_with_sample(world.bloc, actor=world.secretary)
    second = round_with_sample(world.bloc, "q2", actor=world.secretary)
    assert first.criteria_set == second.criteria_set
    assert first.campaign == second.campaign
    assert (first.state, first.starts_on.month, first.ends_on.month) == (RoundState.OPEN, 1, 3)
    assert first.entry_deadline == first.ends_on + timedelta(days=10)
    assert close_round(first).state == RoundState.CLOSED
    assert published_round(world.other_bloc, actor=world.admin).state == RoundState.PUBLISHED


# --- Default dates ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "starts_on", "ends_on", "deadline"),
    [
        ("q1", date(2025, 1, 1), date(2025, 3, 31), date(2025, 4, 10)),
        ("q2", date(2025, 4, 1), date(2025, 6, 30), date(2025, 7, 10)),
        ("q3", date(2025, 7, 1), date(2025, 9, 30), date(2025, 10, 10)),
        ("q4", date(2025, 10, 1), date(2025, 12, 31), date(2026, 1, 10)),
        ("year", date(2025, 1, 1), date(2025, 12, 31), date(2026, 1, 10)),
    ],
)
def test_default_dates_follow_the_quarter(world, period, starts_on, ends_on, deadline):
    campaign = CampaignFactory(bloc=world.bloc, year=2025)
    dates = default_round_dates(campaign, period)
    assert (dates.starts_on, dates.ends_on, dates.entry_deadline) == (starts_on, ends_on, deadline)


def test_default_dates_stay_inside_a_shorter_campaign(world):
    campaign = CampaignFactory(
        bloc=world.bloc, year=2025, starts_on=date(2025, 2, 15), ends_on=date(2025, 11, 30)
    )
    assert default_round_dates(campaign, "q1").starts_on == date(2025, 2, 15)
    assert default_round_dates(campaign, "q4").ends_on == date(2025, 11, 30)


def test_the_offered_period_is_todays_quarter_if_free(world):
    campaign = CampaignFactory(bloc=world.bloc, year=2025)
    assert next_free_period(campaign, set(), date(2025, 5, 2)) == "q2"
    assert next_free_period(campaign, {"q2"}, date(2025, 5, 2)) == "q1"
    assert next_free_period(campaign, {"q1", "q2", "q3", "q4"}, date(2025, 5, 2)) == "year"
    assert (
        next_free_period(CampaignFactory(bloc=world.other_bloc, year=2030), set(), date(2025, 5, 2)) == "q1"
    )


# --- Creating and editing ----------------------------------------------------------------------------


def make(world, **changes) -> ScoringRound:
    campaign = CampaignFactory(bloc=world.bloc, year=2025)
    sample_set(campaign)
    data = {
        "period": "q1",
        "starts_on": date(2025, 1, 1),
        "ends_on": date(2025, 3, 31),
        "entry_deadline": date(2025, 4, 10),
    }
    return services.round_create(campaign=campaign, actor=world.secretary, **(data | changes))


def test_a_round_is_created_open_on_the_current_criteria_set(world):
    scoring_round = make(world)
    assert scoring_round.state == RoundState.OPEN
    assert scoring_round.criteria_set == scoring_round.campaign.criteria_sets.get()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"starts_on": date(2024, 12, 1)},
            "starts_on",
            "Ngày bắt đầu phải nằm trong thời gian của phong trào",
        ),
        ({"ends_on": date(2026, 1, 31)}, "ends_on", "Ngày kết thúc phải nằm trong thời gian của phong trào"),
        (
            {"starts_on": date(2025, 3, 1), "ends_on": date(2025, 2, 1)},
            "ends_on",
            "Ngày kết thúc phải sau hoặc bằng ngày bắt đầu.",
        ),
        (
            {"entry_deadline": date(2024, 12, 31)},
            "entry_deadline",
            "Hạn nhập điểm không được trước ngày bắt đầu",
        ),
    ],
)
def test_bad_dates_are_refused_by_field(world, changes, field, message):
    with pytest.raises(ValidationError) as caught:
        make(world, **changes)
    assert any(message in m for m in caught.value.message_dict[field])
    assert not ScoringRound.objects.exists()


def test_a_second_round_of_a_period_is_refused(world):
    first = make(world)
    with pytest.raises(ValidationError, match="đã có đợt chấm điểm của kỳ này"):
        services.round_create(
            campaign=first.campaign,
            period="q1",
            starts_on=date(2025, 1, 1),
            ends_on=date(2025, 3, 31),
            entry_deadline=date(2025, 4, 10),
            actor=None,
        )


def test_no_round_without_criteria_or_in_a_closed_campaign(world):
    campaign = CampaignFactory(bloc=world.bloc, year=2025)
    dates = {"starts_on": date(2025, 1, 1), "ends_on": date(2025, 3, 31), "entry_deadline": date(2025, 4, 10)}
    with pytest.raises(ValidationError, match="chưa có bộ tiêu chí"):
        services.round_create(campaign=campaign, period="q1", actor=None, **dates)
    sample_set(campaign)
    campaign.state = CampaignState.CLOSED
    campaign.save()
    with pytest.raises(ValidationError, match="đã kết thúc"):
        services.round_create(campaign=campaign, period="q1", actor=None, **dates)


# --- The state machine ----------------------------------------------------------------------------


def test_open_close_publish(world):
    scoring_round = make(world)
    closed = services.round_close(scoring_round=scoring_round, actor=world.secretary, today=date(2025, 4, 11))
    assert closed.state == RoundState.CLOSED and closed.closed_at is not None
    published = services.round_publish(scoring_round=closed, actor=world.secretary)
    assert published.state == RoundState.PUBLISHED
    assert published.published_by == world.secretary and published.published_at is not None


def test_closing_before_or_on_the_deadline_is_refused(world):
    scoring_round = make(world)
    for today in (date(2025, 3, 1), date(2025, 4, 10)):
        with pytest.raises(ValidationError, match="Chưa hết hạn nhập điểm \\(10/04/2025\\)"):
            services.round_close(scoring_round=scoring_round, actor=None, today=today)
    scoring_round.refresh_from_db()
    assert scoring_round.state == RoundState.OPEN


def test_publishing_needs_a_closed_round(world):
    scoring_round = make(world)
    with pytest.raises(ValidationError, match="Phải khóa sổ đợt chấm trước khi công bố"):
        services.round_publish(scoring_round=scoring_round, actor=world.secretary)
    scoring_round.refresh_from_db()
    assert scoring_round.state == RoundState.OPEN


def test_a_closed_round_reopens_but_a_published_one_does_not(world):
    scoring_round = make(world)
    with pytest.raises(ValidationError, match="Chỉ mở lại được"):
        services.round_reopen(scoring_round=scoring_round, actor=None)
    close_round(scoring_round)
    reopened = services.round_reopen(scoring_round=scoring_round, actor=None)
    assert reopened.state == RoundState.OPEN and reopened.closed_at is None
    close_round(reopened)
    services.round_publish(scoring_round=reopened, actor=world.secretary)
    with pytest.raises(ValidationError, match="Chỉ mở lại được"):
        services.round_reopen(scoring_round=reopened, actor=None)
    with pytest.raises(ValidationError, match="Chỉ khóa sổ được"):
        services.round_close(scoring_round=reopened, actor=None, today=date(2030, 1, 1))


def test_a_published_round_cannot_be_edited(world):
    scoring_round = make(world)
    services.round_update(scoring_round=scoring_round, entry_deadline=date(2025, 4, 15), actor=None)
    close_round(ScoringRound.objects.get(pk=scoring_round.pk))
    services.round_publish(scoring_round=scoring_round, actor=world.secretary)
    with pytest.raises(ValidationError, match="đã công bố"):
        services.round_update(scoring_round=scoring_round, entry_deadline=date(2025, 4, 20), actor=None)
    scoring_round.refresh_from_db()
    assert scoring_round.entry_deadline == date(2025, 4, 15)


# --- Selectors of the round pages ------------------------------------------------------------------


def score_all(scoring_round: ScoringRound, unit, actor, *, self_card: bool = False):
    leaves = scoring_round.criteria_set.criteria.filter(children__isnull=True)
    entries = {leaf.pk: Decimal(0) for leaf in leaves}
    if self_card:
        card, _ = self_card_save(
            scoring_round=scoring_round, unit_id=unit.pk, entries=entries, base_version=0, actor=actor
        )
        return card
    final_grid_save(
        scoring_round=scoring_round,
        entries={(unit.pk, pk): value for pk, value in entries.items()},
        base_versions={},
        actor=actor,
    )
    return None


def test_the_board_shows_each_units_cards_and_who_to_remind(world):
    scoring_round = round_with_sample(world.bloc, actor=world.secretary)
    score_all(scoring_round, world.unit_a, world.secretary)
    leaf = scoring_round.criteria_set.criteria.get(code="1.1")
    final_grid_save(
        scoring_round=scoring_round,
        entries={(world.unit_b.pk, leaf.pk): Decimal(3)},
        base_versions={},
        actor=world.secretary,
    )
    card = score_all(scoring_round, world.unit_a, world.leader, self_card=True)
    self_card_submit(scorecard=card, actor=world.leader)
    officer_b = UserFactory()
    AssignmentFactory(user=officer_b, role="officer", unit=world.unit_b)
    self_card_save(
        scoring_round=scoring_round,
        unit_id=world.unit_b.pk,
        entries={leaf.pk: Decimal(1)},
        base_version=0,
        actor=officer_b,
    )

    board = round_board(scoring_round=scoring_round)
    rows = {row.unit.code: row for row in board.rows}
    assert list(rows) == ["QK1", "QK2", "QK3"]
    assert board.leaf_count == 23
    assert (rows["QK1"].final.scored, rows["QK1"].final.updated_by) == (23, str(world.secretary))
    assert rows["QK2"].final.scored == 1 and rows["QK3"].final is None
    assert [rows[c].self_state for c in ("QK1", "QK2", "QK3")] == ["submitted", "draft", "none"]
    assert [row.unit.code for row in board.reminders] == ["QK2", "QK3"]
    assert (board.finals_complete, board.finals_started, board.self_submitted) == (1, 2, 1)
    assert rows["QK1"].leaders == [f"Thiếu tá {world.leader} (Trợ lý)"]


def test_the_board_counts_units_that_were_members_during_the_round(world):
    scoring_round = round_with_sample(world.bloc, year=2025)
    gone = UnitFactory(name="Quân khu 9")
    MembershipFactory(bloc=world.bloc, unit=gone, joined_on=date(2020, 1, 1), left_on=date(2024, 12, 31))
    late = UnitFactory(name="Quân khu 7")
    MembershipFactory(bloc=world.bloc, unit=late, joined_on=date(2025, 2, 1))
    names = [row.unit.name for row in round_board(scoring_round=scoring_round).rows]
    assert names == ["Quân khu 1", "Quân khu 2", "Quân khu 3", "Quân khu 7"]


def test_the_round_list_counts_cards_per_round(world):
    first = round_with_sample(world.bloc, actor=world.secretary)
    second = round_with_sample(world.bloc, "q2", actor=world.secretary)
    score_all(first, world.unit_a, world.secretary)
    score_all(first, world.unit_b, world.secretary)
    card = score_all(first, world.unit_a, world.leader, self_card=True)
    self_card_submit(scorecard=card, actor=world.leader)
    rounds = round_list_for_campaign(campaign=first.campaign)
    assert [(r.period, r.member_count, r.final_scored, r.self_submitted) for r in rounds] == [
        ("q1", 3, 2, 1),
        ("q2", 3, 0, 0),
    ]
    assert rounds[1] == second


# --- Scoring rules ------------------------------------------------------------------------------


def test_rules_default_until_saved(world):
    campaign = CampaignFactory(bloc=world.bloc)
    rules = scoring_rules_for(campaign)
    assert (
        rules.pk is None
        and rules.card_basis == "final"
        and rules.tie_breaks == ["fewer_penalty", "core_group"]
    )
    assert rules.bands[0] == ["Xuất sắc", 90]
    assert not ScoringRules.objects.exists()


def test_rules_are_saved_and_normalised(world):
    campaign = CampaignFactory(bloc=world.bloc)
    rules = scoring_rules_update(
        campaign=campaign,
        actor=world.secretary,
        aggregation="weighted",
        quarter_weights=[Decimal(1), "1", "1,5", 2],
        tie_breaks=["core_group"],
        bands=[[" Xuất  sắc ", "92,5"], ["Tốt", Decimal(80)]],
    )
    rules.refresh_from_db()
    assert rules.quarter_weights == [1, 1, 1.5, 2]
    assert rules.bands == [["Xuất sắc", 92.5], ["Tốt", 80]]
    assert rules.tie_breaks == ["core_group"]
    again = scoring_rules_update(campaign=campaign, actor=world.secretary, peer_scoring=True)
    assert again.pk == rules.pk and ScoringRules.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"aggregation": "weighted"}, "quarter_weights", "đúng 4 số"),
        (
            {"aggregation": "weighted", "quarter_weights": [0, 0, 0, 0]},
            "quarter_weights",
            "tổng các trọng số phải lớn hơn 0",
        ),
        (
            {"aggregation": "weighted", "quarter_weights": [1, -1, 1, 1]},
            "quarter_weights",
            "Trọng số Quý II không được âm",
        ),
        (
            {"aggregation": "weighted", "quarter_weights": [1, "x", 1, 1]},
            "quarter_weights",
            "Trọng số Quý II",
        ),
        ({"aggregation": "mean", "quarter_weights": [1, 1]}, "quarter_weights", "đúng 4 số"),
        ({"tie_breaks": ["coin_toss"]}, "tie_breaks", "không hợp lệ: coin_toss"),
        ({"tie_breaks": ["core_group", "core_group"]}, "tie_breaks", "chỉ chọn một lần"),
        ({"bands": []}, "bands", "ít nhất một mức"),
        ({"bands": [["Tốt", 80], ["Xuất sắc", 90]]}, "bands", "ngưỡng phải thấp hơn mức trên (80%)"),
        ({"bands": [["Tốt", 80], ["Khá", 80]]}, "bands", "ngưỡng phải thấp hơn mức trên"),
        ({"bands": [["Xuất sắc", 101]]}, "bands", "từ 0 đến 100"),
        ({"bands": [["Xuất sắc", -1]]}, "bands", "từ 0 đến 100"),
        ({"bands": [["", 90]]}, "bands", "tên xếp loại không được để trống"),
        ({"bands": [["Tốt", 90], ["Tốt", 80]]}, "bands", "bị trùng"),
        ({"bands": [["Xuất sắc"]]}, "bands", "cần một tên và một ngưỡng"),
        ({"card_basis": "peer_mean"}, "peer_scoring", "phải bật chấm chéo"),
        ({"card_basis": "lottery"}, "card_basis", "không hợp lệ"),
    ],
)
def test_bad_rules_are_refused_by_field(world, fields, field, message):
    campaign = CampaignFactory(bloc=world.bloc)
    with pytest.raises(ValidationError) as caught:
        scoring_rules_update(campaign=campaign, actor=world.secretary, **fields)
    assert any(message in m for m in caught.value.message_dict[field]), caught.value.message_dict
    assert not ScoringRules.objects.exists()


def test_rules_freeze_when_the_first_round_is_published(world):
    scoring_round = round_with_sample(world.bloc, actor=world.secretary)
    campaign = scoring_round.campaign
    scoring_rules_update(campaign=campaign, actor=world.secretary, peer_scoring=True)
    close_round(scoring_round)
    assert not scoring_rules_locked(campaign)
    scoring_rules_update(campaign=campaign, actor=world.secretary, peer_scoring=False)
    services.round_publish(scoring_round=scoring_round, actor=world.secretary)
    assert scoring_rules_locked(campaign)
    with pytest.raises(ValidationError, match="không sửa được nữa"):
        scoring_rules_update(campaign=campaign, actor=world.secretary, peer_scoring=True)
    assert ScoringRules.objects.get().peer_scoring is False


def test_unknown_rule_fields_are_a_programming_error(world):
    with pytest.raises(TypeError):
        scoring_rules_update(campaign=CampaignFactory(bloc=world.bloc), actor=None, colour="green")
