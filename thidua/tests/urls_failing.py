"""A test-only URLconf with a view that fails, for the 500 page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("lỗi thử nghiệm")


urlpatterns = [path("hong/", broken)]
