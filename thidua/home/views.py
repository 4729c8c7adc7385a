"""The home page: one section per role the user holds, and the "việc cần làm" list on top."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from campaigns.selectors.pledges import pending_pledges_for
from thidua.health import health
from thidua.home.jobs import failed_report_jobs, recent_report_jobs
from thidua.home.selectors import roles_of, secretariat_desks, security_events, unit_home, watched_blocs
from thidua.home.todo import todos_for


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    user = request.user
    roles = roles_of(user)
    desks = secretariat_desks(blocs=roles.secretary_blocs, today=today) if roles.secretary_blocs else None
    units = unit_home(user=user, roles=roles, today=today) if roles.unit_roles else None
    pending = pending_pledges_for(user, today=today) if roles.led_units else []
    watched = watched_blocs(blocs=roles.observer_blocs) if roles.observer_blocs else None
    security = security_events(now=timezone.now()) if roles.is_admin else None
    context = {
        "roles": roles,
        "today": today,
        "desks": desks,
        "recent_jobs": recent_report_jobs(user=user, bloc_ids=[b.pk for b in roles.secretary_blocs])
        if desks
        else None,
        "unit_home": units,
        "pending_pledges": pending,
        "watched": watched,
        "security": security,
        "failed_jobs": failed_report_jobs(user=user) if roles.is_admin else None,
        "todos": todos_for(
            roles=roles, desks=desks, unit_home=units, pending_pledges=pending, security=security
        ),
    }
    return render(request, "thidua/home.html", context)


@never_cache
@login_required
@require_GET
def health_panel(request: HttpRequest) -> HttpResponse:
    """The admin home's health panel, loaded after the page so that a slow broker does not hold
    the page up."""
    if not request.user.is_superuser:
        raise PermissionDenied("Chỉ quản trị viên xem được tình trạng hệ thống.")
    return render(request, "thidua/_home_health.html", {"health": health()})
