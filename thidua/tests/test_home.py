"""The home page by role: what each user is told to do next, what each panel shows, who sees
what, and a fixed number of SQL queries at two data sizes."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone

from awards.models import LeadingBasis, Review, ReviewKind, ReviewState
from awards.tests.factories import review_for, score_round
from blocs.models import AuditEvent
from blocs.tests.factories import AssignmentFactory, MembershipFactory, UnitFactory, UserFactory
from campaigns.services.pledges import pledge_sign
from campaigns.tests.factories import open_pledge
from scoring.models import Criterion
from scoring.services.objections import objection_answer, objection_file
from scoring.services.rounds import round_publish
from scoring.services.scorecards import self_card_save, self_card_submit
from scoring.tests.factories import campaign_for, close_round, round_with_sample
from thidua.home.jobs import JobLine

YEAR = 2026
TODAY = date(YEAR, 11, 20)  # Quý IV; Quý III's entry deadline (10/10) is 41 days past
NOW = datetime.combine(TODAY, time(9, 0), tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
PASSWORD = "mật-khẩu-thử-nghiệm"


@pytest.fixture(autouse=True)
def frozen_clock():
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield


def home(client, user):
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response


def text_of(response) -> str:
    """The page's words as a reader sees them (tags dropped, spaces collapsed)."""
    words = " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())
    for before, after in ((" ,", ","), (" .", "."), ("( ", "("), (" )", ")"), (" :", ":")):
        words = words.replace(before, after)
    return words


class Scene:
    """World's bloc in 2026: Q1 and Q2 published, Q3 open and late, an open pledge, a tổng kết
    to come, an answered objection. `extra` more member units, each with a leader who sent
    its Q3 self-assessment and signed the pledge."""

    def __init__(self, world, extra: int = 0):
        self.world = world
        secretary = world.secretary
        self.extra_units = []
        for index in range(extra):
            unit = UnitFactory(parent=world.root, name=f"Sư đoàn {100 + index}")
            MembershipFactory(bloc=world.bloc, unit=unit, joined_on=date(2020, 1, 1))
            leader = UserFactory(password=PASSWORD)
            AssignmentFactory(user=leader, role="leader", unit=unit)
            self.extra_units.append((unit, leader))
        self.campaign = campaign_for(world.bloc, YEAR)
        shares = {
            world.unit_a.pk: Decimal("0.95"),
            world.unit_b.pk: Decimal("0.90"),
            world.unit_c.pk: Decimal("0.85"),
        }
        for index, (unit, _) in enumerate(self.extra_units):
            shares[unit.pk] = Decimal("0.80") - Decimal("0.01") * index
        self.rounds = {}
        for period, unit_a_share in (("q1", "0.95"), ("q2", "0.80")):
            shares[world.unit_a.pk] = Decimal(unit_a_share)
            scoring_round = round_with_sample(world.bloc, period, secretary, campaign=self.campaign)
            score_round(scoring_round, secretary, shares)
            close_round(scoring_round, secretary)
            self.rounds[period] = round_publish(scoring_round=scoring_round, actor=secretary)
        self.q3 = round_with_sample(world.bloc, "q3", secretary, campaign=self.campaign)
        entries = {
            pk: Decimal(1)
            for pk in Criterion.objects.filter(
                criteria_set=self.q3.criteria_set, children__isnull=True, kind="standard"
            ).values_list("pk", flat=True)
        }
        for unit, leader in [(world.unit_a, world.leader), *self.extra_units]:
            card, _ = self_card_save(
                scoring_round=self.q3,
                unit_id=unit.pk,
                entries=entries,
                base_version=0,
                actor=leader,
            )
            self_card_submit(scorecard=card, actor=leader)
        self.pledge = open_pledge(
            world.bloc, campaign=self.campaign, actor=secretary, title="Giao ước thi đua năm 2026"
        )
        for unit, leader in self.extra_units:
            pledge_sign(
                pledge=self.pledge, unit=unit, password=PASSWORD, ip="10.0.0.1", user_agent="t", actor=leader
            )
        self.review = review_for(
            world.bloc,
            ReviewKind.TONG_KET,
            YEAR,
            actor=secretary,
            held_on=date(YEAR + 1, 1, 15),
            rounds=False,
        )
        objection = objection_file(
            scoring_round=self.rounds["q2"],
            unit=world.unit_a,
            reason="Đề nghị xem lại điểm nhóm huấn luyện.",
            actor=world.leader,
            today=TODAY,
        )
        objection_answer(
            objection=objection, accept=False, answer="Giữ nguyên theo biên bản kiểm tra.", actor=secretary
        )


