"""Read queries of the pledge pages, each with a fixed number of SQL queries whatever the
number of items, registrations, parties or signatures."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from blocs.models import Assignment, Membership, Role, Unit, vietnamese_order
from campaigns.models import (
    Campaign,
    Pledge,
    PledgeItem,
    PledgeRegistration,
    PledgeSignature,
    PledgeState,
    SignatureKind,
)


def _parties(pledge: Pledge) -> list[dict]:
    """The member units expected to sign, as frozen when the pledge was opened."""
    if not pledge.canonical_content:
        return []
    return json.loads(pledge.canonical_content).get("parties", [])


def pledges_visible_to(user) -> QuerySet[Pledge]:
    """The pledges `user` may read, with what every pledge page shows in its header."""
    return Pledge.objects.visible_to(user).select_related(
        "campaign__bloc__organiser", "drive", "supersedes", "superseded_by", "opened_by"
    )


def with_content(pledges: QuerySet[Pledge]) -> QuerySet[Pledge]:
    """Prefetch the items and registrations (with their units): two queries."""
    return pledges.prefetch_related(
        Prefetch("items", queryset=PledgeItem.objects.order_by("position")),
        Prefetch(
            "registrations",
            queryset=PledgeRegistration.objects.select_related("unit").order_by(
                vietnamese_order("unit__name"), "unit_id", "title"
            ),
        ),
    )


# --- A campaign's pledges ---------------------------------------------------------------------


def pledge_list_for_campaign(*, campaign: Campaign) -> list[Pledge]:
    """Every pledge of a campaign, old versions included, in the order they were drafted,
    each with `item_count`, `signed_count` (member units) and `party_count`. One query."""
    pledges = list(
        campaign.pledges.select_related("drive")
        .annotate(
            item_count=Count("items", distinct=True),
            signed_count=Count("signatures", filter=Q(signatures__kind=SignatureKind.MEMBER), distinct=True),
        )
        .order_by("period", "drive__starts_on", "pk")
    )
    for pledge in pledges:
        pledge.campaign = campaign
        pledge.party_count = len(_parties(pledge))
    return pledges


# --- Board: who signed, who is missing ----------------------------------------------------------


@dataclass
class PartyRow:
    """One party of a pledge (a member unit when it was opened) and its signature, if any."""

    unit_id: int
    code: str
    name: str
    signature: PledgeSignature | None = None
    left_on: date | None = None  # set when the unit is no longer a member of the bloc

    @property
    def signed(self) -> bool:
        return self.signature is not None

    @property
    def has_left(self) -> bool:
        return self.left_on is not None


@dataclass
class PledgeBoard:
    pledge: Pledge
    rows: list[PartyRow]
    signatures: list[PledgeSignature]
    witness: PledgeSignature | None

    @property
    def party_count(self) -> int:
        return len(self.rows)

    @property
    def signed_count(self) -> int:
        return sum(1 for row in self.rows if row.signed)

    @property
    def missing(self) -> list[PartyRow]:
        """Parties still expected to sign (members that have not signed)."""
        return [row for row in self.rows if not row.signed and not row.has_left]

    @property
    def left(self) -> list[PartyRow]:
        return [row for row in self.rows if row.has_left]

    @property
    def percent(self) -> int:
        return round(100 * self.signed_count / self.party_count) if self.party_count else 0


def pledge_signatures(*, pledge: Pledge) -> list[PledgeSignature]:
    """The signatures of a pledge in chain order, with their unit. One query."""
    signatures = list(pledge.signatures.select_related("unit").order_by("sequence"))
    for signature in signatures:
        signature.pledge = pledge
    return signatures


def pledge_board(*, pledge: Pledge, today: date) -> PledgeBoard:
    """The parties of a frozen pledge with their signatures, the units that have left the
    bloc since, and the witness. Two queries."""
    signatures = pledge_signatures(pledge=pledge)
    by_unit = {s.unit_id: s for s in signatures if s.kind == SignatureKind.MEMBER}
    parties = _parties(pledge)
    spans: dict[int, list[tuple[date, date | None]]] = {}
    if parties:
        memberships = Membership.objects.filter(
            bloc_id=pledge.campaign.bloc_id, unit_id__in=[p["unit_id"] for p in parties]
        ).values_list("unit_id", "joined_on", "left_on")
        for unit_id, joined_on, left_on in memberships:
            spans.setdefault(unit_id, []).append((joined_on, left_on))
    rows = []
    for party in parties:
        unit_spans = spans.get(party["unit_id"], [])
        current = any(j <= today and (left is None or left >= today) for j, left in unit_spans)
        left_on = None
        if not current:
            ends = [left for _, left in unit_spans if left is not None]
            left_on = max(ends) if ends else today
        rows.append(
            PartyRow(
                unit_id=party["unit_id"],
                code=party["unit"],
                name=party["unit_name"],
                signature=by_unit.get(party["unit_id"]),
                left_on=left_on,
            )
        )
    witness = next((s for s in signatures if s.kind == SignatureKind.WITNESS), None)
    return PledgeBoard(pledge=pledge, rows=rows, signatures=signatures, witness=witness)


# --- Opening: who will be a party ---------------------------------------------------------------


def pledge_open_preview(*, pledge: Pledge, today: date) -> list[Unit]:
    """The units that become parties if the pledge is opened today (its bloc's current
    members, in Vietnamese order, as `pledge_open` takes them). One query."""
    return [
        m.unit
        for m in Membership.objects.current(today)
        .filter(bloc_id=pledge.campaign.bloc_id)
        .select_related("unit")
        .order_by(vietnamese_order("unit__name"), "unit_id")
    ]


def current_member_units(*, pledge: Pledge, today: date) -> QuerySet[Unit]:
    """The bloc's current member units, for the registration form (lazy, one query)."""
    members = Membership.objects.current(today).filter(bloc_id=pledge.campaign.bloc_id).values("unit_id")
    return Unit.objects.filter(pk__in=members).in_vietnamese_order()


