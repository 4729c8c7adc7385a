"""The access matrix (DESIGN.md §6): every URL of the product, asked by every role and by
outsiders, answers as the table below says.

`ROWS` holds one row per URL name: how to build the URL from the world (tests/access/world.py),
and for each method the view accepts, the class of answer each persona gets:

- "ok": access granted — 2xx, a redirect other than to the login page, or 400/409 (the input
  was refused, which a view only does after deciding the user may act);
- "denied": 403 — the user sees the object but may not do this;
- "hidden": 404 — the user does not see the object (its existence is not revealed);
- "login": a redirect to the login page (anonymous visitors).

A URL without a row fails `test_every_url_of_the_product_has_a_row`, so a new view cannot ship
without deciding who may use it. Where the product deliberately differs from §6's table (read in
the views' docstrings and the apps' own tests), the row follows the product and says why.

The world is built once for the module, inside a transaction rolled back at its end; every check
runs in its own savepoint, so a POST that succeeds (publishing a round, signing out everywhere)
leaves nothing for the next one, and jobs queued "on commit" are never sent.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import transaction
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from openpyxl import load_workbook

from tests.access.world import MatrixWorld, build_world
from thidua.lib.excel import XLSX_CONTENT_TYPE

OK, DENIED, HIDDEN, LOGIN = "ok", "denied", "hidden", "login"

# conftest's World personas and the bloc's observer who approves awards: those who see the bloc…
INSIDERS = (
    "admin",
    "secretary",
    "observer",  # of the bloc, with the right to witness pledges
    "approver",  # an observer of the bloc with the right to approve award proposals
    "leader",  # of Quân khu 1, a member unit
    "officer",  # of Quân khu 1
)
# … and those who have no part in it: the leader of a unit of another bloc, that bloc's
# secretary, and a signed-in user with no role at all.
OUTSIDERS = ("outsider", "other_secretary", "nobody")
PERSONAS = ("anonymous", *INSIDERS, *OUTSIDERS)

Expect = dict[str, str]


def profile(anonymous: str = LOGIN, outsiders: str = HIDDEN, **answers: str) -> Expect:
    """Every persona's answer; `outsiders` for all three outsiders, the rest named one by one."""
    expected = {"anonymous": anonymous, **dict.fromkeys(OUTSIDERS, outsiders), **answers}
    missing = set(PERSONAS) - set(expected)
    assert not missing, f"no answer for {sorted(missing)}"
    return expected


def but(base: Expect, **changes: str) -> Expect:
    return {**base, **changes}


# The answers most rows are made of.
ANYONE = profile(anonymous=OK, outsiders=OK, **dict.fromkeys(INSIDERS, OK))
SIGNED_IN = profile(outsiders=OK, **dict.fromkeys(INSIDERS, OK))
# Pages that are nobody's object (users, the audit log, the catalogue of titles, new units):
# there is nothing to hide, so everybody but an admin is refused, outsiders included.
ADMINS = but(profile(outsiders=DENIED, **dict.fromkeys(INSIDERS, DENIED)), admin=OK)
# An object of the bloc: whoever sees the bloc reads it, outsiders do not see it.
READ = profile(**dict.fromkeys(INSIDERS, OK))
# §6 "campaigns, drives, criteria, rounds, reviews", "pledge drafting", "peer / final scores,
# close and publish rounds", "elections, nominations, reports": the bloc's secretariat and admins
# act; the others who see the bloc are refused.
SECRETARIAT = but(profile(**dict.fromkeys(INSIDERS, DENIED)), admin=OK, secretary=OK)
# §6 "units, blocs, memberships, chair terms, users": admins act; the others who see it are refused.
ADMIN_OF_BLOC = but(SECRETARIAT, secretary=DENIED)


@dataclass(frozen=True)
class Row:
    """How to reach a URL and what each persona gets from each method it accepts."""

    args: Callable[[MatrixWorld], list] = lambda w: []
    get: Expect | None = None
    post: Expect | None = None
    query: Callable[[MatrixWorld], str] | None = None
    # The answer is the same fixed document for everybody (no bloc's data in it), so an
    # outsider reading the bloc's names there is no leak.
    fixed: bool = False

    def methods(self) -> dict[str, Expect]:
        return {m: e for m, e in (("GET", self.get), ("POST", self.post)) if e is not None}


