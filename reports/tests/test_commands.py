"""`manage.py render_report`: a report made at once to a file, for administrators and scripts."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from reports.tests.factories import pdf_pages, signed_pledge

pytestmark = pytest.mark.django_db


def test_render_report_writes_the_pdf_of_an_object(world, tmp_path, capsys):
    pledge = signed_pledge(world, signers=1)
    target = tmp_path / "giao-uoc.pdf"
    call_command("render_report", "pledge", pledge=pledge.pk, output=str(target), set=["place=Hà Nội"])
    text = " ".join(pdf_pages(target.read_bytes()))
    assert "GIAO ƯỚC THI ĐUA" in text and "Hà Nội, ngày" in text
    assert "trang" in capsys.readouterr().out


def test_render_report_writes_the_html_on_request(world, tmp_path):
    pledge = signed_pledge(world, signers=1)
    target = tmp_path / "giao-uoc.html"
    call_command("render_report", "pledge", pledge=pledge.pk, output=str(target), html=True)
    assert target.read_text(encoding="utf-8").startswith("<!doctype html>")


@pytest.mark.parametrize(
    ("kind", "options", "message"),
    [
        ("pledge", {"pledge": 999999}, "Không có pledge mã 999999"),
        ("tong_ket", {"pledge": None}, "Báo cáo sơ kết, tổng kết được lập từ một hội nghị"),
        ("pledge", {"pledge": None, "set": ["color=red"]}, "Tham số không hợp lệ: color=red"),
    ],
)
def test_render_report_refuses_what_it_cannot_make(world, tmp_path, kind, options, message):
    pledge = signed_pledge(world, signers=1)
    options = {**options, "pledge": options["pledge"] or pledge.pk, "output": str(tmp_path / "x.pdf")}
    with pytest.raises(CommandError, match=message):
        call_command("render_report", kind, **options)
