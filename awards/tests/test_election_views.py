"""Pages of the suy tôn vote: the access matrix of DESIGN.md §6 for every page and persona,
happy paths, bad input on every form (a Vietnamese message naming the field, status 400,
nothing saved), the secrecy of the ballot on the pages, and query counts at two sizes."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from awards.models import (
    Ballot,
    BallotCast,
    BallotRound,
    BallotRoundState,
    Candidate,
    Election,
    ElectionState,
    ReviewState,
)
from awards.services.elections import ballot_round_count, election_prepare
from awards.tests.test_election_helpers import (
    Voters,
    add_members,
    attend,
    candidate_of,
    make_review,
    opened,
    publish_half_year,
    standing,
)
from blocs.tests.factories import AssignmentFactory
from campaigns.tests.factories import PASSWORD

READERS = ["admin", "secretary", "observer", "leader", "officer"]
MANAGERS = ["admin", "secretary"]
SEE_BUT_NOT_MANAGE = ["observer", "leader", "officer"]
OUTSIDERS = ["other_secretary", "outsider", "nobody"]


def url(name: str, review, *args) -> str:
    return reverse(f"awards:{name}", args=[review.pk, *args])


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def voters(world) -> Voters:
    voters = Voters()
    voters._leaders[world.unit_a.pk] = world.leader
    return voters


@pytest.fixture
def review(world):
    """The bloc's sơ kết with its three members present."""
    review = make_review(world.bloc)
    attend(review, [world.unit_a, world.unit_b, world.unit_c])
    return review


@pytest.fixture
def ballot_round(world, review):
    """Round 1 open between Quân khu 1 and Quân khu 2."""
    return opened(review, [world.unit_a, world.unit_b], actor=world.secretary)


def ballot_data(ballot_round, choice, **extra) -> dict:
    """What the leader of Quân khu 1 posts (the unit comes as a hidden field)."""
    unit = ballot_round.election.review.campaign.bloc.memberships.get(unit__code="QK1").unit_id
    data = {"round_number": ballot_round.number, "password": PASSWORD, "unit": unit}
    data["candidate"] = "trang" if choice is None else candidate_of(ballot_round, choice).pk
    return data | extra


def paper_data(ballot_round, counts: dict, invalid, units, **extra) -> dict:
    data = {f"votes_{candidate_of(ballot_round, unit).pk}": n for unit, n in counts.items()}
    data |= {"invalid": invalid, "voted_units": [u.pk for u in units], "round_number": ballot_round.number}
    return data | extra


# --- Access -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", READERS)
@pytest.mark.parametrize("page", ["election", "election-minutes"])
def test_whoever_sees_the_bloc_reads_the_vote(world, ballot_round, review, client_for, persona, page):
    response = client_for(world.persona(persona)).get(url(page, review))
    assert response.status_code == 200
    assert "Quân khu 1" in text_of(response)


@pytest.mark.parametrize("persona", OUTSIDERS)
@pytest.mark.parametrize(
    ("method", "page"),
    [
        ("get", "election"),
        ("get", "election-minutes"),
        ("get", "election-ballot"),
        ("post", "election-ballot"),
        ("post", "election-prepare"),
        ("post", "election-candidate-add"),
        ("post", "election-open"),
        ("get", "election-paper"),
        ("post", "election-paper"),
        ("get", "election-count"),
        ("post", "election-count"),
        ("get", "election-abandon"),
        ("post", "election-abandon"),
    ],
)
def test_outsiders_do_not_learn_that_the_vote_exists(
    world, ballot_round, review, client_for, persona, method, page
):
    response = getattr(client_for(world.persona(persona)), method)(url(page, review))
    assert response.status_code == 404


