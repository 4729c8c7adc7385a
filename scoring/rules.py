"""Who may act on scoring (DESIGN.md §6).

Criteria, rounds, final scores, closing and publishing: admins and the bloc's secretariat
(object: the bloc). A unit's self-assessment: drafted by its officers and leaders, submitted
by its leader (object: the unit). An objection to a published score: filed by the unit's
leader (object: the unit), answered by the secretariat (`manage_scoring`)."""

from __future__ import annotations

import rules

from blocs.rules import is_admin, is_leader_of_unit, is_officer_of_unit, is_secretary_of_bloc

rules.add_perm("scoring.manage_scoring", is_admin | is_secretary_of_bloc)
rules.add_perm("scoring.draft_self_assessment", is_leader_of_unit | is_officer_of_unit)
rules.add_perm("scoring.submit_self_assessment", is_leader_of_unit)
rules.add_perm("scoring.file_objection", is_leader_of_unit)
