"""Every page of the product at scale, for `make bench` (DESIGN.md §8): one table of pages, each
with its URL name, how its arguments are found, who reads it, and its budget.

    Page("Danh sách khối", "blocs:bloc-list", lambda f: (), "admin", ENTRY)

A page whose URL name does not resolve (not built, or renamed) is reported as skipped, as is a
page whose object the scale dataset lacks. The objects that `seed_scale` does not make (a pledge
with signatures, the year-end review with its vote, nominations and an award decision, an
objection) are made once, through the services, for the first scale bloc (`prepare`); a second
run finds them and reuses them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

BENCH_PASSWORD = "Bench@2026-do-hieu-nang"  # only the bench's own signing leaders have it
SIGNERS = 3  # units 2…4 sign the bench pledge; the first unit's leader still has it to sign


@dataclass
class PageBudget:
    ms: int
    label: str
    queries: int | None = None


ENTRY = PageBudget(300, "trang nhập liệu, danh sách ≤ 300 ms")
PARTIAL = PageBudget(300, "phần trang (htmx) ≤ 300 ms")
DASHBOARD = PageBudget(800, "trang xếp hạng, tổng hợp ≤ 800 ms")


@dataclass
class Fixtures:
    """The objects the pages are read with; None where the dataset has none."""

    bloc: Any
    campaign: Any  # the current year's, with the open round
    last_campaign: Any  # the last complete year's
    open_round: Any
    published_round: Any  # the current year's latest published round
    unit: Any  # the bloc's first member unit
    leaf: Any  # a scored criterion of the open round
    users: dict[str, Any]
    pledge: Any = None
    review: Any = None
    election: Any = None
    nomination_list: Any = None
    decision: Any = None
    objection: Any = None
    job: Any = None
    problems: dict[str, str] = field(default_factory=dict)  # fixture → why it is missing


@dataclass
class Page:
    name: str
    url_name: str
    args: Callable[[Fixtures], tuple | None]  # None: the dataset lacks the object
    persona: str  # a key of Fixtures.users
    budget: PageBudget
    query: str = ""
    needs: str = ""  # the fixture the page reads, to name it when it is missing
    note: str = ""


def _pk(obj) -> int | None:
    return None if obj is None else obj.pk


def _args(*values) -> tuple | None:
    return None if any(v is None for v in values) else values


PERSONAS = {
    "admin": "quản trị",
    "secretary": "thường trực khối",
    "leader": "chỉ huy đơn vị",
    "officer": "cán bộ đơn vị",
    "observer": "theo dõi khối",
}

PAGES: list[Page] = [
    # Home, for the roles that run.py's _measure_home does not measure.
    Page("Trang chủ", "home", lambda f: (), "officer", DASHBOARD),
    Page("Trang chủ", "home", lambda f: (), "observer", DASHBOARD),
    # Organisation.
    Page(
        "Cây đơn vị (trang đầu, 200 dòng)",
        "blocs:unit-list",
        lambda f: (),
        "admin",
        ENTRY,
        note="quản trị thấy cả 3.021 đơn vị",
    ),
    Page(
        "Tìm đơn vị không dấu “don vi quy mo”",
        "blocs:unit-list",
        lambda f: (),
        "admin",
        ENTRY,
        query="q=don+vi+quy+mo",
        note="khớp 3.000 đơn vị, trang đầu 50",
    ),
    Page("Trang đơn vị", "blocs:unit-detail", lambda f: _args(_pk(f.unit)), "secretary", ENTRY),
    Page("Danh sách khối", "blocs:bloc-list", lambda f: (), "admin", ENTRY, note="quản trị thấy cả 300 khối"),
    Page("Trang khối", "blocs:bloc-detail", lambda f: _args(_pk(f.bloc)), "secretary", ENTRY),
    Page("Danh sách người dùng", "blocs:user-list", lambda f: (), "admin", ENTRY),
    Page(
        "Trang người dùng",
        "blocs:user-detail",
        lambda f: _args(_pk(f.users["secretary"])),
        "admin",
        ENTRY,
    ),
    Page(
        "Tìm kiếm chung “quy mo”",
        "search",
        lambda f: (),
        "admin",
        ENTRY,
        query="q=quy+mo",
        note="đơn vị, khối, phong trào, giao ước; quản trị thấy tất cả",
    ),
    Page(
        "Đăng xuất mọi thiết bị (trang xác nhận)", "blocs:sign-out-everywhere", lambda f: (), "leader", ENTRY
    ),
    Page("Nhật ký hệ thống", "blocs:audit-list", lambda f: (), "admin", ENTRY),
    # Campaigns and pledges.
    Page("Phong trào của khối", "campaigns:campaign-list", lambda f: _args(_pk(f.bloc)), "secretary", ENTRY),
    Page(
        "Tổng quan phong trào", "campaign-overview", lambda f: _args(_pk(f.campaign)), "secretary", DASHBOARD
    ),
    Page(
        "Giao ước của phong trào",
        "campaigns:pledge-list",
        lambda f: _args(_pk(f.campaign)),
        "secretary",
        ENTRY,
    ),
    Page(
        "Trang giao ước",
        "campaigns:pledge-detail",
        lambda f: _args(_pk(f.pledge)),
        "leader",
        ENTRY,
        needs="pledge",
    ),
    Page(
        "Tình hình ký giao ước",
        "campaigns:pledge-board",
        lambda f: _args(_pk(f.pledge)),
        "secretary",
        DASHBOARD,
        needs="pledge",
    ),
    Page(
        "Kiểm tra toàn vẹn giao ước",
        "campaigns:pledge-verify",
        lambda f: _args(_pk(f.pledge)),
        "observer",
        ENTRY,
        needs="pledge",
        note=f"tính lại mã băm của nội dung và {SIGNERS} chữ ký",
    ),
    Page(
        "Trang ký giao ước (chưa ký)",
        "campaigns:pledge-sign",
        lambda f: _args(_pk(f.pledge)),
        "leader",
        ENTRY,
        needs="pledge",
    ),
    # Criteria and rounds.
    Page("Bộ tiêu chí", "scoring:criteria-list", lambda f: _args(_pk(f.campaign)), "secretary", ENTRY),
    Page("Danh sách đợt chấm", "scoring:round-list", lambda f: _args(_pk(f.campaign)), "secretary", ENTRY),
    Page("Trang đợt chấm", "scoring:round-detail", lambda f: _args(_pk(f.open_round)), "secretary", ENTRY),
    Page(
        "So sánh tự chấm và kết quả (cả khối)",
        "scoring:comparison",
        lambda f: _args(_pk(f.open_round)),
        "secretary",
        DASHBOARD,
    ),
    Page(
        "Lịch sử một ô điểm",
        "scoring:cell-history",
        lambda f: _args(_pk(f.open_round), _pk(f.unit), _pk(f.leaf)),
        "secretary",
        PARTIAL,
    ),
    # Rankings.
    Page(
        "Xếp hạng một quý (đã công bố)",
        "scoring:ranking",
        lambda f: _args(_pk(f.campaign), f.published_round and f.published_round.period),
        "leader",
        DASHBOARD,
    ),
    Page(
        "Xếp hạng cả năm (thành viên khối)",
        "scoring:ranking",
        lambda f: _args(_pk(f.last_campaign), "year"),
        "observer",
        DASHBOARD,
    ),
    Page(
        "Vị trí của một đơn vị trong xếp hạng năm",
        "scoring:ranking-unit",
        lambda f: _args(_pk(f.last_campaign), "year", _pk(f.unit)),
        "leader",
        DASHBOARD,
    ),
    Page(
        "Kiến nghị của một đợt chấm",
        "scoring:objection-list",
        lambda f: _args(_pk(f.published_round)),
        "secretary",
        ENTRY,
        needs="objection",
    ),
    Page(
        "Trang kiến nghị",
        "scoring:objection-detail",
        lambda f: _args(_pk(f.objection)),
        "leader",
        ENTRY,
        needs="objection",
    ),
    # Reviews, the vote, awards.
    Page(
        "Hội nghị của phong trào",
        "awards:review-list",
        lambda f: _args(_pk(f.last_campaign)),
        "secretary",
        ENTRY,
    ),
    Page(
        "Trang hội nghị tổng kết",
        "awards:review-detail",
        lambda f: _args(_pk(f.review)),
        "secretary",
        DASHBOARD,
        needs="review",
    ),
    Page(
        "Bỏ phiếu suy tôn",
        "awards:election",
        lambda f: _args(_pk(f.review)),
        "secretary",
        ENTRY,
        needs="election",
    ),
    Page(
        "Danh sách đề nghị khen thưởng",
        "awards:nominations",
        lambda f: _args(_pk(f.review)),
        "secretary",
        ENTRY,
        needs="nomination_list",
    ),
    Page("Danh mục danh hiệu thi đua", "awards:title-list", lambda f: (), "admin", ENTRY),
    Page(
        "Quyết định khen thưởng",
        "awards:decision-detail",
        lambda f: _args(_pk(f.decision)),
        "secretary",
        ENTRY,
        needs="decision",
    ),
    Page(
        "Khen thưởng của một đơn vị qua các năm",
        "awards:unit-awards",
        lambda f: _args(_pk(f.unit)),
        "leader",
        ENTRY,
        needs="decision",
    ),
    Page(
        "Khen thưởng của khối qua các năm",
        "awards:bloc-awards",
        lambda f: _args(_pk(f.bloc)),
        "secretary",
        ENTRY,
        needs="decision",
    ),
    # Reports.
    Page(
        "Trang yêu cầu báo cáo tổng kết PDF",
        "reports:review",
        lambda f: _args(_pk(f.review)),
        "secretary",
        ENTRY,
        needs="review",
    ),
    Page(
        "Trang công việc tạo báo cáo",
        "reports:job-detail",
        lambda f: _args(_pk(f.job)),
        "secretary",
        ENTRY,
        needs="job",
    ),
    Page(
        "Tiến độ công việc tạo báo cáo (htmx)",
        "reports:job-progress",
        lambda f: _args(_pk(f.job)),
        "secretary",
        PARTIAL,
        needs="job",
    ),
]


# --- The objects the pages need ----------------------------------------------------------------


def _user(username: str, full_name: str, *, superuser: bool = False, password: str = ""):
    from blocs.models import User

    found = User.objects.filter(username=username).first()
    if found is None:
        found = User(
            username=username,
            full_name=full_name,
            position="Tài khoản đo hiệu năng",
            is_superuser=superuser,
            is_staff=superuser,
        )
        if password:
            found.set_password(password)
        else:
            found.set_unusable_password()
        found.save()
    return found


def personas(bloc, unit, secretary, leader, admin) -> dict[str, Any]:
    """The bench's users by role: the secretariat, the first unit's leader and officer, the
    bloc's observer, an admin (created when missing)."""
    from blocs.models import Assignment, Role

    officer = _user("bench.canbo", "Cán bộ đơn vị (đo hiệu năng)")
    Assignment.objects.get_or_create(user=officer, role=Role.OFFICER, unit=unit, bloc=None)
    observer = _user("bench.theodoi", "Theo dõi khối (đo hiệu năng)")
    Assignment.objects.get_or_create(user=observer, role=Role.OBSERVER, bloc=bloc, unit=None)
    return {
        "admin": admin,
        "secretary": secretary,
        "leader": leader,
        "officer": officer,
        "observer": observer,
    }


