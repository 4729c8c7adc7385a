"""Django admin for campaigns and pledges.

Everything here is read-only. Campaigns and drives are changed through the application's pages
(services with their rules and audit events); pledges, their items, registrations and
signatures are sealed once opened, and the admin must not be a way around that (DESIGN.md §8:
"not even by the admin site")."""

from __future__ import annotations

from django.contrib import admin

from blocs.admin import ReadOnlyAdminMixin, ReadOnlyHistoryAdmin
from campaigns.models import (
    Campaign,
    Drive,
    Pledge,
    PledgeItem,
    PledgeRegistration,
    PledgeSignature,
)


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DriveInline(_ReadOnlyInline):
    model = Drive
    fields = ("name", "starts_on", "ends_on")


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyHistoryAdmin):
    list_display = ("name", "bloc", "year", "starts_on", "ends_on", "state")
    list_filter = ("state", "year")
    list_select_related = ("bloc",)
    search_fields = ("name", "bloc__name", "bloc__search_key")
    inlines = [DriveInline]


@admin.register(Drive)
class DriveAdmin(ReadOnlyHistoryAdmin):
    list_display = ("name", "campaign", "starts_on", "ends_on")
    list_select_related = ("campaign__bloc",)
    search_fields = ("name", "campaign__name")


class PledgeItemInline(_ReadOnlyInline):
    model = PledgeItem
    fields = ("position", "content", "indicator", "unit_of_measure", "comparison", "target_value")


class PledgeRegistrationInline(_ReadOnlyInline):
    model = PledgeRegistration
    fields = ("unit", "title")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("unit")


class PledgeSignatureInline(_ReadOnlyInline):
    model = PledgeSignature
    fields = ("sequence", "kind", "unit", "signer_name", "signed_at", "record_hash")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("unit")


@admin.register(Pledge)
class PledgeAdmin(ReadOnlyHistoryAdmin):
    list_display = ("title", "campaign", "state", "version", "short_code", "opened_at")
    list_filter = ("state", "period")
    list_select_related = ("campaign__bloc",)
    search_fields = ("title", "campaign__name", "content_hash")
    fieldsets = (
        (None, {"fields": ("campaign", "drive", "period", "title", "preamble", "state", "version")}),
        (
            "Niêm phong",
            {
                "fields": (
                    "short_code",
                    "content_hash",
                    "opened_at",
                    "opened_by",
                    "completed_at",
                    "supersedes",
                    "revoked_at",
                    "revoke_reason",
                )
            },
        ),
        ("Nội dung chuẩn hóa", {"classes": ("collapse",), "fields": ("canonical_content",)}),
    )
    readonly_fields = (
        "short_code",
        "content_hash",
        "opened_at",
        "opened_by",
        "completed_at",
        "revoked_at",
        "revoke_reason",
        "canonical_content",
    )
    inlines = [PledgeItemInline, PledgeRegistrationInline, PledgeSignatureInline]

    @admin.display(description="mã rút gọn")
    def short_code(self, obj: Pledge) -> str:
        return obj.short_code


@admin.register(PledgeItem)
class PledgeItemAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("pledge", "position", "short_content", "indicator", "target_display")
    list_select_related = ("pledge",)
    search_fields = ("content", "indicator", "pledge__title")

    @admin.display(description="nội dung")
    def short_content(self, obj: PledgeItem) -> str:
        return obj.content[:80]

    @admin.display(description="chỉ tiêu")
    def target_display(self, obj: PledgeItem) -> str:
        return obj.target_display


@admin.register(PledgeRegistration)
class PledgeRegistrationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("pledge", "unit", "title")
    list_select_related = ("pledge", "unit")
    search_fields = ("title", "unit__name", "pledge__title")


@admin.register(PledgeSignature)
class PledgeSignatureAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("pledge", "sequence", "kind", "unit", "signer_name", "signed_at", "record_hash_prefix")
    list_filter = ("kind",)
    list_select_related = ("pledge", "unit")
    search_fields = ("signer_name", "unit__name", "pledge__title", "record_hash")
    date_hierarchy = "signed_at"

    @admin.display(description="mã băm bản ghi")
    def record_hash_prefix(self, obj: PledgeSignature) -> str:
        return obj.record_hash[:12]
