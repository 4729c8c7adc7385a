"""Forms of the campaign and drive pages: validation and normalisation only; the services
save. Every message names the field and the rule."""

from __future__ import annotations

from datetime import date

from django import forms
from django.core.exceptions import ValidationError

from blocs.models import Bloc
from campaigns.models import Campaign, Drive
from thidua.lib import forms as vn_forms
from thidua.lib.text import nfc

MIN_YEAR, MAX_YEAR = 1945, 2200
MAX_TARGETS = 30
MAX_TARGET_LENGTH = 300


def duplicate_year_message() -> str:
    """The model's own words for a second campaign of a bloc in one year."""
    (constraint,) = (c for c in Campaign._meta.constraints if c.name == "campaign_one_per_bloc_year")
    return str(constraint.violation_error_message)


def default_name(year: int) -> str:
    return f"Phong trào Thi đua Quyết thắng năm {year}"


def _text(label: str, *, max_length: int, required: bool = True, **kwargs) -> vn_forms.TextField:
    return vn_forms.TextField(
        label=label,
        max_length=max_length,
        required=required,
        error_messages={
            "required": f"{label} không được để trống.",
            "max_length": f"{label} dài tối đa %(limit_value)d ký tự (đang có %(show_value)d ký tự).",
        },
        **kwargs,
    )


def _textarea(label: str, *, max_length: int, rows: int, **kwargs) -> vn_forms.TextField:
    return _text(
        label, max_length=max_length, required=False, widget=forms.Textarea(attrs={"rows": rows}), **kwargs
    )


class _DateField(vn_forms.DateField):
    """A dd/mm/yyyy date whose errors start with the field's label."""

    def __init__(self, *, label: str, required: bool = True, **kwargs):
        super().__init__(
            label=label,
            required=required,
            error_messages={"required": f"{label} không được để trống."},
            **kwargs,
        )

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError as exc:
            raise ValidationError(f"{self.label}: {exc.messages[0]}", code="invalid") from exc


def _year_field(label: str = "Năm", **kwargs) -> forms.IntegerField:
    field = forms.IntegerField(
        label=label,
        min_value=MIN_YEAR,
        max_value=MAX_YEAR,
        error_messages={
            "required": f"{label} không được để trống.",
            "invalid": "Năm phải là một số, ví dụ 2025.",
            "min_value": "Năm phải từ %(limit_value)s trở đi.",
            "max_value": "Năm phải trước hoặc bằng %(limit_value)s.",
        },
        **kwargs,
    )
    field.widget.attrs.update({"inputmode": "numeric"})
    return field


