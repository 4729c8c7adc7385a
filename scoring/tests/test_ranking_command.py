"""`manage.py export_ranking`: the ranking page's CSV for a bloc, a year and a period, published
rounds only unless --all-rounds, with Vietnamese messages for a bad bloc, year or period."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import CommandError, call_command

from blocs.models import AuditEvent
from blocs.tests.factories import BlocFactory
from scoring.models import RoundState
from scoring.tests.ranking_factories import campaign_of, card, make_round, standard


@pytest.fixture
def campaign(world):
    campaign = campaign_of(world.bloc)
    card(make_round(campaign, "q1"), world.unit_a, standard(40))
    card(make_round(campaign, "q1"), world.unit_b, standard(35))
    card(make_round(campaign, "q2", RoundState.CLOSED), world.unit_b, standard(49))
    return campaign


def rows_of(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def test_writes_the_csv_of_published_rounds_to_a_file(world, campaign, tmp_path):
    target = tmp_path / "kq.csv"
    err = io.StringIO()
    call_command(
        "export_ranking", bloc=str(world.bloc.pk), year="2024", period="h1", output=str(target), stderr=err
    )
    rows = rows_of(target.read_bytes())
    assert rows[0][:2] == ["Hạng", "Đơn vị"]
    assert [r[:2] for r in rows[1:4]] == [["1", "Quân khu 1"], ["2", "Quân khu 2"], ["–", "Quân khu 3"]]
    assert rows[2][-1] == ""  # Q2 is not published: nobody misses it
    assert any("Cách xếp hạng:" in r for r in rows)
    assert "Đã ghi xếp hạng 6 tháng đầu năm 2024 của Khối thi đua số 2 (2 đơn vị có điểm" in err.getvalue()
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.EXPORT)
    assert event.actor is None and event.data["published_only"] is True


def test_all_rounds_includes_unpublished_rounds(world, campaign, tmp_path):
    target = tmp_path / "kq.csv"
    call_command(
        "export_ranking",
        bloc="Khối thi đua số 2",
        year="2024",
        period="h1",
        output=str(target),
        all_rounds=True,
    )
    rows = rows_of(target.read_bytes())
    assert rows[1][:2] == ["1", "Quân khu 2"]  # (35 + 49) / 2 = 42 against 40 for Quân khu 1 …
    assert rows[2][-1] == "Thiếu Quý II"  # … which has no Q2 and ranks after the complete units


def test_writes_to_standard_output_and_finds_the_bloc_by_folded_name(world, campaign):
    out = io.StringIO()
    call_command("export_ranking", bloc="khoi thi dua so 2", year="2024", period="q1", stdout=out)
    text = out.getvalue()
    assert text.startswith("\ufeffHạng;Đơn vị;")
    assert "1;Quân khu 1;" in text


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"bloc": "999999"}, "Không có khối/cụm thi đua số hiệu 999999."),
        ({"bloc": "Khối không có"}, "Không tìm thấy khối/cụm thi đua “Khối không có”."),
        ({"bloc": "thi dua"}, "Có 3 khối/cụm khớp với “thi dua”: Khối thi đua số 2 (số hiệu"),
        ({"year": "hai nghìn"}, "Năm “hai nghìn” không hợp lệ: nhập năm từ 2000 đến 2100"),
        ({"year": "1990"}, "Năm “1990” không hợp lệ"),
        ({"year": "2023"}, "Khối thi đua số 2 không có phong trào thi đua năm 2023."),
        ({"period": "q5"}, "Kỳ xếp hạng “q5” không hợp lệ: chọn một trong q1, q2, q3, q4, h1, year."),
        ({"output": "/khong/co/thu/muc/kq.csv"}, "Không ghi được tệp “/khong/co/thu/muc/kq.csv”"),
    ],
)
def test_bad_input_gets_a_vietnamese_message(world, campaign, options, message):
    BlocFactory(name="Cụm thi đua số 9")  # "thi dua" matches it, Khối thi đua số 2 and Cụm thi đua số 6
    arguments = {"bloc": str(world.bloc.pk), "year": "2024", "period": "year"} | options
    with pytest.raises(CommandError) as raised:
        call_command("export_ranking", **arguments, stdout=io.StringIO())
    assert message in str(raised.value)