def manage_requests(review, ballot_round) -> list[tuple[str, str, dict]]:
    candidate = candidate_of(ballot_round, ballot_round.election.candidates.first().unit)
    return [
        ("post", url("election-prepare", review), {}),
        ("post", url("election-candidate-add", review), {"unit": "3"}),
        ("post", url("election-candidate-remove", review, candidate.pk), {}),
        ("post", url("election-open", review), {}),
        ("get", url("election-paper", review), {}),
        ("post", url("election-paper", review), {"invalid": "1"}),
        ("get", url("election-count", review), {}),
        ("post", url("election-count", review), {"round_number": "1"}),
        ("get", url("election-abandon", review), {}),
        ("post", url("election-abandon", review), {"reason": "Thử"}),
    ]


@pytest.mark.parametrize("persona", SEE_BUT_NOT_MANAGE)
def test_members_and_observers_may_not_run_the_vote(world, ballot_round, review, client_for, persona):
    client = client_for(world.persona(persona))
    for method, address, data in manage_requests(review, ballot_round):
        response = getattr(client, method)(address, data)
        assert response.status_code == 403, (method, address)
    assert Election.objects.get(pk=ballot_round.election_id).state == ElectionState.VOTING
    assert not BallotCast.objects.exists()


@pytest.mark.parametrize("persona", MANAGERS)
def test_the_secretariat_opens_every_page_of_the_vote(world, ballot_round, review, client_for, persona):
    client = client_for(world.persona(persona))
    for page in ("election", "election-paper", "election-count", "election-abandon", "election-minutes"):
        assert client.get(url(page, review)).status_code == 200, page


@pytest.mark.parametrize("persona", ["admin", "secretary", "observer", "officer"])
def test_only_a_units_leader_has_a_ballot(world, ballot_round, review, client_for, persona):
    client = client_for(world.persona(persona))
    assert client.get(url("election-ballot", review)).status_code == 403
    assert (
        client.post(url("election-ballot", review), ballot_data(ballot_round, world.unit_a)).status_code
        == 403
    )
    assert not BallotCast.objects.exists()


def test_the_leader_of_an_absent_unit_is_refused_its_ballot(world, ballot_round, review, client_for):
    attend(review, [world.unit_a], present=False)
    client = client_for(world.leader)

    assert client.get(url("election-ballot", review)).status_code == 403
    assert (
        client.post(url("election-ballot", review), ballot_data(ballot_round, world.unit_b)).status_code
        == 403
    )
    page = text_of(client.get(url("election", review)))
    assert "Bỏ phiếu cho" not in page
    assert "Quân khu 1 vắng mặt tại hội nghị nên không bỏ phiếu." in page
    assert not BallotCast.objects.exists()


# --- The election page ------------------------------------------------------------------------------


def test_without_an_election_the_secretariat_is_invited_to_prepare_it(world, review, client_for):
    page = text_of(client_for(world.secretary).get(url("election", review)))
    assert "Chưa chuẩn bị bỏ phiếu suy tôn." in page
    assert "Chuẩn bị bỏ phiếu" in page
    assert "3/3" in page and "Đủ 2/3 (cần 2)" in page

    reader = text_of(client_for(world.observer).get(url("election", review)))
    assert "Cơ quan thường trực của khối/cụm sẽ lập danh sách" in reader
    assert url("election-prepare", review) not in reader


