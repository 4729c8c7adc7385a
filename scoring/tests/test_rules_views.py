"""The campaign's scoring rules page: read by whoever sees the bloc, edited by its secretariat
until the first round is published; bad input and the access matrix."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from campaigns.models import Campaign
from campaigns.tests.factories import CampaignFactory
from scoring.models import ScoringRules
from scoring.services.rounds import round_publish
from scoring.tests.factories import close_round, round_with_sample

MANAGERS = ["admin", "secretary"]
READERS = ["observer", "leader", "officer"]
OUTSIDERS = ["other_secretary", "outsider", "nobody"]

DEFAULTS = {
    "card_basis": "final",
    "aggregation": "mean",
    "tie_break_1": "fewer_penalty",
    "tie_break_2": "core_group",
    "band_label_1": "Xuất sắc",
    "band_threshold_1": "90",
    "band_label_2": "Tốt",
    "band_threshold_2": "80",
    "band_label_3": "Khá",
    "band_threshold_3": "65",
    "band_label_4": "Trung bình",
    "band_threshold_4": "50",
    "leading_by": "vote",
    "candidate_count": "3",
    "objection_days": "7",
}


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def url(campaign: Campaign) -> str:
    return reverse("scoring:rules", args=[campaign.pk])


@pytest.fixture
def campaign(world) -> Campaign:
    return CampaignFactory(bloc=world.bloc, year=2025)


def stored() -> list:
    return list(
        ScoringRules.objects.values_list(
            "card_basis", "peer_scoring", "aggregation", "quarter_weights", "tie_breaks", "bands"
        )
    )


@pytest.mark.parametrize("persona", [*MANAGERS, *READERS])
def test_everyone_who_sees_the_bloc_reads_the_rules(world, client_for, campaign, persona):
    response = client_for(world.persona(persona)).get(url(campaign))
    assert response.status_code == 200
    page = text_of(response)
    assert "Phiếu của thường trực khối/cụm" in page
    assert "Xuất sắc từ 90%; Tốt từ 80%; Khá từ 65%; Trung bình từ 50%; dưới đó: Yếu." in page
    assert "1. Đơn vị có ít điểm trừ hơn xếp trên" in page
    assert ("Lưu quy tắc" in page) is (persona in MANAGERS)
    assert not ScoringRules.objects.exists()  # reading creates nothing


@pytest.mark.parametrize("persona", READERS)
def test_readers_cannot_change_the_rules(world, client_for, campaign, persona):
    response = client_for(world.persona(persona)).post(url(campaign), DEFAULTS | {"peer_scoring": "on"})
    assert response.status_code == 403
    assert not ScoringRules.objects.exists()


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_others_get_404(world, client_for, campaign, persona):
    client = client_for(world.persona(persona))
    assert client.get(url(campaign)).status_code == 404
    assert client.post(url(campaign), DEFAULTS).status_code == 404
    assert not ScoringRules.objects.exists()


def test_every_input_is_labelled(world, client_for, campaign):
    page = client_for(world.secretary).get(url(campaign)).content.decode()
    names = [
        "peer_scoring",
        "tie_break_1",
        "tie_break_2",
        "weight_1",
        "weight_4",
        "band_label_1",
        "band_threshold_6",
        "candidate_count",
        "objection_days",
    ]
    for name in names:
        assert re.search(rf'<label[^>]*for="id_{name}"', page), name
    assert page.count('type="radio"') == 7  # card basis 2, aggregation 3, leading unit 2
    assert 'value="90"' in page and 'value="Trung bình"' in page


def test_secretary_saves_weighted_rules_with_decimal_commas(world, client_for, campaign):
    data = DEFAULTS | {
        "peer_scoring": "on",
        "card_basis": "peer_mean",
        "aggregation": "weighted",
        "weight_1": "1",
        "weight_2": "1",
        "weight_3": "1,5",
        "weight_4": "2",
        "tie_break_1": "core_group",
        "tie_break_2": "",
        "band_threshold_1": "92,5",
    }
    client = client_for(world.secretary)
    response = client.post(url(campaign), data)
    assert response.status_code == 302
    rules = ScoringRules.objects.get(campaign=campaign)
    assert (rules.card_basis, rules.peer_scoring, rules.aggregation) == ("peer_mean", True, "weighted")
    assert rules.quarter_weights == [1, 1, 1.5, 2]
    assert rules.tie_breaks == ["core_group"]
    assert rules.bands[0] == ["Xuất sắc", 92.5]
    page = text_of(client.get(url(campaign)))
    assert "Xuất sắc từ 92,5%" in page and "Quý III: 1,5" in page
    assert 'value="92,5"' in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"aggregation": "weighted"}, "Trọng số phải gồm đúng 4 số"),
        (
            {"aggregation": "weighted", "weight_1": "0", "weight_2": "0", "weight_3": "0", "weight_4": "0"},
            "tổng các trọng số phải lớn hơn 0",
        ),
        (
            {"aggregation": "weighted", "weight_1": "1", "weight_2": "-1", "weight_3": "1", "weight_4": "1"},
            "Trọng số Quý II không được âm.",
        ),
        (
            {"aggregation": "weighted", "weight_1": "1", "weight_2": "", "weight_3": "1", "weight_4": "1"},
            "Trọng số Quý II",
        ),
        ({"weight_1": "một"}, "Trọng số Quý I: “một” không phải là số"),
        ({"tie_break_2": "fewer_penalty"}, "Mỗi tiêu chí xét khi bằng điểm chỉ chọn một lần."),
        ({"tie_break_1": "", "tie_break_2": "core_group"}, "Chọn tiêu chí xét trước"),
        ({"tie_break_1": "coin_toss"}, "Tiêu chí xét khi bằng điểm không hợp lệ."),
        ({"band_threshold_2": "95"}, "Mức xếp loại thứ 2 (Tốt): ngưỡng phải thấp hơn mức trên (90%)"),
        ({"band_threshold_1": "120"}, "ngưỡng phải từ 0 đến 100"),
        ({"band_threshold_1": "-5"}, "ngưỡng phải từ 0 đến 100"),
        ({"band_threshold_1": "chín mươi"}, "Ngưỡng mức 1 (từ … %): “chín mươi” không phải là số"),
        ({"band_threshold_1": ""}, "Mức “Xuất sắc”: hãy ghi ngưỡng"),
        ({"band_label_1": ""}, "Ngưỡng mức 1: hãy ghi tên mức xếp loại."),
        ({"band_label_2": "Xuất sắc"}, "tên “Xuất sắc” bị trùng"),
        (
            {f"band_{part}_{n}": "" for n in range(1, 5) for part in ("label", "threshold")},
            "Cần ít nhất một mức xếp loại",
        ),
        ({"card_basis": "peer_mean"}, "phải bật chấm chéo"),
        ({"card_basis": "lottery"}, "Phiếu dùng để xếp hạng không hợp lệ."),
        ({"aggregation": ""}, "Chọn cách tính điểm cả năm."),
    ],
)
def test_bad_rules_are_refused_with_a_message(world, client_for, campaign, changes, message):
    response = client_for(world.secretary).post(url(campaign), DEFAULTS | changes)
    assert response.status_code == 400
    assert message in text_of(response)
    assert not ScoringRules.objects.exists()


def test_rules_cannot_change_once_a_round_is_published(world, client_for):
    scoring_round = round_with_sample(world.bloc, actor=world.secretary)
    campaign = scoring_round.campaign
    client = client_for(world.secretary)
    assert client.post(url(campaign), DEFAULTS | {"peer_scoring": "on"}).status_code == 302
    close_round(scoring_round)
    round_publish(scoring_round=scoring_round, actor=world.secretary)
    before = stored()
    page = text_of(client.get(url(campaign)))
    assert "quy tắc không sửa được nữa" in page and "Lưu quy tắc" not in page
    response = client.post(url(campaign), DEFAULTS)
    assert response.status_code == 400
    assert "không sửa được nữa" in str(list(get_messages(response.wsgi_request))[0])
    assert stored() == before


@pytest.mark.parametrize("size", [0, 1])
def test_the_rules_page_runs_a_fixed_number_of_queries(
    world, client_for, django_assert_num_queries, campaign, size
):
    for period in ["q1", "q2"][: size + 1]:
        round_with_sample(world.bloc, period, campaign=campaign)
    if size:
        ScoringRules.objects.create(campaign=campaign, tie_breaks=["core_group"])
    client = client_for(world.secretary)
    with django_assert_num_queries(7):
        assert client.get(url(campaign)).status_code == 200


def test_the_tie_break_choices_are_the_services(world, client_for, campaign):
    from scoring.services.rules import TIE_BREAKS

    page = client_for(world.secretary).get(url(campaign)).content.decode()
    select = re.search(r'<select name="tie_break_1".*?</select>', page, re.S).group(0)
    assert re.findall(r'<option value="(\w*)"', select) == ["", *TIE_BREAKS]
