"""What every document shares: the letterhead, the signature block and "Nơi nhận"
(Nghị định 30/2020/NĐ-CP), and the parameters the requester may set for them."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date

from blocs.models import Bloc, BlocKind
from thidua.lib.dates import format_date_long
from thidua.lib.text import nfc

_NUMBERED = re.compile(r"^(khối|cụm)\s+thi\s+đua\s+số\s+(\w+)", re.IGNORECASE)
_PLACE_PREFIXES = ("thành phố ", "tp. ", "tp ", "tỉnh ", "thị xã ", "quận ", "huyện ")


def bloc_abbreviation(bloc: Bloc) -> str:
    """ "CTĐ6" for Cụm thi đua số 6, "KTĐ2" for Khối thi đua số 2: the sign after "BC-" in a
    document number; otherwise the initials of the bloc's name."""
    if match := _NUMBERED.match(bloc.name.strip()):
        return ("CTĐ" if match[1].lower() == "cụm" else "KTĐ") + match[2].upper()
    return "".join(word[0] for word in bloc.name.split() if word[:1].isalnum()).upper()[:10]


def paragraphs(text: str) -> list[str]:
    """A text as paragraphs: one per non-empty line."""
    return [line.strip() for line in text.replace("\r\n", "\n").split("\n") if line.strip()]


def bloc_word(bloc: Bloc) -> str:
    return "cụm" if bloc.kind == BlocKind.CLUSTER else "khối"


def place_name(text: str) -> str:
    """The locality of a venue, for the place and date line: "Hội trường Quân khu 1, thành
    phố Thái Nguyên" → "Thái Nguyên". A venue without a comma names no locality: none."""
    if "," not in text:
        return ""
    tail = text.rsplit(",", 1)[-1].strip()
    lowered = tail.lower()
    for prefix in _PLACE_PREFIXES:
        if lowered.startswith(prefix):
            tail = tail[len(prefix) :].strip()
            break
    return tail[:1].upper() + tail[1:] if tail else ""


@dataclass
class DocumentParameters:
    """What the requester sets on the document's first and last page."""

    number: str = ""  # "15/BC-CTĐ6"; a leading "/" leaves the number for the clerk to write
    place: str = ""
    issued_on: str = ""  # ISO date
    signer_authority: str = ""  # "TM. CỤM THI ĐUA SỐ 6"
    signer_position: str = ""  # "CỤM TRƯỞNG"
    signer_name: str = ""  # "Đại tá Nguyễn Văn An"
    recipients: list[str] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict) -> DocumentParameters:
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        return cls(**known)

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def issued_date(self) -> date | None:
        return date.fromisoformat(self.issued_on) if self.issued_on else None


def default_parameters(
    *, bloc: Bloc, kind_sign: str, place: str, issued_on: date | None
) -> DocumentParameters:
    abbreviation = bloc_abbreviation(bloc)
    chair_word = f"{bloc_word(bloc)} trưởng".upper()
    return DocumentParameters(
        number=f"/{kind_sign}-{abbreviation}" if kind_sign else "",
        place=place,
        issued_on=issued_on.isoformat() if issued_on else "",
        signer_authority=f"TM. {bloc.name.upper()}",
        signer_position=chair_word,
        signer_name="",
        recipients=[
            f"Hội đồng Thi đua – Khen thưởng {bloc.organiser.name};",
            f"Các đơn vị thành viên {bloc.name};",
            f"Lưu: VT, {abbreviation}.",
        ],
    )


@dataclass(frozen=True)
class Letterhead:
    parent: str
    issuer: str
    number: str
    place_date: str


def letterhead(*, bloc: Bloc, parameters: DocumentParameters) -> Letterhead:
    """The top of the first page: parent authority and issuing body on the left, in capitals;
    the number under them; the place and date line in italics on the right."""
    issued = parameters.issued_date
    place_date = ""
    if issued is not None:
        place_date = (
            format_date_long(issued, nfc(parameters.place)) if parameters.place else format_date_long(issued)
        )
        place_date = place_date[:1].upper() + place_date[1:]
    number = nfc(parameters.number).strip()
    if number.startswith("/"):
        number = "\u00a0" * 6 + number  # room for the number the clerk writes in
    return Letterhead(
        parent=bloc.organiser.name.upper(),
        issuer=bloc.name.upper(),
        number=f"Số: {number}" if number else "",
        place_date=place_date,
    )


@dataclass(frozen=True)
class RankingLine:
    """A ranking row with its points per standard group and its total per round, in the
    columns' order, for the tables."""

    row: object  # scoring.selectors.ranking.result.RankingRow
    group_points: list
    round_totals: list


def ranking_lines(ranking) -> list[RankingLine]:
    groups = [g.code for g in ranking.standard_groups]
    periods = list(ranking.rounds)
    return [
        RankingLine(
            row=row,
            group_points=[row.groups.get(code) for code in groups],
            round_totals=[row.quarters.get(period) for period in periods],
        )
        for row in ranking.scored_rows
    ]


def ranking_table(ranking) -> dict:
    """The context of the full ranking table (_ranking_full.html)."""
    from scoring.models import RoundPeriod

    quarter_labels = [RoundPeriod(p).label for p in ranking.rounds]
    groups = ranking.standard_groups
    return {
        "ranking": ranking,
        "ranking_lines": ranking_lines(ranking),
        "groups": groups,
        "quarter_labels": quarter_labels,
        "empty_colspan": len(groups) + (len(quarter_labels) if len(quarter_labels) > 1 else 0) + 5,
    }
