"""Search from the header: accent-insensitive, every word counts, only what the user may see,
and a fixed number of queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from blocs.tests.factories import MembershipFactory, UnitFactory
from campaigns.tests.factories import CampaignFactory, PledgeFactory
from thidua.search import LIMIT


def search(client, user, text):
    client.force_login(user)
    response = client.get(reverse("search"), {"q": text})
    assert response.status_code == 200
    return response


def titles(response, kind):
    group = next(g for g in response.context["results"].groups if g.kind == kind)
    return [hit.title for hit in group.hits]


def test_words_without_accents_find_names_with_them(world, client):
    response = search(client, world.secretary, "quan khu")
    assert titles(response, "units") == ["Quân khu 1", "Quân khu 2", "Quân khu 3"]
    assert titles(search(client, world.secretary, "KHU quân 2"), "units") == ["Quân khu 2"]


def test_d_finds_the_letter_dd(world, client):
    assert titles(search(client, world.leader, "doan"), "units") == ["Sư đoàn 3"]
    assert "Sư đoàn 3" in titles(search(client, world.leader, "d"), "units")


def test_a_unit_code_finds_the_unit(world, client):
    assert titles(search(client, world.secretary, "qk2"), "units") == ["Quân khu 2"]


def test_blocs_campaigns_and_pledges_are_found(world, client):
    campaign = CampaignFactory(bloc=world.bloc, year=2026)
    PledgeFactory(campaign=campaign, title="Giao ước thi đua năm 2026")
    response = search(client, world.observer, "khoi thi dua so 2")
    assert titles(response, "blocs") == ["Khối thi đua số 2"]
    assert titles(response, "campaigns") == ["Phong trào Thi đua Quyết thắng năm 2026"]
    assert titles(search(client, world.observer, "giao uoc 2026"), "pledges") == ["Giao ước thi đua năm 2026"]
    assert titles(search(client, world.observer, "phong trao 2025"), "campaigns") == []


def test_results_stay_within_what_the_user_may_see(world, client):
    campaign = CampaignFactory(bloc=world.bloc, year=2026)
    PledgeFactory(campaign=campaign, title="Giao ước thi đua năm 2026")
    response = search(client, world.outsider, "2")  # "Quân khu 2", "Khối … số 2", "… 2026"
    assert response.context["results"].total == 0
    page = response.content.decode()
    assert "Không tìm thấy gì có “2” trong phạm vi bạn được xem." in page
    assert "Quân khu" not in page


def test_an_empty_search_says_what_to_type(world, client):
    page = search(client, world.secretary, "   ").content.decode()
    assert "Nhập vài chữ trong tên cần tìm" in page


def test_results_link_to_the_pages(world, client):
    page = search(client, world.secretary, "quan khu 1").content.decode()
    assert reverse("blocs:unit-detail", args=[world.unit_a.pk]) in page
    assert 'aria-current="page">Tìm kiếm</li>' in page  # breadcrumbs


def test_many_hits_link_to_the_full_list(world, client):
    for index in range(LIMIT + 1):
        MembershipFactory(bloc=world.bloc, unit=UnitFactory(parent=world.root, name=f"Lữ đoàn {index}"))
    response = search(client, world.secretary, "lu doan")
    group = next(g for g in response.context["results"].groups if g.kind == "units")
    assert len(group.hits) == LIMIT and group.more
    assert group.more_url == reverse("blocs:unit-list") + "?q=lu+doan"


def test_the_header_has_a_labelled_search_box_on_every_page(world, client):
    client.force_login(world.leader)
    page = client.get(reverse("blocs:unit-list")).content.decode()
    assert '<label for="header-search-q"' in page and 'id="header-search-q"' in page
    assert f'action="{reverse("search")}"' in page
    client.logout()
    assert 'id="header-search-q"' not in client.get(reverse("login")).content.decode()


@pytest.mark.parametrize("size", [2, 15])
def test_search_runs_a_fixed_number_of_queries(world, client, django_assert_num_queries, size):
    for index in range(size):
        MembershipFactory(bloc=world.bloc, unit=UnitFactory(parent=world.root, name=f"Quân khu {10 + index}"))
        campaign = CampaignFactory(bloc=world.bloc, year=2000 + index, name=f"Phong trào khu {index}")
        PledgeFactory(campaign=campaign, title=f"Giao ước khu {index}")
    client.force_login(world.secretary)
    # session, user, the own units' tree paths (Unit.visible_to), units, blocs, campaigns,
    # pledges, navigation roles
    with django_assert_num_queries(8):
        response = client.get(reverse("search"), {"q": "khu"})
    assert response.context["results"].total == 3 + size + 2 * size
