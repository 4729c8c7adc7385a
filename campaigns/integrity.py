"""Integrity of pledges: the canonical form of a pledge's content, the hash chain of its
signatures, and their verification.

The canonical form is JSON with sorted keys, no insignificant whitespace, NFC text and
numbers as strings, so that the same content always gives the same SHA-256 on any machine.
Each signature's record hash covers its own fields and the previous signature's hash, so that
changing, removing or reordering any signature breaks the chain at a named place.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC
from decimal import Decimal
from typing import Any

GENESIS_HASH = "0" * 64


def _normalise(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dict):
        return {str(k): _normalise(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_normalise(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def canonical_json(data: dict) -> str:
    return json.dumps(_normalise(data), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def pledge_content(pledge) -> dict:
    """The content a signer agrees to: the pledge's text, items, registrations and parties.

    `pledge` must have `items`, `registrations` and the campaign, bloc and drive loaded or
    loadable; parties are read from the frozen form when it exists (they are the members at
    the moment the pledge was opened)."""
    campaign = pledge.campaign
    drive = pledge.drive
    return {
        "format": "thidua-pledge/1",
        "pledge": {
            "id": pledge.pk,
            "version": pledge.version,
            "title": pledge.title,
            "period": pledge.period,
            "preamble": pledge.preamble,
        },
        "campaign": {
            "id": campaign.pk,
            "year": campaign.year,
            "name": campaign.name,
            "bloc": campaign.bloc.name,
        },
        "drive": (
            {"id": drive.pk, "name": drive.name, "starts_on": drive.starts_on, "ends_on": drive.ends_on}
            if drive is not None
            else None
        ),
        "items": [
            {
                "position": item.position,
                "content": item.content,
                "indicator": item.indicator,
                "unit_of_measure": item.unit_of_measure,
                "comparison": item.comparison,
                "target_value": item.target_value,
            }
            for item in sorted(pledge.items.all(), key=lambda i: i.position)
        ],
        "registrations": sorted(
            (
                {"unit_id": r.unit_id, "unit": r.unit.code, "unit_name": r.unit.name, "title": r.title}
                for r in pledge.registrations.all()
            ),
            key=lambda r: (r["unit"], r["title"]),
        ),
    }


def signature_payload(signature) -> dict:
    return {
        "format": "thidua-signature/1",
        "pledge": signature.pledge_id,
        "sequence": signature.sequence,
        "kind": signature.kind,
        "unit": signature.unit.code if signature.unit_id else None,
        "user": signature.user_id,
        "signer_name": signature.signer_name,
        "signer_rank": signature.signer_rank,
        "signer_position": signature.signer_position,
        # Always in UTC: the stored value comes back in UTC whatever offset it was written with.
        "signed_at": signature.signed_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "ip": signature.ip,
        "user_agent": signature.user_agent,
        "content_hash": signature.content_hash,
        "previous_hash": signature.previous_hash,
    }


def signature_record_hash(signature) -> str:
    return sha256_hex(canonical_json(signature_payload(signature)))


ITEM_FIELD_NAMES = {
    "content": "nội dung",
    "indicator": "chỉ tiêu",
    "unit_of_measure": "đơn vị tính",
    "comparison": "phép so sánh",
    "target_value": "giá trị chỉ tiêu",
    "position": "thứ tự",
}
PLEDGE_FIELD_NAMES = {
    "title": "tiêu đề",
    "preamble": "lời mở đầu",
    "period": "thời gian giao ước",
    "version": "phiên bản",
    "id": "mã giao ước",
}


@dataclass
class Verification:
    problems: list[str] = field(default_factory=list)
    signatures_checked: int = 0

    @property
    def intact(self) -> bool:
        return not self.problems

    @property
    def verdict(self) -> str:
        return "nguyên vẹn" if self.intact else "không nguyên vẹn"


def _diff_content(stored: dict, current: dict) -> list[str]:
    problems: list[str] = []
    for key, label in PLEDGE_FIELD_NAMES.items():
        if stored.get("pledge", {}).get(key) != current["pledge"].get(key):
            problems.append(f"Phần “{label}” của giao ước đã bị thay đổi.")
    if stored.get("campaign") != current["campaign"]:
        problems.append("Thông tin phong trào của giao ước đã bị thay đổi.")
    if stored.get("drive") != current["drive"]:
        problems.append("Thông tin đợt thi đua của giao ước đã bị thay đổi.")
    stored_items = {item["position"]: item for item in stored.get("items", [])}
    current_items = {item["position"]: item for item in current["items"]}
    for position in sorted(set(stored_items) | set(current_items)):
        before, after = stored_items.get(position), current_items.get(position)
        if before is None:
            problems.append(f"Mục {position} được thêm vào sau khi niêm phong.")
        elif after is None:
            problems.append(f"Mục {position} đã bị xóa sau khi niêm phong.")
        else:
            changed = [label for key, label in ITEM_FIELD_NAMES.items() if before.get(key) != after.get(key)]
            if changed:
                problems.append(f"Mục {position}: {', '.join(changed)} đã bị thay đổi.")
    if stored.get("registrations") != current["registrations"]:
        problems.append("Danh sách đăng ký danh hiệu đã bị thay đổi.")
    return problems


def _pledge_owned(content: dict) -> dict:
    """The part of a pledge's content that only the pledge's own rows hold.

    The frozen text keeps the names of the bloc, campaign and units as they were when it was
    opened; renaming a unit later is not tampering with the pledge, so verification compares
    the pledge's rows by identity (campaign id and year, unit ids) rather than by names."""
    return {
        "format": content.get("format"),
        "pledge": content.get("pledge"),
        "campaign": {key: (content.get("campaign") or {}).get(key) for key in ("id", "year")},
        "drive": content.get("drive"),
        "items": content.get("items"),
        "registrations": sorted(
            (
                {"unit_id": r.get("unit_id"), "title": r.get("title")}
                for r in content.get("registrations") or []
            ),
            key=lambda r: (r["unit_id"] or 0, r["title"] or ""),
        ),
    }