def _bloc(w):
    return [w.bloc.pk]


def _unit(w):
    return [w.unit_a.pk]


def _campaign(w):
    return [w.objects.campaign.pk]


def _draft(w):
    return [w.objects.draft_pledge.pk]


def _pledge(w):
    return [w.objects.open_pledge.pk]


def _item(w):
    return [w.objects.draft_pledge.pk, w.objects.item.pk]


def _open_round(w):
    return [w.objects.open_round.pk]


def _published_round(w):
    return [w.objects.published_round.pk]


def _review(w):
    return [w.objects.review.pk]


def _closed_review(w):
    return [w.objects.closed_review.pk]


def _ranking(w):
    return [w.objects.campaign.pk, "q1"]


def _evidence(w):
    return [w.objects.evidence_score.pk]


def _job(w):
    return [w.objects.job.pk]


def _leader_user(w):
    return [w.leader.pk]


def _own_unit_query(w):
    return f"don_vi={w.unit_a.pk}"


# §6 "reports": the secretariat and admins ask; observers and member units' leaders read;
# officers have no access (403 on the object's report page, which they see).
REPORT_PAGE = but(READ, officer=DENIED)
REPORT_ASK = but(SECRETARIAT, officer=DENIED)
# A job is not even visible to an officer (ReportJob.objects.visible_to leaves officers out),
# so his answer is 404 like an outsider's (reports/tests/test_views.py).
REPORT_JOB = but(READ, officer=HIDDEN)

