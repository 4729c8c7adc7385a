"""`manage.py verify_pledges`: the scheduled audit of every sealed pledge."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from campaigns.management.commands.verify_pledges import Command
from campaigns.models import Pledge, PledgeItem, PledgeSignature
from campaigns.services.pledges import (
    pledge_open,
    pledge_registration_add,
    pledge_sign,
    pledge_witness_sign,
)
from campaigns.tests.factories import PASSWORD, CampaignFactory, PledgeFactory, leader_for, open_pledge


def run(*args: str) -> str:
    out = StringIO()
    call_command("verify_pledges", *args, stdout=out)
    return out.getvalue()


def tamper(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)


@pytest.fixture
def pledges(world) -> list[Pledge]:
    """Two sealed pledges of the bloc (the first signed by QK1 and QK2) and a draft."""
    campaign = CampaignFactory(bloc=world.bloc)
    first = open_pledge(world.bloc, items=2, campaign=campaign, title="Giao ước thi đua năm")
    pledge_sign(pledge=first, unit=world.unit_a, password=PASSWORD, actor=world.leader)
    pledge_sign(pledge=first, unit=world.unit_b, password=PASSWORD, actor=leader_for(world.unit_b))
    second = open_pledge(world.bloc, items=1, campaign=campaign, title="Giao ước đợt cao điểm")
    PledgeFactory(campaign=campaign, title="Dự thảo chưa mở ký")
    return [first, second]


def test_prints_one_line_per_sealed_pledge_and_succeeds_when_all_are_intact(pledges):
    first, second = pledges
    output = run()
    assert output.splitlines() == [
        f"{first.pk} Giao ước thi đua năm (phiên bản 1) – Khối thi đua số 2: nguyên vẹn (2 chữ ký)",
        f"{second.pk} Giao ước đợt cao điểm (phiên bản 1) – Khối thi đua số 2: nguyên vẹn (0 chữ ký)",
        "Đã kiểm tra 2 giao ước: tất cả nguyên vẹn.",
    ]
    assert "Dự thảo" not in output


def test_a_tampered_pledge_is_named_and_the_command_fails(world, pledges):
    first, second = pledges
    tamper(
        f"UPDATE {PledgeItem._meta.db_table} SET content = %s WHERE pledge_id = %s AND position = 2",
        ["Nội dung bị sửa", first.pk],
    )
    tamper(
        f"UPDATE {PledgeSignature._meta.db_table} SET signer_name = %s WHERE pledge_id = %s AND sequence = 2",
        ["Người khác", first.pk],
    )
    out = StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("verify_pledges", stdout=out)
    assert str(exc.value) == "1/2 giao ước không nguyên vẹn."
    assert exc.value.returncode == 1  # manage.py exits with it, so the scheduler notices
    lines = out.getvalue().splitlines()
    assert lines[0] == (
        f"{first.pk} Giao ước thi đua năm (phiên bản 1) – Khối thi đua số 2: KHÔNG NGUYÊN VẸN – "
        "Mục 2: nội dung đã bị thay đổi. Chữ ký thứ 2 – Quân khu 2: thông tin chữ ký đã bị thay đổi."
    )
    assert lines[1].endswith(": nguyên vẹn (0 chữ ký)")


def test_pledge_option_checks_one_pledge(pledges):
    first, second = pledges
    assert run("--pledge", str(second.pk)).splitlines() == [
        f"{second.pk} Giao ước đợt cao điểm (phiên bản 1) – Khối thi đua số 2: nguyên vẹn (0 chữ ký)",
        "Đã kiểm tra 1 giao ước: tất cả nguyên vẹn.",
    ]
    tamper(f"UPDATE {Pledge._meta.db_table} SET title = %s WHERE id = %s", ["Tiêu đề khác", first.pk])
    assert "nguyên vẹn (0 chữ ký)" in run("--pledge", str(second.pk))  # the other one is not read


def test_pledge_option_refuses_a_draft_or_an_unknown_pledge(pledges):
    draft = Pledge.objects.get(title="Dự thảo chưa mở ký")
    for pledge_id in (draft.pk, 999999):
        with pytest.raises(CommandError) as exc:
            run("--pledge", str(pledge_id))
        assert str(exc.value) == f"Không có giao ước đã niêm phong nào mang mã số {pledge_id}."


def test_the_help_is_in_vietnamese():
    assert Command.help.startswith("Kiểm tra tính nguyên vẹn của các giao ước đã niêm phong")


@pytest.mark.parametrize("count", [2, 6])
def test_the_number_of_queries_does_not_grow_with_the_pledges(world, django_assert_num_queries, count):
    # Each pledge has an item, a registration (its unit is read) and a signature (its unit too).
    campaign = CampaignFactory(bloc=world.bloc)
    for number in range(count):
        pledge = PledgeFactory(campaign=campaign, title=f"Giao ước {number}")
        PledgeItem.objects.create(pledge=pledge, position=1, content="Nội dung")
        pledge_registration_add(pledge=pledge, unit=world.unit_b, title="Đơn vị Quyết thắng", actor=None)
        pledge_open(pledge=pledge, actor=None)
        pledge_sign(pledge=pledge, unit=world.unit_a, password=PASSWORD, actor=world.leader)
    pledge_witness_sign(pledge=pledge, password=PASSWORD, actor=world.observer)
    # pledges with campaign, bloc and drive; items; registrations with units; signatures with units
    with django_assert_num_queries(4):
        output = run()
    assert output.count("nguyên vẹn (") == count