def test_the_secretariat_prepares_adds_removes_and_opens(world, review, client_for):
    publish_half_year(
        review.campaign,
        {world.unit_a: 90, world.unit_b: 85, world.unit_c: 80},
        vetoed=(world.unit_c,),
        actor=world.admin,
    )
    client = client_for(world.secretary)

    response = client.post(url("election-prepare", review))
    assert response.status_code == 302
    assert messages_of(response) == [
        "Đã lập danh sách suy tôn: 2 đơn vị. Kiểm tra danh sách và thành phần dự hội nghị rồi mở bỏ phiếu."
    ]
    election = Election.objects.get(review=review)
    page = text_of(client.get(url("election", review)))
    assert "Quân khu 3 (hạng 3, 80 điểm) vi phạm tiêu chí phủ quyết" in page

    refused = client.post(url("election-candidate-add", review), {"unit": world.unit_c.pk})
    assert refused.status_code == 400
    assert "Quân khu 3 vi phạm tiêu chí phủ quyết trong 6 tháng đầu năm" in text_of(refused)

    removed = client.post(
        url("election-candidate-remove", review, election.candidates.get(unit=world.unit_b).pk)
    )
    assert removed.status_code == 302
    lonely = client.post(url("election-open", review))
    assert lonely.status_code == 400
    assert "Cần ít nhất 2 đơn vị trong danh sách suy tôn để bỏ phiếu (hiện có 1)." in text_of(lonely)

    added = client.post(url("election-candidate-add", review), {"unit": world.unit_b.pk})
    assert added.status_code == 302
    assert messages_of(added) == ["Đã bổ sung Quân khu 2 vào danh sách suy tôn."]
    response = client.post(url("election-open", review))
    assert response.status_code == 302
    assert Election.objects.get(pk=election.pk).state == ElectionState.VOTING
    page = text_of(client.get(url("election", review)))
    assert "Đang bỏ phiếu lần 1" in page
    assert "0/3" in page
    assert url("election-paper", review) in page and url("election-count", review) in page


def test_open_without_quorum_says_how_many_are_present_and_needed(world, review, client_for):
    attend(review, [world.unit_b, world.unit_c], present=False)
    standing(review, [world.unit_a, world.unit_b])

    response = client_for(world.secretary).post(url("election-open", review))

    assert response.status_code == 400
    assert (
        "Chưa đủ số đơn vị dự hội nghị để bỏ phiếu: có mặt 1/3 đơn vị thành viên, cần ít nhất 2 đơn vị "
        "(2/3 số đơn vị thành viên)." in text_of(response)
    )
    assert not BallotRound.objects.exists()


def test_a_closed_review_refuses_every_action(world, ballot_round, review, client_for):
    review.state = ReviewState.CLOSED
    review.save()
    client = client_for(world.secretary)

    page = text_of(client.get(url("election", review)))
    assert url("election-count", review) not in page
    for address in (url("election-prepare", review), url("election-open", review)):
        response = client.post(address)
        assert response.status_code == 400
        assert "Hội nghị đã chốt kết quả" in text_of(response)
    response = client.post(url("election-count", review), {"round_number": 1})
    assert response.status_code == 400
    assert "Hội nghị đã chốt kết quả" in text_of(response)


