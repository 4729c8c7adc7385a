"""Integrity of pledges: the canonical form, verification that names what was tampered with,
and (on PostgreSQL) the triggers that refuse changes made behind the application's back.

Tampering is done the way an attacker with database access would: raw SQL. On PostgreSQL the
freeze triggers are bypassed first with `session_replication_role = replica`, as a database
superuser could; `SET LOCAL` keeps that inside the test's own transaction."""

from __future__ import annotations

import unicodedata
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from campaigns.integrity import (
    canonical_json,
    sha256_hex,
    signature_payload,
    signature_record_hash,
    verify_pledge,
)
from campaigns.models import Pledge, PledgeItem, PledgeRegistration, PledgeSignature, PledgeState
from campaigns.services.pledges import (
    pledge_item_add,
    pledge_open,
    pledge_registration_add,
    pledge_sign,
    pledge_witness_sign,
)
from campaigns.tests.factories import (
    PASSWORD,
    CampaignFactory,
    PledgeFactory,
    leader_for,
    open_pledge,
    signatures_of,
)

PLEDGE = Pledge._meta.db_table
ITEM = PledgeItem._meta.db_table
REGISTRATION = PledgeRegistration._meta.db_table
SIGNATURE = PledgeSignature._meta.db_table

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the freeze triggers exist on PostgreSQL only"
)


