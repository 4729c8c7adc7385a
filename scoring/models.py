"""Scoring: criteria sets, quarterly rounds, scorecards and scores (DESIGN.md §4, §5)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from blocs.models import Bloc, Unit
from campaigns.models import Campaign, PledgeItem
from thidua.lib.models import AppendOnlyModel, AppendOnlyQuerySet


class CriterionKind(models.TextChoices):
    STANDARD = "standard", "Điểm chuẩn"
    BONUS = "bonus", "Điểm thưởng"
    PENALTY = "penalty", "Điểm trừ"
    VETO = "veto", "Tiêu chí phủ quyết"


class CriteriaSetQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(campaign__bloc__in=Bloc.objects.visible_to(user))


class CriteriaSet(models.Model):
    """A campaign's criteria and point scale. Frozen once any score exists: a change then
    means a new version, never an edit in place."""

    campaign = models.ForeignKey(
        Campaign, verbose_name="phong trào", on_delete=models.PROTECT, related_name="criteria_sets"
    )
    version = models.PositiveSmallIntegerField("phiên bản", default=1)
    name = models.CharField("tên bộ tiêu chí", max_length=200)
    frozen_at = models.DateTimeField("thời điểm khóa", null=True, blank=True, editable=False)
    copied_from = models.ForeignKey(
        "self", verbose_name="sao chép từ", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("ngày tạo", auto_now_add=True)

    history = HistoricalRecords()
    objects = CriteriaSetQuerySet.as_manager()

    class Meta:
        verbose_name = "bộ tiêu chí"
        verbose_name_plural = "bộ tiêu chí"
        ordering = ["campaign", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "version"],
                name="criteria_set_version_unique",
                violation_error_message="Phong trào đã có bộ tiêu chí phiên bản này.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (phiên bản {self.version})"

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None


class Criterion(models.Model):
    """A node of the criteria tree: a group (no parent), a criterion or a sub-criterion.

    Leaves are scored. A standard group's maximum is the sum of its children's; a bonus or
    penalty group's `max_points` is its cap; a veto criterion is answered yes (1) or no (0)."""

    criteria_set = models.ForeignKey(
        CriteriaSet, verbose_name="bộ tiêu chí", on_delete=models.CASCADE, related_name="criteria"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name="thuộc nhóm",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    code = models.CharField("mã", max_length=20, help_text="Ví dụ: 2.3")
    title = models.CharField("nội dung tiêu chí", max_length=500)
    kind = models.CharField(
        "loại", max_length=10, choices=CriterionKind.choices, default=CriterionKind.STANDARD
    )
    max_points = models.DecimalField("điểm tối đa", max_digits=6, decimal_places=2, null=True, blank=True)
    is_core = models.BooleanField(
        "nhóm nhiệm vụ trọng tâm", default=False, help_text="Dùng để xét khi bằng điểm (DESIGN §5 quy tắc 4)."
    )
    position = models.PositiveSmallIntegerField("thứ tự", default=0)
    pledge_item = models.ForeignKey(
        PledgeItem,
        verbose_name="chỉ tiêu giao ước được đo",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "tiêu chí"
        verbose_name_plural = "tiêu chí"
        ordering = ["criteria_set", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["criteria_set", "code"],
                name="criterion_code_unique_in_set",
                violation_error_message="Mã tiêu chí đã có trong bộ tiêu chí này.",
            ),
            models.CheckConstraint(
                condition=Q(max_points__isnull=True) | Q(max_points__gt=0),
                name="criterion_max_positive",
                violation_error_message="Điểm tối đa phải lớn hơn 0.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}. {self.title}"

    def clean(self) -> None:
        super().clean()
        if self.kind == CriterionKind.VETO:
            self.max_points = None
        if self.parent_id and self.parent.criteria_set_id != self.criteria_set_id:
            raise ValidationError({"parent": "Nhóm cha phải thuộc cùng bộ tiêu chí."})
        if self.parent_id and self.parent.kind != self.kind:
            raise ValidationError(
                {"kind": f"Tiêu chí con phải cùng loại với nhóm ({self.parent.get_kind_display()})."}
            )

    @property
    def is_veto(self) -> bool:
        return self.kind == CriterionKind.VETO


class RoundPeriod(models.TextChoices):
    Q1 = "q1", "Quý I"
    Q2 = "q2", "Quý II"
    Q3 = "q3", "Quý III"
    Q4 = "q4", "Quý IV"
    YEAR_END = "year", "Cuối năm"


class RoundState(models.TextChoices):
    OPEN = "open", "Đang nhập điểm"
    CLOSED = "closed", "Đã khóa sổ"
    PUBLISHED = "published", "Đã công bố"


class ScoringRoundQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(campaign__bloc__in=Bloc.objects.visible_to(user))

    def published(self):
        return self.filter(state=RoundState.PUBLISHED)


class ScoringRound(models.Model):
    """A quarter's (or the year-end) inspection and scoring of a campaign's member units."""

    campaign = models.ForeignKey(
        Campaign, verbose_name="phong trào", on_delete=models.PROTECT, related_name="rounds"
    )
    criteria_set = models.ForeignKey(
        CriteriaSet, verbose_name="bộ tiêu chí", on_delete=models.PROTECT, related_name="rounds"
    )
    period = models.CharField("kỳ chấm", max_length=5, choices=RoundPeriod.choices)
    starts_on = models.DateField("từ ngày")
    ends_on = models.DateField("đến ngày")
    entry_deadline = models.DateField("hạn nhập điểm")
    state = models.CharField("trạng thái", max_length=10, choices=RoundState.choices, default=RoundState.OPEN)
    closed_at = models.DateTimeField("thời điểm khóa sổ", null=True, blank=True, editable=False)
    published_at = models.DateTimeField("thời điểm công bố", null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    history = HistoricalRecords()
    objects = ScoringRoundQuerySet.as_manager()

    class Meta:
        verbose_name = "đợt chấm điểm"
        verbose_name_plural = "đợt chấm điểm"
        ordering = ["campaign", "starts_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "period"],
                name="round_one_per_campaign_period",
                violation_error_message="Phong trào đã có đợt chấm điểm của kỳ này.",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="round_ends_after_start",
                violation_error_message="Ngày kết thúc phải sau hoặc bằng ngày bắt đầu.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_period_display()} năm {self.campaign.year} – {self.campaign.bloc.name}"

    def clean(self) -> None:
        super().clean()
        errors = {}
        campaign = self.campaign if self.campaign_id else None
        window = f"({campaign.starts_on:%d/%m/%Y} – {campaign.ends_on:%d/%m/%Y})" if campaign else ""
        if campaign and self.starts_on and not campaign.starts_on <= self.starts_on <= campaign.ends_on:
            errors["starts_on"] = f"Ngày bắt đầu phải nằm trong thời gian của phong trào {window}."
        if campaign and self.ends_on and not campaign.starts_on <= self.ends_on <= campaign.ends_on:
            errors["ends_on"] = f"Ngày kết thúc phải nằm trong thời gian của phong trào {window}."
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = "Ngày kết thúc phải sau hoặc bằng ngày bắt đầu."
        if self.entry_deadline and self.starts_on and self.entry_deadline < self.starts_on:
            errors["entry_deadline"] = "Hạn nhập điểm không được trước ngày bắt đầu của kỳ chấm."
        if self.criteria_set_id and campaign and self.criteria_set.campaign_id != campaign.pk:
            errors["criteria_set"] = "Bộ tiêu chí phải thuộc phong trào của đợt chấm."
        if errors:
            raise ValidationError(errors)

    @property
    def is_open(self) -> bool:
        return self.state == RoundState.OPEN


class ScorecardKind(models.TextChoices):
    SELF = "self", "Đơn vị tự chấm"
    PEER = "peer", "Chấm chéo"
    FINAL = "final", "Kết quả chấm (thường trực)"


class ScorecardState(models.TextChoices):
    DRAFT = "draft", "Đang soạn"
    SUBMITTED = "submitted", "Đã gửi"


class Scorecard(models.Model):
    """One unit's scores in a round by one author: itself (self), another member (peer) or
    the bloc's secretariat (final). `version` grows at every save: optimistic locking."""

    round = models.ForeignKey(
        ScoringRound, verbose_name="đợt chấm", on_delete=models.CASCADE, related_name="scorecards"
    )
    scored_unit = models.ForeignKey(
        Unit, verbose_name="đơn vị được chấm", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("loại phiếu", max_length=5, choices=ScorecardKind.choices)
    author_unit = models.ForeignKey(
        Unit,
        verbose_name="đơn vị chấm",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Đơn vị chấm chéo; để trống với phiếu tự chấm và phiếu của thường trực.",
    )
    state = models.CharField(
        "trạng thái", max_length=10, choices=ScorecardState.choices, default=ScorecardState.DRAFT
    )
    version = models.PositiveIntegerField("phiên bản", default=0)
    updated_at = models.DateTimeField("lần sửa cuối", null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField("thời điểm gửi", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "phiếu chấm"
        verbose_name_plural = "phiếu chấm"
        constraints = [
            models.UniqueConstraint(
                fields=["round", "scored_unit", "kind"],
                condition=Q(kind__in=["self", "final"]),
                name="scorecard_one_self_or_final_per_unit",
                violation_error_message="Đơn vị đã có phiếu chấm loại này trong đợt.",
            ),
            models.UniqueConstraint(
                fields=["round", "scored_unit", "author_unit"],
                condition=Q(kind="peer"),
                name="scorecard_one_peer_per_author",
                violation_error_message="Đơn vị chấm chéo đã có phiếu cho đơn vị này trong đợt.",
            ),
            models.CheckConstraint(
                condition=(Q(kind="peer") & Q(author_unit__isnull=False))
                | (~Q(kind="peer") & Q(author_unit__isnull=True)),
                name="scorecard_author_matches_kind",
                violation_error_message="Chỉ phiếu chấm chéo mới ghi đơn vị chấm.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.scored_unit} – {self.round}"


class Score(models.Model):
    """Points for one criterion on one scorecard. Penalties are entered as positive amounts
    and subtracted; a veto is 1 (triggered) or 0."""

    scorecard = models.ForeignKey(
        Scorecard, verbose_name="phiếu chấm", on_delete=models.CASCADE, related_name="scores"
    )
    criterion = models.ForeignKey(
        Criterion, verbose_name="tiêu chí", on_delete=models.PROTECT, related_name="scores"
    )
    points = models.DecimalField("điểm", max_digits=6, decimal_places=2)
    note = models.CharField("ghi chú", max_length=1000, blank=True)
    evidence = models.FileField("minh chứng", upload_to="evidence/%Y/%m/", blank=True, max_length=300)
    updated_at = models.DateTimeField("lần sửa cuối", auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "điểm"
        verbose_name_plural = "điểm"
        constraints = [
            models.UniqueConstraint(
                fields=["scorecard", "criterion"],
                name="score_one_per_card_criterion",
                violation_error_message="Tiêu chí này đã có điểm trên phiếu.",
            ),
            models.CheckConstraint(
                condition=Q(points__gte=Decimal("0")),
                name="score_points_not_negative",
                violation_error_message="Điểm không được âm (điểm trừ nhập số dương).",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion.code}: {self.points}"


class Correction(models.Model):
    """A change to a scorecard of a published round: a new version with its reason."""

    scorecard = models.ForeignKey(
        Scorecard, verbose_name="phiếu chấm", on_delete=models.PROTECT, related_name="corrections"
    )
    version = models.PositiveIntegerField("phiên bản sau đính chính")
    reason = models.CharField("lý do đính chính", max_length=500)
    changes = models.JSONField("nội dung đính chính", default=list)
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    made_at = models.DateTimeField("thời điểm", auto_now_add=True)

    class Meta:
        verbose_name = "đính chính điểm"
        verbose_name_plural = "đính chính điểm"
        ordering = ["-made_at"]

    def __str__(self) -> str:
        return f"Đính chính {self.scorecard} (phiên bản {self.version})"


class CardBasis(models.TextChoices):
    FINAL = "final", "Phiếu của thường trực khối/cụm"
    PEER_MEAN = "peer_mean", "Trung bình phiếu chấm chéo (bỏ cao nhất, thấp nhất khi từ 5 phiếu)"


class Aggregation(models.TextChoices):
    MEAN = "mean", "Trung bình các quý"
    WEIGHTED = "weighted", "Trung bình có trọng số"
    YEAR_END = "year_end", "Theo đợt chấm cuối năm"


class LeadingBy(models.TextChoices):
    VOTE = "vote", "Bình xét, suy tôn (bỏ phiếu kín) trong số các đơn vị điểm cao nhất"
    SCORE = "score", "Đơn vị xếp thứ nhất (không vi phạm tiêu chí phủ quyết)"


def default_tie_breaks() -> list[str]:
    return ["fewer_penalty", "core_group"]


def default_bands() -> list[list]:
    return [["Xuất sắc", 90], ["Tốt", 80], ["Khá", 65], ["Trung bình", 50]]


class ScoringRules(models.Model):
    """The campaign's rule choices (DESIGN.md §5), printed under every ranking."""

    campaign = models.OneToOneField(
        Campaign, verbose_name="phong trào", on_delete=models.CASCADE, related_name="scoring_rules"
    )
    card_basis = models.CharField(
        "phiếu dùng để xếp hạng", max_length=10, choices=CardBasis.choices, default=CardBasis.FINAL
    )
    peer_scoring = models.BooleanField("có chấm chéo giữa các đơn vị", default=False)
    aggregation = models.CharField(
        "cách tính điểm cả năm", max_length=10, choices=Aggregation.choices, default=Aggregation.MEAN
    )
    quarter_weights = models.JSONField("trọng số các quý", default=list, blank=True)
    tie_breaks = models.JSONField("thứ tự xét khi bằng điểm", default=default_tie_breaks)
    bands = models.JSONField("ngưỡng xếp loại (% điểm chuẩn tối đa)", default=default_bands)
    leading_by = models.CharField(
        "cách chọn đơn vị dẫn đầu", max_length=10, choices=LeadingBy.choices, default=LeadingBy.VOTE
    )
    candidate_count = models.PositiveSmallIntegerField(
        "số đơn vị đưa ra suy tôn",
        default=3,
        help_text="Mặc định: ba đơn vị điểm cao nhất không vi phạm tiêu chí phủ quyết.",
    )
    objection_days = models.PositiveSmallIntegerField(
        "số ngày được kiến nghị sau khi công bố",
        default=7,
        help_text="Trong số ngày này, chỉ huy đơn vị được kiến nghị về điểm của đơn vị mình.",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "quy tắc tính điểm"
        verbose_name_plural = "quy tắc tính điểm"

    def __str__(self) -> str:
        return f"Quy tắc tính điểm – {self.campaign}"


# --- Rankings frozen at a review (DESIGN.md §4) -------------------------------------------------


class RankingPeriod(models.TextChoices):
    Q1 = "q1", "Quý I"
    Q2 = "q2", "Quý II"
    Q3 = "q3", "Quý III"
    Q4 = "q4", "Quý IV"
    H1 = "h1", "6 tháng đầu năm"
    YEAR = "year", "Cả năm"


class _FrozenQuerySet(AppendOnlyQuerySet):
    changed_message = "Kết quả xếp hạng đã chốt không thể sửa; hãy lập phiên bản mới kèm lý do."
    deleted_message = "Kết quả xếp hạng đã chốt không thể xóa."


class RankingSnapshot(AppendOnlyModel):
    """A ranking frozen when a review closes: what the review showed, whatever corrections come
    later. A later change is a new version with its reason, the earlier ones stay."""

    campaign = models.ForeignKey(
        Campaign, verbose_name="phong trào", on_delete=models.PROTECT, related_name="ranking_snapshots"
    )
    period = models.CharField("kỳ xếp hạng", max_length=5, choices=RankingPeriod.choices)
    version = models.PositiveSmallIntegerField("phiên bản", default=1)
    reason = models.CharField("lý do lập phiên bản", max_length=500, blank=True)
    rules = models.JSONField("quy tắc áp dụng", default=dict)
    rules_text = models.JSONField("quy tắc (lời văn)", default=list)
    groups = models.JSONField("các nhóm tiêu chí", default=list)
    content_hash = models.CharField("mã băm nội dung", max_length=64)
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    made_at = models.DateTimeField("thời điểm chốt", auto_now_add=True)

    objects = _FrozenQuerySet.as_manager()

    class Meta:
        verbose_name = "kết quả xếp hạng đã chốt"
        verbose_name_plural = "kết quả xếp hạng đã chốt"
        ordering = ["campaign", "period", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "period", "version"],
                name="ranking_snapshot_version_unique",
                violation_error_message="Kỳ xếp hạng này đã có phiên bản đó.",
            ),
        ]

    def __str__(self) -> str:
        return f"Xếp hạng {self.get_period_display()} năm {self.campaign.year} (phiên bản {self.version})"


class RankingEntry(AppendOnlyModel):
    """One unit's line of a frozen ranking."""

    snapshot = models.ForeignKey(
        RankingSnapshot, verbose_name="kết quả đã chốt", on_delete=models.PROTECT, related_name="entries"
    )
    unit = models.ForeignKey(Unit, verbose_name="đơn vị", on_delete=models.PROTECT, related_name="+")
    unit_name = models.CharField("tên đơn vị lúc chốt", max_length=200)
    position = models.PositiveSmallIntegerField("thứ tự dòng")
    rank = models.PositiveSmallIntegerField("hạng", null=True, blank=True)
    tied = models.BooleanField("đồng hạng", default=False)
    tie_break = models.CharField("tiêu chí phụ đã áp dụng", max_length=300, blank=True)
    total = models.DecimalField("tổng điểm", max_digits=8, decimal_places=2, null=True, blank=True)
    standard = models.DecimalField("điểm chuẩn", max_digits=8, decimal_places=2, null=True, blank=True)
    bonus = models.DecimalField("điểm thưởng", max_digits=8, decimal_places=2, null=True, blank=True)
    penalty = models.DecimalField("điểm trừ", max_digits=8, decimal_places=2, null=True, blank=True)
    core = models.DecimalField("điểm nhóm trọng tâm", max_digits=8, decimal_places=2, null=True, blank=True)
    classification = models.CharField("xếp loại", max_length=50, blank=True)
    disqualified = models.BooleanField("vi phạm tiêu chí phủ quyết", default=False)
    missing = models.JSONField("kỳ thiếu điểm", default=list)
    quarters = models.JSONField("điểm từng quý", default=dict)
    group_points = models.JSONField("điểm từng nhóm", default=dict)

    objects = _FrozenQuerySet.as_manager()

    class Meta:
        verbose_name = "dòng xếp hạng đã chốt"
        verbose_name_plural = "dòng xếp hạng đã chốt"
        ordering = ["snapshot", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", "unit"],
                name="ranking_entry_one_per_unit",
                violation_error_message="Đơn vị đã có trong kết quả đã chốt.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rank or '–'}. {self.unit_name}"


# --- Objections to a published score (disputes) -------------------------------------------------


class ObjectionState(models.TextChoices):
    OPEN = "open", "Chờ trả lời"
    ACCEPTED = "accepted", "Chấp nhận (đã đính chính)"
    REJECTED = "rejected", "Không chấp nhận"


class ObjectionQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(round__campaign__bloc__in=Bloc.objects.visible_to(user))


class Objection(models.Model):
    """A unit leader's objection to a published score, and the secretariat's answer. An
    accepted objection makes a correction (a new version of the unit's final card)."""

    round = models.ForeignKey(
        ScoringRound, verbose_name="đợt chấm", on_delete=models.PROTECT, related_name="objections"
    )
    unit = models.ForeignKey(Unit, verbose_name="đơn vị", on_delete=models.PROTECT, related_name="+")
    criterion = models.ForeignKey(
        Criterion,
        verbose_name="tiêu chí",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Để trống nếu kiến nghị về kết quả chung của đơn vị.",
    )
    requested_points = models.DecimalField(
        "điểm đơn vị đề nghị", max_digits=6, decimal_places=2, null=True, blank=True
    )
    reason = models.TextField("nội dung kiến nghị", max_length=2000)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField("thời điểm gửi", auto_now_add=True)
    state = models.CharField(
        "trạng thái", max_length=10, choices=ObjectionState.choices, default=ObjectionState.OPEN
    )
    answer = models.TextField("trả lời", max_length=2000, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField("thời điểm trả lời", null=True, blank=True)
    correction = models.ForeignKey(
        Correction,
        verbose_name="đính chính",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="objections",
    )

    history = HistoricalRecords()
    objects = ObjectionQuerySet.as_manager()

    class Meta:
        verbose_name = "kiến nghị về điểm"
        verbose_name_plural = "kiến nghị về điểm"
        ordering = ["-filed_at", "-pk"]

    def __str__(self) -> str:
        return f"Kiến nghị của {self.unit} – {self.round}"