def test_the_page_counts_the_units_that_voted_and_never_shows_who_chose_what(
    world, ballot_round, review, client_for, voters
):
    voters.vote(ballot_round, world.unit_a, world.unit_b)
    voters.vote(ballot_round, world.unit_c, world.unit_b)

    for persona in READERS:
        response = client_for(world.persona(persona)).get(url("election", review))
        page = text_of(response)
        assert "2/3" in page
        assert "Số phiếu của từng đơn vị chỉ được công bố khi kiểm phiếu." in page
        assert "Số phiếu</th>" not in page
    observer = client_for(world.observer)
    partial = observer.get(url("election", review) + "?phan=tien-do&lan=1", HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    assert text_of(partial).strip().startswith('<div id="election-progress"')
    assert "2/3" in text_of(partial)
    ballot_round_count(ballot_round=ballot_round, actor=world.secretary)
    stale = observer.get(url("election", review) + "?phan=tien-do&lan=1", HTTP_HX_REQUEST="true")
    assert (stale.status_code, stale.headers["HX-Refresh"]) == (204, "true")


# --- The leader's ballot ----------------------------------------------------------------------------


def test_a_leader_votes_and_then_only_sees_that_his_unit_has_voted(world, ballot_round, review, client_for):
    client = client_for(world.leader)
    page = text_of(client.get(url("election-ballot", review)))
    assert "Bỏ phiếu thay mặt <strong>Quân khu 1</strong>" in page
    assert "Phiếu trắng (không suy tôn đơn vị nào)" in page

    response = client.post(url("election-ballot", review), ballot_data(ballot_round, world.unit_b))

    assert response.status_code == 302
    assert messages_of(response) == [
        "Đã ghi nhận phiếu bầu lần 1 của Quân khu 1. Phiếu được lưu tách rời khỏi tên đơn vị, "
        "không ai xem được đơn vị đã chọn ai."
    ]
    assert list(BallotCast.objects.values_list("unit", "method", "cast_by")) == [
        (world.unit_a.pk, "online", world.leader.pk)
    ]
    assert list(Ballot.objects.values_list("candidate__unit", flat=True)) == [world.unit_b.pk]
    after = text_of(client.get(url("election-ballot", review)))
    assert "Quân khu 1: Đơn vị đã bỏ phiếu lần 1." in after
    assert "Quân khu 2" not in after
    assert "checked" not in after
    again = client.post(url("election-ballot", review), ballot_data(ballot_round, world.unit_a))
    assert again.status_code == 400
    assert "Đơn vị của đồng chí đã bỏ phiếu lần này" in text_of(again)
    assert BallotCast.objects.count() == 1 and Ballot.objects.count() == 1
    assert "Đơn vị đã bỏ phiếu" in text_of(client.get(url("election", review)))


def test_a_blank_ballot_is_recorded_without_a_candidate(world, ballot_round, review, client_for):
    response = client_for(world.leader).post(url("election-ballot", review), ballot_data(ballot_round, None))
    assert response.status_code == 302
    assert list(Ballot.objects.values_list("candidate", flat=True)) == [None]


def test_before_the_ballot_opens_the_leader_is_told_to_wait(world, review, client_for):
    standing(review, [world.unit_a, world.unit_b])
    page = text_of(client_for(world.leader).get(url("election-ballot", review)))
    assert "Chưa mở bỏ phiếu suy tôn." in page
    assert 'name="password"' not in page


@pytest.mark.parametrize(
    ("data", "messages"),
    [
        (
            {},
            ["Đơn vị suy tôn: chọn một đơn vị trên phiếu, hoặc chọn phiếu trắng.", "Mật khẩu: nhập mật khẩu"],
        ),
        ({"candidate": "abc"}, ["Đơn vị suy tôn: đơn vị đã chọn không có trên phiếu bầu lần này."]),
        ({"candidate": "other-bloc"}, ["Đơn vị suy tôn: đơn vị đã chọn không có trên phiếu bầu lần này."]),
        (
            {"unit": "other-bloc-unit"},
            ["Đơn vị bỏ phiếu: đồng chí chỉ bỏ phiếu được cho đơn vị mình chỉ huy"],
        ),
        ({"password": "sai-mat-khau"}, ["Mật khẩu không đúng."]),
        ({"round_number": "x"}, ["Lần bỏ phiếu: số lần bỏ phiếu không hợp lệ; hãy tải lại trang."]),
    ],
)
def test_a_wrong_ballot_is_refused_with_a_message_naming_the_field(
    world, ballot_round, review, client_for, data, messages
):
    good = ballot_data(ballot_round, world.unit_b)
    if not data:
        good = {"round_number": 1}
    other = standing(make_review(world.other_bloc), [world.other_unit]).candidates.get()
    replacements = {"other-bloc": other.pk, "other-bloc-unit": world.other_unit.pk}
    data = {key: replacements.get(value, value) for key, value in data.items()}

    response = client_for(world.leader).post(url("election-ballot", review), good | data)

    assert response.status_code == 400
    for message in messages:
        assert message in text_of(response)
    assert not BallotCast.objects.exists() and not Ballot.objects.exists()


def test_a_ballot_for_a_round_already_counted_is_refused(world, ballot_round, review, client_for, voters):
    voters.vote_all(ballot_round, {world.unit_b: world.unit_a, world.unit_c: world.unit_b})
    ballot_round_count(ballot_round=ballot_round, actor=world.secretary)  # 1–1: a run-off opens

    response = client_for(world.leader).post(
        url("election-ballot", review), ballot_data(ballot_round, world.unit_a)
    )

    assert response.status_code == 400
    assert "Lần bỏ phiếu thứ 1 đã kiểm phiếu; hiện đang bỏ phiếu lần thứ 2." in text_of(response)
    assert not BallotCast.objects.filter(ballot_round__number=2).exists()


def test_five_wrong_passwords_lock_the_ballot_for_a_while(world, ballot_round, review, client_for):
    client = client_for(world.leader)
    for _ in range(5):
        client.post(url("election-ballot", review), ballot_data(ballot_round, world.unit_b, password="sai"))

    response = client.post(url("election-ballot", review), ballot_data(ballot_round, world.unit_b))

    assert response.status_code == 400
    assert "đã nhập sai mật khẩu 5 lần" in text_of(response)
    assert not BallotCast.objects.exists()


def test_a_leader_of_two_present_units_chooses_which_one_votes(world, ballot_round, review, client_for):
    AssignmentFactory(user=world.leader, role="leader", unit=world.unit_b)
    client = client_for(world.leader)

    page = text_of(client.get(url("election-ballot", review)))
    assert "Bỏ phiếu thay mặt đơn vị" in page
    response = client.post(
        url("election-ballot", review), ballot_data(ballot_round, None, unit=world.unit_b.pk)
    )
    assert response.status_code == 302
    assert list(BallotCast.objects.values_list("unit", flat=True)) == [world.unit_b.pk]
    page = text_of(client.get(url("election-ballot", review)))
    assert "Quân khu 2: Đơn vị đã bỏ phiếu lần 1." in page
    assert 'type="hidden" name="unit"' in page  # only Quân khu 1 is left to vote


# --- Paper ballots ----------------------------------------------------------------------------------


def test_the_secretariat_enters_paper_ballots(world, ballot_round, review, client_for, voters):
    voters.vote(ballot_round, world.unit_a, world.unit_a)
    client = client_for(world.secretary)
    page = text_of(client.get(url("election-paper", review)))
    assert "Quân khu 1" not in page.split("Đơn vị đã bỏ phiếu giấy")[-1]  # voted online: not offered

    response = client.post(
        url("election-paper", review),
        paper_data(ballot_round, {world.unit_a: 1, world.unit_b: 0}, 1, [world.unit_b, world.unit_c]),
    )

    assert response.status_code == 302
    assert messages_of(response) == ["Đã nhập 2 phiếu giấy lần 1 của: Quân khu 2, Quân khu 3."]
    assert BallotCast.objects.filter(method="paper").count() == 2
    assert Ballot.objects.count() == 3


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Số phiếu bầu Quân khu 1: nhập số phiếu (ghi 0 nếu không có)."),
        ({}, "Phiếu trắng, không hợp lệ: nhập số phiếu (ghi 0 nếu không có)."),
        ({}, "Đơn vị đã bỏ phiếu giấy: đánh dấu các đơn vị đã bỏ phiếu vào hòm phiếu."),
        ({"votes_a": "ba"}, "Số phiếu bầu Quân khu 1: nhập một số nguyên, ví dụ 3."),
        ({"votes_a": "-1"}, "Số phiếu bầu Quân khu 1: số phiếu không được âm."),
        ({"invalid": "1,5"}, "Phiếu trắng, không hợp lệ: nhập một số nguyên, ví dụ 3."),
        (
            {"voted_units": ["other-bloc-unit"]},
            "Đơn vị đã bỏ phiếu giấy: đơn vị đã chọn không có mặt tại hội nghị",
        ),
        ({"voted_units": ["abc"]}, "Đơn vị đã bỏ phiếu giấy: đơn vị đã chọn không có mặt tại hội nghị"),
        ({"votes_a": "2"}, "Tổng số phiếu giấy (3) phải bằng số đơn vị được đánh dấu đã bỏ phiếu giấy (2)"),
        ({"round_number": ""}, "Lần bỏ phiếu: thiếu số lần bỏ phiếu; hãy tải lại trang."),
        ({"round_number": "7"}, "Lần bỏ phiếu thứ 7 đã kiểm phiếu; hiện đang bỏ phiếu lần thứ 1."),
    ],
)
def test_wrong_paper_ballots_are_refused_with_a_message_naming_the_field(
    world, ballot_round, review, client_for, data, message
):
    good = paper_data(ballot_round, {world.unit_a: 1, world.unit_b: 0}, 1, [world.unit_b, world.unit_c])
    if not data:
        good = {"round_number": 1}
    if "votes_a" in data:
        data[f"votes_{candidate_of(ballot_round, world.unit_a).pk}"] = data.pop("votes_a")
    if data.get("voted_units") == ["other-bloc-unit"]:
        data["voted_units"] = [world.unit_b.pk, world.other_unit.pk]

    response = client_for(world.secretary).post(url("election-paper", review), good | data)

    assert response.status_code == 400
    assert message in text_of(response)
    assert not BallotCast.objects.exists() and not Ballot.objects.exists()


