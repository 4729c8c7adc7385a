"""Who chairs the bloc next year (DESIGN.md §4, DOMAIN.md "Organisation").

The rule, stated to the users with the proposal:

1. next year's chair is the leading unit of the year,
2. unless it chairs this year (no unit chairs twice in a row): then this year's deputy,
3. else the best-ranked unit that may lead (scored in every round, no veto) and does not
   chair this year;
4. the deputy is the best-ranked unit other than the new chair that did not trigger a veto.

Both must still be members of the bloc next year: on 1 January of that year, or with an
open-ended membership that has begun by then. The secretariat may choose otherwise when it
closes the review, with a written reason (`review_close`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from awards.models import Review
from awards.selectors.reviews import Leading, election_of, leading_for
from blocs.models import BlocKind, ChairTerm, Membership, Unit, vietnamese_order
from scoring.selectors.ranking import Ranking, RankingRow, ranking_for
from scoring.services.rules import scoring_rules_for
from scoring.services.snapshots import snapshot_ranking


@dataclass
class HandoverProposal:
    year: int  # the year the proposed chair serves
    chair: Unit | None
    deputy: Unit | None
    lines: list[str]  # the explanation, in Vietnamese
    current: ChairTerm | None  # this year's chair term
    members: list[Unit] = field(default_factory=list)  # who may be chosen: members next year
    chair_word: str = "khối trưởng"
    deputy_word: str = "khối phó"

    @property
    def explanation(self) -> str:
        return " ".join(self.lines)

    def is_member(self, unit: Unit | None) -> bool:
        return unit is not None and any(m.pk == unit.pk for m in self.members)


def members_from(bloc_id: int, day: date) -> list[Unit]:
    """Units that are members of the bloc on `day`, in Vietnamese order. One query."""
    ids = Membership.objects.current(day).filter(bloc_id=bloc_id).values("unit_id")
    return list(Unit.objects.filter(pk__in=ids).order_by(vietnamese_order("name"), "pk"))


def role_words(kind: str) -> tuple[str, str]:
    return ("cụm trưởng", "cụm phó") if kind == BlocKind.CLUSTER else ("khối trưởng", "khối phó")


def _rank_text(row: RankingRow | None) -> str:
    if row is None or row.rank is None:
        return "chưa được xếp hạng"
    return f"hạng {row.rank_label}"


def handover_proposal(
    *, review: Review, ranking: Ranking | None = None, leading: Leading | None = None
) -> HandoverProposal:
    """The proposed chair and deputy for the year after the review's, with the reasons.

    `ranking` defaults to the review's frozen snapshot, or the live ranking of its published
    rounds while it is open; `leading` to the leading unit as `leading_for` finds it. Two
    queries (this year's term and next year's members), plus those of the defaults."""
    campaign = review.campaign
    bloc = campaign.bloc
    year = campaign.year
    next_year = year + 1
    chair_word, deputy_word = role_words(bloc.kind)
    if ranking is None:
        if review.snapshot_id:
            review.snapshot.campaign = campaign
            ranking = snapshot_ranking(review.snapshot)
        else:
            rules = scoring_rules_for(campaign)
            ranking = ranking_for(campaign=campaign, period=review.period, rules=rules, published_only=True)
    if leading is None:
        leading = leading_for(review, ranking.rules, ranking, election_of(review))
    current = ChairTerm.objects.filter(bloc=bloc, year=year).select_related("chair", "deputy").first()
    members = members_from(bloc.pk, date(next_year, 1, 1))
    member_ids = {m.pk: m for m in members}
    current_chair_id = current.chair_id if current else None
    lines: list[str] = []
    since = f"01/01/{next_year}"

    def available(unit_id: int, name: str) -> bool:
        if unit_id == current_chair_id:
            lines.append(
                f"{name} là {chair_word} năm {year}; theo quy tắc luân phiên, "
                f"một đơn vị không làm {chair_word} hai năm liền."
            )
            return False
        if unit_id not in member_ids:
            lines.append(f"{name} không còn là thành viên của {bloc.name} từ ngày {since}.")
            return False
        return True

    chair: Unit | None = None
    if leading.unit is not None:
        lines.append(f"Đơn vị dẫn đầu năm {year}: {leading.unit.name} ({leading.basis_label}).")
        if available(leading.unit.pk, leading.unit.name):
            chair = member_ids[leading.unit.pk]
            lines.append(
                f"Đề xuất {chair.name} làm {chair_word} năm {next_year} vì là đơn vị dẫn đầu năm {year}."
            )
    else:
        lines.append(f"Chưa xác định được đơn vị dẫn đầu năm {year}.")
    if chair is None and current is not None and current.deputy is not None:
        if available(current.deputy_id, current.deputy.name):
            chair = member_ids[current.deputy_id]
            lines.append(
                f"Đề xuất {chair.name} làm {chair_word} năm {next_year} vì là {deputy_word} năm {year}."
            )
    elif chair is None and current is not None:
        lines.append(f"{bloc.name} không có {deputy_word} năm {year}.")
    elif chair is None:
        lines.append(f"Chưa ghi nhận {chair_word}, {deputy_word} của {bloc.name} năm {year}.")
    if chair is None:
        row = next(
            (r for r in ranking.eligible_rows if r.unit_id != current_chair_id and r.unit_id in member_ids),
            None,
        )
        if row is not None:
            chair = member_ids[row.unit_id]
            lines.append(
                f"Đề xuất {chair.name} làm {chair_word} năm {next_year} vì là đơn vị xếp hạng cao nhất "
                f"({_rank_text(row)}) đủ điểm các đợt, không vi phạm tiêu chí phủ quyết và không phải "
                f"{chair_word} năm {year}."
            )
        else:
            lines.append(
                f"Không có đơn vị nào đủ điều kiện theo quy tắc; thường trực chọn {chair_word} và ghi rõ lý do."
            )

    deputy: Unit | None = None
    candidates = [
        r
        for r in ranking.scored_rows
        if not r.disqualified and r.unit_id in member_ids and (chair is None or r.unit_id != chair.pk)
    ]
    if candidates:
        row = candidates[0]
        deputy = member_ids[row.unit_id]
        after = f", ngoài {chair.name}," if chair is not None else ""
        tied = [r.name for r in candidates[1:] if r.rank == row.rank]
        tie = f" (đồng hạng với {', '.join(tied)}; chọn theo thứ tự của bảng xếp hạng)" if tied else ""
        lines.append(
            f"Đề xuất {deputy.name} làm {deputy_word} năm {next_year} vì là đơn vị xếp hạng cao nhất{after} "
            f"không vi phạm tiêu chí phủ quyết ({_rank_text(row)}){tie}."
        )
    else:
        lines.append(f"Không có đơn vị nào khác đủ điều kiện làm {deputy_word} năm {next_year}.")
    return HandoverProposal(
        year=next_year,
        chair=chair,
        deputy=deputy,
        lines=lines,
        current=current,
        members=members,
        chair_word=chair_word,
        deputy_word=deputy_word,
    )
