"""The shape of a criteria set as pages, the grid and the rules use it (one query)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from scoring.models import CriteriaSet, Criterion, CriterionKind


@dataclass
class Group:
    node: Criterion
    leaves: list[Criterion] = field(default_factory=list)
    # Nodes between the group and the leaves (criteria that have sub-criteria), for headings.
    headings: dict[int, Criterion] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return self.node.kind

    @property
    def max_points(self) -> Decimal | None:
        """A standard group's maximum is the sum of its leaves'; bonus and penalty groups are
        capped by their own maximum; a veto group has none."""
        if self.kind == CriterionKind.VETO:
            return None
        if self.kind in (CriterionKind.BONUS, CriterionKind.PENALTY) and self.node.max_points is not None:
            return self.node.max_points
        return sum((leaf.max_points or Decimal(0) for leaf in self.leaves), Decimal(0))


@dataclass
class Layout:
    criteria_set: CriteriaSet
    groups: list[Group]

    @property
    def leaves(self) -> list[Criterion]:
        return [leaf for group in self.groups for leaf in group.leaves]

    @property
    def leaf_ids(self) -> set[int]:
        return {leaf.pk for leaf in self.leaves}

    @property
    def standard_max(self) -> Decimal:
        return sum(
            (g.max_points or Decimal(0) for g in self.groups if g.kind == CriterionKind.STANDARD), Decimal(0)
        )

    def group_of(self, leaf_id: int) -> Group:
        for group in self.groups:
            if any(leaf.pk == leaf_id for leaf in group.leaves):
                return group
        raise KeyError(leaf_id)


def criteria_layout(*, criteria_set: CriteriaSet) -> Layout:
    nodes = list(
        Criterion.objects.filter(criteria_set=criteria_set)
        .select_related("pledge_item")
        .order_by("position", "pk")
    )
    children: dict[int | None, list[Criterion]] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    groups: list[Group] = []
    for root in children.get(None, []):
        group = Group(node=root)

        def walk(node: Criterion, group: Group = group) -> None:
            kids = children.get(node.pk, [])
            if not kids:
                group.leaves.append(node)
                return
            if node is not group.node:
                group.headings[node.pk] = node
            for kid in kids:
                walk(kid)

        if children.get(root.pk):
            walk(root)
        groups.append(group)
    return Layout(criteria_set=criteria_set, groups=groups)
