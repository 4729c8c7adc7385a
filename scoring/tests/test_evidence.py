"""Evidence files on a self-assessment: what is accepted, where it is kept, who downloads it."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from blocs.models import AuditEvent
from blocs.tests.factories import AssignmentFactory
from scoring.models import Criterion, Score
from scoring.services.evidence import (
    check_evidence,
    clean_file_name,
    score_evidence_attach,
    score_evidence_remove,
)
from scoring.services.scorecards import self_card_save, self_card_submit
from scoring.tests.factories import close_round, round_with_sample

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 120


def office_zip(*parts: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for part in parts:
            archive.writestr(part, "<x/>")
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


DOCX = office_zip("word/document.xml")


@pytest.fixture
def scoring_round(world):
    return round_with_sample(world.bloc, "q1", actor=world.admin)


@pytest.fixture
def score(world, scoring_round) -> Score:
    criterion = Criterion.objects.get(criteria_set=scoring_round.criteria_set, code="1.1")
    card, _ = self_card_save(
        scoring_round=scoring_round,
        unit_id=world.unit_a.pk,
        entries={criterion.pk: Decimal("4")},
        base_version=0,
        actor=world.officer,
    )
    return card.scores.get()


def upload_url(score: Score) -> str:
    return reverse("scoring:evidence-upload", args=[score.pk])


def download_url(score: Score) -> str:
    return reverse("scoring:evidence-download", args=[score.pk])


def media(name: str) -> Path:
    return Path(settings.MEDIA_ROOT) / name


# --- What is accepted --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("bien-ban.pdf", PDF),
        ("anh.jpg", JPEG),
        ("ANH.JPEG", JPEG),
        ("so-do.png", PNG),
        ("bao-cao.docx", DOCX),
        ("bang-tong-hop.xlsx", xlsx_bytes()),
    ],
)
def test_allowed_types_pass(name, data):
    assert check_evidence(name=name, data=data) == name.rsplit(".", 1)[1].lower()


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("bao-cao.pdf", EXE, "không phải là PDF"),
        ("anh.png", JPEG, "không phải là ảnh PNG"),
        ("bao-cao.docx", xlsx_bytes(), "không phải là Word"),
        ("macro.docx", office_zip("word/document.xml", "word/vbaProject.bin"), "không phải là Word"),
        ("bao-cao.docx", b"PK\x03\x04 not really a zip", "không phải là Word"),
        ("chuong-trinh.exe", EXE, "chỉ nhận tệp PDF"),
        ("bao-cao", PDF, "chỉ nhận tệp PDF"),
        ("trang.html", b"<html>", "chỉ nhận tệp PDF"),
        ("rong.pdf", b"", "rỗng"),
    ],
)
def test_other_files_are_refused_with_the_reason(name, data, reason):
    with pytest.raises(ValidationError, match=reason):
        check_evidence(name=name, data=data)


def test_too_large_is_refused(settings):
    settings.SCORE_EVIDENCE_MAX_BYTES = 1024
    with pytest.raises(ValidationError, match="minh chứng tối đa 0 MB|minh chứng tối đa"):
        check_evidence(name="lon.pdf", data=PDF + b"0" * 2000)
    assert check_evidence(name="vua.pdf", data=PDF) == "pdf"


def test_file_names_are_cleaned():
    assert clean_file_name("../../etc/Báo cáo.pdf") == "Báo cáo.pdf"
    assert clean_file_name("C:\\Users\\x\\minh\x00chung.pdf") == "minhchung.pdf"
    long = clean_file_name("a" * 400 + ".pdf")
    assert len(long) == 150 and long.endswith(".pdf")


# --- Attaching through the page ---------------------------------------------------------------------


def test_officer_attaches_a_pdf_stored_under_a_random_name(world, client_for, scoring_round, score):
    client = client_for(world.officer)
    upload = SimpleUploadedFile("../Biên bản kiểm tra.pdf", PDF, content_type="application/pdf")
    response = client.post(upload_url(score), {"file": upload})
    assert response.status_code == 302
    assert response["Location"].endswith(f"#tc-{score.criterion_id}")
    score.refresh_from_db()
    stored = score.evidence.name
    folder, file_name = stored.rsplit("/", 1)
    assert folder == f"evidence/{scoring_round.pk}"
    assert len(file_name) == 36 and file_name.endswith(".pdf")
    assert media(stored).read_bytes() == PDF
    assert AuditEvent.objects.filter(summary__contains="Biên bản kiểm tra.pdf").exists()

    download = client.get(download_url(score))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"
    assert download["X-Content-Type-Options"] == "nosniff"
    disposition = download["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert quote("Biên bản kiểm tra.pdf") in disposition


@pytest.mark.parametrize(("name", "data"), [("anh.png", PNG), ("bao-cao.pdf", PDF), ("bien-ban.docx", DOCX)])
def test_evidence_is_downloaded_never_run_or_shown_in_the_page(world, client_for, score, name, data):
    """An attachment, never sniffed into another type, and sandboxed with no source allowed
    should a browser render it anyway (a PDF viewer, an image opened in a tab)."""
    score_evidence_attach(score=score, name=name, data=data, actor=world.officer)
    download = client_for(world.secretary).get(download_url(score))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert "private" in download["Cache-Control"] and "no-store" in download["Cache-Control"]


def test_stored_evidence_is_not_reachable_under_the_media_address(world, client_for, score):
    score_evidence_attach(score=score, name="bao-cao.pdf", data=PDF, actor=world.officer)
    score.refresh_from_db()
    direct = client_for(world.admin).get(settings.MEDIA_URL + score.evidence.name)
    assert direct.status_code == 404


def test_exe_renamed_pdf_is_refused_on_the_page(world, client_for, score):
    response = client_for(world.officer).post(
        upload_url(score), {"file": SimpleUploadedFile("bao-cao.pdf", EXE, content_type="application/pdf")}
    )
    assert response.status_code == 400
    assert "không phải là PDF" in response.content.decode()
    score.refresh_from_db()
    assert not score.evidence
    assert not media("evidence").exists() or not any(media("evidence").rglob("*.pdf"))


def test_too_large_upload_is_refused_before_reading(world, client_for, score, settings):
    settings.SCORE_EVIDENCE_MAX_BYTES = 100
    response = client_for(world.officer).post(
        upload_url(score), {"file": SimpleUploadedFile("lon.pdf", PDF + b"0" * 200)}
    )
    assert response.status_code == 400
    assert "minh chứng tối đa" in response.content.decode()
    score.refresh_from_db()
    assert not score.evidence


def test_replacing_and_removing_delete_the_old_files(world, score, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        score = score_evidence_attach(score=score, name="a.pdf", data=PDF, actor=world.officer)
    first = score.evidence.name
    assert media(first).exists() and media(first.replace(".pdf", ".json")).exists()
    with django_capture_on_commit_callbacks(execute=True):
        score = score_evidence_attach(score=score, name="b.png", data=PNG, actor=world.leader)
    second = score.evidence.name
    assert not media(first).exists() and not media(first.replace(".pdf", ".json")).exists()
    assert media(second).read_bytes() == PNG
    with django_capture_on_commit_callbacks(execute=True):
        score_evidence_remove(score=score, actor=world.officer)
    score.refresh_from_db()
    assert not score.evidence and not media(second).exists()


def test_remove_through_the_page(world, client_for, score):
    score_evidence_attach(score=score, name="a.pdf", data=PDF, actor=world.officer)
    client = client_for(world.leader)
    assert client.post(reverse("scoring:evidence-remove", args=[score.pk])).status_code == 302
    score.refresh_from_db()
    assert not score.evidence


def test_no_attaching_once_the_card_is_sent_or_the_round_closed(world, scoring_round, score):
    for code in (
        "1.2",
        "1.3",
        "2.1",
        "2.2",
        "2.3",
        "3.1",
        "3.2",
        "3.3",
        "4.1",
        "4.2",
        "4.3",
        "5.1",
        "5.2",
        "6.1",
        "6.2",
        "6.3",
    ):
        criterion = Criterion.objects.get(criteria_set=scoring_round.criteria_set, code=code)
        card = score.scorecard
        card.refresh_from_db()
        self_card_save(
            scoring_round=scoring_round,
            unit_id=world.unit_a.pk,
            entries={criterion.pk: Decimal(1)},
            base_version=card.version,
            actor=world.officer,
        )
    card.refresh_from_db()
    self_card_submit(scorecard=card, actor=world.leader)
    with pytest.raises(ValidationError, match="không sửa được nữa"):
        score_evidence_attach(score=score, name="a.pdf", data=PDF, actor=world.officer)


def test_no_attaching_in_a_closed_round(world, scoring_round, score):
    close_round(scoring_round, world.admin)
    with pytest.raises(ValidationError, match="không còn nhận"):
        score_evidence_attach(score=score, name="a.pdf", data=PDF, actor=world.officer)


def test_only_the_unit_staff_attach(world, score):
    with pytest.raises(PermissionDenied):
        score_evidence_attach(score=score, name="a.pdf", data=PDF, actor=world.secretary)


def test_upload_access(world, client_for, score):
    pdf = SimpleUploadedFile("a.pdf", PDF)
    assert client_for(world.secretary).post(upload_url(score), {"file": pdf}).status_code == 403
    leader_b = AssignmentFactory(role="leader", unit=world.unit_b).user
    for user in (leader_b, world.observer, world.outsider, world.nobody):
        pdf.seek(0)
        assert client_for(user).post(upload_url(score), {"file": pdf}).status_code == 404
        assert client_for(user).post(reverse("scoring:evidence-remove", args=[score.pk])).status_code == 404
    score.refresh_from_db()
    assert not score.evidence


# --- Downloading ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("officer", 200),
        ("leader", 200),
        ("secretary", 200),
        ("admin", 200),
        ("observer", 404),
        ("other_secretary", 404),
        ("outsider", 404),
        ("nobody", 404),
    ],
)
def test_download_access(world, client_for, score, persona, status):
    score_evidence_attach(score=score, name="Ảnh.jpg", data=JPEG, actor=world.officer)
    response = client_for(world.persona(persona)).get(download_url(score))
    assert response.status_code == status


def test_leader_of_another_member_unit_cannot_download(world, client_for, score):
    score_evidence_attach(score=score, name="a.pdf", data=PDF, actor=world.officer)
    leader_b = AssignmentFactory(role="leader", unit=world.unit_b).user
    assert client_for(leader_b).get(download_url(score)).status_code == 404


def test_download_without_a_file_is_404(world, client_for, score):
    assert client_for(world.officer).get(download_url(score)).status_code == 404


def test_anonymous_download_is_sent_to_login(client, world, score):
    score_evidence_attach(score=score, name="a.pdf", data=PDF, actor=world.officer)
    response = client.get(download_url(score))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_page_lists_the_evidence_with_its_original_name(world, client_for, scoring_round, score):
    score_evidence_attach(score=score, name="Biên bản.pdf", data=PDF, actor=world.officer)
    url = f"{reverse('scoring:self-assessment', args=[scoring_round.pk])}?don_vi={world.unit_a.pk}"
    body = client_for(world.secretary).get(url).content.decode()
    assert "Biên bản.pdf" in body and download_url(score) in body


def test_clearing_the_points_of_a_criterion_with_evidence_is_refused(world, client_for, scoring_round, score):
    score_evidence_attach(score=score, name="a.pdf", data=PDF, actor=world.officer)
    url = reverse("scoring:self-assessment", args=[scoring_round.pk])
    client = client_for(world.officer)
    form = client.get(url).context["form"]
    data = {name: "" if form[name].value() is None else str(form[name].value()) for name in form.fields}
    data[f"points_{score.criterion_id}"] = ""
    response = client.post(url, data)
    assert response.status_code == 400
    assert "gỡ minh chứng trước khi xóa điểm" in response.content.decode()
    assert Score.objects.filter(pk=score.pk).exists()
