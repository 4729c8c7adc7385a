"""Pages of the composition root: health and error pages (the home page is in thidua.home)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from thidua.health import health


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For monitoring: 200 when database and broker answer, 503 otherwise; worker freshness
    is reported and makes the status "degraded" without failing the probe."""
    report = health()
    status = 200 if report["database"]["ok"] and report["broker"]["ok"] else 503
    return JsonResponse(report, status=status, json_dumps_params={"ensure_ascii": False})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)
