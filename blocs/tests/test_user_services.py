"""Services for users and their roles, called directly."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client

from blocs.models import Assignment, AuditEvent, User
from blocs.services.users import (
    assignment_add,
    assignment_remove,
    user_create,
    user_sessions_end,
    user_update,
)

pytestmark = pytest.mark.django_db

PASSWORD = "Trung-doan-841"


def _sessions_of(user: User) -> int:
    return sum(s.get_decoded().get("_auth_user_id") == str(user.pk) for s in Session.objects.all())


def test_user_create_stores_nfc_text_and_records_the_change(world):
    decomposed = "Nguye\u0302\u0303n  Va\u0306n A"  # as some keyboards send it
    user = user_create(username="nva", full_name=decomposed, password=PASSWORD, actor=world.admin)
    assert user.full_name == "Nguyễn Văn A"
    assert user.check_password(PASSWORD) and not user.is_staff
    event = AuditEvent.objects.get(kind="change")
    assert (event.summary, event.actor, event.username) == ("Tạo người dùng nva", world.admin, "admin")


def test_user_create_makes_admins_staff_for_the_admin_site(world):
    user = user_create(
        username="qt2", full_name="Quản trị 2", is_superuser=True, password=PASSWORD, actor=world.admin
    )
    assert user.is_staff


def test_user_create_refuses_a_weak_password(world):
    with pytest.raises(ValidationError):
        user_create(username="nva", full_name="A", password="12345", actor=world.admin)
    assert not User.objects.filter(username="nva").exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("username", ["leader", "LEADER", "Leader"])
def test_user_create_refuses_a_username_taken_in_any_case(world, username):
    with pytest.raises(ValidationError) as error:
        user_create(username=username, full_name="A", password=PASSWORD, actor=world.admin)
    assert "username" in error.value.message_dict
    assert User.objects.filter(username__iexact="leader").count() == 1


def test_user_create_refuses_unknown_fields(world):
    with pytest.raises(TypeError):
        user_create(username="nva", password=PASSWORD, is_staff=True, actor=world.admin)


def test_user_update_records_which_fields_changed(world):
    user_update(user=world.leader, full_name="Lê Văn Tám", rank=world.leader.rank, actor=world.admin)
    event = AuditEvent.objects.get(kind="change")
    assert event.data == {"fields": ["full_name"], "sessions_ended": 0}


def test_user_update_lets_a_user_keep_their_own_username_case_check(world):
    user = user_update(user=world.leader, username="leader", actor=world.admin)
    assert user.username == "leader"
    with pytest.raises(ValidationError):
        user_update(user=world.leader, username="Officer", actor=world.admin)


@pytest.mark.parametrize("change", [{"is_active": False}, {"is_superuser": False}])
def test_admin_cannot_lock_or_demote_themself(world, change):
    with pytest.raises(ValidationError, match="Không thể tự khóa"):
        user_update(user=world.admin, actor=world.admin, **change)
    world.admin.refresh_from_db()
    assert world.admin.is_active and world.admin.is_superuser


def test_admin_can_demote_another_admin(world):
    other = user_create(
        username="qt2", full_name="Quản trị 2", is_superuser=True, password=PASSWORD, actor=world.admin
    )
    other = user_update(user=other, is_superuser=False, actor=world.admin)
    assert not other.is_superuser and not other.is_staff


def test_locking_a_user_ends_their_sessions_only(world):
    for user in (world.leader, world.leader, world.officer):
        Client().force_login(user)
    assert _sessions_of(world.leader) == 2
    user_update(user=world.leader, is_active=False, actor=world.admin)
    assert _sessions_of(world.leader) == 0
    assert _sessions_of(world.officer) == 1
    assert AuditEvent.objects.get(kind="change").data["sessions_ended"] == 2


def test_saving_an_already_locked_user_ends_no_session(world):
    world.leader.is_active = False
    world.leader.save()
    Client().force_login(world.leader)  # force_login ignores is_active
    user_update(user=world.leader, is_active=False, rank="Đại tá", actor=world.admin)
    assert _sessions_of(world.leader) == 1


def test_user_sessions_end_counts_what_it_ended(world):
    Client().force_login(world.secretary)
    assert user_sessions_end(user=world.secretary) == 1
    assert user_sessions_end(user=world.secretary) == 0


def test_user_update_sets_a_new_password_after_validating_it(world):
    with pytest.raises(ValidationError):
        user_update(user=world.leader, password="abc", actor=world.admin)
    world.leader.refresh_from_db()
    assert world.leader.check_password("Mat-khau-123")
    user_update(user=world.leader, password=PASSWORD, actor=world.admin)
    world.leader.refresh_from_db()
    assert world.leader.check_password(PASSWORD)
    assert AuditEvent.objects.get(kind="change").data["fields"] == ["password"]


def test_assignment_add_needs_the_target_its_role_names(world):
    with pytest.raises(ValidationError) as error:
        assignment_add(user=world.nobody, role="secretary", unit=world.unit_a, actor=world.admin)
    assert list(error.value.message_dict) == ["bloc"]
    with pytest.raises(ValidationError) as error:
        assignment_add(user=world.nobody, role="leader", bloc=world.bloc, actor=world.admin)
    assert list(error.value.message_dict) == ["unit"]
    assert not Assignment.objects.filter(user=world.nobody).exists()


def test_assignment_add_keeps_witness_flag_for_observers_only(world):
    observer = assignment_add(
        user=world.nobody, role="observer", bloc=world.other_bloc, can_witness=True, actor=world.admin
    )
    leader = assignment_add(
        user=world.nobody, role="leader", unit=world.unit_b, can_witness=True, actor=world.admin
    )
    assert observer.can_witness and not leader.can_witness
    assert observer.unit is None and leader.bloc is None


def test_assignment_add_refuses_a_duplicate(world):
    with pytest.raises(ValidationError, match="đã có vai trò này ở khối/cụm này"):
        assignment_add(user=world.secretary, role="secretary", bloc=world.bloc, actor=world.admin)
    assert world.secretary.assignments.count() == 1


def test_assignment_remove_records_what_was_removed(world):
    assignment = world.officer.assignments.get()
    assignment_remove(assignment=assignment, actor=world.admin)
    assert not world.officer.assignments.exists()
    event = AuditEvent.objects.get(kind="change")
    assert event.summary == f"Bỏ vai trò: {world.officer} – Cán bộ đơn vị – Quân khu 1"
