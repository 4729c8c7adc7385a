"""The admin site shows campaigns and pledges but cannot change them (DESIGN.md §8: a signed
pledge cannot be changed, "not even by the admin site")."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.models import Campaign, Drive, Pledge, PledgeItem, PledgeRegistration, PledgeSignature
from campaigns.services.pledges import pledge_item_add, pledge_open, pledge_registration_add, pledge_sign
from campaigns.tests.factories import PASSWORD, CampaignFactory, DriveFactory, PledgeFactory, open_pledge

MODELS = [Campaign, Drive, Pledge, PledgeItem, PledgeRegistration, PledgeSignature]


def url(model, view: str, *args) -> str:
    return reverse(f"admin:campaigns_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def signed(world) -> Pledge:
    campaign = CampaignFactory(bloc=world.bloc)
    DriveFactory(campaign=campaign)
    pledge = PledgeFactory(campaign=campaign, title="Giao ước thi đua năm")
    pledge_item_add(pledge=pledge, content="Huấn luyện giỏi", actor=None)
    pledge_registration_add(pledge=pledge, unit=world.unit_a, title="Đơn vị Quyết thắng", actor=None)
    pledge_open(pledge=pledge, actor=world.secretary)
    pledge_sign(pledge=pledge, unit=world.unit_a, password=PASSWORD, actor=world.leader)
    return pledge


@pytest.fixture
def admin_client(world, client_for):
    return client_for(world.admin)


def instance_of(model, pledge: Pledge):
    return {
        Campaign: pledge.campaign,
        Drive: pledge.campaign.drives.first(),
        Pledge: pledge,
        PledgeItem: pledge.items.first(),
        PledgeRegistration: pledge.registrations.first(),
        PledgeSignature: pledge.signatures.first(),
    }[model]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_the_admin_pages_load_for_a_superuser(admin_client, signed, model):
    response = admin_client.get(url(model, "changelist"))
    assert response.status_code == 200
    obj = instance_of(model, signed)
    response = admin_client.get(url(model, "change", obj.pk))
    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()  # nothing to save


def test_the_pledge_changelist_shows_state_version_and_short_code(admin_client, signed):
    content = admin_client.get(url(Pledge, "changelist")).content.decode()
    assert "Giao ước thi đua năm" in content
    assert "Đang ký" in content
    assert signed.short_code in content


def test_the_signature_changelist_shows_the_chain(admin_client, signed):
    signature = signed.signatures.get()
    content = admin_client.get(url(PledgeSignature, "changelist")).content.decode()
    assert signature.signer_name in content
    assert "Quân khu 1" in content
    assert signature.record_hash[:12] in content


def test_the_pledge_page_shows_its_seal_items_and_signatures(admin_client, signed):
    content = admin_client.get(url(Pledge, "change", signed.pk)).content.decode()
    assert signed.content_hash in content
    assert "Huấn luyện giỏi" in content
    assert signed.signatures.get().record_hash in content


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_nothing_may_be_added_changed_or_deleted_in_the_admin(rf, world, signed, model):
    request = rf.get("/")
    request.user = world.admin
    model_admin = admin.site._registry[model]
    obj = instance_of(model, signed)
    assert model_admin.has_view_permission(request, obj)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, obj)
    assert not model_admin.has_delete_permission(request, obj)
    for inline in model_admin.get_inline_instances(request, obj):
        assert not inline.has_add_permission(request, obj)
        assert not inline.has_change_permission(request, obj)
        assert not inline.has_delete_permission(request, obj)


def test_posting_to_the_change_view_changes_nothing(admin_client, signed):
    response = admin_client.post(
        url(Pledge, "change", signed.pk),
        {"campaign": signed.campaign_id, "period": "year", "title": "Sửa qua trang quản trị", "version": 1},
    )
    assert response.status_code == 403
    item = signed.items.get()
    response = admin_client.post(url(PledgeItem, "change", item.pk), {"content": "Sửa", "position": 1})
    assert response.status_code == 403
    signature = signed.signatures.get()
    response = admin_client.post(url(PledgeSignature, "change", signature.pk), {"signer_name": "Người khác"})
    assert response.status_code == 403
    assert Pledge.objects.get(pk=signed.pk).title == "Giao ước thi đua năm"
    assert PledgeItem.objects.get(pk=item.pk).content == "Huấn luyện giỏi"
    assert PledgeSignature.objects.get(pk=signature.pk).signer_name == signature.signer_name


@pytest.mark.parametrize("model", [Pledge, PledgeItem, PledgeSignature], ids=lambda m: m.__name__)
def test_the_add_and_delete_views_are_refused(admin_client, signed, model):
    obj = instance_of(model, signed)
    assert admin_client.get(url(model, "add")).status_code == 403
    assert admin_client.post(url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()


def test_the_bulk_delete_action_is_not_offered(admin_client, signed):
    response = admin_client.post(
        url(Pledge, "changelist"),
        {"action": "delete_selected", "_selected_action": [signed.pk], "post": "yes"},
    )
    assert Pledge.objects.filter(pk=signed.pk).exists()
    assert response.status_code in (200, 302)


@pytest.mark.parametrize("model", [Campaign, Drive, Pledge], ids=lambda m: m.__name__)
def test_the_history_is_shown_but_cannot_be_reverted(admin_client, signed, model):
    obj = instance_of(model, signed)
    assert admin_client.get(url(model, "history", obj.pk)).status_code == 200
    first = obj.history.earliest()
    history_form = url(model, "simple_history", obj.pk, first.history_id)
    assert admin_client.get(history_form).status_code == 200
    before = model.objects.filter(pk=obj.pk).values().get()
    data = {f.name: getattr(first, f.attname) or "" for f in model._meta.concrete_fields if f.editable}
    data["name" if model is not Pledge else "title"] = "Khôi phục trái phép"
    assert admin_client.post(history_form, data).status_code == 403
    assert model.objects.filter(pk=obj.pk).values().get() == before


def test_a_draft_pledge_is_read_only_too(admin_client, world):
    draft = PledgeFactory(campaign=CampaignFactory(bloc=world.bloc), title="Dự thảo")
    response = admin_client.post(
        url(Pledge, "change", draft.pk), {"campaign": draft.campaign_id, "period": "year", "title": "Sửa"}
    )
    assert response.status_code == 403
    assert Pledge.objects.get(pk=draft.pk).title == "Dự thảo"


@pytest.mark.parametrize("model", [Pledge, PledgeSignature, PledgeItem], ids=lambda m: m.__name__)
def test_changelists_run_a_fixed_number_of_queries(admin_client, world, model):
    def queries_for_changelist() -> int:
        with CaptureQueriesContext(connection) as context:
            assert admin_client.get(url(model, "changelist")).status_code == 200
        return len(context.captured_queries)

    campaign = CampaignFactory(bloc=world.bloc)
    for _ in range(2):
        pledge_sign(
            pledge=open_pledge(world.bloc, campaign=campaign),
            unit=world.unit_a,
            password=PASSWORD,
            actor=world.leader,
        )
    small = queries_for_changelist()
    for _ in range(4):
        pledge_sign(
            pledge=open_pledge(world.bloc, campaign=campaign),
            unit=world.unit_a,
            password=PASSWORD,
            actor=world.leader,
        )
    assert queries_for_changelist() == small
