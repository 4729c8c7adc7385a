"""Who may act on reviews and the suy tôn vote (DESIGN.md §6).

Reviews and elections take the bloc as their object: its secretariat and admins prepare and
close them; the leader of a member unit present at the review casts his unit's ballot (object:
the unit)."""

from __future__ import annotations

import rules

from blocs.rules import is_admin, is_leader_of_unit, is_secretary_of_bloc

rules.add_perm("awards.manage_review", is_admin | is_secretary_of_bloc)
rules.add_perm("awards.cast_ballot", is_leader_of_unit)