@pytest.fixture
def scene(world):
    return Scene(world)


# --- Secretariat ----------------------------------------------------------------------------------


def test_secretary_sees_the_late_round_who_has_not_sent_and_who_has_not_signed(world, client, scene):
    response = home(client, world.secretary)
    page = text_of(response)
    assert "Đợt chấm Quý III năm 2026" in page
    assert "Hạn nhập điểm 10/10/2026 – quá hạn 41 ngày" in page
    assert "Chưa gửi tự chấm: Quân khu 2, Quân khu 3" in page
    assert "1/3 đơn vị" in page  # self-assessments sent
    assert "0/3 đơn vị" in page  # final scores entered
    assert "Chưa ký: Quân khu 1, Quân khu 2, Quân khu 3" in page
    assert "Xếp hạng Quý II năm 2026" in page
    assert "Tổng kết năm 2026" in page and "15/01/2027" in page
    desk = response.context["desks"][0]
    assert desk.ranking.ranking.period == "q2"
    assert [row.name for row in desk.ranking.top] == ["Quân khu 2", "Quân khu 3", "Quân khu 1"]


def test_secretary_todo_names_the_round_the_quarter_to_open_and_the_pledge(world, client, scene):
    todos = home(client, world.secretary).context["todos"]
    texts = [todo.text for todo in todos]
    assert texts[0].startswith("Đợt chấm Quý III năm 2026 (Khối thi đua số 2) đã quá hạn nhập điểm 41 ngày")
    assert todos[0].is_urgent and todos[0].url == reverse("scoring:grid", args=[scene.q3.pk])
    assert "Chưa mở đợt chấm Quý IV năm 2026 (Khối thi đua số 2)." in texts
    assert any(t.startswith("Giao ước “Giao ước thi đua năm 2026”: 3 đơn vị chưa ký") for t in texts)


def test_secretary_is_told_to_publish_a_closed_round(world, client, scene):
    close_round(scene.q3, world.secretary)
    todos = home(client, world.secretary).context["todos"]
    closed = [t for t in todos if "đã khóa sổ, chưa công bố" in t.text]
    assert closed and closed[0].url == reverse("scoring:round-detail", args=[scene.q3.pk])
    assert not any("quá hạn" in t.text for t in todos)


def test_secretary_of_a_bloc_without_campaign_is_told_to_create_one(world, client, scene):
    response = home(client, world.other_secretary)
    page = text_of(response)
    assert "Cụm thi đua số 6 chưa có phong trào thi đua nào." in page
    assert reverse("campaigns:campaign-create", args=[world.other_bloc.pk]) in response.content.decode()
    assert "Quân khu 1" not in page  # nothing of the other bloc
    assert response.context["todos"][0].action == "Tạo phong trào năm 2026"


def test_campaign_without_criteria_says_to_make_them_first(world, client):
    campaign_for(world.bloc, YEAR)
    response = home(client, world.secretary)
    assert "chưa có bộ tiêu chí chấm điểm" in text_of(response)
    assert any(t.action == "Lập bộ tiêu chí" for t in response.context["todos"])
    assert "Chưa có đợt chấm nào được công bố" in text_of(response)


def test_open_objections_are_a_todo_for_the_secretariat(world, client, scene):
    objection_file(
        scoring_round=scene.rounds["q2"],
        unit=world.unit_a,
        reason="Đề nghị xem lại lần nữa.",
        actor=world.leader,
        today=TODAY,
    )
    todos = home(client, world.secretary).context["todos"]
    waiting = [t for t in todos if "kiến nghị" in t.text]
    assert [t.text for t in waiting] == [
        "1 kiến nghị về điểm Quý II năm 2026 (Khối thi đua số 2) chờ trả lời."
    ]
    assert waiting[0].url == reverse("scoring:objection-list", args=[scene.rounds["q2"].pk])
    assert waiting[0].is_urgent


