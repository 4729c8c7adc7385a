"""Reviews (sơ kết / tổng kết) and the suy tôn vote (DESIGN.md §4, §5 rule 6)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from blocs.models import Bloc, Unit
from campaigns.models import Campaign
from scoring.models import RankingPeriod, RankingSnapshot
from thidua.lib.models import AppendOnlyModel, AppendOnlyQuerySet


class ReviewKind(models.TextChoices):
    SO_KET = "so_ket", "Sơ kết 6 tháng đầu năm"
    TONG_KET = "tong_ket", "Tổng kết năm"


# The ranking period each kind of review looks at.
REVIEW_PERIOD = {ReviewKind.SO_KET: RankingPeriod.H1, ReviewKind.TONG_KET: RankingPeriod.YEAR}


class ReviewState(models.TextChoices):
    PREPARING = "preparing", "Đang chuẩn bị"
    HELD = "held", "Đã tổ chức hội nghị"
    CLOSED = "closed", "Đã chốt kết quả"


class LeadingBasis(models.TextChoices):
    VOTE = "vote", "Theo kết quả suy tôn"
    SCORE = "score", "Theo điểm (xếp thứ nhất)"


class ReviewQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(campaign__bloc__in=Bloc.objects.visible_to(user))


class Review(models.Model):
    """A sơ kết (first half) or tổng kết (year) conference of a campaign."""

    campaign = models.ForeignKey(
        Campaign, verbose_name="phong trào", on_delete=models.PROTECT, related_name="reviews"
    )
    kind = models.CharField("loại hội nghị", max_length=10, choices=ReviewKind.choices)
    held_on = models.DateField("ngày tổ chức")
    place = models.CharField("địa điểm", max_length=200)
    host_unit = models.ForeignKey(
        Unit,
        verbose_name="đơn vị đăng cai",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    chaired_by = models.CharField(
        "chủ trì hội nghị", max_length=200, blank=True, help_text="Họ tên, cấp bậc, chức vụ người chủ trì."
    )
    state = models.CharField(
        "trạng thái", max_length=10, choices=ReviewState.choices, default=ReviewState.PREPARING
    )
    snapshot = models.ForeignKey(
        RankingSnapshot,
        verbose_name="kết quả xếp hạng đã chốt",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    leading_unit = models.ForeignKey(
        Unit,
        verbose_name="đơn vị dẫn đầu",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    leading_basis = models.CharField(
        "căn cứ chọn đơn vị dẫn đầu", max_length=10, choices=LeadingBasis.choices, blank=True, editable=False
    )
    closed_at = models.DateTimeField("thời điểm chốt", null=True, blank=True, editable=False)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField("ngày tạo", auto_now_add=True)

    history = HistoricalRecords()
    objects = ReviewQuerySet.as_manager()

    class Meta:
        verbose_name = "hội nghị sơ kết/tổng kết"
        verbose_name_plural = "hội nghị sơ kết/tổng kết"
        ordering = ["campaign", "held_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "kind"],
                name="review_one_per_campaign_kind",
                violation_error_message="Phong trào đã có hội nghị loại này.",
            ),
        ]

    def __str__(self) -> str:
        word = "Sơ kết" if self.kind == ReviewKind.SO_KET else "Tổng kết"
        return f"{word} năm {self.campaign.year} – {self.campaign.bloc.name}"

    @property
    def period(self) -> str:
        return REVIEW_PERIOD[self.kind]

    @property
    def is_closed(self) -> bool:
        return self.state == ReviewState.CLOSED

    @property
    def is_year_end(self) -> bool:
        return self.kind == ReviewKind.TONG_KET


class ReviewSection(models.Model):
    """A narrative section of the review's report (DOMAIN.md outline), pre-filled with a draft
    generated from the data that the secretariat edits."""

    review = models.ForeignKey(
        Review, verbose_name="hội nghị", on_delete=models.CASCADE, related_name="sections"
    )
    key = models.CharField("mã mục", max_length=40)
    title = models.CharField("tiêu đề mục", max_length=200)
    position = models.PositiveSmallIntegerField("thứ tự")
    body = models.TextField("nội dung", max_length=20000, blank=True)
    edited = models.BooleanField("đã được thường trực sửa", default=False)
    updated_at = models.DateTimeField("lần sửa cuối", null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "mục báo cáo"
        verbose_name_plural = "mục báo cáo"
        ordering = ["review", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "key"],
                name="review_section_unique_key",
                violation_error_message="Báo cáo đã có mục này.",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Attendance(models.Model):
    """Whether a member unit attended the review, and who represented it."""

    review = models.ForeignKey(
        Review, verbose_name="hội nghị", on_delete=models.CASCADE, related_name="attendance"
    )
    unit = models.ForeignKey(Unit, verbose_name="đơn vị", on_delete=models.PROTECT, related_name="+")
    present = models.BooleanField("có mặt", default=False)
    representative = models.CharField(
        "người dự", max_length=200, blank=True, help_text="Họ tên, cấp bậc, chức vụ người đại diện đơn vị."
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "thành phần dự hội nghị"
        verbose_name_plural = "thành phần dự hội nghị"
        constraints = [
            models.UniqueConstraint(
                fields=["review", "unit"],
                name="attendance_one_per_unit",
                violation_error_message="Đơn vị đã có trong danh sách dự hội nghị.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} – {'có mặt' if self.present else 'vắng'}"


# --- The suy tôn vote ----------------------------------------------------------------------------


class ElectionState(models.TextChoices):
    SETUP = "setup", "Chuẩn bị"
    VOTING = "voting", "Đang bỏ phiếu"
    DONE = "done", "Đã có kết quả"
    FAILED = "failed", "Không bầu được"


class ElectionQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(review__campaign__bloc__in=Bloc.objects.visible_to(user))


class Election(models.Model):
    """The suy tôn vote of a review: candidates, the members present (quorum: at least 2/3 of
    the members), one or more ballots (a run-off between the top two when nobody gets more
    than half of the valid ballots) and the result."""

    review = models.OneToOneField(
        Review, verbose_name="hội nghị", on_delete=models.PROTECT, related_name="election"
    )
    state = models.CharField(
        "trạng thái", max_length=10, choices=ElectionState.choices, default=ElectionState.SETUP
    )
    member_count = models.PositiveSmallIntegerField("số đơn vị thành viên", default=0)
    present_count = models.PositiveSmallIntegerField("số đơn vị có mặt", default=0)
    winner = models.ForeignKey(
        Unit,
        verbose_name="đơn vị được suy tôn",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    minutes_note = models.TextField("ghi chú biên bản", max_length=4000, blank=True)
    created_at = models.DateTimeField("ngày tạo", auto_now_add=True)
    finished_at = models.DateTimeField("thời điểm có kết quả", null=True, blank=True)

    history = HistoricalRecords()
    objects = ElectionQuerySet.as_manager()

    class Meta:
        verbose_name = "cuộc bỏ phiếu suy tôn"
        verbose_name_plural = "cuộc bỏ phiếu suy tôn"

    def __str__(self) -> str:
        return f"Suy tôn đơn vị dẫn đầu – {self.review}"


class Candidate(models.Model):
    """A unit standing in the vote, with the score and rank it stood on."""

    election = models.ForeignKey(
        Election, verbose_name="cuộc bỏ phiếu", on_delete=models.CASCADE, related_name="candidates"
    )
    unit = models.ForeignKey(Unit, verbose_name="đơn vị", on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveSmallIntegerField("hạng", null=True, blank=True)
    total = models.DecimalField("tổng điểm", max_digits=8, decimal_places=2, null=True, blank=True)
    position = models.PositiveSmallIntegerField("thứ tự trên phiếu", default=0)

    class Meta:
        verbose_name = "đơn vị được đưa ra suy tôn"
        verbose_name_plural = "đơn vị được đưa ra suy tôn"
        ordering = ["election", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["election", "unit"],
                name="candidate_once_per_election",
                violation_error_message="Đơn vị đã có trong danh sách suy tôn.",
            ),
        ]

    def __str__(self) -> str:
        return str(self.unit)


class BallotRoundState(models.TextChoices):
    OPEN = "open", "Đang bỏ phiếu"
    COUNTED = "counted", "Đã kiểm phiếu"


class BallotOutcome(models.TextChoices):
    WINNER = "winner", "Có đơn vị đạt quá nửa số phiếu hợp lệ"
    RUNOFF = "runoff", "Không đơn vị nào quá nửa: bỏ phiếu lại giữa các đơn vị cao phiếu nhất"
    TIE = "tie", "Bỏ phiếu lại vẫn bằng phiếu"


class BallotRound(models.Model):
    """One ballot of the election: the first, or a run-off between the top two."""

    election = models.ForeignKey(
        Election, verbose_name="cuộc bỏ phiếu", on_delete=models.CASCADE, related_name="ballot_rounds"
    )
    number = models.PositiveSmallIntegerField("lần bỏ phiếu")
    candidates = models.ManyToManyField(
        Candidate, verbose_name="đơn vị trên phiếu", related_name="ballot_rounds"
    )
    state = models.CharField(
        "trạng thái", max_length=10, choices=BallotRoundState.choices, default=BallotRoundState.OPEN
    )
    opened_at = models.DateTimeField("mở phiếu lúc", auto_now_add=True)
    counted_at = models.DateTimeField("kiểm phiếu lúc", null=True, blank=True)
    counted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    valid_count = models.PositiveSmallIntegerField("số phiếu hợp lệ", default=0)
    invalid_count = models.PositiveSmallIntegerField("số phiếu không hợp lệ", default=0)
    tally = models.JSONField("số phiếu từng đơn vị", default=dict)
    outcome = models.CharField("kết quả", max_length=10, choices=BallotOutcome.choices, blank=True)

    class Meta:
        verbose_name = "lần bỏ phiếu"
        verbose_name_plural = "lần bỏ phiếu"
        ordering = ["election", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["election", "number"],
                name="ballot_round_number_unique",
                violation_error_message="Cuộc bỏ phiếu đã có lần bỏ phiếu này.",
            ),
        ]

    def __str__(self) -> str:
        return f"Lần {self.number} – {self.election}"


class _BallotQuerySet(AppendOnlyQuerySet):
    changed_message = "Phiếu đã bỏ không thể sửa."
    deleted_message = "Phiếu đã bỏ không thể xóa."


class VoteMethod(models.TextChoices):
    ONLINE = "online", "Bỏ phiếu trực tuyến"
    PAPER = "paper", "Phiếu giấy (thường trực nhập)"


class BallotCast(AppendOnlyModel):
    """WHO voted: a participating unit took part in a ballot round. What it chose is stored
    apart, in `Ballot`, with nothing that links the two."""

    ballot_round = models.ForeignKey(
        BallotRound, verbose_name="lần bỏ phiếu", on_delete=models.PROTECT, related_name="casts"
    )
    unit = models.ForeignKey(Unit, verbose_name="đơn vị", on_delete=models.PROTECT, related_name="+")
    method = models.CharField("cách bỏ phiếu", max_length=10, choices=VoteMethod.choices)
    cast_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người bỏ phiếu/nhập phiếu",
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = _BallotQuerySet.as_manager()

    class Meta:
        verbose_name = "lượt bỏ phiếu"
        verbose_name_plural = "lượt bỏ phiếu"
        constraints = [
            models.UniqueConstraint(
                fields=["ballot_round", "unit"],
                name="ballot_cast_once_per_unit",
                violation_error_message="Đơn vị này đã bỏ phiếu lần này.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} đã bỏ phiếu – {self.ballot_round}"


class Ballot(AppendOnlyModel):
    """WHAT was chosen: a random id, the ballot round and the candidate (none: an invalid or
    blank ballot). No voter, no time: the secret of the vote."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ballot_round = models.ForeignKey(
        BallotRound, verbose_name="lần bỏ phiếu", on_delete=models.PROTECT, related_name="ballots"
    )
    candidate = models.ForeignKey(
        Candidate,
        verbose_name="đơn vị được chọn",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = _BallotQuerySet.as_manager()

    class Meta:
        verbose_name = "phiếu bầu"
        verbose_name_plural = "phiếu bầu"

    def __str__(self) -> str:
        return f"Phiếu – {self.ballot_round}"


# --- Titles, eligibility and quotas (DESIGN.md §5 rule 7) ------------------------------------------


class TitleKind(models.TextChoices):
    TITLE = "title", "Danh hiệu thi đua"
    AWARD = "award", "Hình thức khen thưởng"


class TitleLevel(models.TextChoices):
    GOVERNMENT = "chinh_phu", "Chính phủ, Thủ tướng Chính phủ"
    MINISTRY = "bo", "Bộ Quốc phòng"
    COMMAND = "quan_khu", "Quân khu, quân chủng, tổng cục và tương đương"
    UNIT = "don_vi", "Đơn vị (cấp khen thưởng trực thuộc)"


class Recipient(models.TextChoices):
    COLLECTIVE = "collective", "Tập thể"
    INDIVIDUAL = "individual", "Cá nhân"


class Title(models.Model):
    """An emulation title (danh hiệu thi đua) or an award form (hình thức khen thưởng): the two
    are kept apart (Luật Thi đua, khen thưởng 2022, art. 9), with the level that grants them."""

    name = models.CharField("tên", max_length=200, unique=True)
    kind = models.CharField("loại", max_length=10, choices=TitleKind.choices)
    level = models.CharField("cấp khen", max_length=10, choices=TitleLevel.choices)
    recipient = models.CharField(
        "đối tượng", max_length=12, choices=Recipient.choices, default=Recipient.COLLECTIVE
    )
    issuer = models.CharField("cơ quan quyết định", max_length=200, blank=True)
    is_flag = models.BooleanField(
        "là cờ thi đua", default=False, help_text="Cờ thi đua xét cho đơn vị dẫn đầu khối/cụm."
    )
    quota_percent = models.DecimalField(
        "tỷ lệ tối đa (% số đơn vị thành viên)",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Để trống nếu không giới hạn. Số đơn vị được đề nghị = tỷ lệ × số thành viên, làm tròn xuống.",
    )
    quota_at_least_one = models.BooleanField(
        "ít nhất một đơn vị",
        default=False,
        help_text="Khi làm tròn xuống bằng 0 thì vẫn được đề nghị một đơn vị.",
    )
    position = models.PositiveSmallIntegerField("thứ tự", default=0)
    active = models.BooleanField("đang dùng", default=True)
    description = models.TextField("ghi chú, căn cứ", max_length=2000, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "danh hiệu, hình thức khen thưởng"
        verbose_name_plural = "danh hiệu, hình thức khen thưởng"
        ordering = ["kind", "position", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quota_percent__isnull=True)
                | (models.Q(quota_percent__gt=0) & models.Q(quota_percent__lte=100)),
                name="title_quota_percent_range",
                violation_error_message="Tỷ lệ tối đa phải lớn hơn 0 và không quá 100%.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RuleKind(models.TextChoices):
    LEADING_UNIT = "leading_unit", "Là đơn vị dẫn đầu khối/cụm"
    MIN_CLASSIFICATION = "min_classification", "Xếp loại tối thiểu"
    MAX_RANK = "max_rank", "Xếp hạng không thấp hơn"
    NOT_DISQUALIFIED = "not_disqualified", "Không vi phạm tiêu chí phủ quyết"
    TITLE_SAME_YEAR = "title_same_year", "Đã được tặng danh hiệu khác trong năm"
    CONSECUTIVE_YEARS = "consecutive_years", "Đạt danh hiệu nhiều năm liên tục"
    NO_PENDING_FLAG = "no_pending_flag", "Không đang bị xem xét kỷ luật, thanh tra hay khiếu nại"


class EligibilityRule(models.Model):
    """One condition a unit must meet to be proposed for a title."""

    title = models.ForeignKey(Title, verbose_name="danh hiệu", on_delete=models.CASCADE, related_name="rules")
    kind = models.CharField("điều kiện", max_length=20, choices=RuleKind.choices)
    classification = models.CharField("xếp loại tối thiểu", max_length=50, blank=True)
    number = models.PositiveSmallIntegerField("số (hạng hoặc số năm)", null=True, blank=True)
    required_title = models.ForeignKey(
        Title,
        verbose_name="danh hiệu yêu cầu",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    position = models.PositiveSmallIntegerField("thứ tự", default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "điều kiện xét"
        verbose_name_plural = "điều kiện xét"
        ordering = ["title", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.title}: {self.get_kind_display()}"


class UnitFlagKind(models.TextChoices):
    DISCIPLINE = "discipline", "Đang xem xét kỷ luật"
    INSPECTION = "inspection", "Đang thanh tra, kiểm tra"
    COMPLAINT = "complaint", "Đang có khiếu nại, tố cáo chưa giải quyết"


class UnitFlagQuerySet(models.QuerySet):
    def pending(self, on):
        return self.filter(opened_on__lte=on).filter(
            models.Q(closed_on__isnull=True) | models.Q(closed_on__gt=on)
        )


class UnitFlag(models.Model):
    """A pending matter that stops a unit's award (NĐ 152/2025): discipline, inspection or a
    complaint not yet settled."""

    unit = models.ForeignKey(Unit, verbose_name="đơn vị", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("loại", max_length=12, choices=UnitFlagKind.choices)
    note = models.CharField("nội dung", max_length=500)
    opened_on = models.DateField("từ ngày")
    closed_on = models.DateField("đã giải quyết ngày", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords()
    objects = UnitFlagQuerySet.as_manager()

    class Meta:
        verbose_name = "vụ việc đang xem xét"
        verbose_name_plural = "vụ việc đang xem xét"
        ordering = ["-opened_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.unit}: {self.get_kind_display()}"


# --- Nominations, decisions and the award history ------------------------------------------------


class NominationListState(models.TextChoices):
    DRAFT = "draft", "Đang lập"
    SUBMITTED = "submitted", "Đã trình cấp trên"
    DECIDED = "decided", "Cấp trên đã xét xong"


class NominationListQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(review__campaign__bloc__in=Bloc.objects.visible_to(user))


class NominationList(models.Model):
    """The bloc's award proposals from a closed review."""

    review = models.OneToOneField(
        Review, verbose_name="hội nghị", on_delete=models.PROTECT, related_name="nomination_list"
    )
    state = models.CharField(
        "trạng thái", max_length=10, choices=NominationListState.choices, default=NominationListState.DRAFT
    )
    submitted_at = models.DateTimeField("trình lúc", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("ngày lập", auto_now_add=True)

    history = HistoricalRecords()
    objects = NominationListQuerySet.as_manager()

    class Meta:
        verbose_name = "danh sách đề nghị khen thưởng"
        verbose_name_plural = "danh sách đề nghị khen thưởng"

    def __str__(self) -> str:
        return f"Đề nghị khen thưởng – {self.review}"


class NominationBasis(models.TextChoices):
    LEADING = "leading", "Đơn vị dẫn đầu"
    RANK = "rank", "Theo xếp hạng"
    CLASSIFICATION = "classification", "Theo xếp loại"
    MANUAL = "manual", "Thường trực bổ sung"


class NominationState(models.TextChoices):
    PROPOSED = "proposed", "Đề xuất"
    SUBMITTED = "submitted", "Đã trình"
    APPROVED = "approved", "Cấp trên đồng ý"
    REJECTED = "rejected", "Cấp trên không đồng ý"


class Nomination(models.Model):
    """A unit proposed for a title, with every rule checked and explained. One that fails a rule
    or the quota is kept only with a written justification, printed on the list."""

    nomination_list = models.ForeignKey(
        NominationList, verbose_name="danh sách", on_delete=models.CASCADE, related_name="nominations"
    )
    unit = models.ForeignKey(Unit, verbose_name="đơn vị", on_delete=models.PROTECT, related_name="+")
    title = models.ForeignKey(
        Title, verbose_name="danh hiệu", on_delete=models.PROTECT, related_name="nominations"
    )
    basis = models.CharField("căn cứ", max_length=15, choices=NominationBasis.choices)
    rank = models.PositiveSmallIntegerField("hạng", null=True, blank=True)
    total = models.DecimalField("tổng điểm", max_digits=8, decimal_places=2, null=True, blank=True)
    classification = models.CharField("xếp loại", max_length=50, blank=True)
    checks = models.JSONField("kết quả xét điều kiện", default=list)
    passes = models.BooleanField("đủ điều kiện", default=False)
    justification = models.TextField("giải trình khi không đủ điều kiện", max_length=2000, blank=True)
    state = models.CharField(
        "trạng thái", max_length=10, choices=NominationState.choices, default=NominationState.PROPOSED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField("xét lúc", null=True, blank=True)
    decision_reason = models.CharField("lý do", max_length=1000, blank=True)
    position = models.PositiveSmallIntegerField("thứ tự", default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "đề nghị khen thưởng"
        verbose_name_plural = "đề nghị khen thưởng"
        ordering = ["nomination_list", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["nomination_list", "unit", "title"],
                name="nomination_once_per_unit_title",
                violation_error_message="Đơn vị đã được đề nghị danh hiệu này trong danh sách.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} – {self.title}"


class AwardDecisionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Decisions granting a title to a unit the user may see."""
        if user.is_authenticated and user.is_superuser:
            return self.all()
        return self.filter(
            pk__in=AwardRecord.objects.filter(unit__in=Unit.objects.visible_to(user)).values("decision_id")
        )


class AwardDecision(models.Model):
    """A decision that came back from the awarding level: number, date, issuer."""

    number = models.CharField("số quyết định", max_length=60)
    signed_on = models.DateField("ngày ký")
    issuer = models.CharField("cấp quyết định", max_length=200)
    year = models.PositiveSmallIntegerField("năm thi đua được khen")
    summary = models.CharField("trích yếu", max_length=500, blank=True)
    nomination_list = models.ForeignKey(
        NominationList,
        verbose_name="theo danh sách đề nghị",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decisions",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("ngày nhập", auto_now_add=True)

    history = HistoricalRecords()
    objects = AwardDecisionQuerySet.as_manager()

    class Meta:
        verbose_name = "quyết định khen thưởng"
        verbose_name_plural = "quyết định khen thưởng"
        ordering = ["-signed_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "number"],
                name="award_decision_number_unique",
                violation_error_message="Đã có quyết định số này của cấp này.",
            ),
        ]

    def __str__(self) -> str:
        return f"Quyết định số {self.number} ngày {self.signed_on:%d/%m/%Y}"


class AwardRecord(models.Model):
    """A title granted to a unit for a year: the history later eligibility checks read."""

    decision = models.ForeignKey(
        AwardDecision, verbose_name="quyết định", on_delete=models.PROTECT, related_name="records"
    )
    unit = models.ForeignKey(Unit, verbose_name="đơn vị", on_delete=models.PROTECT, related_name="+")
    title = models.ForeignKey(
        Title, verbose_name="danh hiệu", on_delete=models.PROTECT, related_name="records"
    )
    year = models.PositiveSmallIntegerField("năm")
    nomination = models.ForeignKey(
        Nomination,
        verbose_name="theo đề nghị",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="records",
    )
    note = models.CharField(
        "ghi chú", max_length=500, blank=True, help_text="Bắt buộc khi quyết định không khớp với đề nghị."
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "khen thưởng của đơn vị"
        verbose_name_plural = "khen thưởng của đơn vị"
        ordering = ["-year", "unit", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "title", "year"],
                name="award_record_once_per_unit_title_year",
                violation_error_message="Đơn vị đã được khen danh hiệu này trong năm (một thành tích chỉ khen một lần).",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} – {self.title} ({self.year})"
