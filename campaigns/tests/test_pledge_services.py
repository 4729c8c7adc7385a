"""Services of campaigns, drives and pledges: drafting, the state machine, opening (freezing the
parties), signing in a hash chain, witnessing, revoking and closing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from blocs.models import AuditEvent, Membership
from blocs.tests.factories import AssignmentFactory, BlocFactory, MembershipFactory, UnitFactory, UserFactory
from campaigns.integrity import GENESIS_HASH, sha256_hex, signature_record_hash, verify_pledge
from campaigns.models import (
    FROZEN_MESSAGE,
    Campaign,
    CampaignState,
    Pledge,
    PledgeItem,
    PledgeRegistration,
    PledgeSignature,
    PledgeState,
    SignatureKind,
)
from campaigns.services.campaigns import (
    campaign_copy,
    campaign_update,
)
from campaigns.services.pledges import (
    pledge_close,
    pledge_create,
    pledge_delete,
    pledge_item_add,
    pledge_item_delete,
    pledge_item_move,
    pledge_item_update,
    pledge_open,
    pledge_parties,
    pledge_registration_add,
    pledge_registration_remove,
    pledge_revoke,
    pledge_sign,
    pledge_update,
    pledge_witness_sign,
)
from campaigns.tests.factories import (
    PASSWORD,
    CampaignFactory,
    DriveFactory,
    PledgeFactory,
    PledgeItemFactory,
    leader_for,
    open_pledge,
    signatures_of,
)

YEAR = timezone.localdate().year


@pytest.fixture
def campaign(world) -> Campaign:
    return CampaignFactory(bloc=world.bloc, year=YEAR)


@pytest.fixture
def draft(world, campaign) -> Pledge:
    pledge = pledge_create(campaign=campaign, title="Giao ước thi đua năm", actor=world.secretary)
    for number in (1, 2, 3):
        pledge_item_add(pledge=pledge, content=f"Nội dung {number}", actor=world.secretary)
    return pledge


@pytest.fixture
def leaders(world) -> dict:
    """One commander per member unit of the bloc: QK1 (the World's leader), QK2, QK3."""
    return {
        world.unit_a: world.leader,
        world.unit_b: leader_for(world.unit_b, full_name="Trần Văn Bình", rank="Đại tá", position="Tư lệnh"),
        world.unit_c: leader_for(world.unit_c, full_name="Lê Văn Cường"),
    }


@pytest.fixture
def opened(world, draft) -> Pledge:
    return pledge_open(pledge=draft, actor=world.secretary)


def sign(pledge, unit, leaders, **kwargs):
    return pledge_sign(pledge=pledge, unit=unit, password=PASSWORD, actor=leaders[unit], **kwargs)


def positions(pledge) -> list[tuple[int, str]]:
    return list(
        PledgeItem.objects.filter(pledge=pledge).order_by("position").values_list("position", "content")
    )


def state_of(pledge) -> str:
    return Pledge.objects.get(pk=pledge.pk).state


# --- What campaigns do to their pledges --------------------------------------------------------


def test_renaming_the_campaign_bloc_or_a_unit_is_not_tampering(world, campaign, opened):
    """The frozen text keeps the names of the day; verification compares the pledge's own rows."""
    from blocs.services.organisation import bloc_update
    from blocs.services.units import unit_update

    frozen_text = Pledge.objects.get(pk=opened.pk).canonical_content
    campaign_update(campaign=campaign, name="Tên mới", theme="Chủ đề mới", actor=world.secretary)
    bloc_update(bloc=world.bloc, name="Khối thi đua số 9", actor=world.admin)
    unit_update(unit=world.unit_a, name="Quân khu Một", actor=world.admin)
    opened = Pledge.objects.get(pk=opened.pk)
    assert opened.canonical_content == frozen_text
    assert verify_pledge(opened, []).intact


def test_campaign_copy_carries_drives_and_the_latest_pledges_as_drafts(world, leaders):
    source = CampaignFactory(bloc=world.bloc, year=2024, name="Phong trào Thi đua Quyết thắng năm 2024")
    drive = DriveFactory(campaign=source, starts_on=date(2024, 2, 29), ends_on=date(2024, 5, 19))
    pledge = open_pledge(world.bloc, items=2, campaign=source, title="Giao ước thi đua năm 2024")
    pledge_sign(pledge=pledge, unit=world.unit_a, password=PASSWORD, actor=world.leader)
    revoked = open_pledge(world.bloc, items=1, campaign=source, title="Giao ước cũ")
    pledge_revoke(pledge=revoked, reason="Sai nội dung", actor=world.secretary)

    copy = campaign_copy(source=source, year=2025, actor=world.secretary)

    assert (copy.year, copy.name, copy.copied_from) == (
        2025,
        "Phong trào Thi đua Quyết thắng năm 2025",
        source,
    )
    new_drive = copy.drives.get()
    assert (new_drive.name, new_drive.starts_on, new_drive.ends_on) == (
        drive.name,
        date(2025, 2, 28),
        date(2025, 5, 19),
    )
    copies = {p.title: p for p in copy.pledges.all()}
    assert set(copies) == {"Giao ước thi đua năm 2025", "Giao ước cũ"}  # the revoked one's successor
    assert all(p.state == PledgeState.DRAFT and not p.signatures.exists() for p in copies.values())
    assert positions(copies["Giao ước thi đua năm 2025"]) == [
        (1, "Nội dung thi đua 1"),
        (2, "Nội dung thi đua 2"),
    ]


# --- Drafting a pledge ---------------------------------------------------------------------------


def test_pledge_create_normalises_and_records_an_audit_event(world, campaign):
    pledge = pledge_create(
        campaign=campaign, title="  Giao ước   thi đua ", preamble="Lời\u00a0mở đầu", actor=world.secretary
    )
    assert (pledge.title, pledge.state, pledge.version) == ("Giao ước thi đua", PledgeState.DRAFT, 1)
    assert AuditEvent.objects.filter(summary="Soạn giao ước “Giao ước thi đua”").exists()


def test_pledge_create_refuses_a_closed_campaign_and_a_drive_period_without_drive(world, campaign):
    with pytest.raises(ValidationError) as exc:
        pledge_create(campaign=campaign, title="Giao ước đợt", period="drive", actor=world.secretary)
    assert "drive" in exc.value.message_dict
    foreign = DriveFactory(campaign=CampaignFactory(bloc=world.other_bloc))
    with pytest.raises(ValidationError) as exc:
        pledge_create(
            campaign=campaign, title="Giao ước", period="drive", drive=foreign, actor=world.secretary
        )
    assert exc.value.message_dict["drive"] == ["Đợt thi đua phải thuộc phong trào của giao ước."]
    Campaign.objects.filter(pk=campaign.pk).update(state=CampaignState.CLOSED)
    campaign.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        pledge_create(campaign=campaign, title="Giao ước", actor=world.secretary)
    assert exc.value.messages == ["Phong trào đã kết thúc, không thể soạn giao ước mới."]
    assert not Pledge.objects.exists()


def test_pledge_update_edits_a_draft_only(world, draft):
    pledge_update(pledge=draft, title="Giao ước đã sửa", preamble="Mới", actor=world.secretary)
    assert Pledge.objects.get(pk=draft.pk).title == "Giao ước đã sửa"
    with pytest.raises(TypeError):
        pledge_update(pledge=draft, state="open", actor=world.secretary)
    pledge_open(pledge=draft, actor=world.secretary)
    with pytest.raises(ValidationError) as exc:
        pledge_update(pledge=draft, title="Sửa sau khi mở", actor=world.secretary)
    assert exc.value.messages == [FROZEN_MESSAGE]
    assert Pledge.objects.get(pk=draft.pk).title == "Giao ước đã sửa"


def test_pledge_delete_removes_a_draft_with_its_items_but_not_an_opened_pledge(world, draft, campaign):
    pledge_delete(pledge=draft, actor=world.secretary)
    assert not Pledge.objects.filter(pk=draft.pk).exists()
    assert not PledgeItem.objects.filter(pledge_id=draft.pk).exists()
    opened = open_pledge(world.bloc, campaign=campaign)
    with pytest.raises(ValidationError):
        pledge_delete(pledge=opened, actor=world.secretary)
    assert Pledge.objects.filter(pk=opened.pk).exists()


def test_items_are_numbered_in_order_of_addition(world, draft):
    item = pledge_item_add(
        pledge=draft,
        content="Tỷ lệ quân số khỏe",
        indicator="Quân số khỏe",
        unit_of_measure="%",
        target_value=Decimal("98.5"),
        actor=world.secretary,
    )
    assert item.position == 4
    assert positions(draft) == [
        (1, "Nội dung 1"),
        (2, "Nội dung 2"),
        (3, "Nội dung 3"),
        (4, "Tỷ lệ quân số khỏe"),
    ]


def test_an_item_with_a_bad_target_is_refused_and_nothing_is_saved(world, draft):
    with pytest.raises(ValidationError) as exc:
        pledge_item_add(
            pledge=draft, content="Chỉ tiêu", target_value=Decimal("1.234"), actor=world.secretary
        )
    assert "target_value" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        pledge_item_add(pledge=draft, content="   ", actor=world.secretary)
    assert "content" in exc.value.message_dict
    assert draft.items.count() == 3


def test_pledge_item_update_changes_the_fields(world, draft):
    item = draft.items.get(position=2)
    pledge_item_update(
        item=item, content="Nội dung  mới", comparison="lte", target_value=Decimal("0"), actor=None
    )
    item.refresh_from_db()
    assert (item.content, item.comparison, item.target_value) == ("Nội dung mới", "lte", Decimal("0"))
    with pytest.raises(TypeError):
        pledge_item_update(item=item, position=9, actor=None)


def test_deleting_an_item_closes_the_gap(world, draft):
    pledge_item_delete(item=draft.items.get(position=2), actor=world.secretary)
    assert positions(draft) == [(1, "Nội dung 1"), (2, "Nội dung 3")]
    pledge_item_delete(item=draft.items.get(position=1), actor=world.secretary)
    assert positions(draft) == [(1, "Nội dung 3")]


def test_moving_an_item_swaps_it_with_its_neighbour(world, draft):
    pledge_item_move(item=draft.items.get(position=3), offset=-1, actor=world.secretary)
    assert positions(draft) == [(1, "Nội dung 1"), (2, "Nội dung 3"), (3, "Nội dung 2")]
    pledge_item_move(item=draft.items.get(position=1), offset=1, actor=world.secretary)
    assert positions(draft) == [(1, "Nội dung 3"), (2, "Nội dung 1"), (3, "Nội dung 2")]
    # Past either end: nothing moves.
    pledge_item_move(item=draft.items.get(position=1), offset=-1, actor=world.secretary)
    pledge_item_move(item=draft.items.get(position=3), offset=1, actor=world.secretary)
    assert positions(draft) == [(1, "Nội dung 3"), (2, "Nội dung 1"), (3, "Nội dung 2")]


def test_items_of_an_opened_pledge_cannot_be_added_changed_deleted_or_moved(world, opened):
    before = positions(opened)
    item = opened.items.get(position=2)
    attempts = [
        lambda: pledge_item_add(pledge=opened, content="Thêm", actor=world.secretary),
        lambda: pledge_item_update(item=item, content="Sửa", actor=world.secretary),
        lambda: pledge_item_delete(item=item, actor=world.secretary),
        lambda: pledge_item_move(item=item, offset=-1, actor=world.secretary),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError) as exc:
            attempt()
        assert exc.value.messages == [FROZEN_MESSAGE]
    assert positions(opened) == before


def test_registrations_are_for_current_members_only(world, draft):
    registration = pledge_registration_add(
        pledge=draft, unit=world.unit_a, title=" Đơn vị  Quyết thắng ", actor=world.secretary
    )
    assert registration.title == "Đơn vị Quyết thắng"
    with pytest.raises(ValidationError) as exc:
        pledge_registration_add(pledge=draft, unit=world.unit_a, title="Đơn vị Quyết thắng", actor=None)
    assert "Đơn vị đã đăng ký danh hiệu này." in exc.value.messages
    with pytest.raises(ValidationError) as exc:
        pledge_registration_add(pledge=draft, unit=world.other_unit, title="Đơn vị Quyết thắng", actor=None)
    assert exc.value.message_dict["unit"] == [
        "Sư đoàn 301 không phải là thành viên hiện tại của Khối thi đua số 2."
    ]
    pledge_registration_remove(registration=registration, actor=world.secretary)
    assert not PledgeRegistration.objects.exists()


def test_registrations_of_an_opened_pledge_cannot_change(world, draft):
    registration = pledge_registration_add(pledge=draft, unit=world.unit_a, title="Cờ thi đua", actor=None)
    pledge_open(pledge=draft, actor=world.secretary)
    with pytest.raises(ValidationError):
        pledge_registration_add(pledge=draft, unit=world.unit_b, title="Cờ thi đua", actor=None)
    with pytest.raises(ValidationError):
        pledge_registration_remove(registration=registration, actor=None)
    assert PledgeRegistration.objects.count() == 1


# --- Opening --------------------------------------------------------------------------------------


def test_pledge_open_freezes_the_content_with_its_hash(world, draft):
    opened = pledge_open(pledge=draft, actor=world.secretary)
    assert opened.state == PledgeState.OPEN
    assert (opened.opened_by, opened.opened_at is not None) == (world.secretary, True)
    assert opened.content_hash == sha256_hex(opened.canonical_content)
    assert '"title":"Giao ước thi đua năm"' in opened.canonical_content
    assert AuditEvent.objects.filter(
        kind=AuditEvent.Kind.PUBLISH, data__content_hash=opened.content_hash
    ).exists()
    assert verify_pledge(opened, []).intact


def test_pledge_open_freezes_the_current_members_in_vietnamese_order(world):
    root = world.root
    bloc = BlocFactory(name="Khối thi đua số 9", organiser=root)
    names = ["Đông Hải", "Ánh Dương", "Dương Minh", "Bình Định", "Ân Thi"]
    for number, name in enumerate(names):
        MembershipFactory(bloc=bloc, unit=UnitFactory(code=f"V{number}", name=name, parent=root))
    left = UnitFactory(code="V-LEFT", name="An Giang", parent=root)
    MembershipFactory(bloc=bloc, unit=left, joined_on=date(2020, 1, 1), left_on=date(2021, 1, 1))
    future = UnitFactory(code="V-NEXT", name="An Khê", parent=root)
    MembershipFactory(bloc=bloc, unit=future, joined_on=timezone.localdate() + timedelta(days=30))

    pledge = open_pledge(bloc, items=1)

    assert [p["unit_name"] for p in pledge_parties(pledge)] == [
        "Ánh Dương",
        "Ân Thi",  # a < ă < â: the letter first, the tone second
        "Bình Định",
        "Dương Minh",
        "Đông Hải",
    ]
    assert {p["unit"] for p in pledge_parties(pledge)} == {"V0", "V1", "V2", "V3", "V4"}


def test_pledge_open_refuses_an_empty_pledge(world, campaign):
    pledge = pledge_create(campaign=campaign, title="Giao ước trống", actor=world.secretary)
    with pytest.raises(ValidationError) as exc:
        pledge_open(pledge=pledge, actor=world.secretary)
    assert exc.value.messages == ["Giao ước chưa có nội dung nào; hãy thêm ít nhất một mục trước khi mở ký."]
    assert state_of(pledge) == PledgeState.DRAFT


def test_pledge_open_refuses_a_bloc_without_members(world):
    bloc = BlocFactory(name="Khối thi đua mới", organiser=world.root)
    pledge = PledgeItemFactory(pledge=PledgeFactory(campaign=CampaignFactory(bloc=bloc))).pledge
    with pytest.raises(ValidationError) as exc:
        pledge_open(pledge=pledge, actor=world.admin)
    assert exc.value.messages == ["Khối/cụm chưa có đơn vị thành viên nào để ký giao ước."]
    pledge.refresh_from_db()
    assert (pledge.state, pledge.content_hash) == (PledgeState.DRAFT, "")


def test_pledge_open_refuses_a_closed_campaign(world):
    campaign = CampaignFactory(bloc=world.bloc, state=CampaignState.CLOSED)
    pledge = PledgeItemFactory(pledge=PledgeFactory(campaign=campaign)).pledge
    with pytest.raises(ValidationError) as exc:
        pledge_open(pledge=pledge, actor=world.secretary)
    assert exc.value.messages == ["Phong trào đã kết thúc, không thể mở ký giao ước."]
    assert state_of(pledge) == PledgeState.DRAFT


def test_an_opened_pledge_cannot_be_opened_again(world, opened):
    content_hash = opened.content_hash
    with pytest.raises(ValidationError) as exc:
        pledge_open(pledge=opened, actor=world.secretary)
    assert exc.value.messages == [FROZEN_MESSAGE]
    assert Pledge.objects.get(pk=opened.pk).content_hash == content_hash


# --- Signing ---------------------------------------------------------------------------------------


def test_a_leader_signs_for_his_unit(world, opened, leaders):
    signature = pledge_sign(
        pledge=opened,
        unit=world.unit_b,
        password=PASSWORD,
        ip="10.0.0.7",
        user_agent="Firefox",
        actor=leaders[world.unit_b],
    )
    assert (signature.sequence, signature.kind, signature.unit) == (1, SignatureKind.MEMBER, world.unit_b)
    assert (signature.signer_name, signature.signer_rank, signature.signer_position) == (
        "Trần Văn Bình",
        "Đại tá",
        "Tư lệnh",
    )
    assert (signature.ip, signature.user_agent, signature.content_hash) == (
        "10.0.0.7",
        "Firefox",
        opened.content_hash,
    )
    assert AuditEvent.objects.filter(
        kind=AuditEvent.Kind.SIGN, actor=leaders[world.unit_b], data__record_hash=signature.record_hash
    ).exists()
    assert state_of(opened) == PledgeState.OPEN


def test_a_wrong_password_records_nothing(world, opened):
    with pytest.raises(ValidationError) as exc:
        pledge_sign(pledge=opened, unit=world.unit_a, password="sai-mat-khau", actor=world.leader)
    assert exc.value.message_dict["password"] == [
        "Mật khẩu không đúng. Hãy nhập lại mật khẩu đăng nhập của bạn để ký."
    ]
    with pytest.raises(ValidationError) as exc:
        pledge_sign(pledge=opened, unit=world.unit_a, password="", actor=world.leader)
    assert "password" in exc.value.message_dict
    assert not PledgeSignature.objects.exists()
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.SIGN).exists()