# --- Unit leaders and officers ---------------------------------------------------------------------


def test_leader_is_told_to_sign_and_sees_rank_by_quarter_and_his_objection(world, client, scene):
    response = home(client, world.leader)
    todos = response.context["todos"]
    assert todos[0].text == "Giao ước “Giao ước thi đua năm 2026” của Khối thi đua số 2 chờ Quân khu 1 ký."
    assert todos[0].url == reverse("campaigns:pledge-sign", args=[scene.pledge.pk])
    page = text_of(response)
    assert "Quý III năm 2026 – đã gửi ngày 20/11/2026" in page
    desk = response.context["unit_home"].desks[0]
    assert [(q.label, q.row.rank, q.ranked, q.arrow) for q in desk.standing.quarters] == [
        ("Quý I", 1, 3, ""),
        ("Quý II", 3, 3, "down"),
    ]
    assert "Quý II: hạng 3 trên 3 đơn vị" in page
    assert "xuống hạng" in page
    assert "Giữ nguyên theo biên bản kiểm tra." in page
    assert "Không chấp nhận" in page


def test_leader_who_has_not_sent_is_told_the_deadline_has_passed(world, client, scene):
    leader_b = UserFactory()
    AssignmentFactory(user=leader_b, role="leader", unit=world.unit_b)
    todos = home(client, leader_b).context["todos"]
    texts = [t.text for t in todos]
    assert (
        "Tự chấm và gửi phiếu Quý III năm 2026 của Quân khu 2 – đã quá hạn 41 ngày (hạn 10/10/2026)." in texts
    )
    url = reverse("scoring:self-assessment", args=[scene.q3.pk]) + f"?don_vi={world.unit_b.pk}"
    assert any(t.url == url for t in todos)


def test_officer_drafts_but_is_not_asked_to_sign_nor_shown_objections(world, client, scene):
    officer_b = UserFactory()
    AssignmentFactory(user=officer_b, role="officer", unit=world.unit_b)
    response = home(client, officer_b)
    texts = [t.text for t in response.context["todos"]]
    assert texts == [
        "Soạn phiếu tự chấm Quý III năm 2026 của Quân khu 2 – đã quá hạn 41 ngày (hạn 10/10/2026)."
    ]
    assert 'data-testid="objections"' not in response.content.decode()
    assert "cán bộ đơn vị, Khối thi đua số 2" in text_of(response)


def test_outsider_sees_nothing_of_another_bloc(world, client, scene):
    response = home(client, world.outsider)
    page = text_of(response)
    assert "Khối thi đua số 2" not in page and "Quân khu 1" not in page
    assert response.context["todos"] == []
    assert "Chưa có đợt chấm nào của Cụm thi đua số 6 được công bố." in page


# --- Observers ---------------------------------------------------------------------------------------


def test_observer_sees_the_latest_ranking_and_the_leading_unit(world, client, scene):
    page = text_of(home(client, world.observer))
    assert "Khối, cụm bạn theo dõi" in page
    assert "Xếp hạng Quý II năm 2026" in page
    assert "Chưa có đơn vị dẫn đầu được chốt" in page
    Review.objects.filter(pk=scene.review.pk).update(
        state=ReviewState.CLOSED, leading_unit=world.unit_b, leading_basis=LeadingBasis.VOTE
    )
    page = text_of(home(client, world.observer))
    assert "Đơn vị dẫn đầu tổng kết năm 2026: Quân khu 2 (theo kết quả suy tôn)" in page


# --- Admins ------------------------------------------------------------------------------------------


