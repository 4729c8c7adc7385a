"""Django admin for the organisation.

Writes with rules (units' tree paths, memberships, chair terms, roles) go through the services
and their pages; here those models are read-only so that no rule is bypassed."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin

from blocs.models import Assignment, AuditEvent, Bloc, ChairTerm, Membership, Unit, User


class ReadOnlyAdminMixin:
    """Viewable in the admin, changed only through the application's services."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyHistoryAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """Read-only, with the history pages.

    django-simple-history only hides the "revert" button when the user may not change the
    object; its history form still saves on POST for anyone who may view. Refuse that POST."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0
    fields = ("role", "bloc", "unit", "can_witness")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(User)
class ThiduaUserAdmin(UserAdmin):
    list_display = ("username", "full_name", "rank", "position", "is_active", "is_superuser", "last_login")
    search_fields = ("username", "full_name", "email")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Thông tin cá nhân", {"fields": ("full_name", "rank", "position", "email")}),
        ("Quyền", {"fields": ("is_active", "is_superuser")}),
        ("Thời điểm", {"fields": ("last_login", "date_joined")}),
    )
    inlines = [AssignmentInline]

    def has_delete_permission(self, request, obj=None):
        # Accounts are locked, never deleted: their audit events and signatures point at them.
        return False


@admin.register(Unit)
class UnitAdmin(ReadOnlyHistoryAdmin):
    list_display = ("code", "name", "short_name", "parent", "echelon", "is_active")
    list_filter = ("echelon", "is_active")
    search_fields = ("code", "name", "search_key")


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("unit", "joined_on", "left_on", "leave_reason", "note")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Bloc)
class BlocAdmin(ReadOnlyHistoryAdmin):
    list_display = ("name", "kind", "organiser", "decision_number", "decision_date", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "search_key")
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyHistoryAdmin):
    list_display = ("bloc", "unit", "joined_on", "left_on", "leave_reason")
    list_filter = ("bloc",)


@admin.register(ChairTerm)
class ChairTermAdmin(ReadOnlyHistoryAdmin):
    list_display = ("bloc", "year", "chair", "deputy", "decided_on")
    list_filter = ("year", "bloc")


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyHistoryAdmin):
    list_display = ("user", "role", "bloc", "unit", "can_witness")
    list_filter = ("role",)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("at", "kind", "username", "ip", "summary")
    list_filter = ("kind",)
    search_fields = ("username", "summary")
    date_hierarchy = "at"