@pytest.mark.parametrize("persona", ["outsider", "officer", "secretary", "observer", "admin"])
def test_only_the_units_leader_may_sign(world, opened, persona):
    with pytest.raises(PermissionDenied):
        pledge_sign(pledge=opened, unit=world.unit_a, password=PASSWORD, actor=world.persona(persona))
    assert not PledgeSignature.objects.exists()


def test_a_leader_cannot_sign_for_a_sibling_unit(world, opened, leaders):
    with pytest.raises(PermissionDenied):
        pledge_sign(pledge=opened, unit=world.unit_b, password=PASSWORD, actor=world.leader)
    assert not PledgeSignature.objects.exists()


def test_signing_twice_says_when_the_unit_signed(world, opened, leaders):
    first = sign(opened, world.unit_a, leaders)
    with pytest.raises(ValidationError) as exc:
        sign(opened, world.unit_a, leaders)
    when = timezone.localtime(first.signed_at)
    assert exc.value.messages == [
        f"Quân khu 1 đã ký giao ước này lúc {when:%H:%M ngày %d/%m/%Y} ({first.signer_name}). Không cần ký lại."
    ]
    assert opened.signatures.count() == 1


def test_a_unit_that_left_the_bloc_after_opening_cannot_sign(world, opened, leaders):
    Membership.objects.filter(bloc=world.bloc, unit=world.unit_c).update(
        left_on=timezone.localdate() - timedelta(days=1), leave_reason="merged"
    )
    with pytest.raises(ValidationError) as exc:
        sign(opened, world.unit_c, leaders)
    assert exc.value.messages == ["Quân khu 3 đã rời Khối thi đua số 2, không thể ký giao ước."]
    assert not PledgeSignature.objects.exists()