def test_admin_sees_denied_accesses_and_current_lockouts(world, client):
    client.force_login(world.admin)  # first: a login clears the attempts it matches
    AuditEvent.objects.create(
        kind=AuditEvent.Kind.DENIED, actor=world.leader, summary="Từ chối truy cập GET /x/"
    )
    AuditEvent.objects.create(
        kind=AuditEvent.Kind.LOCKED_OUT, username="chihuy.qk2", summary="Khóa đăng nhập"
    )
    AuditEvent.objects.create(
        kind=AuditEvent.Kind.LOGIN_FAILED, username="chihuy.qk2", summary="Sai mật khẩu"
    )
    AccessAttempt.objects.create(
        username="chihuy.qk2",
        ip_address="10.1.2.3",
        user_agent="t",
        attempt_time=timezone.now() - timedelta(minutes=2),
        failures_since_start=5,
        get_data="",
        post_data="",
        http_accept="",
        path_info="/dang-nhap/",
    )
    response = client.get(reverse("home"))
    page = text_of(response)
    assert "Từ chối truy cập GET /x/" in page and "Bị khóa đăng nhập" in page
    assert "chihuy.qk2 từ 10.1.2.3 – 5 lần sai" in page
    security = response.context["security"]
    assert (security.denied_today, security.failed_logins_today) == (1, 1)
    assert response.context["todos"][0].text.startswith("1 tài khoản đang bị tạm khóa đăng nhập")


def test_an_old_lockout_has_expired(world, client, settings):
    client.force_login(world.admin)
    attempt = AccessAttempt.objects.create(
        username="x",
        ip_address="10.1.2.3",
        failures_since_start=9,
        get_data="",
        post_data="",
        http_accept="",
        path_info="/",
    )
    assert client.get(reverse("home")).context["security"].lockouts != []
    old = timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(minutes=1)
    AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=old)  # auto_now_add on create
    assert client.get(reverse("home")).context["security"].lockouts == []


def test_health_panel_is_for_admins_only(world, client):
    client.force_login(world.admin)
    response = client.get(reverse("home-health"))
    assert response.status_code == 200
    assert "Cơ sở dữ liệu: hoạt động bình thường" in text_of(response)
    assert "Chưa có tiến trình nền nào chạy" in text_of(response)
    client.force_login(world.secretary)
    assert client.get(reverse("home-health")).status_code == 403
    client.logout()
    assert client.get(reverse("home-health")).status_code == 302


def test_admin_home_loads_the_health_panel_after_the_page(world, client):
    html = home(client, world.admin).content.decode()
    assert f'hx-get="{reverse("home-health")}"' in html


# --- Several roles, no role ----------------------------------------------------------------------------


def test_a_user_with_several_roles_sees_each_panel(world, client, scene):
    AssignmentFactory(user=world.leader, role="secretary", bloc=world.bloc)
    AssignmentFactory(user=world.leader, role="observer", bloc=world.other_bloc)
    world.leader.is_superuser = True
    world.leader.save()
    html = home(client, world.leader).content.decode()
    for testid in ("unit-desk", "secretariat-desk", "watched", "admin", "objections"):
        assert f'data-testid="{testid}"' in html, testid


def test_a_user_without_role_is_told_whom_to_ask(world, client):
    page = text_of(home(client, world.nobody))
    assert "chưa được giao vai trò" in page and "Liên hệ quản trị viên" in page


# --- Report jobs (provided by the reports app through settings) ----------------------------------------

CALLS: list[dict] = []


def recent_jobs(*, user, bloc_ids, limit):
    CALLS.append({"user": user, "bloc_ids": bloc_ids, "limit": limit})
    return [
        JobLine(
            title="Báo cáo sơ kết 6 tháng đầu năm 2026 – Khối thi đua số 2",
            state="running",
            state_label="Đang tạo",
            progress=40,
            requested_by="Nguyễn Thị Lan",
            requested_at=NOW,
            url="/bao-cao/1/",
        )
    ]


def failed_jobs(*, user, limit):
    return [
        JobLine(
            title="Báo cáo tổng kết năm 2026 – Khối thi đua số 2",
            state="failed",
            state_label="Lỗi",
            progress=60,
            requested_by="Quản trị",
            requested_at=NOW,
            error="Không tạo được tệp PDF: thiếu phông chữ.",
        )
    ]


