"""Pages of the composition root: home, health, error pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from blocs.models import Assignment, Bloc, ChairTerm, vietnamese_order
from campaigns.selectors.pledges import pending_pledges_for
from thidua.health import health


@login_required
def home(request: HttpRequest) -> HttpResponse:
    year = timezone.localdate().year
    today = timezone.localdate()
    blocs = (
        Bloc.objects.visible_to(request.user)
        .select_related("organiser")
        .annotate(
            member_count=Count(
                "memberships",
                filter=Q(memberships__joined_on__lte=today)
                & (Q(memberships__left_on__isnull=True) | Q(memberships__left_on__gte=today)),
            )
        )
        .prefetch_related(
            Prefetch(
                "chair_terms",
                queryset=ChairTerm.objects.filter(year__lte=year)
                .select_related("chair", "deputy")
                .order_by("-year"),
                to_attr="recent_terms",
            )
        )
        .order_by(vietnamese_order("name"), "pk")
    )
    assignments = (
        Assignment.objects.filter(user=request.user).select_related("bloc", "unit").order_by("role", "pk")
    )
    return render(
        request,
        "thidua/home.html",
        {
            "blocs": blocs,
            "assignments": assignments,
            "year": year,
            "pending_pledges": pending_pledges_for(request.user),
        },
    )


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