ROWS: dict[str, Row] = {
    # --- The composition root ------------------------------------------------------------------
    "home": Row(get=SIGNED_IN),
    # The admin's health panel on the home page.
    "home-health": Row(get=ADMINS),
    # Monitoring probe: public by design, it shows no data.
    "healthz": Row(get=ANYONE),
    "search": Row(get=SIGNED_IN, query=lambda w: "q=quan+khu"),
    # A signed-in user is sent home (redirect_authenticated_user).
    "login": Row(get=ANYONE, post=ANYONE),
    # Signing out answers with the login page for everybody, without a "next" to come back to.
    "logout": Row(post=ANYONE),
    "password_change": Row(get=SIGNED_IN, post=SIGNED_IN),
    "password_change_done": Row(get=SIGNED_IN),
    "campaign-overview": Row(_campaign, get=READ),
    # --- blocs: units, blocs, members, chair terms, users, audit ---------------------------------
    "blocs:unit-list": Row(get=SIGNED_IN),
    "blocs:unit-detail": Row(_unit, get=READ),
    "blocs:unit-create": Row(get=ADMINS, post=ADMINS),
    "blocs:unit-edit": Row(_unit, get=ADMIN_OF_BLOC, post=ADMIN_OF_BLOC),
    # Exports only the units the user sees.
    "blocs:unit-export": Row(get=SIGNED_IN),
    # The import template holds no data, only a fixed example ("QK1 – Quân khu 1").
    "blocs:unit-import-template": Row(get=SIGNED_IN, fixed=True),
    "blocs:unit-import": Row(get=ADMINS, post=ADMINS),
    "blocs:unit-import-preview": Row(get=ADMINS),
    "blocs:unit-import-confirm": Row(post=ADMINS),
    "blocs:unit-import-cancel": Row(post=ADMINS),
    "blocs:bloc-list": Row(get=SIGNED_IN),
    "blocs:bloc-detail": Row(_bloc, get=READ),
    "blocs:bloc-create": Row(get=ADMINS, post=ADMINS),
    "blocs:bloc-update": Row(_bloc, get=ADMIN_OF_BLOC, post=ADMIN_OF_BLOC),
    "blocs:membership-add": Row(_bloc, get=ADMIN_OF_BLOC, post=ADMIN_OF_BLOC),
    "blocs:membership-end": Row(
        lambda w: [w.bloc.pk, w.objects.membership.pk], get=ADMIN_OF_BLOC, post=ADMIN_OF_BLOC
    ),
    "blocs:chairterm-set": Row(_bloc, get=ADMIN_OF_BLOC, post=ADMIN_OF_BLOC),
    "blocs:chairterm-delete": Row(lambda w: [w.bloc.pk, w.objects.chair_term.pk], post=ADMIN_OF_BLOC),
    "blocs:user-list": Row(get=ADMINS),
    "blocs:user-create": Row(get=ADMINS, post=ADMINS),
    "blocs:user-detail": Row(_leader_user, get=ADMINS),
    "blocs:user-update": Row(_leader_user, get=ADMINS, post=ADMINS),
    "blocs:assignment-add": Row(_leader_user, post=ADMINS),
    "blocs:assignment-remove": Row(lambda w: [w.leader.pk, w.objects.assignment.pk], post=ADMINS),
    "blocs:user-sign-out-everywhere": Row(_leader_user, post=ADMINS),
    # Everybody may end his own sessions (the answer is the login page, without "next").
    "blocs:sign-out-everywhere": Row(get=SIGNED_IN, post=SIGNED_IN),
    "blocs:audit-list": Row(get=ADMINS),
    # --- campaigns: campaigns, drives, pledges -----------------------------------------------------
    "campaigns:campaign-list": Row(_bloc, get=READ),
    "campaigns:campaign-create": Row(_bloc, get=SECRETARIAT, post=SECRETARIAT),
    "campaigns:campaign-copy": Row(_bloc, get=SECRETARIAT, post=SECRETARIAT),
    "campaigns:campaign-edit": Row(_campaign, get=SECRETARIAT, post=SECRETARIAT),
    "campaigns:campaign-activate": Row(_campaign, post=SECRETARIAT),
    "campaigns:campaign-close": Row(_campaign, post=SECRETARIAT),
    "campaigns:drive-create": Row(_campaign, get=SECRETARIAT, post=SECRETARIAT),
    "campaigns:drive-edit": Row(lambda w: [w.objects.drive.pk], get=SECRETARIAT, post=SECRETARIAT),
    "campaigns:drive-delete": Row(lambda w: [w.objects.drive.pk], post=SECRETARIAT),
    "campaigns:pledge-list": Row(_campaign, get=READ),
    "campaigns:pledge-create": Row(_campaign, get=SECRETARIAT, post=SECRETARIAT),
    "campaigns:pledge-detail": Row(_pledge, get=READ),
    "campaigns:pledge-board": Row(_pledge, get=READ),
    "campaigns:pledge-verify": Row(_pledge, get=READ),
    "campaigns:pledge-print": Row(_pledge, get=READ),
    "campaigns:pledge-edit": Row(_draft, get=SECRETARIAT, post=SECRETARIAT),
    "campaigns:pledge-item-add": Row(_draft, get=SECRETARIAT, post=SECRETARIAT),
    "campaigns:pledge-item-edit": Row(_item, get=SECRETARIAT, post=SECRETARIAT),
    "campaigns:pledge-item-delete": Row(_item, post=SECRETARIAT),
    "campaigns:pledge-item-up": Row(_item, post=SECRETARIAT),
    "campaigns:pledge-item-down": Row(_item, post=SECRETARIAT),
    "campaigns:pledge-registration-add": Row(_draft, get=SECRETARIAT, post=SECRETARIAT),
    "campaigns:pledge-registration-remove": Row(
        lambda w: [w.objects.draft_pledge.pk, w.objects.registration.pk], post=SECRETARIAT
    ),
    "campaigns:pledge-open": Row(_draft, get=SECRETARIAT, post=SECRETARIAT),
    "campaigns:pledge-revoke": Row(_pledge, get=SECRETARIAT, post=SECRETARIAT),
    "campaigns:pledge-close": Row(_pledge, post=SECRETARIAT),
    # §6 "sign a pledge": a unit's leader, for his own unit; nobody else, admins included.
    "campaigns:pledge-sign": Row(
        _pledge,
        get=but(SECRETARIAT, admin=DENIED, secretary=DENIED, leader=OK),
        post=but(SECRETARIAT, admin=DENIED, secretary=DENIED, leader=OK),
    ),
    # Not in §6: a superior given the right (the observer here, not the approver) signs as
    # witness; an admin is no superior of the bloc.
    "campaigns:pledge-witness": Row(
        _pledge,
        get=but(SECRETARIAT, admin=DENIED, secretary=DENIED, observer=OK),
        post=but(SECRETARIAT, admin=DENIED, secretary=DENIED, observer=OK),
    ),
    # --- scoring: criteria ----------------------------------------------------------------------
    "scoring:criteria-list": Row(_campaign, get=READ),
    "scoring:criteria-excel": Row(_campaign, get=READ),
    "scoring:criteria-set-create": Row(_campaign, post=SECRETARIAT),
    "scoring:criteria-import-sample": Row(_campaign, post=SECRETARIAT),
    "scoring:criteria-import-excel": Row(_campaign, get=SECRETARIAT, post=SECRETARIAT),
    "scoring:criteria-copy": Row(_campaign, get=SECRETARIAT, post=SECRETARIAT),
    "scoring:criteria-new-version": Row(lambda w: [w.objects.criteria_set.pk], post=SECRETARIAT),
    "scoring:criterion-add": Row(lambda w: [w.objects.criteria_set.pk], get=SECRETARIAT, post=SECRETARIAT),
    "scoring:criterion-edit": Row(lambda w: [w.objects.criterion.pk], get=SECRETARIAT, post=SECRETARIAT),
    "scoring:criterion-delete": Row(lambda w: [w.objects.criterion.pk], post=SECRETARIAT),
    "scoring:criterion-up": Row(lambda w: [w.objects.criterion.pk], post=SECRETARIAT),
    "scoring:criterion-down": Row(lambda w: [w.objects.criterion.pk], post=SECRETARIAT),
    # --- scoring: rounds, rules, the grid --------------------------------------------------------
    "scoring:round-list": Row(_campaign, get=READ),
    "scoring:round-create": Row(_campaign, get=SECRETARIAT, post=SECRETARIAT),
    "scoring:round-detail": Row(_open_round, get=READ),
    "scoring:round-edit": Row(_open_round, get=SECRETARIAT, post=SECRETARIAT),
    "scoring:round-close": Row(_open_round, post=SECRETARIAT),
    "scoring:round-reopen": Row(_open_round, post=SECRETARIAT),
    "scoring:round-publish": Row(_open_round, post=SECRETARIAT),
    "scoring:rules": Row(_campaign, get=READ, post=SECRETARIAT),
    "scoring:grid": Row(_open_round, get=SECRETARIAT, post=SECRETARIAT),
    # Self against final, and a cell's history: the secretariat (every unit) and the unit's own
    # leader and officers; an observer is refused (the final scores he reads are the ranking's).
    "scoring:comparison": Row(_open_round, get=but(SECRETARIAT, leader=OK, officer=OK)),
    # A unit's cell, named in the address, does not exist for anybody but its own staff and the
    # secretariat: 404 for observers too (scoring/tests/test_grid_views.py), where the
    # comparison, which names no unit, answers them 403.
    "scoring:cell-history": Row(
        lambda w: [w.objects.open_round.pk, w.unit_a.pk, w.objects.leaf.pk],
        get=but(SECRETARIAT, observer=HIDDEN, approver=HIDDEN, leader=OK, officer=OK),
    ),
    # The workbook of a round's scores is the secretariat's tool, not a reading page.
    "scoring:excel-template": Row(_open_round, get=SECRETARIAT),
    "scoring:excel-export": Row(_open_round, get=SECRETARIAT),
    "scoring:excel-import": Row(_open_round, get=SECRETARIAT, post=SECRETARIAT),
    "scoring:excel-import-preview": Row(_open_round, get=SECRETARIAT),
    "scoring:excel-import-confirm": Row(_open_round, post=SECRETARIAT),
    "scoring:excel-import-cancel": Row(_open_round, post=SECRETARIAT),
    # --- scoring: self-assessment and evidence ------------------------------------------------
    # §6 "self-assessment": the secretariat (and admins) read, the officer drafts, the leader
    # drafts and submits; an observer has no part in it. The page is asked for Quân khu 1, as
    # its own links do (?don_vi=): a unit's card named in the address does not exist for anybody
    # but its staff and the secretariat, so an observer gets 404 there (403 without a unit;
    # scoring/tests/test_self_assessment.py).
    "scoring:self-assessment": Row(
        _open_round,
        query=_own_unit_query,
        get=but(SECRETARIAT, observer=HIDDEN, approver=HIDDEN, leader=OK, officer=OK),
        post=but(
            SECRETARIAT,
            admin=DENIED,
            secretary=DENIED,
            observer=HIDDEN,
            approver=HIDDEN,
            leader=OK,
            officer=OK,
        ),
    ),
    "scoring:self-assessment-submit": Row(
        _open_round,
        query=_own_unit_query,
        post=but(SECRETARIAT, admin=DENIED, secretary=DENIED, observer=HIDDEN, approver=HIDDEN, leader=OK),
    ),
    # An evidence file is served to the secretariat and to the unit's own staff only; to anybody
    # else it does not exist (scoring/views/self_assessment.py).
    "scoring:evidence-download": Row(
        _evidence, get=but(SECRETARIAT, observer=HIDDEN, approver=HIDDEN, leader=OK, officer=OK)
    ),
    "scoring:evidence-upload": Row(
        _evidence,
        post=but(
            SECRETARIAT,
            admin=DENIED,
            secretary=DENIED,
            observer=HIDDEN,
            approver=HIDDEN,
            leader=OK,
            officer=OK,
        ),
    ),
    "scoring:evidence-remove": Row(
        _evidence,
        post=but(
            SECRETARIAT,
            admin=DENIED,
            secretary=DENIED,
            observer=HIDDEN,
            approver=HIDDEN,
            leader=OK,
            officer=OK,
        ),
    ),
    # --- scoring: rankings and objections ------------------------------------------------------
    # §6 "rankings": everybody who sees the bloc, members and observers published rounds only.
    "scoring:ranking-overview": Row(get=SIGNED_IN),
    "scoring:ranking-index": Row(_campaign, get=READ),
    "scoring:ranking": Row(_ranking, get=READ),
    "scoring:ranking-csv": Row(_ranking, get=READ),
    "scoring:ranking-xlsx": Row(_ranking, get=READ),
    "scoring:ranking-unit": Row(lambda w: [*_ranking(w), w.unit_a.pk], get=READ),
    "scoring:objection-list": Row(_published_round, get=READ),
    # Only a member unit's leader objects, for his own unit.
    "scoring:objection-create": Row(
        _published_round,
        get=but(SECRETARIAT, admin=DENIED, secretary=DENIED, leader=OK),
        post=but(SECRETARIAT, admin=DENIED, secretary=DENIED, leader=OK),
    ),
    "scoring:objection-detail": Row(lambda w: [w.objects.objection.pk], get=READ, post=SECRETARIAT),
    # --- awards: reviews ---------------------------------------------------------------------------
    "awards:review-list": Row(_campaign, get=READ),
    "awards:review-create": Row(_campaign, get=SECRETARIAT, post=SECRETARIAT),
    "awards:review-detail": Row(_review, get=READ),
    "awards:review-edit": Row(_review, get=SECRETARIAT, post=SECRETARIAT),
    "awards:review-attendance": Row(_review, get=SECRETARIAT, post=SECRETARIAT),
    "awards:review-section-edit": Row(
        lambda w: [w.objects.review.pk, w.objects.section_pk], get=SECRETARIAT, post=SECRETARIAT
    ),
    "awards:review-held": Row(_review, post=SECRETARIAT),
    "awards:review-close": Row(_review, get=SECRETARIAT, post=SECRETARIAT),
    "awards:review-reissue": Row(_closed_review, get=SECRETARIAT, post=SECRETARIAT),
    # --- awards: the suy tôn vote ----------------------------------------------------------------
    # The vote's page and minutes are read out at the conference: every member's staff reads
    # them, officers included (awards/tests/test_election_views.py READERS), unlike §6's "—".
    "awards:election": Row(lambda w: [w.objects.review.pk], get=READ),
    "awards:election-minutes": Row(lambda w: [w.objects.review.pk], get=READ),
    "awards:election-prepare": Row(_review, post=SECRETARIAT),
    "awards:election-candidate-add": Row(_review, post=SECRETARIAT),
    "awards:election-candidate-remove": Row(
        lambda w: [w.objects.review.pk, w.objects.candidate.pk], post=SECRETARIAT
    ),
    "awards:election-open": Row(_review, post=SECRETARIAT),
    # The leader of a member unit present at the conference votes for it; nobody else.
    "awards:election-ballot": Row(
        _review,
        get=but(SECRETARIAT, admin=DENIED, secretary=DENIED, leader=OK),
        post=but(SECRETARIAT, admin=DENIED, secretary=DENIED, leader=OK),
    ),
    "awards:election-paper": Row(_review, get=SECRETARIAT, post=SECRETARIAT),
    "awards:election-count": Row(_review, get=SECRETARIAT, post=SECRETARIAT),
    "awards:election-abandon": Row(_review, get=SECRETARIAT, post=SECRETARIAT),
    # --- awards: titles, nominations, decisions, histories -------------------------------------
    "awards:title-list": Row(get=SIGNED_IN),
    "awards:title-create": Row(get=ADMINS, post=ADMINS),
    "awards:title-edit": Row(lambda w: [w.objects.title.pk], get=ADMINS, post=ADMINS),
    "awards:title-rule-add": Row(lambda w: [w.objects.title.pk], get=ADMINS, post=ADMINS),
    "awards:title-rule-edit": Row(lambda w: [w.objects.rule.pk], get=ADMINS, post=ADMINS),
    "awards:title-rule-delete": Row(lambda w: [w.objects.rule.pk], post=ADMINS),
    # §6 "nominations": the secretariat acts, observers read, a leader reads his own unit's,
    # an officer nothing.
    "awards:nominations": Row(_closed_review, get=but(READ, officer=DENIED)),
    "awards:nominations-generate": Row(_closed_review, post=SECRETARIAT),
    "awards:nomination-add": Row(lambda w: [w.objects.nomination_list.pk], get=SECRETARIAT, post=SECRETARIAT),
    "awards:nomination-justify": Row(lambda w: [w.objects.nomination.pk], get=SECRETARIAT, post=SECRETARIAT),
    "awards:nomination-remove": Row(lambda w: [w.objects.nomination.pk], post=SECRETARIAT),
    "awards:nomination-list-submit": Row(lambda w: [w.objects.nomination_list.pk], post=SECRETARIAT),
    # Not in §6: the level above's approval, by an admin or an observer given the right.
    "awards:nomination-decide": Row(
        lambda w: [w.objects.nomination.pk],
        get=but(SECRETARIAT, secretary=DENIED, approver=OK),
        post=but(SECRETARIAT, secretary=DENIED, approver=OK),
    ),
    "awards:decision-create": Row(_bloc, get=SECRETARIAT, post=SECRETARIAT),
    # Award histories and the decisions behind them are read by whoever sees the unit or the
    # bloc, officers included (awards/views/honours.py): they are the units' record, not proposals.
    "awards:decision-detail": Row(lambda w: [w.objects.decision.pk], get=READ),
    "awards:unit-awards": Row(_unit, get=READ),
    "awards:bloc-awards": Row(_bloc, get=READ),
    "awards:bloc-awards-excel": Row(_bloc, get=READ),
    # --- reports ----------------------------------------------------------------------------------
    "reports:review": Row(_closed_review, get=REPORT_PAGE, post=REPORT_ASK),
    "reports:pledge": Row(_pledge, get=REPORT_PAGE, post=REPORT_ASK),
    "reports:round": Row(_published_round, get=REPORT_PAGE, post=REPORT_ASK),
    "reports:job-detail": Row(_job, get=REPORT_JOB),
    "reports:job-progress": Row(_job, get=REPORT_JOB),
    "reports:job-download": Row(_job, get=REPORT_JOB),
    "reports:job-retry": Row(_job, post=but(REPORT_JOB, observer=DENIED, approver=DENIED, leader=DENIED)),
}


