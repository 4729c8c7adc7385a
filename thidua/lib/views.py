"""Small HTTP helpers shared by the apps' views."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def posted(request: HttpRequest):
    """The submitted data of a POST (even an empty one), None for a GET."""
    return request.POST if request.method == "POST" else None


def form_page(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    """Render a form page: 200 for a fresh form, 400 for one sent back with errors."""
    status = 400 if context["form"].is_bound else 200
    return render(request, template, context, status=status)