def test_paper_ballots_for_a_counted_round_are_refused(world, ballot_round, review, client_for, voters):
    voters.vote_all(ballot_round, {world.unit_a: world.unit_a, world.unit_b: world.unit_b})
    ballot_round_count(ballot_round=ballot_round, actor=world.secretary)  # 1–1: a run-off opens

    response = client_for(world.secretary).post(
        url("election-paper", review), paper_data(ballot_round, {world.unit_a: 1}, 0, [world.unit_c])
    )

    assert response.status_code == 400
    assert "Lần bỏ phiếu thứ 1 đã kiểm phiếu; hiện đang bỏ phiếu lần thứ 2." in text_of(response)
    assert not BallotCast.objects.filter(unit=world.unit_c).exists()


# --- Counting, ending, the minutes ------------------------------------------------------------------


def test_counting_announces_the_winner_and_the_minutes_record_it(
    world, ballot_round, review, client_for, voters
):
    voters.vote_all(
        ballot_round, {world.unit_a: world.unit_b, world.unit_b: world.unit_b, world.unit_c: None}
    )
    client = client_for(world.secretary)
    summary = text_of(client.get(url("election-count", review)))
    assert 'Đã bỏ phiếu lần 1</dt><dd class="col-5"><strong>3</strong>' in summary

    response = client.post(url("election-count", review), {"round_number": 1})

    assert response.status_code == 302
    assert messages_of(response) == [
        "Kiểm phiếu lần 1: 2 phiếu hợp lệ, 1 phiếu trắng hoặc không hợp lệ (Quân khu 1: 0 phiếu; Quân khu 2: 2 phiếu). "
        "Quân khu 2 được quá nửa số phiếu hợp lệ và được suy tôn là đơn vị dẫn đầu."
    ]
    page = text_of(client.get(url("election", review)))
    assert "Đơn vị được suy tôn dẫn đầu" in page and "Quân khu 2" in page
    minutes = text_of(client_for(world.observer).get(url("election-minutes", review)))
    assert "BIÊN BẢN" in minutes
    assert "Khi mở bỏ phiếu: có mặt 3/3 đơn vị thành viên" in minutes
    assert "Số phiếu hợp lệ: 2; phiếu trắng, không hợp lệ: 1; số phiếu cần để quá nửa: 2." in minutes
    assert "Hội nghị suy tôn <strong>Quân khu 2</strong> là đơn vị dẫn đầu" in minutes
    assert "DỰ THẢO" not in minutes


