"""Who may ask for reports and read them (DESIGN.md §6: "elections, nominations, reports":
admins and the bloc's secretariat act; leaders read their bloc's, observers read; officers
have no access). The object is the bloc."""

from __future__ import annotations

import rules

from blocs.models import Assignment, Membership, Role
from blocs.rules import is_admin, is_observer_of_bloc, is_secretary_of_bloc


@rules.predicate
def is_leader_in_bloc(user, bloc) -> bool:
    if bloc is None or not user.is_authenticated:
        return False
    units = Assignment.objects.filter(user=user, role=Role.LEADER, unit__isnull=False).values("unit_id")
    return Membership.objects.filter(bloc=bloc, unit__in=units).exists()


rules.add_perm("reports.request_report", is_admin | is_secretary_of_bloc)
rules.add_perm("reports.view_reports", is_admin | is_secretary_of_bloc | is_observer_of_bloc | is_leader_in_bloc)
