"""The army-scale dataset that `make bench` measures against (DESIGN.md §8).

Defaults: 300 blocs ("Khối quy mô 0001" …) of 10 member units each, under a tree of
organising units; one campaign per bloc and year for two years; a criteria set of 60 scored
leaves per campaign (standard groups summing to 100 points, plus bonus, penalty and veto
groups); rounds Q1–Q4 per campaign; a final card with every leaf scored for every unit and
round, and a self card for every unit too (the share is an option): 2 × 300 × 10 × 4 × 60 ≈
2.9 million scores.

Everything is written in bulk, never through the services: the services' per-row checks,
audit events and history rows are what the benchmark measures, not what it needs to load
3 million rows in minutes. Consequences, on purpose:

- no django-simple-history rows and no audit events for the synthetic data (its history
  starts empty; pages that show history show none);
- on PostgreSQL the scores are streamed with COPY (psycopg2 `copy_expert`) while the score
  table's keys and secondary indexes are set aside (see `_bulk_load`), then the tables are
  vacuumed and analysed; elsewhere (SQLite) they go through `bulk_create` in batches, which is
  why `seed_scale --small` exists.

The last year's Q4 round is left open (scores entered, self cards in draft) so that the
entry pages and the grid save have a live round; every earlier round is published and the
earlier years' campaigns are closed.
"""

from __future__ import annotations

import io
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from itertools import islice
from zoneinfo import ZoneInfo

from django.db import connection, transaction

from blocs.models import Bloc, BlocKind, Echelon, Membership, Unit
from campaigns.models import Campaign, CampaignState
from scoring.models import (
    CriteriaSet,
    Criterion,
    CriterionKind,
    RoundPeriod,
    RoundState,
    Score,
    Scorecard,
    ScorecardKind,
    ScorecardState,
    ScoringRound,
)

MARKER_BLOC = "Khối quy mô 0001"
ROOT_CODE = "QM"
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
QUARTERS = [
    (RoundPeriod.Q1, (1, 1), (3, 31)),
    (RoundPeriod.Q2, (4, 1), (6, 30)),
    (RoundPeriod.Q3, (7, 1), (9, 30)),
    (RoundPeriod.Q4, (10, 1), (12, 31)),
]
STANDARD_GROUPS = [
    "Chính trị, tư tưởng",
    "Huấn luyện, sẵn sàng chiến đấu",
    "Xây dựng chính quy, quản lý kỷ luật",
    "Bảo đảm hậu cần",
    "Bảo đảm kỹ thuật",
    "Quản lý tài chính, tăng gia sản xuất",
    "Xây dựng Đảng",
    "Công tác quần chúng",
    "Thi đua, khen thưởng",
    "Dân vận, chính sách",
]
CORE_GROUP_INDEX = 1  # "Huấn luyện, sẵn sàng chiến đấu"
BATCH = 2000


class ScaleDatasetExists(Exception):
    pass


@dataclass(frozen=True)
class ScaleSpec:
    blocs: int = 300
    units_per_bloc: int = 10
    criteria: int = 60  # scored leaves per criteria set
    years: int = 2
    first_year: int = 2025
    self_share: float = 1.0  # share of each bloc's units that also file a self card
    blocs_per_organiser: int = 15
    seed: int = 8

    @property
    def self_units_per_bloc(self) -> int:
        return round(self.units_per_bloc * self.self_share)

    @property
    def rounds(self) -> int:
        return self.blocs * self.years * len(QUARTERS)

    @property
    def expected_scores(self) -> int:
        cards_per_round = self.units_per_bloc + self.self_units_per_bloc
        return self.rounds * cards_per_round * self.criteria


@dataclass
class ScaleReport:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass(frozen=True)
class LeafSpec:
    code: str
    title: str
    kind: str
    max_points: Decimal | None  # None for a veto (answered 0 or 1)


@dataclass(frozen=True)
class GroupSpec:
    code: str
    title: str
    kind: str
    cap: Decimal | None  # bonus and penalty groups only
    is_core: bool
    leaves: list[LeafSpec]