def test_a_unit_that_joined_after_opening_is_not_a_party(world, opened):
    newcomer = UnitFactory(code="QK4", name="Quân khu 4", parent=world.root)
    MembershipFactory(bloc=world.bloc, unit=newcomer, joined_on=timezone.localdate())
    with pytest.raises(ValidationError) as exc:
        pledge_sign(pledge=opened, unit=newcomer, password=PASSWORD, actor=leader_for(newcomer))
    assert exc.value.messages == ["Quân khu 4 không có tên trong danh sách các bên của giao ước này."]


def test_the_pledge_is_complete_when_every_party_has_signed(world, opened, leaders):
    sign(opened, world.unit_c, leaders)
    sign(opened, world.unit_a, leaders)
    assert state_of(opened) == PledgeState.OPEN
    sign(opened, world.unit_b, leaders)
    pledge = Pledge.objects.get(pk=opened.pk)
    assert pledge.state == PledgeState.COMPLETE
    assert pledge.completed_at is not None


def test_a_party_that_left_does_not_block_completion(world, opened, leaders):
    sign(opened, world.unit_a, leaders)
    Membership.objects.filter(bloc=world.bloc, unit=world.unit_c).update(
        left_on=timezone.localdate() - timedelta(days=1), leave_reason="dissolved"
    )
    sign(opened, world.unit_b, leaders)
    assert state_of(opened) == PledgeState.COMPLETE


