"""Services of blocs, memberships and chair terms: the rules and their Vietnamese messages."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from blocs.models import AuditEvent, Bloc, ChairTerm, Membership
from blocs.services.organisation import (
    bloc_create,
    bloc_update,
    chair_term_delete,
    chair_term_set,
    membership_add,
    membership_end,
)
from blocs.tests.factories import ChairTermFactory, MembershipFactory, UnitFactory


def messages_for(exc: pytest.ExceptionInfo, field: str) -> list[str]:
    return exc.value.message_dict[field]


# --- Blocs ---------------------------------------------------------------------------------------


def test_bloc_create_normalises_text_and_records_an_audit_event(world):
    decomposed = "Khối thi đua số 7".replace("ố", "o\u0302\u0301")
    bloc = bloc_create(name=f"  {decomposed}  ", kind="khoi", organiser=world.root, actor=world.admin)
    assert bloc.name == "Khối thi đua số 7"
    assert bloc.search_key == "khoi thi dua so 7"
    assert AuditEvent.objects.filter(summary="Tạo Khối thi đua số 7", actor=world.admin).exists()


def test_bloc_create_refuses_a_duplicate_name_under_the_same_organiser(world):
    with pytest.raises(ValidationError) as exc:
        bloc_create(name="Khối thi đua số 2", kind="khoi", organiser=world.root, actor=world.admin)
    assert "Cấp tổ chức này đã có một khối/cụm cùng tên." in exc.value.messages
    assert Bloc.objects.filter(name="Khối thi đua số 2").count() == 1


def test_the_same_name_is_allowed_under_another_organiser(world):
    bloc = bloc_create(name="Khối thi đua số 2", kind="khoi", organiser=world.unit_a, actor=world.admin)
    assert bloc.pk != world.bloc.pk


def test_bloc_create_refuses_unknown_fields(world):
    with pytest.raises(TypeError):
        bloc_create(name="Khối X", organiser=world.root, colour="đỏ", actor=world.admin)


def test_bloc_update_changes_fields_and_records_an_audit_event(world):
    bloc = bloc_update(
        bloc=world.bloc, decision_number="1200/QĐ-BQP", decision_date=date(2024, 3, 29), actor=world.admin
    )
    bloc.refresh_from_db()
    assert (bloc.decision_number, bloc.decision_date) == ("1200/QĐ-BQP", date(2024, 3, 29))
    assert AuditEvent.objects.filter(summary="Sửa thông tin Khối thi đua số 2").exists()


def test_bloc_update_refuses_an_empty_name_and_saves_nothing(world):
    with pytest.raises(ValidationError) as exc:
        bloc_update(bloc=world.bloc, name="   ", actor=world.admin)
    assert "name" in exc.value.message_dict
    world.bloc.refresh_from_db()
    assert world.bloc.name == "Khối thi đua số 2"
    assert not AuditEvent.objects.filter(summary__startswith="Sửa thông tin").exists()


# --- Memberships -------------------------------------------------------------------------------


def test_membership_add_adds_an_open_membership_and_an_audit_event(world):
    unit = UnitFactory(name="Quân khu 5")
    membership = membership_add(
        bloc=world.bloc, unit=unit, joined_on=date(2024, 3, 29), note=" Theo  QĐ 1200 ", actor=world.admin
    )
    assert (membership.left_on, membership.note) == (None, "Theo QĐ 1200")
    assert AuditEvent.objects.filter(
        summary="Quân khu 5 tham gia Khối thi đua số 2 từ 29/03/2024", actor=world.admin
    ).exists()


def test_membership_add_refuses_a_current_member(world):
    with pytest.raises(ValidationError) as exc:
        membership_add(bloc=world.bloc, unit=world.unit_a, joined_on=date(2025, 1, 1), actor=world.admin)
    assert messages_for(exc, "unit") == ["Quân khu 1 đang là thành viên của Khối thi đua số 2."]
    assert Membership.objects.filter(bloc=world.bloc, unit=world.unit_a).count() == 1


def test_membership_add_refuses_a_rejoin_that_overlaps_the_earlier_membership(world):
    Membership.objects.filter(bloc=world.bloc, unit=world.unit_c).update(left_on=date(2024, 6, 30))
    with pytest.raises(ValidationError) as exc:
        membership_add(bloc=world.bloc, unit=world.unit_c, joined_on=date(2024, 6, 30), actor=world.admin)
    assert messages_for(exc, "joined_on") == [
        "Ngày tham gia phải sau ngày rời của lần tham gia trước của đơn vị này."
    ]


def test_a_unit_may_rejoin_after_it_left_and_keeps_its_history(world):
    Membership.objects.filter(bloc=world.bloc, unit=world.unit_c).update(left_on=date(2024, 6, 30))
    membership_add(bloc=world.bloc, unit=world.unit_c, joined_on=date(2024, 7, 1), actor=world.admin)
    spans = list(
        Membership.objects.filter(bloc=world.bloc, unit=world.unit_c)
        .order_by("joined_on")
        .values_list("joined_on", "left_on")
    )
    assert spans == [(date(2020, 1, 1), date(2024, 6, 30)), (date(2024, 7, 1), None)]


def test_membership_end_closes_the_membership_with_its_reason(world):
    membership = Membership.objects.get(bloc=world.bloc, unit=world.unit_c)
    membership_end(
        membership=membership,
        left_on=date(2025, 7, 1),
        reason="merged",
        note="Vào Quân khu 1",
        actor=world.admin,
    )
    membership.refresh_from_db()
    assert (membership.left_on, membership.leave_reason, membership.note) == (
        date(2025, 7, 1),
        "merged",
        "Vào Quân khu 1",
    )
    assert AuditEvent.objects.filter(summary="Quân khu 3 rời Khối thi đua số 2 ngày 01/07/2025").exists()


def test_membership_end_refuses_a_date_before_joining(world):
    membership = Membership.objects.get(bloc=world.bloc, unit=world.unit_c)
    with pytest.raises(ValidationError) as exc:
        membership_end(membership=membership, left_on=date(2019, 12, 31), actor=world.admin)
    assert messages_for(exc, "left_on") == ["Ngày rời phải sau hoặc bằng ngày tham gia."]
    membership.refresh_from_db()
    assert membership.left_on is None


def test_membership_end_on_the_joining_day_is_allowed(world):
    membership = Membership.objects.get(bloc=world.bloc, unit=world.unit_c)
    membership_end(membership=membership, left_on=membership.joined_on, actor=world.admin)
    membership.refresh_from_db()
    assert membership.left_on == date(2020, 1, 1)


def test_membership_end_refuses_a_membership_already_ended(world):
    membership = Membership.objects.get(bloc=world.bloc, unit=world.unit_c)
    membership_end(membership=membership, left_on=date(2024, 1, 1), actor=world.admin)
    with pytest.raises(ValidationError) as exc:
        membership_end(membership=membership, left_on=date(2025, 1, 1), actor=world.admin)
    assert messages_for(exc, "left_on") == ["Đơn vị đã rời khối/cụm trước đó."]
    membership.refresh_from_db()
    assert membership.left_on == date(2024, 1, 1)


def test_membership_end_refuses_an_unknown_reason(world):
    membership = Membership.objects.get(bloc=world.bloc, unit=world.unit_c)
    with pytest.raises(ValidationError) as exc:
        membership_end(membership=membership, left_on=date(2025, 1, 1), reason="bo-di", actor=world.admin)
    assert "leave_reason" in exc.value.message_dict
    membership.refresh_from_db()
    assert membership.left_on is None


# --- Chair terms -------------------------------------------------------------------------------


def test_chair_term_set_records_chair_and_deputy(world):
    term = chair_term_set(
        bloc=world.bloc,
        year=2025,
        chair=world.unit_a,
        deputy=world.unit_b,
        decided_on=date(2024, 11, 1),
        reason="Suy tôn",
        actor=world.admin,
    )
    assert (term.year, term.chair, term.deputy) == (2025, world.unit_a, world.unit_b)
    assert AuditEvent.objects.filter(
        summary="Khối thi đua số 2 năm 2025: trưởng Quân khu 1, phó: Quân khu 2"
    ).exists()


def test_chair_term_set_replaces_the_term_of_the_same_year(world):
    ChairTermFactory(bloc=world.bloc, year=2025, chair=world.unit_a, deputy=world.unit_b)
    chair_term_set(bloc=world.bloc, year=2025, chair=world.unit_c, actor=world.admin)
    assert list(ChairTerm.objects.filter(bloc=world.bloc).values_list("year", "chair_id", "deputy_id")) == [
        (2025, world.unit_c.pk, None)
    ]


def test_chair_and_deputy_must_differ(world):
    with pytest.raises(ValidationError) as exc:
        chair_term_set(bloc=world.bloc, year=2025, chair=world.unit_a, deputy=world.unit_a, actor=world.admin)
    assert messages_for(exc, "deputy") == ["Đơn vị trưởng và đơn vị phó phải là hai đơn vị khác nhau."]
    assert not ChairTerm.objects.exists()


def test_chair_must_be_a_member_during_the_year(world):
    with pytest.raises(ValidationError) as exc:
        chair_term_set(bloc=world.bloc, year=2019, chair=world.unit_a, actor=world.admin)
    assert messages_for(exc, "chair") == [
        "Quân khu 1 không là thành viên của Khối thi đua số 2 trong năm 2019."
    ]


def test_a_unit_of_another_bloc_cannot_chair(world):
    with pytest.raises(ValidationError) as exc:
        chair_term_set(bloc=world.bloc, year=2025, chair=world.other_unit, actor=world.admin)
    assert messages_for(exc, "chair") == [
        "Sư đoàn 301 không là thành viên của Khối thi đua số 2 trong năm 2025."
    ]


def test_deputy_must_be_a_member_during_the_year(world):
    Membership.objects.filter(bloc=world.bloc, unit=world.unit_b).update(left_on=date(2023, 12, 31))
    with pytest.raises(ValidationError) as exc:
        chair_term_set(bloc=world.bloc, year=2024, chair=world.unit_a, deputy=world.unit_b, actor=world.admin)
    assert messages_for(exc, "deputy") == [
        "Quân khu 2 không là thành viên của Khối thi đua số 2 trong năm 2024."
    ]


def test_a_unit_that_left_during_the_year_still_counts_for_that_year(world):
    Membership.objects.filter(bloc=world.bloc, unit=world.unit_b).update(left_on=date(2024, 3, 31))
    term = chair_term_set(bloc=world.bloc, year=2024, chair=world.unit_b, actor=world.admin)
    assert term.chair == world.unit_b


def test_a_unit_that_joined_late_in_the_year_counts_for_that_year(world):
    late = UnitFactory(name="Quân khu 7")
    MembershipFactory(bloc=world.bloc, unit=late, joined_on=date(2024, 12, 31))
    assert chair_term_set(bloc=world.bloc, year=2024, chair=late, actor=world.admin).chair == late
    with pytest.raises(ValidationError):
        chair_term_set(bloc=world.bloc, year=2023, chair=late, actor=world.admin)


def test_chair_term_year_out_of_range_is_refused(world):
    MembershipFactory(bloc=world.bloc, unit=UnitFactory(), joined_on=date(1900, 1, 1))
    member = Membership.objects.get(joined_on=date(1900, 1, 1)).unit
    with pytest.raises(ValidationError) as exc:
        chair_term_set(bloc=world.bloc, year=1900, chair=member, actor=world.admin)
    assert "Năm không hợp lệ." in exc.value.messages


def test_chair_term_delete_removes_the_term_and_records_it(world):
    term = ChairTermFactory(bloc=world.bloc, year=2024, chair=world.unit_a)
    chair_term_delete(term=term, actor=world.admin)
    assert not ChairTerm.objects.exists()
    assert AuditEvent.objects.filter(summary="Xóa nhiệm kỳ Khối thi đua số 2 năm 2024").exists()
