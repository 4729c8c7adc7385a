"""LongSelect: the list of every unit written in one pass, the same as Django's own select."""

from __future__ import annotations

import re

from django import forms

from thidua.lib.forms import LongSelect

CHOICES = [("", "— Không —"), (1, "Quân khu 1 (QK1)"), (2, 'Đơn vị <b>"A"</b> & B'), (30, "Sư đoàn 301")]


def options(html: str) -> list[tuple[str, bool, str]]:
    return [
        (value, bool(selected), text)
        for value, selected, text in re.findall(r'<option value="([^"]*)"( selected)?>(.*?)</option>', html)
    ]


def test_it_writes_what_djangos_select_writes():
    ours = LongSelect(attrs={"class": "form-select"}, choices=CHOICES).render("unit", 2, {"id": "id_unit"})
    theirs = forms.Select(attrs={"class": "form-select"}, choices=CHOICES).render(
        "unit", 2, {"id": "id_unit"}
    )
    assert options(ours) == options(theirs)
    assert ('<option value="2" selected>Đơn vị &lt;b&gt;&quot;A&quot;&lt;/b&gt; &amp; B</option>') in ours
    assert ours.startswith('<select class="form-select" id="id_unit" name="unit">')


def test_nothing_is_selected_without_a_value_and_the_empty_choice_is_kept():
    html = LongSelect(choices=CHOICES).render("unit", None)
    assert " selected" not in html and '<option value="">— Không —</option>' in html
