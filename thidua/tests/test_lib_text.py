"""Vietnamese text: NFC, accent folding for search, dictionary order."""

from __future__ import annotations

import random
import unicodedata

import pytest
from django.db import connection

from thidua.lib.text import fold, nfc, sort_key

# Vietnamese dictionary order: a < ă < â, d < đ, and for the same letters the tones in the
# order none, huyền, hỏi, ngã, sắc, nặng. "Hoà" (new placement, tone on a) and "Hòa" (old
# placement, tone on o) are equal for search; in order, the word whose first tone mark comes
# later goes first, as ICU's Vietnamese collation has it.
DICTIONARY_ORDER = ["Anh", "Ánh", "Ăn", "Ân", "Bình", "Dũng", "Đức", "Hoà", "Hòa", "ích", "Zung"]

TRICKY_NAMES = [
    "Quân khu 1",
    "Quân khu 10",
    "Quân khu 2",
    "Quân khu 9",
    "Quân đoàn 12",
    "Quân chủng Hải quân",
    "Quân chủng Phòng không - Không quân",
    "Bộ Tư lệnh Thủ đô Hà Nội",
    "Bộ Tư lệnh Cảnh sát biển",
    "Bộ Chỉ huy Quân sự tỉnh Điện Biên",
    "Bộ Quốc phòng",
    "Binh chủng Đặc công",
    "Đoàn 959",
    "Dầu khí",
    "Ánh Dương",
    "Anh Dũng",
    "Ăn",
    "Ân",
    "An",
    "Ơn",
    "Ôn",
    "On",
    "Ưu",
    "Uy",
    "Hòa Bình",
    "Hoà An",
    "Học viện Lục quân",
    "Học viện Hải quân",
    "Sư đoàn 3",
    "Sư đoàn 301",
    "Sư đoàn 31",
    "Sư đoàn 312",
    "Lữ đoàn 125",
    "Lữ đoàn 12",
    "Trường Sĩ quan Lục quân 1",
    "Tổng cục Chính trị",
    "Tổng cục Hậu cần - Kỹ thuật",
    "Tổng công ty Viettel",
    "Cục Tuyên huấn",
    "Cụm thi đua số 6",
    "Củ Chi",
    "Cù Lao",
    "Cũ",
    "Cú",
    "Cụ",
    "Cu",
]


def test_nfc_collapses_whitespace_and_composes():
    decomposed = unicodedata.normalize("NFD", "  Quân   khu\t1 ")
    assert nfc(decomposed) == "Quân khu 1"
    assert unicodedata.is_normalized("NFC", nfc(decomposed))


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Quân khu 1", "quan khu 1"),
        ("Đức", "duc"),
        ("ĐỨC", "duc"),
        ("Hoà", "hoa"),
        ("Hòa", "hoa"),
        ("  Bộ   Tư lệnh ", "bo tu lenh"),
        (unicodedata.normalize("NFD", "Ưu Ơn"), "uu on"),
    ],
)
def test_fold(text, folded):
    assert fold(text) == folded


def test_fold_makes_both_tone_placements_equal():
    assert fold("Hoà Bình") == fold("Hòa Bình") == fold("HOÀ BÌNH") == "hoa binh"


def test_sort_key_gives_vietnamese_dictionary_order():
    shuffled = ["Zung", "Ánh", "Anh", "Ăn", "Ân", "Bình", "Đức", "Dũng", "Hòa", "Hoà", "ích"]
    assert sorted(shuffled, key=sort_key) == DICTIONARY_ORDER
    assert sorted(shuffled) != DICTIONARY_ORDER  # code-point order puts "Ánh" after "Zung"


@pytest.mark.parametrize(
    "ordered",
    [
        ["a", "à", "ả", "ã", "á", "ạ"],  # tones: none, huyền, hỏi, ngã, sắc, nặng
        ["a", "ă", "â", "b"],
        ["d", "đ", "e"],
        ["o", "ô", "ơ", "p"],
        ["u", "ư", "v"],
        ["e", "ê", "f"],
        ["Quân khu 1", "Quân khu 10", "Quân khu 2"],
        ["Anh", "Anh Ba", "Anhb"],
    ],
)
def test_sort_key_letter_and_tone_order(ordered):
    shuffled = random.Random(1).sample(ordered, len(ordered))
    assert shuffled != ordered
    assert sorted(shuffled, key=sort_key) == ordered


def test_sort_key_ignores_case_and_normalisation_form():
    assert sort_key("QUÂN KHU 1") == sort_key("quân khu 1")
    assert sort_key(unicodedata.normalize("NFD", "Đức Hòa")) == sort_key("Đức Hòa")


@pytest.mark.django_db
def test_postgresql_collation_orders_names_like_sort_key():
    """Pages sort with ICU's `vi-x-icu` on PostgreSQL and with `sort_key` on SQLite: the two
    must agree, or a list would change order with the database."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://…)")
    from blocs.models import Unit, vietnamese_order
    from blocs.tests.factories import UnitFactory

    for name in TRICKY_NAMES:
        UnitFactory(name=name)
    in_database = list(Unit.objects.order_by(vietnamese_order("name"), "pk").values_list("name", flat=True))
    assert in_database == sorted(TRICKY_NAMES, key=sort_key)
    by_key = list(Unit.objects.order_by("sort_key", "pk").values_list("name", flat=True))
    assert by_key == in_database


def test_nfc_drops_control_characters_but_keeps_words_apart():
    assert nfc("Quân\x00 khu\x1b 1\x7f") == "Quân khu 1"
    assert nfc("Quân\x0ckhu\x1f1") == "Quân khu 1"  # page break and unit separator are spaces
    assert nfc("Đoạn một\nĐoạn\thai") == "Đoạn một\nĐoạn hai"


def test_nfc_keeps_paragraphs_but_collapses_spaces():
    from thidua.lib.text import nfc

    assert nfc("  Đoạn  một\r\n\r\n\r\n\tĐoạn   hai  ") == "Đoạn một\n\nĐoạn hai"
    assert nfc("Quân  khu\u00a01") == "Quân khu 1"
