"""The narrative sections of a sơ kết / tổng kết report (DOMAIN.md "Reports" outline) and the
drafts the product writes for them from the data: members and chair, the pledges and who has
signed them, the peak drives with their dates, the rounds published, the ranking (who led,
classification counts, ties, missing quarters, vetoes), the bloc's averages per criteria group
and the pledge items reached. The secretariat edits the drafts; regenerating a section writes
it again from the current data.

The texts are plain Vietnamese paragraphs as a staff officer writes them, never placeholders:
where the data says nothing (no drive, no round published yet), the sentence says so."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from awards.models import Review, ReviewKind, ReviewState
from awards.selectors.reviews import (
    Leading,
    PledgeFulfilment,
    RoundStatus,
    election_of,
    leading_for,
    pledge_fulfilment,
    round_statuses,
)
from blocs.models import BlocKind, ChairTerm, Unit, vietnamese_order
from campaigns.models import Drive, Pledge, PledgePeriod, PledgeSignature, PledgeState, SignatureKind
from campaigns.selectors.campaigns import current_pledges
from campaigns.services.pledges import pledge_parties
from scoring.models import Criterion, CriterionKind, ScoringRound, ScoringRules
from scoring.selectors.ranking import Ranking, RankingRow, ranking_for
from scoring.services.rules import scoring_rules_for
from scoring.services.snapshots import snapshot_ranking
from thidua.lib.numbers import format_decimal

# (key, title) in the order of the report.
SECTIONS: list[tuple[str, str]] = [
    ("tinh_hinh", "I. Đặc điểm tình hình"),
    ("lanh_dao", "II.1. Công tác lãnh đạo, chỉ đạo"),
    ("noi_dung", "II.2. Kết quả thực hiện nội dung, chỉ tiêu thi đua"),
    ("cao_diem", "II.3. Các đợt thi đua cao điểm"),
    ("dien_hinh", "II.4. Phát hiện, bồi dưỡng, nhân rộng điển hình tiên tiến"),
    ("hoat_dong_khoi", "II.5. Hoạt động của khối/cụm thi đua"),
    ("uu_diem", "III.1. Đánh giá chung – Ưu điểm"),
    ("han_che", "III.2. Đánh giá chung – Hạn chế"),
    ("nguyen_nhan", "III.3. Đánh giá chung – Nguyên nhân"),
    ("bai_hoc", "IV. Bài học kinh nghiệm"),
    ("phuong_huong", "Phần thứ hai – Phương hướng, nhiệm vụ"),
    ("de_xuat", "Phần thứ ba – Đề xuất, kiến nghị"),
]
SECTION_TITLES = dict(SECTIONS)
RANK_WORDS = {1: "Nhất", 2: "Nhì", 3: "Ba"}


def section_title(key: str, bloc_kind: str) -> str:
    title = SECTION_TITLES[key]
    return title.replace("khối/cụm", "cụm" if bloc_kind == BlocKind.CLUSTER else "khối")


# --- The facts the drafts are written from -----------------------------------------------------


@dataclass
class PledgeStatus:
    pledge: Pledge
    parties: list[str]
    signed: list[str]
    pending: list[str]


@dataclass
class ReviewFacts:
    review: Review
    rules: ScoringRules
    members: list[Unit]
    chair_term: ChairTerm | None
    drives: list[Drive]
    pledges: list[PledgeStatus]
    draft_pledges: list[Pledge]
    rounds: list[RoundStatus]
    ranking: Ranking
    leading: Leading
    fulfilment: PledgeFulfilment
    group_max: dict[str, Decimal]
    handover: object | None = None  # the proposal (tổng kết)
    next_term: ChairTerm | None = None  # recorded when the tổng kết closed

    def next_chair(self) -> tuple[Unit | None, Unit | None, bool]:
        """Next year's chair and deputy: as recorded once closed, else as proposed."""
        if self.next_term is not None:
            return self.next_term.chair, self.next_term.deputy, True
        if self.handover is not None:
            return self.handover.chair, self.handover.deputy, False
        return None, None, False

    @property
    def campaign(self):
        return self.review.campaign

    @property
    def bloc(self):
        return self.review.campaign.bloc

    @property
    def year(self) -> int:
        return self.review.campaign.year

    @property
    def is_year_end(self) -> bool:
        return self.review.kind == ReviewKind.TONG_KET

    @property
    def period_phrase(self) -> str:
        return f"năm {self.year}" if self.is_year_end else f"6 tháng đầu năm {self.year}"

    @property
    def next_phrase(self) -> str:
        return f"năm {self.year + 1}" if self.is_year_end else f"6 tháng cuối năm {self.year}"

    @property
    def bloc_word(self) -> str:
        return "cụm" if self.bloc.kind == BlocKind.CLUSTER else "khối"

    @property
    def chair_words(self) -> tuple[str, str]:
        return (f"{self.bloc_word} trưởng", f"{self.bloc_word} phó")

    @property
    def published(self) -> list[RoundStatus]:
        return [r for r in self.rounds if r.published]