def test_signatures_form_a_hash_chain(world, opened, leaders):
    for unit in (world.unit_b, world.unit_a, world.unit_c):
        sign(opened, unit, leaders, ip="2001:0DB8:0000::0001", user_agent="Chromium")
    chain = signatures_of(opened)
    assert [s.sequence for s in chain] == [1, 2, 3]
    assert [s.unit for s in chain] == [world.unit_b, world.unit_a, world.unit_c]
    assert chain[0].previous_hash == GENESIS_HASH
    assert [s.previous_hash for s in chain[1:]] == [s.record_hash for s in chain[:-1]]
    for signature in chain:
        assert signature.ip == "2001:db8::1"  # stored compressed, and hashed as stored
        assert signature.record_hash == signature_record_hash(signature)
        assert signature.content_hash == opened.content_hash
    assert len({s.record_hash for s in chain}) == 3
    assert verify_pledge(Pledge.objects.get(pk=opened.pk), chain).intact


def test_a_draft_cannot_be_signed(world, draft, leaders):
    with pytest.raises(ValidationError) as exc:
        sign(draft, world.unit_a, leaders)
    assert exc.value.messages == ["Giao ước chưa được mở ký."]


@pytest.mark.parametrize(
    ("end", "message"),
    [
        ("close", "Giao ước đã kết thúc, không thể ký."),
        ("revoke", "Giao ước đã thu hồi, không thể ký."),
    ],
)
def test_a_closed_or_revoked_pledge_cannot_be_signed(world, opened, leaders, end, message):
    if end == "close":
        pledge_close(pledge=opened, actor=world.secretary)
    else:
        pledge_revoke(pledge=opened, reason="Sai sót", actor=world.secretary)
    with pytest.raises(ValidationError) as exc:
        sign(opened, world.unit_a, leaders)
    assert exc.value.messages == [message]


