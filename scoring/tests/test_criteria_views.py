"""Pages of criteria sets: the tree, the editor, imports, copies and versions; bad input on
every form, the access matrix of DESIGN.md §6, query counts at two sizes, and the admin."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from campaigns.models import Campaign
from campaigns.tests.factories import CampaignFactory, open_pledge
from scoring.models import CriteriaSet, Criterion, Score, Scorecard, ScoringRound
from scoring.services import criteria as services
from scoring.tests.factories import CriterionFactory, round_with_sample, sample_set

MANAGERS = ["admin", "secretary"]
READERS = ["observer", "leader", "officer"]
OUTSIDERS = ["other_secretary", "outsider", "nobody"]


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def assert_labelled(page: str, fields: dict[str, str]) -> None:
    for name, label in fields.items():
        assert re.search(rf'<label\s+for="id_{name}"[^>]*>\s*{re.escape(label)}', page), name


def list_url(campaign: Campaign) -> str:
    return reverse("scoring:criteria-list", args=[campaign.pk])


def freeze(criteria_set: CriteriaSet) -> None:
    CriteriaSet.objects.filter(pk=criteria_set.pk).update(frozen_at=timezone.now())
    criteria_set.refresh_from_db()


def xlsx(rows: list[list]) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.append(["Mã", "Nội dung", "Loại", "Điểm tối đa", "Trọng tâm"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "tieu-chi.xlsx"
    return buffer


@pytest.fixture
def campaign(world) -> Campaign:
    return CampaignFactory(bloc=world.bloc, year=2025)


@pytest.fixture
def sample(world, campaign) -> CriteriaSet:
    return sample_set(campaign, world.secretary)


def snapshot() -> tuple:
    return (
        list(CriteriaSet.objects.order_by("pk").values_list("version", "name", "frozen_at")),
        list(
            Criterion.objects.order_by("pk").values_list(
                "code", "title", "kind", "max_points", "position", "parent"
            )
        ),
    )


# --- Access matrix ------------------------------------------------------------------------------


def manage_requests(world, campaign: Campaign, criteria_set: CriteriaSet) -> list[tuple[str, str, dict]]:
    criterion = criteria_set.criteria.get(code="2.3")
    group = criteria_set.criteria.get(code="2")
    other = sample_set(CampaignFactory(bloc=world.bloc, year=2024))
    edit = {"parent": group.pk, "code": "2.3", "title": "Hội thao", "kind": "standard", "max_points": "7"}
    return [
        ("post", reverse("scoring:criteria-set-create", args=[campaign.pk]), {}),
        ("post", reverse("scoring:criteria-import-sample", args=[campaign.pk]), {}),
        ("get", reverse("scoring:criteria-import-excel", args=[campaign.pk]), {}),
        ("post", reverse("scoring:criteria-import-excel", args=[campaign.pk]), {"replace": "on"}),
        ("get", reverse("scoring:criteria-copy", args=[campaign.pk]), {}),
        ("post", reverse("scoring:criteria-copy", args=[campaign.pk]), {"source": other.pk}),
        ("post", reverse("scoring:criteria-new-version", args=[criteria_set.pk]), {}),
        ("get", reverse("scoring:criterion-add", args=[criteria_set.pk]), {}),
        ("post", reverse("scoring:criterion-add", args=[criteria_set.pk]), {**edit, "code": "2.4"}),
        ("get", reverse("scoring:criterion-edit", args=[criterion.pk]), {}),
        ("post", reverse("scoring:criterion-edit", args=[criterion.pk]), edit),
        ("post", reverse("scoring:criterion-up", args=[criterion.pk]), {}),
        ("post", reverse("scoring:criterion-down", args=[criterion.pk]), {}),
        ("post", reverse("scoring:criterion-delete", args=[criterion.pk]), {}),
    ]


@pytest.mark.parametrize("persona", READERS)
def test_readers_of_the_bloc_get_403_on_every_change(world, client_for, campaign, sample, persona):
    requests = manage_requests(world, campaign, sample)
    before = snapshot()
    client = client_for(world.persona(persona))
    for method, url, data in requests:
        assert getattr(client, method)(url, data).status_code == 403, (method, url)
    assert snapshot() == before


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_users_who_cannot_see_the_bloc_get_404_everywhere(world, client_for, campaign, sample, persona):
    requests = manage_requests(world, campaign, sample)
    requests += [
        ("get", list_url(campaign), {}),
        ("get", reverse("scoring:criteria-excel", args=[campaign.pk]), {}),
    ]
    before = snapshot()
    client = client_for(world.persona(persona))
    for method, url, data in requests:
        assert getattr(client, method)(url, data).status_code == 404, (method, url)
    assert snapshot() == before


@pytest.mark.parametrize("persona", MANAGERS)
def test_managers_open_every_page(world, client_for, campaign, sample, persona):
    client = client_for(world.persona(persona))
    for method, url, _ in manage_requests(world, campaign, sample):
        if method == "get":
            assert client.get(url).status_code == 200, url


def test_actions_only_answer_post(world, client_for, campaign, sample):
    client = client_for(world.secretary)
    criterion = sample.criteria.get(code="2.3")
    for url in (
        reverse("scoring:criteria-import-sample", args=[campaign.pk]),
        reverse("scoring:criteria-new-version", args=[sample.pk]),
        reverse("scoring:criterion-delete", args=[criterion.pk]),
        reverse("scoring:criterion-up", args=[criterion.pk]),
    ):
        assert client.get(url).status_code == 405


# --- The criteria page -----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", [*MANAGERS, *READERS])
def test_everyone_who_sees_the_bloc_reads_the_tree(world, client_for, sample, persona):
    response = client_for(world.persona(persona)).get(list_url(sample.campaign))
    assert response.status_code == 200
    page = text_of(response)
    assert "Bộ tiêu chí chấm điểm thi đua (mẫu)" in page
    assert "Huấn luyện, sẵn sàng chiến đấu" in page
    assert re.search(r'data-testid="standard-total">.*?100 điểm', page)
    can_edit = persona in MANAGERS
    assert ("Thêm nhóm tiêu chí" in page) is can_edit
    assert (reverse("scoring:criterion-edit", args=[sample.criteria.get(code="1.1").pk]) in page) is can_edit


def test_the_tree_shows_codes_kinds_maxima_core_and_pledge_items(world, client_for, sample):
    pledge = open_pledge(world.bloc, campaign=sample.campaign)
    item = pledge.items.first()
    Criterion.objects.filter(criteria_set=sample, code="4.1").update(pledge_item=item)
    page = text_of(client_for(world.leader).get(list_url(sample.campaign)))
    rows = re.findall(r'<tr id="tieu-chi-\d+".*?</tr>', page)
    assert len(rows) == 32

    def row(code: str) -> str:
        return next(r for r in rows if re.match(rf"<tr[^>]*>\s*<td[^>]*>\s*{re.escape(code)}\s*</td>", r))

    group_2 = row("2")
    assert (
        "Điểm chuẩn" in group_2 and re.search(r">\s*25\s*<", group_2) and "Nhóm nhiệm vụ trọng tâm" in group_2
    )
    assert "Điểm thưởng" in row("7") and "tối đa 10" in row("7")
    assert "Có / Không" in row("9.1")
    measured = row("4.1")
    assert f"{pledge.title} – mục 1: Tỷ lệ quân số khỏe" in measured
    assert 'data-testid="total-note"' not in page  # 100 points: nothing to say


def test_decimals_are_shown_with_a_comma(world, client_for, sample):
    Criterion.objects.filter(criteria_set=sample, code="1.1").update(max_points=Decimal("5.50"))
    page = text_of(client_for(world.secretary).get(list_url(sample.campaign)))
    assert "100,5 điểm" in page
    assert "thang điểm thường dùng là 100" in page


def test_a_frozen_set_shows_its_badge_and_offers_a_new_version_instead_of_editing(world, client_for, sample):
    freeze(sample)
    page = text_of(client_for(world.secretary).get(list_url(sample.campaign)))
    assert 'data-testid="frozen-badge"' in page
    assert reverse("scoring:criteria-new-version", args=[sample.pk]) in page
    assert "Thêm nhóm tiêu chí" not in page
    assert reverse("scoring:criterion-edit", args=[sample.criteria.get(code="1.1").pk]) not in page


def test_older_versions_are_listed_and_readable(world, client_for, sample):
    freeze(sample)
    new = services.criteria_set_new_version(criteria_set=sample, actor=world.secretary)
    services.criterion_update(criterion=new.criteria.get(code="1.1"), title="Nội dung mới", actor=None)
    client = client_for(world.secretary)
    page = text_of(client.get(list_url(sample.campaign)))
    assert page.count('data-testid="version-row"') == 2
    assert "Nội dung mới" in page and "Thêm nhóm tiêu chí" in page
    old = text_of(client.get(list_url(sample.campaign) + "?phien-ban=1"))
    assert "Quán triệt, thực hiện nghị quyết" in old and "Đây là phiên bản cũ" in old
    assert "Thêm nhóm tiêu chí" not in old


def test_without_a_set_managers_see_how_to_start_and_readers_a_note(world, client_for, campaign):
    page = text_of(client_for(world.secretary).get(list_url(campaign)))
    assert "Dùng bộ tiêu chí mẫu" in page and "Sao chép…" in page and "Nhập từ Excel…" in page
    page = text_of(client_for(world.leader).get(list_url(campaign)))
    assert "chưa có bộ tiêu chí" in page and "Dùng bộ tiêu chí mẫu" not in page


# --- Whole sets ----------------------------------------------------------------------------------


def test_secretary_starts_from_the_sample(world, client_for, campaign):
    response = client_for(world.secretary).post(reverse("scoring:criteria-import-sample", args=[campaign.pk]))
    assert response.status_code == 302 and response["Location"] == list_url(campaign)
    criteria_set = campaign.criteria_sets.get()
    assert criteria_set.criteria.count() == 32
    assert messages_of(response) == [f"Đã nạp bộ tiêu chí mẫu (32 mục) vào {criteria_set}."]


def test_secretary_starts_an_empty_set(world, client_for, campaign):
    response = client_for(world.secretary).post(reverse("scoring:criteria-set-create", args=[campaign.pk]))
    assert response.status_code == 302
    assert campaign.criteria_sets.get().name == "Bộ tiêu chí chấm điểm thi đua năm 2025"


def test_loading_the_sample_into_a_frozen_set_is_refused(world, client_for, sample):
    freeze(sample)
    before = snapshot()
    response = client_for(world.secretary).post(
        reverse("scoring:criteria-import-sample", args=[sample.campaign.pk])
    )
    assert response.status_code == 302
    assert "phiên bản mới" in messages_of(response)[0]
    assert snapshot() == before


def test_secretary_imports_an_excel_sheet(world, client_for, campaign):
    rows = [
        ["1", "Huấn luyện", "Điểm chuẩn", None, "x"],
        ["1.1", "Kết quả", None, "60,5", None],
        ["1.2", "Hội thao", None, 39.5, None],
    ]
    url = reverse("scoring:criteria-import-excel", args=[campaign.pk])
    response = client_for(world.secretary).post(url, {"file": xlsx(rows)})
    assert response.status_code == 302
    criteria_set = campaign.criteria_sets.get()
    assert list(criteria_set.criteria.values_list("code", "max_points")) == [
        ("1", None),
        ("1.1", Decimal("60.50")),
        ("1.2", Decimal("39.50")),
    ]
    assert "Đã nhập 3 mục tiêu chí từ tệp “tieu-chi.xlsx”" in messages_of(response)[0]


def test_replacing_existing_criteria_from_excel_needs_a_tick(world, client_for, sample):
    url = reverse("scoring:criteria-import-excel", args=[sample.campaign.pk])
    client = client_for(world.secretary)
    page = client.get(url).content.decode()
    assert_labelled(page, {"file": "Tệp Excel (.xlsx)", "replace": "Thay toàn bộ tiêu chí hiện có"})
    rows = [["1", "Nhóm", None, None, None], ["1.1", "A", None, 100, None]]
    before = snapshot()
    response = client.post(url, {"file": xlsx(rows)})
    assert response.status_code == 400
    assert "hãy đánh dấu ô này để xác nhận thay toàn bộ" in text_of(response)
    assert snapshot() == before
    response = client.post(url, {"file": xlsx(rows), "replace": "on"})
    assert response.status_code == 302
    assert list(sample.criteria.values_list("code", flat=True)) == ["1", "1.1"]


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (None, "Hãy chọn tệp Excel cần nhập."),
        ("csv", "không phải là bảng tính Excel .xlsx"),
        ("bad-rows", "Dòng 3 (mã “1.1”), cột “Điểm tối đa”: “mười” không phải là số"),
        ("formula", "Dòng 3, cột “Điểm tối đa”: ô chứa công thức"),
    ],
)
def test_a_bad_excel_file_is_refused_with_its_reasons(world, client_for, campaign, upload, message):
    data: dict = {}
    if upload == "csv":
        data["file"] = io.BytesIO(b"Ma;Noi dung\n1;A\n")
        data["file"].name = "tieu-chi.csv"
    elif upload == "bad-rows":
        data["file"] = xlsx([["1", "Nhóm", None, None, None], ["1.1", "A", None, "mười", None]])
    elif upload == "formula":
        data["file"] = xlsx([["1", "Nhóm", None, None, None], ["1.1", "A", None, "=1+1", None]])
    response = client_for(world.secretary).post(
        reverse("scoring:criteria-import-excel", args=[campaign.pk]), data
    )
    assert response.status_code == 400
    assert message in text_of(response)
    assert not CriteriaSet.objects.exists()


def test_a_criteria_workbook_over_the_size_limit_is_refused_unread(world, client_for, campaign, monkeypatch):
    monkeypatch.setattr("scoring.forms.criteria.MAX_UPLOAD_BYTES", 1024)
    data = xlsx([["1", "Nhóm", None, None, None], ["1.1", "A" * 4000, None, 5, None]])
    response = client_for(world.secretary).post(
        reverse("scoring:criteria-import-excel", args=[campaign.pk]), {"file": data}
    )
    assert response.status_code == 400
    assert "Tệp quá lớn" in text_of(response) and "tối đa" in text_of(response)
    assert not CriteriaSet.objects.exists()


def test_the_excel_download_is_the_current_set_or_the_sample(world, client_for, campaign):
    client = client_for(world.leader)
    url = reverse("scoring:criteria-excel", args=[campaign.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert 'filename="mau-bo-tieu-chi.xlsx"' in response["Content-Disposition"]
    sample_set(campaign)
    response = client.get(url)
    assert 'filename="tieu-chi-2025-phien-ban-1.xlsx"' in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [c.value for c in sheet[1]] == ["Mã", "Nội dung", "Loại", "Điểm tối đa", "Trọng tâm"]
    assert [c.value for c in sheet[2]][:3] == ["1", "Chính trị, tư tưởng", "Điểm chuẩn"]


def test_secretary_copies_last_years_set(world, client_for, campaign):
    last_year = sample_set(CampaignFactory(bloc=world.bloc, year=2024))
    sample_set(CampaignFactory(bloc=world.other_bloc, year=2024))  # another bloc's: not offered
    client = client_for(world.secretary)
    page = client.get(reverse("scoring:criteria-copy", args=[campaign.pk])).content.decode()
    assert_labelled(page, {"source": "Sao chép từ bộ tiêu chí"})
    assert page.count("<option") == 1 and "Năm 2024" in page
    response = client.post(reverse("scoring:criteria-copy", args=[campaign.pk]), {"source": last_year.pk})
    assert response.status_code == 302
    copy = campaign.criteria_sets.get()
    assert copy.copied_from == last_year and copy.criteria.count() == 32


def test_copy_refuses_a_set_of_another_bloc(world, client_for, campaign):
    foreign = sample_set(CampaignFactory(bloc=world.other_bloc, year=2024))
    response = client_for(world.secretary).post(
        reverse("scoring:criteria-copy", args=[campaign.pk]), {"source": foreign.pk}
    )
    assert response.status_code == 400
    assert "phải thuộc một phong trào khác của cùng khối/cụm" in text_of(response)
    assert not campaign.criteria_sets.exists()


def test_copy_page_without_sources_says_what_to_do(world, client_for, campaign):
    page = text_of(client_for(world.secretary).get(reverse("scoring:criteria-copy", args=[campaign.pk])))
    assert "chưa có phong trào nào khác có bộ tiêu chí" in page


def test_secretary_makes_a_new_version_of_a_frozen_set(world, client_for, sample):
    freeze(sample)
    response = client_for(world.secretary).post(reverse("scoring:criteria-new-version", args=[sample.pk]))
    assert response.status_code == 302
    new = sample.campaign.criteria_sets.get(version=2)
    assert new.copied_from == sample and not new.is_frozen and new.criteria.count() == 32


# --- Single criteria -------------------------------------------------------------------------------


GROUP = {"parent": "", "code": "10", "title": "Công tác kỹ thuật", "kind": "standard", "max_points": ""}


def test_the_add_form_is_labelled_and_prefilled_for_a_group(world, client_for, sample):
    client = client_for(world.secretary)
    group = sample.criteria.get(code="2")
    page = client.get(
        reverse("scoring:criterion-add", args=[sample.pk]) + f"?nhom={group.pk}"
    ).content.decode()
    assert_labelled(
        page,
        {
            "parent": "Thuộc nhóm / tiêu chí",
            "code": "Mã",
            "title": "Nội dung tiêu chí",
            "kind": "Loại điểm",
            "max_points": "Điểm tối đa",
            "is_core": "Nhóm nhiệm vụ trọng tâm",
            "pledge_item": "Đo kết quả của nội dung giao ước",
        },
    )
    assert 'value="2.4"' in page
    assert re.search(rf'<option value="{group.pk}" selected>', page)


def test_secretary_adds_a_group_and_a_criterion_with_a_decimal_comma(world, client_for, sample):
    client = client_for(world.secretary)
    url = reverse("scoring:criterion-add", args=[sample.pk])
    response = client.post(url, GROUP)
    assert response.status_code == 302, text_of(response)
    group = sample.criteria.get(code="10")
    assert (group.parent, group.max_points, group.position) == (None, None, 10)
    response = client.post(
        url,
        {
            **GROUP,
            "parent": group.pk,
            "code": "10.1",
            "title": "Bảo quản",
            "kind": "bonus",
            "max_points": "9,5",
        },
    )
    assert response.status_code == 302
    child = sample.criteria.get(code="10.1")
    assert (child.parent, child.kind, child.max_points) == (group, "standard", Decimal("9.5"))
    assert response["Location"].endswith(f"#tieu-chi-{child.pk}")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"code": ""}, "code", "Mã không được để trống."),
        ({"code": "1" * 21}, "code", "Mã dài tối đa 20 ký tự (đang có 21 ký tự)."),
        ({"code": "2,1"}, "code", "Mã chỉ gồm chữ số hoặc chữ cái không dấu"),
        ({"code": "2.1"}, "code", "Mã tiêu chí đã có trong bộ tiêu chí này."),
        ({"title": "   "}, "title", "Nội dung tiêu chí không được để trống."),
        ({"title": "x" * 501}, "title", "Nội dung tiêu chí dài tối đa 500 ký tự"),
        ({"max_points": "0"}, "max_points", "Điểm tối đa phải lớn hơn 0."),
        ({"max_points": "-1"}, "max_points", "Điểm tối đa phải lớn hơn 0."),
        ({"max_points": "mười"}, "max_points", "không phải là số"),
        ({"max_points": "1,234"}, "max_points", "Điểm tối đa: tối đa 2 chữ số sau dấu phẩy."),
        ({"max_points": "100000"}, "max_points", "Điểm tối đa: tối đa 4 chữ số phần nguyên"),
        ({"max_points": ""}, "max_points", "Tiêu chí được chấm phải có điểm tối đa"),
        ({"is_core": "on"}, "is_core", "Chỉ nhóm tiêu chí"),
        ({"parent": "999999"}, "parent", "Nhóm cha phải là một nhóm hoặc tiêu chí của bộ tiêu chí này"),
        (
            {"pledge_item": "999999"},
            "pledge_item",
            "Nội dung giao ước phải thuộc một giao ước của phong trào này.",
        ),
    ],
)
def test_adding_refuses_bad_input_with_a_message(world, client_for, sample, changes, field, message):
    group = sample.criteria.get(code="2")
    data = {
        "parent": group.pk,
        "code": "2.4",
        "title": "Bắn đạn thật",
        "kind": "standard",
        "max_points": "5",
        **changes,
    }
    before = snapshot()
    response = client_for(world.secretary).post(reverse("scoring:criterion-add", args=[sample.pk]), data)
    assert response.status_code == 400
    page = text_of(response)
    assert message in page
    assert re.search(rf'id="error_\d+_id_{field}"', page), field
    assert snapshot() == before


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"kind": "bonus", "max_points": ""}, "Nhóm điểm thưởng phải ghi điểm tối đa của cả nhóm"),
        ({"kind": "standard", "max_points": "20"}, "hãy để trống ô này"),
    ],
)
def test_group_maxima_follow_their_kind(world, client_for, sample, changes, message):
    response = client_for(world.secretary).post(
        reverse("scoring:criterion-add", args=[sample.pk]), {**GROUP, **changes}
    )
    assert response.status_code == 400
    assert message in text_of(response)


def test_secretary_edits_a_criterion(world, client_for, sample):
    criterion = sample.criteria.get(code="2.3")
    client = client_for(world.secretary)
    page = client.get(reverse("scoring:criterion-edit", args=[criterion.pk])).content.decode()
    assert 'value="Diễn tập, hội thi, hội thao"' in page or "Diễn tập, hội thi, hội thao</textarea>" in page
    data = {
        "parent": criterion.parent_id,
        "code": "2.3",
        "title": "Diễn tập",
        "kind": "standard",
        "max_points": "6,5",
    }
    response = client.post(reverse("scoring:criterion-edit", args=[criterion.pk]), data)
    assert response.status_code == 302
    criterion.refresh_from_db()
    assert (criterion.title, criterion.max_points) == ("Diễn tập", Decimal("6.5"))


def test_a_criterion_cannot_be_moved_under_its_own_child(world, client_for, sample):
    group = sample.criteria.get(code="2")
    page = (
        client_for(world.secretary).get(reverse("scoring:criterion-edit", args=[group.pk])).content.decode()
    )
    child = sample.criteria.get(code="2.1")
    assert f'<option value="{child.pk}"' not in page  # not offered
    data = {"parent": child.pk, "code": "2", "title": "Huấn luyện", "kind": "standard", "max_points": ""}
    response = client_for(world.secretary).post(reverse("scoring:criterion-edit", args=[group.pk]), data)
    assert response.status_code == 400
    group.refresh_from_db()
    assert group.parent is None


def test_editing_a_group_keeps_its_computed_maximum_empty(world, client_for, sample):
    group = sample.criteria.get(code="2")
    client = client_for(world.secretary)
    data = {
        "parent": "",
        "code": "2",
        "title": "Huấn luyện, SSCĐ",
        "kind": "standard",
        "max_points": "",
        "is_core": "on",
    }
    response = client.post(reverse("scoring:criterion-edit", args=[group.pk]), data)
    assert response.status_code == 302
    group.refresh_from_db()
    assert (group.title, group.is_core, group.max_points) == ("Huấn luyện, SSCĐ", True, None)


def test_secretary_moves_and_deletes_criteria(world, client_for, sample):
    client = client_for(world.secretary)
    second = sample.criteria.get(code="2.2")
    response = client.post(reverse("scoring:criterion-up", args=[second.pk]))
    assert response.status_code == 302 and response["Location"].endswith(f"#tieu-chi-{second.pk}")
    order = list(sample.criteria.filter(parent__code="2").order_by("position").values_list("code", flat=True))
    assert order == ["2.2", "2.1", "2.3"]
    response = client.post(reverse("scoring:criterion-delete", args=[sample.criteria.get(code="2").pk]))
    assert response.status_code == 302
    assert not sample.criteria.filter(code__startswith="2").exists()
    assert "Đã xóa 2. Huấn luyện, sẵn sàng chiến đấu" in messages_of(response)[0]


def test_editing_a_frozen_set_is_refused_with_a_message(world, client_for, sample):
    freeze(sample)
    criterion = sample.criteria.get(code="2.3")
    client = client_for(world.secretary)
    before = snapshot()
    for url in (
        reverse("scoring:criterion-add", args=[sample.pk]),
        reverse("scoring:criterion-edit", args=[criterion.pk]),
    ):
        response = client.post(url, {"code": "2.3", "title": "Sửa", "kind": "standard", "max_points": "5"})
        assert response.status_code == 400
        assert "Bộ tiêu chí đã có điểm chấm nên đã khóa" in text_of(response)
    for name in ("criterion-delete", "criterion-up", "criterion-down"):
        response = client.post(reverse(f"scoring:{name}", args=[criterion.pk]))
        assert "phiên bản mới" in messages_of(response)[0]
    response = client.get(reverse("scoring:criteria-import-excel", args=[sample.campaign.pk]))
    assert response.status_code == 400
    assert snapshot() == before


# --- Query counts ---------------------------------------------------------------------------------


def grow(world, campaign: Campaign, extra: int) -> CriteriaSet:
    """The sample set with `extra` more criteria in group 2, one measuring a pledge item, and an
    older version; query counts must not depend on it."""
    criteria_set = sample_set(campaign, world.secretary)
    group = criteria_set.criteria.get(code="2")
    pledge = open_pledge(world.bloc, campaign=campaign)
    for number in range(extra):
        CriterionFactory(
            criteria_set=criteria_set, parent=group, code=f"2.{10 + number}", pledge_item=pledge.items.first()
        )
    return criteria_set


@pytest.mark.parametrize("size", [2, 10])
@pytest.mark.parametrize(("persona", "expected"), [("secretary", 7), ("leader", 7)])
def test_the_criteria_page_runs_a_fixed_number_of_queries(
    world, client_for, django_assert_num_queries, campaign, size, persona, expected
):
    grow(world, campaign, size)
    client = client_for(world.persona(persona))
    with django_assert_num_queries(expected):
        response = client.get(list_url(campaign))
    assert response.status_code == 200
    assert text_of(response).count('data-testid="criterion-row"') == 32 + size


# --- Admin ------------------------------------------------------------------------------------------


def test_the_admin_shows_scoring_but_cannot_change_it(world, client_for):
    scoring_round = round_with_sample(world.bloc, actor=world.secretary)
    leaf = scoring_round.criteria_set.criteria.filter(children__isnull=True).first()
    card = Scorecard.objects.create(round=scoring_round, scored_unit=world.unit_a, kind="final")
    Score.objects.create(scorecard=card, criterion=leaf, points=Decimal(1))
    client = client_for(world.admin)
    objects = [scoring_round.criteria_set, leaf, scoring_round, card, card.scores.get()]
    for obj in objects:
        name = obj._meta.model_name
        assert client.get(reverse(f"admin:scoring_{name}_changelist")).status_code == 200, name
        response = client.get(reverse(f"admin:scoring_{name}_change", args=[obj.pk]))
        assert response.status_code == 200, name
        assert 'name="_save"' not in response.content.decode()
        assert client.get(reverse(f"admin:scoring_{name}_add")).status_code == 403
        assert (
            client.post(reverse(f"admin:scoring_{name}_delete", args=[obj.pk]), {"post": "yes"}).status_code
            == 403
        )
    assert ScoringRound.objects.filter(pk=scoring_round.pk).exists()
    for name in ("correction", "scoringrules"):
        assert client.get(reverse(f"admin:scoring_{name}_changelist")).status_code == 200
