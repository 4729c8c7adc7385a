"""Evidence files (minh chứng) attached to the scores of a unit's self-assessment.

An upload is untrusted. It is accepted only when its extension is one of a short list AND its
first bytes are those of that type (a program renamed "bao-cao.pdf" is refused), and when it
is no larger than `SCORE_EVIDENCE_MAX_BYTES` (10 MB by default). It is stored under a random
name, `evidence/<round id>/<uuid>.<ext>` in MEDIA_ROOT, so nothing the user typed ever becomes
part of a path; the original file name is kept beside it in `<uuid>.json` (the model has no
field for it) and comes back only in the download's Content-Disposition header. Files are
never served from MEDIA_URL: the download view checks who asks.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from blocs.models import Assignment, AuditEvent, Role
from blocs.services.audit import audit_record
from scoring.models import RoundState, Score, Scorecard, ScorecardKind, ScorecardState, ScoringRound
from thidua.lib.text import nfc

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
EVIDENCE_DIR = "evidence"
ORIGINAL_NAME_MAX = 150


@dataclass(frozen=True)
class EvidenceType:
    label: str
    content_type: str


TYPES: dict[str, EvidenceType] = {
    "pdf": EvidenceType("PDF", "application/pdf"),
    "jpg": EvidenceType("ảnh JPEG", "image/jpeg"),
    "jpeg": EvidenceType("ảnh JPEG", "image/jpeg"),
    "png": EvidenceType("ảnh PNG", "image/png"),
    "docx": EvidenceType(
        "Word (.docx)", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    ),
    "xlsx": EvidenceType(
        "Excel (.xlsx)", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ),
}
ALLOWED_LABEL = "PDF, ảnh JPG/PNG, Word (.docx) hoặc Excel (.xlsx)"
ACCEPT_ATTRIBUTE = ",".join(f".{ext}" for ext in TYPES)

# Office files are zip archives; these parts say which kind. A macro part means a .docm/.xlsm
# renamed, which is refused.
_OFFICE_PARTS = {
    "docx": ("word/document.xml", "word/vbaProject.bin"),
    "xlsx": ("xl/workbook.xml", "xl/vbaProject.bin"),
}


def evidence_max_bytes() -> int:
    return int(getattr(settings, "SCORE_EVIDENCE_MAX_BYTES", DEFAULT_MAX_BYTES))


def megabytes(size: int) -> str:
    text = f"{size / (1024 * 1024):.1f}".replace(".", ",")
    return text[:-2] if text.endswith(",0") else text


def clean_file_name(name: str) -> str:
    """The last part of what the browser sent as the file name, NFC, without control
    characters, at most 150 characters (the extension kept)."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C")
    base = nfc(base).strip(". ")
    if len(base) > ORIGINAL_NAME_MAX:
        stem, dot, ext = base.rpartition(".")
        ext = ext[:10] if dot else ""
        base = f"{stem[: ORIGINAL_NAME_MAX - len(ext) - 1]}.{ext}" if ext else base[:ORIGINAL_NAME_MAX]
    return base


def _extension(name: str) -> str:
    _stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot else ""


def _looks_like(ext: str, data: bytes) -> bool:
    if ext == "pdf":
        return data.startswith(b"%PDF-")
    if ext in ("jpg", "jpeg"):
        return data.startswith(b"\xff\xd8\xff")
    if ext == "png":
        return data.startswith(b"\x89PNG\r\n\x1a\n")
    if ext in _OFFICE_PARTS:
        if not data.startswith(b"PK\x03\x04"):
            return False
        required, macros = _OFFICE_PARTS[ext]
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return False
        return "[Content_Types].xml" in names and required in names and macros not in names
    return False


def check_evidence(*, name: str, data: bytes) -> str:
    """The file's extension if it may be kept as evidence; otherwise ValidationError with the
    Vietnamese reason. Checks the name, the size and the first bytes."""
    shown = clean_file_name(name) or "không tên"
    ext = _extension(shown)
    if ext not in TYPES:
        raise ValidationError(
            f"Tệp “{shown}” không được nhận: minh chứng chỉ nhận tệp {ALLOWED_LABEL}.", code="type"
        )
    if not data:
        raise ValidationError(f"Tệp “{shown}” rỗng, không có nội dung.", code="empty")
    limit = evidence_max_bytes()
    if len(data) > limit:
        raise ValidationError(
            f"Tệp “{shown}” nặng {megabytes(len(data))} MB; minh chứng tối đa {megabytes(limit)} MB.",
            code="too_big",
        )
    if not _looks_like(ext, data):
        raise ValidationError(
            f"Nội dung tệp “{shown}” không phải là {TYPES[ext].label} (có thể là tệp khác đã đổi đuôi); "
            "tệp không được nhận.",
            code="content",
        )
    return ext


def _meta_name(file_name: str) -> str:
    return file_name.rsplit(".", 1)[0] + ".json"


def _delete_stored(file_name: str) -> None:
    for name in (file_name, _meta_name(file_name)):
        with contextlib.suppress(OSError):
            default_storage.delete(name)