# --- Witness -----------------------------------------------------------------------------------


def test_an_observer_with_the_witness_right_signs_as_witness(world, opened, leaders):
    sign(opened, world.unit_a, leaders)
    witness = pledge_witness_sign(pledge=opened, password=PASSWORD, actor=world.observer)
    assert (witness.kind, witness.unit, witness.sequence) == (SignatureKind.WITNESS, None, 2)
    assert witness.previous_hash == signatures_of(opened)[0].record_hash
    assert state_of(opened) == PledgeState.OPEN  # a witness is not a party
    assert verify_pledge(opened, signatures_of(opened)).intact


def test_only_an_observer_with_the_witness_right_may_witness(world, opened):
    plain_observer = UserFactory(username="observer2")
    AssignmentFactory(user=plain_observer, role="observer", bloc=world.bloc, can_witness=False)
    other_witness = UserFactory(username="observer3")
    AssignmentFactory(user=other_witness, role="observer", bloc=world.other_bloc, can_witness=True)
    for actor in (plain_observer, other_witness, world.secretary, world.leader, world.admin):
        with pytest.raises(PermissionDenied):
            pledge_witness_sign(pledge=opened, password=PASSWORD, actor=actor)
    assert not PledgeSignature.objects.exists()


def test_a_pledge_has_one_witness(world, opened):
    pledge_witness_sign(pledge=opened, password=PASSWORD, actor=world.observer)
    second = UserFactory(username="observer4")
    AssignmentFactory(user=second, role="observer", bloc=world.bloc, can_witness=True)
    with pytest.raises(ValidationError) as exc:
        pledge_witness_sign(pledge=opened, password=PASSWORD, actor=second)
    assert exc.value.messages == ["Giao ước đã có chữ ký chứng kiến."]
    assert opened.signatures.count() == 1


