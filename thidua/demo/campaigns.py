"""Demo campaigns and pledges.

- Khối thi đua số 2: the 2024 campaign and its "Giao ước thi đua 6 tháng cuối năm 2024",
  signed by most members (real event from the seeds; the signers and times are demo), and a
  2026 campaign whose yearly pledge still waits for a few signatures.
- A demo bloc of Quân đoàn 12 where Sư đoàn 390 competes, with Sư đoàn 390's real 2024 theme,
  guiding idea and drive "Mừng Đảng, mừng xuân, ra quân quyết thắng" (8/1–29/2/2024). Its
  other members are invented and marked "(mẫu)".

Signing times are historical, so the seeding runs the services under a demo clock.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, time
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

from blocs.models import Bloc, Membership, Unit, User
from blocs.services.organisation import bloc_create, membership_add
from blocs.services.units import unit_create
from campaigns.models import Campaign, Pledge, PledgeState
from campaigns.services.campaigns import campaign_activate, campaign_create, drive_create
from campaigns.services.pledges import (
    pledge_close,
    pledge_create,
    pledge_item_add,
    pledge_open,
    pledge_registration_add,
    pledge_sign,
    pledge_witness_sign,
)
from thidua.demo.organisation import DEMO_PASSWORD, LEADER_NAMES, _assign, _user, load_real_blocs

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")

# Targets as DOMAIN.md lists them (published examples of army pledges).
STANDARD_ITEMS = [
    (
        "100% nội dung, chương trình huấn luyện đạt yêu cầu, trong đó trên 75% khá, giỏi",
        "Tỷ lệ nội dung huấn luyện đạt khá, giỏi",
        "%",
        "gte",
        "75",
    ),
    (
        "Duy trì nghiêm chế độ trực sẵn sàng chiến đấu, trực chỉ huy",
        "Tỷ lệ đảm bảo trực sẵn sàng chiến đấu",
        "%",
        "gte",
        "100",
    ),
    ("Quân số khỏe thường xuyên đạt từ 98% trở lên", "Tỷ lệ quân số khỏe", "%", "gte", "98"),
    ("Đơn vị an toàn tuyệt đối về người, vũ khí, trang bị", "Số vụ việc mất an toàn", "vụ", "lte", "0"),
    ("Không có quân nhân vi phạm kỷ luật phải xử lý", "Số quân nhân vi phạm kỷ luật", "người", "lte", "0"),
]


@contextmanager
def demo_clock(day: date, at: time = time(9, 0)):
    """Run services as if it were `day` at `at` (local time). Demo seeding only."""
    moment = datetime.combine(day, at, tzinfo=LOCAL)
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def _items(pledge: Pledge, admin: User) -> None:
    for content, indicator, unit, comparison, target in STANDARD_ITEMS:
        pledge_item_add(
            pledge=pledge,
            content=content,
            indicator=indicator,
            unit_of_measure=unit,
            comparison=comparison,
            target_value=Decimal(target),
            actor=admin,
        )


def _sign_in_turn(pledge: Pledge, units: list[Unit], day: date, start_hour: int = 9) -> None:
    for minute, unit in enumerate(units):
        leader = User.objects.get(username=f"chihuy.{unit.code.lower()}")
        with demo_clock(day, time(start_hour, 5 + 3 * minute)):
            pledge_sign(
                pledge=pledge,
                unit=unit,
                password=DEMO_PASSWORD,
                ip="10.0.0.10",
                user_agent="Demo",
                actor=leader,
            )


def seed_bloc2(admin: User) -> None:
    bloc = Bloc.objects.get(name="Khối thi đua số 2")
    members = {m.unit.code: m.unit for m in Membership.objects.filter(bloc=bloc).select_related("unit")}
    secretary = User.objects.get(username="thuky.k2")

    with demo_clock(date(2024, 3, 29), time(8, 0)):
        campaign = campaign_create(
            bloc=bloc,
            year=2024,
            name="Phong trào Thi đua Quyết thắng năm 2024",
            theme="Đoàn kết, kỷ cương, chủ động, sáng tạo, quyết thắng (mẫu)",
            guiding_idea="Nội dung tư tưởng chỉ đạo dùng cho dữ liệu mẫu.",
            launched_on=date(2024, 3, 29),
            actor=admin,
        )
        campaign_activate(campaign=campaign, actor=admin)
        pledge = pledge_create(
            campaign=campaign,
            title="Giao ước thi đua 6 tháng cuối năm 2024",
            period="h2",
            preamble=(
                "Thực hiện Quyết định số 1200/QĐ-BQP ngày 29/3/2024 của Bộ trưởng Bộ Quốc phòng, các đơn vị "
                "thành viên Khối thi đua số 2 thống nhất ký kết giao ước thi đua 6 tháng cuối năm 2024 với các "
                "nội dung sau."
            ),
            actor=secretary,
        )
        _items(pledge, secretary)
        for code in ("QK1", "QK2", "QK3", "QK4", "QK5", "QK7", "QK9", "BTLTD"):
            pledge_registration_add(
                pledge=pledge, unit=members[code], title="Cờ thi đua của Bộ Quốc phòng", actor=secretary
            )
        pledge_open(pledge=pledge, actor=secretary)
    signers = [members[c] for c in ("QK1", "QK3", "QK4", "QK2", "QK5", "QK7")]
    _sign_in_turn(pledge, signers, date(2024, 3, 29))
    with demo_clock(date(2024, 3, 29), time(10, 30)):
        pledge_witness_sign(
            pledge=pledge, password=DEMO_PASSWORD, ip="10.0.0.11", user_agent="Demo",
            actor=User.objects.get(username="theodoi.k2"),
        )  # fmt: skip
    # The half-year is over: the pledge ends as it stands (two members never signed). The
    # campaign itself stays active until its tổng kết closes it.
    with demo_clock(date(2024, 12, 31), time(17, 0)):
        pledge_close(pledge=pledge, actor=admin)

    with demo_clock(date(2026, 1, 6), time(8, 0)):
        current = campaign_create(
            bloc=bloc,
            year=2026,
            name="Phong trào Thi đua Quyết thắng năm 2026",
            theme="Đoàn kết, kỷ cương, đột phá, sáng tạo, quyết thắng",
            guiding_idea="Chủ đề thi đua giai đoạn 2025–2030 của toàn quân.",
            launched_on=date(2026, 1, 6),
            actor=admin,
        )
        campaign_activate(campaign=current, actor=admin)
        yearly = pledge_create(
            campaign=current,
            title="Giao ước thi đua năm 2026",
            period="year",
            preamble="Các đơn vị thành viên Khối thi đua số 2 thống nhất ký kết giao ước thi đua năm 2026.",
            actor=secretary,
        )
        _items(yearly, secretary)
        pledge_open(pledge=yearly, actor=secretary)
    _sign_in_turn(yearly, [members[c] for c in ("QK1", "QK3", "QK4", "QK5", "QK7")], date(2026, 1, 6))


def seed_corps12(admin: User) -> None:
    data = load_real_blocs()
    spec = next(c for c in data["campaigns"] if c["organiser"] == "SD390")
    corps = Unit.objects.get(code="QD12")
    bloc = Bloc.objects.filter(name="Khối thi đua các đơn vị Quân đoàn 12 (mẫu)").first()
    if bloc is None:
        bloc = bloc_create(
            name="Khối thi đua các đơn vị Quân đoàn 12 (mẫu)",
            kind="khoi",
            organiser=corps,
            description="Khối mẫu để minh họa phong trào thi đua của Sư đoàn 390; các đơn vị khác là đơn vị mẫu.",
            actor=admin,
        )
    units = [Unit.objects.get(code="SD390")]
    for code, name, echelon in [
        ("DEMO-SDA", "Sư đoàn Bộ binh A (mẫu)", "su_doan"),
        ("DEMO-LDB", "Lữ đoàn Pháo binh B (mẫu)", "lu_doan"),
        ("DEMO-LDC", "Lữ đoàn Xe tăng C (mẫu)", "lu_doan"),
    ]:
        units.append(
            Unit.objects.filter(code=code).first()
            or unit_create(code=code, name=name, parent=corps, echelon=echelon, actor=admin)
        )
    for index, unit in enumerate(units):
        if not Membership.objects.filter(bloc=bloc, unit=unit).exists():
            membership_add(bloc=bloc, unit=unit, joined_on=date(2023, 1, 1), actor=admin)
        name, rank, position = LEADER_NAMES[(index + 7) % len(LEADER_NAMES)]
        from blocs.models import Role

        _assign(_user(f"chihuy.{unit.code.lower()}", name, rank, position), Role.LEADER, unit=unit)
    secretary = _user(
        "thuky.qd12", "Vũ Văn Thành", "Thiếu tá", "Trợ lý thi đua, Phòng Chính trị Quân đoàn 12 (mẫu)"
    )
    _assign(secretary, Role.SECRETARY, bloc=bloc)

    year = int(spec["start"][:4])
    with demo_clock(date.fromisoformat(spec["launched"]), time(7, 30)):
        campaign = campaign_create(
            bloc=bloc,
            year=year,
            name=spec["name"],
            theme=spec["theme"],
            guiding_idea=spec["guiding_idea"],
            starts_on=date.fromisoformat(spec["start"]),
            ends_on=date.fromisoformat(spec["end"]),
            launched_on=date.fromisoformat(spec["launched"]),
            actor=admin,
        )
        campaign_activate(campaign=campaign, actor=admin)
        drive_spec = spec["drives"][0]
        drive = drive_create(
            campaign=campaign,
            name=drive_spec["name"],
            starts_on=date.fromisoformat(drive_spec["start"]),
            ends_on=date.fromisoformat(drive_spec["end"]),
            contents="Đợt thi đua cao điểm chào mừng kỷ niệm ngày thành lập Đảng và đón Tết Nguyên đán.",
            targets=drive_spec["targets"],
            actor=admin,
        )
    with demo_clock(date.fromisoformat(drive_spec["start"]), time(8, 0)):
        pledge = pledge_create(
            campaign=campaign,
            drive=drive,
            period="drive",
            title=f"Giao ước thi đua đợt “{drive.name}”",
            preamble="Hưởng ứng đợt thi đua cao điểm, các đơn vị trong khối thống nhất giao ước thi đua với các nội dung sau.",
            actor=secretary,
        )
        for target in drive_spec["targets"]:
            pledge_item_add(pledge=pledge, content=target, actor=secretary)
        pledge_open(pledge=pledge, actor=secretary)
    _sign_in_turn(pledge, units, date.fromisoformat(drive_spec["start"]))


def seed_cluster6(admin: User) -> None:
    bloc = Bloc.objects.get(name="Cụm thi đua số 6")
    with demo_clock(date(2024, 1, 8), time(8, 0)):
        campaign = campaign_create(
            bloc=bloc,
            year=2024,
            name="Phong trào Thi đua Quyết thắng năm 2024",
            theme="Đoàn kết, kỷ cương, chủ động, sáng tạo, quyết thắng (mẫu)",
            launched_on=date(2024, 1, 8),
            actor=admin,
        )
        campaign_activate(campaign=campaign, actor=admin)


def seed_campaigns() -> None:
    """Idempotent: each bloc's demo campaigns are created once."""
    admin = User.objects.get(username="admin")
    if not Campaign.objects.filter(bloc__name="Khối thi đua số 2", year=2024).exists():
        seed_bloc2(admin)
    if not Campaign.objects.filter(bloc__name="Khối thi đua các đơn vị Quân đoàn 12 (mẫu)").exists():
        seed_corps12(admin)
    if not Campaign.objects.filter(bloc__name="Cụm thi đua số 6", year=2024).exists():
        seed_cluster6(admin)
    assert not Pledge.objects.filter(
        state=PledgeState.DRAFT, campaign__bloc__name="Khối thi đua số 2"
    ).exists()
