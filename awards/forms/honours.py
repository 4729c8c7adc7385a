"""Forms of the award pages: validation and normalisation only."""

from __future__ import annotations

from django import forms

from awards.models import (
    EligibilityRule,
    Nomination,
    NominationState,
    Recipient,
    RuleKind,
    Title,
    TitleKind,
    TitleLevel,
)
from blocs.models import Unit
from thidua.lib.forms import DateField, DecimalField, TextField

REQUIRED = "{label}: không được để trống."
EXTRA_GRANTS = 3


def _required(label: str) -> dict:
    return {"required": REQUIRED.format(label=label)}


class TitleForm(forms.Form):
    name = TextField(label="Tên", max_length=200, error_messages=_required("Tên"))
    kind = forms.ChoiceField(
        label="Loại",
        choices=TitleKind.choices,
        error_messages={
            **_required("Loại"),
            "invalid_choice": "Loại: chọn Danh hiệu thi đua hoặc Hình thức khen thưởng.",
        },
    )
    level = forms.ChoiceField(
        label="Cấp khen",
        choices=TitleLevel.choices,
        error_messages={**_required("Cấp khen"), "invalid_choice": "Cấp khen: chọn một cấp trong danh sách."},
    )
    recipient = forms.ChoiceField(
        label="Đối tượng",
        choices=Recipient.choices,
        error_messages={**_required("Đối tượng"), "invalid_choice": "Đối tượng: chọn Tập thể hoặc Cá nhân."},
    )
    issuer = TextField(label="Cơ quan quyết định", max_length=200, required=False)
    is_flag = forms.BooleanField(label="Là cờ thi đua (xét cho đơn vị dẫn đầu khối/cụm)", required=False)
    quota_percent = DecimalField(
        label="Tỷ lệ tối đa (% số đơn vị thành viên)",
        required=False,
        max_digits=5,
        decimal_places=2,
        help_text="Để trống nếu không giới hạn. Ví dụ 20: khối 7 đơn vị được 1 suất (7 × 20% = 1,4, làm tròn xuống).",
    )
    quota_at_least_one = forms.BooleanField(
        label="Ít nhất một đơn vị khi làm tròn xuống bằng 0", required=False
    )
    position = forms.IntegerField(
        label="Thứ tự",
        min_value=0,
        max_value=32000,
        initial=0,
        error_messages={
            **_required("Thứ tự"),
            "invalid": "Thứ tự: nhập một số nguyên.",
            "min_value": "Thứ tự: không được âm.",
        },
    )
    active = forms.BooleanField(label="Đang dùng", required=False, initial=True)
    description = TextField(
        label="Ghi chú, căn cứ", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean_quota_percent(self):
        value = self.cleaned_data.get("quota_percent")
        if value is not None and not (0 < value <= 100):
            raise forms.ValidationError("Tỷ lệ tối đa: phải lớn hơn 0 và không quá 100%.")
        return value

    def clean(self):
        data = super().clean()
        # The shared number field's message does not name the field; prefix it.
        if "quota_percent" in self._errors:
            self._errors["quota_percent"] = self.error_class(
                [m if m.startswith("Tỷ lệ") else f"Tỷ lệ tối đa: {m}" for m in self._errors["quota_percent"]]
            )
        return data

    @staticmethod
    def initial_for(title: Title) -> dict:
        return {name: getattr(title, name) for name in TitleForm.base_fields}


class RuleForm(forms.Form):
    kind = forms.ChoiceField(
        label="Điều kiện",
        choices=RuleKind.choices,
        error_messages={
            **_required("Điều kiện"),
            "invalid_choice": "Điều kiện: chọn một loại trong danh sách.",
        },
    )
    classification = TextField(
        label="Xếp loại tối thiểu",
        max_length=50,
        required=False,
        help_text="Cho điều kiện xếp loại, ví dụ Tốt.",
    )
    number = forms.IntegerField(
        label="Số (hạng thấp nhất hoặc số năm liên tục)",
        required=False,
        min_value=1,
        max_value=100,
        error_messages={
            "invalid": "Số: nhập một số nguyên.",
            "min_value": "Số: từ 1 trở lên.",
            "max_value": "Số: không quá 100.",
        },
    )
    required_title = forms.ModelChoiceField(
        label="Danh hiệu yêu cầu",
        queryset=Title.objects.none(),
        required=False,
        help_text="Cho điều kiện đã được tặng danh hiệu khác trong năm, hoặc nhiều năm liên tục (để trống: chính danh hiệu này).",
        error_messages={"invalid_choice": "Danh hiệu yêu cầu: chọn một mục trong danh mục."},
    )
    position = forms.IntegerField(
        label="Thứ tự",
        min_value=0,
        max_value=32000,
        required=False,
        error_messages={"invalid": "Thứ tự: nhập một số nguyên.", "min_value": "Thứ tự: không được âm."},
    )

    def __init__(self, *args, title: Title, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["required_title"].queryset = Title.objects.exclude(pk=title.pk).order_by(
            "kind", "position", "name"
        )

    def cleaned_rule(self) -> dict:
        data = dict(self.cleaned_data)
        data["classification"] = data.get("classification") or ""
        if data.get("position") is None:
            data.pop("position", None)
        return data

    @staticmethod
    def initial_for(rule: EligibilityRule) -> dict:
        return {
            "kind": rule.kind,
            "classification": rule.classification,
            "number": rule.number,
            "required_title": rule.required_title_id,
            "position": rule.position,
        }


class NominationAddForm(forms.Form):
    unit = forms.ModelChoiceField(
        label="Đơn vị",
        queryset=Unit.objects.none(),
        error_messages={
            **_required("Đơn vị"),
            "invalid_choice": "Đơn vị: chọn một đơn vị thành viên của khối/cụm.",
        },
    )
    title = forms.ModelChoiceField(
        label="Danh hiệu, hình thức khen thưởng",
        queryset=Title.objects.none(),
        error_messages={
            **_required("Danh hiệu, hình thức khen thưởng"),
            "invalid_choice": "Danh hiệu, hình thức khen thưởng: chọn một mục đang dùng dành cho tập thể.",
        },
    )
    justification = TextField(
        label="Giải trình (khi không đủ điều kiện hoặc vượt chỉ tiêu)",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Được in dưới đề nghị trên danh sách trình cấp trên.",
        error_messages={"max_length": "Giải trình: tối đa 2.000 ký tự."},
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["title"].queryset = Title.objects.filter(
            active=True, recipient=Recipient.COLLECTIVE
        ).order_by("kind", "position", "name")


class JustifyForm(forms.Form):
    justification = TextField(
        label="Giải trình",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Lý do vẫn đề nghị dù không đủ điều kiện hoặc vượt chỉ tiêu; được in trên danh sách.",
        error_messages={**_required("Giải trình"), "max_length": "Giải trình: tối đa 2.000 ký tự."},
    )


class DecideForm(forms.Form):
    approve = forms.TypedChoiceField(
        label="Ý kiến",
        choices=[("1", "Đồng ý"), ("0", "Không đồng ý")],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
        error_messages={**_required("Ý kiến"), "invalid_choice": "Ý kiến: chọn Đồng ý hoặc Không đồng ý."},
    )
    reason = TextField(
        label="Lý do",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Bắt buộc khi không đồng ý.",
        error_messages={"max_length": "Lý do: tối đa 1.000 ký tự."},
    )

    def clean(self):
        data = super().clean()
        if data.get("approve") is False and not data.get("reason"):
            self.add_error("reason", "Lý do: ghi lý do không đồng ý.")
        return data


class DecisionForm(forms.Form):
    number = TextField(label="Số quyết định", max_length=60, error_messages=_required("Số quyết định"))
    signed_on = DateField(label="Ngày ký", error_messages=_required("Ngày ký"))
    issuer = TextField(
        label="Cấp quyết định",
        max_length=200,
        error_messages=_required("Cấp quyết định"),
        help_text="Ví dụ: Bộ trưởng Bộ Quốc phòng.",
    )
    year = forms.IntegerField(
        label="Năm thi đua được khen",
        min_value=1945,
        max_value=2200,
        error_messages={
            **_required("Năm thi đua được khen"),
            "invalid": "Năm thi đua được khen: nhập năm, ví dụ 2024.",
            "min_value": "Năm thi đua được khen: không hợp lệ.",
            "max_value": "Năm thi đua được khen: không hợp lệ.",
        },
    )
    summary = TextField(label="Trích yếu", max_length=500, required=False)
    nominations = forms.ModelMultipleChoiceField(
        label="Khen theo đề nghị đã được đồng ý",
        queryset=Nomination.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Khen theo đề nghị: chọn trong các đề nghị đã được đồng ý."},
    )
    note = TextField(
        label="Ghi chú khi quyết định không khớp đề nghị",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": "Ghi chú: tối đa 500 ký tự."},
    )

    def __init__(self, *args, units, nomination_list=None, **kwargs):
        super().__init__(*args, **kwargs)
        if nomination_list is not None:
            self.fields["nominations"].queryset = nomination_list.nominations.filter(
                state=NominationState.APPROVED
            ).select_related("unit", "title")
            self.fields["nominations"].label_from_instance = lambda n: f"{n.unit.name} – {n.title.name}"
        else:
            del self.fields["nominations"]
        titles = Title.objects.filter(active=True, recipient=Recipient.COLLECTIVE).order_by(
            "kind", "position", "name"
        )
        for index in range(1, EXTRA_GRANTS + 1):
            self.fields[f"unit_{index}"] = forms.ModelChoiceField(
                label=f"Đơn vị khác {index}",
                queryset=units,
                required=False,
                error_messages={"invalid_choice": f"Đơn vị khác {index}: chọn một đơn vị thành viên."},
            )
            self.fields[f"title_{index}"] = forms.ModelChoiceField(
                label=f"Danh hiệu cho đơn vị khác {index}",
                queryset=titles,
                required=False,
                error_messages={
                    "invalid_choice": f"Danh hiệu cho đơn vị khác {index}: chọn một mục trong danh mục."
                },
            )

    def clean(self):
        data = super().clean()
        # The shared date field's message does not name the field; prefix it.
        if "signed_on" in self._errors:
            self._errors["signed_on"] = self.error_class(
                [m if m.startswith("Ngày ký") else f"Ngày ký: {m}" for m in self._errors["signed_on"]]
            )
        grants = [(n.unit, n.title) for n in data.get("nominations") or []]
        for index in range(1, EXTRA_GRANTS + 1):
            unit, title = data.get(f"unit_{index}"), data.get(f"title_{index}")
            if unit and not title:
                self.add_error(
                    f"title_{index}", f"Danh hiệu cho đơn vị khác {index}: chọn danh hiệu được khen."
                )
            elif title and not unit:
                self.add_error(f"unit_{index}", f"Đơn vị khác {index}: chọn đơn vị được khen.")
            elif unit and title:
                grants.append((unit, title))
        if not grants and not self.errors:
            target = "nominations" if "nominations" in self.fields else "unit_1"
            self.add_error(target, "Đơn vị được khen: chọn ít nhất một đơn vị.")
        data["grants"] = grants
        return data
