"""Models of campaigns and pledges: constraints with their Vietnamese messages, and the Python
guards that keep an opened pledge, its parts and its signatures from being changed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from campaigns.models import (
    FROZEN_MESSAGE,
    Campaign,
    Drive,
    Pledge,
    PledgeItem,
    PledgeRegistration,
    PledgeSignature,
    PledgeState,
)
from campaigns.services.pledges import pledge_open, pledge_registration_add, pledge_sign
from campaigns.tests.factories import (
    PASSWORD,
    CampaignFactory,
    DriveFactory,
    PledgeFactory,
    PledgeItemFactory,
    open_pledge,
)


def refused_by_database(create) -> bool:
    try:
        with transaction.atomic():
            create()
    except IntegrityError:
        return True
    return False


# --- Campaigns and drives ----------------------------------------------------------------------


def test_a_bloc_has_one_campaign_per_year(world):
    CampaignFactory(bloc=world.bloc, year=2025)
    second = Campaign(
        bloc=world.bloc,
        year=2025,
        name="Phong trào khác",
        starts_on=date(2025, 1, 1),
        ends_on=date(2025, 12, 31),
    )
    with pytest.raises(ValidationError) as exc:
        second.full_clean()
    assert "Khối/cụm này đã có phong trào thi đua của năm này." in exc.value.messages
    assert refused_by_database(second.save)
    # Another bloc, or another year, is fine.
    CampaignFactory(bloc=world.other_bloc, year=2025).full_clean()
    CampaignFactory(bloc=world.bloc, year=2026).full_clean()


def test_a_campaign_ends_after_it_starts(world):
    campaign = Campaign(
        bloc=world.bloc, year=2025, name="Phong trào", starts_on=date(2025, 6, 1), ends_on=date(2025, 6, 1)
    )
    with pytest.raises(ValidationError) as exc:
        campaign.validate_constraints()
    assert exc.value.messages == ["Ngày kết thúc phải sau ngày bắt đầu."]
    with pytest.raises(ValidationError) as exc:
        campaign.full_clean()
    assert exc.value.message_dict["ends_on"] == ["Ngày kết thúc phải sau ngày bắt đầu."]
    assert refused_by_database(campaign.save)


def test_a_campaigns_dates_belong_to_its_year(world):
    campaign = Campaign(
        bloc=world.bloc,
        year=2025,
        name="Phong trào",
        starts_on=date(2024, 12, 1),
        ends_on=date(2026, 1, 31),
        launched_on=date(2024, 12, 15),
    )
    with pytest.raises(ValidationError) as exc:
        campaign.full_clean()
    assert exc.value.message_dict == {
        "starts_on": ["Ngày bắt đầu phải thuộc năm 2025."],
        "ends_on": ["Ngày kết thúc phải thuộc năm 2025."],
        "launched_on": ["Ngày phát động phải thuộc năm 2025."],
    }


def test_a_drive_ends_on_or_after_its_start(world):
    campaign = CampaignFactory(bloc=world.bloc, year=2025)
    drive = Drive(campaign=campaign, name="Đợt 1", starts_on=date(2025, 5, 1), ends_on=date(2025, 4, 30))
    with pytest.raises(ValidationError) as exc:
        drive.validate_constraints()
    assert exc.value.messages == ["Ngày kết thúc đợt phải sau hoặc bằng ngày bắt đầu."]
    assert refused_by_database(drive.save)
    one_day = Drive(campaign=campaign, name="Đợt 2", starts_on=date(2025, 5, 1), ends_on=date(2025, 5, 1))
    one_day.full_clean()


def test_a_drive_lies_inside_its_campaign(world):
    campaign = CampaignFactory(
        bloc=world.bloc, year=2025, starts_on=date(2025, 1, 1), ends_on=date(2025, 6, 30)
    )
    drive = Drive(campaign=campaign, name="Đợt hè", starts_on=date(2025, 6, 1), ends_on=date(2025, 7, 15))
    with pytest.raises(ValidationError) as exc:
        drive.full_clean()
    assert exc.value.message_dict == {
        "ends_on": ["Ngày kết thúc đợt phải nằm trong thời gian của phong trào (01/01/2025 – 30/06/2025)."]
    }


# --- Pledge constraints --------------------------------------------------------------------------


def test_a_drive_pledge_names_its_drive(world):
    campaign = CampaignFactory(bloc=world.bloc)
    pledge = Pledge(campaign=campaign, title="Giao ước đợt cao điểm", period="drive")
    with pytest.raises(ValidationError) as exc:
        pledge.validate_constraints()
    assert exc.value.messages == ["Giao ước của đợt thi đua cao điểm phải chọn đợt thi đua."]
    with pytest.raises(ValidationError) as exc:
        pledge.full_clean()
    assert "Giao ước của đợt thi đua cao điểm phải chọn đợt thi đua." in exc.value.message_dict["drive"]
    assert refused_by_database(pledge.save)
    pledge.drive = DriveFactory(campaign=campaign)
    pledge.full_clean()


def test_a_pledges_drive_belongs_to_its_campaign(world):
    campaign = CampaignFactory(bloc=world.bloc)
    foreign_drive = DriveFactory(campaign=CampaignFactory(bloc=world.other_bloc))
    pledge = Pledge(campaign=campaign, title="Giao ước", period="drive", drive=foreign_drive)
    with pytest.raises(ValidationError) as exc:
        pledge.full_clean()
    assert exc.value.message_dict["drive"] == ["Đợt thi đua phải thuộc phong trào của giao ước."]


def test_a_frozen_pledge_has_a_content_hash(world):
    pledge = Pledge(campaign=CampaignFactory(bloc=world.bloc), title="Giao ước", state=PledgeState.OPEN)
    with pytest.raises(ValidationError) as exc:
        pledge.validate_constraints()
    assert exc.value.messages == ["Giao ước đã mở ký phải có mã băm nội dung."]
    assert refused_by_database(pledge.save)


def test_two_items_of_a_pledge_cannot_share_a_position(world):
    item = PledgeItemFactory(pledge=PledgeFactory(campaign=CampaignFactory(bloc=world.bloc)))
    duplicate = PledgeItem(pledge=item.pledge, position=item.position, content="Nội dung khác")
    with pytest.raises(ValidationError) as exc:
        duplicate.full_clean()
    assert "Thứ tự này đã có nội dung khác." in exc.value.messages


def test_target_display_reads_like_the_printed_pledge(world):
    item = PledgeItem(comparison="gte", target_value=Decimal("98.50"), unit_of_measure="%")
    assert item.target_display == "≥ 98,5 %"
    assert PledgeItem(comparison="lte", target_value=Decimal("0")).target_display == "≤ 0"
    assert PledgeItem(target_value=None).target_display == ""


def test_short_code_groups_the_hash_for_reading_aloud(world):
    pledge = open_pledge(world.bloc)
    code = pledge.content_hash[:12].upper()
    assert pledge.short_code == f"{code[:4]}-{code[4:8]}-{code[8:]}"


# --- Guards on an opened pledge ----------------------------------------------------------------


@pytest.fixture
def opened(world) -> Pledge:
    return open_pledge(world.bloc, items=2, actor=world.secretary)


def assert_unchanged(pledge: Pledge) -> None:
    stored = Pledge.objects.get(pk=pledge.pk)
    assert (stored.title, stored.content_hash, stored.state) == (
        pledge.title,
        pledge.content_hash,
        pledge.state,
    )


def test_saving_a_changed_title_of_an_opened_pledge_is_refused(opened):
    title = opened.title
    opened.title = "Giao ước đã bị sửa"
    with pytest.raises(ValidationError) as exc:
        opened.save()
    assert exc.value.messages == [FROZEN_MESSAGE]
    assert Pledge.objects.get(pk=opened.pk).title == title


def test_an_instance_read_before_opening_cannot_overwrite_the_opened_pledge(world):
    pledge = PledgeFactory(campaign=CampaignFactory(bloc=world.bloc))
    PledgeItemFactory(pledge=pledge)
    stale = Pledge.objects.get(pk=pledge.pk)  # read by a page while still a draft
    opened = pledge_open(pledge=pledge, actor=world.secretary)
    stale.preamble = "Lời mở đầu khác"
    with pytest.raises(ValidationError):
        stale.save()
    stale.refresh_from_db()
    stale.title = "Sửa sau khi tải lại"
    with pytest.raises(ValidationError):
        stale.save()
    assert_unchanged(opened)


def test_an_opened_pledge_cannot_go_back_to_draft(opened):
    opened.state = PledgeState.DRAFT
    with pytest.raises(ValidationError):
        opened.save()
    with pytest.raises(ValidationError):
        Pledge.objects.filter(pk=opened.pk).update(state=PledgeState.DRAFT)
    assert Pledge.objects.get(pk=opened.pk).state == PledgeState.OPEN


def test_state_changes_of_an_opened_pledge_are_allowed(opened):
    opened.state = PledgeState.COMPLETE
    opened.save(update_fields=["state"])
    assert Pledge.objects.get(pk=opened.pk).state == PledgeState.COMPLETE
    assert Pledge.objects.filter(pk=opened.pk).update(state=PledgeState.CLOSED) == 1


def test_a_queryset_update_of_an_opened_pledges_content_is_refused(opened):
    with pytest.raises(ValidationError):
        Pledge.objects.filter(pk=opened.pk).update(title="Sửa bằng truy vấn")
    with pytest.raises(ValidationError):
        Pledge.objects.filter(pk=opened.pk).update(campaign=CampaignFactory(year=2030))
    assert_unchanged(opened)


def test_an_opened_pledge_cannot_be_deleted(opened):
    with pytest.raises(ValidationError):
        opened.delete()
    with pytest.raises(ValidationError):
        Pledge.objects.filter(pk=opened.pk).delete()
    stale = Pledge.objects.get(pk=opened.pk)
    stale.state = PledgeState.DRAFT  # an in-memory state does not fool the guard
    with pytest.raises(ValidationError):
        stale.delete()
    assert Pledge.objects.filter(pk=opened.pk).exists()


def test_a_draft_pledge_can_be_edited_and_deleted(world):
    pledge = PledgeFactory(campaign=CampaignFactory(bloc=world.bloc))
    PledgeItemFactory(pledge=pledge)
    pledge.title = "Tiêu đề mới"
    pledge.save()
    assert Pledge.objects.filter(pk=pledge.pk).update(preamble="Lời mới") == 1
    pledge.delete()
    assert not Pledge.objects.filter(pk=pledge.pk).exists()
    assert not PledgeItem.objects.filter(pledge_id=pledge.pk).exists()


# --- Guards on the parts of an opened pledge ---------------------------------------------------


def test_items_of_an_opened_pledge_cannot_be_saved_added_updated_or_deleted(opened):
    item = opened.items.get(position=1)
    item.content = "Nội dung bị sửa"
    with pytest.raises(ValidationError) as exc:
        item.save()
    assert exc.value.messages == [FROZEN_MESSAGE]
    with pytest.raises(ValidationError):
        item.delete()
    with pytest.raises(ValidationError):
        PledgeItem(pledge=opened, position=3, content="Mục thêm").save()
    with pytest.raises(ValidationError):
        PledgeItem.objects.filter(pledge=opened).update(content="Sửa tất cả")
    with pytest.raises(ValidationError):
        PledgeItem.objects.filter(pledge=opened).delete()
    assert list(opened.items.values_list("position", "content")) == [
        (1, "Nội dung thi đua 1"),
        (2, "Nội dung thi đua 2"),
    ]


def test_items_of_a_draft_pledge_can_be_saved_updated_and_deleted(world):
    pledge = PledgeFactory(campaign=CampaignFactory(bloc=world.bloc))
    item = PledgeItemFactory(pledge=pledge)
    item.content = "Nội dung mới"
    item.save()
    assert PledgeItem.objects.filter(pledge=pledge).update(indicator="Chỉ tiêu mới") == 1
    item.delete()
    PledgeItemFactory(pledge=pledge)
    assert PledgeItem.objects.filter(pledge=pledge).delete()[0] == 1


def test_registrations_of_an_opened_pledge_are_frozen(world):
    pledge = PledgeFactory(campaign=CampaignFactory(bloc=world.bloc))
    PledgeItemFactory(pledge=pledge)
    registration = pledge_registration_add(
        pledge=pledge, unit=world.unit_a, title="Đơn vị Quyết thắng", actor=world.secretary
    )
    pledge_open(pledge=pledge, actor=world.secretary)
    registration.title = "Cờ thi đua của Bộ Quốc phòng"
    with pytest.raises(ValidationError):
        registration.save()
    with pytest.raises(ValidationError):
        registration.delete()
    with pytest.raises(ValidationError):
        PledgeRegistration.objects.filter(pledge=pledge).update(title="Khác")
    with pytest.raises(ValidationError):
        PledgeRegistration(pledge=pledge, unit=world.unit_b, title="Đơn vị Quyết thắng").save()
    assert list(PledgeRegistration.objects.values_list("title", flat=True)) == ["Đơn vị Quyết thắng"]


# --- Signatures are append-only ----------------------------------------------------------------


@pytest.fixture
def signature(world, opened) -> PledgeSignature:
    return pledge_sign(pledge=opened, unit=world.unit_a, password=PASSWORD, actor=world.leader)


def test_a_recorded_signature_cannot_be_saved_again(signature):
    signature.signer_name = "Người khác"
    with pytest.raises(ValidationError) as exc:
        signature.save()
    assert exc.value.messages == ["Chữ ký đã ghi không thể sửa."]
    assert PledgeSignature.objects.get(pk=signature.pk).signer_name != "Người khác"


def test_a_recorded_signature_cannot_be_deleted(signature):
    with pytest.raises(ValidationError) as exc:
        signature.delete()
    assert exc.value.messages == ["Chữ ký đã ghi không thể xóa."]
    assert PledgeSignature.objects.filter(pk=signature.pk).exists()


def test_signatures_cannot_be_updated_or_deleted_in_bulk(signature):
    with pytest.raises(ValidationError):
        PledgeSignature.objects.filter(pk=signature.pk).update(signer_name="Người khác")
    with pytest.raises(ValidationError):
        PledgeSignature.objects.all().delete()
    stored = PledgeSignature.objects.get(pk=signature.pk)
    assert (stored.signer_name, stored.record_hash) == (signature.signer_name, signature.record_hash)
