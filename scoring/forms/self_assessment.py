"""Forms of a unit's self-assessment: its points and notes, an evidence file. Validation and
normalisation only; `self_card_save` and `score_evidence_attach` decide and write.

Like the secretariat's grid, the form sends the service only what the user changed: a hidden
`loaded` field carries the points and notes the page was loaded with. So after a conflict
(someone saved the card meanwhile) the page can take the other person's values for every
cell this user did not touch, and a second save never puts back values nobody typed."""

from __future__ import annotations

import json
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from scoring.models import Criterion, CriterionKind, Score
from scoring.services.evidence import ACCEPT_ATTRIBUTE, evidence_max_bytes, megabytes
from scoring.services.score_excel import normalise_points
from scoring.services.scorecards import MAX_NOTE, check_points
from thidua.lib import forms as vn_forms
from thidua.lib.numbers import NumberFormatError, parse_decimal

Loaded = dict[int, tuple[Decimal | None, str]]


def points_name(criterion_id: int) -> str:
    return f"points_{criterion_id}"


def note_name(criterion_id: int) -> str:
    return f"note_{criterion_id}"


def encode_loaded(scores: dict[int, Score]) -> str:
    return json.dumps(
        {str(pk): [str(score.points), score.note] for pk, score in sorted(scores.items())},
        ensure_ascii=False,
        separators=(",", ":"),
    )


def decode_loaded(text: str) -> Loaded | None:
    """What the page was loaded with, or None when the field is missing or not ours."""
    try:
        raw = json.loads(text or "")
        return {
            int(pk): (parse_decimal(points) if points is not None else None, str(note))
            for pk, (points, note) in raw.items()
        }
    except (ValueError, TypeError, AttributeError, NumberFormatError):
        return None


