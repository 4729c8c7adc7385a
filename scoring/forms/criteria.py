"""Forms of the criteria pages: validation and normalisation only; the services save.
Every message names the field and the rule."""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from campaigns.models import PledgeItem
from scoring.models import CriteriaSet, Criterion, CriterionKind
from thidua.lib import forms as vn_forms

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
CODE_PATTERN = re.compile(r"^[0-9A-Za-z]+(\.[0-9A-Za-z]+)*$")
CAPPED = (CriterionKind.BONUS, CriterionKind.PENALTY)
NO_PARENT = "Không – đây là một nhóm tiêu chí"


def duplicate_code_message() -> str:
    """The model's own words for a second criterion with the same code in a set."""
    (constraint,) = (c for c in Criterion._meta.constraints if c.name == "criterion_code_unique_in_set")
    return str(constraint.violation_error_message)


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


class LabelledDecimalField(vn_forms.DecimalField):
    """A number typed with a comma or a point whose format errors start with the label."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError as exc:
            raise ValidationError(f"{self.label}: {exc.messages[0]}", code="invalid") from exc


def _points_field(label: str, **kwargs) -> LabelledDecimalField:
    return LabelledDecimalField(
        label=label,
        required=False,
        max_digits=6,
        decimal_places=2,
        error_messages={
            "max_digits": f"{label}: tối đa 4 chữ số phần nguyên và 2 chữ số thập phân.",
            "max_decimal_places": f"{label}: tối đa 2 chữ số sau dấu phẩy.",
            "max_whole_digits": f"{label}: tối đa 4 chữ số phần nguyên.",
        },
        **kwargs,
    )


def _pledge_item_label(item: PledgeItem) -> str:
    text = item.indicator or item.content
    text = text if len(text) <= 90 else text[:89] + "…"
    return f"{item.pledge.title} – mục {item.position}: {text}"


def _node_label(node: Criterion, depth: int) -> str:
    title = node.title if len(node.title) <= 70 else node.title[:69] + "…"
    return f"{'— ' * depth}{node.code}. {title}"


class CriterionForm(forms.Form):
    """Add or edit one node of a set. `nodes` is the set's tree as (node, depth) in display
    order and `pledge_items` the campaign's pledge items, both already loaded (no query)."""

    parent = forms.TypedChoiceField(
        label="Thuộc nhóm / tiêu chí",
        coerce=int,
        required=False,
        empty_value=None,
        help_text="Để trống nếu đây là một nhóm tiêu chí. Tiêu chí con theo loại điểm của nhóm.",
        error_messages={
            "invalid_choice": "Nhóm cha phải là một nhóm hoặc tiêu chí của bộ tiêu chí này (tối đa 3 cấp)."
        },
    )
    code = _text(
        "Mã", max_length=20, help_text="Ví dụ: 2 cho nhóm, 2.3 cho tiêu chí, 2.3.1 cho tiêu chí con."
    )
    title = _text("Nội dung tiêu chí", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    kind = forms.ChoiceField(
        label="Loại điểm",
        choices=CriterionKind.choices,
        initial=CriterionKind.STANDARD,
        help_text="Chỉ chọn cho nhóm; tiêu chí và tiêu chí con luôn cùng loại với nhóm của nó.",
        error_messages={
            "invalid_choice": "Loại điểm phải là điểm chuẩn, điểm thưởng, điểm trừ hoặc phủ quyết."
        },
    )
    max_points = _points_field(
        "Điểm tối đa",
        help_text=(
            "Bắt buộc với tiêu chí được chấm; nhóm điểm thưởng, điểm trừ ghi mức tối đa của cả nhóm. "
            "Nhóm điểm chuẩn và tiêu chí có tiêu chí con để trống (tự cộng). Tiêu chí phủ quyết không có điểm."
        ),
    )
    is_core = forms.BooleanField(
        label="Nhóm nhiệm vụ trọng tâm",
        required=False,
        help_text="Chỉ đánh dấu ở nhóm; dùng để xét thứ hạng khi bằng điểm.",
    )
    pledge_item = forms.TypedChoiceField(
        label="Đo kết quả của nội dung giao ước",
        coerce=int,
        required=False,
        empty_value=None,
        help_text="Không bắt buộc: nội dung giao ước mà tiêu chí này đo mức thực hiện.",
        error_messages={"invalid_choice": "Nội dung giao ước phải thuộc một giao ước của phong trào này."},
    )

    def __init__(
        self,
        *args,
        criteria_set: CriteriaSet,
        nodes: list[tuple[Criterion, int]],
        pledge_items: list[PledgeItem],
        criterion: Criterion | None = None,
        has_children: bool = False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.criteria_set = criteria_set
        self.criterion = criterion
        self.has_children = has_children
        excluded = self._subtree_ids(nodes, criterion) if criterion else set()
        # A parent must leave room for the node (and its own children) within three levels.
        height = self._height(nodes, criterion) if criterion else 0
        self.parents = {
            node.pk: node for node, depth in nodes if node.pk not in excluded and depth + height < 2
        }
        self.fields["parent"].choices = [("", NO_PARENT)] + [
            (node.pk, _node_label(node, depth)) for node, depth in nodes if node.pk in self.parents
        ]
        self.items = {item.pk: item for item in pledge_items}
        self.fields["pledge_item"].choices = [("", "— Không —")] + [
            (item.pk, _pledge_item_label(item)) for item in pledge_items
        ]
        self.fields["max_points"].widget.attrs["placeholder"] = "ví dụ 5 hoặc 2,5"

    @staticmethod
    def _subtree_ids(nodes: list[tuple[Criterion, int]], criterion: Criterion) -> set[int]:
        children: dict[int | None, list[int]] = {}
        for node, _depth in nodes:
            children.setdefault(node.parent_id, []).append(node.pk)
        found, stack = {criterion.pk}, [criterion.pk]
        while stack:
            for child in children.get(stack.pop(), []):
                found.add(child)
                stack.append(child)
        return found

    @staticmethod
    def _height(nodes: list[tuple[Criterion, int]], criterion: Criterion) -> int:
        """Levels below `criterion` (0 for a leaf)."""
        depths = {node.pk: depth for node, depth in nodes}
        subtree = CriterionForm._subtree_ids(nodes, criterion)
        return max(depths[pk] for pk in subtree) - depths[criterion.pk]

    @classmethod
    def initial_for(cls, criterion: Criterion, *, has_children: bool) -> dict:
        computed = has_children and not (criterion.parent_id is None and criterion.kind in CAPPED)
        return {
            "parent": criterion.parent_id,
            "code": criterion.code,
            "title": criterion.title,
            "kind": criterion.kind,
            "max_points": None if computed else criterion.max_points,
            "is_core": criterion.is_core,
            "pledge_item": criterion.pledge_item_id,
        }

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].rstrip(".")
        if not CODE_PATTERN.match(code):
            raise ValidationError(
                "Mã chỉ gồm chữ số hoặc chữ cái không dấu, các cấp ngăn bằng dấu chấm, ví dụ 2.3 hoặc 2.3.1."
            )
        others = self.criteria_set.criteria.filter(code=code)
        if self.criterion is not None:
            others = others.exclude(pk=self.criterion.pk)
        if others.exists():
            raise ValidationError(duplicate_code_message(), code="unique")
        return code

    def clean_parent(self) -> Criterion | None:
        pk = self.cleaned_data["parent"]
        return None if pk is None else self.parents[pk]

    def clean_pledge_item(self) -> PledgeItem | None:
        pk = self.cleaned_data["pledge_item"]
        return None if pk is None else self.items[pk]

    def clean_max_points(self) -> Decimal | None:
        value = self.cleaned_data["max_points"]
        if value is not None and value <= 0:
            raise ValidationError("Điểm tối đa phải lớn hơn 0.")
        return value

    def clean(self):
        data = super().clean()
        if "parent" not in data:
            return data
        parent = data["parent"]
        if parent is not None:
            data["kind"] = parent.kind
            if data.get("is_core"):
                self.add_error(
                    "is_core", "Chỉ nhóm tiêu chí (không thuộc nhóm nào) mới đánh dấu nhiệm vụ trọng tâm."
                )
        kind = data.get("kind")
        maximum = data.get("max_points")
        if kind is None or "max_points" in self.errors:
            return data
        if kind == CriterionKind.VETO:
            data["max_points"] = None  # a veto is answered yes or no
        elif parent is None and kind in CAPPED:
            if maximum is None:
                label = CriterionKind(kind).label.lower()
                self.add_error("max_points", f"Nhóm {label} phải ghi điểm tối đa của cả nhóm (mức trần).")
        elif parent is None or self.has_children:
            if maximum is not None:
                self.add_error(
                    "max_points",
                    "Điểm tối đa của nhóm điểm chuẩn hoặc của tiêu chí có tiêu chí con là tổng điểm các tiêu chí "
                    "con; hãy để trống ô này.",
                )
        elif maximum is None:
            self.add_error("max_points", "Tiêu chí được chấm phải có điểm tối đa (lớn hơn 0).")
        return data


class CriteriaImportForm(forms.Form):
    file = forms.FileField(
        label="Tệp Excel (.xlsx)",
        help_text="Các cột: Mã, Nội dung, Loại, Điểm tối đa, Trọng tâm. Tải tệp mẫu để xem cách ghi.",
        error_messages={
            "required": "Hãy chọn tệp Excel cần nhập.",
            "empty": "Tệp rỗng: không có dữ liệu nào.",
            "invalid": "Không nhận được tệp; hãy chọn lại tệp.",
        },
    )
    replace = forms.BooleanField(
        label="Thay toàn bộ tiêu chí hiện có của bộ tiêu chí bằng nội dung của tệp",
        required=False,
    )

    def __init__(self, *args, must_confirm: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.must_confirm = must_confirm
        self.fields["file"].widget.attrs["accept"] = (
            ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        if not must_confirm:
            del self.fields["replace"]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            size = f"{upload.size / (1024 * 1024):.1f}".replace(".", ",")
            raise ValidationError(f"Tệp quá lớn ({size} MB); tối đa {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")
        return upload

    def clean_replace(self) -> bool:
        if not self.cleaned_data["replace"]:
            raise ValidationError(
                "Bộ tiêu chí đang có tiêu chí: hãy đánh dấu ô này để xác nhận thay toàn bộ."
            )
        return True


class CriteriaCopyForm(forms.Form):
    source = forms.TypedChoiceField(
        label="Sao chép từ bộ tiêu chí",
        coerce=int,
        error_messages={
            "required": "Chọn bộ tiêu chí để sao chép.",
            "invalid_choice": "Bộ tiêu chí để sao chép phải thuộc một phong trào khác của cùng khối/cụm.",
        },
    )

    def __init__(self, *args, sources: list[CriteriaSet], **kwargs):
        """`sources`: the sets of the bloc's other campaigns, with `criterion_count`."""
        super().__init__(*args, **kwargs)
        self.sources = {s.pk: s for s in sources}
        self.fields["source"].choices = [
            (
                s.pk,
                f"Năm {s.campaign.year} – {s.name} (phiên bản {s.version}, {s.criterion_count} mục)",
            )
            for s in sources
        ]

    def clean_source(self) -> CriteriaSet:
        return self.sources[self.cleaned_data["source"]]
