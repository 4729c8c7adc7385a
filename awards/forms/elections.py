"""Forms of the suy tôn pages: validation and normalisation only; the services save.

Every message names the field and the rule. Each voting form carries the number of the round
it was loaded for, so that a page left open while a run-off began never puts a ballot into a
round its user has not seen."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from awards.models import Candidate
from awards.selectors.elections import RoundView
from blocs.models import Unit
from thidua.lib import forms as vn_forms

BLANK = "trang"
MAX_BALLOTS = 1000


def add_service_errors(
    form: forms.Form, error: ValidationError, aliases: dict[str, str] | None = None
) -> None:
    """Put a service's ValidationError on the field it names (through `aliases` when the
    service's name differs), else at the top of the form."""
    aliases = aliases or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        name = aliases.get(name, name)
        target = name if name in form.fields else None
        for item in errors:
            form.add_error(target, item)


class _RoundForm(forms.Form):
    """A form tied to the open ballot round it was loaded for."""

    round_number = forms.IntegerField(
        widget=forms.HiddenInput,
        error_messages={
            "required": "Lần bỏ phiếu: thiếu số lần bỏ phiếu; hãy tải lại trang.",
            "invalid": "Lần bỏ phiếu: số lần bỏ phiếu không hợp lệ; hãy tải lại trang.",
        },
    )

    def __init__(self, *args, current: RoundView | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.current = current
        if current is not None:
            self.fields["round_number"].initial = current.number

    def clean_round_number(self) -> int:
        number = self.cleaned_data["round_number"]
        if self.current is None:
            raise ValidationError("Lần bỏ phiếu: hiện không có lần bỏ phiếu nào đang mở.")
        if number != self.current.number:
            raise ValidationError(
                f"Lần bỏ phiếu thứ {number} đã kiểm phiếu; hiện đang bỏ phiếu lần thứ {self.current.number}. "
                "Hãy xem lại phiếu bầu mới rồi thực hiện lại."
            )
        return number


class CandidateAddForm(forms.Form):
    unit = forms.TypedChoiceField(
        label="Đơn vị bổ sung",
        coerce=int,
        error_messages={
            "required": "Đơn vị bổ sung: chọn một đơn vị thành viên.",
            "invalid_choice": "Đơn vị bổ sung: đơn vị đã chọn không phải là đơn vị thành viên của khối/cụm "
            "hoặc đã có trong danh sách suy tôn.",
        },
    )

    def __init__(self, *args, units: list[Unit], **kwargs):
        super().__init__(*args, **kwargs)
        self._units = {unit.pk: unit for unit in units}
        self.fields["unit"].choices = [("", "— Chọn đơn vị —"), *((u.pk, u.name) for u in units)]

    def clean_unit(self) -> Unit:
        return self._units[self.cleaned_data["unit"]]


class BallotForm(_RoundForm):
    """A leader's ballot: one unit on the ballot, or a blank ballot; his password again."""

    unit = forms.TypedChoiceField(
        label="Bỏ phiếu thay mặt đơn vị",
        coerce=int,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={
            "required": "Đơn vị bỏ phiếu: chọn đơn vị mà đồng chí bỏ phiếu thay mặt.",
            "invalid_choice": "Đơn vị bỏ phiếu: đồng chí chỉ bỏ phiếu được cho đơn vị mình chỉ huy, có mặt tại "
            "hội nghị và chưa bỏ phiếu lần này.",
        },
    )
    candidate = forms.ChoiceField(
        label="Đơn vị đồng chí suy tôn",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Đơn vị suy tôn: chọn một đơn vị trên phiếu, hoặc chọn phiếu trắng.",
            "invalid_choice": "Đơn vị suy tôn: đơn vị đã chọn không có trên phiếu bầu lần này.",
        },
    )
    password = forms.CharField(
        label="Mật khẩu đăng nhập (xác nhận phiếu bầu)",
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={
            "required": "Mật khẩu: nhập mật khẩu đăng nhập của đồng chí để xác nhận phiếu bầu.",
            "max_length": "Mật khẩu dài tối đa %(limit_value)d ký tự.",
        },
        help_text="Nhập lại mật khẩu đồng chí dùng để đăng nhập. Phiếu bầu không ghi tên người bỏ phiếu.",
    )

    def __init__(self, *args, user, units: list[Unit], ready: list[Unit], **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self._units = {unit.pk: unit for unit in units}
        self._candidates = {c.pk: c for c in (self.current.candidates if self.current else [])}
        unit = self.fields["unit"]
        unit.choices = [(u.pk, u.name) for u in ready]
        if len(ready) == 1:
            unit.widget = forms.HiddenInput()
            unit.initial = ready[0].pk
        self.fields["candidate"].choices = [
            *((c.pk, c.unit.name) for c in self._candidates.values()),
            (BLANK, "Phiếu trắng (không suy tôn đơn vị nào)"),
        ]

    def clean_unit(self) -> Unit:
        return self._units[self.cleaned_data["unit"]]

    def clean_candidate(self) -> Candidate | None:
        value = self.cleaned_data["candidate"]
        return None if value == BLANK else self._candidates[int(value)]

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError(
                "Mật khẩu không đúng. Hãy nhập lại mật khẩu đăng nhập của đồng chí để xác nhận phiếu bầu.",
                code="wrong_password",
            )
        return password


def _count_field(label: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=MAX_BALLOTS,
        initial=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "text-end"}),
        error_messages={
            "required": f"{label}: nhập số phiếu (ghi 0 nếu không có).",
            "invalid": f"{label}: nhập một số nguyên, ví dụ 3.",
            "min_value": f"{label}: số phiếu không được âm.",
            "max_value": f"{label}: tối đa %(limit_value)s phiếu.",
        },
    )