# --- Signing ------------------------------------------------------------------------------------


class SignStatus:
    READY = "ready"
    SIGNED = "signed"
    LEFT = "left"
    NOT_PARTY = "not_party"
    NOT_OPEN = "not_open"
    ENDED = "ended"


@dataclass
class SignCandidate:
    """A unit the user leads and its standing towards the pledge."""

    unit: Unit
    status: str
    signature: PledgeSignature | None = None

    @property
    def ready(self) -> bool:
        return self.status == SignStatus.READY


@dataclass
class SignPanel:
    candidates: list[SignCandidate] = field(default_factory=list)

    @property
    def ready(self) -> list[SignCandidate]:
        return [c for c in self.candidates if c.ready]

    @property
    def ready_units(self) -> list[Unit]:
        return [c.unit for c in self.ready]

    @property
    def done(self) -> list[SignCandidate]:
        return [c for c in self.candidates if not c.ready]


def pledge_sign_panel(*, pledge: Pledge, user, today: date) -> SignPanel:
    """The units `user` leads that concern this pledge (its parties, or its bloc's current
    members while it is a draft), each with whether it may sign now. Three queries.

    An empty panel means the user is no unit leader of the pledge: he may read, not sign."""
    led = [a.unit for a in Assignment.objects.filter(user=user, role=Role.LEADER).select_related("unit")]
    if not led:
        return SignPanel()
    led_ids = [u.pk for u in led]
    current = set(
        Membership.objects.current(today)
        .filter(bloc_id=pledge.campaign.bloc_id, unit_id__in=led_ids)
        .values_list("unit_id", flat=True)
    )
    party_ids = {p["unit_id"] for p in _parties(pledge)}
    signed = {
        s.unit_id: s
        for s in pledge.signatures.filter(kind=SignatureKind.MEMBER, unit_id__in=led_ids).select_related(
            "unit"
        )
    }
    candidates = []
    for unit in sorted(led, key=lambda u: (u.sort_key, u.pk)):
        if unit.pk not in party_ids and unit.pk not in current:
            continue
        if unit.pk in signed:
            status = SignStatus.SIGNED
        elif pledge.state == PledgeState.DRAFT:
            status = SignStatus.NOT_OPEN
        elif pledge.state in (PledgeState.CLOSED, PledgeState.REVOKED):
            status = SignStatus.ENDED
        elif unit.pk not in party_ids:
            status = SignStatus.NOT_PARTY
        elif unit.pk not in current:
            status = SignStatus.LEFT
        else:
            status = SignStatus.READY
        candidates.append(SignCandidate(unit=unit, status=status, signature=signed.get(unit.pk)))
    return SignPanel(candidates=candidates)


def pending_pledges_for(user, *, today: date | None = None) -> list[tuple[Pledge, Unit]]:
    """(pledge, unit) pairs that `user`, as a unit leader, still has to sign: open pledges
    of the blocs his units belong to today, where his unit is a party and has not signed.
    At most three queries, whatever the number of blocs, pledges and signatures."""
    if not user.is_authenticated:
        return []
    today = today or timezone.localdate()
    memberships = list(
        Membership.objects.current(today)
        .filter(unit__in=Assignment.objects.filter(user=user, role=Role.LEADER).values("unit_id"))
        .select_related("unit")
    )
    if not memberships:
        return []
    units_by_bloc: dict[int, list[Unit]] = {}
    for membership in memberships:
        units_by_bloc.setdefault(membership.bloc_id, []).append(membership.unit)
    pledges = list(
        Pledge.objects.filter(state=PledgeState.OPEN, campaign__bloc_id__in=units_by_bloc)
        .select_related("campaign__bloc", "drive")
        .order_by("opened_at", "pk")
    )
    if not pledges:
        return []
    signed = set(
        PledgeSignature.objects.filter(
            pledge__in=pledges,
            kind=SignatureKind.MEMBER,
            unit_id__in=[m.unit_id for m in memberships],
        ).values_list("pledge_id", "unit_id")
    )
    pending = []
    for pledge in pledges:
        party_ids = {p["unit_id"] for p in _parties(pledge)}
        for unit in sorted(units_by_bloc[pledge.campaign.bloc_id], key=lambda u: (u.sort_key, u.pk)):
            if unit.pk in party_ids and (pledge.pk, unit.pk) not in signed:
                pending.append((pledge, unit))
    return pending
