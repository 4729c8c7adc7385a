"""The documents themselves: what a reader finds in the PDF, laid out as Nghị định 30/2020 asks."""

from __future__ import annotations

import io
import unicodedata
from datetime import date

import pytest
from pypdf import PdfReader

from awards.models import Nomination, Title
from awards.services.nominations import nomination_add
from reports.charts import Bar, bar_chart
from reports.models import ReportKind
from reports.renderers import build_document, render_pdf
from reports.renderers.common import (
    DocumentParameters,
    bloc_abbreviation,
    letterhead,
    place_name,
)
from reports.renderers.engine import MissingVariable
from reports.services.jobs import ReportRefused, check_target
from reports.tests.factories import pdf_pages, signed_pledge, with_nominations
from scoring.models import ScoringRound
from thidua.lib.pdf import ResourceRefused, local_file_for

pytestmark = pytest.mark.django_db


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def words_at_top_centre(content: bytes) -> list[str]:
    """Per page, the text printed in the top margin's middle third (the page number's place)."""
    found = []
    for page in PdfReader(io.BytesIO(content)).pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        parts: list[str] = []

        def visit(text, cm, tm, font, size, parts=parts, width=width, height=height):
            # The text's origin on the page: its text matrix through the current matrix.
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            if text.strip() and y > height - 20 / 25.4 * 72 and width / 3 < x < width * 2 / 3:
                parts.append(text.strip())

        page.extract_text(visitor_text=visit)
        found.append(" ".join(parts))
    return found


@pytest.fixture
def review(world):
    """A closed tổng kết whose ranking is not the members' alphabetical order."""
    from awards.services.reviews import review_close
    from awards.tests.factories import held_review, review_for
    from scoring.models import ScoringRules

    shares = {world.unit_c: 0.95, world.unit_a: 0.90, world.unit_b: 0.85}
    review = held_review(
        review_for(world.bloc, "tong_ket", 2024, actor=world.admin, shares=shares), actor=world.admin
    )
    ScoringRules.objects.update_or_create(campaign=review.campaign, defaults={"leading_by": "score"})
    return review_close(review=review, actor=world.admin)


def test_the_year_end_report_follows_the_decree_and_ranks_every_unit_in_order(world, review):
    document = build_document(kind=ReportKind.TONG_KET, target=review, parameters={"number": "15/BC-KTĐ2"})
    pdf = render_pdf(document)
    pages = [nfc(text) for text in pdf_pages(pdf.content)]
    first = pages[0]
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in first
    assert "Độc lập - Tự do - Hạnh phúc" in first
    assert "KHỐI THI ĐUA SỐ 2" in first and "BỘ QUỐC PHÒNG" in first
    assert "Số: 15/BC-KTĐ2" in first
    assert "Ngày 15 tháng 12 năm 2024" in first  # the review's date; its venue names no locality
    assert "BÁO CÁO" in first
    assert "Tổng kết công tác thi đua, khen thưởng và Phong trào Thi đua Quyết thắng" in first.replace(
        "\n", " "
    )
    text = "\n".join(pages)
    assert "ĐẶC ĐIỂM TÌNH HÌNH" in text and "PHƯƠNG HƯỚNG, NHIỆM VỤ, GIẢI PHÁP" in text
    assert "Nơi nhận:" in text and "TM. KHỐI THI ĐUA SỐ 2" in text
    # The ranking table lists Quân khu 3, 1, 2 in that order, as ranked.
    table = text[text.index("Bảng 2. Kết quả xếp hạng") :]
    positions = [table.index(name) for name in ("Quân khu 3", "Quân khu 1", "Quân khu 2")]
    assert positions == sorted(positions)
    assert "Cách xếp hạng" in text and "đồng hạng" in text  # the tie rule is printed
    assert "Phụ lục I" in text and "BẢNG TỔNG HỢP ĐIỂM THI ĐUA NĂM 2024" in text
    assert pdf.page_count == len(pages) >= 2


def test_pages_are_numbered_at_the_top_centre_from_the_second(world, review):
    pdf = render_pdf(build_document(kind=ReportKind.TONG_KET, target=review, parameters={}))
    numbers = words_at_top_centre(pdf.content)
    assert numbers[0] == ""
    assert numbers[1] == "2"
    assert numbers[-1] == str(len(numbers))