def _in_period(review: Review, starts_on, ends_on) -> bool:
    if review.kind == ReviewKind.TONG_KET:
        return True
    return starts_on.month <= 6


def review_facts(*, review: Review, ranking: Ranking | None = None) -> ReviewFacts:
    """Load what the drafts need. `review` comes with its campaign and bloc. About a dozen
    queries whatever the size of the bloc."""
    from awards.services.handover import handover_proposal

    campaign = review.campaign
    rules = scoring_rules_for(campaign)
    members = [
        a.unit
        for a in review.attendance.select_related("unit").order_by(vietnamese_order("unit__name"), "unit_id")
    ]
    chair_term = (
        ChairTerm.objects.filter(bloc_id=campaign.bloc_id, year=campaign.year)
        .select_related("chair", "deputy")
        .first()
    )
    drives = [
        d for d in campaign.drives.order_by("starts_on", "pk") if _in_period(review, d.starts_on, d.ends_on)
    ]
    pledges = list(
        current_pledges(Pledge.objects.filter(campaign=campaign)).select_related("drive").order_by("pk")
    )
    if review.kind == ReviewKind.SO_KET:
        pledges = [
            p
            for p in pledges
            if p.period in (PledgePeriod.YEAR, PledgePeriod.FIRST_HALF)
            or (p.period == PledgePeriod.DRIVE and p.drive and p.drive.starts_on.month <= 6)
        ]
    frozen = [p for p in pledges if p.state != PledgeState.DRAFT]
    signed_by: dict[int, set[int]] = {}
    if frozen:
        for pledge_id, unit_id in PledgeSignature.objects.filter(
            pledge__in=frozen, kind=SignatureKind.MEMBER
        ).values_list("pledge_id", "unit_id"):
            signed_by.setdefault(pledge_id, set()).add(unit_id)
    statuses = []
    for pledge in frozen:
        parties = pledge_parties(pledge)
        signed = signed_by.get(pledge.pk, set())
        statuses.append(
            PledgeStatus(
                pledge=pledge,
                parties=[p["unit_name"] for p in parties],
                signed=[p["unit_name"] for p in parties if p["unit_id"] in signed],
                pending=[p["unit_name"] for p in parties if p["unit_id"] not in signed],
            )
        )
    rounds_all = list(ScoringRound.objects.filter(campaign=campaign).order_by("starts_on", "pk"))
    rounds = round_statuses(review, rules, rounds_all)
    if ranking is None:
        if review.snapshot_id:
            review.snapshot.campaign = campaign
            ranking = snapshot_ranking(review.snapshot)
        else:
            ranking = ranking_for(campaign=campaign, period=review.period, rules=rules, published_only=True)
    leading = leading_for(review, rules, ranking, election_of(review))
    set_ids = {r.scoring_round.criteria_set_id for r in rounds if r.published}
    group_max = _group_max(set_ids)
    facts = ReviewFacts(
        review=review,
        rules=rules,
        members=members,
        chair_term=chair_term,
        drives=drives,
        pledges=statuses,
        draft_pledges=[p for p in pledges if p.state == PledgeState.DRAFT],
        rounds=rounds,
        ranking=ranking,
        leading=leading,
        fulfilment=pledge_fulfilment(review=review, rules=rules, units=[(u.pk, u.name) for u in members]),
        group_max=group_max,
    )
    if review.kind == ReviewKind.TONG_KET:
        facts.handover = handover_proposal(review=review, ranking=ranking, leading=leading)
        if review.state == ReviewState.CLOSED:
            facts.next_term = (
                ChairTerm.objects.filter(bloc_id=campaign.bloc_id, year=campaign.year + 1)
                .select_related("chair", "deputy")
                .first()
            )
    return facts


