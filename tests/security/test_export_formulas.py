"""Every spreadsheet the product hands out keeps user text that a spreadsheet would run (text
starting with =, +, - or @) as plain text: in .xlsx as a string cell with the quote prefix, in
.csv behind an apostrophe. One organisation whose names, titles and notes start with each of
those characters goes through every export; no cell anywhere is a formula."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from awards.models import AwardRecord
from awards.tests.test_nominations_support import QUYET_THANG, catalogue, grant
from scoring.models import Criterion, Score
from scoring.tests.ranking_factories import campaign_of, card, make_round, member, standard

pytestmark = pytest.mark.django_db

UNIT_NAMES = ['=HYPERLINK("http://x","bấm")', "+Quân khu 2", "-Quân khu 3", "@Sư đoàn 4"]
TITLES = ["=1+1 Chính trị", "+Giáo dục", "-Kỷ luật", "@Huấn luyện"]
NOTE = '@SUM(A1:A9)+cmd|"/c calc"!A0'
TRIGGERS = {"=", "+", "-", "@"}


@pytest.fixture
def hostile(world):
    """Khối thi đua số 2 with four members named after each trigger, a published round, criteria
    titled the same way, a score note and award records with a hostile note."""
    for unit, name in zip((world.unit_a, world.unit_b, world.unit_c), UNIT_NAMES, strict=False):
        unit.name = name
        unit.short_name = "@" + unit.code
        unit.save()
    fourth = member(world.bloc, UNIT_NAMES[3], "SD4")
    campaign = campaign_of(world.bloc)
    scoring_round = make_round(campaign, "q1")
    for unit, total in ((world.unit_a, 40), (world.unit_b, 44), (world.unit_c, 30), (fourth, 20)):
        card(scoring_round, unit, standard(total))
    leaves = Criterion.objects.filter(criteria_set=scoring_round.criteria_set, children__isnull=True)
    for criterion, title in zip(leaves.order_by("pk"), TITLES, strict=False):
        Criterion.objects.filter(pk=criterion.pk).update(title=title)
    Score.objects.filter(scorecard__round=scoring_round).update(note=NOTE)
    titles = catalogue()
    for unit in (world.unit_a, world.unit_b, world.unit_c, fourth):
        grant(unit, titles[QUYET_THANG], 2023, by=world.admin)
    AwardRecord.objects.update(note=NOTE)
    return campaign, scoring_round


def assert_safe_workbook(content: bytes, expected: set[str]) -> None:
    workbook = load_workbook(io.BytesIO(content))
    seen: set[str] = set()
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula: {cell.value!r}"
                if not isinstance(cell.value, str):
                    continue
                if cell.value[:1] in TRIGGERS:
                    assert cell.data_type == "s" and cell.quotePrefix, f"{sheet.title}!{cell.coordinate}"
                # A title indented with spaces (a sub-criterion) is plain text to any spreadsheet.
                if cell.value.lstrip(" ")[:1] in TRIGGERS:
                    seen.add(cell.value.lstrip(" "))
    assert expected <= seen, expected - seen  # the hostile texts really are in this export
    assert {text[0] for text in seen} == TRIGGERS


EXPORTS = {
    # name: (view, arguments, who asks, hostile texts it must contain)
    "units": ("blocs:unit-export", lambda h, w: [], "admin", {*UNIT_NAMES[:3], "@QK1"}),
    "criteria": ("scoring:criteria-excel", lambda h, w: [h[0].pk], "secretary", set(TITLES)),
    "score template": ("scoring:excel-template", lambda h, w: [h[1].pk], "secretary", {*UNIT_NAMES, *TITLES}),
    "scores": ("scoring:excel-export", lambda h, w: [h[1].pk], "secretary", {*UNIT_NAMES, *TITLES}),
    "ranking": ("scoring:ranking-xlsx", lambda h, w: [h[0].pk, "q1"], "secretary", set(UNIT_NAMES)),
    "awards": ("awards:bloc-awards-excel", lambda h, w: [w.bloc.pk], "secretary", {*UNIT_NAMES, NOTE}),
}


@pytest.mark.parametrize("export", list(EXPORTS))
def test_every_workbook_export_keeps_formula_like_text_as_text(world, client_for, hostile, export):
    view, arguments, persona, expected = EXPORTS[export]
    response = client_for(world.persona(persona)).get(reverse(view, args=arguments(hostile, world)))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert_safe_workbook(response.content, expected)


def test_the_ranking_csv_puts_an_apostrophe_before_formula_like_text(world, client_for, hostile):
    campaign, _round = hostile
    response = client_for(world.secretary).get(reverse("scoring:ranking-csv", args=[campaign.pk, "q1"]))
    assert response.status_code == 200
    fields = [
        field
        for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";")
        for field in row
    ]
    for name in UNIT_NAMES:
        assert "'" + name in fields
        assert name not in fields


def test_the_import_templates_hold_no_user_text(world, client_for):
    """The unit import template is fixed text only; still, nothing in it is a formula."""
    response = client_for(world.admin).get(reverse("blocs:unit-import-template"))
    workbook = load_workbook(io.BytesIO(response.content))
    assert all(
        cell.data_type != "f" for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row
    )
