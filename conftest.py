"""Project-wide pytest fixtures: personas for every role, plus an outsider."""

from __future__ import annotations

import pytest

from blocs.tests.factories import (
    AssignmentFactory,
    BlocFactory,
    MembershipFactory,
    UnitFactory,
    UserFactory,
)


@pytest.fixture(autouse=True)
def _fast_settings(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.AXES_ENABLED = True


class World:
    """Two blocs with members and one user per role; `outsider` leads a unit of the other bloc."""

    def __init__(self):
        self.root = UnitFactory(code="ROOT", name="Bộ Quốc phòng", echelon="bo")
        self.unit_a = UnitFactory(code="QK1", name="Quân khu 1", parent=self.root)
        self.unit_b = UnitFactory(code="QK2", name="Quân khu 2", parent=self.root)
        self.unit_c = UnitFactory(code="QK3", name="Quân khu 3", parent=self.root)
        self.child_a = UnitFactory(code="SD3", name="Sư đoàn 3", parent=self.unit_a)
        self.other_unit = UnitFactory(code="SD301", name="Sư đoàn 301", parent=self.root)
        self.bloc = BlocFactory(name="Khối thi đua số 2", organiser=self.root)
        self.other_bloc = BlocFactory(name="Cụm thi đua số 6", kind="cum", organiser=self.root)
        for unit in (self.unit_a, self.unit_b, self.unit_c):
            MembershipFactory(bloc=self.bloc, unit=unit)
        MembershipFactory(bloc=self.other_bloc, unit=self.other_unit)

        self.admin = UserFactory(username="admin", is_superuser=True, is_staff=True)
        self.secretary = UserFactory(username="secretary")
        AssignmentFactory(user=self.secretary, role="secretary", bloc=self.bloc)
        self.observer = UserFactory(username="observer")
        AssignmentFactory(user=self.observer, role="observer", bloc=self.bloc, can_witness=True)
        self.leader = UserFactory(username="leader")
        AssignmentFactory(user=self.leader, role="leader", unit=self.unit_a)
        self.officer = UserFactory(username="officer")
        AssignmentFactory(user=self.officer, role="officer", unit=self.unit_a)
        self.other_secretary = UserFactory(username="other_secretary")
        AssignmentFactory(user=self.other_secretary, role="secretary", bloc=self.other_bloc)
        self.outsider = UserFactory(username="outsider")
        AssignmentFactory(user=self.outsider, role="leader", unit=self.other_unit)
        self.nobody = UserFactory(username="nobody")

    def persona(self, name: str):
        return getattr(self, name)


@pytest.fixture
def world(db) -> World:
    return World()


@pytest.fixture
def client_for(client):
    """Log a persona in: `client_for(world.secretary)`."""

    def login(user):
        client.force_login(user)
        return client

    return login
