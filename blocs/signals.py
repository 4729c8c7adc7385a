"""Audit of authentication events (infrastructure: no business rule lives here)."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from blocs.models import AuditEvent
from blocs.services.audit import audit_record
from thidua.lib.sessions import mark_fresh


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        mark_fresh(request.session)  # saved with the login: the idle deadline starts now
    audit_record(kind=AuditEvent.Kind.LOGIN, summary="Đăng nhập thành công", actor=user, request=request)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(kind=AuditEvent.Kind.LOGOUT, summary="Đăng xuất", actor=user, request=request)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    audit_record(
        kind=AuditEvent.Kind.LOGIN_FAILED, summary="Đăng nhập thất bại", request=request, username=username
    )


@receiver(user_locked_out)
def _locked_out(sender, request, username=None, ip_address=None, **kwargs):
    audit_record(
        kind=AuditEvent.Kind.LOCKED_OUT,
        summary="Tạm khóa đăng nhập sau nhiều lần sai mật khẩu",
        request=request,
        username=str(username or "")[:150],
    )