def _group_max(set_ids: set[int]) -> dict[str, Decimal]:
    """Each standard group's maximum (the sum of its leaves'), by group code. One query."""
    if not set_ids:
        return {}
    nodes = list(Criterion.objects.filter(criteria_set_id__in=set_ids).order_by("criteria_set_id", "pk"))
    parent = {n.pk: n.parent_id for n in nodes}
    has_children = {n.parent_id for n in nodes if n.parent_id}
    by_pk = {n.pk: n for n in nodes}
    result: dict[str, Decimal] = {}
    latest_set = max(set_ids)
    for node in nodes:
        if (
            node.pk in has_children
            or node.kind != CriterionKind.STANDARD
            or node.criteria_set_id != latest_set
        ):
            continue
        root = node
        while parent.get(root.pk):
            root = by_pk[parent[root.pk]]
        result[root.code] = result.get(root.code, Decimal(0)) + (node.max_points or Decimal(0))
    return result


# --- Writing ----------------------------------------------------------------------------------


def _names(names: list[str]) -> str:
    """ "A, B và C"."""
    names = [n for n in names if n]
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} và {names[-1]}"


def _pts(value: Decimal | None) -> str:
    return format_decimal(value) if value is not None else "–"


def _day(value) -> str:
    return f"{value:%d/%m/%Y}"


def _span(starts_on, ends_on) -> str:
    if starts_on.year == ends_on.year:
        return f"từ ngày {starts_on:%d/%m} đến ngày {ends_on:%d/%m/%Y}"
    return f"từ ngày {_day(starts_on)} đến ngày {_day(ends_on)}"


def _share(percent: Decimal) -> str:
    return format_decimal(percent.quantize(Decimal("0.1")), places=1)


def _group_shares(facts: ReviewFacts) -> list[tuple[str, Decimal, Decimal]]:
    """(group title, bloc mean, share of the group's max in %) for the standard groups."""
    means = facts.ranking.group_means()
    shares = []
    for group in facts.ranking.groups:
        if group.kind != CriterionKind.STANDARD or group.code not in means:
            continue
        top = facts.group_max.get(group.code)
        if top:
            shares.append((group.title, means[group.code], means[group.code] * 100 / top))
    return shares


def _tinh_hinh(f: ReviewFacts) -> str:
    chair_word, deputy_word = f.chair_words
    campaign = f.campaign
    parts = []
    if f.members:
        parts.append(
            f"{f.bloc.name} gồm {len(f.members)} đơn vị thành viên: {_names([u.name for u in f.members])}."
        )
    else:
        parts.append(f"Đến ngày tổ chức hội nghị, {f.bloc.name} chưa có đơn vị thành viên nào.")
    if f.chair_term is not None:
        deputy = f", {f.chair_term.deputy.name} là {deputy_word}" if f.chair_term.deputy else ""
        parts.append(f"Năm {f.year}, {f.chair_term.chair.name} là {chair_word}{deputy}.")
    theme = f" với chủ đề “{campaign.theme}”" if campaign.theme else ""
    parts.append(
        f"Phong trào thi đua của {f.bloc_word} trong {f.period_phrase} được triển khai theo {campaign.name}{theme}."
    )
    if campaign.guiding_idea:
        parts.append(f"Tư tưởng chỉ đạo: {campaign.guiding_idea.rstrip('.')}.")
    if campaign.launched_on:
        parts.append(f"Phong trào được phát động ngày {_day(campaign.launched_on)}.")
    first = " ".join(parts)
    second = (
        f"Các đơn vị trong {f.bloc_word} có chức năng, nhiệm vụ và địa bàn khác nhau, khối lượng công việc lớn; "
        f"song được cấp ủy, chỉ huy các cấp quan tâm lãnh đạo, chỉ đạo, các đơn vị phối hợp chặt chẽ, "
        f"nên phong trào thi đua được duy trì nền nếp, đúng kế hoạch."
    )
    return f"{first}\n\n{second}"


def _pledge_sentence(status: PledgeStatus) -> str:
    pledge = status.pledge
    opened = f", mở ký ngày {_day(pledge.opened_at)}" if pledge.opened_at else ""
    count = f"{len(status.signed)}/{len(status.parties)} đơn vị đã ký"
    pending = f"; còn {_names(status.pending)} chưa ký" if status.pending else ""
    return f"giao ước thi đua “{pledge.title}”{opened}: {count}{pending}"