def test_the_witness_needs_the_right_password_and_an_opened_pledge(world, draft):
    with pytest.raises(ValidationError) as exc:
        pledge_witness_sign(pledge=draft, password=PASSWORD, actor=world.observer)
    assert exc.value.messages == ["Chỉ ký chứng kiến được khi giao ước đang mở ký hoặc đã ký đủ."]
    pledge_open(pledge=draft, actor=world.secretary)
    with pytest.raises(ValidationError) as exc:
        pledge_witness_sign(pledge=draft, password="sai", actor=world.observer)
    assert "password" in exc.value.message_dict
    assert not PledgeSignature.objects.exists()


# --- State machine: revoke and close -----------------------------------------------------------


def test_the_full_life_of_a_pledge(world, draft, leaders):
    assert draft.state == PledgeState.DRAFT
    assert pledge_open(pledge=draft, actor=world.secretary).state == PledgeState.OPEN
    for unit in leaders:
        sign(draft, unit, leaders)
    assert state_of(draft) == PledgeState.COMPLETE
    assert pledge_close(pledge=draft, actor=world.secretary).state == PledgeState.CLOSED
    assert verify_pledge(Pledge.objects.get(pk=draft.pk), signatures_of(draft)).intact


@pytest.mark.parametrize("signed_by_all", [False, True], ids=["open", "complete"])
def test_revoking_starts_the_next_version_as_a_draft_with_the_same_content(
    world, draft, leaders, signed_by_all
):
    pledge_item_update(item=draft.items.get(position=1), target_value=Decimal("98.50"), actor=None)
    pledge_registration_add(pledge=draft, unit=world.unit_a, title="Đơn vị Quyết thắng", actor=None)
    pledge_registration_add(pledge=draft, unit=world.unit_b, title="Cờ thi đua", actor=None)
    pledge_open(pledge=draft, actor=world.secretary)
    for unit in list(leaders)[: 3 if signed_by_all else 1]:
        sign(draft, unit, leaders)
    assert state_of(draft) == (PledgeState.COMPLETE if signed_by_all else PledgeState.OPEN)

    successor = pledge_revoke(pledge=draft, reason="  Sai chỉ tiêu mục 1 ", actor=world.secretary)

    old = Pledge.objects.get(pk=draft.pk)
    assert (old.state, old.revoke_reason, old.revoked_at is not None) == (
        PledgeState.REVOKED,
        "Sai chỉ tiêu mục 1",
        True,
    )
    assert old.signatures.count() == (3 if signed_by_all else 1)
    assert verify_pledge(old, signatures_of(old)).intact
    assert (successor.state, successor.version, successor.supersedes) == (PledgeState.DRAFT, 2, old)
    assert (successor.title, successor.campaign) == (old.title, old.campaign)
    assert str(successor) == "Giao ước thi đua năm (phiên bản 2)"
    fields = ("position", "content", "indicator", "unit_of_measure", "comparison", "target_value")
    assert list(successor.items.values_list(*fields)) == list(old.items.values_list(*fields))
    assert successor.items.get(position=1).target_value == Decimal("98.50")
    assert set(successor.registrations.values_list("unit", "title")) == {
        (world.unit_a.pk, "Đơn vị Quyết thắng"),
        (world.unit_b.pk, "Cờ thi đua"),
    }
    assert not successor.signatures.exists()
    assert AuditEvent.objects.filter(summary__contains="phiên bản 1: Sai chỉ tiêu mục 1").exists()

    # The next version is edited and opened on its own, with its own hash.
    pledge_item_update(item=successor.items.get(position=1), target_value=Decimal("99"), actor=None)
    reopened = pledge_open(pledge=successor, actor=world.secretary)
    assert reopened.content_hash != old.content_hash


