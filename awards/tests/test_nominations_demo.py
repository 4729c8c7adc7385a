"""The demo award proposals: from Cụm thi đua số 6's 2024 tổng kết, Trường Quân sự Bộ Tư lệnh
Thủ đô is proposed for the cluster's flag with every rule explained; a nomination breaking the
quota is refused unless justified; the demo runs again without duplicating anything."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from awards.models import AwardDecision, AwardRecord, Nomination, NominationList, Review
from blocs.models import Unit, User
from campaigns.models import Campaign
from scoring.models import RankingEntry, RankingSnapshot
from thidua.demo.awards import seed_awards
from thidua.demo.campaigns import seed_campaigns
from thidua.demo.organisation import seed_organisation

RANKINGS = {
    "Cụm thi đua số 6": (
        "TQS-BTLTD",
        date(2024, 11, 1),
        [
            ("TQS-BTLTD", 1, "Xuất sắc", "93.4"),
            ("SD301", 2, "Xuất sắc", "91.1"),
            ("TRD452", 3, "Tốt", "86"),
            ("CT-HATHANH", 4, "Tốt", "82"),
        ],
    ),
    "Khối thi đua số 2": (
        "QK1",
        date(2025, 1, 16),
        [
            ("QK1", 1, "Xuất sắc", "94.2"),
            ("BTLTD", 2, "Xuất sắc", "92.8"),
            ("QK2", 3, "Tốt", "88.5"),
            ("QK4", 4, "Tốt", "88"),
            ("QK3", 5, "Tốt", "86"),
            ("QK5", 6, "Tốt", "84.75"),
            ("QK9", 7, "Khá", "76.1"),
            ("QK7", 8, "Tốt", "83", True),
        ],
    ),
}


def close_review(bloc_name: str, *, state: str = "closed") -> Review:
    leading, held_on, rows = RANKINGS[bloc_name]
    campaign = Campaign.objects.get(bloc__name=bloc_name, year=2024)
    snapshot = RankingSnapshot.objects.create(
        campaign=campaign, period="year", content_hash="c" * 64, made_by=User.objects.get(username="admin")
    )
    for position, (code, rank, classification, total, *disqualified) in enumerate(rows, start=1):
        unit = Unit.objects.get(code=code)
        RankingEntry.objects.create(
            snapshot=snapshot,
            unit=unit,
            unit_name=unit.name,
            position=position,
            rank=rank,
            total=Decimal(total),
            classification=classification,
            disqualified=bool(disqualified),
        )
    return Review.objects.create(
        campaign=campaign,
        kind="tong_ket",
        held_on=held_on,
        place="Hội trường",
        state=state,
        snapshot=snapshot,
        leading_unit=Unit.objects.get(code=leading),
    )


@pytest.fixture
def demo(db):
    seed_organisation()
    seed_campaigns()


def test_cluster_6_proposes_the_military_school_for_its_flag_and_explains_every_rule(demo, client):
    review = close_review("Cụm thi đua số 6")
    seed_awards()
    flag = Nomination.objects.get(nomination_list__review=review, title__is_flag=True)
    assert flag.unit.code == "TQS-BTLTD" and flag.basis == "leading" and flag.passes
    assert flag.title.name == "Cờ thi đua của quân khu, quân chủng, tổng cục và tương đương"
    assert [c["text"] for c in flag.checks] == [
        "Là đơn vị dẫn đầu năm 2024: đạt",
        "Không vi phạm tiêu chí phủ quyết: đạt",
        "Được đề nghị Đơn vị Quyết thắng năm 2024 trong cùng danh sách (chờ quyết định): đạt",
        "Không có vụ việc kỷ luật, thanh tra, khiếu nại đang xem xét: đạt",
    ]
    client.force_login(User.objects.get(username="thuky.c6"))
    page = client.get(reverse("awards:nominations", args=[review.pk])).content.decode()
    assert "Trường Quân sự Bộ Tư lệnh Thủ đô – Cờ thi đua" in page
    assert "Là đơn vị dẫn đầu năm 2024: đạt" in page


def test_the_over_quota_nomination_was_refused_then_kept_with_a_justification(demo):
    review = close_review("Cụm thi đua số 6")
    seed_awards()
    extra = Nomination.objects.get(
        nomination_list__review=review, unit__code="SD301", title__name="Đơn vị Quyết thắng"
    )
    failed = [c["text"] for c in extra.checks if not c["passed"]]
    assert failed == [
        "Vượt chỉ tiêu: đề nghị thứ 2 khi chỉ có 1 suất (20% của 4 đơn vị thành viên = 0,8, làm tròn xuống 0; "
        "được ít nhất 1 suất → 1 suất): không đạt"
    ]
    assert extra.justification.startswith("Sư đoàn Bộ binh 301 là cụm trưởng năm 2024")
    assert extra.state == "rejected" and extra.decision_reason.startswith("Định mức Đơn vị Quyết thắng")
    decision = AwardDecision.objects.get(nomination_list__review=review)
    assert decision.records.filter(unit__code="TQS-BTLTD", title__is_flag=True).exists()
    assert not decision.records.filter(unit__code="SD301", title__name="Đơn vị Quyết thắng").exists()


def test_both_blocs_get_a_decision_and_a_second_run_adds_nothing(demo):
    close_review("Cụm thi đua số 6")
    close_review("Khối thi đua số 2")
    seed_awards()
    counts = (
        NominationList.objects.count(),
        Nomination.objects.count(),
        AwardDecision.objects.count(),
        AwardRecord.objects.count(),
    )
    assert counts[0] == 2 and counts[2] == 2
    assert set(NominationList.objects.values_list("state", flat=True)) == {"decided"}
    qk1 = AwardRecord.objects.filter(unit__code="QK1").values_list("title__name", flat=True)
    assert set(qk1) == {"Cờ thi đua của Bộ Quốc phòng", "Đơn vị Quyết thắng"}
    qk7 = Nomination.objects.get(unit__code="QK7", basis="manual")
    assert not qk7.passes and qk7.justification and qk7.state == "rejected"
    seed_awards()
    assert (
        NominationList.objects.count(),
        Nomination.objects.count(),
        AwardDecision.objects.count(),
        AwardRecord.objects.count(),
    ) == counts


def test_a_bloc_whose_review_is_not_closed_is_skipped(demo):
    close_review("Cụm thi đua số 6", state="held")
    seed_awards()
    assert not NominationList.objects.exists()
