"""Who may act on reviews, the suy tôn vote and awards (DESIGN.md §6).

Reviews, elections and nomination lists take the bloc as their object: its secretariat and
admins prepare and close them; the leader of a member unit present at the review casts his
unit's ballot (object: the unit). A nomination list is approved or rejected by an admin or by
an observer of the bloc given that right. The catalogue of titles is the admins'."""

from __future__ import annotations

import rules

from blocs.models import Assignment, Role
from blocs.rules import is_admin, is_leader_of_unit, is_secretary_of_bloc


@rules.predicate
def is_award_approver_of_bloc(user, bloc) -> bool:
    if bloc is None or not user.is_authenticated:
        return False
    return Assignment.objects.filter(
        user=user, role=Role.OBSERVER, bloc=bloc, can_approve_awards=True
    ).exists()


rules.add_perm("awards.manage_review", is_admin | is_secretary_of_bloc)
rules.add_perm("awards.cast_ballot", is_leader_of_unit)
rules.add_perm("awards.approve_nominations", is_admin | is_award_approver_of_bloc)
rules.add_perm("awards.manage_titles", is_admin)