def test_a_run_off_is_announced_with_the_units_on_the_new_ballot(
    world, ballot_round, review, client_for, voters
):
    voters.vote_all(ballot_round, {world.unit_a: world.unit_a, world.unit_b: world.unit_b})

    response = client_for(world.secretary).post(url("election-count", review), {"round_number": 1})

    assert messages_of(response)[0].endswith(
        "Không đơn vị nào được quá nửa: đã mở bỏ phiếu lần 2 giữa Quân khu 1, Quân khu 2."
    )
    page = text_of(client_for(world.secretary).get(url("election", review)))
    assert "Đang bỏ phiếu lần 2" in page and "Kết quả kiểm phiếu" in page


def test_a_tied_run_off_is_announced_and_offers_to_end_the_vote(
    world, ballot_round, review, client_for, voters
):
    voters.vote_all(ballot_round, {world.unit_a: world.unit_a, world.unit_b: world.unit_b})
    ballot_round_count(ballot_round=ballot_round, actor=world.secretary)
    runoff = BallotRound.objects.get(election=ballot_round.election, number=2)
    voters.vote_all(runoff, {world.unit_a: world.unit_a, world.unit_b: world.unit_b, world.unit_c: None})

    response = client_for(world.secretary).post(url("election-count", review), {"round_number": 2})

    assert messages_of(response)[0].endswith(
        "Các đơn vị vẫn bằng phiếu: đã mở bỏ phiếu lại lần 3 giữa Quân khu 1, Quân khu 2. Nếu không phân định "
        "được, thường trực có thể kết thúc bỏ phiếu để hội nghị xét theo điểm."
    )
    page = text_of(client_for(world.secretary).get(url("election", review)))
    assert "Bằng phiếu" in page and url("election-abandon", review) in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Lần bỏ phiếu: thiếu số lần bỏ phiếu; hãy tải lại trang."),
        ({"round_number": "một"}, "Lần bỏ phiếu: số lần bỏ phiếu không hợp lệ; hãy tải lại trang."),
        ({"round_number": "1"}, "Mới có 1/3 đơn vị thành viên bỏ phiếu lần thứ 1; cần ít nhất 2 đơn vị"),
    ],
)
def test_a_count_that_cannot_be_made_is_refused(
    world, ballot_round, review, client_for, voters, data, message
):
    voters.vote(ballot_round, world.unit_a, world.unit_a)

    response = client_for(world.secretary).post(url("election-count", review), data)

    assert response.status_code == 400
    assert message in text_of(response)
    assert BallotRound.objects.get(pk=ballot_round.pk).state == BallotRoundState.OPEN


