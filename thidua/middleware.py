"""Cross-cutting HTTP behaviour."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.shortcuts import resolve_url


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