def _lanh_dao(f: ReviewFacts) -> str:
    chair = f" ({f.chair_term.chair.name})" if f.chair_term else ""
    parts = [
        f"Thường trực {f.bloc_word}{chair} đã tham mưu xây dựng kế hoạch, hướng dẫn tổ chức phong trào thi đua "
        f"{f.period_phrase}; các đơn vị quán triệt, cụ thể hóa thành chương trình, kế hoạch thi đua sát với nhiệm vụ."
    ]
    if f.pledges:
        parts.append(
            f"{f.bloc_word.capitalize()} đã tổ chức ký "
            + "; ".join(_pledge_sentence(s) for s in f.pledges)
            + "."
        )
    else:
        parts.append(f"Trong kỳ, {f.bloc_word} chưa mở ký giao ước thi đua nào trên hệ thống.")
    if f.draft_pledges:
        titles = _names([f"“{p.title}”" for p in f.draft_pledges])
        parts.append(f"Giao ước {titles} đang ở dạng dự thảo, chưa mở ký.")
    published = f.published
    if published:
        labels = _names([r.label for r in published])
        parts.append(
            f"Việc kiểm tra, chấm điểm thực hiện theo bộ tiêu chí thống nhất của {f.bloc_word}; "
            f"đã công bố kết quả {len(published)}/{len(f.rounds)} đợt chấm của kỳ ({labels})."
        )
    else:
        parts.append(f"Đến nay chưa có đợt chấm điểm nào của {f.period_phrase} được công bố kết quả.")
    return " ".join(parts)


def _row_points(row: RankingRow) -> str:
    cls = f", xếp loại {row.classification}" if row.classification else ""
    return f"{_pts(row.total)} điểm{cls}"


def _noi_dung(f: ReviewFacts) -> str:
    ranking = f.ranking
    rows = ranking.scored_rows
    if not rows:
        return (
            f"Chưa có đợt chấm điểm nào của {f.period_phrase} được công bố kết quả, nên chưa tổng hợp được "
            f"kết quả thực hiện các nội dung, chỉ tiêu và xếp hạng thi đua."
        )
    paragraphs = []
    method = "trung bình các đợt chấm đã công bố" if len(f.rounds) > 1 else "kết quả đợt chấm"
    top_rank = rows[0].rank
    first = [r for r in rows if r.rank == top_rank]
    if len(first) > 1:
        lead = f"{_names([r.name for r in first])} đồng hạng nhất với {_pts(first[0].total)} điểm"
    else:
        lead = f"{first[0].name} đứng đầu với {_row_points(first[0])}"
    following = [r for r in rows if r.rank != top_rank][:2]
    follow = ""
    if following:
        follow = "; tiếp theo là " + _names([f"{r.name} ({_pts(r.total)} điểm)" for r in following])
    paragraphs.append(f"Kết quả chấm điểm thi đua {f.period_phrase} ({method}): {lead}{follow}.")
    counts: dict[str, int] = {}
    for row in rows:
        if row.classification:
            counts[row.classification] = counts.get(row.classification, 0) + 1
    order = [label for label, _ in f.rules.bands] + ["Yếu"]
    if counts:
        parts = [f"{counts[label]} đơn vị {label}" for label in order if label in counts]
        paragraphs.append(f"Về xếp loại: {_names(parts)}.")
    notes = []
    seen: set[tuple] = set()
    for row in rows:
        if not row.shares_total:
            continue
        key = (bool(row.missing), row.total)
        if key in seen:
            continue
        seen.add(key)
        group = [r for r in rows if r.shares_total and (bool(r.missing), r.total) == key]
        still = [r for r in group if r.tied]
        if still and len(still) == len(group):
            notes.append(
                f"{_names([r.name for r in group])} bằng điểm ({_pts(row.total)}), sau khi xét các tiêu chí phụ "
                f"vẫn bằng nhau nên đồng hạng {group[0].rank}"
            )
        else:
            notes.append(
                f"{_names([r.name for r in group])} bằng điểm ({_pts(row.total)}), được xếp trên, dưới theo "
                f"tiêu chí phụ"
            )
    missing = [r for r in rows if r.missing]
    for row in missing:
        notes.append(f"{row.name} còn thiếu điểm {_names(row.missing)} nên được xếp sau các đơn vị đủ điểm")
    unscored = [r.name for r in ranking.rows if not r.is_scored]
    if unscored:
        notes.append(f"{_names(unscored)} chưa có điểm trong kỳ")
    vetoed = [r.name for r in rows if r.disqualified]
    if vetoed:
        notes.append(
            f"{_names(vetoed)} vi phạm tiêu chí phủ quyết nên vẫn được xếp hạng nhưng không được xét "
            f"đơn vị dẫn đầu"
        )
    if notes:
        paragraphs.append("; ".join(notes) + ".")
    shares = _group_shares(f)
    if shares:
        text = "; ".join(
            f"{title}: {_pts(mean)} điểm ({_share(share)}% điểm tối đa)" for title, mean, share in shares
        )
        paragraphs.append(f"Điểm bình quân của {f.bloc_word} theo nhóm tiêu chí: {text}.")
    fulfilment = f.fulfilment
    if not fulfilment.is_empty and fulfilment.rows:
        parts = []
        for item, reached, scored in fulfilment.reached_by_item():
            target = f" ({item.target})" if item.target else ""
            parts.append(f"“{item.content}”{target}: {reached}/{scored} đơn vị đạt")
        paragraphs.append(
            "Đối với các chỉ tiêu giao ước được đo bằng tiêu chí chấm điểm: " + "; ".join(parts) + "."
        )
    return "\n\n".join(paragraphs)