def _lock_own_score(score: Score, actor) -> tuple[Score, ScoringRound]:
    """The score, locked, when `actor` may still change its unit's self card: a leader or
    officer of the unit, the round open, the card not yet submitted."""
    card = Scorecard.objects.select_related("round").get(pk=score.scorecard_id)
    if card.kind != ScorecardKind.SELF:
        raise ValidationError("Chỉ đính kèm minh chứng vào phiếu tự chấm của đơn vị.")
    if not Assignment.objects.filter(
        user=actor, unit_id=card.scored_unit_id, role__in=[Role.LEADER, Role.OFFICER]
    ).exists():
        raise PermissionDenied("Chỉ chỉ huy hoặc cán bộ của đơn vị mới được đính kèm minh chứng.")
    scoring_round = ScoringRound.objects.select_for_update(of=("self",)).get(pk=card.round_id)
    if scoring_round.state != RoundState.OPEN:
        raise ValidationError("Đợt chấm không còn nhận điểm tự chấm (đã khóa sổ hoặc đã công bố).")
    card = Scorecard.objects.select_for_update(of=("self",)).get(pk=card.pk)
    if card.state == ScorecardState.SUBMITTED:
        raise ValidationError("Phiếu tự chấm đã được chỉ huy gửi, không sửa được nữa.")
    locked = (
        Score.objects.select_for_update(of=("self",))
        .select_related("criterion", "scorecard__scored_unit")
        .get(pk=score.pk)
    )
    return locked, scoring_round


@transaction.atomic
def score_evidence_attach(*, score: Score, name: str, data: bytes, actor) -> Score:
    """Keep `data` as the evidence of `score` (a self card's score), replacing any earlier
    file. The earlier file is deleted once the change is committed."""
    score, scoring_round = _lock_own_score(score, actor)
    ext = check_evidence(name=name, data=data)
    original = clean_file_name(name)
    sha256 = hashlib.sha256(data).hexdigest()
    stem = f"{EVIDENCE_DIR}/{scoring_round.pk}/{uuid.uuid4().hex}"
    stored = default_storage.save(f"{stem}.{ext}", ContentFile(data))
    try:
        meta = {"name": original, "sha256": sha256, "size": len(data), "by": actor.pk}
        default_storage.save(_meta_name(stored), ContentFile(json.dumps(meta, ensure_ascii=False).encode()))
        previous = score.evidence.name
        score.evidence.name = stored
        score._history_user = actor
        score.save(update_fields=["evidence", "updated_at"])
        audit_record(
            kind=AuditEvent.Kind.CHANGE,
            summary=(
                f"Đính kèm minh chứng “{original}” cho tiêu chí {score.criterion.code}, "
                f"phiếu tự chấm của {score.scorecard.scored_unit.name}, {scoring_round}"
            ),
            actor=actor,
            data={"score": score.pk, "file": stored, "name": original, "sha256": sha256, "size": len(data)},
        )
    except BaseException:
        _delete_stored(stored)
        raise
    if previous:
        transaction.on_commit(lambda: _delete_stored(previous), robust=True)
    # Had the transaction rolled back after this point, the new file would be an orphan
    # nobody can reach (no row names it); it costs disk, never access.
    return score


@transaction.atomic
def score_evidence_remove(*, score: Score, actor) -> Score:
    score, scoring_round = _lock_own_score(score, actor)
    previous = score.evidence.name
    if not previous:
        return score
    original = evidence_original_name(score)
    score.evidence.name = ""
    score._history_user = actor
    score.save(update_fields=["evidence", "updated_at"])
    audit_record(
        kind=AuditEvent.Kind.CHANGE,
        summary=(
            f"Gỡ minh chứng “{original}” của tiêu chí {score.criterion.code}, "
            f"phiếu tự chấm của {score.scorecard.scored_unit.name}, {scoring_round}"
        ),
        actor=actor,
        data={"score": score.pk, "file": previous},
    )
    transaction.on_commit(lambda: _delete_stored(previous), robust=True)
    return score


# --- Reading back ------------------------------------------------------------------------------


def evidence_original_name(score: Score) -> str:
    """The name the file had when it was uploaded, or a made-up one if its note is lost."""
    name = score.evidence.name
    ext = _extension(name)
    fallback = f"minh-chung-{score.criterion.code if score.criterion_id else score.pk}.{ext}"
    try:
        with default_storage.open(_meta_name(name), "rb") as handle:
            original = clean_file_name(str(json.load(handle).get("name", "")))
    except (OSError, ValueError, AttributeError):
        return fallback
    # A stored name whose extension differs from the file's would mislead the browser.
    return original if _extension(original) == ext else fallback


@dataclass
class EvidenceFile:
    handle: IO[bytes]
    name: str
    content_type: str


def evidence_open(score: Score) -> EvidenceFile:
    """The stored file of `score`, opened, with its original name and its content type (from
    the checked extension, never from what the browser claimed). Raises FileNotFoundError."""
    name = score.evidence.name
    ext = _extension(name)
    if not name or ext not in TYPES or not name.startswith(f"{EVIDENCE_DIR}/"):
        raise FileNotFoundError(name)
    return EvidenceFile(
        handle=default_storage.open(name, "rb"),
        name=evidence_original_name(score),
        content_type=TYPES[ext].content_type,
    )
