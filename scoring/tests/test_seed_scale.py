"""`manage.py seed_scale` at a tiny size: the shape of the benchmark dataset (DESIGN.md §8)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Sum

from blocs.models import Bloc, Membership, Unit
from campaigns.models import Campaign
from scoring.models import CriteriaSet, Criterion, RoundState, Score, Scorecard, ScoringRound
from scoring.scale import criteria_template

pytestmark = pytest.mark.django_db

TINY = {"blocs": 3, "units_per_bloc": 4, "criteria": 12, "years": 1, "first_year": 2025}


def test_tiny_scale_dataset_has_the_expected_counts(capsys):
    call_command("seed_scale", **TINY)
    out = capsys.readouterr().out
    assert "Xong sau" in out and "1.152 điểm" in out

    assert list(Bloc.objects.order_by("name").values_list("name", flat=True)) == [
        "Khối quy mô 0001",
        "Khối quy mô 0002",
        "Khối quy mô 0003",
    ]
    assert Membership.objects.count() == 12
    # Members hang under their bloc's organiser, under one root: a real tree with paths.
    member = Unit.objects.get(code="QM-0002-03")
    assert [u.code for u in member.ancestors()] == ["QM", "QM-TC01"]
    assert Campaign.objects.count() == 3
    assert CriteriaSet.objects.filter(frozen_at__isnull=False).count() == 3
    leaves = Criterion.objects.filter(children__isnull=True)
    assert leaves.count() == 3 * 12
    rounds = ScoringRound.objects.all()
    assert rounds.count() == 3 * 4
    # The last quarter stays open for the entry pages; the others are published.
    assert set(rounds.filter(period="q4").values_list("state", flat=True)) == {RoundState.OPEN}
    assert set(rounds.exclude(period="q4").values_list("state", flat=True)) == {RoundState.PUBLISHED}
    # A final and a self card per unit and round, every leaf scored.
    assert Scorecard.objects.filter(kind="final").count() == 12 * 4
    assert Scorecard.objects.filter(kind="self").count() == 12 * 4
    assert Score.objects.count() == 2 * 12 * 4 * 12
    assert set(Scorecard.objects.annotate(n=Count("scores")).values_list("n", flat=True)) == {12}


def test_standard_maxima_sum_to_100_and_points_respect_them():
    for leaves in (12, 60):
        groups = criteria_template(leaves)
        assert sum(len(g.leaves) for g in groups) == leaves
        standard = [leaf.max_points for g in groups if g.kind == "standard" for leaf in g.leaves]
        assert sum(standard) == 100
        assert [g.kind for g in groups[-3:]] == ["bonus", "penalty", "veto"]
    call_command("seed_scale", **TINY)
    criteria_set = CriteriaSet.objects.first()
    assert Criterion.objects.filter(
        criteria_set=criteria_set, kind="standard", children__isnull=True
    ).aggregate(total=Sum("max_points"))["total"] == Decimal(100)
    for score in Score.objects.select_related("criterion"):
        if score.criterion.kind == "veto":
            assert score.points in (0, 1)
        else:
            assert 0 <= score.points <= score.criterion.max_points


def test_seed_scale_refuses_to_run_twice_unless_told_to_skip(capsys):
    call_command("seed_scale", **TINY)
    count = Score.objects.count()
    with pytest.raises(CommandError, match="Dữ liệu quy mô đã có"):
        call_command("seed_scale", **TINY)
    call_command("seed_scale", if_absent=True, **TINY)
    assert "đã có" in capsys.readouterr().out
    assert Score.objects.count() == count


def test_seed_scale_smaller_self_share():
    call_command("seed_scale", **{**TINY, "self_share": 0.25})
    assert Scorecard.objects.filter(kind="self").count() == 3 * 1 * 4
