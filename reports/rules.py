"""Who may ask for reports and read them (DESIGN.md §6: "elections, nominations, reports":
admins and the bloc's secretariat act; leaders read their bloc's, observers read; officers
have no access). The object is the bloc."""

from __future__ import annotations

import rules
from django.db.models import Q

from blocs.models import Assignment, Role
from blocs.rules import is_admin, is_secretary_of_bloc


@rules.predicate
def reads_reports_of_bloc(user, bloc) -> bool:
    """The bloc's secretary or observer, or the leader of one of its member units: one query."""
    if bloc is None or not user.is_authenticated:
        return False
    return (
        Assignment.objects.filter(user=user)
        .filter(
            Q(role__in=[Role.SECRETARY, Role.OBSERVER], bloc=bloc)
            | Q(role=Role.LEADER, unit__memberships__bloc=bloc)
        )
        .exists()
    )


rules.add_perm("reports.request_report", is_admin | is_secretary_of_bloc)
rules.add_perm("reports.view_reports", is_admin | reads_reports_of_bloc)