def _cao_diem(f: ReviewFacts) -> str:
    if not f.drives:
        return (
            f"Trong {f.period_phrase}, {f.bloc_word} không tổ chức đợt thi đua cao điểm riêng; các đơn vị "
            f"hưởng ứng các đợt thi đua theo kế hoạch của cấp trên."
        )
    drive_pledges = {s.pledge.drive_id: s for s in f.pledges if s.pledge.drive_id}
    parts = []
    for drive in f.drives:
        text = f"đợt “{drive.name}” {_span(drive.starts_on, drive.ends_on)}"
        targets = [t for t in (drive.targets or []) if t]
        if targets:
            text += f", với các chỉ tiêu: {'; '.join(targets)}"
        status = drive_pledges.get(drive.pk)
        if status:
            text += f" ({len(status.signed)}/{len(status.parties)} đơn vị đã ký giao ước của đợt)"
        parts.append(text)
    count = len(f.drives)
    return (
        f"Trong {f.period_phrase}, {f.bloc_word} tổ chức {count} đợt thi đua cao điểm: {'; '.join(parts)}. "
        f"Các đơn vị đã bám sát nội dung, chỉ tiêu của từng đợt, tổ chức phát động, kiểm tra và sơ kết "
        f"đợt đúng kế hoạch, tạo khí thế thi đua sôi nổi."
    )


def _dien_hinh(f: ReviewFacts) -> str:
    rows = f.ranking.scored_rows
    if not rows:
        return (
            f"Chưa có kết quả chấm điểm được công bố để đánh giá các điển hình tiên tiến của {f.period_phrase}; "
            f"các đơn vị tiếp tục phát hiện, bồi dưỡng điển hình ở từng lĩnh vực."
        )
    led: dict[str, list[str]] = {}  # unit name → the groups it scored best in
    standard = [g for g in f.ranking.groups if g.kind == CriterionKind.STANDARD]
    for group in standard:
        best = max(rows, key=lambda r: r.groups.get(group.code, Decimal(0)))
        value = best.groups.get(group.code)
        if value:
            top = f.group_max.get(group.code)
            of = f"/{_pts(top)}" if top else ""
            led.setdefault(best.name, []).append(f"“{group.title}” ({_pts(value)}{of} điểm)")
    text = ""
    if len(led) == 1 and len(next(iter(led.values()))) == len(standard) > 1:
        name = next(iter(led))
        text = (
            f"Qua chấm điểm, {name} có điểm cao nhất ở tất cả các nhóm tiêu chí: "
            + "; ".join(led[name])
            + "."
        )
    elif led:
        text = (
            "Qua chấm điểm, các đơn vị có kết quả nổi bật theo từng lĩnh vực: "
            + "; ".join(f"{name} ở nhóm {_names(groups)}" for name, groups in led.items())
            + "."
        )
    bonus = [r for r in rows if r.bonus]
    if bonus:
        text += (
            " "
            + _names([f"{r.name} ({_pts(r.bonus)} điểm)" for r in bonus])
            + (
                " được cộng điểm thưởng nhờ thành tích đột xuất, mô hình, cách làm sáng tạo được cấp trên ghi nhận."
            )
        )
    text += (
        " Đề nghị các đơn vị tiếp tục phát hiện, bồi dưỡng, tuyên truyền và nhân rộng các điển hình tiên tiến, "
        "gương người tốt, việc tốt trong phong trào thi đua."
    )
    return text.strip()


