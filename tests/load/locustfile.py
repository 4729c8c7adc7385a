"""The load test's users (`make load`, DESIGN.md §8: 50 concurrent users on loopback).

Who does what, on the demo data (targets from tests/load/prepare.py, in LOAD_TARGETS):

- the bloc's secretariat reads the score grid of the open round and saves it whole (every cell
  as the browser sends it back, one or two units' columns changed), reading the grid again
  before each save; reads the comparison and the round's ranking;
- the member units' leaders and officers read their self-assessment and save a draft while it
  is editable; leaders sign the open pledges once (later visits read the verification page)
  and read the published year ranking;
- the bloc's observer reads the rankings and verifies the pledges;
- secretaries of two blocs ask for the 2024 reviews' PDF reports and follow the job page
  (asking again with unchanged data answers with the existing job);
- the admin reads the home page and the ranking of every bloc.

A save answered 409 (someone saved the same unit's card in between: the conflict panel) is
the product's optimistic locking at work: it is recorded under its own name, not as an error.
Every cell a save changed and the server confirmed (302) is written to LOAD_WRITES at the end,
so that the runner can check that the database holds the last confirmed value of each cell
(no lost update).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

from locust import HttpUser, between, events, task

from tests.load import report as names

TARGETS = json.loads(Path(os.environ["LOAD_TARGETS"]).read_text(encoding="utf-8"))
PASSWORD = os.environ.get("LOAD_PASSWORD", "Demo@2024")
ROUND = TARGETS["round"]
LEAVES = {leaf["id"]: leaf for leaf in ROUND["leaves"]}
UNITS = [int(pk) for pk in ROUND["units"]]
STEP = Decimal("0.25")

# Cells whose change a save reported as done: "final:<unit>:<leaf>" / "self:<unit>:<leaf>" →
# (time the 302 arrived, value). Cooperative scheduling (gevent): no lock needed.
CONFIRMED: dict[str, tuple[float, str]] = {}
# Leaders who have signed (or are signing) in this run: each signs once.
SIGNING: set[str] = set()


class Inputs(HTMLParser):
    """The named inputs of a page (or of its form with `form_marker`), as a browser sends them."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        name = attributes.get("name")
        kind = attributes.get("type")
        if tag == "input" and name and kind not in ("submit", "button", "file", "checkbox"):
            if kind == "radio" and name in self.values:
                return
            self.values[name] = attributes.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.values.setdefault(name, "")

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None


def inputs(html: str) -> dict[str, str]:
    parser = Inputs()
    parser.feed(html)
    return parser.values


def typed(value: Decimal) -> str:
    """As a Vietnamese user types it: a decimal comma."""
    return format(value.normalize(), "f").replace(".", ",")