class SelfAssessmentForm(forms.Form):
    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    loaded = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, data=None, *, leaves: list[Criterion], scores: dict[int, Score], version: int):
        self.leaves = leaves
        self.with_evidence = {pk for pk, score in scores.items() if score.evidence}
        initial: dict = {"version": version, "loaded": encode_loaded(scores)}
        for leaf in leaves:
            if score := scores.get(leaf.pk):
                initial[points_name(leaf.pk)] = score.points
                initial[note_name(leaf.pk)] = score.note
        super().__init__(data, initial=initial)
        for leaf in leaves:
            is_veto = leaf.kind == CriterionKind.VETO
            # No decimal_places: "9,500" is normalised to 9.5 in clean(), and the rules (not
            # Django's validator) say what is wrong with a third decimal.
            points = vn_forms.DecimalField(required=False, label=f"Điểm tiêu chí {leaf.code}")
            points.widget.attrs.update(
                {
                    "class": "form-control form-control-sm text-end points-input",
                    "autocomplete": "off",
                    "placeholder": "0 / 1" if is_veto else "",
                    "aria-describedby": f"max-{leaf.pk}",
                }
            )
            self.fields[points_name(leaf.pk)] = points
            self.fields[note_name(leaf.pk)] = vn_forms.TextField(
                required=False,
                max_length=MAX_NOTE,
                label=f"Ghi chú tiêu chí {leaf.code}",
                error_messages={"max_length": f"Ghi chú tối đa {MAX_NOTE} ký tự (đang có %(show_value)d)."},
                widget=forms.Textarea(
                    attrs={
                        "rows": 1,
                        "class": "form-control form-control-sm note-input",
                        "placeholder": "Ghi chú, căn cứ chấm (không bắt buộc)",
                        "maxlength": MAX_NOTE,
                    }
                ),
            )

    def clean_loaded(self) -> Loaded | None:
        return decode_loaded(self.cleaned_data.get("loaded", ""))

    def clean(self):
        cleaned = super().clean()
        for leaf in self.leaves:
            value = cleaned.get(points_name(leaf.pk))
            if value is not None:
                value = cleaned[points_name(leaf.pk)] = normalise_points(value)
            note = cleaned.get(note_name(leaf.pk)) or ""
            if value is not None and (problem := check_points(leaf, value)):
                self.add_error(points_name(leaf.pk), problem)
            if value is None and leaf.pk in self.with_evidence:
                self.add_error(
                    points_name(leaf.pk),
                    f"Tiêu chí {leaf.code} có minh chứng đính kèm; hãy gỡ minh chứng trước khi xóa điểm.",
                )
            elif note and value is None and points_name(leaf.pk) not in self.errors:
                self.add_error(
                    note_name(leaf.pk),
                    f"Tiêu chí {leaf.code}: ghi chú phải đi kèm điểm; hãy nhập điểm hoặc xóa ghi chú.",
                )
        return cleaned

    # --- What the service receives ------------------------------------------------------------

    def _loaded(self) -> Loaded:
        loaded = self.cleaned_data.get("loaded")
        return loaded if loaded is not None else {}

    def _changed(self, leaf: Criterion) -> tuple[bool, bool]:
        """(points changed, note changed) against what the page was loaded with. Without a
        usable `loaded` field every cell counts as changed."""
        if self.cleaned_data.get("loaded") is None:
            return True, True
        old_points, old_note = self._loaded().get(leaf.pk, (None, ""))
        value = self.cleaned_data.get(points_name(leaf.pk))
        note = self.cleaned_data.get(note_name(leaf.pk)) or ""
        return value != old_points, note != old_note

    @property
    def entries(self) -> dict[int, Decimal | None]:
        return {
            leaf.pk: self.cleaned_data.get(points_name(leaf.pk))
            for leaf in self.leaves
            if self._changed(leaf)[0]
        }

    @property
    def notes(self) -> dict[int, str]:
        """Notes of the cells whose points or note changed (a cleared cell takes its note away)."""
        return {
            leaf.pk: self.cleaned_data.get(note_name(leaf.pk)) or ""
            for leaf in self.leaves
            if any(self._changed(leaf)) and self.cleaned_data.get(points_name(leaf.pk)) is not None
        }

    def add_cell_errors(self, cells: dict[tuple[int, int], str], general: list[str]) -> None:
        for (_unit_id, criterion_id), message in cells.items():
            name = points_name(criterion_id)
            self.add_error(name if name in self.fields else None, message)
        for message in general:
            self.add_error(None, message)

    def rebase(self, *, scores: dict[int, Score], version: int) -> None:
        """After a conflict: load the card as it is now. Cells this user changed keep what he
        typed; the others take the values saved meanwhile."""
        old = self.cleaned_data.get("loaded") or {}
        data = self.data.copy()
        for leaf in self.leaves:
            typed_points = self.cleaned_data.get(points_name(leaf.pk))
            typed_note = self.cleaned_data.get(note_name(leaf.pk)) or ""
            old_points, old_note = old.get(leaf.pk, (None, ""))
            current = scores.get(leaf.pk)
            if typed_points == old_points and typed_note == old_note:
                data[points_name(leaf.pk)] = (
                    self.fields[points_name(leaf.pk)].prepare_value(current.points if current else None) or ""
                )
                data[note_name(leaf.pk)] = current.note if current else ""
        data["version"] = str(version)
        data["loaded"] = encode_loaded(scores)
        self.data = data
        self._errors = None  # validated again against the new data when rendered


class EvidenceForm(forms.Form):
    file = forms.FileField(
        label="Tệp minh chứng",
        error_messages={
            "required": "Hãy chọn tệp minh chứng cần tải lên.",
            "empty": "Tệp rỗng, không có nội dung.",
            "invalid": "Không nhận được tệp; hãy chọn lại tệp.",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ACCEPT_ATTRIBUTE

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = evidence_max_bytes()
        if upload.size > limit:
            raise ValidationError(
                f"Tệp “{upload.name[:80]}” nặng {megabytes(upload.size)} MB; minh chứng tối đa {megabytes(limit)} MB.",
                code="too_big",
            )
        return upload


class SubmitForm(forms.Form):
    """The leader's "send": the card version he saw, so that he never sends a card someone
    changed after he read it."""

    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