def _hoat_dong_khoi(f: ReviewFacts) -> str:
    review = f.review
    parts = [
        f"Thường trực {f.bloc_word} duy trì chế độ trao đổi thông tin, phối hợp giữa các đơn vị; "
        f"tổ chức kiểm tra, chấm điểm thi đua theo từng quý."
    ]
    if f.rounds:
        states = []
        for status in f.rounds:
            round_ = status.scoring_round
            if status.published and round_.published_at:
                states.append(f"{status.label} đã công bố kết quả ngày {_day(round_.published_at.date())}")
            else:
                states.append(f"{status.label} {status.state_label}")
        parts.append("Các đợt chấm của kỳ: " + "; ".join(states) + ".")
    word = "sơ kết" if review.kind == ReviewKind.SO_KET else "tổng kết"
    host = f", do {review.host_unit.name} đăng cai" if review.host_unit_id else ""
    chaired = f"; {review.chaired_by} chủ trì" if review.chaired_by else ""
    parts.append(
        f"Hội nghị {word} được tổ chức ngày {_day(review.held_on)} tại {review.place}{host}{chaired}."
    )
    return " ".join(parts)


def _good_bands(f: ReviewFacts) -> tuple[str, int]:
    """The second band's label ("Tốt" by default) and how many units reach it or better."""
    bands = [label for label, _ in f.rules.bands]
    if not bands:
        return "", 0
    good = bands[:2]
    return good[-1], sum(1 for r in f.ranking.scored_rows if r.classification in good)


def _uu_diem(f: ReviewFacts) -> str:
    parts = [
        f"Các đơn vị trong {f.bloc_word} đã quán triệt sâu sắc các chỉ thị, hướng dẫn về công tác thi đua, "
        f"khen thưởng; phong trào thi đua được tổ chức rộng khắp, gắn chặt với thực hiện nhiệm vụ chính trị "
        f"trung tâm của từng đơn vị."
    ]
    rows = f.ranking.scored_rows
    if rows:
        label, good = _good_bands(f)
        if label and good:
            parts.append(f"{good}/{len(rows)} đơn vị đạt loại {label} trở lên.")
        if not any(r.disqualified for r in rows):
            parts.append("Không đơn vị nào vi phạm tiêu chí phủ quyết.")
    complete = [s for s in f.pledges if s.parties and not s.pending]
    if complete:
        parts.append(f"100% đơn vị đã ký {_names([f'giao ước “{s.pledge.title}”' for s in complete])}.")
    if f.rounds and all(r.published for r in f.rounds):
        parts.append("Các đợt kiểm tra, chấm điểm được thực hiện đầy đủ, công khai kết quả đúng thời gian.")
    return " ".join(parts)


def _weak_points(f: ReviewFacts) -> list[str]:
    rows = f.ranking.scored_rows
    weak = []
    penalised = [r for r in rows if r.penalty]
    if penalised:
        weak.append(
            "còn đơn vị bị trừ điểm do vi phạm kỷ luật, an toàn: "
            + _names([f"{r.name} ({_pts(r.penalty)} điểm)" for r in penalised])
        )
    vetoed = [r.name for r in rows if r.disqualified]
    if vetoed:
        weak.append(f"{_names(vetoed)} để xảy ra vụ việc thuộc tiêu chí phủ quyết")
    shares = _group_shares(f)
    if len(shares) > 1:
        title, _mean, share = min(shares, key=lambda s: s[2])
        weak.append(
            f"nhóm tiêu chí “{title}” có tỷ lệ điểm bình quân thấp nhất ({_share(share)}% điểm tối đa)"
        )
    pending = [s for s in f.pledges if s.pending]
    for status in pending:
        weak.append(f"{_names(status.pending)} chưa ký giao ước “{status.pledge.title}”")
    missing = [r.name for r in rows if r.missing]
    if missing:
        weak.append(f"{_names(missing)} còn thiếu kết quả chấm điểm của kỳ")
    unreached = [
        (item, reached, scored)
        for item, reached, scored in f.fulfilment.reached_by_item()
        if scored and reached < scored
    ]
    for item, reached, scored in unreached:
        weak.append(f"chỉ tiêu giao ước “{item.content}” mới có {reached}/{scored} đơn vị đạt")
    label_order = [label for label, _ in f.rules.bands]
    low = label_order[2:] + ["Yếu"]
    below = [r.name for r in rows if r.classification in low[1:]]
    if below:
        weak.append(f"{_names(below)} mới đạt loại dưới {low[0] if low else 'Khá'}")
    return weak


