"""The append-only audit trail."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from blocs.models import AuditEvent


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    kind: str,
    summary: str,
    actor=None,
    request: HttpRequest | None = None,
    username: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event. Called inside the transaction of the change it records."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEvent.objects.create(
        kind=kind,
        summary=summary[:500],
        actor=actor,
        username=(username or (actor.get_username() if actor else ""))[:150],
        ip=client_ip(request),
        path=(request.get_full_path()[:500] if request is not None else ""),
        data=data or {},
    )