def _step(fixtures: Fixtures, name: str, make: Callable[[], Any]) -> Any:
    """Make one fixture in its own transaction; a refusal is recorded, not raised, so that the
    pages which do not need it are still measured."""
    try:
        with transaction.atomic():
            return make()
    except (ValidationError, LookupError) as exc:
        message = " ".join(getattr(exc, "messages", [str(exc)]))
        fixtures.problems[name] = message
        return None


def _pledge(fixtures: Fixtures):
    """The current year's pledge, opened and signed by the leaders of units 2…4."""
    from blocs.models import Assignment, Membership, Role
    from campaigns.models import Pledge, SignatureKind
    from campaigns.services.pledges import pledge_create, pledge_item_add, pledge_open, pledge_sign

    secretary = fixtures.users["secretary"]
    pledge = Pledge.objects.filter(campaign=fixtures.campaign, title__endswith="(đo hiệu năng)").first()
    if pledge is None:
        pledge = pledge_create(
            campaign=fixtures.campaign,
            title=f"Giao ước thi đua năm {fixtures.campaign.year} (đo hiệu năng)",
            preamble="Các đơn vị thành viên thống nhất ký kết giao ước thi đua (dữ liệu đo hiệu năng).",
            actor=secretary,
        )
        for number in range(1, 9):
            pledge_item_add(
                pledge=pledge,
                content=f"Nội dung giao ước số {number}: hoàn thành chỉ tiêu được giao.",
                indicator="Tỷ lệ hoàn thành",
                unit_of_measure="%",
                target_value=Decimal(90 + number),
                actor=secretary,
            )
        pledge = pledge_open(pledge=pledge, actor=secretary)
    signed = set(pledge.signatures.filter(kind=SignatureKind.MEMBER).values_list("unit_id", flat=True))
    members = (
        Membership.objects.filter(bloc=fixtures.bloc)
        .order_by("unit__code")
        .select_related("unit")[1 : 1 + SIGNERS]
    )
    for number, membership in enumerate(members, start=2):
        unit = membership.unit
        if unit.pk in signed:
            continue
        signer = _user(
            f"bench.chihuy{number}", f"Chỉ huy {unit.name} (đo hiệu năng)", password=BENCH_PASSWORD
        )
        Assignment.objects.get_or_create(user=signer, role=Role.LEADER, unit=unit, bloc=None)
        pledge_sign(pledge=pledge, unit=unit, password=BENCH_PASSWORD, ip="127.0.0.1", actor=signer)
    return pledge