def test_the_report_pages_are_a4_with_the_score_appendix_in_landscape(world, review):
    pdf = render_pdf(build_document(kind=ReportKind.TONG_KET, target=review, parameters={}))
    reader = PdfReader(io.BytesIO(pdf.content))
    sizes = [
        (round(float(p.mediabox.width) / 72 * 25.4), round(float(p.mediabox.height) / 72 * 25.4))
        for p in reader.pages
    ]
    assert sizes[0] == (210, 297)
    appendix = next(
        i for i, text in enumerate(pdf_pages(pdf.content)) if "BẢNG TỔNG HỢP ĐIỂM THI ĐUA" in nfc(text)
    )
    assert sizes[appendix] == (297, 210)


def test_an_open_review_is_marked_as_a_draft(world):
    from awards.tests.factories import review_for

    review = review_for(world.bloc, "so_ket", 2024, actor=world.admin)
    text = "\n".join(
        pdf_pages(render_pdf(build_document(kind=ReportKind.SO_KET, target=review, parameters={})).content)
    )
    assert "DỰ THẢO" in text
    assert "6 tháng đầu năm 2024" in nfc(text).replace("\n", " ")


def test_the_pledge_document_carries_its_signatures_and_hash(world):
    pledge = signed_pledge(world, signers=2)
    document = build_document(kind=ReportKind.PLEDGE, target=pledge, parameters={})
    text = nfc("\n".join(pdf_pages(render_pdf(document).content)))
    assert "GIAO ƯỚC THI ĐUA" in text
    assert pledge.short_code in text
    assert pledge.content_hash[:32] in text.replace("\n", "")
    assert "2/3 đơn vị đã ký" in text
    assert "Chưa ký" in text  # Quân khu 3
    assert "nguyên vẹn" in text
    assert "không phải chữ ký số" in text.replace("\n", " ")


def test_the_source_hash_changes_with_the_data_and_only_then(world):
    pledge = signed_pledge(world, signers=1)
    first = build_document(kind=ReportKind.PLEDGE, target=pledge, parameters={}).data_hash
    assert build_document(kind=ReportKind.PLEDGE, target=pledge, parameters={}).data_hash == first
    from campaigns.services.pledges import pledge_sign
    from campaigns.tests.factories import PASSWORD, leader_for

    pledge_sign(pledge=pledge, unit=world.unit_b, password=PASSWORD, actor=leader_for(world.unit_b))
    assert build_document(kind=ReportKind.PLEDGE, target=pledge, parameters={}).data_hash != first
    assert (
        build_document(kind=ReportKind.PLEDGE, target=pledge, parameters={"place": "Hà Nội"}).data_hash
        != first
    )


def test_the_score_sheet_of_a_round_is_landscape_and_ranked(world, review):
    scoring_round = ScoringRound.objects.get(campaign=review.campaign, period="q2")
    pdf = render_pdf(build_document(kind=ReportKind.RANKING_SHEET, target=scoring_round, parameters={}))
    page = PdfReader(io.BytesIO(pdf.content)).pages[0]
    assert float(page.mediabox.width) > float(page.mediabox.height)
    text = nfc(pdf_pages(pdf.content)[0])
    assert "BẢNG TỔNG HỢP ĐIỂM THI ĐUA" in text and "Quý II năm 2024" in text
    assert text.index("Quân khu 3") < text.index("Quân khu 1") < text.index("Quân khu 2")


def test_an_unpublished_round_has_no_score_sheet(world):
    from awards.tests.factories import review_for

    review = review_for(world.bloc, "so_ket", 2024, actor=world.admin, unpublished=("q2",))
    scoring_round = ScoringRound.objects.get(campaign=review.campaign, period="q2")
    with pytest.raises(ReportRefused, match="chưa công bố kết quả"):
        check_target(kind=ReportKind.RANKING_SHEET, target=scoring_round)


def test_the_nomination_list_prints_the_checks_and_the_written_justification(world, review):
    nomination_list = with_nominations(world, review)
    title = Title.objects.get(name="Bằng khen của Bộ trưởng Bộ Quốc phòng")
    taken = set(
        Nomination.objects.filter(nomination_list=nomination_list, title=title).values_list(
            "unit_id", flat=True
        )
    )
    unit = next(u for u in (world.unit_b, world.unit_a, world.unit_c) if u.pk not in taken)
    nomination_add(
        nomination_list=nomination_list,
        unit=unit,
        title=title,
        justification="Đơn vị có thành tích đột xuất trong cứu hộ cứu nạn.",
        actor=world.admin,
    )
    text = nfc(
        " ".join(
            pdf_pages(
                render_pdf(build_document(kind=ReportKind.NOMINATIONS, target=review, parameters={})).content
            )
        )
    )
    text = " ".join(text.split())
    assert "DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG" in text
    assert "Giải trình: Đơn vị có thành tích đột xuất trong cứu hộ cứu nạn." in text
    assert ": đạt" in text and ": không đạt" in text  # each rule with its answer


