"""Organisation: units, blocs and clusters, memberships, chair terms, users and their roles."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import connection, models
from django.db.models import Q
from django.db.models.functions import Collate
from django.utils import timezone
from simple_history.models import HistoricalRecords

from thidua.lib.text import fold, nfc, sort_key

ICU_COLLATION = "vi-x-icu"


def vietnamese_order(field: str, *, descending: bool = False):
    """Order expression for a name: ICU Vietnamese collation on PostgreSQL, the stored
    `sort_key` elsewhere (SQLite has no Vietnamese collation)."""
    if connection.vendor == "postgresql":
        expression = Collate(models.F(field), ICU_COLLATION)
    else:
        prefix = field.rpartition("__")[0]
        expression = models.F(f"{prefix}__sort_key" if prefix else "sort_key")
    return expression.desc() if descending else expression.asc()


class NamedQuerySet(models.QuerySet):
    def search(self, text: str):
        """Accent-insensitive search on the folded name (and code where there is one)."""
        key = fold(text)
        if not key:
            return self
        condition = Q(search_key__contains=key)
        if "code" in {f.name for f in self.model._meta.fields}:
            condition |= Q(code__iexact=text.strip())
        return self.filter(condition)

    def in_vietnamese_order(self):
        return self.order_by(vietnamese_order("name"), "pk")


class NamedModel(models.Model):
    """A model with a Vietnamese name kept in NFC, with its search and sort keys."""

    search_key = models.CharField("khóa tìm kiếm", max_length=300, editable=False, db_index=True)
    sort_key = models.CharField("khóa sắp xếp", max_length=700, editable=False, db_index=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.refresh_keys()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "name", "search_key", "sort_key"}
        super().save(*args, **kwargs)

    def refresh_keys(self) -> None:
        self.name = nfc(self.name)
        self.search_key = fold(" ".join(filter(None, [self.name, getattr(self, "short_name", "")])))
        self.sort_key = sort_key(self.name)


class User(AbstractUser):
    """A person who signs in. Their name, rank and position are printed where they sign."""

    full_name = models.CharField("họ và tên", max_length=150, blank=True)
    rank = models.CharField("cấp bậc", max_length=60, blank=True, help_text="Ví dụ: Đại tá")
    position = models.CharField("chức vụ", max_length=150, blank=True, help_text="Ví dụ: Chính ủy")

    class Meta:
        verbose_name = "người dùng"
        verbose_name_plural = "người dùng"

    def __str__(self) -> str:
        return self.full_name or self.get_full_name() or self.username

    def save(self, *args, **kwargs):
        self.full_name = nfc(self.full_name)
        self.rank = nfc(self.rank)
        self.position = nfc(self.position)
        super().save(*args, **kwargs)


class Echelon(models.TextChoices):
    MINISTRY = "bo", "Bộ"
    GENERAL_DEPARTMENT = "tong_cuc", "Tổng cục"
    MILITARY_REGION = "quan_khu", "Quân khu, tương đương"
    SERVICE = "quan_chung", "Quân chủng, binh chủng"
    CORPS = "quan_doan", "Quân đoàn, binh đoàn"
    DIVISION = "su_doan", "Sư đoàn"
    BRIGADE = "lu_doan", "Lữ đoàn"
    REGIMENT = "trung_doan", "Trung đoàn"
    BATTALION = "tieu_doan", "Tiểu đoàn"
    COMPANY = "dai_doi", "Đại đội"
    PROVINCE = "tinh", "Bộ CHQS tỉnh"
    DISTRICT = "huyen", "Ban CHQS huyện"
    ACADEMY = "hoc_vien", "Học viện"
    SCHOOL = "nha_truong", "Nhà trường"
    ENTERPRISE = "doanh_nghiep", "Doanh nghiệp quân đội"
    AGENCY = "co_quan", "Cơ quan"
    OTHER = "khac", "Khác"


class UnitQuerySet(NamedQuerySet):
    def active(self):
        return self.filter(is_active=True)

    def visible_to(self, user):
        """Units a user may see: admins all; others their own units with what lies under
        them, and the member units of the blocs they may see."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        own = Assignment.objects.filter(user=user, unit__isnull=False).values("unit_id")
        blocs = Bloc.objects.visible_to(user).values("pk")
        members = Membership.objects.filter(bloc__in=blocs).values("unit_id")
        organisers = Bloc.objects.filter(pk__in=blocs).values("organiser_id")
        # Descendants of own units: materialised path prefix match.
        own_paths = Unit.objects.filter(pk__in=own).values_list("path", flat=True)
        condition = Q(pk__in=own) | Q(pk__in=members) | Q(pk__in=organisers)
        for path in own_paths:
            condition |= Q(path__startswith=path)
        return self.filter(condition)