class PaperBallotsForm(_RoundForm):
    """What the secretariat read from the paper ballots of the open round."""

    invalid = _count_field("Phiếu trắng, không hợp lệ")
    voted_units = forms.TypedMultipleChoiceField(
        label="Đơn vị đã bỏ phiếu giấy",
        coerce=int,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        error_messages={
            "required": "Đơn vị đã bỏ phiếu giấy: đánh dấu các đơn vị đã bỏ phiếu vào hòm phiếu.",
            "invalid_choice": "Đơn vị đã bỏ phiếu giấy: đơn vị đã chọn không có mặt tại hội nghị "
            "hoặc đã bỏ phiếu lần này.",
        },
    )

    def __init__(self, *args, units: list[Unit], **kwargs):
        super().__init__(*args, **kwargs)
        self._units = {unit.pk: unit for unit in units}
        self.fields["voted_units"].choices = [(u.pk, u.name) for u in units]
        counts = {
            self.count_name(c): _count_field(f"Số phiếu bầu {c.unit.name}")
            for c in (self.current.candidates if self.current else [])
        }
        # Candidates first, then the blank ones, then the units: the order of the paper tally.
        invalid = self.fields.pop("invalid")
        voted_units = self.fields.pop("voted_units")
        self.fields.update(counts)
        self.fields["invalid"] = invalid
        self.fields["voted_units"] = voted_units

    @staticmethod
    def count_name(candidate: Candidate) -> str:
        return f"votes_{candidate.pk}"

    @property
    def count_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("votes_")]

    def clean_voted_units(self) -> list[Unit]:
        return [self._units[pk] for pk in self.cleaned_data["voted_units"]]

    def counts(self) -> dict[int, int]:
        """Votes per candidate id, from the cleaned data."""
        return {
            c.pk: self.cleaned_data[self.count_name(c)]
            for c in (self.current.candidates if self.current else [])
        }

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        ballots = sum(self.counts().values()) + cleaned["invalid"]
        marked = len(cleaned["voted_units"])
        if ballots != marked:
            raise ValidationError(
                f"Tổng số phiếu giấy ({ballots}) phải bằng số đơn vị được đánh dấu đã bỏ phiếu giấy ({marked}): "
                "mỗi đơn vị bỏ đúng một phiếu."
            )
        return cleaned


class CountForm(_RoundForm):
    """Counting a round: no field but the round it was loaded for."""


class AbandonForm(forms.Form):
    reason = vn_forms.TextField(
        label="Lý do kết thúc bỏ phiếu",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Lý do kết thúc bỏ phiếu không được để trống.",
            "max_length": "Lý do kết thúc bỏ phiếu dài tối đa %(limit_value)d ký tự (đang có %(show_value)d ký tự).",
        },
        help_text="Ví dụ: Bỏ phiếu lại lần 3 vẫn bằng phiếu; hội nghị thống nhất xét đơn vị dẫn đầu theo điểm.",
    )