def another_value(leaf: dict, current: str) -> Decimal:
    """A valid value for the leaf, different from the current one (quarter points)."""
    maximum = Decimal(leaf["max"] or 1)
    steps = int(maximum / STEP)
    try:
        now = Decimal(current.replace(",", ".")) if current else None
    except ArithmeticError:
        now = None
    while True:
        value = (
            STEP * random.randint(max(0, steps // 2), steps) if steps > 1 else Decimal(random.randint(0, 1))
        )
        if value != now:
            return value


def expect(response, *statuses: int) -> bool:
    if response.status_code in statuses:
        response.success()
        return True
    response.failure(f"mã {response.status_code}, cần {'/'.join(map(str, statuses))}")
    return False


class Visitor(HttpUser):
    abstract = True
    # People read a page before the next click: 2–6 s between requests of one user.
    wait_time = between(2, 6)
    accounts: list[str] = []
    _turn = itertools.count()

    def on_start(self):
        accounts = self.accounts or ["admin"]
        self.username = accounts[next(Visitor._turn) % len(accounts)]
        self.log_in()

    def log_in(self):
        page = self.client.get("/dang-nhap/", name=names.LOGIN_PAGE)
        data = {**inputs(page.text), "username": self.username, "password": PASSWORD}
        with self.client.post(
            "/dang-nhap/", data, name=names.LOGIN, allow_redirects=False, catch_response=True
        ) as response:
            expect(response, 302)

    def get(self, url: str, name: str, *statuses: int):
        with self.client.get(url, name=name, catch_response=True, allow_redirects=False) as response:
            expect(response, *(statuses or (200,)))
            return response

    @task(1)
    def home(self):
        self.get("/", names.HOME)


class Secretary(Visitor):
    """The bloc's secretariat entering the open round's scores."""

    weight = 8

    def on_start(self):
        self.accounts = [TARGETS["users"]["secretary"]]
        super().on_start()

    @task(6)
    def save_grid(self):
        page = self.get(ROUND["grid"], names.GRID)
        if page.status_code != 200:
            return
        data = inputs(page.text)
        changed: dict[str, str] = {}
        for unit in random.sample(UNITS, k=min(len(UNITS), random.choice((1, 1, 2)))):
            for leaf in LEAVES.values():
                key = f"c-{unit}-{leaf['id']}"
                if key in data and leaf["kind"] != "veto" and random.random() < 0.5:
                    data[key] = typed(another_value(leaf, data[key]))
                    changed[f"final:{unit}:{leaf['id']}"] = data[key]
        with self.client.post(
            ROUND["grid"], data, name=names.GRID_SAVE, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code == 409:
                response.request_meta["name"] = names.GRID_CONFLICT
                response.success()
            elif expect(response, 302):
                now = time.monotonic()
                CONFIRMED.update({cell: (now, value) for cell, value in changed.items()})

    @task(1)
    def comparison(self):
        self.get(ROUND["comparison"], names.COMPARISON)

    @task(2)
    def round_ranking(self):
        self.get(ROUND["ranking"], names.ROUND_RANKING)


class UnitStaff(Visitor):
    """A member unit's leader or officer: the self-assessment, the pledge, the ranking."""

    abstract = True

    def on_start(self):
        super().on_start()
        self.pledges = list(TARGETS["pledges"])

    @task(4)
    def self_assessment(self):
        page = self.get(ROUND["self_assessment"], names.SELF)
        if page.status_code != 200 or 'name="version"' not in page.text:
            return  # sent to the secretariat, or not his to draft: read only
        data = inputs(page.text)
        unit = page.url.split("don_vi=")[-1] if "don_vi=" in page.url else ""
        fields = [name for name in data if name.startswith("points_")]
        changed = {}
        for name in random.sample(fields, k=min(len(fields), random.randint(3, 12))):
            leaf = LEAVES.get(int(name.removeprefix("points_")))
            if leaf is None or leaf["kind"] == "veto":
                continue
            data[name] = typed(another_value(leaf, data[name]))
            changed[leaf["id"]] = data[name]
        with self.client.post(
            ROUND["self_assessment"], data, name=names.SELF_SAVE, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code == 409:
                response.request_meta["name"] = names.SELF_CONFLICT
                response.success()
            elif expect(response, 302):
                unit = response.headers.get("Location", "").split("don_vi=")[-1].split("#")[0] or unit
                now = time.monotonic()
                CONFIRMED.update({f"self:{unit}:{leaf}": (now, value) for leaf, value in changed.items()})

    @task(2)
    def year_ranking(self):
        if TARGETS["year_ranking"]:
            self.get(TARGETS["year_ranking"], names.YEAR_RANKING)


class Leader(UnitStaff):
    weight = 22

    def on_start(self):
        self.accounts = TARGETS["users"]["leaders"]
        super().on_start()

    @task(1)
    def pledge(self):
        """Sign each open pledge once (his unit's, if not signed yet); afterwards verify it."""
        if not self.pledges:
            return
        pledge = random.choice(self.pledges)
        key = f"{self.username}:{pledge['sign']}"
        if key in SIGNING:
            self.get(pledge["verify"], names.VERIFY)
            return
        SIGNING.add(key)  # before the request: other users of the same account wait on it
        page = self.get(pledge["sign"], names.SIGN_PAGE)
        if page.status_code != 200 or 'data-testid="sign-form"' not in page.text:
            return  # his unit has signed already (or is not a party)
        data = {**inputs(page.text), "password": PASSWORD}
        with self.client.post(
            pledge["sign"], data, name=names.SIGN, allow_redirects=False, catch_response=True
        ) as response:
            expect(response, 302)


class Officer(UnitStaff):
    weight = 4

    def on_start(self):
        self.accounts = TARGETS["users"]["officers"] or TARGETS["users"]["leaders"]
        super().on_start()


class Observer(Visitor):
    weight = 6

    def on_start(self):
        self.accounts = [TARGETS["users"]["observer"]]
        super().on_start()

    @task(3)
    def year_ranking(self):
        if TARGETS["year_ranking"]:
            self.get(TARGETS["year_ranking"], names.YEAR_RANKING)

    @task(1)
    def verify(self):
        if TARGETS["pledges"]:
            self.get(random.choice(TARGETS["pledges"])["verify"], names.VERIFY)


class ReportSecretary(Visitor):
    """Asks for the PDF reports of the 2024 reviews and follows the job page."""

    weight = 6

    def on_start(self):
        self.accounts = TARGETS["users"]["report_secretaries"]
        super().on_start()
        self.reviews = [r for r in TARGETS["reviews"] if self.visible(r)] or TARGETS["reviews"]

    def visible(self, review: dict) -> bool:
        """Each secretary asks only for his own bloc's reports (another bloc's answer 404)."""
        with self.client.get(review["report"], name=names.REPORT_PAGE, catch_response=True) as page:
            return expect(page, 200, 404) and page.status_code == 200

    @task(3)
    def ask_for_report(self):
        review = random.choice(self.reviews)
        page = self.get(review["report"], names.REPORT_PAGE)
        if page.status_code != 200:
            return
        data = {**inputs(page.text), "kind": review["kind"]}
        data.pop("force", None)
        with self.client.post(
            review["report"], data, name=names.REPORT_REQUEST, allow_redirects=False, catch_response=True
        ) as response:
            if not expect(response, 302):
                return
            job = response.headers.get("Location", "")
        if job:
            self.get(job, names.JOB)


class Admin(Visitor):
    weight = 4

    def on_start(self):
        self.accounts = [TARGETS["users"]["admin"]]
        super().on_start()

    @task(2)
    def overview(self):
        self.get(TARGETS["ranking_overview"], names.OVERVIEW)


@events.quitting.add_listener
def _write_confirmed(environment, **_kwargs):
    target = os.environ.get("LOAD_WRITES")
    if target:
        cells = {
            cell: value for cell, (_when, value) in sorted(CONFIRMED.items(), key=lambda item: item[1][0])
        }
        Path(target).write_text(json.dumps(cells, ensure_ascii=False, indent=0), encoding="utf-8")