def _han_che(f: ReviewFacts) -> str:
    weak = _weak_points(f)
    rows = f.ranking.scored_rows
    if weak:
        text = (
            "Bên cạnh những kết quả đạt được, phong trào thi đua còn một số hạn chế: " + "; ".join(weak) + "."
        )
    else:
        text = "Qua theo dõi, kiểm tra, chấm điểm, chưa phát hiện hạn chế nổi bật."
    if len(rows) > 1:
        high, low = rows[0], min(rows, key=lambda r: r.total)
        if high.total != low.total:
            text += (
                f" Kết quả giữa các đơn vị còn chênh lệch: cao nhất {_pts(high.total)} điểm ({high.name}), "
                f"thấp nhất {_pts(low.total)} điểm ({low.name})."
            )
    return text


def _nguyen_nhan(f: ReviewFacts) -> str:
    good = (
        "Nguyên nhân của ưu điểm: cấp ủy, chỉ huy các đơn vị thường xuyên quan tâm lãnh đạo, chỉ đạo công tác thi đua; "
        f"thường trực {f.bloc_word} chủ động tham mưu, duy trì kiểm tra, chấm điểm công khai"
    )
    if f.published:
        good += f" ({len(f.published)} đợt chấm đã công bố kết quả)"
    good += "; cán bộ, chiến sĩ có ý thức trách nhiệm, quyết tâm hoàn thành nhiệm vụ."
    causes = []
    rows = f.ranking.scored_rows
    if any(r.penalty or r.disqualified for r in rows):
        causes.append(
            "công tác quản lý, giáo dục, duy trì kỷ luật và bảo đảm an toàn ở một số đơn vị chưa chặt chẽ"
        )
    shares = _group_shares(f)
    if len(shares) > 1:
        title = min(shares, key=lambda s: s[2])[0]
        causes.append(f"một số nội dung thuộc nhóm “{title}” chưa được đầu tư đúng mức")
    if any(s.pending for s in f.pledges):
        causes.append("việc ký kết, theo dõi thực hiện giao ước ở một số đơn vị chưa kịp thời")
    if any(r.missing for r in rows) or any(not r.published for r in f.rounds):
        causes.append("việc tổng hợp, báo cáo kết quả chấm điểm có lúc chưa đúng thời gian")
    if not causes:
        causes.append("việc phát hiện, nhân rộng điển hình và cách làm mới ở một số đơn vị còn chậm")
    return good + "\n\nNguyên nhân của hạn chế: " + "; ".join(causes) + "."


def _bai_hoc(f: ReviewFacts) -> str:
    return (
        f"Một là, phải thường xuyên quán triệt, nâng cao nhận thức cho cán bộ, chiến sĩ về vị trí, ý nghĩa của "
        f"phong trào thi đua; gắn thi đua với thực hiện nhiệm vụ chính trị trung tâm của từng đơn vị.\n\n"
        f"Hai là, giao ước thi đua phải cụ thể, có chỉ tiêu đo được; tiêu chí chấm điểm thống nhất, "
        f"chấm điểm hàng quý công khai, kết quả được công bố đúng thời gian để các đơn vị kịp thời điều chỉnh.\n\n"
        f"Ba là, phát huy vai trò của thường trực {f.bloc_word} trong tham mưu, điều phối; tăng cường trao đổi, "
        f"học tập kinh nghiệm giữa các đơn vị trong {f.bloc_word}.\n\n"
        f"Bốn là, coi trọng phát hiện, bồi dưỡng, nhân rộng điển hình tiên tiến; khen thưởng kịp thời, "
        f"đúng người, đúng thành tích."
    )


