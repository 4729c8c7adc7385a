"""Idle sessions: the deadline a session expires at when unused (SESSION_COOKIE_AGE after its
last save) is pushed back while the user works, at most once every SESSION_REFRESH_SECONDS,
rather than by writing the session row on every request (SESSION_SAVE_EVERY_REQUEST): three
statements (a transaction and an UPDATE) saved on nearly every page, for an idle deadline
that is exact to within that interval."""

from __future__ import annotations

import time

from django.conf import settings

REFRESHED_AT = "_refreshed_at"  # seconds since the epoch of the session's last save by us


def mark_fresh(session) -> None:
    """Record that `session` is being saved now (its idle deadline starts again)."""
    session[REFRESHED_AT] = int(time.time())


def is_due(session) -> bool:
    """Whether the session should be saved to push its idle deadline back."""
    last = session.get(REFRESHED_AT)
    if not isinstance(last, int):
        return True
    return time.time() - last >= settings.SESSION_REFRESH_SECONDS
