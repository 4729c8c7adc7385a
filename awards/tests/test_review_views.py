"""Pages of the reviews: the list, creating and editing one, attendance, the report's sections,
confirming it was held, closing it and issuing a new version of its ranking; what the review's
page shows while preparing and once closed; bad input on every form; the access matrix of
DESIGN.md §6; query counts at two sizes."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from awards.models import Attendance, Election, ElectionState, Review, ReviewSection, ReviewState
from awards.services.reviews import attendance_set, review_close
from awards.tests.factories import held_review, review_for
from blocs.models import ChairTerm
from blocs.services.organisation import chair_term_set
from blocs.tests.factories import MembershipFactory, UnitFactory
from scoring.models import Scorecard, ScorecardKind, ScoringRound, ScoringRules
from scoring.services.scorecards import final_grid_save
from scoring.tests.factories import campaign_for

MANAGERS = ["admin", "secretary"]
READERS = ["observer", "leader", "officer"]
OUTSIDERS = ["other_secretary", "outsider", "nobody"]
YEAR = 2024


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def detail_url(review: Review) -> str:
    return reverse("awards:review-detail", args=[review.pk])


def by_score(campaign) -> None:
    ScoringRules.objects.update_or_create(campaign=campaign, defaults={"leading_by": "score"})


def state_of(review: Review) -> tuple:
    review = Review.objects.get(pk=review.pk)
    return (
        review.held_on,
        review.place,
        review.host_unit_id,
        review.chaired_by,
        review.state,
        sorted(Attendance.objects.filter(review=review).values_list("unit_id", "present", "representative")),
        sorted(ReviewSection.objects.filter(review=review).values_list("key", "body", "edited")),
    )


@pytest.fixture
def bare(world) -> Review:
    """A tổng kết of 2024 without rounds: quick, for the access matrix and the forms."""
    return review_for(world.bloc, "tong_ket", YEAR, actor=world.admin, rounds=False)


# --- Access matrix ------------------------------------------------------------------------------


def manage_requests(review: Review) -> list[tuple[str, str, dict]]:
    section = review.sections.order_by("position").first()
    campaign = review.campaign
    return [
        ("get", reverse("awards:review-create", args=[campaign.pk]), {}),
        (
            "post",
            reverse("awards:review-create", args=[campaign.pk]),
            {"kind": "so_ket", "held_on": "18/07/2024", "place": "Hà Nội"},
        ),
        ("get", reverse("awards:review-edit", args=[review.pk]), {}),
        (
            "post",
            reverse("awards:review-edit", args=[review.pk]),
            {"held_on": "20/12/2024", "place": "Nơi khác"},
        ),
        ("get", reverse("awards:review-attendance", args=[review.pk]), {}),
        (
            "post",
            reverse("awards:review-attendance", args=[review.pk]),
            {"present": [review.attendance.first().unit_id]},
        ),
        ("get", reverse("awards:review-section-edit", args=[review.pk, section.pk]), {}),
        (
            "post",
            reverse("awards:review-section-edit", args=[review.pk, section.pk]),
            {"body": "Nội dung mới"},
        ),
        (
            "post",
            reverse("awards:review-section-edit", args=[review.pk, section.pk]),
            {"action": "regenerate"},
        ),
        ("post", reverse("awards:review-held", args=[review.pk]), {}),
        ("get", reverse("awards:review-close", args=[review.pk]), {}),
        ("post", reverse("awards:review-close", args=[review.pk]), {"confirm": "on"}),
        ("get", reverse("awards:review-reissue", args=[review.pk]), {}),
        ("post", reverse("awards:review-reissue", args=[review.pk]), {"reason": "Đính chính"}),
    ]


@pytest.mark.parametrize("persona", [*MANAGERS, *READERS])
def test_everyone_who_sees_the_bloc_reads_the_list_and_the_review(world, client_for, bare, persona):
    client = client_for(world.persona(persona))
    page = client.get(reverse("awards:review-list", args=[bare.campaign.pk]))
    assert page.status_code == 200 and "Tổng kết năm" in page.content.decode()
    page = client.get(detail_url(bare))
    assert page.status_code == 200
    assert ('data-testid="review-actions"' in page.content.decode()) == (persona in MANAGERS)


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_others_get_404_everywhere(world, client_for, bare, persona):
    client = client_for(world.persona(persona))
    before = state_of(bare)
    assert client.get(reverse("awards:review-list", args=[bare.campaign.pk])).status_code == 404
    assert client.get(detail_url(bare)).status_code == 404
    for method, url, data in manage_requests(bare):
        assert getattr(client, method)(url, data).status_code == 404, (method, url)
    assert state_of(bare) == before and Review.objects.count() == 1


@pytest.mark.parametrize("persona", READERS)
def test_readers_may_not_act(world, client_for, bare, persona):
    client = client_for(world.persona(persona))
    before = state_of(bare)
    for method, url, data in manage_requests(bare):
        assert getattr(client, method)(url, data).status_code == 403, (method, url)
    assert state_of(bare) == before and Review.objects.count() == 1


@pytest.mark.parametrize("persona", MANAGERS)
def test_managers_reach_every_action(world, client_for, bare, persona):
    client = client_for(world.persona(persona))
    for method, url, data in manage_requests(bare):
        assert getattr(client, method)(url, data).status_code in (200, 302, 400), (method, url)


def test_anonymous_visitors_are_sent_to_the_login_page(world, client, bare):
    response = client.get(detail_url(bare))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# --- Creating and editing ----------------------------------------------------------------------


def test_the_secretariat_creates_a_review(world, client_for):
    campaign = campaign_for(world.bloc, YEAR)
    client = client_for(world.secretary)
    page = client.get(reverse("awards:review-create", args=[campaign.pk]) + "?loai=so_ket")
    assert re.search(r'name="kind" value="so_ket"\s+id="id_kind_0" required checked', page.content.decode())
    response = client.post(
        reverse("awards:review-create", args=[campaign.pk]),
        {
            "kind": "so_ket",
            "held_on": "18/07/2024",
            "place": " Hội trường  Bộ Tư lệnh Quân khu 1 ",
            "host_unit": world.unit_a.pk,
            "chaired_by": "Đại tá Nguyễn Văn A",
        },
    )
    review = Review.objects.get()
    assert response.status_code == 302 and response["Location"] == detail_url(review)
    assert (review.kind, review.held_on, review.place, review.host_unit, review.chaired_by) == (
        "so_ket",
        date(2024, 7, 18),
        "Hội trường Bộ Tư lệnh Quân khu 1",
        world.unit_a,
        "Đại tá Nguyễn Văn A",
    )
    assert messages_of(response) == [
        "Đã tạo hội nghị sơ kết 6 tháng đầu năm 2024 của Khối thi đua số 2 (18/07/2024); danh sách 3 đơn vị "
        "thành viên và bản nháp báo cáo đã được lập."
    ]
    listing = client.get(reverse("awards:review-list", args=[campaign.pk]))
    assert text_of(listing).count('data-testid="review-row"') == 1
    assert "?loai=tong_ket" in listing.content.decode() and "?loai=so_ket" not in listing.content.decode()


CREATE = {"kind": "so_ket", "held_on": "18/07/2024", "place": "Hà Nội"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Chọn loại hội nghị."),
        ({}, "Ngày tổ chức không được để trống."),
        ({}, "Địa điểm không được để trống."),
        ({"place": "x" * 201}, "Địa điểm dài tối đa 200 ký tự (đang có 201 ký tự)."),
        ({"chaired_by": "y" * 201}, "Chủ trì hội nghị dài tối đa 200 ký tự"),
        ({"held_on": "2024/07/18"}, "Ngày tổ chức: “2024/07/18” không đúng dạng ngày/tháng/năm"),
        ({"held_on": "31/02/2024"}, "Ngày tổ chức: Ngày “31/02/2024” không tồn tại."),
        (
            {"held_on": "18/07/2025"},
            "Ngày tổ chức: Sơ kết phải tổ chức trong năm 2024 (18/07/2025 nằm ngoài).",
        ),
        (
            {"kind": "tong_ket", "held_on": "01/02/2025"},
            "Tổng kết phải tổ chức trong năm 2024 hoặc tháng 01/2025",
        ),
        ({"kind": "hop_mat"}, "Loại hội nghị phải là sơ kết 6 tháng đầu năm hoặc tổng kết năm."),
        ({"host_unit": "OTHER"}, "Đơn vị đăng cai phải là một đơn vị thành viên của Khối thi đua số 2."),
    ],
)
def test_bad_input_when_creating_is_refused_with_its_message(world, client_for, data, message):
    campaign = campaign_for(world.bloc, YEAR)
    if data.get("host_unit") == "OTHER":
        data = data | {"host_unit": world.other_unit.pk}
    payload = {} if not data or list(data) == [] else CREATE | data
    response = client_for(world.secretary).post(reverse("awards:review-create", args=[campaign.pk]), payload)
    assert response.status_code == 400
    assert message in text_of(response)
    assert not Review.objects.exists()


def test_a_second_review_of_a_kind_is_refused_by_the_form(world, client_for, bare):
    response = client_for(world.admin).post(
        reverse("awards:review-create", args=[bare.campaign.pk]),
        CREATE | {"kind": "tong_ket", "held_on": "01/12/2024"},
    )
    assert response.status_code == 400
    assert "đã có hội nghị tổng kết năm." in text_of(response)
    assert Review.objects.count() == 1


def test_the_secretariat_edits_a_review(world, client_for, bare):
    response = client_for(world.secretary).post(
        reverse("awards:review-edit", args=[bare.pk]),
        {"held_on": "20/12/2024", "place": "Thái Nguyên", "host_unit": world.unit_b.pk, "chaired_by": ""},
    )
    assert response.status_code == 302
    assert messages_of(response) == ["Đã lưu thông tin hội nghị tổng kết năm 2024 của Khối thi đua số 2."]
    bare.refresh_from_db()
    assert (bare.held_on, bare.place, bare.host_unit) == (date(2024, 12, 20), "Thái Nguyên", world.unit_b)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"held_on": "", "place": ""}, "Ngày tổ chức không được để trống."),
        ({"place": "z" * 201}, "Địa điểm dài tối đa 200 ký tự"),
        ({"held_on": "20-13-2024"}, "Ngày tổ chức: Ngày “20-13-2024” không tồn tại."),
        (
            {"held_on": "15/02/2025"},
            "Tổng kết phải tổ chức trong năm 2024 hoặc tháng 01/2025 (15/02/2025 nằm ngoài).",
        ),
        ({"host_unit": "OTHER"}, "Đơn vị đăng cai phải là một đơn vị thành viên của Khối thi đua số 2."),
    ],
)
def test_bad_input_when_editing_changes_nothing(world, client_for, bare, data, message):
    if data.get("host_unit") == "OTHER":
        data = data | {"host_unit": world.other_unit.pk}
    before = state_of(bare)
    payload = {"held_on": "15/12/2024", "place": "Hà Nội"} | data
    response = client_for(world.secretary).post(reverse("awards:review-edit", args=[bare.pk]), payload)
    assert response.status_code == 400 and message in text_of(response)
    assert state_of(bare) == before


# --- Attendance --------------------------------------------------------------------------------


def test_the_secretariat_records_attendance(world, client_for, bare):
    response = client_for(world.secretary).post(
        reverse("awards:review-attendance", args=[bare.pk]),
        {
            "present": [world.unit_a.pk, world.unit_b.pk],
            f"representative_{world.unit_a.pk}": "Đại tá Nguyễn Văn A, Phó Chính ủy",
        },
    )
    assert response.status_code == 302
    assert messages_of(response) == [
        "Đã ghi thành phần dự hội nghị tổng kết năm 2024 của Khối thi đua số 2: 2/3 đơn vị có mặt."
    ]
    rows = {a.unit_id: (a.present, a.representative) for a in bare.attendance.all()}
    assert rows == {
        world.unit_a.pk: (True, "Đại tá Nguyễn Văn A, Phó Chính ủy"),
        world.unit_b.pk: (True, ""),
        world.unit_c.pk: (False, ""),
    }
    page = text_of(client_for(world.observer).get(detail_url(bare)))
    assert "2/3</strong> đơn vị có mặt" in page and "Đủ 2/3 số đơn vị thành viên (cần ít nhất 2)." in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Đánh dấu ít nhất một đơn vị có mặt tại hội nghị."),
        ({"present": ["OTHER"]}, "không có trong danh sách thành viên dự hội nghị."),
        ({"present": ["A"], "rep_A": "x" * 201}, "Người dự của Quân khu 1 dài tối đa 200 ký tự"),
    ],
)
def test_bad_attendance_is_refused(world, client_for, bare, data, message):
    ids = {"OTHER": world.other_unit.pk, "A": world.unit_a.pk}
    payload = {}
    for key, value in data.items():
        if key == "present":
            payload["present"] = [ids[v] for v in value]
        else:
            payload[f"representative_{world.unit_a.pk}"] = value
    before = state_of(bare)
    response = client_for(world.secretary).post(reverse("awards:review-attendance", args=[bare.pk]), payload)
    assert response.status_code == 400 and message in text_of(response)
    assert state_of(bare) == before


# --- Sections ----------------------------------------------------------------------------------


def test_the_secretariat_edits_and_regenerates_a_section(world, client_for, bare):
    section = bare.sections.get(key="bai_hoc")
    client = client_for(world.secretary)
    url = reverse("awards:review-section-edit", args=[bare.pk, section.pk])
    assert "Tạo lại bản nháp từ số liệu" in client.get(url).content.decode()
    response = client.post(
        url, {"body": "Một là, phải bám sát nhiệm vụ.\r\n\r\nHai là, chấm điểm công khai."}
    )
    assert response.status_code == 302 and response["Location"] == detail_url(bare) + "#muc-bai_hoc"
    assert messages_of(response) == [
        "Đã lưu mục “IV. Bài học kinh nghiệm” – hội nghị tổng kết năm 2024 của Khối thi đua số 2."
    ]
    section.refresh_from_db()
    assert section.body == "Một là, phải bám sát nhiệm vụ.\n\nHai là, chấm điểm công khai." and section.edited
    page = client.get(detail_url(bare)).content.decode()
    assert "<p>Một là, phải bám sát nhiệm vụ.</p>" in page and "Đã sửa" in page
    response = client.post(url, {"action": "regenerate"})
    assert response.status_code == 302
    section.refresh_from_db()
    assert section.body.startswith("Một là, phải thường xuyên quán triệt") and not section.edited


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Nội dung mục “IV. Bài học kinh nghiệm” không được để trống."),
        ("x" * 20001, "dài tối đa 20000 ký tự"),
    ],
)
def test_a_bad_section_text_is_refused(world, client_for, bare, body, message):
    section = bare.sections.get(key="bai_hoc")
    before = state_of(bare)
    response = client_for(world.admin).post(
        reverse("awards:review-section-edit", args=[bare.pk, section.pk]), {"body": body}
    )
    assert response.status_code == 400 and message in text_of(response)
    assert state_of(bare) == before


def test_a_section_of_another_review_is_not_found(world, client_for, bare):
    other = review_for(world.bloc, "so_ket", YEAR, actor=world.admin, rounds=False)
    url = reverse("awards:review-section-edit", args=[bare.pk, other.sections.first().pk])
    assert client_for(world.admin).get(url).status_code == 404


# --- Held and closed ---------------------------------------------------------------------------


def test_held_is_refused_without_attendance_then_accepted(world, client_for, bare):
    client = client_for(world.secretary)
    response = client.post(reverse("awards:review-held", args=[bare.pk]))
    assert messages_of(response) == ["Chưa ghi đơn vị nào có mặt: hãy ghi thành phần dự hội nghị trước."]
    attendance_set(review=bare, present={world.unit_a.pk: True}, actor=world.admin)
    response = client.post(reverse("awards:review-held", args=[bare.pk]))
    assert messages_of(response)[-1:] == [
        "Đã xác nhận hội nghị tổng kết năm 2024 của Khối thi đua số 2 được tổ chức ngày 15/12/2024."
    ]
    assert Review.objects.get(pk=bare.pk).state == ReviewState.HELD


def test_the_close_page_names_what_is_missing(world, client_for, bare):
    page = client_for(world.secretary).get(reverse("awards:review-close", args=[bare.pk]))
    text = text_of(page)
    assert "Chưa công bố kết quả các đợt chấm: Quý I (chưa mở đợt chấm)" in text
    assert "Hội nghị chưa được xác nhận là đã tổ chức." in text
    assert "Chưa tổ chức bỏ phiếu suy tôn đơn vị dẫn đầu." in text
    response = client_for(world.secretary).post(
        reverse("awards:review-close", args=[bare.pk]), {"confirm": "on"}
    )
    assert response.status_code == 400 and Review.objects.get(pk=bare.pk).state == ReviewState.PREPARING


@pytest.fixture
def ready(world) -> Review:
    """A held tổng kết with Q1–Q4 published, the leading unit by score, Quân khu 3 chairing 2024."""
    review = held_review(review_for(world.bloc, "tong_ket", YEAR, actor=world.admin), actor=world.admin)
    by_score(review.campaign)
    chair_term_set(bloc=world.bloc, year=YEAR, chair=world.unit_c, actor=world.admin)
    return review


def test_the_close_page_preselects_the_handover_proposal(world, client_for, ready):
    page = client_for(world.secretary).get(reverse("awards:review-close", args=[ready.pk]))
    html = page.content.decode()
    assert f'<option value="{world.unit_a.pk}" selected>Quân khu 1</option>' in html
    assert f'<option value="{world.unit_b.pk}" selected>Quân khu 2</option>' in html
    assert "Đề xuất Quân khu 1 làm khối trưởng năm 2025 vì là đơn vị dẫn đầu năm 2024." in html
    assert "Chốt kết quả hội nghị tổng kết năm 2024 của Khối thi đua số 2" in text_of(page)


def test_closing_through_the_page(world, client_for, ready):
    response = client_for(world.secretary).post(
        reverse("awards:review-close", args=[ready.pk]),
        {"chair": world.unit_a.pk, "deputy": world.unit_b.pk, "confirm": "on"},
    )
    assert response.status_code == 302
    assert messages_of(response) == [
        "Đã chốt kết quả hội nghị tổng kết năm 2024 của Khối thi đua số 2: đơn vị dẫn đầu Quân khu 1; "
        "đã ghi nhận đơn vị trưởng, phó năm sau."
    ]
    term = ChairTerm.objects.get(bloc=world.bloc, year=2025)
    assert (term.chair, term.deputy) == (world.unit_a, world.unit_b)
    page = text_of(client_for(world.leader).get(detail_url(ready)))
    assert 'data-testid="ranking-frozen"' in page and "Đã chốt – phiên bản 1" in page
    assert "Căn cứ:</span> Theo đề xuất tại hội nghị tổng kết năm 2024" in page


@pytest.mark.parametrize(
    ("data", "field_message"),
    [
        ({}, "Đánh dấu ô xác nhận để chốt kết quả."),
        (
            {"chair": "OTHER", "deputy": "B", "confirm": "on"},
            "Đơn vị được chọn phải là thành viên của khối/cụm vào ngày 01/01/2025.",
        ),
        (
            {"chair": "B", "deputy": "B", "confirm": "on"},
            "Khối trưởng và khối phó phải là hai đơn vị khác nhau.",
        ),
        (
            {"chair": "B", "deputy": "A", "confirm": "on"},
            "Chọn khác đề xuất theo quy tắc luân phiên thì phải ghi rõ lý do.",
        ),
        (
            {"chair": "B", "deputy": "A", "confirm": "on", "handover_reason": "x" * 501},
            "Lý do chọn khác đề xuất dài tối đa 500 ký tự",
        ),
    ],
)
def test_bad_input_when_closing_closes_nothing(world, client_for, ready, data, field_message):
    ids = {"OTHER": world.other_unit.pk, "A": world.unit_a.pk, "B": world.unit_b.pk}
    payload = {k: ids.get(v, v) for k, v in data.items()}
    response = client_for(world.admin).post(reverse("awards:review-close", args=[ready.pk]), payload)
    assert response.status_code == 400 and field_message in text_of(response)
    assert Review.objects.get(pk=ready.pk).state == ReviewState.HELD
    assert not ChairTerm.objects.filter(year=2025).exists()


# --- After closing: a correction and a new version ------------------------------------------------


def correct(review: Review, unit, actor) -> None:
    scoring_round = ScoringRound.objects.get(campaign=review.campaign, period="q4")
    card = Scorecard.objects.get(round=scoring_round, scored_unit=unit, kind=ScorecardKind.FINAL)
    entries = {
        (unit.pk, s.criterion_id): s.criterion.max_points
        for s in card.scores.select_related("criterion").filter(criterion__kind="standard")
    }
    final_grid_save(
        scoring_round=scoring_round,
        entries=entries,
        base_versions={unit.pk: card.version},
        actor=actor,
        reason="Đính chính theo kiến nghị",
    )


def test_a_correction_after_closing_is_shown_and_reissued_as_a_new_version(world, client_for, ready):
    review_close(review=ready, actor=world.admin)
    correct(ready, world.unit_c, world.admin)
    client = client_for(world.secretary)
    page = text_of(client.get(detail_url(ready)))
    assert "Có đính chính điểm sau khi chốt (so với phiên bản 1)" in page
    assert "<strong>Quân khu 3</strong>: tổng điểm 83,75 →" in page
    assert reverse("awards:review-reissue", args=[ready.pk]) in page
    reader = text_of(client_for(world.observer).get(detail_url(ready)))
    assert (
        "Có đính chính điểm sau khi chốt" in reader
        and reverse("awards:review-reissue", args=[ready.pk]) not in reader
    )
    client = client_for(world.secretary)
    response = client.post(reverse("awards:review-reissue", args=[ready.pk]), {"reason": ""})
    assert response.status_code == 400 and "Lý do lập phiên bản mới không được để trống." in text_of(response)
    response = client.post(reverse("awards:review-reissue", args=[ready.pk]), {"reason": "r" * 501})
    assert response.status_code == 400 and "Lý do lập phiên bản mới dài tối đa 500 ký tự" in text_of(response)
    response = client.post(
        reverse("awards:review-reissue", args=[ready.pk]), {"reason": "Đính chính điểm Quý IV của Quân khu 3"}
    )
    assert response.status_code == 302
    assert messages_of(response) == [
        "Đã lập phiên bản 2 kết quả xếp hạng của hội nghị tổng kết năm 2024 của Khối thi đua số 2; "
        "phiên bản đã chốt tại hội nghị được giữ nguyên."
    ]
    page = text_of(client.get(detail_url(ready)))
    assert "Đã chốt – phiên bản 1" in page and "Có đính chính điểm sau khi chốt" not in page
    assert "Đính chính điểm Quý IV của Quân khu 3" in page and "chốt tại hội nghị" in page
    response = client.post(reverse("awards:review-reissue", args=[ready.pk]), {"reason": "Lần nữa"})
    assert response.status_code == 400 and "không khác phiên bản 2" in text_of(response)


def test_a_closed_review_offers_no_changes(world, client_for, ready):
    review_close(review=ready, actor=world.admin)
    client = client_for(world.secretary)
    page = client.get(detail_url(ready)).content.decode()
    assert 'data-testid="review-actions"' not in page and "/bao-cao/" not in page
    before = state_of(ready)
    section = ready.sections.first()
    for url, data in [
        (reverse("awards:review-edit", args=[ready.pk]), {"held_on": "15/12/2024", "place": "Khác"}),
        (reverse("awards:review-attendance", args=[ready.pk]), {"present": [world.unit_a.pk]}),
        (reverse("awards:review-section-edit", args=[ready.pk, section.pk]), {"body": "Sửa"}),
    ]:
        response = client.post(url, data)
        assert response.status_code == 400 and "Hội nghị đã chốt kết quả nên không sửa được nữa." in text_of(
            response
        )
    assert state_of(ready) == before


# --- What the page shows -------------------------------------------------------------------------


def test_the_page_shows_the_live_ranking_the_vote_and_the_proposal(world, client_for, ready):
    Election.objects.create(review=ready, state=ElectionState.VOTING)
    ScoringRules.objects.filter(campaign=ready.campaign).update(leading_by="vote")
    page = text_of(client_for(world.officer).get(detail_url(ready)))
    assert 'data-testid="ranking-live"' in page
    assert page.count('data-testid="ranking-row"') == 3
    assert "Kết quả xếp hạng năm 2024" in page and "Đơn vị dẫn đầu năm 2024" in page
    assert "Cuộc bỏ phiếu suy tôn chưa có kết quả (đang bỏ phiếu)." in page
    election = reverse("awards:election", kwargs={"review_pk": ready.pk})
    assert f'href="{election}"' in page
    assert 'data-testid="review-handover"' in page and "Khối trưởng, khối phó năm 2025" in page
    assert page.count('data-testid="review-section"') == 12


# --- Query counts --------------------------------------------------------------------------------


def grow(world, size: int) -> None:
    for number in range(4, size + 1):
        MembershipFactory(
            bloc=world.bloc, unit=UnitFactory(code=f"DV{number:02d}", name=f"Đơn vị {number:02d}")
        )


def detail_queries(world, client_for, django_assert_num_queries, review, persona, expected):
    client = client_for(world.persona(persona))
    with django_assert_num_queries(expected):
        response = client.get(detail_url(review))
    assert response.status_code == 200
    return response


# The page's own: session, user, review (with campaign, bloc, host, leading unit, snapshot), the
# permission (none for an admin), the navigation roles and the session saved in a savepoint (3);
# then the rules, attendance, sections, rounds, the ranking, the election, the pledge
# fulfilment (rounds, criteria), this year's chair term and next year's members. Closed: the
# versions and the frozen entries, and next year's recorded chair term. Whether the user may read
# the review's reports (the "Báo cáo PDF" link): one query, none for an admin.
@pytest.mark.parametrize("size", [3, 8])
@pytest.mark.parametrize(("persona", "expected"), [("secretary", 16), ("admin", 14), ("observer", 16)])
def test_the_review_page_runs_a_fixed_number_of_queries_while_preparing(
    world, client_for, django_assert_num_queries, size, persona, expected
):
    grow(world, size)
    review = review_for(world.bloc, "tong_ket", YEAR, actor=world.admin)
    response = detail_queries(world, client_for, django_assert_num_queries, review, persona, expected)
    assert text_of(response).count('data-testid="ranking-row"') == size


@pytest.mark.parametrize("size", [3, 8])
def test_the_review_page_runs_a_fixed_number_of_queries_once_closed(
    world, client_for, django_assert_num_queries, size
):
    grow(world, size)
    review = held_review(review_for(world.bloc, "tong_ket", YEAR, actor=world.admin), actor=world.admin)
    by_score(review.campaign)
    review_close(review=review, actor=world.admin)
    response = detail_queries(world, client_for, django_assert_num_queries, review, "secretary", 19)
    assert text_of(response).count('data-testid="ranking-row"') == size
