""" "Việc cần làm": the few things a user should do next, worked out from what the home page
already loaded (no query). Each names the object and links to the page where it is done."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from campaigns.models import Pledge, PledgeState
from scoring.models import RoundState
from thidua.home.selectors import BlocDesk, Roles, SecurityEvents, UnitHome

URGENT, NORMAL = "urgent", "normal"


@dataclass(frozen=True)
class Todo:
    text: str
    action: str  # the button's words
    url: str
    tone: str = NORMAL  # urgent: late or blocking others

    @property
    def is_urgent(self) -> bool:
        return self.tone == URGENT


def _names(names: list[str], limit: int = 3) -> str:
    if len(names) <= limit:
        return ", ".join(names)
    return f"{', '.join(names[:limit])} và {len(names) - limit} đơn vị khác"


def _pledge_name(pledge: Pledge) -> str:
    version = f" (phiên bản {pledge.version})" if pledge.version > 1 else ""
    return f"“{pledge.title}”{version}"


def secretariat_todos(desk: BlocDesk) -> list[Todo]:
    bloc = desk.bloc.name
    todos: list[Todo] = []
    if desk.needs_campaign:
        year = desk.today.year
        todos.append(
            Todo(
                f"{bloc} chưa có phong trào thi đua năm {year}.",
                f"Tạo phong trào năm {year}",
                reverse("campaigns:campaign-create", args=[desk.bloc.pk]),
                URGENT,
            )
        )
    campaign = desk.campaign
    if campaign is None:
        return todos
    if not desk.has_criteria:
        todos.append(
            Todo(
                f"{campaign.name} ({bloc}) chưa có bộ tiêu chí chấm điểm.",
                "Lập bộ tiêu chí",
                reverse("scoring:criteria-list", args=[campaign.pk]),
            )
        )
    for status in desk.rounds:
        name = f"Đợt chấm {status.label} ({bloc})"
        if status.state == RoundState.CLOSED:
            todos.append(
                Todo(
                    f"{name} đã khóa sổ, chưa công bố kết quả.",
                    "Xem và công bố",
                    reverse("scoring:round-detail", args=[status.scoring_round.pk]),
                )
            )
            continue
        missing = len(status.missing_final)
        if status.days_late:
            todos.append(
                Todo(
                    f"{name} đã quá hạn nhập điểm {status.days_late} ngày "
                    f"(hạn {status.scoring_round.entry_deadline:%d/%m/%Y}); "
                    f"{missing}/{status.member_count} đơn vị chưa có điểm của thường trực.",
                    "Nhập bảng điểm",
                    reverse("scoring:grid", args=[status.scoring_round.pk]),
                    URGENT,
                )
            )
        elif missing:
            todos.append(
                Todo(
                    f"{name}: hạn nhập điểm {status.scoring_round.entry_deadline:%d/%m/%Y}; "
                    f"{missing}/{status.member_count} đơn vị chưa có điểm.",
                    "Nhập bảng điểm",
                    reverse("scoring:grid", args=[status.scoring_round.pk]),
                )
            )
    for scoring_round, count in desk.objections:
        todos.append(
            Todo(
                f"{count} kiến nghị về điểm {scoring_round.get_period_display()} năm {campaign.year} "
                f"({bloc}) chờ trả lời.",
                "Trả lời kiến nghị",
                reverse("scoring:objection-list", args=[scoring_round.pk]),
                URGENT,
            )
        )
    if desk.quarter_to_open:
        todos.append(
            Todo(
                f"Chưa mở đợt chấm {desk.quarter_to_open_label} năm {campaign.year} ({bloc}).",
                f"Mở đợt chấm {desk.quarter_to_open_label}",
                reverse("scoring:round-create", args=[campaign.pk]),
            )
        )
    for status in desk.pledges:
        pledge = status.pledge
        if pledge.state == PledgeState.DRAFT:
            todos.append(
                Todo(
                    f"Giao ước {_pledge_name(pledge)} còn là dự thảo, các đơn vị chưa ký được.",
                    "Hoàn thiện và mở ký",
                    reverse("campaigns:pledge-detail", args=[pledge.pk]),
                )
            )
        elif pledge.state == PledgeState.OPEN and status.unsigned:
            todos.append(
                Todo(
                    f"Giao ước {_pledge_name(pledge)}: {len(status.unsigned)} đơn vị chưa ký "
                    f"({_names(status.unsigned)}).",
                    "Xem tình hình ký",
                    reverse("campaigns:pledge-board", args=[pledge.pk]),
                )
            )
    return todos


def unit_todos(home: UnitHome, pending_pledges) -> list[Todo]:
    todos = [
        Todo(
            f"Giao ước {_pledge_name(pledge)} của {pledge.campaign.bloc.name} chờ {unit.name} ký.",
            f"Đọc và ký cho {unit.name}",
            reverse("campaigns:pledge-sign", args=[pledge.pk]),
            URGENT,
        )
        for pledge, unit in pending_pledges
    ]
    for desk in home.desks:
        for task in desk.tasks:
            if task.is_sent:
                continue
            url = f"{reverse('scoring:self-assessment', args=[task.scoring_round.pk])}?don_vi={task.unit.pk}"
            late = task.days_left < 0
            deadline = f"{task.scoring_round.entry_deadline:%d/%m/%Y}"
            when = f"đã quá hạn {-task.days_left} ngày (hạn {deadline})" if late else f"hạn {deadline}"
            if desk.leads:
                verb = "Gửi phiếu tự chấm" if task.state == "draft" else "Tự chấm và gửi phiếu"
            else:
                verb = "Soạn phiếu tự chấm"
            todos.append(
                Todo(
                    f"{verb} {task.label} của {task.unit.name} – {when}.",
                    "Mở phiếu tự chấm",
                    url,
                    URGENT if late else "normal",
                )
            )
    return todos


def admin_todos(security: SecurityEvents) -> list[Todo]:
    if not security.lockouts:
        return []
    return [
        Todo(
            f"{len(security.lockouts)} tài khoản đang bị tạm khóa đăng nhập do nhập sai mật khẩu nhiều lần.",
            "Xem và mở khóa",
            reverse("admin:axes_accessattempt_changelist"),
            URGENT,
        )
    ]


def todos_for(*, roles: Roles, desks, unit_home, pending_pledges, security) -> list[Todo]:
    todos: list[Todo] = []
    if unit_home is not None:
        todos += unit_todos(unit_home, pending_pledges)
    for desk in desks or []:
        todos += secretariat_todos(desk)
    if security is not None:
        todos += admin_todos(security)
    return sorted(todos, key=lambda todo: not todo.is_urgent)