def verify_pledge(pledge, signatures) -> Verification:
    """Recompute every hash of a frozen pledge and its chain; name each mismatch."""
    result = Verification()
    if not pledge.content_hash:
        result.problems.append("Giao ước chưa được niêm phong (chưa mở ký).")
        return result
    if sha256_hex(pledge.canonical_content) != pledge.content_hash:
        result.problems.append("Mã băm nội dung không khớp với nội dung đã niêm phong.")
    try:
        stored = json.loads(pledge.canonical_content)
    except ValueError:
        stored = {}
        result.problems.append("Nội dung đã niêm phong bị hỏng, không đọc được.")
    current = _pledge_owned(json.loads(canonical_json(pledge_content(pledge))))
    stored_for_diff = _pledge_owned(stored)
    if canonical_json(stored_for_diff) != canonical_json(current):
        result.problems.extend(
            _diff_content(stored_for_diff, current) or ["Nội dung giao ước đã bị thay đổi."]
        )

    previous = GENESIS_HASH
    for expected_sequence, signature in enumerate(signatures, start=1):
        who = signature.unit.name if signature.unit_id else f"chứng kiến ({signature.signer_name})"
        label = f"Chữ ký thứ {signature.sequence} – {who}"
        if signature.sequence != expected_sequence:
            result.problems.append(f"{label}: số thứ tự không liền mạch (mong đợi {expected_sequence}).")
        if signature.content_hash != pledge.content_hash:
            result.problems.append(f"{label}: đã ký một nội dung khác với nội dung niêm phong.")
        if signature.previous_hash != previous:
            result.problems.append(f"{label}: không nối đúng với chữ ký trước (chuỗi bị đứt).")
        if signature_record_hash(signature) != signature.record_hash:
            result.problems.append(f"{label}: thông tin chữ ký đã bị thay đổi.")
        previous = signature.record_hash
        result.signatures_checked += 1
    return result