def criteria_template(leaves: int) -> list[GroupSpec]:
    """A tree with `leaves` scored leaves: standard groups of up to five leaves whose maxima
    sum to exactly 100, then a bonus group (cap 10), a penalty group (cap 20) and a veto
    group."""
    bonus = penalty = max(1, leaves // 15)
    veto = max(1, leaves // 30)
    standard = leaves - bonus - penalty - veto
    if standard < 1:
        raise ValueError("Cần ít nhất 4 tiêu chí (1 chuẩn, 1 thưởng, 1 trừ, 1 phủ quyết).")
    # Alternate ¾ and 1¼ of the even share, in quarter points; the last leaf takes the rest.
    even = Decimal(100) / standard
    maxima = []
    for index in range(standard - 1):
        share = even * (Decimal("0.75") if index % 2 == 0 else Decimal("1.25"))
        maxima.append(max(Decimal("0.25"), (share * 4).quantize(Decimal(1)) / 4))
    maxima.append(Decimal(100) - sum(maxima))
    if maxima[-1] <= 0:
        raise ValueError("Không chia được 100 điểm chuẩn cho số tiêu chí này.")

    groups: list[GroupSpec] = []
    group_count = -(-standard // 5)
    for g in range(group_count):
        code = str(g + 1)
        title = STANDARD_GROUPS[g % len(STANDARD_GROUPS)]
        if g >= len(STANDARD_GROUPS):
            title = f"{title} ({g // len(STANDARD_GROUPS) + 1})"
        chunk = maxima[g * 5 : (g + 1) * 5]
        group_leaves = [
            LeafSpec(f"{code}.{j + 1}", f"{title} – nội dung {j + 1}", CriterionKind.STANDARD, points)
            for j, points in enumerate(chunk)
        ]
        groups.append(
            GroupSpec(code, title, CriterionKind.STANDARD, None, g == CORE_GROUP_INDEX, group_leaves)
        )

    def extra(code: str, title: str, kind: str, cap: Decimal | None, count: int, each: Decimal | None):
        items = [LeafSpec(f"{code}.{j + 1}", f"{title} – mục {j + 1}", kind, each) for j in range(count)]
        return GroupSpec(code, title, kind, cap, False, items)

    n = group_count
    groups.append(extra(str(n + 1), "Điểm thưởng", CriterionKind.BONUS, Decimal(10), bonus, Decimal("2.5")))
    groups.append(extra(str(n + 2), "Điểm trừ", CriterionKind.PENALTY, Decimal(20), penalty, Decimal(5)))
    groups.append(extra(str(n + 3), "Tiêu chí phủ quyết", CriterionKind.VETO, None, veto, None))
    return groups


def thousands(number: int) -> str:
    """12345 → "12.345", as Vietnamese writes it."""
    return f"{number:,}".replace(",", ".")


def scale_dataset_exists() -> bool:
    return Bloc.objects.filter(name=MARKER_BLOC).exists()


def _chunks(items: list, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _moment(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, clock(hour), tzinfo=LOCAL)


class _Builder:
    def __init__(self, spec: ScaleSpec, log: Callable[[str], None]):
        self.spec = spec
        self.log = log
        self.started = time.perf_counter()
        self.rng = random.Random(spec.seed)
        self.report = ScaleReport()

    def step(self, message: str) -> None:
        self.log(f"[{time.perf_counter() - self.started:7.1f} s] {message}")

    # --- organisation ------------------------------------------------------------------
    def units(self) -> None:
        spec = self.spec
        root = Unit(code=ROOT_CODE, name="Bộ Quốc phòng (dữ liệu quy mô)", echelon=Echelon.MINISTRY)
        root.refresh_keys()
        root.save()
        Unit.objects.filter(pk=root.pk).update(path=f"/{root.pk}/", depth=0)
        root.path = f"/{root.pk}/"

        organiser_count = -(-spec.blocs // spec.blocs_per_organiser)
        organisers = [
            Unit(
                code=f"QM-TC{o + 1:02d}",
                name=f"Cơ quan tổ chức quy mô {o + 1:02d}",
                echelon=Echelon.MILITARY_REGION,
                parent=root,
            )
            for o in range(organiser_count)
        ]
        self.organisers = self._create_units(organisers, depth=1)

        members: list[Unit] = []
        for b in range(spec.blocs):
            organiser = self.organisers[b // spec.blocs_per_organiser]
            for u in range(spec.units_per_bloc):
                members.append(
                    Unit(
                        code=f"QM-{b + 1:04d}-{u + 1:02d}",
                        name=f"Đơn vị quy mô {b + 1:04d}.{u + 1:02d}",
                        echelon=Echelon.DIVISION,
                        parent=organiser,
                    )
                )
        self.members = self._create_units(members, depth=2)
        self.report.counts["units"] = 1 + len(self.organisers) + len(self.members)
        self.step(f"{thousands(self.report.counts['units'])} đơn vị")

    def _create_units(self, units: list[Unit], depth: int) -> list[Unit]:
        for unit in units:
            unit.refresh_keys()
            unit.depth = depth
        created: list[Unit] = []
        for chunk in _chunks(units, BATCH):
            created.extend(Unit.objects.bulk_create(chunk))
        for unit in created:
            unit.path = f"{unit.parent.path}{unit.pk}/"
        for chunk in _chunks(created, 500):
            Unit.objects.bulk_update(chunk, ["path"])
        return created

    def blocs(self) -> None:
        spec = self.spec
        blocs = [
            Bloc(
                name=f"Khối quy mô {b + 1:04d}",
                kind=BlocKind.BLOC,
                organiser=self.organisers[b // spec.blocs_per_organiser],
                description="Dữ liệu quy mô sinh tự động để đo hiệu năng (manage.py seed_scale).",
            )
            for b in range(spec.blocs)
        ]
        for bloc in blocs:
            bloc.refresh_keys()
        self.bloc_rows = Bloc.objects.bulk_create(blocs, batch_size=BATCH)
        joined = date(spec.first_year, 1, 1)
        memberships = [
            Membership(bloc=self.bloc_rows[i // spec.units_per_bloc], unit=unit, joined_on=joined)
            for i, unit in enumerate(self.members)
        ]
        Membership.objects.bulk_create(memberships, batch_size=BATCH)
        self.report.counts["blocs"] = len(self.bloc_rows)
        self.report.counts["memberships"] = len(memberships)
        self.step(f"{thousands(len(self.bloc_rows))} khối, {thousands(len(memberships))} đơn vị thành viên")

    # --- campaigns, criteria, rounds ---------------------------------------------------
    def campaigns(self) -> None:
        spec = self.spec
        last_year = spec.first_year + spec.years - 1
        campaigns = [
            Campaign(
                bloc=bloc,
                year=year,
                name=f"Phong trào Thi đua Quyết thắng năm {year}",
                theme="Đoàn kết, kỷ cương, chủ động, sáng tạo, quyết thắng",
                starts_on=date(year, 1, 1),
                ends_on=date(year, 12, 31),
                launched_on=date(year, 1, 5),
                state=CampaignState.ACTIVE if year == last_year else CampaignState.CLOSED,
            )
            for year in range(spec.first_year, last_year + 1)
            for bloc in self.bloc_rows
        ]
        self.campaign_rows = Campaign.objects.bulk_create(campaigns, batch_size=BATCH)
        self.report.counts["campaigns"] = len(self.campaign_rows)
        self.step(f"{thousands(len(self.campaign_rows))} phong trào")

    def criteria(self) -> None:
        template = criteria_template(self.spec.criteria)
        sets = [
            CriteriaSet(
                campaign=campaign,
                version=1,
                name=f"Bộ tiêu chí quy mô ({self.spec.criteria} tiêu chí)",
                frozen_at=_moment(date(campaign.year, 1, 5)),
            )
            for campaign in self.campaign_rows
        ]
        self.set_rows = CriteriaSet.objects.bulk_create(sets, batch_size=BATCH)

        groups = [
            Criterion(
                criteria_set=criteria_set,
                code=group.code,
                title=group.title,
                kind=group.kind,
                max_points=group.cap,
                is_core=group.is_core,
                position=g + 1,
            )
            for criteria_set in self.set_rows
            for g, group in enumerate(template)
        ]
        group_rows = Criterion.objects.bulk_create(groups, batch_size=BATCH)
        leaves = []
        per_set = len(template)
        for s, _criteria_set in enumerate(self.set_rows):
            for g, group in enumerate(template):
                parent = group_rows[s * per_set + g]
                for j, leaf in enumerate(group.leaves):
                    leaves.append(
                        Criterion(
                            criteria_set_id=parent.criteria_set_id,
                            parent=parent,
                            code=leaf.code,
                            title=leaf.title,
                            kind=leaf.kind,
                            max_points=leaf.max_points,
                            position=j + 1,
                        )
                    )
        leaf_rows = Criterion.objects.bulk_create(leaves, batch_size=BATCH)
        # Per set, its leaves in template order: (criterion id, kind, max in quarter points).
        self.leaf_specs = [leaf for group in template for leaf in group.leaves]
        count = len(self.leaf_specs)
        self.leaf_ids = {
            criteria_set.pk: [row.pk for row in leaf_rows[s * count : (s + 1) * count]]
            for s, criteria_set in enumerate(self.set_rows)
        }
        self.report.counts["criteria"] = len(group_rows) + len(leaf_rows)
        self.step(
            f"{thousands(len(self.set_rows))} bộ tiêu chí, {thousands(len(group_rows) + len(leaf_rows))} tiêu chí"
        )

    def rounds(self) -> None:
        last_year = self.spec.first_year + self.spec.years - 1
        rounds = []
        for campaign, criteria_set in zip(self.campaign_rows, self.set_rows, strict=True):
            for period, (sm, sd), (em, ed) in QUARTERS:
                ends_on = date(campaign.year, em, ed)
                deadline = ends_on + timedelta(days=10)
                live = campaign.year == last_year and period == RoundPeriod.Q4
                rounds.append(
                    ScoringRound(
                        campaign=campaign,
                        criteria_set=criteria_set,
                        period=period,
                        starts_on=date(campaign.year, sm, sd),
                        ends_on=ends_on,
                        entry_deadline=deadline,
                        state=RoundState.OPEN if live else RoundState.PUBLISHED,
                        closed_at=None if live else _moment(deadline + timedelta(days=1)),
                        published_at=None if live else _moment(deadline + timedelta(days=2)),
                    )
                )
        self.round_rows = ScoringRound.objects.bulk_create(rounds, batch_size=BATCH)
        self.report.counts["rounds"] = len(self.round_rows)
        self.step(f"{thousands(len(self.round_rows))} đợt chấm")

    # --- scorecards and scores ---------------------------------------------------------
    def scorecards(self) -> None:
        spec = self.spec
        units_by_bloc: dict[int, list[Unit]] = {}
        for i, unit in enumerate(self.members):
            units_by_bloc.setdefault(self.bloc_rows[i // spec.units_per_bloc].pk, []).append(unit)
        cards: list[Scorecard] = []
        for scoring_round in self.round_rows:
            live = scoring_round.state == RoundState.OPEN
            moment = _moment(scoring_round.entry_deadline - timedelta(days=2), 15)
            units = units_by_bloc[scoring_round.campaign.bloc_id]
            for unit in units:
                cards.append(
                    Scorecard(
                        round=scoring_round,
                        scored_unit=unit,
                        kind=ScorecardKind.FINAL,
                        version=1,
                        updated_at=moment,
                    )
                )
            for unit in units[: spec.self_units_per_bloc]:
                cards.append(
                    Scorecard(
                        round=scoring_round,
                        scored_unit=unit,
                        kind=ScorecardKind.SELF,
                        state=ScorecardState.DRAFT if live else ScorecardState.SUBMITTED,
                        version=1 if live else 2,
                        updated_at=moment - timedelta(days=4),
                        submitted_at=None if live else moment - timedelta(days=4),
                    )
                )
        self.card_rows: list[Scorecard] = []
        for chunk in _chunks(cards, BATCH):
            self.card_rows.extend(Scorecard.objects.bulk_create(chunk))
        self.report.counts["scorecards"] = len(self.card_rows)
        self.step(f"{thousands(len(self.card_rows))} phiếu chấm")

    def _card_points(self, card: Scorecard, level: float) -> list[str]:
        """One card's points as text, leaf by leaf (quarter-point steps, Decimal-exact)."""
        rng = self.rng
        values: list[str] = []
        for leaf in self.leaf_specs:
            if leaf.kind == CriterionKind.STANDARD:
                top = int(leaf.max_points * 4)
                share = level + (rng.random() - 0.5) * 0.1
                q = min(top, max(0, round(top * share)))
                if card.kind == ScorecardKind.SELF and q < top and rng.random() < 0.3:
                    q += 1
            elif leaf.kind == CriterionKind.BONUS:
                q = 4 * rng.randint(1, 2) if rng.random() < 0.03 else 0
            elif leaf.kind == CriterionKind.PENALTY:
                q = 4 * rng.randint(1, 3) if rng.random() < 0.02 else 0
            else:
                q = 4 if rng.random() < 0.002 else 0
            values.append(f"{q // 4}.{(q % 4) * 25:02d}")
        return values

    def _levels(self) -> dict[tuple[int, int], float]:
        """Each (round, unit)'s share of the maximum: a steady unit strength plus noise."""
        strength: dict[int, float] = {unit.pk: self.rng.uniform(0.72, 0.95) for unit in self.members}
        return {
            (card.round_id, card.scored_unit_id): min(
                0.98, strength[card.scored_unit_id] + self.rng.uniform(-0.02, 0.02)
            )
            for card in self.card_rows
            if card.kind == ScorecardKind.FINAL
        }

    def scores(self) -> None:
        if connection.vendor == "postgresql":
            with _bulk_load(Score._meta.db_table, self.step):
                self._scores(self._copy_scores)
        else:
            self._scores(self._bulk_scores)

    def _scores(self, write) -> None:
        levels = self._levels()
        set_of_round = {r.pk: r.criteria_set_id for r in self.round_rows}
        total = 0
        next_report = 0.0
        for start in range(0, len(self.card_rows), BATCH):
            chunk = self.card_rows[start : start + BATCH]
            total += write(chunk, levels, set_of_round)
            done = (start + len(chunk)) / len(self.card_rows)
            if done >= next_report:
                self.step(f"{thousands(total)} điểm ({done:.0%})")
                next_report = done + 0.1
        self.report.counts["scores"] = total

    def _copy_scores(self, cards, levels, set_of_round) -> int:
        buffer = io.StringIO()
        rows = 0
        for card in cards:
            stamp = card.updated_at.isoformat()
            leaf_ids = self.leaf_ids[set_of_round[card.round_id]]
            points = self._card_points(card, levels[(card.round_id, card.scored_unit_id)])
            for criterion_id, value in zip(leaf_ids, points, strict=True):
                buffer.write(f"{card.pk}\t{criterion_id}\t{value}\t\t\t{stamp}\n")
            rows += len(leaf_ids)
        buffer.seek(0)
        table = Score._meta.db_table
        with connection.cursor() as cursor:
            cursor.copy_expert(
                f"COPY {table} (scorecard_id, criterion_id, points, note, evidence, updated_at) FROM STDIN",
                buffer,
            )
        return rows

    def _bulk_scores(self, cards, levels, set_of_round) -> int:
        scores = []
        for card in cards:
            leaf_ids = self.leaf_ids[set_of_round[card.round_id]]
            points = self._card_points(card, levels[(card.round_id, card.scored_unit_id)])
            for criterion_id, value in zip(leaf_ids, points, strict=True):
                scores.append(
                    Score(
                        scorecard_id=card.pk,
                        criterion_id=criterion_id,
                        points=Decimal(value),
                        updated_at=card.updated_at,
                    )
                )
        Score.objects.bulk_create(scores, batch_size=5000)
        return len(scores)

    def analyze(self) -> None:
        """Planner statistics for the new rows; on PostgreSQL, outside a transaction, also
        VACUUM (the visibility map for index-only scans), as autovacuum would do later anyway
        — in the middle of a benchmark run."""
        tables = [
            model._meta.db_table
            for model in (
                Unit,
                Bloc,
                Membership,
                Campaign,
                CriteriaSet,
                Criterion,
                ScoringRound,
                Scorecard,
                Score,
            )
        ]
        with connection.cursor() as cursor:
            if connection.vendor != "postgresql":
                cursor.execute("ANALYZE")
                command = "ANALYZE"
            else:
                command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
                for table in tables:
                    cursor.execute(f'{command} "{table}"')
        self.step(f"đã cập nhật thống kê cho bộ tối ưu truy vấn: {command}")


@contextmanager
def _bulk_load(table: str, step: Callable[[str], None]):
    """PostgreSQL: drop a table's foreign keys, unique constraints and secondary indexes for a
    bulk load and put them back afterwards, as pg_restore does. Checking 3 million rows once,
    with one join per key, is far faster than a check and an index update per row. Runs in
    the caller's transaction: a failure rolls the definitions back with the rows."""
    with connection.cursor() as cursor:
        # Deferred checks still pending on the tables written so far would block ALTER TABLE.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('f', 'u') ORDER BY contype DESC",
            [table],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname AND c.conrelid = %s::regclass)",
            [table, table],
        )
        indexes = cursor.fetchall()
        for name, _definition in constraints:
            cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    yield
    step("dựng lại chỉ mục và ràng buộc của bảng điểm…")
    with connection.cursor() as cursor:
        for _name, definition in indexes:
            cursor.execute(definition)
        for name, definition in constraints:  # unique first, then the foreign keys
            cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')


def build_scale_dataset(spec: ScaleSpec, *, log: Callable[[str], None] = print) -> ScaleReport:
    """Load the dataset in one transaction; refuses when it is already there."""
    if scale_dataset_exists():
        raise ScaleDatasetExists(MARKER_BLOC)
    builder = _Builder(spec, log)
    with transaction.atomic():
        builder.units()
        builder.blocs()
        builder.campaigns()
        builder.criteria()
        builder.rounds()
        builder.scorecards()
        builder.scores()
    builder.step("đã ghi xong")
    builder.analyze()
    builder.report.seconds = time.perf_counter() - builder.started
    return builder.report
