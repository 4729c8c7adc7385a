"""Demo organisation: the real units, blocs and chairs of data/real_blocs.json, and demo users."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from blocs.models import Assignment, Bloc, ChairTerm, Membership, Role, Unit, User
from blocs.services.organisation import bloc_create, chair_term_set, membership_add
from blocs.services.units import unit_create

DATA = Path(__file__).parent / "data"
DEMO_PASSWORD = "Demo@2024"

# Joining dates: Khối thi đua số 2 was set up by QĐ 1200/QĐ-BQP of 29/3/2024; for the two
# clusters no founding date is published, so their members count from the start of the
# first year the seeds report on.
JOINED = {
    "Khối thi đua số 2": date(2024, 3, 29),
    "Cụm thi đua số 6": date(2023, 1, 1),
    "Cụm thi đua số 2": date(2022, 1, 1),
}


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    where: str


def load_real_blocs() -> dict:
    return json.loads((DATA / "real_blocs.json").read_text(encoding="utf-8"))


def seed_units(data: dict) -> dict[str, Unit]:
    units: dict[str, Unit] = {u.code: u for u in Unit.objects.all()}
    for row in data["units"]:
        if row["code"] in units:
            continue
        units[row["code"]] = unit_create(
            code=row["code"],
            name=row["name"],
            parent=units[row["parent"]] if row["parent"] else None,
            echelon=row["echelon"],
            actor=None,
        )
    return units


def seed_blocs(data: dict, units: dict[str, Unit]) -> dict[str, Bloc]:
    blocs: dict[str, Bloc] = {}
    for row in data["blocs"]:
        organiser = units[row["organiser"]]
        bloc = Bloc.objects.filter(name=row["name"], organiser=organiser).first()
        if bloc is None:
            decision = row.get("decision") or {}
            bloc = bloc_create(
                name=row["name"],
                kind=row["kind"],
                organiser=organiser,
                decision_number=decision.get("number", ""),
                decision_date=date.fromisoformat(decision["date"]) if decision.get("date") else None,
                decision_issuer=decision.get("issuer", ""),
                actor=None,
            )
        blocs[row["name"]] = bloc
        for code in row["members"]:
            if not Membership.objects.filter(bloc=bloc, unit=units[code]).exists():
                membership_add(bloc=bloc, unit=units[code], joined_on=JOINED[row["name"]], actor=None)
        for chair in row.get("chairs", []):
            if not ChairTerm.objects.filter(bloc=bloc, year=chair["year"]).exists():
                reason = "Theo tin đã đăng trên báo Quân đội."
                if chair["year"] == 2025 and row["name"] == "Cụm thi đua số 6":
                    reason = (
                        "Suy tôn đơn vị dẫn đầu và nhận cờ luân lưu tại hội nghị tổng kết ngày 01/11/2024."
                    )
                chair_term_set(
                    bloc=bloc, year=chair["year"], chair=units[chair["chair"]], reason=reason, actor=None
                )
    return blocs


def _user(username: str, full_name: str, rank: str, position: str, **extra) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, full_name=full_name, rank=rank, position=position, **extra)
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def _assign(
    user: User, role: str, *, bloc: Bloc | None = None, unit: Unit | None = None, can_witness=False
) -> None:
    Assignment.objects.get_or_create(
        user=user, role=role, bloc=bloc, unit=unit, defaults={"can_witness": can_witness}
    )


LEADER_NAMES = [
    ("Nguyễn Văn Hùng", "Thiếu tướng", "Chính ủy"),
    ("Trần Đức Thắng", "Thiếu tướng", "Chính ủy"),
    ("Lê Quang Minh", "Thiếu tướng", "Chính ủy"),
    ("Phạm Văn Dũng", "Thiếu tướng", "Chính ủy"),
    ("Hoàng Minh Tuấn", "Thiếu tướng", "Chính ủy"),
    ("Vũ Thanh Hải", "Thiếu tướng", "Chính ủy"),
    ("Đặng Quốc Việt", "Thiếu tướng", "Chính ủy"),
    ("Bùi Anh Đức", "Thiếu tướng", "Chính ủy"),
    ("Đỗ Mạnh Cường", "Đại tá", "Chính ủy"),
    ("Ngô Văn Bình", "Đại tá", "Chính ủy"),
    ("Dương Thị Hòa", "Đại tá", "Giám đốc"),
    ("Lý Văn Toàn", "Thượng tá", "Chính ủy"),
    ("Trịnh Văn Sơn", "Đại tá", "Chính trị viên"),
    ("Mai Đức Long", "Thượng tá", "Chính trị viên"),
    ("Đinh Công Thành", "Thượng tá", "Chính trị viên"),
    ("Tạ Văn Khánh", "Thượng tá", "Chính trị viên"),
    ("Lương Văn Phúc", "Thượng tá", "Chính trị viên"),
    ("Cao Xuân Nam", "Thượng tá", "Chính trị viên"),
    ("Hà Văn Quyết", "Thượng tá", "Chính ủy"),
]


def seed_users(blocs: dict[str, Bloc], units: dict[str, Unit]) -> list[DemoLogin]:
    logins: list[DemoLogin] = []
    _user("admin", "Quản trị hệ thống", "", "Quản trị viên", is_superuser=True, is_staff=True)
    logins.append(DemoLogin("admin", "Quản trị viên", "toàn hệ thống"))

    secretaries = [
        (
            "thuky.k2",
            "Khối thi đua số 2",
            "Nguyễn Thị Lan",
            "Trung tá",
            "Trợ lý thi đua, Cục Chính trị Quân khu 1",
        ),
        ("thuky.c6", "Cụm thi đua số 6", "Phan Văn Long", "Thiếu tá", "Trợ lý thi đua, Sư đoàn 301"),
        ("thuky.c2", "Cụm thi đua số 2", "Trần Thị Mai", "Đại úy", "Trợ lý thi đua, Bộ CHQS tỉnh Hà Nam"),
    ]
    for username, bloc_name, name, rank, position in secretaries:
        _assign(_user(username, name, rank, position), Role.SECRETARY, bloc=blocs[bloc_name])
        logins.append(DemoLogin(username, "Cán bộ thi đua", bloc_name))

    observer = _user("theodoi.k2", "Nguyễn Văn Chiến", "Đại tá", "Cục Tuyên huấn, Tổng cục Chính trị")
    _assign(observer, Role.OBSERVER, bloc=blocs["Khối thi đua số 2"], can_witness=True)
    logins.append(DemoLogin("theodoi.k2", "Theo dõi (cấp trên, được ký chứng kiến)", "Khối thi đua số 2"))

    member_codes: list[str] = []
    for bloc in blocs.values():
        for code in Membership.objects.filter(bloc=bloc).order_by("pk").values_list("unit__code", flat=True):
            if code not in member_codes:
                member_codes.append(code)
    shown = {"QK1", "QK2", "SD301", "TQS-BTLTD", "HN-PHULY"}
    for index, code in enumerate(member_codes):
        name, rank, position = LEADER_NAMES[index % len(LEADER_NAMES)]
        username = f"chihuy.{code.lower()}"
        _assign(_user(username, name, rank, position), Role.LEADER, unit=units[code])
        if code in shown:
            logins.append(DemoLogin(username, "Chỉ huy đơn vị", units[code].name))

    for code, name in [("QK1", "Lê Văn Tâm"), ("SD301", "Nguyễn Hữu Nghĩa")]:
        username = f"canbo.{code.lower()}"
        _assign(_user(username, name, "Thiếu tá", "Trợ lý tổ chức"), Role.OFFICER, unit=units[code])
        logins.append(DemoLogin(username, "Cán bộ đơn vị", units[code].name))
    return logins


def seed_organisation() -> list[DemoLogin]:
    data = load_real_blocs()
    units = seed_units(data)
    blocs = seed_blocs(data, units)
    return seed_users(blocs, units)
