"""Frozen rankings: a snapshot holds what the ranking showed (from published rounds only),
cannot be changed or deleted, reads back in the live ranking's shape, and tells which units a
later correction moved."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from blocs.models import AuditEvent
from scoring.models import (
    Criterion,
    CriterionKind,
    RankingEntry,
    RankingSnapshot,
    Scorecard,
    ScorecardKind,
    ScoringRound,
)
from scoring.selectors.ranking import ranking_for
from scoring.selectors.rounds import round_members
from scoring.services.rounds import round_publish
from scoring.services.rules import scoring_rules_for
from scoring.services.scorecards import final_grid_save
from scoring.services.snapshots import (
    ranking_snapshot_freeze,
    snapshot_as_rows,
    snapshot_changes,
    snapshot_is_intact,
    snapshot_ranking,
)
from scoring.tests.factories import campaign_for, close_round, round_with_sample

YEAR = 2024


def leaves(scoring_round: ScoringRound) -> dict[str, Criterion]:
    return {
        c.code: c
        for c in Criterion.objects.filter(criteria_set=scoring_round.criteria_set, children__isnull=True)
    }


def score(scoring_round: ScoringRound, actor, shares: dict[int, str], extra=None, reason: str = "") -> None:
    """Every standard leaf at `share` of its maximum for each unit; `extra`: (unit, code) cells."""
    cells = leaves(scoring_round)
    entries = {}
    for unit_id, share in shares.items():
        for leaf in cells.values():
            if leaf.kind == CriterionKind.STANDARD:
                entries[(unit_id, leaf.pk)] = (leaf.max_points * Decimal(share) * 4).quantize(
                    Decimal(1), ROUND_DOWN
                ) / 4
    for (unit_id, code), points in (extra or {}).items():
        entries[(unit_id, cells[code].pk)] = Decimal(points)
    versions = dict(
        Scorecard.objects.filter(round=scoring_round, kind=ScorecardKind.FINAL).values_list(
            "scored_unit_id", "version"
        )
    )
    final_grid_save(
        scoring_round=scoring_round, entries=entries, base_versions=versions, actor=actor, reason=reason
    )


def rounds(world, shares, periods=("q1", "q2"), publish=("q1", "q2"), extra=None):
    campaign = campaign_for(world.bloc, YEAR)
    for period in periods:
        scoring_round = round_with_sample(world.bloc, period, world.admin, campaign=campaign)
        score(scoring_round, world.admin, shares, extra)
        if period in publish:
            close_round(scoring_round, world.admin)
            round_publish(scoring_round=scoring_round, actor=world.admin)
    return campaign


@pytest.fixture
def shares(world):
    return {world.unit_a.pk: "0.95", world.unit_b.pk: "0.85", world.unit_c.pk: "0.9"}


def freeze(world, campaign, reason=""):
    return ranking_snapshot_freeze(campaign=campaign, period="h1", actor=world.secretary, reason=reason)


def test_a_freeze_keeps_every_row_of_the_ranking_with_its_rules_and_hash(world, shares):
    campaign = rounds(world, shares)
    snapshot = freeze(world, campaign)
    live = ranking_for(campaign=campaign, period="h1", rules=scoring_rules_for(campaign), published_only=True)
    assert (snapshot.version, snapshot.period, snapshot.reason, snapshot.made_by) == (
        1,
        "h1",
        "",
        world.secretary,
    )
    entries = list(snapshot.entries.order_by("position"))
    assert [(e.unit_name, e.rank, e.total, e.classification) for e in entries] == [
        (row.name, row.rank, row.total, row.classification) for row in live.rows
    ]
    assert [e.unit_name for e in entries] == ["Quân khu 1", "Quân khu 3", "Quân khu 2"]
    first = entries[0]
    assert first.quarters == {p: f"{v:.2f}" for p, v in live.rows[0].quarters.items()}
    assert set(first.quarters) == {"q1", "q2"}
    assert set(first.group_points) == {g.code for g in live.groups}
    assert snapshot.rules["leading_by"] == "vote" and snapshot.rules["tie_breaks"] == [
        "fewer_penalty",
        "core_group",
    ]
    assert snapshot.rules_text == live.rules_text
    assert [g["code"] for g in snapshot.groups] == [g.code for g in live.groups]
    assert len(snapshot.content_hash) == 64 and snapshot_is_intact(snapshot)
    assert AuditEvent.objects.filter(
        kind=AuditEvent.Kind.PUBLISH,
        summary__startswith="Chốt kết quả xếp hạng 6 tháng đầu năm 2024 của Khối thi đua số 2 (phiên bản 1)",
    ).exists()


def test_only_published_rounds_are_frozen(world, shares):
    campaign = rounds(world, shares, publish=("q1",))
    entries = list(freeze(world, campaign).entries.order_by("position"))
    assert [set(e.quarters) for e in entries] == [{"q1"}] * 3
    assert all(e.total == Decimal(e.quarters["q1"]) for e in entries)


def test_versions_follow_each_other_per_period(world, shares):
    campaign = rounds(world, shares)
    assert [freeze(world, campaign).version for _ in range(3)] == [1, 2, 3]
    q1 = ranking_snapshot_freeze(campaign=campaign, period="q1", actor=world.admin)
    assert q1.version == 1


def test_a_snapshot_and_its_entries_cannot_be_changed_or_deleted(world, shares):
    campaign = rounds(world, shares)
    snapshot = freeze(world, campaign)
    entry = snapshot.entries.first()
    snapshot.reason = "sửa"
    entry.total = Decimal("100")
    for action in (snapshot.save, snapshot.delete, entry.save, entry.delete):
        with pytest.raises(ValidationError):
            action()
    for queryset in (
        RankingSnapshot.objects.filter(pk=snapshot.pk),
        RankingEntry.objects.filter(snapshot=snapshot),
    ):
        with pytest.raises(ValidationError, match="không thể"):
            queryset.update(reason="x") if queryset.model is RankingSnapshot else queryset.update(total=1)
        with pytest.raises(ValidationError, match="không thể xóa"):
            queryset.delete()
    assert snapshot_is_intact(RankingSnapshot.objects.get(pk=snapshot.pk))


def test_a_row_altered_behind_the_models_back_breaks_the_hash(world, shares):
    campaign = rounds(world, shares)
    snapshot = freeze(world, campaign)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE scoring_rankingentry SET total = 99 WHERE snapshot_id = %s", [snapshot.pk])
    assert not snapshot_is_intact(snapshot)


def test_the_snapshot_reads_back_like_the_live_ranking(world):
    # Quân khu 2 and Quân khu 3 score exactly alike: a tie that survives the tie-breaks.
    campaign = rounds(world, {world.unit_a.pk: "0.95", world.unit_b.pk: "0.9", world.unit_c.pk: "0.9"})
    live = ranking_for(campaign=campaign, period="h1", rules=scoring_rules_for(campaign), published_only=True)
    snapshot = freeze(world, campaign)
    snapshot.campaign = campaign
    frozen = snapshot_ranking(snapshot)
    fields = ("unit_id", "name", "rank", "rank_label", "tied", "total", "bonus", "penalty", "classification")
    assert [tuple(getattr(r, f) for f in fields) for r in frozen.rows] == [
        tuple(getattr(r, f) for f in fields) for r in live.rows
    ]
    assert [r.tie_note for r in frozen.rows] == [r.tie_note for r in live.rows]
    assert frozen.rows[1].rank_label == "2=" and frozen.rows[1].tie_note.startswith("bằng điểm")
    assert [r.quarters for r in frozen.rows] == [r.quarters for r in live.rows]
    assert [r.groups for r in frozen.rows] == [r.groups for r in live.rows]
    assert frozen.rules_text == live.rules_text
    assert frozen.leader.unit_id == live.leader.unit_id == world.unit_a.pk
    assert list(frozen.rounds) == ["q1", "q2"]


def test_a_veto_is_frozen_with_the_row(world, shares):
    campaign = rounds(world, shares, extra={(world.unit_a.pk, "9.1"): "1"})
    rows = {row.name: row for row in snapshot_as_rows(freeze(world, campaign))}
    assert rows["Quân khu 1"].disqualified and not rows["Quân khu 3"].disqualified
    assert snapshot_ranking(freeze(world, campaign)).leader.name == "Quân khu 3"


def test_changes_list_the_units_a_correction_moved(world, shares):
    campaign = rounds(world, shares)
    snapshot = freeze(world, campaign)
    q2 = ScoringRound.objects.get(campaign=campaign, period="q2")
    rules = scoring_rules_for(campaign)
    assert (
        snapshot_changes(
            snapshot, ranking_for(campaign=campaign, period="h1", rules=rules, published_only=True)
        )
        == []
    )
    # A correction lifts Quân khu 2 above everyone in Q2.
    score(q2, world.admin, {world.unit_b.pk: "1"}, reason="Đính chính theo kiến nghị")
    live = ranking_for(campaign=campaign, period="h1", rules=rules, published_only=True)
    changes = snapshot_changes(snapshot, live)
    moved = {c.name: (c.frozen_rank, c.live_rank, c.total_changed) for c in changes}
    assert moved["Quân khu 2"][0] == "3" and moved["Quân khu 2"][2]
    assert "Quân khu 2" in moved and all(name in {"Quân khu 1", "Quân khu 2", "Quân khu 3"} for name in moved)
    # The snapshot itself did not move.
    assert [e.total for e in snapshot.entries.order_by("position")] == [
        r.total for r in snapshot_as_rows(RankingSnapshot.objects.get(pk=snapshot.pk))
    ]
    assert snapshot_is_intact(snapshot)


def test_reading_a_snapshot_takes_one_query(world, shares, django_assert_num_queries):
    campaign = rounds(world, shares)
    snapshot = freeze(world, campaign)
    snapshot = RankingSnapshot.objects.select_related("campaign").get(pk=snapshot.pk)
    with django_assert_num_queries(1):
        rows = snapshot_as_rows(snapshot)
    assert len(rows) == len(list(round_members(ScoringRound.objects.filter(campaign=campaign).first())))
