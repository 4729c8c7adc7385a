"""Reads of the award pages, each in a fixed number of queries: a nomination list with its
quota use per title, a unit's award history, a bloc's awards per year."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from awards.models import AwardDecision, AwardRecord, Nomination, NominationList, NominationState, Title
from awards.services.eligibility import quota_for, quota_text
from awards.services.nominations import member_ids
from blocs.models import Bloc, Membership, Unit


@dataclass
class QuotaUse:
    title: Title
    used: int
    quota: int | None
    explanation: str

    @property
    def label(self) -> str:
        if self.quota is not None:
            return f"{self.used}/{self.quota} suất"
        if self.title.is_flag:
            return f"{self.used} đề nghị (cờ xét cho đơn vị dẫn đầu)"
        return f"{self.used} đề nghị, không giới hạn"

    @property
    def over(self) -> bool:
        return self.quota is not None and self.used > self.quota


@dataclass
class NominationRow:
    nomination: Nomination
    passed: list[dict]
    failed: list[dict]

    @property
    def needs_justification(self) -> bool:
        return bool(self.failed) and not self.nomination.justification.strip()


@dataclass
class NominationBoard:
    nomination_list: NominationList
    rows: list[NominationRow]
    quotas: list[QuotaUse]
    member_count: int
    restricted: bool = False

    @property
    def unjustified(self) -> list[NominationRow]:
        return [row for row in self.rows if row.needs_justification]

    @property
    def pending(self) -> int:
        return sum(1 for row in self.rows if row.nomination.state == NominationState.SUBMITTED)


def nomination_board(*, nomination_list: NominationList, unit_ids: set[int] | None = None) -> NominationBoard:
    """The list's nominations with their checks split into passed and failed, and quota use per
    title (rejected nominations leave their seat). `unit_ids` limits the rows to those units
    (a unit leader reads his own unit's only). Two queries."""
    review = nomination_list.review
    nominations = list(
        nomination_list.nominations.select_related("unit", "title", "decided_by").order_by("position", "pk")
    )
    members = len(member_ids(review.campaign.bloc, review.campaign.year))
    used: dict[int, int] = defaultdict(int)
    titles: dict[int, Title] = {}
    for nomination in nominations:
        titles[nomination.title_id] = nomination.title
        if nomination.state != NominationState.REJECTED:
            used[nomination.title_id] += 1
    quotas = [
        QuotaUse(
            title=title,
            used=used[title.pk],
            quota=quota_for(title, members),
            explanation=(
                "Một cờ cho đơn vị dẫn đầu khối/cụm"
                if title.is_flag and title.quota_percent is None
                else quota_text(title, members)
            ),
        )
        for title in sorted(titles.values(), key=lambda t: (t.kind != "title", t.position, t.name))
    ]
    rows = [
        NominationRow(
            nomination=n,
            passed=[c for c in n.checks if c.get("passed")],
            failed=[c for c in n.checks if not c.get("passed")],
        )
        for n in nominations
        if unit_ids is None or n.unit_id in unit_ids
    ]
    return NominationBoard(
        nomination_list=nomination_list,
        rows=rows,
        quotas=quotas if unit_ids is None else [],
        member_count=members,
        restricted=unit_ids is not None,
    )


@dataclass
class AwardYear:
    year: int
    records: list[AwardRecord] = field(default_factory=list)


def _by_year(records) -> list[AwardYear]:
    years: dict[int, AwardYear] = {}
    for record in records:
        years.setdefault(record.year, AwardYear(record.year)).records.append(record)
    return sorted(years.values(), key=lambda y: -y.year)


def unit_award_history(*, unit: Unit) -> list[AwardYear]:
    """A unit's awards, newest year first, with the decision of each. One query."""
    records = (
        AwardRecord.objects.filter(unit=unit)
        .select_related("title", "decision")
        .order_by("-year", "title__kind", "title__position", "title__name")
    )
    return _by_year(records)


def bloc_award_records(*, bloc: Bloc) -> list[AwardRecord]:
    """The awards of the units while they were members of the bloc, newest year first. Two queries."""
    spans: dict[int, list[tuple]] = defaultdict(list)
    for membership in Membership.objects.filter(bloc=bloc).only("unit_id", "joined_on", "left_on"):
        spans[membership.unit_id].append((membership.joined_on, membership.left_on))
    records = (
        AwardRecord.objects.filter(unit_id__in=list(spans))
        .select_related("unit", "title", "decision")
        .order_by("-year", "title__kind", "title__position", "unit__sort_key", "unit__name")
    )

    def member_that_year(record: AwardRecord) -> bool:
        return any(
            joined.year <= record.year and (left is None or left.year >= record.year)
            for joined, left in spans[record.unit_id]
        )

    return [record for record in records if member_that_year(record)]


def bloc_awards(*, bloc: Bloc) -> list[AwardYear]:
    return _by_year(bloc_award_records(bloc=bloc))


def bloc_nomination_lists(*, bloc: Bloc) -> list[NominationList]:
    return list(
        NominationList.objects.filter(review__campaign__bloc=bloc)
        .select_related("review__campaign")
        .order_by("-review__campaign__year")
    )


def decision_records(*, decision: AwardDecision) -> list[AwardRecord]:
    return list(
        decision.records.select_related("unit", "title", "nomination").order_by(
            "title__kind", "title__position", "unit__sort_key", "unit__name"
        )
    )
