"""Leaders signing the same pledge at the same moment (PostgreSQL only).

Every signature links to the one before it, so two appends must never read the same "last
signature". `pledge_sign` locks the pledge row (SELECT … FOR UPDATE) for the whole append; these
tests start real threads, each with its own database connection, behind a barrier so that
they reach the lock together, and check that the chain comes out whole."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from blocs.models import AuditEvent, User
from blocs.tests.factories import BlocFactory, MembershipFactory, UnitFactory
from campaigns.integrity import verify_pledge
from campaigns.models import Pledge, PledgeSignature, PledgeState
from campaigns.services.pledges import pledge_revoke, pledge_sign
from campaigns.tests.factories import PASSWORD, leader_for, open_pledge, signatures_of

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL's row locks and real threads"
    ),
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def run_together(calls: list[Callable]) -> list:
    """Run each call in its own thread, all released at once; return results or exceptions."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def worker(index: int, call: Callable) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = call()
        except BaseException as error:  # reported to the test thread
            results[index] = error
        finally:
            connection.close()  # each thread has its own connection; don't leak it

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a signing thread hung"
    return results


def bloc_with_leaders(size: int):
    root = UnitFactory(code="BQP", name="Bộ Quốc phòng")
    bloc = BlocFactory(name=f"Khối thi đua {size} đơn vị", organiser=root)
    leaders = {}
    for number in range(1, size + 1):
        unit = UnitFactory(code=f"QK{number}", name=f"Quân khu {number}", parent=root)
        MembershipFactory(bloc=bloc, unit=unit)
        leaders[unit] = leader_for(unit)
    return bloc, leaders


def signer(pledge: Pledge, unit, user: User) -> Callable:
    def call():
        return pledge_sign(pledge=pledge, unit=unit, password=PASSWORD, ip="10.0.0.1", actor=user)

    return call


def assert_whole_chain(pledge: Pledge, count: int) -> None:
    pledge = Pledge.objects.select_related("campaign__bloc", "drive").get(pk=pledge.pk)
    chain = signatures_of(pledge)
    assert [s.sequence for s in chain] == list(range(1, count + 1))
    result = verify_pledge(pledge, chain)
    assert (result.verdict, result.problems) == ("nguyên vẹn", [])


@pytest.mark.parametrize("size", [2, 8])
def test_leaders_signing_at_the_same_moment_are_all_recorded_in_one_chain(size):
    bloc, leaders = bloc_with_leaders(size)
    pledge = open_pledge(bloc, items=3)

    results = run_together([signer(pledge, unit, user) for unit, user in leaders.items()])

    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == []
    assert {s.unit_id for s in results} == {unit.pk for unit in leaders}
    assert_whole_chain(pledge, size)
    assert Pledge.objects.get(pk=pledge.pk).state == PledgeState.COMPLETE
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.SIGN).count() == size


def test_two_sessions_signing_for_the_same_unit_record_one_signature():
    bloc, leaders = bloc_with_leaders(2)
    unit, user = next(iter(leaders.items()))
    pledge = open_pledge(bloc, items=1)
    # Two browser sessions of the same commander: separate instances, same person.
    sessions = [User.objects.get(pk=user.pk), User.objects.get(pk=user.pk)]

    results = run_together([signer(pledge, unit, session) for session in sessions])

    signatures = [r for r in results if isinstance(r, PledgeSignature)]
    refusals = [r for r in results if isinstance(r, ValidationError)]
    assert (len(signatures), len(refusals)) == (1, 1), results
    assert f"{unit.name} đã ký giao ước này lúc" in refusals[0].messages[0]
    assert PledgeSignature.objects.filter(pledge=pledge).count() == 1
    assert_whole_chain(pledge, 1)
    assert Pledge.objects.get(pk=pledge.pk).state == PledgeState.OPEN


def test_a_signature_racing_a_revocation_lands_before_it_or_is_refused():
    bloc, leaders = bloc_with_leaders(2)
    unit, user = next(iter(leaders.items()))
    pledge = open_pledge(bloc, items=1)

    def revoke():
        return pledge_revoke(pledge=pledge, reason="Sai sót trong nội dung", actor=None)

    signed, successor = run_together([signer(pledge, unit, user), revoke])

    assert isinstance(successor, Pledge), successor
    assert Pledge.objects.get(pk=pledge.pk).state == PledgeState.REVOKED
    if isinstance(signed, PledgeSignature):
        assert_whole_chain(pledge, 1)
    else:
        assert isinstance(signed, ValidationError), signed
        assert signed.messages == ["Giao ước đã thu hồi, không thể ký."]
        assert not PledgeSignature.objects.exists()
