"""Fuzzing the entry grid (DESIGN.md §8): whatever is typed into whichever cells — junk, huge
numbers, "9,5", "", "-1", "1e9", other scripts' digits, stale or garbled versions — posting the
grid never answers 500 and never writes anything when a single cell is invalid."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from scoring.models import Criterion, CriterionKind, Score, Scorecard
from scoring.tests.factories import round_with_sample
from thidua.lib.numbers import NumberFormatError, parse_decimal

GOOD = st.sampled_from(
    ["", "0", "1", "2,5", "3.5", "4,75", "0,25"]
)  # valid for every sample criterion but vetoes
TYPED = st.one_of(
    GOOD,
    GOOD,
    st.sampled_from(
        [
            "",
            " ",
            "9,5",
            "9.5",
            "-1",
            "1e9",
            "0",
            "1",
            "2",
            "4,50",
            "4,555",
            "5",
            "10",
            "10,01",
            "abc",
            "1.234,5",
            ",5",
            "5,",
            "+3",
            "−2",
            "NaN",
            "Infinity",
            "٣",
            "９",
            "1" * 40,
            "0" * 30 + "1",
            "9,5 ",
            "\u00a04",
            "4\u20095",
            "<script>",
            "'; DROP TABLE scoring_score; --",
        ]
    ),
    st.text(max_size=12),
    st.integers(min_value=-(10**6), max_value=10**30).map(str),
    st.decimals(allow_nan=True, allow_infinity=True, places=3).map(lambda d: str(d).replace(".", ",")),
)
VERSION = st.one_of(
    st.none(), st.sampled_from(["0", "1", "-1", "abc", "99999999999999999999"]), st.text(max_size=5)
)


def is_invalid(text: str, criterion: Criterion) -> bool:
    """An oracle written apart from the form and the service: would a user call this cell wrong?"""
    try:
        value = parse_decimal(text)
    except NumberFormatError:
        return True
    if value is None:
        return False
    if criterion.kind == CriterionKind.VETO:
        return value not in (0, 1)
    try:
        in_hundredths = value * 100
        if in_hundredths != in_hundredths.to_integral_value():
            return True
    except InvalidOperation:
        return True
    return value < 0 or value > criterion.max_points


def snapshot() -> tuple:
    return (
        sorted(Score.objects.values_list("scorecard_id", "criterion_id", "points")),
        sorted(Scorecard.objects.values_list("pk", "version")),
    )


@pytest.fixture
def setup(world, client_for):
    scoring_round = round_with_sample(world.bloc, "q1", actor=world.admin)
    leaves = list(Criterion.objects.filter(criteria_set=scoring_round.criteria_set, children__isnull=True))
    units = [world.unit_a, world.unit_b, world.unit_c]
    cells = [(unit, leaf) for unit in units for leaf in leaves]
    return scoring_round, cells, units, client_for(world.secretary)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_posting_any_grid_never_fails_and_never_half_saves(setup, data):
    scoring_round, cells, units, client = setup
    typed = data.draw(st.dictionaries(st.sampled_from(cells), TYPED, min_size=1, max_size=30), label="cells")
    versions = data.draw(st.dictionaries(st.sampled_from(units), VERSION, max_size=3), label="versions")
    post = {f"c-{unit.pk}-{leaf.pk}": text for (unit, leaf), text in typed.items()}
    post.update({f"v-{unit.pk}": v for unit, v in versions.items() if v is not None})
    invalid = any(is_invalid(text, leaf) for (_unit, leaf), text in typed.items())

    # Each example starts from the same empty grid: its writes are rolled back afterwards.
    with transaction.atomic():
        before = snapshot()
        response = client.post(reverse("scoring:grid", args=[scoring_round.pk]), post)
        after = snapshot()
        transaction.set_rollback(True)

    event(f"HTTP {response.status_code}")
    assert response.status_code in (302, 400, 409), response.status_code
    if invalid:
        assert response.status_code == 400
        assert after == before
    elif response.status_code == 302:
        written = {
            (unit.pk, leaf.pk) for (unit, leaf), text in typed.items() if parse_decimal(text) is not None
        }
        assert len(after[0]) == len(written)
        for _card, _criterion, points in after[0]:
            assert points >= Decimal(0)
    else:
        # A stale version makes a conflict; a valid grid is never refused as bad input.
        assert response.status_code == 409
        assert after == before
