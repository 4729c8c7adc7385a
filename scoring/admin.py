"""Django admin for scoring.

Everything here is read-only. Criteria, rounds, scores and rules are changed through the
application's pages (services with their rules: frozen criteria sets, the round state machine,
optimistic locking, corrections with a reason, audit events); a published round cannot be
changed "not even by the admin site" (DESIGN.md §8)."""

from __future__ import annotations

from django.contrib import admin

from blocs.admin import ReadOnlyAdminMixin, ReadOnlyHistoryAdmin
from scoring.models import (
    Correction,
    CriteriaSet,
    Criterion,
    Objection,
    RankingEntry,
    RankingSnapshot,
    Score,
    Scorecard,
    ScoringRound,
    ScoringRules,
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


class CriterionInline(_ReadOnlyInline):
    model = Criterion
    fk_name = "criteria_set"
    fields = ("code", "title", "kind", "max_points", "is_core", "parent", "position")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("parent")


@admin.register(CriteriaSet)
class CriteriaSetAdmin(ReadOnlyHistoryAdmin):
    list_display = ("name", "campaign", "version", "frozen_at", "created_at")
    list_select_related = ("campaign__bloc",)
    search_fields = ("name", "campaign__name", "campaign__bloc__name")
    inlines = [CriterionInline]


@admin.register(Criterion)
class CriterionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("code", "short_title", "kind", "max_points", "is_core", "criteria_set")
    list_filter = ("kind", "is_core")
    list_select_related = ("criteria_set__campaign",)
    search_fields = ("code", "title", "criteria_set__name")

    @admin.display(description="nội dung tiêu chí")
    def short_title(self, obj: Criterion) -> str:
        return obj.title[:80]


@admin.register(ScoringRound)
class ScoringRoundAdmin(ReadOnlyHistoryAdmin):
    list_display = ("__str__", "period", "starts_on", "ends_on", "entry_deadline", "state", "published_at")
    list_filter = ("state", "period")
    list_select_related = ("campaign__bloc",)
    search_fields = ("campaign__name", "campaign__bloc__name")


class ScoreInline(_ReadOnlyInline):
    model = Score
    fields = ("criterion", "points", "note", "evidence", "updated_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("criterion")


@admin.register(Scorecard)
class ScorecardAdmin(ReadOnlyHistoryAdmin):
    list_display = (
        "scored_unit",
        "kind",
        "author_unit",
        "round",
        "state",
        "version",
        "updated_at",
        "updated_by",
    )
    list_filter = ("kind", "state")
    list_select_related = ("scored_unit", "author_unit", "round__campaign__bloc", "updated_by")
    search_fields = ("scored_unit__name", "scored_unit__code", "round__campaign__bloc__name")
    inlines = [ScoreInline]


@admin.register(Score)
class ScoreAdmin(ReadOnlyHistoryAdmin):
    list_display = ("criterion", "points", "scorecard", "updated_at")
    list_select_related = ("criterion", "scorecard__scored_unit", "scorecard__round__campaign__bloc")
    search_fields = ("criterion__code", "scorecard__scored_unit__name")


@admin.register(Correction)
class CorrectionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("scorecard", "version", "reason", "made_by", "made_at")
    list_select_related = ("scorecard__scored_unit", "scorecard__round__campaign__bloc", "made_by")
    search_fields = ("reason", "scorecard__scored_unit__name")
    date_hierarchy = "made_at"


@admin.register(ScoringRules)
class ScoringRulesAdmin(ReadOnlyHistoryAdmin):
    list_display = ("campaign", "card_basis", "peer_scoring", "aggregation")
    list_select_related = ("campaign__bloc",)
    search_fields = ("campaign__name", "campaign__bloc__name")


class RankingEntryInline(_ReadOnlyInline):
    model = RankingEntry
    fields = ("position", "rank", "tied", "unit_name", "total", "classification", "disqualified")


@admin.register(RankingSnapshot)
class RankingSnapshotAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("campaign", "period", "version", "made_at", "made_by", "reason")
    list_filter = ("period",)
    inlines = [RankingEntryInline]


@admin.register(Objection)
class ObjectionAdmin(ReadOnlyHistoryAdmin):
    list_display = ("round", "unit", "criterion", "state", "filed_at", "answered_at")
    list_filter = ("state",)