def _vote_and_close(fixtures: Fixtures):
    """The year-end review's suy tôn on paper (every present unit for the first candidate),
    then the review held and closed: its ranking frozen, the leading unit recorded."""
    from awards.models import Election, ReviewState
    from awards.services.elections import (
        ballot_round_count,
        election_open,
        election_prepare,
        paper_ballots_enter,
    )
    from awards.services.reviews import attendance_set, review_close, review_mark_held

    review, secretary = fixtures.review, fixtures.users["secretary"]
    election = Election.objects.filter(review=review).first()
    if election is None:
        units = review.attendance.values_list("unit_id", flat=True)
        attendance_set(review=review, present=dict.fromkeys(units, True), actor=secretary)
        election = election_prepare(review=review, actor=secretary)
        ballot_round = election_open(election=election, actor=secretary)
        voters = [row.unit for row in review.attendance.select_related("unit") if row.present]
        first = ballot_round.candidates.order_by("position").first()
        paper_ballots_enter(
            ballot_round=ballot_round,
            counts={first.pk: len(voters)},
            invalid=0,
            voted_units=voters,
            actor=secretary,
        )
        ballot_round_count(ballot_round=ballot_round, actor=secretary)
    review.refresh_from_db()
    if review.state == ReviewState.PREPARING:
        review = review_mark_held(review=review, actor=secretary, today=max(review.held_on, date.today()))
    if review.state == ReviewState.HELD:
        review = review_close(review=review, actor=secretary)
    fixtures.review = review
    return election


