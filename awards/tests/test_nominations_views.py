"""Pages of a review's nomination list: who reads what, who acts, bad input, query counts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from awards.models import Nomination, NominationList
from awards.services import nominations as services
from awards.tests.test_nominations_support import FLAG_BQP, QUYET_THANG, add_members, catalogue, world_review
from blocs.tests.factories import AssignmentFactory, UserFactory

READERS_ALL = ["admin", "secretary", "observer"]
OUTSIDERS = ["other_secretary", "outsider", "nobody"]


@pytest.fixture
def titles(db):
    return catalogue()


@pytest.fixture
def review(world, titles):
    return world_review(world)


@pytest.fixture
def drafted(world, review):
    return services.nominations_generate(review=review, actor=world.secretary)


@pytest.fixture
def approver(world):
    user = UserFactory(username="approver")
    AssignmentFactory(user=user, role="observer", bloc=world.bloc, can_approve_awards=True)
    return user


def page_of(client, review):
    return client.get(reverse("awards:nominations", args=[review.pk]))


def state(world):
    return (
        list(NominationList.objects.values_list("state", flat=True)),
        list(Nomination.objects.order_by("pk").values_list("unit_id", "title_id", "state", "justification")),
    )


# --- Reading ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", READERS_ALL)
def test_the_secretariat_admin_and_observers_read_every_nomination_with_its_checks(
    world, client_for, drafted, persona
):
    response = page_of(client_for(world.persona(persona)), drafted.review)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('data-testid="nomination"') == 4
    assert "Là đơn vị dẫn đầu năm 2024: đạt" in page
    assert "Được đề nghị Đơn vị Quyết thắng năm 2024 trong cùng danh sách (chờ quyết định): đạt" in page
    assert "1/1 suất" in page


def test_a_leader_reads_his_own_units_nominations_only(world, client_for, drafted):
    response = page_of(client_for(world.leader), drafted.review)
    assert response.status_code == 200
    rows = response.context["board"].rows
    assert {row.nomination.unit_id for row in rows} == {world.unit_a.pk}
    page = response.content.decode()
    assert "Quân khu 2 –" not in page and 'data-testid="quota"' not in page


def test_a_leader_of_an_unlisted_unit_sees_none(world, client_for, titles):
    rows = [(world.unit_b, 1, "Xuất sắc", 95), (world.unit_a, 2, "Khá", 70), (world.unit_c, 3, "Khá", 68)]
    nomination_list = services.nominations_generate(
        review=world_review(world, rows=rows, leading=world.unit_b), actor=world.admin
    )
    page = page_of(client_for(world.leader), nomination_list.review).content.decode()
    assert "Đơn vị của anh/chị không có trong danh sách đề nghị." in page


def test_a_units_staff_officer_may_not_read_the_list(world, client_for, drafted):
    assert page_of(client_for(world.officer), drafted.review).status_code == 403


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_outsiders_get_404(world, client_for, drafted, persona):
    assert page_of(client_for(world.persona(persona)), drafted.review).status_code == 404


def test_before_generation_the_secretariat_is_offered_to_generate(world, client_for, review):
    page = page_of(client_for(world.secretary), review).content.decode()
    assert reverse("awards:nominations-generate", args=[review.pk]) in page
    page = page_of(client_for(world.observer), review).content.decode()
    assert reverse("awards:nominations-generate", args=[review.pk]) not in page


def test_a_failing_nomination_prints_its_justification(world, client_for, drafted, titles):
    services.nomination_add(
        nomination_list=drafted,
        unit=world.unit_b,
        title=titles[QUYET_THANG],
        justification="Hoàn thành xuất sắc diễn tập khu vực phòng thủ.",
        actor=world.secretary,
    )
    page = page_of(client_for(world.observer), drafted.review).content.decode()
    assert "Vượt chỉ tiêu: đề nghị thứ 2 khi chỉ có 1 suất" in page
    assert "<strong>Giải trình:</strong> Hoàn thành xuất sắc diễn tập khu vực phòng thủ." in page
    assert "2/1 suất" in page


@pytest.mark.parametrize(("extra", "expected"), [(0, 10), (6, 10)])
def test_the_page_runs_a_fixed_number_of_queries(
    world, client_for, titles, django_assert_num_queries, extra, expected
):
    units = [world.unit_a, world.unit_b, world.unit_c, *add_members(world.bloc, extra)]
    rows = [(u, i + 1, "Tốt", 90 - i) for i, u in enumerate(units)]
    nomination_list = services.nominations_generate(review=world_review(world, rows=rows), actor=world.admin)
    client = client_for(world.observer)
    with django_assert_num_queries(expected):
        client.get(reverse("awards:nominations", args=[nomination_list.review_id]))


# --- Acting -------------------------------------------------------------------------------------


def actions(world, nomination_list, titles):
    nomination = nomination_list.nominations.first()
    return [
        ("post", reverse("awards:nominations-generate", args=[nomination_list.review_id]), {}),
        ("get", reverse("awards:nomination-add", args=[nomination_list.pk]), {}),
        (
            "post",
            reverse("awards:nomination-add", args=[nomination_list.pk]),
            {"unit": world.unit_c.pk, "title": titles["Giấy khen"].pk},
        ),
        ("get", reverse("awards:nomination-justify", args=[nomination.pk]), {}),
        ("post", reverse("awards:nomination-justify", args=[nomination.pk]), {"justification": "Lý do"}),
        ("post", reverse("awards:nomination-remove", args=[nomination.pk]), {}),
        ("post", reverse("awards:nomination-list-submit", args=[nomination_list.pk]), {}),
    ]


@pytest.mark.parametrize("persona", ["observer", "leader", "officer"])
def test_readers_get_403_on_every_secretariat_action(world, client_for, drafted, titles, persona):
    requests = actions(world, drafted, titles)
    before = state(world)
    client = client_for(world.persona(persona))
    for method, url, data in requests:
        assert getattr(client, method)(url, data).status_code == 403, url
    assert state(world) == before


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_outsiders_get_404_on_every_action(world, client_for, drafted, titles, persona):
    requests = actions(world, drafted, titles)
    decide = reverse("awards:nomination-decide", args=[drafted.nominations.first().pk])
    before = state(world)
    client = client_for(world.persona(persona))
    for method, url, data in [*requests, ("post", decide, {"approve": "1"})]:
        assert getattr(client, method)(url, data).status_code == 404, url
    assert state(world) == before


def test_the_secretary_generates_the_list(world, client_for, review):
    response = client_for(world.secretary).post(reverse("awards:nominations-generate", args=[review.pk]))
    assert response.status_code == 302
    assert NominationList.objects.get(review=review).nominations.count() == 4


def test_adding_a_nomination_over_quota_without_justification_answers_400_with_the_reason(
    world, client_for, drafted, titles
):
    before = state(world)
    url = reverse("awards:nomination-add", args=[drafted.pk])
    response = client_for(world.secretary).post(
        url, {"unit": world.unit_b.pk, "title": titles[QUYET_THANG].pk}
    )
    assert response.status_code == 400
    errors = response.context["form"].errors["justification"]
    assert "Vượt chỉ tiêu: đề nghị thứ 2 khi chỉ có 1 suất" in errors[0]
    assert state(world) == before


def test_adding_with_a_justification_keeps_it(world, client_for, drafted, titles):
    url = reverse("awards:nomination-add", args=[drafted.pk])
    response = client_for(world.secretary).post(
        url,
        {"unit": world.unit_b.pk, "title": titles[QUYET_THANG].pk, "justification": "Thành tích đột xuất."},
    )
    assert response.status_code == 302
    assert (
        drafted.nominations.get(unit=world.unit_b, title=titles[QUYET_THANG]).justification
        == "Thành tích đột xuất."
    )


@pytest.mark.parametrize(
    ("data", "field", "text"),
    [
        ({}, "unit", "Đơn vị: không được để trống."),
        ({"unit": "999999", "title": "x"}, "unit", "Đơn vị: chọn một đơn vị thành viên"),
        ({"unit": "other", "title": "giay"}, "unit", "Đơn vị: chọn một đơn vị thành viên"),
        ({"unit": "a", "title": "cstd"}, "title", "chọn một mục đang dùng dành cho tập thể"),
        ({"unit": "c", "title": "giay", "justification": "x" * 2001}, "justification", "tối đa 2.000 ký tự"),
    ],
)
def test_bad_input_on_the_add_form_answers_400_naming_the_field(
    world, client_for, drafted, titles, data, field, text
):
    values = {
        "a": world.unit_a.pk,
        "c": world.unit_c.pk,
        "other": world.other_unit.pk,
        "giay": titles["Giấy khen"].pk,
        "cstd": titles["Chiến sĩ thi đua cơ sở"].pk,
    }
    data = {k: values.get(v, v) for k, v in data.items()}
    before = state(world)
    response = client_for(world.secretary).post(reverse("awards:nomination-add", args=[drafted.pk]), data)
    assert response.status_code == 400
    assert any(text in e for e in response.context["form"].errors[field])
    assert state(world) == before


def test_justify_form_requires_text(world, client_for, drafted):
    nomination = drafted.nominations.first()
    response = client_for(world.secretary).post(
        reverse("awards:nomination-justify", args=[nomination.pk]), {"justification": "   "}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["justification"] == ["Giải trình: không được để trống."]


def test_submitting_with_an_unjustified_failure_is_refused_with_the_reason(
    world, client_for, drafted, titles
):
    services.nomination_remove(
        nomination=drafted.nominations.get(title=titles[QUYET_THANG]), actor=world.secretary
    )
    client = client_for(world.secretary)
    response = client.post(reverse("awards:nomination-list-submit", args=[drafted.pk]), follow=True)
    assert "Chưa trình được" in response.content.decode()
    drafted.refresh_from_db()
    assert drafted.state == "draft"
    flag = drafted.nominations.get(title=titles[FLAG_BQP])
    client.post(
        reverse("awards:nomination-justify", args=[flag.pk]),
        {"justification": "Được đề nghị ở danh sách khác."},
    )
    client.post(reverse("awards:nomination-list-submit", args=[drafted.pk]))
    drafted.refresh_from_db()
    assert drafted.state == "submitted"


# --- Deciding ---------------------------------------------------------------------------------------


@pytest.fixture
def submitted(world, drafted):
    return services.nomination_list_submit(nomination_list=drafted, actor=world.secretary)


@pytest.mark.parametrize("persona", ["observer", "secretary", "leader", "officer"])
def test_only_approvers_decide(world, client_for, submitted, persona):
    nomination = submitted.nominations.first()
    client = client_for(world.persona(persona))
    url = reverse("awards:nomination-decide", args=[nomination.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"approve": "1"}).status_code == 403
    nomination.refresh_from_db()
    assert nomination.state == "submitted"


def test_an_observer_with_the_right_sees_the_decide_buttons_and_decides(
    world, client_for, submitted, approver
):
    client = client_for(approver)
    page = page_of(client, submitted.review).content.decode()
    nomination = submitted.nominations.first()
    assert reverse("awards:nomination-decide", args=[nomination.pk]) in page
    assert (
        reverse("awards:nomination-decide", args=[nomination.pk])
        not in page_of(client_for(world.observer), submitted.review).content.decode()
    )
    response = client_for(approver).post(
        reverse("awards:nomination-decide", args=[nomination.pk]), {"approve": "1"}
    )
    assert response.status_code == 302
    nomination.refresh_from_db()
    assert nomination.state == "approved" and nomination.decided_by == approver


@pytest.mark.parametrize(
    ("data", "field", "text"),
    [
        ({}, "approve", "Ý kiến: không được để trống."),
        ({"approve": "maybe"}, "approve", "Ý kiến: chọn Đồng ý hoặc Không đồng ý."),
        ({"approve": "0", "reason": "  "}, "reason", "Lý do: ghi lý do không đồng ý."),
    ],
)
def test_bad_input_on_the_decide_form_answers_400(world, client_for, submitted, approver, data, field, text):
    nomination = submitted.nominations.first()
    response = client_for(approver).post(reverse("awards:nomination-decide", args=[nomination.pk]), data)
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [text]
    nomination.refresh_from_db()
    assert nomination.state == "submitted"


def test_rejection_reason_is_shown_on_the_list(world, client_for, submitted, approver):
    nomination = submitted.nominations.first()
    client_for(approver).post(
        reverse("awards:nomination-decide", args=[nomination.pk]),
        {"approve": "0", "reason": "Chờ kết quả thanh tra."},
    )
    page = page_of(client_for(world.leader), submitted.review).content.decode()
    assert "Cấp trên không đồng ý: Chờ kết quả thanh tra." in page