def test_report_panels_are_left_out_until_a_provider_is_set(world, client, scene, settings):
    settings.HOME_RECENT_REPORT_JOBS = settings.HOME_FAILED_REPORT_JOBS = ""
    html = home(client, world.secretary).content.decode()
    assert 'data-testid="recent-jobs"' not in html
    world.secretary.is_superuser = True
    world.secretary.save()
    assert 'data-testid="failed-jobs"' not in home(client, world.secretary).content.decode()


def test_report_panels_show_what_the_providers_return(world, client, scene, settings):
    settings.HOME_RECENT_REPORT_JOBS = "thidua.tests.test_home.recent_jobs"
    settings.HOME_FAILED_REPORT_JOBS = "thidua.tests.test_home.failed_jobs"
    CALLS.clear()
    page = text_of(home(client, world.secretary))
    assert "Báo cáo gần đây" in page and "Báo cáo sơ kết 6 tháng đầu năm 2026 – Khối thi đua số 2" in page
    assert "40%" in page and "Đang tạo" in page
    assert [{"user": world.secretary, "bloc_ids": [world.bloc.pk], "limit": 5}] == CALLS
    page = text_of(home(client, world.admin))
    assert "Báo cáo bị lỗi" in page and "Không tạo được tệp PDF: thiếu phông chữ." in page


def test_report_panels_list_the_real_jobs(world, client, scene):
    from reports.models import JobState, ReportJob, ReportKind

    q1 = scene.rounds["q1"]
    done = ReportJob.objects.create(
        kind=ReportKind.RANKING_SHEET,
        campaign=q1.campaign,
        scoring_round=q1,
        requested_by=world.secretary,
        state=JobState.DONE,
        progress=100,
        file="reports/x.pdf",
    )
    failed = ReportJob.objects.create(
        kind=ReportKind.RANKING_SHEET,
        campaign=q1.campaign,
        scoring_round=q1,
        requested_by=world.secretary,
        state=JobState.FAILED,
        error="Không tạo được tài liệu: mẫu lỗi.",
    )
    page = text_of(home(client, world.secretary))
    assert "Bảng tổng hợp điểm – Quý I 2026 – Khối thi đua số 2" in page
    html = home(client, world.secretary).content.decode()
    assert reverse("reports:job-download", args=[done.pk]) in html
    assert reverse("reports:job-detail", args=[failed.pk]) in html
    admin = text_of(home(client, world.admin))
    assert "Không tạo được tài liệu: mẫu lỗi." in admin
    assert "mẫu lỗi" not in text_of(home(client, world.other_secretary))


# --- Query counts --------------------------------------------------------------------------------------

# The page's own queries (session, user, navigation roles) and the user's
# assignments come first; then each role's panels (thidua/home/selectors.py docstrings).
# The report jobs of the secretary's blocs, and the failed jobs for an admin: one query each.
QUERIES = {"secretary": 15, "leader": 14, "officer": 10, "observer": 7, "admin": 8, "other_secretary": 8}


@pytest.mark.parametrize("size", [2, 12])
@pytest.mark.parametrize("persona", list(QUERIES))
def test_home_runs_a_fixed_number_of_queries(world, client, django_assert_num_queries, persona, size):
    Scene(world, extra=size)
    for index in range(size):
        AuditEvent.objects.create(kind=AuditEvent.Kind.DENIED, summary=f"Từ chối {index}")
    client.force_login(world.persona(persona))
    with django_assert_num_queries(QUERIES[persona]):
        response = client.get(reverse("home"))
    assert response.status_code == 200
    if persona == "secretary":
        assert response.context["desks"][0].rounds[0].member_count == 3 + size
    if persona == "observer":
        assert len(response.context["watched"][0].ranking.rows) == 3 + size


def test_charts_are_drawn_from_the_ranking_data_without_inline_code(world, client, scene):
    html = home(client, world.secretary).content.decode()
    assert 'data-chart="home-chart-data-s' in html
    assert f'<script id="home-chart-data-s{world.bloc.pk}" type="application/json">' in html
    assert "js/home.js" in html
    assert "<script>" not in html and " onclick=" not in html
    assert "js/home.js" not in home(client, world.admin).content.decode()  # no chart, no Chart.js
