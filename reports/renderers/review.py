"""Báo cáo sơ kết / tổng kết: the review's report in the DOMAIN.md outline.

The narrative is the secretariat's (the review's sections, drafted from the data and edited);
the numbers come from the same selectors as the review's page: the ranking frozen when the
review closed (or the live ranking of the published rounds before), the vote, the pledge
fulfilment, the nominations and the chair handover.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from awards.models import NominationList, NominationState, Review, ReviewKind
from awards.selectors.elections import election_board
from awards.selectors.honours import nomination_board
from awards.selectors.reviews import review_page
from awards.services.review_drafts import review_facts
from reports.charts import Bar, bar_chart
from reports.renderers.common import (
    DocumentParameters,
    bloc_word,
    default_parameters,
    letterhead,
    paragraphs,
    place_name,
    ranking_table,
)
from scoring.models import CriterionKind
from scoring.selectors.ranking.result import Ranking, quantize_points

# Where each section of the review goes in the outline: (part, chapter heading, subheading).
# The chapters of Part one group the sections "II.1"…"II.5" and "III.1"…"III.3".
OUTLINE: dict[str, tuple[int, str, str]] = {
    "tinh_hinh": (1, "I. ĐẶC ĐIỂM TÌNH HÌNH", ""),
    "lanh_dao": (1, "II. KẾT QUẢ THỰC HIỆN", "1. Công tác lãnh đạo, chỉ đạo"),
    "noi_dung": (1, "II. KẾT QUẢ THỰC HIỆN", "2. Kết quả thực hiện nội dung, chỉ tiêu thi đua"),
    "cao_diem": (1, "II. KẾT QUẢ THỰC HIỆN", "3. Các đợt thi đua cao điểm"),
    "dien_hinh": (1, "II. KẾT QUẢ THỰC HIỆN", "4. Phát hiện, bồi dưỡng, nhân rộng điển hình tiên tiến"),
    "hoat_dong_khoi": (1, "II. KẾT QUẢ THỰC HIỆN", "5. Hoạt động của khối/cụm thi đua"),
    "uu_diem": (1, "III. ĐÁNH GIÁ CHUNG", "1. Ưu điểm"),
    "han_che": (1, "III. ĐÁNH GIÁ CHUNG", "2. Hạn chế"),
    "nguyen_nhan": (1, "III. ĐÁNH GIÁ CHUNG", "3. Nguyên nhân"),
    "bai_hoc": (1, "IV. BÀI HỌC KINH NGHIỆM", ""),
    "phuong_huong": (2, "", ""),
    "de_xuat": (3, "", ""),
}
PART_TITLES = {
    1: "Phần thứ nhất\nKẾT QUẢ THỰC HIỆN",
    2: "Phần thứ hai\nPHƯƠNG HƯỚNG, NHIỆM VỤ, GIẢI PHÁP",
    3: "Phần thứ ba\nĐỀ XUẤT, KIẾN NGHỊ",
}
# Data printed right after a section's text.
INSERTS = {"noi_dung": "results", "cao_diem": "drives", "de_xuat": "proposals"}


@dataclass
class Block:
    heading: str  # the chapter heading when the block opens a chapter
    subheading: str
    paragraphs: list[str]
    insert: str = ""


@dataclass
class Part:
    number: int
    title_lines: list[str]
    blocks: list[Block] = field(default_factory=list)


def outline(sections) -> list[Part]:
    """The review's sections placed in the three parts, chapter headings printed once."""
    parts = {number: Part(number, PART_TITLES[number].split("\n")) for number in PART_TITLES}
    last_heading: dict[int, str] = {}
    for section in sections:
        part, heading, subheading = OUTLINE.get(section.key, (1, section.title.upper(), ""))
        shown = heading if heading and last_heading.get(part) != heading else ""
        if heading:
            last_heading[part] = heading
        parts[part].blocks.append(
            Block(shown, subheading, paragraphs(section.body), INSERTS.get(section.key, ""))
        )
    return [parts[number] for number in sorted(parts)]


@dataclass(frozen=True)
class GroupResult:
    code: str
    title: str
    max_points: Decimal | None
    mean: Decimal
    share: Decimal | None  # the mean as a percentage of the maximum
    best: str
    best_points: Decimal
    worst: str
    worst_points: Decimal


def group_results(ranking: Ranking, group_max: dict[str, Decimal]) -> list[GroupResult]:
    """Per standard criterion group: maximum, the bloc's mean, the best and the lowest unit."""
    rows = ranking.scored_rows
    if not rows:
        return []
    means = ranking.group_means()
    results = []
    for group in ranking.standard_groups:
        ordered = sorted(rows, key=lambda r: (-r.groups.get(group.code, Decimal(0)), r.name))
        maximum = group_max.get(group.code)
        mean = means.get(group.code, Decimal(0))
        results.append(
            GroupResult(
                code=group.code,
                title=group.title,
                max_points=maximum,
                mean=mean,
                share=quantize_points(mean * 100 / maximum) if maximum else None,
                best=ordered[0].label,
                best_points=ordered[0].groups.get(group.code, Decimal(0)),
                worst=ordered[-1].label,
                worst_points=ordered[-1].groups.get(group.code, Decimal(0)),
            )
        )
    return results