def _nominations(fixtures: Fixtures):
    """The nomination list drawn from the closed review, submitted and decided."""
    from awards.models import NominationList, NominationListState
    from awards.services.nominations import nomination_decide, nomination_list_submit, nominations_generate
    from awards.services.titles import seed_titles

    nomination_list = NominationList.objects.filter(review=fixtures.review).first()
    if nomination_list is None:
        secretary, admin = fixtures.users["secretary"], fixtures.users["admin"]
        seed_titles()  # the catalogue of titles, as seed_demo loads it
        nomination_list = nominations_generate(review=fixtures.review, actor=secretary)
        nomination_list = nomination_list_submit(nomination_list=nomination_list, actor=secretary)
        for nomination in nomination_list.nominations.order_by("position"):
            approve = nomination.passes or bool(nomination.justification)
            nomination_decide(
                nomination=nomination,
                approve=approve,
                reason="" if approve else "Không đủ điều kiện.",
                actor=admin,
            )
    if nomination_list.state == NominationListState.DRAFT:
        raise ValidationError("Danh sách đề nghị còn là bản nháp.")
    return nomination_list


def _decision(fixtures: Fixtures):
    from awards.models import AwardDecision, NominationState
    from awards.services.decisions import award_decision_record

    decision = AwardDecision.objects.filter(nomination_list=fixtures.nomination_list).first()
    if decision is None:
        approved = fixtures.nomination_list.nominations.filter(state=NominationState.APPROVED).select_related(
            "unit", "title"
        )
        year = fixtures.last_campaign.year
        decision = award_decision_record(
            number=f"{fixtures.bloc.pk}/QĐ-ĐHN",
            signed_on=date(year + 1, 2, 1),
            issuer="Cấp trên của khối (đo hiệu năng)",
            year=year,
            summary=f"Tặng danh hiệu thi đua năm {year} cho các đơn vị {fixtures.bloc.name}",
            grants=[(n.unit, n.title) for n in approved],
            nomination_list=fixtures.nomination_list,
            actor=fixtures.users["secretary"],
        )
    return decision


