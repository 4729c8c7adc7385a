"""Form fields that read Vietnamese input: dd/mm/yyyy dates, decimal commas, NFC text."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from thidua.lib.dates import DateFormatError, parse_date
from thidua.lib.numbers import NumberFormatError, format_decimal, parse_decimal
from thidua.lib.text import nfc


class TextField(forms.CharField):
    """A CharField that stores NFC text with whitespace runs collapsed."""

    def to_python(self, value):
        value = super().to_python(value)
        return nfc(value) if value else value


class DateField(forms.DateField):
    """Dates typed day first: 05/06/2025 is 5 June 2025."""

    widget = forms.DateInput(
        format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off"}
    )
    default_error_messages = {"invalid": "Nhập ngày theo dạng ngày/tháng/năm, ví dụ 05/06/2025."}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return parse_date(value)
        except DateFormatError as exc:
            raise ValidationError(str(exc), code="invalid") from exc


class DecimalField(forms.DecimalField):
    """Numbers typed with a comma or a point: "9,5" and "9.5" are both 9.5."""

    default_error_messages = {"invalid": "Nhập một số, ví dụ 9,5."}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("localize", True)
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            number = parse_decimal(value)
        except NumberFormatError as exc:
            raise ValidationError(str(exc), code="invalid") from exc
        return number

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return format_decimal(value, places=self.decimal_places or 2)
        return value


class LongSelect(forms.Select):
    """A <select> of thousands of options (every unit of the army) written in one pass: Django's
    widget renders each option through a template, which makes a page of 3,000 units spend most
    of its time on the list. Same markup, every text escaped."""

    def render(self, name, value, attrs=None, renderer=None):
        from django.utils.html import escape, format_html
        from django.utils.safestring import mark_safe

        attributes = self.build_attrs(self.attrs, attrs)
        attributes["name"] = name
        selected = {str(v) for v in (value if isinstance(value, list | tuple) else [value]) if v is not None}
        head = "".join(
            f' {escape(key)}="{escape(val)}"' if val is not True else f" {escape(key)}"
            for key, val in attributes.items()
            if val is not None and val is not False
        )
        options = []
        for option_value, label in self.choices:
            text = "" if option_value is None else str(option_value)
            mark = " selected" if text in selected else ""
            options.append(f'<option value="{escape(text)}"{mark}>{escape(label)}</option>')
        return format_html("<select{}>{}</select>", mark_safe(head), mark_safe("".join(options)))