def test_a_round_counted_by_someone_else_is_not_counted_twice(
    world, ballot_round, review, client_for, voters
):
    voters.vote_all(ballot_round, {world.unit_a: world.unit_a, world.unit_b: world.unit_a})
    ballot_round_count(ballot_round=ballot_round, actor=world.admin)

    response = client_for(world.secretary).post(url("election-count", review), {"round_number": 1})

    assert response.status_code == 400
    assert "hiện không có lần bỏ phiếu nào đang mở" in text_of(response)


def test_the_secretariat_ends_the_vote_without_a_result(world, ballot_round, review, client_for):
    client = client_for(world.secretary)
    for data, message in (
        ({}, "Lý do kết thúc bỏ phiếu không được để trống."),
        ({"reason": "x" * 501}, "Lý do kết thúc bỏ phiếu dài tối đa 500 ký tự (đang có 501 ký tự)."),
    ):
        response = client.post(url("election-abandon", review), data)
        assert response.status_code == 400
        assert message in text_of(response)
    assert Election.objects.get(pk=ballot_round.election_id).state == ElectionState.VOTING

    response = client.post(url("election-abandon", review), {"reason": "Bỏ phiếu lại vẫn bằng phiếu"})

    assert response.status_code == 302
    assert Election.objects.get(pk=ballot_round.election_id).state == ElectionState.FAILED
    minutes = text_of(client.get(url("election-minutes", review)))
    assert "Lý do: Bỏ phiếu lại vẫn bằng phiếu" in minutes
    assert "hội nghị xác định đơn vị dẫn đầu theo kết quả xếp hạng điểm" in minutes
    again = client.post(url("election-abandon", review), {"reason": "Lần nữa"})
    assert again.status_code == 400
    assert "Cuộc bỏ phiếu không bầu được, không kết thúc lại được." in text_of(again)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Đơn vị bổ sung: chọn một đơn vị thành viên."),
        ({"unit": "abc"}, "Đơn vị bổ sung: đơn vị đã chọn không phải là đơn vị thành viên"),
        ({"unit": "other-bloc-unit"}, "Đơn vị bổ sung: đơn vị đã chọn không phải là đơn vị thành viên"),
        ({"unit": "standing"}, "Đơn vị bổ sung: đơn vị đã chọn không phải là đơn vị thành viên"),
        ({"unit": "unranked"}, "Quân khu 3 chưa có điểm 6 tháng đầu năm"),
    ],
)
def test_a_wrong_candidate_is_refused_with_a_message_naming_the_field(
    world, review, client_for, data, message
):
    standing(review, [world.unit_a, world.unit_b])
    replacements = {
        "other-bloc-unit": world.other_unit.pk,
        "standing": world.unit_a.pk,
        "unranked": world.unit_c.pk,
    }
    data = {key: replacements.get(value, value) for key, value in data.items()}

    response = client_for(world.secretary).post(url("election-candidate-add", review), data)

    assert response.status_code == 400
    assert message in text_of(response)
    assert Candidate.objects.count() == 2


