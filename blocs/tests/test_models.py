"""Models of the organisation: database constraints, who sees what, the append-only audit
trail, and the unit tree's materialised paths."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from blocs.models import Assignment, AuditEvent, Bloc, ChairTerm, Membership, Unit
from blocs.services.audit import audit_record
from blocs.services.units import unit_create, unit_update
from blocs.tests.factories import BlocFactory, ChairTermFactory, MembershipFactory, UnitFactory, UserFactory


def refused_by_database(create) -> bool:
    try:
        with transaction.atomic():
            create()
    except IntegrityError:
        return True
    return False


# --- Constraints -------------------------------------------------------------------------------


def test_a_unit_holds_one_open_membership_per_bloc(world):
    assert refused_by_database(
        lambda: Membership.objects.create(bloc=world.bloc, unit=world.unit_a, joined_on=date(2025, 1, 1))
    )
    with pytest.raises(ValidationError) as exc:
        Membership(bloc=world.bloc, unit=world.unit_a, joined_on=date(2025, 1, 1)).full_clean()
    assert "Đơn vị này đang là thành viên của khối/cụm." in exc.value.messages


def test_closed_memberships_of_the_same_unit_may_repeat(world):
    Membership.objects.filter(bloc=world.bloc, unit=world.unit_a).update(left_on=date(2021, 1, 1))
    Membership.objects.create(
        bloc=world.bloc, unit=world.unit_a, joined_on=date(2022, 1, 1), left_on=date(2023, 1, 1)
    )
    Membership.objects.create(bloc=world.bloc, unit=world.unit_a, joined_on=date(2024, 1, 1))
    assert Membership.objects.filter(bloc=world.bloc, unit=world.unit_a).count() == 3


def test_a_membership_cannot_end_before_it_begins(world):
    unit = UnitFactory()
    assert refused_by_database(
        lambda: Membership.objects.create(
            bloc=world.bloc, unit=unit, joined_on=date(2024, 5, 1), left_on=date(2024, 4, 30)
        )
    )
    with pytest.raises(ValidationError) as exc:
        Membership(
            bloc=world.bloc, unit=unit, joined_on=date(2024, 5, 1), left_on=date(2024, 4, 30)
        ).full_clean()
    assert "Ngày rời phải sau hoặc bằng ngày tham gia." in exc.value.messages
    Membership.objects.create(
        bloc=world.bloc, unit=unit, joined_on=date(2024, 5, 1), left_on=date(2024, 5, 1)
    )


def test_one_chair_term_per_bloc_and_year(world):
    ChairTermFactory(bloc=world.bloc, year=2024, chair=world.unit_a)
    assert refused_by_database(
        lambda: ChairTerm.objects.create(bloc=world.bloc, year=2024, chair=world.unit_b)
    )
    with pytest.raises(ValidationError) as exc:
        ChairTerm(bloc=world.bloc, year=2024, chair=world.unit_b).full_clean()
    assert "Khối/cụm đã có đơn vị trưởng cho năm này." in exc.value.messages
    ChairTerm.objects.create(bloc=world.other_bloc, year=2024, chair=world.other_unit)


def test_chair_and_deputy_differ(world):
    assert refused_by_database(
        lambda: ChairTerm.objects.create(bloc=world.bloc, year=2024, chair=world.unit_a, deputy=world.unit_a)
    )
    with pytest.raises(ValidationError) as exc:
        ChairTerm(bloc=world.bloc, year=2024, chair=world.unit_a, deputy=world.unit_a).full_clean()
    assert "Đơn vị trưởng và đơn vị phó phải là hai đơn vị khác nhau." in exc.value.messages
    ChairTerm.objects.create(bloc=world.bloc, year=2024, chair=world.unit_a)  # no deputy is fine


def test_chair_term_year_is_in_range(world):
    assert refused_by_database(
        lambda: ChairTerm.objects.create(bloc=world.bloc, year=1900, chair=world.unit_a)
    )


@pytest.mark.parametrize(
    ("role", "target"),
    [("secretary", "unit"), ("observer", "unit"), ("leader", "bloc"), ("officer", "bloc"), ("leader", None)],
)
def test_an_assignment_targets_what_its_role_needs(world, role, target):
    user = UserFactory()
    fields = {"bloc": world.bloc} if target == "bloc" else {"unit": world.unit_a} if target == "unit" else {}
    assert refused_by_database(lambda: Assignment.objects.create(user=user, role=role, **fields))
    with pytest.raises(ValidationError) as exc:
        Assignment(user=user, role=role, **fields).full_clean()
    assert (
        "Cán bộ thi đua và người theo dõi gắn với khối/cụm; chỉ huy và cán bộ đơn vị gắn với đơn vị."
        in exc.value.messages
    )


def test_an_assignment_with_both_a_bloc_and_a_unit_is_refused(world):
    user = UserFactory()
    assert refused_by_database(
        lambda: Assignment.objects.create(user=user, role="secretary", bloc=world.bloc, unit=world.unit_a)
    )


def test_a_role_is_given_once_per_bloc_or_unit(world):
    assert refused_by_database(
        lambda: Assignment.objects.create(user=world.secretary, role="secretary", bloc=world.bloc)
    )
    assert refused_by_database(
        lambda: Assignment.objects.create(user=world.leader, role="leader", unit=world.unit_a)
    )


def test_a_unit_code_is_unique_and_not_empty(world):
    assert refused_by_database(lambda: Unit.objects.create(code="QK1", name="Trùng mã"))
    assert refused_by_database(lambda: Unit.objects.create(code="", name="Không mã"))


def test_names_are_stored_in_nfc_with_search_and_sort_keys(world):
    bloc = BlocFactory(name="Khối  thi đua số 8".replace("ố", "o\u0302\u0301"), organiser=world.root)
    assert bloc.name == "Khối thi đua số 8"
    assert bloc.search_key == "khoi thi dua so 8"
    assert list(Bloc.objects.search("KHỐI THI ĐUA SỐ 8")) == [bloc]


# --- Who sees what -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("admin", {"bloc", "other_bloc"}),
        ("secretary", {"bloc"}),
        ("observer", {"bloc"}),
        ("leader", {"bloc"}),
        ("officer", {"bloc"}),
        ("other_secretary", {"other_bloc"}),
        ("outsider", {"other_bloc"}),
        ("nobody", set()),
    ],
)
def test_blocs_visible_to_each_persona(world, persona, expected):
    visible = set(Bloc.objects.visible_to(world.persona(persona)))
    assert visible == {getattr(world, name) for name in expected}


def test_a_leader_still_sees_the_bloc_his_unit_left(world):
    Membership.objects.filter(bloc=world.bloc, unit=world.unit_a).update(left_on=date(2023, 1, 1))
    assert list(Bloc.objects.visible_to(world.leader)) == [world.bloc]


def test_anonymous_users_see_no_bloc_and_no_unit(world):
    from django.contrib.auth.models import AnonymousUser

    assert not Bloc.objects.visible_to(AnonymousUser()).exists()
    assert not Unit.objects.visible_to(AnonymousUser()).exists()


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("admin", {"root", "unit_a", "unit_b", "unit_c", "child_a", "other_unit"}),
        # Member units of the bloc and its organiser.
        ("secretary", {"root", "unit_a", "unit_b", "unit_c"}),
        ("observer", {"root", "unit_a", "unit_b", "unit_c"}),
        # Own unit with what lies under it, plus the units of the bloc it belongs to.
        ("leader", {"root", "unit_a", "unit_b", "unit_c", "child_a"}),
        ("officer", {"root", "unit_a", "unit_b", "unit_c", "child_a"}),
        ("other_secretary", {"root", "other_unit"}),
        ("outsider", {"root", "other_unit"}),
        ("nobody", set()),
    ],
)
def test_units_visible_to_each_persona(world, persona, expected):
    visible = set(Unit.objects.visible_to(world.persona(persona)))
    assert visible == {getattr(world, name) for name in expected}


# --- The audit trail ---------------------------------------------------------------------------


def test_audit_events_are_append_only(world):
    event = audit_record(kind=AuditEvent.Kind.CHANGE, summary="Thử", actor=world.admin)
    event.summary = "Sửa lại"
    with pytest.raises(PermissionError, match="chỉ được ghi thêm"):
        event.save()
    with pytest.raises(PermissionError, match="chỉ được ghi thêm"):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(summary="Sửa lại")
    assert AuditEvent.objects.get(pk=event.pk).summary == "Thử"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is checked on PostgreSQL")
def test_postgresql_refuses_a_raw_update_or_delete_of_an_audit_event(world):
    from django.db import DatabaseError

    event = audit_record(kind=AuditEvent.Kind.CHANGE, summary="Thử", actor=world.admin)
    for sql in (
        "UPDATE blocs_auditevent SET summary = 'Sửa lại' WHERE id = %s",
        "DELETE FROM blocs_auditevent WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="chỉ được ghi thêm"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).summary == "Thử"


# --- The unit tree -----------------------------------------------------------------------------


def test_unit_create_sets_path_and_depth(world):
    top = unit_create(code="T", name="Cấp trên", actor=world.admin)
    child = unit_create(code="C", name="Cấp dưới", parent=top, actor=world.admin)
    assert (top.path, top.depth) == (f"/{top.pk}/", 0)
    assert (child.path, child.depth) == (f"/{top.pk}/{child.pk}/", 1)


def test_moving_a_unit_re_roots_its_whole_subtree(world):
    regiment = UnitFactory(code="TRD1", name="Trung đoàn 1", parent=world.child_a)
    battalion = UnitFactory(code="TD1", name="Tiểu đoàn 1", parent=regiment)
    unit_update(unit=world.child_a, parent=world.unit_b, actor=world.admin)

    root, unit_b = world.root.pk, world.unit_b.pk
    paths = {u.code: (u.path, u.depth) for u in Unit.objects.filter(code__in=["SD3", "TRD1", "TD1", "QK1"])}
    assert paths == {
        "QK1": (f"/{root}/{world.unit_a.pk}/", 1),
        "SD3": (f"/{root}/{unit_b}/{world.child_a.pk}/", 2),
        "TRD1": (f"/{root}/{unit_b}/{world.child_a.pk}/{regiment.pk}/", 3),
        "TD1": (f"/{root}/{unit_b}/{world.child_a.pk}/{regiment.pk}/{battalion.pk}/", 4),
    }
    # The leader of Quân khu 1 no longer sees what moved away; the subtree follows its new parent.
    assert battalion not in Unit.objects.visible_to(world.leader)


def test_moving_a_unit_to_the_top_level(world):
    unit_update(unit=world.child_a, parent=None, actor=world.admin)
    world.child_a.refresh_from_db()
    assert (world.child_a.path, world.child_a.depth) == (f"/{world.child_a.pk}/", 0)


def test_a_unit_cannot_move_under_its_own_descendant(world):
    with pytest.raises(ValidationError) as exc:
        unit_update(unit=world.unit_a, parent=world.child_a, actor=world.admin)
    assert exc.value.message_dict["parent"] == [
        "Đơn vị cấp trên không được là chính nó hoặc đơn vị cấp dưới của nó."
    ]
    world.unit_a.refresh_from_db()
    assert world.unit_a.parent == world.root


def test_ancestors_follow_the_path(world):
    assert world.child_a.ancestors() == [world.root, world.unit_a]


def test_memberships_current_and_during_year(world):
    unit = UnitFactory()
    membership = MembershipFactory(
        bloc=world.bloc, unit=unit, joined_on=date(2022, 7, 1), left_on=date(2023, 6, 30)
    )
    assert membership in Membership.objects.during_year(2022)
    assert membership in Membership.objects.during_year(2023)
    assert membership not in Membership.objects.during_year(2024)
    assert membership in Membership.objects.current(date(2023, 6, 30))
    assert membership not in Membership.objects.current(date(2023, 7, 1))