class CampaignForm(forms.Form):
    """A campaign's editable fields; the year only when creating (a campaign keeps its year)."""

    year = _year_field(help_text="Mỗi khối/cụm có một phong trào thi đua cho mỗi năm.")
    name = _text(
        "Tên phong trào", max_length=200, help_text="Ví dụ: Phong trào Thi đua Quyết thắng năm 2025."
    )
    theme = _text("Chủ đề", max_length=300, required=False)
    guiding_idea = _textarea("Tư tưởng chỉ đạo", max_length=2000, rows=3)
    starts_on = _DateField(label="Ngày bắt đầu", help_text="Thường là 01/01 của năm.")
    ends_on = _DateField(label="Ngày kết thúc", help_text="Thường là 31/12 của năm.")
    launched_on = _DateField(
        label="Ngày phát động",
        required=False,
        help_text="Để trống nếu chưa phát động; khi bấm “Phát động”, hệ thống ghi ngày hôm đó.",
    )

    def __init__(self, *args, bloc: Bloc, campaign: Campaign | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.bloc = bloc
        self.campaign = campaign
        if campaign is not None:
            del self.fields["year"]

    @classmethod
    def initial_for_year(cls, year: int) -> dict:
        starts_on, ends_on = Campaign.default_dates(year)
        return {"year": year, "name": default_name(year), "starts_on": starts_on, "ends_on": ends_on}

    @classmethod
    def initial_for(cls, campaign: Campaign) -> dict:
        return {name: getattr(campaign, name) for name in cls.base_fields if name != "year"}

    def clean_year(self) -> int:
        year = self.cleaned_data["year"]
        if Campaign.objects.filter(bloc=self.bloc, year=year).exists():
            raise ValidationError(duplicate_year_message(), code="unique")
        return year

    def clean(self) -> dict:
        """Dates inside the year, end after start: checked here too, with the model's own
        rule and words, so that every mistake is shown at once (the service checks again)."""
        data = super().clean()
        year = self.campaign.year if self.campaign is not None else data.get("year")
        if year is not None:
            dates = {name: data.get(name) for name in ("starts_on", "ends_on", "launched_on")}
            _add_model_errors(self, Campaign(year=year, **dates))
        return data


def _add_model_errors(form: forms.Form, probe) -> None:
    """Run a model's `clean()` on an unsaved copy and show its errors under the fields that
    have no error yet."""
    try:
        probe.clean()
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            if field in form.fields and field not in form.errors:
                form.add_error(field, messages)


class CampaignCopyForm(forms.Form):
    source = forms.TypedChoiceField(
        label="Sao chép từ phong trào",
        coerce=int,
        error_messages={
            "required": "Chọn phong trào để sao chép.",
            "invalid_choice": "Phong trào để sao chép phải là một phong trào của khối/cụm này.",
        },
    )
    year = _year_field("Năm của phong trào mới")

    def __init__(self, *args, bloc: Bloc, sources: list[Campaign], **kwargs):
        """`sources`: the bloc's campaigns, already loaded (the choices cost no query)."""
        super().__init__(*args, **kwargs)
        self.bloc = bloc
        self.sources = {campaign.pk: campaign for campaign in sources}
        self.fields["source"].choices = [(c.pk, f"{c.year} – {c.name}") for c in sources]

    def clean_source(self) -> Campaign:
        return self.sources[self.cleaned_data["source"]]

    def clean_year(self) -> int:
        year = self.cleaned_data["year"]
        if Campaign.objects.filter(bloc=self.bloc, year=year).exists():
            raise ValidationError(duplicate_year_message(), code="unique")
        return year

    def clean(self):
        data = super().clean()
        source, year = data.get("source"), data.get("year")
        if source is not None and year is not None and year <= source.year:
            self.add_error(
                "year", f"Năm của phong trào mới phải sau năm của phong trào được sao chép ({source.year})."
            )
        return data


class TargetsField(forms.CharField):
    """Targets typed one per line, returned as a list of strings (blank lines dropped)."""

    widget = forms.Textarea(attrs={"rows": 5})

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(strip=False, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(value)
        return value

    def to_python(self, value) -> list[str]:
        text = super().to_python(value) or ""
        targets = [line for line in (nfc(raw) for raw in text.splitlines()) if line]
        errors = [
            f"Chỉ tiêu thứ {number} dài tối đa {MAX_TARGET_LENGTH} ký tự (đang có {len(target)} ký tự)."
            for number, target in enumerate(targets, start=1)
            if len(target) > MAX_TARGET_LENGTH
        ]
        if len(targets) > MAX_TARGETS:
            errors.insert(
                0, f"Danh sách chỉ tiêu có tối đa {MAX_TARGETS} dòng (đang có {len(targets)} dòng)."
            )
        if errors:
            raise ValidationError(errors)
        return targets


class DriveForm(forms.Form):
    name = _text(
        "Tên đợt thi đua", max_length=200, help_text="Ví dụ: Đợt thi đua cao điểm chào mừng ngày 22/12."
    )
    starts_on = _DateField(label="Ngày bắt đầu")
    ends_on = _DateField(label="Ngày kết thúc")
    contents = _textarea("Nội dung", max_length=5000, rows=4)
    targets = TargetsField(
        label="Chỉ tiêu",
        help_text=f"Mỗi dòng một chỉ tiêu; tối đa {MAX_TARGETS} chỉ tiêu, mỗi chỉ tiêu tối đa {MAX_TARGET_LENGTH} ký tự.",
    )

    def __init__(self, *args, campaign: Campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign = campaign

    def clean(self) -> dict:
        """Inside the campaign's dates, end not before start (the model's rule and words)."""
        data = super().clean()
        _add_model_errors(
            self, Drive(campaign=self.campaign, starts_on=data.get("starts_on"), ends_on=data.get("ends_on"))
        )
        return data

    @classmethod
    def initial_for(cls, drive) -> dict:
        return {name: getattr(drive, name) for name in cls.base_fields}

    @classmethod
    def initial_in(cls, campaign: Campaign, today: date) -> dict:
        start = min(max(today, campaign.starts_on), campaign.ends_on)
        return {"starts_on": start}