def test_revoking_needs_a_reason(world, opened):
    with pytest.raises(ValidationError) as exc:
        pledge_revoke(pledge=opened, reason="   ", actor=world.secretary)
    assert exc.value.message_dict["reason"] == ["Phải nêu lý do thu hồi giao ước."]
    with pytest.raises(ValidationError) as exc:
        pledge_revoke(pledge=opened, reason="x" * 501, actor=world.secretary)
    assert exc.value.message_dict["reason"] == ["Lý do thu hồi không quá 500 ký tự."]
    assert state_of(opened) == PledgeState.OPEN


@pytest.mark.parametrize("state", ["draft", "closed", "revoked"])
def test_illegal_transitions_are_refused_with_a_message(world, draft, state):
    pledge = draft
    if state != "draft":
        pledge_open(pledge=draft, actor=world.secretary)
        if state == "closed":
            pledge_close(pledge=draft, actor=world.secretary)
        else:
            pledge_revoke(pledge=draft, reason="Sai", actor=world.secretary)
    with pytest.raises(ValidationError) as exc:
        pledge_revoke(pledge=pledge, reason="Lần nữa", actor=world.secretary)
    assert exc.value.messages == ["Chỉ thu hồi được giao ước đang mở ký hoặc đã ký đủ."]
    with pytest.raises(ValidationError) as exc:
        pledge_close(pledge=pledge, actor=world.secretary)
    assert exc.value.messages == ["Chỉ kết thúc được giao ước đang mở ký hoặc đã ký đủ."]
    if state != "draft":
        with pytest.raises(ValidationError) as exc:
            pledge_open(pledge=pledge, actor=world.secretary)
        assert exc.value.messages == [FROZEN_MESSAGE]
    assert state_of(pledge) == state
    assert Pledge.objects.filter(supersedes=pledge).count() == (1 if state == "revoked" else 0)
