"""Campaigns (emulation years), peak drives, and pledges with their signatures."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from blocs.models import Bloc, Unit
from thidua.lib.models import AppendOnlyModel, AppendOnlyQuerySet

FROZEN_MESSAGE = "Giao ước đã mở ký nên nội dung đã được niêm phong, không thể sửa hoặc xóa."


class CampaignState(models.TextChoices):
    DRAFT = "draft", "Dự thảo"
    ACTIVE = "active", "Đang thực hiện"
    CLOSED = "closed", "Đã kết thúc"


class CampaignQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(bloc__in=Bloc.objects.visible_to(user))


class Campaign(models.Model):
    """A bloc's Phong trào Thi đua Quyết thắng for one year."""

    bloc = models.ForeignKey(
        Bloc, verbose_name="khối/cụm", on_delete=models.PROTECT, related_name="campaigns"
    )
    year = models.PositiveSmallIntegerField("năm")
    name = models.CharField("tên phong trào", max_length=200)
    theme = models.CharField("chủ đề", max_length=300, blank=True)
    guiding_idea = models.TextField("tư tưởng chỉ đạo", max_length=2000, blank=True)
    starts_on = models.DateField("ngày bắt đầu")
    ends_on = models.DateField("ngày kết thúc")
    launched_on = models.DateField("ngày phát động", null=True, blank=True)
    state = models.CharField(
        "trạng thái", max_length=10, choices=CampaignState.choices, default=CampaignState.DRAFT
    )
    copied_from = models.ForeignKey(
        "self", verbose_name="sao chép từ", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("ngày tạo", auto_now_add=True)

    history = HistoricalRecords()
    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = "phong trào thi đua"
        verbose_name_plural = "phong trào thi đua"
        ordering = ["-year", "bloc_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["bloc", "year"],
                name="campaign_one_per_bloc_year",
                violation_error_message="Khối/cụm này đã có phong trào thi đua của năm này.",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gt=models.F("starts_on")),
                name="campaign_ends_after_start",
                violation_error_message="Ngày kết thúc phải sau ngày bắt đầu.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} – {self.bloc.name}"

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.year and self.starts_on and self.starts_on.year != self.year:
            errors["starts_on"] = f"Ngày bắt đầu phải thuộc năm {self.year}."
        if self.year and self.ends_on and self.ends_on.year != self.year:
            errors["ends_on"] = f"Ngày kết thúc phải thuộc năm {self.year}."
        if self.starts_on and self.ends_on and self.ends_on <= self.starts_on:
            errors["ends_on"] = "Ngày kết thúc phải sau ngày bắt đầu."
        if self.launched_on and self.year and self.launched_on.year != self.year:
            errors["launched_on"] = f"Ngày phát động phải thuộc năm {self.year}."
        if errors:
            raise ValidationError(errors)

    @staticmethod
    def default_dates(year: int) -> tuple[date, date]:
        return date(year, 1, 1), date(year, 12, 31)


class Drive(models.Model):
    """A peak drive (đợt thi đua cao điểm) inside a campaign. Drives may overlap."""

    campaign = models.ForeignKey(
        Campaign, verbose_name="phong trào", on_delete=models.CASCADE, related_name="drives"
    )
    name = models.CharField("tên đợt thi đua", max_length=200)
    starts_on = models.DateField("ngày bắt đầu")
    ends_on = models.DateField("ngày kết thúc")
    contents = models.TextField("nội dung", max_length=5000, blank=True)
    targets = models.JSONField("chỉ tiêu", default=list, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "đợt thi đua cao điểm"
        verbose_name_plural = "đợt thi đua cao điểm"
        ordering = ["starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="drive_ends_after_start",
                violation_error_message="Ngày kết thúc đợt phải sau hoặc bằng ngày bắt đầu.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        errors = {}
        campaign = self.campaign if self.campaign_id else None
        if campaign and self.starts_on and not (campaign.starts_on <= self.starts_on <= campaign.ends_on):
            errors["starts_on"] = (
                f"Ngày bắt đầu đợt phải nằm trong thời gian của phong trào "
                f"({campaign.starts_on:%d/%m/%Y} – {campaign.ends_on:%d/%m/%Y})."
            )
        if campaign and self.ends_on and not (campaign.starts_on <= self.ends_on <= campaign.ends_on):
            errors["ends_on"] = (
                f"Ngày kết thúc đợt phải nằm trong thời gian của phong trào "
                f"({campaign.starts_on:%d/%m/%Y} – {campaign.ends_on:%d/%m/%Y})."
            )
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = "Ngày kết thúc đợt phải sau hoặc bằng ngày bắt đầu."
        if errors:
            raise ValidationError(errors)


class PledgePeriod(models.TextChoices):
    YEAR = "year", "Cả năm"
    FIRST_HALF = "h1", "6 tháng đầu năm"
    SECOND_HALF = "h2", "6 tháng cuối năm"
    DRIVE = "drive", "Đợt thi đua cao điểm"


class PledgeState(models.TextChoices):
    DRAFT = "draft", "Dự thảo"
    OPEN = "open", "Đang ký"
    COMPLETE = "complete", "Đã ký đủ"
    CLOSED = "closed", "Đã kết thúc"
    REVOKED = "revoked", "Đã thu hồi"


FROZEN_STATES = (PledgeState.OPEN, PledgeState.COMPLETE, PledgeState.CLOSED, PledgeState.REVOKED)
# Columns fixed once a pledge is opened; a database trigger guards the same list on PostgreSQL.
PLEDGE_FROZEN_FIELDS = (
    "campaign_id",
    "drive_id",
    "period",
    "title",
    "preamble",
    "version",
    "canonical_content",
    "content_hash",
    "opened_at",
)


class PledgeQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(campaign__bloc__in=Bloc.objects.visible_to(user))

    def frozen(self):
        return self.exclude(state=PledgeState.DRAFT)

    def update(self, **kwargs):
        frozen_names = set(PLEDGE_FROZEN_FIELDS) | {f.removesuffix("_id") for f in PLEDGE_FROZEN_FIELDS}
        reopens = kwargs.get("state") == PledgeState.DRAFT
        if (reopens or frozen_names & set(kwargs)) and self.frozen().exists():
            raise ValidationError(FROZEN_MESSAGE)
        return super().update(**kwargs)

    def delete(self):
        if self.frozen().exists():
            raise ValidationError(FROZEN_MESSAGE)
        return super().delete()


class Pledge(models.Model):
    """A giao ước thi đua: drafted by the secretariat, frozen when opened, signed by every
    member unit's leader."""

    campaign = models.ForeignKey(
        Campaign, verbose_name="phong trào", on_delete=models.PROTECT, related_name="pledges"
    )
    drive = models.ForeignKey(
        Drive,
        verbose_name="đợt thi đua",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pledges",
    )
    period = models.CharField(
        "thời gian giao ước", max_length=10, choices=PledgePeriod.choices, default=PledgePeriod.YEAR
    )
    title = models.CharField("tiêu đề", max_length=250)
    preamble = models.TextField("lời mở đầu", max_length=10000, blank=True)
    state = models.CharField(
        "trạng thái", max_length=10, choices=PledgeState.choices, default=PledgeState.DRAFT
    )
    version = models.PositiveSmallIntegerField("phiên bản", default=1)
    supersedes = models.OneToOneField(
        "self",
        verbose_name="thay thế phiên bản",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    canonical_content = models.TextField("nội dung chuẩn hóa", blank=True, editable=False)
    content_hash = models.CharField("mã băm nội dung (SHA-256)", max_length=64, blank=True, editable=False)
    opened_at = models.DateTimeField("thời điểm mở ký", null=True, blank=True, editable=False)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    completed_at = models.DateTimeField("thời điểm ký đủ", null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField("thời điểm thu hồi", null=True, blank=True, editable=False)
    revoke_reason = models.CharField("lý do thu hồi", max_length=500, blank=True, editable=False)
    created_at = models.DateTimeField("ngày tạo", auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["canonical_content"])
    objects = PledgeQuerySet.as_manager()

    class Meta:
        verbose_name = "giao ước thi đua"
        verbose_name_plural = "giao ước thi đua"
        ordering = ["-campaign__year", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(period="drive") | Q(drive__isnull=False),
                name="pledge_drive_period_has_drive",
                violation_error_message="Giao ước của đợt thi đua cao điểm phải chọn đợt thi đua.",
            ),
            models.CheckConstraint(
                condition=Q(state="draft") | ~Q(content_hash=""),
                name="pledge_frozen_has_hash",
                violation_error_message="Giao ước đã mở ký phải có mã băm nội dung.",
            ),
        ]

    def __str__(self) -> str:
        suffix = f" (phiên bản {self.version})" if self.version > 1 else ""
        return f"{self.title}{suffix}"

    def save(self, *args, **kwargs):
        if not self._state.adding and self.pk is not None:
            self._refuse_change_if_frozen(kwargs.get("update_fields"))
        super().save(*args, **kwargs)

    def _refuse_change_if_frozen(self, update_fields) -> None:
        """Compare with the stored row, not with a snapshot taken when the instance was loaded:
        an instance read while the pledge was a draft (or refreshed with refresh_from_db) must
        not overwrite the pledge once it has been opened, nor turn it back into a draft."""
        deferred = self.get_deferred_fields()
        fields = [f for f in PLEDGE_FROZEN_FIELDS if f not in deferred]
        checks_state = "state" not in deferred
        if update_fields is not None:
            names = set(update_fields)
            fields = [f for f in fields if f in names or f.removesuffix("_id") in names]
            checks_state = "state" in names
        if not fields and not checks_state:
            return
        stored = Pledge.objects.filter(pk=self.pk).frozen().order_by("pk").values("pk", *fields).first()
        if stored is None:
            return
        if (checks_state and self.state == PledgeState.DRAFT) or any(
            stored[f] != getattr(self, f) for f in fields
        ):
            raise ValidationError(FROZEN_MESSAGE)

    def delete(self, *args, **kwargs):
        if self.is_frozen or Pledge.objects.filter(pk=self.pk).frozen().exists():
            raise ValidationError(FROZEN_MESSAGE)
        return super().delete(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        if self.drive_id and self.campaign_id and self.drive.campaign_id != self.campaign_id:
            raise ValidationError({"drive": "Đợt thi đua phải thuộc phong trào của giao ước."})
        if self.period == PledgePeriod.DRIVE and not self.drive_id:
            raise ValidationError({"drive": "Giao ước của đợt thi đua cao điểm phải chọn đợt thi đua."})

    @property
    def is_frozen(self) -> bool:
        return self.state != PledgeState.DRAFT

    @property
    def short_code(self) -> str:
        """The first 12 hex digits of the content hash, grouped for reading aloud."""
        code = self.content_hash[:12].upper()
        return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


class _FrozenChildQuerySet(models.QuerySet):
    def _refuse_if_frozen(self):
        if self.exclude(pledge__state=PledgeState.DRAFT).exists():
            raise ValidationError(FROZEN_MESSAGE)

    def update(self, **kwargs):
        self._refuse_if_frozen()
        return super().update(**kwargs)

    def delete(self):
        self._refuse_if_frozen()
        return super().delete()


class _FrozenChild(models.Model):
    """A part of a pledge's content: editable only while the pledge is a draft."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if Pledge.objects.filter(pk=self.pledge_id).exclude(state=PledgeState.DRAFT).exists():
            raise ValidationError(FROZEN_MESSAGE)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if Pledge.objects.filter(pk=self.pledge_id).exclude(state=PledgeState.DRAFT).exists():
            raise ValidationError(FROZEN_MESSAGE)
        return super().delete(*args, **kwargs)


class Comparison(models.TextChoices):
    AT_LEAST = "gte", "≥ (ít nhất)"
    AT_MOST = "lte", "≤ (không quá)"
    EQUAL = "eq", "= (đúng bằng)"


class PledgeItem(_FrozenChild):
    """One promised target: content, indicator, unit of measure, target value."""

    pledge = models.ForeignKey(
        Pledge, verbose_name="giao ước", on_delete=models.CASCADE, related_name="items"
    )
    position = models.PositiveSmallIntegerField("thứ tự")
    content = models.TextField("nội dung", max_length=2000)
    indicator = models.CharField(
        "chỉ tiêu", max_length=300, blank=True, help_text="Ví dụ: Tỷ lệ quân số khỏe"
    )
    unit_of_measure = models.CharField("đơn vị tính", max_length=50, blank=True, help_text="Ví dụ: %")
    comparison = models.CharField(
        "so sánh", max_length=3, choices=Comparison.choices, default=Comparison.AT_LEAST
    )
    target_value = models.DecimalField(
        "giá trị chỉ tiêu", max_digits=12, decimal_places=2, null=True, blank=True
    )

    objects = _FrozenChildQuerySet.as_manager()

    class Meta:
        verbose_name = "nội dung giao ước"
        verbose_name_plural = "nội dung giao ước"
        ordering = ["pledge", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["pledge", "position"],
                name="pledge_item_position_unique",
                violation_error_message="Thứ tự này đã có nội dung khác.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.content[:60]}"

    @property
    def target_display(self) -> str:
        from thidua.lib.numbers import format_decimal

        if self.target_value is None:
            return ""
        symbol = {"gte": "≥", "lte": "≤", "eq": "="}[self.comparison]
        unit = f" {self.unit_of_measure}" if self.unit_of_measure else ""
        return f"{symbol} {format_decimal(self.target_value)}{unit}"


class PledgeRegistration(_FrozenChild):
    """A member unit's registration of the title it aims for (đăng ký danh hiệu)."""

    pledge = models.ForeignKey(
        Pledge, verbose_name="giao ước", on_delete=models.CASCADE, related_name="registrations"
    )
    unit = models.ForeignKey(Unit, verbose_name="đơn vị", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("danh hiệu đăng ký", max_length=200)

    objects = _FrozenChildQuerySet.as_manager()

    class Meta:
        verbose_name = "đăng ký danh hiệu"
        verbose_name_plural = "đăng ký danh hiệu"
        constraints = [
            models.UniqueConstraint(
                fields=["pledge", "unit", "title"],
                name="pledge_registration_unique",
                violation_error_message="Đơn vị đã đăng ký danh hiệu này.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} – {self.title}"


class SignatureKind(models.TextChoices):
    MEMBER = "member", "Đơn vị thành viên"
    WITNESS = "witness", "Chứng kiến (cấp trên)"


class _SignatureQuerySet(AppendOnlyQuerySet):
    changed_message = "Chữ ký đã ghi không thể sửa."
    deleted_message = "Chữ ký đã ghi không thể xóa."


class PledgeSignature(AppendOnlyModel):
    """An electronic acknowledgement of a pledge, chained to the previous one by its hash.

    This is a simple electronic signature recorded with integrity (Luật Giao dịch điện tử
    2023), not a digital signature (chữ ký số)."""

    pledge = models.ForeignKey(
        Pledge, verbose_name="giao ước", on_delete=models.PROTECT, related_name="signatures"
    )
    sequence = models.PositiveIntegerField("số thứ tự ký")
    kind = models.CharField(
        "loại chữ ký", max_length=10, choices=SignatureKind.choices, default=SignatureKind.MEMBER
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name="đơn vị",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pledge_signatures",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người ký",
        on_delete=models.PROTECT,
        related_name="pledge_signatures",
    )
    signer_name = models.CharField("họ tên người ký", max_length=150)
    signer_rank = models.CharField("cấp bậc", max_length=60, blank=True)
    signer_position = models.CharField("chức vụ", max_length=150, blank=True)
    signed_at = models.DateTimeField("thời điểm ký (giờ máy chủ)")
    ip = models.GenericIPAddressField("địa chỉ IP", null=True, blank=True)
    user_agent = models.CharField("trình duyệt", max_length=300, blank=True)
    content_hash = models.CharField("mã băm nội dung đã ký", max_length=64)
    previous_hash = models.CharField("mã băm chữ ký trước", max_length=64)
    record_hash = models.CharField("mã băm bản ghi", max_length=64, unique=True)

    objects = _SignatureQuerySet.as_manager()

    class Meta:
        verbose_name = "chữ ký giao ước"
        verbose_name_plural = "chữ ký giao ước"
        ordering = ["pledge", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["pledge", "sequence"],
                name="pledge_signature_sequence_unique",
                violation_error_message="Chuỗi chữ ký bị trùng số thứ tự.",
            ),
            models.UniqueConstraint(
                fields=["pledge", "unit"],
                condition=Q(kind="member"),
                name="pledge_signature_one_per_unit",
                violation_error_message="Đơn vị này đã ký giao ước.",
            ),
            models.UniqueConstraint(
                fields=["pledge"],
                condition=Q(kind="witness"),
                name="pledge_signature_one_witness",
                violation_error_message="Giao ước đã có chữ ký chứng kiến.",
            ),
            models.CheckConstraint(
                condition=Q(kind="witness") | Q(unit__isnull=False),
                name="pledge_signature_member_has_unit",
                violation_error_message="Chữ ký của đơn vị thành viên phải ghi đơn vị.",
            ),
        ]

    def __str__(self) -> str:
        who = self.unit.name if self.unit_id else "Chứng kiến"
        return f"{self.pledge} – {who} – {self.signer_name}"