# --- The URLs of the product --------------------------------------------------------------------

# The Django admin site has its own permission system (staff flags, model permissions).
SKIPPED_NAMESPACES = {"admin"}


def project_url_names() -> list[str]:
    """Every URL name of the project, namespaced, walked from the root resolver. A pattern
    without a name is listed by its route, so that it fails the coverage test too."""
    names: list[str] = []

    def walk(patterns, namespace: str, route: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace in SKIPPED_NAMESPACES:
                    continue
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                walk(pattern.url_patterns, inner, route + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                if pattern.name is None:
                    names.append(f"<unnamed {route}{pattern.pattern}>")
                else:
                    names.append(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns, "", "/")
    return sorted(set(names))


def test_every_url_of_the_product_has_a_row():
    missing = [name for name in project_url_names() if name not in ROWS]
    assert not missing, f"URLs with no row in the access matrix (add one to ROWS): {missing}"


def test_every_row_names_a_url_that_exists():
    stale = sorted(set(ROWS) - set(project_url_names()))
    assert not stale, f"rows of the access matrix for URLs that no longer exist: {stale}"


def test_every_row_tries_at_least_one_method():
    assert not [name for name, row in ROWS.items() if not row.methods()]


def test_every_row_lets_somebody_in():
    """A row where nobody gets in would pass with a wrong address too (404 for everybody)."""
    closed = [
        f"{method} {name}"
        for name, row in ROWS.items()
        for method, expected in row.methods().items()
        if OK not in expected.values()
    ]
    assert not closed


# --- The world ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker, tmp_path_factory):
    """The world, built once for the module in a transaction that is rolled back at its end."""
    media = tmp_path_factory.mktemp("matrix-media")
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(PASSWORD_HASHERS=fast, MEDIA_ROOT=media):
            world = build_world()
        world.media_root = media
        yield world
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _matrix_settings(_fast_settings, settings, monkeypatch, request):
    """The world's media folder (evidence and report files), and a broker that answers: the
    health probe's status is not what this module tests."""
    if "matrix" in request.fixturenames:
        settings.MEDIA_ROOT = request.getfixturevalue("matrix").media_root
    monkeypatch.setattr("thidua.health.check_broker", lambda: {"ok": True, "transport": "memory"})


# --- Asking --------------------------------------------------------------------------------------


def url_of(world: MatrixWorld, name: str) -> str:
    row = ROWS[name]
    url = reverse(name, args=row.args(world))
    return f"{url}?{row.query(world)}" if row.query else url


def answer_class(response: HttpResponse) -> str:
    """The class of an answer (see the module's docstring); anything else is returned as is."""
    status = response.status_code
    if status in (301, 302, 303, 307, 308):
        location = urlsplit(response["Location"])
        if location.path == reverse("login") and "next" in parse_qs(location.query):
            return LOGIN
        return OK
    if 200 <= status < 300 or status in (400, 409):
        return OK
    return {403: DENIED, 404: HIDDEN}.get(status, f"HTTP {status}")


def ask(world: MatrixWorld, persona: str, method: str, name: str, url: str | None = None) -> HttpResponse:
    client = Client()
    if persona != "anonymous":
        client.force_login(getattr(world, persona))
    url = url or url_of(world, name)
    if method == "GET":
        return client.get(url)
    # An empty body: a view decides who may act before it reads the input.
    return client.post(url)


# Names that mark the bloc's data: an outsider's page must not show them.
def markers(world: MatrixWorld) -> list[str]:
    return [world.bloc.name, world.unit_a.name, world.unit_b.name, world.unit_c.name]


def readable_text(response: HttpResponse) -> str:
    """What a person reads in the answer: a page, JSON, CSV, or the cells of a workbook."""
    content_type = response.get("Content-Type", "")
    if getattr(response, "streaming", False):
        return ""
    if content_type.startswith(XLSX_CONTENT_TYPE):
        workbook = load_workbook(io.BytesIO(response.content), read_only=True)
        return "\n".join(
            str(value)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        )
    if content_type.startswith(("text/", "application/json")):
        return response.content.decode()
    return ""


CHECKS = [
    pytest.param(name, method, persona, id=f"{name}-{method}-{persona}")
    for name, row in ROWS.items()
    for method, expected in row.methods().items()
    for persona in PERSONAS
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "persona"), CHECKS)
def test_access(matrix, name, method, persona):
    expected = ROWS[name].methods()[method][persona]
    with transaction.atomic():
        response = ask(matrix, persona, method, name)
        transaction.set_rollback(True)
    got = answer_class(response)
    assert got == expected, (
        f"{method} {name} as {persona}: got {got} (HTTP {response.status_code}), expected {expected}"
    )
    if persona in OUTSIDERS and got == OK and not ROWS[name].fixed:
        text = readable_text(response)
        leaked = [marker for marker in markers(matrix) if marker in text]
        assert not leaked, f"{method} {name} shows {persona} another bloc's data: {leaked}"


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(ROWS))
def test_the_row_tries_every_method_the_view_accepts(matrix, name):
    """The methods a row checks are the ones the view answers, asked with OPTIONS: Django's
    method decorators refuse it with the list of allowed methods, class-based views answer it
    with theirs. Asked as an admin, who passes every sign-in check, or anonymously for the
    pages that send a signed-in user away (the login page)."""
    response = None
    for user in (matrix.admin, None):
        client = Client()
        if user is not None:
            client.force_login(user)
        with transaction.atomic():
            response = client.options(url_of(matrix, name))
            transaction.set_rollback(True)
        if "Allow" in response:
            break
    assert "Allow" in response, f"{name} answers any method: restrict it with require_GET / require_POST"
    # GET implies HEAD; a class-based form view takes PUT as a POST.
    allowed = {m.strip() for m in response["Allow"].split(",")} - {"HEAD", "OPTIONS", "PUT"}
    assert allowed == set(ROWS[name].methods()), f"{name} accepts {sorted(allowed)}"


