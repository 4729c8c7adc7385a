from __future__ import annotations

from datetime import date

import factory

from blocs.models import Assignment, Bloc, ChairTerm, Membership, Unit, User
from blocs.services.units import _path_for


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn {n}")
    rank = "Thiếu tá"
    position = "Trợ lý"
    password = factory.PostGenerationMethodCall("set_password", "Mat-khau-123")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"U{n:04d}")
    name = factory.Sequence(lambda n: f"Đơn vị {n}")
    echelon = "khac"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        unit = super()._create(model_class, *args, **kwargs)
        unit.path = _path_for(unit)
        unit.depth = unit.path.count("/") - 2
        Unit.objects.filter(pk=unit.pk).update(path=unit.path, depth=unit.depth)
        return unit


class BlocFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bloc

    name = factory.Sequence(lambda n: f"Khối thi đua số {n}")
    kind = "khoi"
    organiser = factory.SubFactory(UnitFactory)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    bloc = factory.SubFactory(BlocFactory)
    unit = factory.SubFactory(UnitFactory)
    joined_on = date(2020, 1, 1)


class ChairTermFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChairTerm

    bloc = factory.SubFactory(BlocFactory)
    year = 2024
    chair = factory.SubFactory(UnitFactory)


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    user = factory.SubFactory(UserFactory)
    role = "leader"