def tamper(sql: str, params: list | tuple = ()) -> None:
    """Write straight to the database, bypassing the application (and the triggers)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)


def verification_of(pledge: Pledge):
    pledge = Pledge.objects.select_related("campaign__bloc", "drive").get(pk=pledge.pk)
    return verify_pledge(pledge, signatures_of(pledge))


@pytest.fixture
def signed(world) -> Pledge:
    """An opened pledge with two items, one registration, three member signatures (QK1, QK2,
    QK3 in that order) and a witness."""
    campaign = CampaignFactory(bloc=world.bloc)
    pledge = PledgeFactory(campaign=campaign, title="Giao ước thi đua năm")
    pledge_item_add(pledge=pledge, content="Huấn luyện giỏi", target_value=Decimal("98.00"), actor=None)
    pledge_item_add(pledge=pledge, content="Kỷ luật nghiêm", indicator="Vụ việc", actor=None)
    pledge_registration_add(pledge=pledge, unit=world.unit_a, title="Đơn vị Quyết thắng", actor=None)
    pledge_open(pledge=pledge, actor=world.secretary)
    pledge_sign(pledge=pledge, unit=world.unit_a, password=PASSWORD, actor=world.leader)
    for unit in (world.unit_b, world.unit_c):
        pledge_sign(pledge=pledge, unit=unit, password=PASSWORD, actor=leader_for(unit))
    pledge_witness_sign(pledge=pledge, password=PASSWORD, actor=world.observer)
    return pledge


# --- The canonical form ----------------------------------------------------------------------


def test_canonical_json_does_not_depend_on_key_order():
    assert canonical_json({"b": 1, "a": {"y": 2, "x": [3, "ba"]}}) == canonical_json(
        {"a": {"x": [3, "ba"], "y": 2}, "b": 1}
    )
    assert canonical_json({"b": 1, "a": 2}) == '{"a":2,"b":1}'


def test_the_same_text_in_nfd_gives_the_same_hash():
    composed = "Quân khu 2 – Đơn vị Quyết thắng"
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    assert sha256_hex(canonical_json({"title": decomposed})) == sha256_hex(
        canonical_json({"title": composed})
    )
    assert composed in canonical_json({"title": decomposed})  # kept readable, not \u-escaped


def test_decimals_canonicalise_by_value():
    assert canonical_json({"v": Decimal("98.00")}) == canonical_json({"v": Decimal("98")}) == '{"v":"98"}'
    assert canonical_json({"v": Decimal("100")}) == '{"v":"100"}'  # not 1E+2
    assert canonical_json({"v": Decimal("0.50")}) == '{"v":"0.5"}'
    assert canonical_json({"v": Decimal("98.5")}) != canonical_json({"v": Decimal("98.05")})


def test_the_signature_payload_covers_every_recorded_field(signed):
    signature = signatures_of(signed)[1]
    payload = signature_payload(signature)
    assert payload["unit"] == "QK2"
    assert payload["previous_hash"] == signatures_of(signed)[0].record_hash
    for field in ("signer_name", "signer_rank", "signer_position", "signed_at", "ip", "user_agent"):
        assert field in payload


# --- Verification of an intact pledge ---------------------------------------------------------


def test_an_intact_pledge_is_nguyen_ven(signed):
    result = verification_of(signed)
    assert (result.intact, result.verdict, result.problems) == (True, "nguyên vẹn", [])
    assert result.signatures_checked == 4


def test_an_intact_pledge_without_signatures_is_nguyen_ven(world):
    result = verification_of(open_pledge(world.bloc))
    assert (result.verdict, result.signatures_checked) == ("nguyên vẹn", 0)


def test_a_draft_is_not_sealed(world):
    draft = PledgeFactory(campaign=CampaignFactory(bloc=world.bloc))
    assert verification_of(draft).problems == ["Giao ước chưa được niêm phong (chưa mở ký)."]


def test_verification_still_holds_after_a_state_change(world, signed):
    tamper(f"UPDATE {PLEDGE} SET state = %s WHERE id = %s", [PledgeState.CLOSED, signed.pk])
    assert verification_of(signed).intact


# --- Verification names what changed -----------------------------------------------------------


def test_a_changed_item_content_is_named(signed):
    tamper(
        f"UPDATE {ITEM} SET content = %s WHERE pledge_id = %s AND position = 2", ["Kỷ luật lỏng", signed.pk]
    )
    result = verification_of(signed)
    assert result.verdict == "không nguyên vẹn"
    assert result.problems == ["Mục 2: nội dung đã bị thay đổi."]


def test_a_changed_item_target_is_named(signed):
    tamper(f"UPDATE {ITEM} SET target_value = %s WHERE pledge_id = %s AND position = 1", ["90.00", signed.pk])
    assert verification_of(signed).problems == ["Mục 1: giá trị chỉ tiêu đã bị thay đổi."]


def test_the_same_target_written_differently_is_not_a_change(signed):
    tamper(f"UPDATE {ITEM} SET target_value = %s WHERE pledge_id = %s AND position = 1", ["98", signed.pk])
    assert verification_of(signed).intact


def test_a_deleted_item_is_named(signed):
    tamper(f"DELETE FROM {ITEM} WHERE pledge_id = %s AND position = 2", [signed.pk])
    assert verification_of(signed).problems == ["Mục 2 đã bị xóa sau khi niêm phong."]


def test_an_added_item_is_named(signed):
    tamper(
        f"INSERT INTO {ITEM} (pledge_id, position, content, indicator, unit_of_measure, comparison) "
        "VALUES (%s, 3, %s, '', '', 'gte')",
        [signed.pk, "Mục cài thêm"],
    )
    assert verification_of(signed).problems == ["Mục 3 được thêm vào sau khi niêm phong."]


def test_a_changed_title_is_named(signed):
    tamper(f"UPDATE {PLEDGE} SET title = %s WHERE id = %s", ["Giao ước khác", signed.pk])
    assert verification_of(signed).problems == ["Phần “tiêu đề” của giao ước đã bị thay đổi."]


def test_a_changed_registration_is_named(signed):
    tamper(f"UPDATE {REGISTRATION} SET title = %s WHERE pledge_id = %s", ["Cờ thi đua của Bộ", signed.pk])
    assert verification_of(signed).problems == ["Danh sách đăng ký danh hiệu đã bị thay đổi."]


def test_a_changed_stored_hash_is_named(signed):
    tamper(f"UPDATE {PLEDGE} SET content_hash = %s WHERE id = %s", ["f" * 64, signed.pk])
    problems = verification_of(signed).problems
    assert problems[0] == "Mã băm nội dung không khớp với nội dung đã niêm phong."
    assert "Chữ ký thứ 2 – Quân khu 2: đã ký một nội dung khác với nội dung niêm phong." in problems


def test_a_rewritten_sealed_content_is_caught_by_its_hash(signed):
    tamper(
        f"UPDATE {PLEDGE} SET canonical_content = REPLACE(canonical_content, %s, %s) WHERE id = %s",
        ["Huấn luyện giỏi", "Huấn luyện khá", signed.pk],
    )
    problems = verification_of(signed).problems
    assert problems[0] == "Mã băm nội dung không khớp với nội dung đã niêm phong."
    assert "Mục 1: nội dung đã bị thay đổi." in problems


def test_a_changed_signer_name_is_named(signed):
    tamper(
        f"UPDATE {SIGNATURE} SET signer_name = %s WHERE pledge_id = %s AND sequence = 2",
        ["Người khác", signed.pk],
    )
    assert verification_of(signed).problems == ["Chữ ký thứ 2 – Quân khu 2: thông tin chữ ký đã bị thay đổi."]


def test_a_signature_rewritten_with_a_fresh_hash_breaks_the_chain_at_the_next_one(signed):
    second = signatures_of(signed)[1]
    second.signer_name = "Người khác"
    forged = signature_record_hash(second)
    tamper(
        f"UPDATE {SIGNATURE} SET signer_name = %s, record_hash = %s WHERE id = %s",
        ["Người khác", forged, second.pk],
    )
    assert verification_of(signed).problems == [
        "Chữ ký thứ 3 – Quân khu 3: không nối đúng với chữ ký trước (chuỗi bị đứt)."
    ]


def test_a_signature_removed_from_the_middle_breaks_the_chain(world, signed):
    tamper(f"DELETE FROM {SIGNATURE} WHERE pledge_id = %s AND sequence = 2", [signed.pk])
    assert verification_of(signed).problems == [
        "Chữ ký thứ 3 – Quân khu 3: số thứ tự không liền mạch (mong đợi 2).",
        "Chữ ký thứ 3 – Quân khu 3: không nối đúng với chữ ký trước (chuỗi bị đứt).",
        f"Chữ ký thứ 4 – chứng kiến ({world.observer.full_name}): số thứ tự không liền mạch (mong đợi 3).",
    ]


def test_reordered_signatures_are_caught(signed):
    # Swap the sequence numbers of the first two signatures (through a free number).
    for old, new in ((1, 100), (2, 1), (100, 2)):
        tamper(
            f"UPDATE {SIGNATURE} SET sequence = %s WHERE pledge_id = %s AND sequence = %s",
            [new, signed.pk, old],
        )
    problems = verification_of(signed).problems
    assert "Chữ ký thứ 1 – Quân khu 2: không nối đúng với chữ ký trước (chuỗi bị đứt)." in problems
    assert "Chữ ký thứ 1 – Quân khu 2: thông tin chữ ký đã bị thay đổi." in problems
    assert "Chữ ký thứ 2 – Quân khu 1: không nối đúng với chữ ký trước (chuỗi bị đứt)." in problems


# --- The database's own guard (PostgreSQL) -------------------------------------------------------


def refused_by_trigger(sql: str, params: list | tuple = ()) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except DatabaseError as error:
        assert "niêm phong" in str(error) or "append-only" in str(error), error
        return True
    return False


@postgres_only
def test_the_database_refuses_changes_to_a_frozen_pledge(signed):
    assert refused_by_trigger(f"UPDATE {PLEDGE} SET title = %s WHERE id = %s", ["Sửa", signed.pk])
    assert refused_by_trigger(f"UPDATE {PLEDGE} SET content_hash = %s WHERE id = %s", ["0" * 64, signed.pk])
    assert refused_by_trigger(f"UPDATE {PLEDGE} SET state = 'draft' WHERE id = %s", [signed.pk])
    assert refused_by_trigger(f"DELETE FROM {PLEDGE} WHERE id = %s", [signed.pk])
    assert verification_of(signed).intact


@postgres_only
def test_the_database_refuses_changes_to_the_items_and_registrations_of_a_frozen_pledge(world, signed):
    assert refused_by_trigger(
        f"INSERT INTO {ITEM} (pledge_id, position, content, indicator, unit_of_measure, comparison) "
        "VALUES (%s, 3, 'Thêm', '', '', 'gte')",
        [signed.pk],
    )
    assert refused_by_trigger(f"UPDATE {ITEM} SET content = 'Sửa' WHERE pledge_id = %s", [signed.pk])
    assert refused_by_trigger(f"DELETE FROM {ITEM} WHERE pledge_id = %s", [signed.pk])
    assert refused_by_trigger(
        f"INSERT INTO {REGISTRATION} (pledge_id, unit_id, title) VALUES (%s, %s, 'Cờ')",
        [signed.pk, world.unit_b.pk],
    )
    assert refused_by_trigger(f"UPDATE {REGISTRATION} SET title = 'Sửa' WHERE pledge_id = %s", [signed.pk])
    assert refused_by_trigger(f"DELETE FROM {REGISTRATION} WHERE pledge_id = %s", [signed.pk])
    # Moving a draft's item into the frozen pledge is an insertion into it.
    draft = PledgeFactory(campaign=signed.campaign)
    pledge_item_add(pledge=draft, content="Nội dung nháp", actor=None)
    assert refused_by_trigger(
        f"UPDATE {ITEM} SET pledge_id = %s, position = 9 WHERE pledge_id = %s", [signed.pk, draft.pk]
    )
    assert verification_of(signed).intact


@postgres_only
def test_the_database_refuses_changes_to_signatures(signed):
    assert refused_by_trigger(
        f"UPDATE {SIGNATURE} SET signer_name = 'Khác' WHERE pledge_id = %s", [signed.pk]
    )
    assert refused_by_trigger(f"DELETE FROM {SIGNATURE} WHERE pledge_id = %s AND sequence = 2", [signed.pk])
    assert verification_of(signed).intact


@postgres_only
def test_the_database_allows_state_changes_of_a_frozen_pledge(signed):
    assert not refused_by_trigger(
        f"UPDATE {PLEDGE} SET state = 'complete', completed_at = NOW() WHERE id = %s", [signed.pk]
    )
    assert not refused_by_trigger(f"UPDATE {PLEDGE} SET state = 'closed' WHERE id = %s", [signed.pk])
    assert Pledge.objects.get(pk=signed.pk).state == PledgeState.CLOSED


@postgres_only
def test_the_database_lets_a_draft_be_edited(world):
    draft = PledgeFactory(campaign=CampaignFactory(bloc=world.bloc))
    pledge_item_add(pledge=draft, content="Nội dung 1", actor=None)
    assert not refused_by_trigger(f"UPDATE {PLEDGE} SET title = 'Tiêu đề mới' WHERE id = %s", [draft.pk])
    assert not refused_by_trigger(
        f"INSERT INTO {ITEM} (pledge_id, position, content, indicator, unit_of_measure, comparison) "
        "VALUES (%s, 2, 'Nội dung 2', '', '', 'gte')",
        [draft.pk],
    )
    assert not refused_by_trigger(
        f"UPDATE {ITEM} SET content = 'Sửa' WHERE pledge_id = %s AND position = 1", [draft.pk]
    )
    assert not refused_by_trigger(f"DELETE FROM {ITEM} WHERE pledge_id = %s AND position = 2", [draft.pk])
    assert list(draft.items.values_list("content", flat=True)) == ["Sửa"]
    assert Pledge.objects.get(pk=draft.pk).title == "Tiêu đề mới"


def test_nobody_signs_a_tampered_pledge(world):
    from django.core.exceptions import ValidationError

    pledge = PledgeFactory(campaign=CampaignFactory(bloc=world.bloc), title="Giao ước thi đua năm")
    pledge_item_add(pledge=pledge, content="Huấn luyện giỏi", actor=None)
    pledge_open(pledge=pledge, actor=world.secretary)
    pledge_sign(pledge=pledge, unit=world.unit_a, password=PASSWORD, actor=world.leader)
    tamper("UPDATE campaigns_pledgeitem SET content = %s WHERE pledge_id = %s", ["Đã sửa", pledge.pk])

    with pytest.raises(ValidationError) as exc:
        pledge_sign(pledge=pledge, unit=world.unit_b, password=PASSWORD, actor=leader_for(world.unit_b))
    assert "không còn khớp" in str(exc.value) and "Mục 1" in str(exc.value)
    with pytest.raises(ValidationError):
        pledge_witness_sign(pledge=pledge, password=PASSWORD, actor=world.observer)
    assert pledge.signatures.count() == 1
