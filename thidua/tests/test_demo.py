"""The demo data: the real blocs with their members and chairs, loaded idempotently."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from blocs.models import Assignment, Bloc, ChairTerm, Membership, Unit, User

pytestmark = pytest.mark.django_db


def _members(bloc_name: str) -> set[str]:
    return set(
        Membership.objects.filter(bloc__name=bloc_name, left_on__isnull=True).values_list(
            "unit__code", flat=True
        )
    )


def test_seed_demo_loads_the_real_blocs(capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "Demo@2024" in out and "thuky.k2" in out

    assert _members("Khối thi đua số 2") == {"QK1", "QK2", "QK3", "QK4", "QK5", "QK7", "QK9", "BTLTD"}
    assert _members("Cụm thi đua số 6") == {"SD301", "TQS-BTLTD", "CT-HATHANH", "TRD452"}
    assert _members("Cụm thi đua số 2") == {
        "HN-PHULY", "HN-DUYTIEN", "HN-KIMBANG", "HN-LYNHAN", "HN-THANHLIEM", "HN-BINHLUC", "TRD151",
    }  # fmt: skip
    k2 = Bloc.objects.get(name="Khối thi đua số 2")
    assert (k2.decision_number, k2.decision_date.isoformat(), k2.organiser.code) == (
        "1200/QĐ-BQP",
        "2024-03-29",
        "BQP",
    )
    chairs = dict(ChairTerm.objects.filter(bloc=k2).values_list("year", "chair__code"))
    assert chairs == {2024: "QK1", 2025: "BTLTD"}  # 2025: the handover at the demo tổng kết
    c6 = dict(ChairTerm.objects.filter(bloc__name="Cụm thi đua số 6").values_list("year", "chair__code"))
    assert c6 == {2024: "SD301", 2025: "TQS-BTLTD"}
    # The unit tree above them.
    assert Unit.objects.get(code="HN-KIMBANG").ancestors() == [
        Unit.objects.get(code="BQP"),
        Unit.objects.get(code="QK3"),
        Unit.objects.get(code="BCHQS-HANAM"),
    ]


def test_seed_demo_is_idempotent():
    call_command("seed_demo", quiet_logins=True)
    counts = [
        Unit.objects.count(),
        Bloc.objects.count(),
        Membership.objects.count(),
        ChairTerm.objects.count(),
        User.objects.count(),
        Assignment.objects.count(),
    ]
    call_command("seed_demo", quiet_logins=True)
    assert counts == [
        Unit.objects.count(),
        Bloc.objects.count(),
        Membership.objects.count(),
        ChairTerm.objects.count(),
        User.objects.count(),
        Assignment.objects.count(),
    ]


def test_demo_has_a_user_for_every_role():
    call_command("seed_demo", quiet_logins=True)
    assert User.objects.filter(username="admin", is_superuser=True).exists()
    roles = set(Assignment.objects.values_list("role", flat=True))
    assert roles == {"secretary", "observer", "leader", "officer"}
    # Every member unit of every bloc has a leader who can sign for it.
    member_units = set(Membership.objects.values_list("unit_id", flat=True))
    led_units = set(Assignment.objects.filter(role="leader").values_list("unit_id", flat=True))
    assert member_units <= led_units


def test_demo_pledges_are_signed_and_intact():
    from datetime import date

    from campaigns.integrity import verify_pledge
    from campaigns.models import Campaign, Pledge

    call_command("seed_demo", quiet_logins=True)
    pledge = Pledge.objects.get(
        campaign__bloc__name="Khối thi đua số 2", title="Giao ước thi đua 6 tháng cuối năm 2024"
    )
    members = pledge.signatures.filter(kind="member")
    assert members.count() >= 6  # signed by most of the 8 members
    assert pledge.signatures.filter(kind="witness").count() == 1
    assert verify_pledge(pledge, list(pledge.signatures.order_by("sequence"))).verdict == "nguyên vẹn"

    sd390 = Campaign.objects.get(bloc__memberships__unit__code="SD390", year=2024)
    assert sd390.theme == "Đoàn kết, mẫu mực, kỷ cương, chủ động, sáng tạo, quyết thắng"
    drive = sd390.drives.get()
    assert (drive.name, drive.starts_on, drive.ends_on) == (
        "Mừng Đảng, mừng xuân, ra quân quyết thắng",
        date(2024, 1, 8),
        date(2024, 2, 29),
    )
    # Invented members of the demo bloc say so in their names.
    invented = sd390.bloc.memberships.exclude(unit__code="SD390").values_list("unit__name", flat=True)
    assert invented and all("(mẫu)" in name for name in invented)


def test_demo_cluster_6_elects_the_military_school_and_hands_it_the_2025_chair():
    from awards.models import AwardRecord, Election, Review

    call_command("seed_demo", quiet_logins=True)
    review = Review.objects.get(campaign__bloc__name="Cụm thi đua số 6", campaign__year=2024, kind="tong_ket")
    assert (review.state, review.held_on.isoformat()) == ("closed", "2024-11-01")
    assert review.leading_unit.code == "TQS-BTLTD"
    assert review.snapshot.entries.order_by("position").first().unit.code == "TQS-BTLTD"
    assert Election.objects.get(review=review).winner.code == "TQS-BTLTD"
    chair = ChairTerm.objects.get(bloc__name="Cụm thi đua số 6", year=2025)
    assert (chair.chair.code, chair.deputy.code) == ("TQS-BTLTD", "SD301")
    assert AwardRecord.objects.filter(unit__code="TQS-BTLTD", year=2024, title__is_flag=True).exists()


def test_demo_bloc_2_holds_both_reviews_and_never_gives_the_chair_twice_in_a_row():
    from awards.models import Review

    call_command("seed_demo", quiet_logins=True)
    reviews = Review.objects.filter(campaign__bloc__name="Khối thi đua số 2", campaign__year=2024)
    assert sorted(reviews.values_list("kind", "state")) == [("so_ket", "closed"), ("tong_ket", "closed")]
    assert reviews.get(kind="tong_ket").leading_unit.code == "QK1"
    chair_2025 = ChairTerm.objects.get(bloc__name="Khối thi đua số 2", year=2025)
    assert chair_2025.chair.code != "QK1"  # QK1 chaired 2024


def test_seed_demo_twice_adds_no_review_vote_or_award():
    from awards.models import AwardDecision, Ballot, Nomination, Review

    call_command("seed_demo", quiet_logins=True)
    counts = [m.objects.count() for m in (Review, Ballot, Nomination, AwardDecision)]
    call_command("seed_demo", quiet_logins=True)
    assert counts == [m.objects.count() for m in (Review, Ballot, Nomination, AwardDecision)]