class Unit(NamedModel):
    """A unit of the army, anywhere in the tree (Bộ Quốc phòng → … → đại đội)."""

    code = models.CharField(
        "mã đơn vị",
        max_length=40,
        unique=True,
        validators=[
            RegexValidator(
                r"^[A-Z0-9][A-Z0-9._-]*$",
                "Mã đơn vị chỉ gồm chữ cái in hoa không dấu (A–Z), chữ số và các dấu - _ . (ví dụ QK1).",
            )
        ],
        error_messages={"unique": "Mã đơn vị này đã được dùng cho một đơn vị khác."},
        help_text="Mã duy nhất, chữ không dấu, số, gạch ngang (ví dụ QK1).",
    )
    name = models.CharField("tên đơn vị", max_length=200)
    short_name = models.CharField("tên viết tắt", max_length=60, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name="đơn vị cấp trên",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    echelon = models.CharField("cấp", max_length=20, choices=Echelon.choices, default=Echelon.OTHER)
    is_active = models.BooleanField("đang hoạt động", default=True)
    # Materialised path of primary keys ("/1/4/9/"), kept by the services, for subtree queries.
    path = models.CharField("đường dẫn cây", max_length=500, editable=False, db_index=True, default="")
    depth = models.PositiveSmallIntegerField("độ sâu", editable=False, default=0)

    history = HistoricalRecords(excluded_fields=["search_key", "sort_key", "path", "depth"])
    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = "đơn vị"
        verbose_name_plural = "đơn vị"
        constraints = [
            models.CheckConstraint(
                condition=~Q(code=""),
                name="unit_code_not_empty",
                violation_error_message="Mã đơn vị không được để trống.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        self.code = nfc(self.code).upper()
        if self.parent_id and self.pk:
            ancestor = self.parent
            while ancestor is not None:
                if ancestor.pk == self.pk:
                    raise ValidationError(
                        {"parent": "Đơn vị cấp trên không được là chính nó hoặc đơn vị cấp dưới của nó."}
                    )
                ancestor = ancestor.parent

    def ancestors(self) -> list[Unit]:
        ids = [int(part) for part in self.path.strip("/").split("/") if part][:-1]
        by_id = Unit.objects.in_bulk(ids)
        return [by_id[i] for i in ids if i in by_id]


class BlocKind(models.TextChoices):
    BLOC = "khoi", "Khối thi đua"
    CLUSTER = "cum", "Cụm thi đua"


class BlocQuerySet(NamedQuerySet):
    def active(self):
        return self.filter(is_active=True)

    def visible_to(self, user):
        """Blocs a user may see: admins all; secretaries and observers their blocs; leaders
        and officers the blocs their unit belongs or belonged to."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        assigned = Assignment.objects.filter(user=user)
        direct = assigned.filter(bloc__isnull=False).values("bloc_id")
        via_unit = Membership.objects.filter(
            unit__in=assigned.filter(unit__isnull=False).values("unit_id")
        ).values("bloc_id")
        return self.filter(Q(pk__in=direct) | Q(pk__in=via_unit))


class Bloc(NamedModel):
    """A khối or cụm thi đua: units of similar function that compete together."""

    name = models.CharField("tên khối/cụm", max_length=200)
    kind = models.CharField("loại", max_length=10, choices=BlocKind.choices, default=BlocKind.BLOC)
    organiser = models.ForeignKey(
        Unit,
        verbose_name="cấp tổ chức",
        on_delete=models.PROTECT,
        related_name="organised_blocs",
        help_text="Đơn vị đã thành lập khối/cụm (ví dụ Bộ Quốc phòng).",
    )
    decision_number = models.CharField("số quyết định thành lập", max_length=60, blank=True)
    decision_date = models.DateField("ngày quyết định", null=True, blank=True)
    decision_issuer = models.CharField("cơ quan ban hành", max_length=200, blank=True)
    description = models.TextField("ghi chú", blank=True)
    is_active = models.BooleanField("đang hoạt động", default=True)

    history = HistoricalRecords(excluded_fields=["search_key", "sort_key"])
    objects = BlocQuerySet.as_manager()

    class Meta:
        verbose_name = "khối/cụm thi đua"
        verbose_name_plural = "khối/cụm thi đua"
        constraints = [
            models.UniqueConstraint(
                fields=["organiser", "name"],
                name="bloc_name_unique_per_organiser",
                violation_error_message="Cấp tổ chức này đã có một khối/cụm cùng tên.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return f"{self.name} ({self.organiser.short_name or self.organiser.name})"


class MembershipQuerySet(models.QuerySet):
    def current(self, on: date | None = None):
        on = on or timezone.localdate()
        return self.filter(Q(joined_on__lte=on), Q(left_on__isnull=True) | Q(left_on__gte=on))

    def during_year(self, year: int):
        return self.filter(
            Q(joined_on__lte=date(year, 12, 31)), Q(left_on__isnull=True) | Q(left_on__gte=date(year, 1, 1))
        )


class LeaveReason(models.TextChoices):
    LEFT = "left", "Chuyển khối/cụm"
    MERGED = "merged", "Sáp nhập"
    DISSOLVED = "dissolved", "Giải thể"
    OTHER = "other", "Khác"


class Membership(models.Model):
    """A unit's membership of a bloc over a span of dates; history is never overwritten."""

    bloc = models.ForeignKey(
        Bloc, verbose_name="khối/cụm", on_delete=models.PROTECT, related_name="memberships"
    )
    unit = models.ForeignKey(
        Unit, verbose_name="đơn vị", on_delete=models.PROTECT, related_name="memberships"
    )
    joined_on = models.DateField("ngày tham gia")
    left_on = models.DateField("ngày rời", null=True, blank=True)
    leave_reason = models.CharField("lý do rời", max_length=20, choices=LeaveReason.choices, blank=True)
    note = models.CharField("ghi chú", max_length=300, blank=True)

    history = HistoricalRecords()
    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = "thành viên khối/cụm"
        verbose_name_plural = "thành viên khối/cụm"
        constraints = [
            models.UniqueConstraint(
                fields=["bloc", "unit"],
                condition=Q(left_on__isnull=True),
                name="membership_one_open_per_bloc_unit",
                violation_error_message="Đơn vị này đang là thành viên của khối/cụm.",
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("joined_on")),
                name="membership_left_after_joined",
                violation_error_message="Ngày rời phải sau hoặc bằng ngày tham gia.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} – {self.bloc}"

    @property
    def is_current(self) -> bool:
        today = timezone.localdate()
        return self.joined_on <= today and (self.left_on is None or self.left_on >= today)


class ChairTerm(models.Model):
    """The chair (khối trưởng / cụm trưởng) and deputy of a bloc for one year."""

    bloc = models.ForeignKey(
        Bloc, verbose_name="khối/cụm", on_delete=models.PROTECT, related_name="chair_terms"
    )
    year = models.PositiveSmallIntegerField("năm")
    chair = models.ForeignKey(
        Unit, verbose_name="đơn vị trưởng", on_delete=models.PROTECT, related_name="chair_terms"
    )
    deputy = models.ForeignKey(
        Unit,
        verbose_name="đơn vị phó",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deputy_terms",
    )
    decided_on = models.DateField("ngày quyết định", null=True, blank=True)
    reason = models.CharField(
        "căn cứ/lý do",
        max_length=500,
        blank=True,
        help_text="Ví dụ: suy tôn tại hội nghị tổng kết năm trước.",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "nhiệm kỳ trưởng khối/cụm"
        verbose_name_plural = "nhiệm kỳ trưởng khối/cụm"
        ordering = ["bloc", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["bloc", "year"],
                name="chair_term_one_per_bloc_year",
                violation_error_message="Khối/cụm đã có đơn vị trưởng cho năm này.",
            ),
            models.CheckConstraint(
                condition=~Q(chair=models.F("deputy")),
                name="chair_term_chair_differs_from_deputy",
                violation_error_message="Đơn vị trưởng và đơn vị phó phải là hai đơn vị khác nhau.",
            ),
            models.CheckConstraint(
                condition=Q(year__gte=1945) & Q(year__lte=2200),
                name="chair_term_year_in_range",
                violation_error_message="Năm không hợp lệ.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bloc} – {self.year}: {self.chair}"


class Role(models.TextChoices):
    SECRETARY = "secretary", "Cán bộ thi đua (thường trực khối/cụm)"
    OBSERVER = "observer", "Theo dõi (cấp trên)"
    LEADER = "leader", "Chỉ huy đơn vị"
    OFFICER = "officer", "Cán bộ đơn vị"


BLOC_ROLES = {Role.SECRETARY, Role.OBSERVER}
UNIT_ROLES = {Role.LEADER, Role.OFFICER}


class Assignment(models.Model):
    """A user's role on a bloc (secretary, observer) or a unit (leader, officer)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người dùng",
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    role = models.CharField("vai trò", max_length=20, choices=Role.choices)
    bloc = models.ForeignKey(
        Bloc,
        verbose_name="khối/cụm",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name="đơn vị",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    can_witness = models.BooleanField(
        "được ký chứng kiến", default=False, help_text="Người theo dõi cấp trên được ký chứng kiến giao ước."
    )
    can_approve_awards = models.BooleanField(
        "được duyệt đề nghị khen thưởng",
        default=False,
        help_text="Người theo dõi cấp trên được duyệt hoặc trả lại đề nghị khen thưởng của khối/cụm.",
    )
    created_at = models.DateTimeField("ngày giao", auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "phân quyền"
        verbose_name_plural = "phân quyền"
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(role__in=["observer", "secretary"], bloc__isnull=False, unit__isnull=True)
                    | Q(role__in=["leader", "officer"], unit__isnull=False, bloc__isnull=True)
                ),
                name="assignment_target_matches_role",
                violation_error_message="Cán bộ thi đua và người theo dõi gắn với khối/cụm; chỉ huy và cán bộ đơn vị gắn với đơn vị.",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "bloc"],
                condition=Q(bloc__isnull=False),
                name="assignment_unique_bloc_role",
                violation_error_message="Người dùng đã có vai trò này ở khối/cụm này.",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "unit"],
                condition=Q(unit__isnull=False),
                name="assignment_unique_unit_role",
                violation_error_message="Người dùng đã có vai trò này ở đơn vị này.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} – {self.bloc or self.unit}"


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):  # pragma: no cover - guarded by tests through the model
        raise PermissionError("Nhật ký kiểm tra chỉ được ghi thêm, không được sửa.")


class AuditEvent(models.Model):
    """Append-only record of security-relevant events: logins, denied access, signing, …"""

    class Kind(models.TextChoices):
        LOGIN = "login", "Đăng nhập"
        LOGIN_FAILED = "login_failed", "Đăng nhập thất bại"
        LOGOUT = "logout", "Đăng xuất"
        LOCKED_OUT = "locked_out", "Bị khóa đăng nhập"
        DENIED = "denied", "Truy cập bị từ chối"
        CHANGE = "change", "Thay đổi dữ liệu"
        IMPORT = "import", "Nhập dữ liệu"
        EXPORT = "export", "Xuất dữ liệu"
        SIGN = "sign", "Ký giao ước"
        PUBLISH = "publish", "Công bố, niêm phong"
        REPORT = "report", "Tạo báo cáo"

    at = models.DateTimeField("thời điểm", auto_now_add=True, db_index=True)
    kind = models.CharField("loại", max_length=30, choices=Kind.choices, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người thực hiện",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    username = models.CharField("tên đăng nhập", max_length=150, blank=True)
    ip = models.GenericIPAddressField("địa chỉ IP", null=True, blank=True)
    path = models.CharField("đường dẫn", max_length=500, blank=True)
    summary = models.CharField("nội dung", max_length=500)
    data = models.JSONField("chi tiết", default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = "sự kiện nhật ký"
        verbose_name_plural = "nhật ký kiểm tra"
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.get_kind_display()}: {self.summary}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Nhật ký kiểm tra chỉ được ghi thêm, không được sửa.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Nhật ký kiểm tra chỉ được ghi thêm, không được xóa.")
