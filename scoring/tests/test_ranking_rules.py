"""The rules that decide the leading unit and the objection period (leading_by, candidate_count,
objection_days): saved from the rules page, checked by the service with Vietnamese messages
naming the field, and shown in the rules summary."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from campaigns.tests.factories import CampaignFactory
from scoring.models import ScoringRules
from scoring.services.rules import scoring_rules_update
from scoring.tests.test_rules_views import DEFAULTS


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def campaign(world):
    return CampaignFactory(bloc=world.bloc, year=2025)


def url(campaign) -> str:
    return reverse("scoring:rules", args=[campaign.pk])


def test_defaults_are_a_vote_among_three_and_seven_days(world, client_for, campaign):
    page = text_of(client_for(world.observer).get(url(campaign)))
    assert "Bình xét, suy tôn (bỏ phiếu kín) trong số 3 đơn vị điểm cao nhất" in page
    assert "Trong 7 ngày kể từ ngày công bố kết quả đợt chấm." in page


def test_secretary_saves_leading_unit_and_objection_rules(world, client_for, campaign):
    client = client_for(world.secretary)
    data = DEFAULTS | {"leading_by": "score", "candidate_count": "5", "objection_days": "0"}
    assert client.post(url(campaign), data).status_code == 302
    rules = ScoringRules.objects.get(campaign=campaign)
    assert (rules.leading_by, rules.candidate_count, rules.objection_days) == ("score", 5, 0)
    page = text_of(client.get(url(campaign)))
    assert "Đơn vị xếp thứ nhất (không vi phạm tiêu chí phủ quyết)." in page
    assert "Không nhận kiến nghị sau khi công bố." in page
    assert 'name="candidate_count" value="5"' in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"candidate_count": "1"}, "Số đơn vị đưa ra suy tôn: nhập một số nguyên từ 2 đến 10."),
        ({"candidate_count": "11"}, "Số đơn vị đưa ra suy tôn: nhập một số nguyên từ 2 đến 10."),
        ({"candidate_count": "ba"}, "Số đơn vị đưa ra suy tôn: nhập một số nguyên từ 2 đến 10."),
        ({"candidate_count": "2,5"}, "Số đơn vị đưa ra suy tôn: nhập một số nguyên từ 2 đến 10."),
        ({"candidate_count": ""}, "Số đơn vị đưa ra suy tôn không được để trống."),
        ({"objection_days": "-1"}, "Số ngày được kiến nghị sau khi công bố: nhập một số nguyên từ 0 đến 60."),
        ({"objection_days": "61"}, "Số ngày được kiến nghị sau khi công bố: nhập một số nguyên từ 0 đến 60."),
        ({"objection_days": ""}, "Số ngày được kiến nghị sau khi công bố không được để trống."),
        ({"leading_by": "lottery"}, "Cách chọn đơn vị dẫn đầu không hợp lệ"),
        ({"leading_by": ""}, "Chọn cách chọn đơn vị dẫn đầu."),
    ],
)
def test_bad_values_are_refused_with_a_message_naming_the_field(
    world, client_for, campaign, changes, message
):
    response = client_for(world.secretary).post(url(campaign), DEFAULTS | changes)
    assert response.status_code == 400
    assert message in text_of(response)
    assert not ScoringRules.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"candidate_count": 1}, "candidate_count", "Số đơn vị đưa ra suy tôn phải từ 2 đến 10 (đang là 1)."),
        (
            {"candidate_count": 12},
            "candidate_count",
            "Số đơn vị đưa ra suy tôn phải từ 2 đến 10 (đang là 12).",
        ),
        (
            {"candidate_count": "3"},
            "candidate_count",
            "Số đơn vị đưa ra suy tôn phải là một số nguyên từ 2 đến 10.",
        ),
        ({"objection_days": 61}, "objection_days", "Số ngày được kiến nghị sau khi công bố phải từ 0 đến 60"),
        ({"objection_days": True}, "objection_days", "phải là một số nguyên từ 0 đến 60"),
        ({"leading_by": "coin"}, "leading_by", "Cách chọn đơn vị dẫn đầu không hợp lệ"),
    ],
)
def test_the_service_checks_them_too(world, campaign, fields, field, message):
    with pytest.raises(ValidationError) as raised:
        scoring_rules_update(campaign=campaign, actor=world.secretary, **fields)
    assert message in " ".join(raised.value.message_dict[field])


def test_the_service_saves_the_bounds(world, campaign):
    rules = scoring_rules_update(
        campaign=campaign, actor=world.secretary, leading_by="score", candidate_count=10, objection_days=60
    )
    rules.refresh_from_db()
    assert (rules.leading_by, rules.candidate_count, rules.objection_days) == ("score", 10, 60)