def totals_chart(ranking: Ranking):
    bars = [
        Bar(
            label=row.label,
            value=row.total,
            tone="veto" if row.disqualified else ("missing" if row.missing else "ok"),
            note=f"(hạng {row.rank_label})",
        )
        for row in ranking.scored_rows
    ]
    maximum = max((row.max_standard or Decimal(0) for row in ranking.scored_rows), default=Decimal(100))
    return bar_chart(bars, maximum=maximum)


RANK_WORDS = {1: "Nhất", 2: "Nhì", 3: "Ba"}


@dataclass(frozen=True)
class Podium:
    word: str
    names: str
    total: Decimal


def podium(ranking: Ranking) -> list[Podium]:
    """ "Xếp thứ Nhất, Nhì, Ba": the units at ranks 1 to 3, tied units together."""
    places = []
    for rank, word in RANK_WORDS.items():
        rows = [row for row in ranking.scored_rows if row.rank == rank]
        if rows:
            places.append(Podium(word, ", ".join(row.name for row in rows), rows[0].total))
    return places


def reference(word: str, parameters: DocumentParameters, bloc) -> str:
    """ "Báo cáo số 15/BC-CTĐ6 ngày 01/11/2024 của Cụm thi đua số 6", for the appendices."""
    number = parameters.number.strip()
    text = "Báo cáo" + (f" số {number}" if number and not number.startswith("/") else "")
    if parameters.issued_date:
        text += f" ngày {parameters.issued_date:%d/%m/%Y}"
    return f"{text} của {bloc.name}"


def review_title(review: Review) -> str:
    word = "Sơ kết" if review.kind == ReviewKind.SO_KET else "Tổng kết"
    period = (
        f"năm {review.campaign.year}" if review.is_year_end else f"6 tháng đầu năm {review.campaign.year}"
    )
    return f"Báo cáo {word.lower()} {period} – {review.campaign.bloc.name}"


def review_context(review: Review, parameters: DocumentParameters) -> dict:
    """Everything the report prints. `review` comes with its campaign, bloc and organiser, host,
    leading unit and snapshot loaded (as the review's page loads it)."""
    campaign = review.campaign
    bloc = campaign.bloc
    page = review_page(review=review)
    facts = review_facts(review=review, ranking=page.ranking)
    year = campaign.year
    if review.is_year_end:
        period_words, next_words, word = f"năm {year}", f"năm {year + 1}", "Tổng kết"
    else:
        period_words, next_words, word = f"6 tháng đầu năm {year}", f"6 tháng cuối năm {year}", "Sơ kết"
    board = election_board(review=review) if page.election is not None else None
    nomination_list = (
        NominationList.objects.filter(review=review).select_related("review__campaign__bloc").first()
    )
    nominations = nomination_board(nomination_list=nomination_list) if nomination_list else None
    chair, deputy, chair_recorded = facts.next_chair()
    ranking = page.ranking
    fulfilment_shown = not page.fulfilment.is_empty and bool(page.fulfilment.rows)
    appendices = 1 + fulfilment_shown + (nominations is not None)
    proposed: dict[str, list[str]] = {}
    for row in nominations.rows if nominations else []:
        if row.nomination.state != NominationState.REJECTED:
            proposed.setdefault(row.nomination.title.name, []).append(row.nomination.unit.name)
    return {
        "document_title": review_title(review),
        "podium": podium(ranking),
        "proposed_titles": list(proposed.items()),
        "reference": reference(word, parameters, bloc),
        "minutes_appendix": ["I", "II", "III", "IV"][appendices],
        "review": review,
        "campaign": campaign,
        "bloc": bloc,
        "bloc_word": bloc_word(bloc),
        "letterhead": letterhead(bloc=bloc, parameters=parameters),
        "parameters": parameters,
        "word": word,
        "subject": (
            f"{word} công tác thi đua, khen thưởng và Phong trào Thi đua Quyết thắng {period_words}; "
            f"phương hướng, nhiệm vụ {next_words}"
        ),
        "period_words": period_words,
        "next_words": next_words,
        "parts": outline(page.sections),
        **ranking_table(ranking),
        "frozen": page.frozen,
        "snapshot": review.snapshot if page.frozen else None,
        "has_bonus": any(g.kind == CriterionKind.BONUS for g in ranking.groups),
        "group_results": group_results(ranking, facts.group_max),
        "chart": totals_chart(ranking),
        "classification_counts": page.classification_counts,
        "attendance": page.attendance,
        "present_count": page.present_count,
        "member_count": page.member_count,
        "drives": facts.drives,
        "pledges": facts.pledges,
        "fulfilment": page.fulfilment,
        "leading": page.leading,
        "election": page.election,
        "board": board,
        "nominations": nominations,
        "next_chair": chair,
        "next_deputy": deputy,
        "chair_recorded": chair_recorded,
        "handover": page.handover,
    }


def defaults(review: Review) -> DocumentParameters:
    return default_parameters(
        bloc=review.campaign.bloc, kind_sign="BC", place=place_name(review.place), issued_on=review.held_on
    )
