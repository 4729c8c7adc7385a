"""Cross-cutting HTTP behaviour."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


class HtmxSessionExpiredMiddleware:
    """An htmx request whose session has expired gets a full-page redirect to the login page
    with an explanation, rather than a login form swapped into a fragment of the page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            getattr(request, "htmx", False)
            and not request.user.is_authenticated
            and response.status_code in (301, 302)
            and response.get("Location", "").startswith(resolve_url(settings.LOGIN_URL))
        ):
            response.status_code = 204
            referer_path = request.htmx.current_url_abs_path or "/"
            response["HX-Redirect"] = (
                resolve_url(settings.LOGIN_URL) + "?" + urlencode({"next": referer_path, "expired": "1"})
            )
            del response["Location"]
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, PermissionDenied):
            from blocs.models import AuditEvent
            from blocs.services.audit import audit_record

            audit_record(
                kind=AuditEvent.Kind.DENIED,
                summary=f"Từ chối truy cập {request.method} {request.path}"[:500],
                actor=request.user,
                request=request,
            )
        return None


DATABASE_ERRORS = (OperationalError, InterfaceError)
# Probes read the state of each part themselves and answer in JSON (thidua/health.py).
DATABASE_CHECK_EXEMPT = ("/healthz/",)
RETRY_AFTER_SECONDS = 30


def database_unavailable_response() -> HttpResponse:
    """The 503 page: a static template rendered without a request, so that no context
    processor, session or user lookup touches the database that has just failed."""
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """The database unreachable (stopped, restarting, network cut): every page answers a
    Vietnamese 503 "try again shortly" instead of a 500 with nothing to say, and the next
    request connects again, so the service recovers by itself without a restart.

    For a visitor with a session, the connection is opened before the session and the user
    are looked up: a refused connection is seen here, before the session middleware could take
    the failed lookup for an empty session and drop the visitor's cookie. Without a session
    nothing reads the database before the view, and a failure there (or a connection lost in
    the middle of any request) is caught from the view."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.SESSION_COOKIE_NAME in request.COOKIES and not request.path.startswith(
            DATABASE_CHECK_EXEMPT
        ):
            try:
                connection.ensure_connection()
            except DATABASE_ERRORS as exc:
                return self._unavailable(exc)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            return self._unavailable(exception)
        return None

    @staticmethod
    def _unavailable(exc: Exception) -> HttpResponse:
        # A broken connection is closed at the end of the request (Django's request_finished
        # handler), so the next request connects afresh.
        logger.warning("database unavailable: %s: %s", type(exc).__name__, str(exc).strip()[:300])
        return database_unavailable_response()


class IdleSessionMiddleware:
    """A signed-in user's session has its idle deadline pushed back while they work: saved when
    something changed it anyway, and otherwise once every SESSION_REFRESH_SECONDS at most
    (thidua/lib/sessions.py). Sits inside SessionMiddleware, which does the saving."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from thidua.lib.sessions import is_due, mark_fresh

        response = self.get_response(request)
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is None or user is None or not user.is_authenticated:
            return response
        if session.modified or is_due(session):
            mark_fresh(session)
        return response


class EndDisabledSessionsMiddleware:
    """A session whose account may no longer sign in (locked through the admin site or by
    hand, rather than on the user page, which ends sessions itself) is ended on its next
    request. Django alone would only ignore it while the account is locked, and the same
    session would be signed in again the day the account were unlocked."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.contrib.auth import SESSION_KEY

        session = getattr(request, "session", None)
        user_id = session.get(SESSION_KEY) if session is not None else None
        # Evaluating request.user may itself flush the session (a password changed elsewhere):
        # only a session that survives it, unauthenticated, belongs to a locked account.
        if user_id is not None and not request.user.is_authenticated and SESSION_KEY in session:
            from blocs.models import AuditEvent, User
            from blocs.services.audit import audit_record

            username = User.objects.filter(pk=user_id).values_list("username", flat=True).first()
            session.flush()
            audit_record(
                kind=AuditEvent.Kind.LOGOUT,
                summary="Kết thúc phiên của tài khoản đã bị khóa",
                request=request,
                username=username or "",
            )
        return self.get_response(request)
