"""Django admin for awards: read-only. Reviews are prepared and closed, and votes cast and
counted, through the application's pages (services with their rules, audit events); ballots
are secret and never shown one by one."""

from __future__ import annotations

from django.contrib import admin

from awards.models import Attendance, BallotRound, Candidate, Election, Review, ReviewSection
from blocs.admin import ReadOnlyHistoryAdmin
from scoring.admin import _ReadOnlyInline


class SectionInline(_ReadOnlyInline):
    model = ReviewSection
    fields = ("position", "title", "edited", "updated_at")


class AttendanceInline(_ReadOnlyInline):
    model = Attendance
    fields = ("unit", "present", "representative")


@admin.register(Review)
class ReviewAdmin(ReadOnlyHistoryAdmin):
    list_display = ("campaign", "kind", "held_on", "place", "state", "leading_unit")
    list_filter = ("kind", "state")
    inlines = [AttendanceInline, SectionInline]


class CandidateInline(_ReadOnlyInline):
    model = Candidate
    fields = ("position", "unit", "rank", "total")


class BallotRoundInline(_ReadOnlyInline):
    model = BallotRound
    fields = ("number", "state", "valid_count", "invalid_count", "tally", "outcome")


@admin.register(Election)
class ElectionAdmin(ReadOnlyHistoryAdmin):
    list_display = ("review", "state", "member_count", "present_count", "winner")
    list_filter = ("state",)
    inlines = [CandidateInline, BallotRoundInline]
