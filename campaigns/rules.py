"""Who may act on campaigns, drives and pledges (DESIGN.md §6).

Permissions take the bloc as their object: the secretariat of a bloc (and admins) set up
its campaigns and draft its pledges; leaders sign for their own unit; an observer with the
witness right signs as witness."""

from __future__ import annotations

import rules

from blocs.models import Assignment, Role
from blocs.rules import is_admin, is_secretary_of_bloc


@rules.predicate
def is_witness_of_bloc(user, bloc) -> bool:
    if bloc is None or not user.is_authenticated:
        return False
    return Assignment.objects.filter(user=user, role=Role.OBSERVER, bloc=bloc, can_witness=True).exists()


can_manage_bloc_campaigns = is_admin | is_secretary_of_bloc

rules.add_perm("campaigns.manage_campaign", can_manage_bloc_campaigns)
rules.add_perm("campaigns.witness_pledge", is_witness_of_bloc)
