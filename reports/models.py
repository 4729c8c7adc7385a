"""Report jobs: a PDF asked for in the browser, rendered by a Celery worker (DESIGN.md §4, §7)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from awards.models import Review
from blocs.models import Assignment, Membership, Role
from campaigns.models import Campaign, Pledge
from scoring.models import ScoringRound


class ReportKind(models.TextChoices):
    SO_KET = "so_ket", "Báo cáo sơ kết"
    TONG_KET = "tong_ket", "Báo cáo tổng kết"
    PLEDGE = "pledge", "Giao ước thi đua"
    RANKING_SHEET = "ranking_sheet", "Bảng tổng hợp điểm"
    NOMINATIONS = "nominations", "Danh sách đề nghị khen thưởng"


class JobState(models.TextChoices):
    QUEUED = "queued", "Đang chờ xử lý"
    RUNNING = "running", "Đang tạo"
    DONE = "done", "Đã xong"
    FAILED = "failed", "Không thành công"


# Kinds that show the results of several units side by side: a unit's leader sees the
# conference documents of his bloc but not the award proposals of the other units.
LEADER_HIDDEN_KINDS = (ReportKind.NOMINATIONS,)


class ReportJobQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Admins all; a bloc's secretariat and observers every report of its campaigns; the
        leader of a member unit the conference documents of his bloc (DESIGN.md §6: reports,
        "read own"); a unit's officers none."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        assigned = Assignment.objects.filter(user=user)
        bloc_ids = assigned.filter(role__in=[Role.SECRETARY, Role.OBSERVER], bloc__isnull=False).values(
            "bloc_id"
        )
        led_bloc_ids = Membership.objects.filter(
            unit__in=assigned.filter(role=Role.LEADER, unit__isnull=False).values("unit_id")
        ).values("bloc_id")
        return self.filter(
            Q(campaign__bloc__in=bloc_ids)
            | (Q(campaign__bloc__in=led_bloc_ids) & ~Q(kind__in=LEADER_HIDDEN_KINDS))
        )

    def active(self):
        return self.filter(state__in=[JobState.QUEUED, JobState.RUNNING])


class ReportJob(models.Model):
    """One request for a PDF and what became of it.

    The document is for exactly one object: a review (its report, the score sheet of its
    period, its nomination list), a pledge, or a scoring round (its score sheet). `data_hash`
    is the SHA-256 of the document's source (the HTML built from the data, stylesheet
    included), so that asking again for unchanged data finds the file already made.
    """

    kind = models.CharField("loại báo cáo", max_length=20, choices=ReportKind.choices)
    campaign = models.ForeignKey(
        Campaign, verbose_name="phong trào", on_delete=models.PROTECT, related_name="report_jobs"
    )
    review = models.ForeignKey(
        Review, verbose_name="hội nghị", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    pledge = models.ForeignKey(
        Pledge, verbose_name="giao ước", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    scoring_round = models.ForeignKey(
        ScoringRound,
        verbose_name="đợt chấm",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    parameters = models.JSONField("tham số", default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="người yêu cầu", on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField("thời điểm yêu cầu", auto_now_add=True, db_index=True)
    state = models.CharField("trạng thái", max_length=10, choices=JobState.choices, default=JobState.QUEUED)
    progress = models.PositiveSmallIntegerField("tiến độ (%)", default=0)
    stage = models.CharField("bước", max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField("số lần chạy", default=0)
    enqueued_at = models.DateTimeField("lần đưa vào hàng đợi cuối", null=True, blank=True)
    started_at = models.DateTimeField("bắt đầu", null=True, blank=True)
    heartbeat_at = models.DateTimeField("tín hiệu gần nhất của tiến trình", null=True, blank=True)
    finished_at = models.DateTimeField("kết thúc", null=True, blank=True)
    worker = models.CharField("tiến trình xử lý", max_length=200, blank=True)
    file = models.FileField("tệp", upload_to="reports/%Y/%m/", max_length=300, blank=True)
    file_size = models.PositiveIntegerField("dung lượng (byte)", null=True, blank=True)
    file_sha256 = models.CharField("mã băm SHA-256 của tệp", max_length=64, blank=True)
    data_hash = models.CharField("mã băm dữ liệu nguồn", max_length=64, blank=True, db_index=True)
    page_count = models.PositiveSmallIntegerField("số trang", null=True, blank=True)
    error = models.TextField("lỗi", max_length=4000, blank=True)

    objects = ReportJobQuerySet.as_manager()

    class Meta:
        verbose_name = "báo cáo"
        verbose_name_plural = "báo cáo"
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(review__isnull=False, pledge__isnull=True, scoring_round__isnull=True)
                    | Q(review__isnull=True, pledge__isnull=False, scoring_round__isnull=True)
                    | Q(review__isnull=True, pledge__isnull=True, scoring_round__isnull=False)
                ),
                name="reportjob_one_target",
                violation_error_message="Mỗi báo cáo thuộc đúng một hội nghị, một giao ước hoặc một đợt chấm.",
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        kind__in=[ReportKind.SO_KET, ReportKind.TONG_KET, ReportKind.NOMINATIONS],
                        review__isnull=False,
                    )
                    | Q(kind=ReportKind.PLEDGE, pledge__isnull=False)
                    | Q(kind=ReportKind.RANKING_SHEET, pledge__isnull=True)
                ),
                name="reportjob_kind_matches_target",
                violation_error_message="Loại báo cáo không phù hợp với đối tượng.",
            ),
            models.CheckConstraint(
                condition=Q(progress__lte=100),
                name="reportjob_progress_percent",
                violation_error_message="Tiến độ không quá 100%.",
            ),
        ]
        indexes = [models.Index(fields=["state", "heartbeat_at"], name="reportjob_state_heartbeat")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def target(self):
        return self.review or self.pledge or self.scoring_round

    @property
    def is_active(self) -> bool:
        return self.state in (JobState.QUEUED, JobState.RUNNING)

    @property
    def short_hash(self) -> str:
        return self.file_sha256[:12]
