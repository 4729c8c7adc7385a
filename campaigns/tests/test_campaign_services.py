"""Campaign and drive services: creation rules, the draft → active → closed state machine,
copying a year into the next, and drives kept inside their campaign."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone

from blocs.models import AuditEvent
from campaigns.models import Campaign, CampaignState, Drive, Pledge, PledgeItem, PledgeSignature, PledgeState
from campaigns.selectors.campaigns import campaign_copy_preview
from campaigns.services import campaigns as services
from campaigns.services import pledges as pledge_services


def make_campaign(world, year: int = 2024, **kwargs) -> Campaign:
    return services.campaign_create(
        bloc=world.bloc,
        year=year,
        name=f"Phong trào Thi đua Quyết thắng năm {year}",
        actor=world.secretary,
        **kwargs,
    )


def errors_of(exc: pytest.ExceptionInfo) -> dict[str, list[str]]:
    return exc.value.message_dict


# --- Create ---------------------------------------------------------------------------------------


def test_create_defaults_to_the_whole_year_as_a_draft_and_is_audited(world):
    campaign = make_campaign(world, theme="  Đoàn kết,   kỷ cương ")
    assert (campaign.starts_on, campaign.ends_on, campaign.state) == (
        date(2024, 1, 1),
        date(2024, 12, 31),
        CampaignState.DRAFT,
    )
    assert campaign.theme == "Đoàn kết, kỷ cương"
    assert AuditEvent.objects.filter(
        summary="Tạo Phong trào Thi đua Quyết thắng năm 2024 của Khối thi đua số 2", actor=world.secretary
    ).exists()


def test_a_bloc_has_at_most_one_campaign_a_year(world):
    make_campaign(world)
    with pytest.raises(ValidationError) as exc:
        make_campaign(world)
    assert errors_of(exc)[NON_FIELD_ERRORS] == ["Khối/cụm này đã có phong trào thi đua của năm này."]
    assert Campaign.objects.filter(bloc=world.bloc, year=2024).count() == 1
    # Another bloc may have its own campaign that year.
    services.campaign_create(bloc=world.other_bloc, year=2024, name="Phong trào 2024", actor=world.admin)


@pytest.mark.parametrize(
    ("dates", "field", "message"),
    [
        ({"starts_on": date(2023, 12, 1)}, "starts_on", "Ngày bắt đầu phải thuộc năm 2024."),
        ({"ends_on": date(2025, 1, 31)}, "ends_on", "Ngày kết thúc phải thuộc năm 2024."),
        (
            {"starts_on": date(2024, 6, 1), "ends_on": date(2024, 5, 1)},
            "ends_on",
            "Ngày kết thúc phải sau ngày bắt đầu.",
        ),
        ({"launched_on": date(2023, 12, 20)}, "launched_on", "Ngày phát động phải thuộc năm 2024."),
    ],
)
def test_create_keeps_dates_inside_the_year(world, dates, field, message):
    with pytest.raises(ValidationError) as exc:
        make_campaign(world, **dates)
    assert errors_of(exc)[field] == [message]
    assert not Campaign.objects.exists()


# --- State machine ---------------------------------------------------------------------------------


def test_activate_then_close(world):
    campaign = make_campaign(world, year=timezone.localdate().year)
    campaign = services.campaign_activate(campaign=campaign, actor=world.secretary)
    assert campaign.state == CampaignState.ACTIVE
    assert campaign.launched_on == timezone.localdate()
    campaign = services.campaign_close(campaign=campaign, actor=world.secretary)
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.CLOSED
    summaries = list(AuditEvent.objects.filter(actor=world.secretary).values_list("summary", flat=True))
    assert any(s.startswith("Phát động ") for s in summaries)
    assert any(s.startswith("Kết thúc ") for s in summaries)


def test_activate_keeps_a_launch_date_already_set_and_clamps_a_missing_one_into_the_year(world):
    planned = make_campaign(world, year=2024, launched_on=date(2024, 1, 15))
    assert services.campaign_activate(campaign=planned, actor=world.admin).launched_on == date(2024, 1, 15)
    past = make_campaign(world, year=2020)
    assert services.campaign_activate(campaign=past, actor=world.admin).launched_on == date(2020, 12, 31)


@pytest.mark.parametrize(
    ("state", "action", "message"),
    [
        ("active", "campaign_activate", "Chỉ phong trào đang ở trạng thái dự thảo mới có thể phát động."),
        ("closed", "campaign_activate", "Chỉ phong trào đang ở trạng thái dự thảo mới có thể phát động."),
        ("draft", "campaign_close", "Chỉ phong trào đang thực hiện mới có thể kết thúc."),
        ("closed", "campaign_close", "Chỉ phong trào đang thực hiện mới có thể kết thúc."),
    ],
)
def test_illegal_transitions_are_refused_with_a_message(world, state, action, message):
    campaign = make_campaign(world)
    Campaign.objects.filter(pk=campaign.pk).update(state=state)
    with pytest.raises(ValidationError) as exc:
        getattr(services, action)(campaign=campaign, actor=world.secretary)
    assert exc.value.messages == [message]
    campaign.refresh_from_db()
    assert campaign.state == state


# --- Update ----------------------------------------------------------------------------------------


def test_update_changes_the_fields_given(world):
    campaign = make_campaign(world)
    services.campaign_update(
        campaign=campaign,
        actor=world.secretary,
        theme="Đoàn kết, kỷ cương, đột phá",
        ends_on=date(2024, 11, 30),
    )
    campaign.refresh_from_db()
    assert (campaign.theme, campaign.ends_on) == ("Đoàn kết, kỷ cương, đột phá", date(2024, 11, 30))


def test_update_refuses_dates_that_leave_a_drive_outside(world):
    campaign = make_campaign(world)
    services.drive_create(
        campaign=campaign,
        name="Đợt thi đua chào mừng ngày 22/12",
        starts_on=date(2024, 11, 15),
        ends_on=date(2024, 12, 22),
        actor=world.secretary,
    )
    with pytest.raises(ValidationError) as exc:
        services.campaign_update(campaign=campaign, actor=world.secretary, ends_on=date(2024, 11, 30))
    assert errors_of(exc)["starts_on"] == [
        "Các đợt thi đua sau sẽ nằm ngoài thời gian mới của phong trào: Đợt thi đua chào mừng ngày 22/12."
    ]
    campaign.refresh_from_db()
    assert campaign.ends_on == date(2024, 12, 31)


def test_a_closed_campaign_cannot_be_changed(world):
    campaign = make_campaign(world)
    Campaign.objects.filter(pk=campaign.pk).update(state=CampaignState.CLOSED)
    with pytest.raises(ValidationError) as exc:
        services.campaign_update(campaign=campaign, actor=world.secretary, theme="Mới")
    assert exc.value.messages == ["Phong trào đã kết thúc, không thể sửa."]
    with pytest.raises(ValidationError) as exc:
        services.drive_create(
            campaign=Campaign.objects.get(pk=campaign.pk),
            name="Đợt mới",
            starts_on=date(2024, 3, 1),
            ends_on=date(2024, 3, 31),
            actor=world.secretary,
        )
    assert exc.value.messages == ["Phong trào đã kết thúc, không thể thêm đợt thi đua."]


def test_update_refuses_unknown_fields(world):
    with pytest.raises(TypeError):
        services.campaign_update(campaign=make_campaign(world), actor=world.admin, year=2030)


# --- Drives ----------------------------------------------------------------------------------------


def test_drives_may_overlap_and_keep_their_targets_as_a_list(world):
    campaign = make_campaign(world)
    first = services.drive_create(
        campaign=campaign,
        name="Đợt 1",
        starts_on=date(2024, 1, 8),
        ends_on=date(2024, 2, 29),
        targets=["  100% quân số   khỏe ", "", "An toàn tuyệt đối"],
        actor=world.secretary,
    )
    services.drive_create(
        campaign=campaign,
        name="Đợt 2",
        starts_on=date(2024, 2, 1),
        ends_on=date(2024, 2, 20),
        actor=world.secretary,
    )
    assert first.targets == ["100% quân số khỏe", "An toàn tuyệt đối"]
    assert campaign.drives.count() == 2


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "field", "message"),
    [
        (
            date(2023, 12, 20),
            date(2024, 1, 10),
            "starts_on",
            "Ngày bắt đầu đợt phải nằm trong thời gian của phong trào (01/03/2024 – 30/11/2024).",
        ),
        (
            date(2024, 11, 1),
            date(2024, 12, 22),
            "ends_on",
            "Ngày kết thúc đợt phải nằm trong thời gian của phong trào (01/03/2024 – 30/11/2024).",
        ),
        (
            date(2024, 5, 10),
            date(2024, 5, 1),
            "ends_on",
            "Ngày kết thúc đợt phải sau hoặc bằng ngày bắt đầu.",
        ),
    ],
)
def test_a_drive_stays_inside_its_campaign(world, starts_on, ends_on, field, message):
    campaign = make_campaign(world, starts_on=date(2024, 3, 1), ends_on=date(2024, 11, 30))
    with pytest.raises(ValidationError) as exc:
        services.drive_create(
            campaign=campaign, name="Đợt lệch", starts_on=starts_on, ends_on=ends_on, actor=world.secretary
        )
    assert errors_of(exc)[field] == [message]
    assert not Drive.objects.exists()


def open_pledge(world, campaign: Campaign, *, drive: Drive | None = None, title: str = "Giao ước") -> Pledge:
    pledge = pledge_services.pledge_create(
        campaign=campaign,
        title=title,
        period="drive" if drive else "year",
        drive=drive,
        actor=world.secretary,
    )
    pledge_services.pledge_item_add(pledge=pledge, content="100% quân số khỏe", actor=world.secretary)
    return pledge_services.pledge_open(pledge=pledge, actor=world.secretary)


def test_a_drive_whose_pledge_is_open_cannot_be_changed_nor_deleted(world):
    campaign = make_campaign(world)
    drive = services.drive_create(
        campaign=campaign,
        name="Đợt 1",
        starts_on=date(2024, 3, 1),
        ends_on=date(2024, 3, 31),
        actor=world.admin,
    )
    open_pledge(world, campaign, drive=drive)
    with pytest.raises(ValidationError) as exc:
        services.drive_update(drive=drive, actor=world.secretary, name="Đợt đổi tên")
    assert exc.value.messages == [
        "Đợt thi đua đã có giao ước mở ký, không thể sửa (nội dung giao ước đã niêm phong)."
    ]
    with pytest.raises(ValidationError) as exc:
        services.drive_delete(drive=drive, actor=world.secretary)
    assert exc.value.messages == ["Đợt thi đua đã có giao ước, không thể xóa."]
    drive.refresh_from_db()
    assert drive.name == "Đợt 1"


# --- Copy ------------------------------------------------------------------------------------------


def prepared_year(world) -> Campaign:
    """2024, a leap year: a drive ending on 29/02, a signed pledge, a draft, and a revoked
    pledge followed by its next version."""
    source = make_campaign(
        world,
        theme="Đoàn kết, kỷ cương, đột phá, sáng tạo, quyết thắng",
        guiding_idea="Lấy huấn luyện làm trọng tâm.",
    )
    services.drive_create(
        campaign=source,
        name="Đợt ra quân huấn luyện",
        starts_on=date(2024, 1, 8),
        ends_on=date(2024, 2, 29),
        contents="Thi đua huấn luyện giỏi.",
        targets=["100% nội dung đạt yêu cầu"],
        actor=world.secretary,
    )
    services.drive_create(
        campaign=source,
        name="Đợt chào mừng ngày 22/12",
        starts_on=date(2024, 11, 15),
        ends_on=date(2024, 12, 22),
        actor=world.secretary,
    )
    signed = open_pledge(world, source, title="Giao ước thi đua năm 2024")
    pledge_services.pledge_sign(pledge=signed, unit=world.unit_a, password="Mat-khau-123", actor=world.leader)
    draft = pledge_services.pledge_create(
        campaign=source, title="Giao ước 6 tháng cuối năm 2024", period="h2", actor=world.secretary
    )
    for text in ("Không vi phạm kỷ luật", "Sẵn sàng chiến đấu 100%"):
        pledge_services.pledge_item_add(pledge=draft, content=text, indicator="Tỷ lệ", actor=world.secretary)
    revoked = open_pledge(world, source, title="Giao ước bị thu hồi")
    pledge_services.pledge_revoke(pledge=revoked, reason="Soạn lại", actor=world.secretary)
    return Campaign.objects.get(pk=source.pk)


def test_copy_shifts_drives_a_year_and_copies_pledges_as_drafts_without_signatures(world):
    source = prepared_year(world)
    copy = services.campaign_copy(source=source, year=2025, actor=world.secretary)
    copy.refresh_from_db()
    assert (copy.name, copy.theme, copy.guiding_idea, copy.state, copy.copied_from_id) == (
        "Phong trào Thi đua Quyết thắng năm 2025",
        "Đoàn kết, kỷ cương, đột phá, sáng tạo, quyết thắng",
        "Lấy huấn luyện làm trọng tâm.",
        CampaignState.DRAFT,
        source.pk,
    )
    assert (copy.starts_on, copy.ends_on, copy.launched_on) == (date(2025, 1, 1), date(2025, 12, 31), None)
    assert list(copy.drives.values_list("name", "starts_on", "ends_on", "targets")) == [
        ("Đợt ra quân huấn luyện", date(2025, 1, 8), date(2025, 2, 28), ["100% nội dung đạt yêu cầu"]),
        ("Đợt chào mừng ngày 22/12", date(2025, 11, 15), date(2025, 12, 22), []),
    ]
    pledges = list(copy.pledges.order_by("pk"))
    # The revoked version is left behind; its successor (a draft) is copied once, as version 1.
    assert [(p.title, p.period, p.state, p.version, p.content_hash) for p in pledges] == [
        ("Giao ước thi đua năm 2025", "year", PledgeState.DRAFT, 1, ""),
        ("Giao ước 6 tháng cuối năm 2025", "h2", PledgeState.DRAFT, 1, ""),
        ("Giao ước bị thu hồi", "year", PledgeState.DRAFT, 1, ""),
    ]
    assert list(
        PledgeItem.objects.filter(pledge=pledges[1]).values_list("position", "content", "indicator")
    ) == [
        (1, "Không vi phạm kỷ luật", "Tỷ lệ"),
        (2, "Sẵn sàng chiến đấu 100%", "Tỷ lệ"),
    ]
    assert not PledgeSignature.objects.filter(pledge__campaign=copy).exists()
    # The source year is untouched.
    assert PledgeSignature.objects.filter(pledge__campaign=source).count() == 1
    assert source.drives.count() == 2


def test_copy_preview_shows_exactly_what_the_copy_creates(world):
    source = prepared_year(world)
    preview = campaign_copy_preview(source=source, year=2025)
    copy = services.campaign_copy(source=source, year=2025, actor=world.secretary)
    assert preview.new_name == copy.name
    assert [(d.name, d.new_starts_on, d.new_ends_on) for d in preview.drives] == list(
        copy.drives.values_list("name", "starts_on", "ends_on")
    )
    assert [(p.new_title, p.item_count) for p in preview.pledges] == [
        (p.title, p.items.count()) for p in copy.pledges.order_by("pk")
    ]


def test_copy_a_drive_from_a_leap_day_to_the_next_leap_year_keeps_the_day(world):
    source = make_campaign(world, year=2024)
    services.drive_create(
        campaign=source,
        name="Đợt 29/02",
        starts_on=date(2024, 2, 29),
        ends_on=date(2024, 2, 29),
        actor=world.admin,
    )
    copy = services.campaign_copy(source=source, year=2028, actor=world.admin)
    assert list(copy.drives.values_list("starts_on", flat=True)) == [date(2028, 2, 29)]


def test_copy_refuses_a_year_taken_or_not_after_the_source(world):
    source = make_campaign(world, year=2024)
    make_campaign(world, year=2025)
    with pytest.raises(ValidationError) as exc:
        services.campaign_copy(source=source, year=2025, actor=world.secretary)
    assert exc.value.messages == ["Khối/cụm này đã có phong trào thi đua của năm này."]
    with pytest.raises(ValidationError) as exc:
        services.campaign_copy(source=source, year=2023, actor=world.secretary)
    assert errors_of(exc)["year"] == ["Năm của phong trào mới phải sau năm của phong trào được sao chép."]
    assert Campaign.objects.count() == 2


def test_closing_a_campaign_closes_its_open_pledges_and_keeps_drafts(world):
    from campaigns.models import Pledge, PledgeState
    from campaigns.services.pledges import pledge_create, pledge_item_add, pledge_open

    campaign = services.campaign_create(
        bloc=world.bloc, year=2024, name="Phong trào 2024", actor=world.secretary
    )
    services.campaign_activate(campaign=campaign, actor=world.secretary)
    opened = pledge_create(campaign=campaign, title="Giao ước năm", actor=world.secretary)
    pledge_item_add(pledge=opened, content="An toàn tuyệt đối", actor=world.secretary)
    pledge_open(pledge=opened, actor=world.secretary)
    draft = pledge_create(campaign=campaign, title="Dự thảo", actor=world.secretary)

    services.campaign_close(campaign=campaign, actor=world.secretary)

    assert Pledge.objects.get(pk=opened.pk).state == PledgeState.CLOSED
    assert Pledge.objects.get(pk=draft.pk).state == PledgeState.DRAFT


def test_a_drive_of_a_closed_campaign_cannot_be_deleted(world):
    campaign = services.campaign_create(
        bloc=world.bloc, year=2024, name="Phong trào 2024", actor=world.secretary
    )
    drive = services.drive_create(
        campaign=campaign,
        name="Đợt 1",
        starts_on=date(2024, 1, 8),
        ends_on=date(2024, 2, 29),
        actor=world.secretary,
    )
    services.campaign_activate(campaign=campaign, actor=world.secretary)
    services.campaign_close(campaign=campaign, actor=world.secretary)
    with pytest.raises(ValidationError, match="đã kết thúc"):
        services.drive_delete(drive=drive, actor=world.secretary)
    assert campaign.drives.filter(pk=drive.pk).exists()