def _objection(fixtures: Fixtures):
    """The first unit's leader objects to a criterion of the latest published round, within
    its window (the day after publication)."""
    from scoring.models import Objection
    from scoring.services.objections import objection_file

    objection = Objection.objects.filter(round=fixtures.published_round, unit=fixtures.unit).first()
    if objection is None:
        from scoring.models import Criterion

        criterion = (
            Criterion.objects.filter(
                criteria_set=fixtures.published_round.criteria_set, children__isnull=True
            )
            .order_by("pk")
            .first()
        )
        published_on = (fixtures.published_round.published_at or fixtures.published_round.ends_on).date()
        objection = objection_file(
            scoring_round=fixtures.published_round,
            unit=fixtures.unit,
            criterion=criterion,
            requested_points=criterion.max_points,
            reason="Đơn vị đề nghị xem lại điểm tiêu chí này theo biên bản kiểm tra (đo hiệu năng).",
            actor=fixtures.users["leader"],
            today=published_on + timedelta(days=1),
        )
    return objection


def prepare(fixtures: Fixtures, review) -> Fixtures:
    """Find or make the objects the pages read (see the module's docstring)."""
    fixtures.pledge = _step(fixtures, "pledge", lambda: _pledge(fixtures))
    fixtures.review = review
    if review is None:
        fixtures.problems["review"] = "không có hội nghị tổng kết"
        return fixtures
    fixtures.election = _step(fixtures, "election", lambda: _vote_and_close(fixtures))
    if fixtures.published_round is not None:
        fixtures.objection = _step(fixtures, "objection", lambda: _objection(fixtures))
    else:
        fixtures.problems["objection"] = "không có đợt chấm đã công bố trong năm"
    if fixtures.election is None:
        fixtures.problems["nomination_list"] = fixtures.problems["decision"] = "chưa bỏ phiếu suy tôn"
        return fixtures
    fixtures.nomination_list = _step(fixtures, "nomination_list", lambda: _nominations(fixtures))
    if fixtures.nomination_list is None:
        fixtures.problems["decision"] = "chưa có danh sách đề nghị khen thưởng"
        return fixtures
    fixtures.decision = _step(fixtures, "decision", lambda: _decision(fixtures))
    return fixtures


def fixtures_for(bloc, scoring_round, users: dict[str, Any]) -> Fixtures:
    from blocs.models import Membership
    from campaigns.models import Campaign
    from scoring.models import Criterion, RoundState, ScoringRound

    campaign = scoring_round.campaign
    last_campaign = (
        Campaign.objects.filter(bloc=bloc).exclude(pk=campaign.pk).order_by("-year").first() or campaign
    )
    published_round = (
        ScoringRound.objects.filter(campaign=campaign, state=RoundState.PUBLISHED)
        .select_related("criteria_set", "campaign")
        .order_by("-starts_on")
        .first()
    )
    unit = Membership.objects.filter(bloc=bloc).order_by("unit__code").select_related("unit").first().unit
    leaf = (
        Criterion.objects.filter(criteria_set=scoring_round.criteria_set, children__isnull=True)
        .order_by("pk")
        .first()
    )
    return Fixtures(
        bloc=bloc,
        campaign=campaign,
        last_campaign=last_campaign,
        open_round=scoring_round,
        published_round=published_round,
        unit=unit,
        leaf=leaf,
        users=users,
    )


# --- Measuring -------------------------------------------------------------------------------------


def measure_pages(bench, fixtures: Fixtures, pages: list[Page] | None = None) -> None:
    """GET each page as its persona through the whole middleware stack; 200 expected."""
    from tests.bench.run import Budget, _expect, _url

    client = bench.client
    for page in pages if pages is not None else PAGES:
        name = f"{page.name} (GET {page.url_name}, {PERSONAS[page.persona]})"
        budget = Budget(page.budget.ms, page.budget.queries, page.budget.label)
        args = page.args(fixtures)
        if args is None:
            reason = fixtures.problems.get(page.needs, "") if page.needs else ""
            bench.skip(
                name, budget, f"thiếu dữ liệu ({page.needs or 'đối tượng'}){': ' + reason if reason else ''}"
            )
            continue
        url = _url(page.url_name, *args)
        if url is None:
            bench.skip(name, budget, f"chưa xây dựng (không có {page.url_name})")
            continue
        address = f"{url}?{page.query}" if page.query else url
        client.force_login(fixtures.users[page.persona])
        result = bench.measure(name, budget, lambda address=address: _expect(client.get(address)))
        result.note = page.note
