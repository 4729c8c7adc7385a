"""Navigation by role, computed once per request."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject


def _roles(user) -> dict:
    if not user.is_authenticated:
        return {}
    roles = set(user.assignments.values_list("role", flat=True))
    return {
        "admin": user.is_superuser,
        "secretary": "secretary" in roles,
        "observer": "observer" in roles,
        "leader": "leader" in roles,
        "officer": "officer" in roles,
    }


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None:
        return {}
    return {"nav_roles": SimpleLazyObject(lambda: _roles(user))}
