"""Numbers and dates as Vietnamese users type and read them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from thidua.lib.dates import DateFormatError, format_date, format_date_long, parse_date
from thidua.lib.forms import DateField, DecimalField
from thidua.lib.numbers import NumberFormatError, format_decimal, parse_decimal


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("9,5", Decimal("9.5")),
        ("9.5", Decimal("9.5")),
        (" 10 ", Decimal("10")),
        ("-1", Decimal("-1")),
        ("+2,25", Decimal("2.25")),
        (",5", Decimal("0.5")),
        ("", None),
        ("   ", None),
        (None, None),
        (7, Decimal("7")),
        (0.1, Decimal("0.1")),
    ],
)
def test_parse_decimal_reads_comma_or_point(text, value):
    assert parse_decimal(text) == value


@pytest.mark.parametrize(
    "text", ["abc", "1,2,3", "1.234,5", "1e3", "NaN", "Infinity", "--1", "9,5đ", "1 000,5x"]
)
def test_parse_decimal_refuses_anything_else(text):
    with pytest.raises(NumberFormatError) as error:
        parse_decimal(text)
    assert "số" in str(error.value)


@pytest.mark.parametrize("value", [True, float("nan"), float("inf")])
def test_parse_decimal_refuses_booleans_and_non_finite_numbers(value):
    with pytest.raises(NumberFormatError):
        parse_decimal(value)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("9.50"), "9,5"),
        (Decimal("10.00"), "10"),
        (Decimal("0.25"), "0,25"),
        (Decimal("100"), "100"),
        (Decimal("-1.5"), "-1,5"),
        (Decimal("1.005"), "1"),
        (None, ""),
    ],
)
def test_format_decimal(value, text):
    assert format_decimal(value) == text


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("05/06/2025", date(2025, 6, 5)),
        ("5/6/2025", date(2025, 6, 5)),
        ("05-06-2025", date(2025, 6, 5)),
        ("05.06.2025", date(2025, 6, 5)),
        ("2025-06-05", date(2025, 6, 5)),
        (" 29/02/2024 ", date(2024, 2, 29)),
        ("", None),
        (None, None),
        (date(2025, 1, 2), date(2025, 1, 2)),
        (datetime(2025, 1, 2, 13, 30), date(2025, 1, 2)),
    ],
)
def test_parse_date_reads_day_first(text, value):
    assert parse_date(text) == value


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("31/02/2025", "không tồn tại"),
        ("29/02/2025", "không tồn tại"),
        ("32/01/2025", "không tồn tại"),
        ("2025/06/05", "không đúng dạng"),
        ("05/06/25", "không đúng dạng"),
        ("hôm nay", "không đúng dạng"),
    ],
)
def test_parse_date_refuses_invalid_dates(text, message):
    with pytest.raises(DateFormatError, match=message):
        parse_date(text)


def test_format_date():
    assert format_date(date(2025, 6, 5)) == "05/06/2025"
    assert format_date(None) == ""


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (date(2024, 3, 5), "ngày 05 tháng 3 năm 2024"),
        (date(2024, 2, 14), "ngày 14 tháng 02 năm 2024"),
        (date(2024, 1, 1), "ngày 01 tháng 01 năm 2024"),
        (date(2024, 12, 31), "ngày 31 tháng 12 năm 2024"),
    ],
)
def test_format_date_long_follows_decree_30(value, text):
    assert format_date_long(value) == text


def test_format_date_long_with_place():
    assert format_date_long(date(2024, 3, 5), "Hà Nội") == "Hà Nội, ngày 05 tháng 3 năm 2024"


def test_form_date_field_reads_day_first():
    field = DateField()
    assert field.clean("05/06/2025") == date(2025, 6, 5)
    with pytest.raises(Exception, match="không tồn tại"):
        field.clean("31/02/2025")
    assert field.widget.format == "%d/%m/%Y"


def test_form_decimal_field_reads_comma_and_shows_comma():
    field = DecimalField(max_digits=5, decimal_places=2, required=False)
    assert field.clean("9,5") == Decimal("9.5")
    assert field.clean("9.5") == Decimal("9.5")
    assert field.clean("") is None
    assert field.prepare_value(Decimal("9.50")) == "9,5"
    with pytest.raises(Exception, match="không phải là số"):
        field.clean("1,2,3")