def test_a_template_that_prints_a_missing_variable_fails_with_its_name(world, settings, tmp_path):
    folder = tmp_path / "reports" / "pdf"
    folder.mkdir(parents=True)
    (folder / "pledge.html").write_text("<p>{{ pledge.no_such_field }}</p>", encoding="utf-8")
    settings.REPORT_TEMPLATE_DIRS = [str(tmp_path)]
    pledge = signed_pledge(world, signers=1)
    with pytest.raises(MissingVariable, match="pledge.no_such_field"):
        build_document(kind=ReportKind.PLEDGE, target=pledge, parameters={})


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/logo.png",
        "https://thidua.invalid/static/css/print.css",
        "file:///etc/passwd",
        "http://thidua.invalid/media/../../etc/passwd",
        "http://thidua.invalid/elsewhere/file.css",
        "http://thidua.invalid/static/does-not-exist.css",
    ],
)
def test_documents_read_no_address_but_the_projects_own_files(url):
    with pytest.raises(ResourceRefused):
        local_file_for(url)


def test_documents_read_the_static_files_from_disk():
    assert local_file_for("http://thidua.invalid/static/css/print.css").name == "print.css"


def test_a_document_asking_for_an_outside_address_is_not_rendered():
    from thidua.lib.pdf import html_to_pdf

    with pytest.raises(Exception, match="không tải địa chỉ ngoài"):
        html_to_pdf('<html><body><img src="http://example.com/x.png"></body></html>')


@pytest.mark.parametrize(
    ("name", "abbreviation"),
    [("Khối thi đua số 2", "KTĐ2"), ("Cụm thi đua số 6", "CTĐ6"), ("Khối các học viện", "KCHV")],
)
def test_the_sign_after_bc_comes_from_the_blocs_name(world, name, abbreviation):
    world.bloc.name = name
    assert bloc_abbreviation(world.bloc) == abbreviation


@pytest.mark.parametrize(
    ("venue", "place"),
    [
        ("Hội trường Bộ Tư lệnh Quân khu 1, thành phố Thái Nguyên", "Thái Nguyên"),
        ("Hội trường Sư đoàn Bộ binh 301, Hà Nội", "Hà Nội"),
        ("Hội trường lớn, tỉnh Hà Nam", "Hà Nam"),
        ("Hội trường Bộ Tư lệnh", ""),
        ("", ""),
    ],
)
def test_the_place_of_the_date_line_is_the_venues_locality(venue, place):
    assert place_name(venue) == place


@pytest.mark.parametrize(
    ("issued", "place", "number", "date_line", "number_line"),
    [
        (date(2024, 3, 5), "Hà Nội", "15/BC-KTĐ2", "Hà Nội, ngày 05 tháng 3 năm 2024", "Số: 15/BC-KTĐ2"),
        (date(2025, 1, 16), "", "/BC-KTĐ2", "Ngày 16 tháng 01 năm 2025", "Số: " + "\u00a0" * 6 + "/BC-KTĐ2"),
        (date(2024, 11, 1), "Hà Nội", "", "Hà Nội, ngày 01 tháng 11 năm 2024", ""),
    ],
)
def test_the_number_and_date_lines_follow_the_decree(world, issued, place, number, date_line, number_line):
    head = letterhead(
        bloc=world.bloc,
        parameters=DocumentParameters(number=number, place=place, issued_on=issued.isoformat()),
    )
    assert (head.place_date, head.number) == (date_line, number_line)
    assert (head.parent, head.issuer) == ("BỘ QUỐC PHÒNG", "KHỐI THI ĐUA SỐ 2")


def test_the_chart_escapes_the_names_it_draws():
    svg = bar_chart([Bar("Đơn vị <b>&", 90)], maximum=100)
    assert "Đơn vị &lt;b&gt;&amp;" in svg and "<b>" not in svg
    assert bar_chart([], maximum=100) == ""


def test_without_liberation_serif_the_documents_fall_back_with_a_warning(monkeypatch, caplog):
    from thidua.lib import pdf

    pdf.check_fonts.cache_clear()
    monkeypatch.setattr(pdf, "available_fonts", lambda: frozenset({"DejaVu Serif", "DejaVu Sans"}))
    try:
        with caplog.at_level("WARNING", logger="thidua.lib.pdf"):
            assert pdf.check_fonts() == "DejaVu Serif"
        assert "fonts-liberation2" in caplog.text
    finally:
        pdf.check_fonts.cache_clear()


def test_the_machine_has_the_documents_font():
    from thidua.lib.pdf import SERIF_FONT, available_fonts

    assert SERIF_FONT in available_fonts()  # make, .ci/run and the image install fonts-liberation2