def test_no_candidate_can_be_added_once_the_vote_is_open(world, ballot_round, review, client_for):
    response = client_for(world.secretary).post(
        url("election-candidate-add", review), {"unit": world.unit_c.pk}
    )
    assert response.status_code == 400
    assert "chỉ thay đổi được trước khi mở bỏ phiếu" in text_of(response)
    assert Candidate.objects.count() == 2


# --- Queries ----------------------------------------------------------------------------------------


def grow(world, review, extra: int, voters: Voters) -> None:
    """`extra` more present members; a first round counted and a run-off half voted."""
    units = [world.unit_a, world.unit_b, world.unit_c, *add_members(world.bloc, extra)]
    attend(review, units)
    first = opened(review, units[:3], actor=world.secretary)
    voters.vote_all(first, {unit: units[number % 3] for number, unit in enumerate(units)})
    ballot_round_count(ballot_round=first, actor=world.secretary)
    second = BallotRound.objects.get(election=first.election, number=2)
    for unit in units[: len(units) // 2]:
        voters.vote(second, unit, None)


@pytest.mark.parametrize("extra", [0, 9])
@pytest.mark.parametrize(
    ("persona", "expected"),
    # session, user, review, election, attendance, members, candidates, rounds, units on each ballot,
    # casts, the manage check (not for an admin), the user's leader roles, navigation roles.
    [("secretary", 13), ("admin", 12), ("leader", 13), ("observer", 13)],
)
def test_the_election_page_runs_a_fixed_number_of_queries(
    world, review, client_for, voters, django_assert_num_queries, extra, persona, expected
):
    grow(world, review, extra, voters)
    client = client_for(world.persona(persona))
    address = url("election", review)
    client.get(address)  # warm the session

    with django_assert_num_queries(expected):
        response = client.get(address)
    assert response.status_code == 200


@pytest.mark.parametrize("extra", [0, 9])
def test_the_minutes_run_a_fixed_number_of_queries(
    world, review, client_for, voters, django_assert_num_queries, extra
):
    grow(world, review, extra, voters)
    client = client_for(world.secretary)
    address = url("election-minutes", review)
    client.get(address)

    with django_assert_num_queries(10):
        assert client.get(address).status_code == 200


def test_prepare_reads_the_published_ranking(world, review, client_for):
    publish_half_year(
        review.campaign, {world.unit_a: 70, world.unit_b: 85, world.unit_c: 80}, actor=world.admin
    )
    election = election_prepare(review=review, actor=world.secretary)
    page = text_of(client_for(world.leader).get(url("election", review)))
    assert [c.unit for c in election.candidates.order_by("position")] == [
        world.unit_b,
        world.unit_c,
        world.unit_a,
    ]
    assert "85,00" in page or "85.00" in page