# --- Crossed addresses ------------------------------------------------------------------------------

# Addresses that name an object inside another (a bloc's membership, a pledge's item, a round's
# unit): with the inner object taken from another parent they lead nowhere, even for an admin,
# who sees both. Each is asked with every method its row tries.
CROSSED: list[tuple[str, Callable[[MatrixWorld], list]]] = [
    ("blocs:membership-end", lambda w: [w.bloc.pk, w.objects.other_membership.pk]),
    ("blocs:chairterm-delete", lambda w: [w.bloc.pk, w.objects.other_chair_term.pk]),
    ("blocs:assignment-remove", lambda w: [w.officer.pk, w.objects.assignment.pk]),
    ("campaigns:pledge-item-edit", lambda w: [w.objects.open_pledge.pk, w.objects.item.pk]),
    ("campaigns:pledge-item-delete", lambda w: [w.objects.open_pledge.pk, w.objects.item.pk]),
    ("campaigns:pledge-item-up", lambda w: [w.objects.open_pledge.pk, w.objects.item.pk]),
    ("campaigns:pledge-item-down", lambda w: [w.objects.open_pledge.pk, w.objects.item.pk]),
    (
        "campaigns:pledge-registration-remove",
        lambda w: [w.objects.open_pledge.pk, w.objects.registration.pk],
    ),
    ("scoring:cell-history", lambda w: [w.objects.open_round.pk, w.other_unit.pk, w.objects.leaf.pk]),
    ("scoring:cell-history", lambda w: [w.objects.open_round.pk, w.unit_a.pk, w.objects.criterion.pk]),
    ("scoring:ranking-unit", lambda w: [w.objects.campaign.pk, "q1", w.other_unit.pk]),
    ("awards:review-section-edit", lambda w: [w.objects.closed_review.pk, w.objects.section_pk]),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "args", "method"),
    [
        pytest.param(name, args, method, id=f"{name}-{index}-{method}")
        for index, (name, args) in enumerate(CROSSED)
        for method in ROWS[name].methods()
    ],
)
def test_a_crossed_address_leads_nowhere(matrix, name, args, method):
    with transaction.atomic():
        response = ask(matrix, "admin", method, name, url=reverse(name, args=args(matrix)))
        transaction.set_rollback(True)
    assert answer_class(response) == HIDDEN, f"{method} {name} {args(matrix)}: HTTP {response.status_code}"