def _phuong_huong(f: ReviewFacts) -> str:
    parts = [
        f"{f.next_phrase.capitalize()}, {f.bloc_word} tiếp tục đẩy mạnh Phong trào Thi đua Quyết thắng, "
        f"gắn với thực hiện thắng lợi nhiệm vụ chính trị của từng đơn vị."
    ]
    shares = _group_shares(f)
    if len(shares) > 1:
        title = min(shares, key=lambda s: s[2])[0]
        parts.append(f"Tập trung khắc phục hạn chế ở nhóm tiêu chí “{title}”.")
    rows = f.ranking.scored_rows
    if any(r.penalty or r.disqualified for r in rows):
        parts.append("Tăng cường quản lý kỷ luật, bảo đảm an toàn tuyệt đối về người, vũ khí, trang bị.")
    if f.is_year_end:
        chair, deputy, decided = f.next_chair()
        if chair is not None:
            chair_word, deputy_word = f.chair_words
            with_deputy = f", {deputy.name} làm {deputy_word}" if deputy else ""
            how = "" if decided else "đề xuất "
            parts.append(
                f"Kiện toàn thường trực {f.bloc_word} năm {f.year + 1} theo kết quả hội nghị "
                f"({how}{chair.name} làm {chair_word}{with_deputy})."
            )
        parts.append(
            f"Xây dựng kế hoạch, tiêu chí thi đua và tổ chức ký giao ước thi đua năm {f.year + 1} ngay từ đầu năm."
        )
    else:
        parts.append(
            f"Tổ chức kiểm tra, chấm điểm Quý III và Quý IV đúng kế hoạch; chuẩn bị tốt hội nghị tổng kết năm {f.year}."
        )
    return " ".join(parts)


def _de_xuat(f: ReviewFacts) -> str:
    rows = f.ranking.scored_rows
    parts = []
    if rows:
        podium = []
        for rank in (1, 2, 3):
            at = [r.name for r in rows if r.rank == rank]
            if at:
                podium.append(f"xếp thứ {RANK_WORDS[rank]}: {_names(at)}")
        parts.append(
            f"Đề nghị hội nghị thống nhất kết quả xếp hạng thi đua {f.period_phrase}: {'; '.join(podium)}."
        )
    else:
        parts.append(
            f"Kết quả xếp hạng thi đua {f.period_phrase} sẽ được đề nghị khi các đợt chấm điểm được công bố."
        )
    leading = f.leading
    if leading.unit is not None:
        parts.append(f"Đơn vị dẫn đầu {f.period_phrase}: {leading.unit.name} ({leading.basis_label}).")
    elif f.rules.leading_by == "vote":
        parts.append(
            f"Đơn vị dẫn đầu {f.period_phrase} được bình xét, suy tôn bằng bỏ phiếu kín tại hội nghị "
            f"trong số {f.rules.candidate_count} đơn vị điểm cao nhất không vi phạm tiêu chí phủ quyết."
        )
    chair, deputy, decided = f.next_chair() if f.is_year_end else (None, None, False)
    if chair is not None:
        chair_word, deputy_word = f.chair_words
        with_deputy = f"; {deputy_word}: {deputy.name}" if deputy else ""
        verb = "Hội nghị thống nhất" if decided else "Đề nghị"
        parts.append(f"{verb} {chair_word} năm {f.year + 1}: {chair.name}{with_deputy}.")
    parts.append(
        "Đề nghị cấp trên quan tâm chỉ đạo, xem xét khen thưởng kịp thời các tập thể, cá nhân có thành tích "
        "xuất sắc trong phong trào thi đua."
    )
    return " ".join(parts)


WRITERS = {
    "tinh_hinh": _tinh_hinh,
    "lanh_dao": _lanh_dao,
    "noi_dung": _noi_dung,
    "cao_diem": _cao_diem,
    "dien_hinh": _dien_hinh,
    "hoat_dong_khoi": _hoat_dong_khoi,
    "uu_diem": _uu_diem,
    "han_che": _han_che,
    "nguyen_nhan": _nguyen_nhan,
    "bai_hoc": _bai_hoc,
    "phuong_huong": _phuong_huong,
    "de_xuat": _de_xuat,
}


def draft_section(key: str, facts: ReviewFacts) -> str:
    return WRITERS[key](facts)


def drafts(facts: ReviewFacts) -> dict[str, str]:
    return {key: draft_section(key, facts) for key, _title in SECTIONS}
