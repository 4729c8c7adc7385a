"""Placeholder pages; replaced as the area is built."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def _placeholder(request, **kwargs):
    return HttpResponse("…")


user_list = audit_list = _placeholder
