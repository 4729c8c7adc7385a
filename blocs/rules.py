"""Who may do what (DESIGN.md §6), as django-rules predicates.

Seeing is decided by `visible_to(user)` querysets (an outsider gets 404); acting is decided
here (someone who may see but not act gets 403).
"""

from __future__ import annotations

import rules

from blocs.models import Assignment, Role

is_admin = rules.is_superuser


@rules.predicate
def is_secretary_of_bloc(user, bloc) -> bool:
    if bloc is None or not user.is_authenticated:
        return False
    return Assignment.objects.filter(user=user, role=Role.SECRETARY, bloc=bloc).exists()


@rules.predicate
def is_observer_of_bloc(user, bloc) -> bool:
    if bloc is None or not user.is_authenticated:
        return False
    return Assignment.objects.filter(user=user, role=Role.OBSERVER, bloc=bloc).exists()


@rules.predicate
def is_leader_of_unit(user, unit) -> bool:
    if unit is None or not user.is_authenticated:
        return False
    return Assignment.objects.filter(user=user, role=Role.LEADER, unit=unit).exists()


@rules.predicate
def is_officer_of_unit(user, unit) -> bool:
    if unit is None or not user.is_authenticated:
        return False
    return Assignment.objects.filter(user=user, role=Role.OFFICER, unit=unit).exists()


# Organisation (units, blocs, memberships, chair terms, users): admins only act.
rules.add_perm("blocs.manage_units", is_admin)
rules.add_perm("blocs.manage_bloc", is_admin)
rules.add_perm("blocs.manage_users", is_admin)
rules.add_perm("blocs.view_audit", is_admin)
