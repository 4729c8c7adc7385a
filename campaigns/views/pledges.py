"""Pages of pledges (giao ước): drafting by the bloc's secretariat, opening (which freezes
the content), signing by the member units' leaders, the signing board, verification of the
hash chain, revoking into a new version, closing, and a print-friendly copy. HTTP only.

Who may do what (DESIGN.md §6): whoever sees the bloc reads its pledges (others get 404);
its secretariat and admins draft, open, revoke and close (others 403); a leader signs for
his own unit only; an observer with the witness right signs as witness."""

from __future__ import annotations

import time

import rules
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from blocs.models import Assignment, Role
from campaigns.forms.pledges import (
    PledgeForm,
    PledgeItemForm,
    PledgeRevokeForm,
    PledgeSignForm,
    RegistrationForm,
    WitnessSignForm,
    add_service_errors,
)
from campaigns.integrity import verify_pledge
from campaigns.models import FROZEN_MESSAGE, Campaign, Pledge, PledgeState, SignatureKind
from campaigns.selectors.pledges import (
    current_member_units,
    pledge_board,
    pledge_list_for_campaign,
    pledge_open_preview,
    pledge_sign_panel,
    pledge_signatures,
    pledges_visible_to,
    with_content,
)
from campaigns.services import pledges as services
from thidua.lib.dates import format_date_long
from thidua.lib.views import form_page, posted

MANAGE = "campaigns.manage_campaign"
WITNESS = "campaigns.witness_pledge"

# Re-entering the password to sign must not become a way round the login throttle.
PASSWORD_ATTEMPTS = 5
PASSWORD_LOCK_SECONDS = 15 * 60
_FAILURES_KEY = "pledge_password_failures"


# --- Loading and refusing -------------------------------------------------------------------


def _visible_campaign(request: HttpRequest, pk: int) -> Campaign:
    return get_object_or_404(Campaign.objects.visible_to(request.user).select_related("bloc"), pk=pk)


def _visible_pledge(request: HttpRequest, pk: int, *, content: bool = False) -> Pledge:
    """The pledge, if the user may see its bloc (404 otherwise: its existence is not revealed);
    with its items and registrations when `content`."""
    pledges = pledges_visible_to(request.user)
    if content:
        pledges = with_content(pledges)
    return get_object_or_404(pledges, pk=pk)


def _managed_pledge(request: HttpRequest, pk: int, *, content: bool = False) -> Pledge:
    """The pledge, if the user may see it (else 404) and manage its bloc's campaigns (else 403)."""
    pledge = _visible_pledge(request, pk, content=content)
    if not request.user.has_perm(MANAGE, pledge.campaign.bloc):
        raise PermissionDenied("Chỉ cơ quan thường trực của khối/cụm được soạn, mở ký hay thu hồi giao ước.")
    return pledge


def _may_witness(user, bloc) -> bool:
    """The witness rule itself: Django's `has_perm` would let any superuser through, but an
    admin is not a superior of the bloc and does not witness (DESIGN.md §6)."""
    return rules.has_perm(WITNESS, user, bloc)


def _frozen_refusal(request: HttpRequest, pledge: Pledge) -> HttpResponse:
    """Any attempt to change the content of an opened pledge: refused, nothing changed."""
    return render(
        request, "campaigns/pledge_frozen.html", {"pledge": pledge, "message": FROZEN_MESSAGE}, status=400
    )


def _detail_url(pledge: Pledge, anchor: str = "") -> str:
    url = reverse("campaigns:pledge-detail", args=[pledge.pk])
    return f"{url}#{anchor}" if anchor else url


def _client(request: HttpRequest) -> dict:
    return {
        "ip": request.META.get("REMOTE_ADDR") or None,
        "user_agent": request.META.get("HTTP_USER_AGENT", ""),
    }


def _password_locked(request: HttpRequest) -> bool:
    failures = [t for t in request.session.get(_FAILURES_KEY, []) if t > time.time() - PASSWORD_LOCK_SECONDS]
    return len(failures) >= PASSWORD_ATTEMPTS


def _count_password_failure(request: HttpRequest) -> None:
    now = time.time()
    failures = [t for t in request.session.get(_FAILURES_KEY, []) if t > now - PASSWORD_LOCK_SECONDS]
    request.session[_FAILURES_KEY] = [*failures, now]


TAMPERED_MESSAGE = (
    "Không ký được: nội dung giao ước đang lưu không khớp với bản đã niêm phong. "
    "Hãy báo ngay cho cơ quan thường trực của khối/cụm."
)


def _integrity(pledge: Pledge):
    """Verify a frozen pledge before it is signed, so that nobody signs text that differs
    from the sealed content shown with its hash (None for a draft)."""
    return verify_pledge(pledge, pledge_signatures(pledge=pledge)) if pledge.is_frozen else None


def _put_sign_errors(form: forms.Form, exc: ValidationError) -> str:
    """A wrong password goes under the password field; any other refusal (already signed,
    left the bloc, not open) is returned to be shown as a notice."""
    if hasattr(exc, "error_dict") and "password" in exc.error_dict:
        add_service_errors(form, exc)
        return ""
    return " ".join(exc.messages)


# --- Reading --------------------------------------------------------------------------------


@login_required
@require_GET
def pledge_list(request: HttpRequest, campaign_pk: int) -> HttpResponse:
    campaign = _visible_campaign(request, campaign_pk)
    return render(
        request,
        "campaigns/pledge_list.html",
        {
            "campaign": campaign,
            "pledges": pledge_list_for_campaign(campaign=campaign),
            "can_manage": request.user.has_perm(MANAGE, campaign.bloc),
        },
    )


@login_required
@require_GET
def pledge_detail(request: HttpRequest, pk: int) -> HttpResponse:
    pledge = _visible_pledge(request, pk, content=True)
    bloc = pledge.campaign.bloc
    can_manage = request.user.has_perm(MANAGE, bloc)
    can_edit = can_manage and not pledge.is_frozen
    context: dict = {
        "pledge": pledge,
        "items": pledge.items.all(),
        "registrations": pledge.registrations.all(),
        "can_manage": can_manage,
        "can_edit": can_edit,
        "parties": services.pledge_parties(pledge),
    }
    if pledge.is_frozen:
        counts = pledge.signatures.aggregate(
            members=Count("pk", filter=Q(kind=SignatureKind.MEMBER)),
            witness=Count("pk", filter=Q(kind=SignatureKind.WITNESS)),
        )
        party_ids = [p["unit_id"] for p in context["parties"]]
        context.update(
            signed_count=counts["members"],
            has_witness=bool(counts["witness"]),
            leads_a_party=Assignment.objects.filter(
                user=request.user, role=Role.LEADER, unit_id__in=party_ids
            ).exists(),
            can_witness=_may_witness(request.user, bloc),
        )
    if can_edit:
        context["item_form"] = PledgeItemForm()
        context["registration_form"] = RegistrationForm(
            units=current_member_units(pledge=pledge, today=timezone.localdate())
        )
    return render(request, "campaigns/pledge_detail.html", context)


@login_required
@require_GET
def pledge_board_view(request: HttpRequest, pk: int) -> HttpResponse:
    pledge = _visible_pledge(request, pk)
    return render(
        request,
        "campaigns/pledge_board.html",
        {
            "pledge": pledge,
            "board": pledge_board(pledge=pledge, today=timezone.localdate()),
            "can_manage": request.user.has_perm(MANAGE, pledge.campaign.bloc),
        },
    )


@login_required
@require_GET
def pledge_verify(request: HttpRequest, pk: int) -> HttpResponse:
    pledge = _visible_pledge(request, pk, content=True)
    signatures = pledge_signatures(pledge=pledge)
    return render(
        request,
        "campaigns/pledge_verify.html",
        {
            "pledge": pledge,
            "signatures": signatures,
            "result": verify_pledge(pledge, signatures) if pledge.is_frozen else None,
        },
    )


@login_required
@require_GET
def pledge_print(request: HttpRequest, pk: int) -> HttpResponse:
    pledge = _visible_pledge(request, pk, content=True)
    return render(
        request,
        "campaigns/pledge_print.html",
        {
            "pledge": pledge,
            "items": pledge.items.all(),
            "registrations": pledge.registrations.all(),
            "board": pledge_board(pledge=pledge, today=timezone.localdate()),
            "verify_url": request.build_absolute_uri(reverse("campaigns:pledge-verify", args=[pledge.pk])),
            "printed_at": timezone.now(),
            "date_line": (
                format_date_long(timezone.localtime(pledge.opened_at).date()) if pledge.opened_at else ""
            ),
        },
    )


# --- Drafting -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def pledge_create(request: HttpRequest, campaign_pk: int) -> HttpResponse:
    campaign = _visible_campaign(request, campaign_pk)
    if not request.user.has_perm(MANAGE, campaign.bloc):
        raise PermissionDenied("Chỉ cơ quan thường trực của khối/cụm được soạn giao ước.")
    form = PledgeForm(
        posted(request), campaign=campaign, initial={"title": f"Giao ước thi đua năm {campaign.year}"}
    )
    if form.is_bound and form.is_valid():
        try:
            pledge = services.pledge_create(campaign=campaign, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"Đã tạo dự thảo “{pledge.title}”. Thêm các mục chỉ tiêu và đăng ký danh hiệu rồi mở ký.",
            )
            return redirect("campaigns:pledge-detail", pk=pledge.pk)
    return form_page(
        request, "campaigns/pledge_form.html", {"form": form, "campaign": campaign, "pledge": None}
    )


@login_required
@require_http_methods(["GET", "POST"])
def pledge_edit(request: HttpRequest, pk: int) -> HttpResponse:
    pledge = _managed_pledge(request, pk)
    if pledge.is_frozen:
        return _frozen_refusal(request, pledge)
    campaign = pledge.campaign
    form = PledgeForm(posted(request), campaign=campaign, initial=PledgeForm.initial_for(pledge))
    if form.is_bound and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            if changes:
                pledge = services.pledge_update(pledge=pledge, actor=request.user, **changes)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Đã lưu “{pledge.title}”." if changes else "Không có gì thay đổi.")
            return redirect("campaigns:pledge-detail", pk=pledge.pk)
    return form_page(
        request, "campaigns/pledge_form.html", {"form": form, "campaign": campaign, "pledge": pledge}
    )


@login_required
@require_http_methods(["GET", "POST"])
def pledge_item_add(request: HttpRequest, pk: int) -> HttpResponse:
    pledge = _managed_pledge(request, pk)
    if pledge.is_frozen:
        return _frozen_refusal(request, pledge)
    form = PledgeItemForm(posted(request))
    if form.is_bound and form.is_valid():
        try:
            item = services.pledge_item_add(pledge=pledge, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Đã thêm mục {item.position}.")
            return redirect(_detail_url(pledge, "pledge-items"))
    return form_page(
        request, "campaigns/pledge_item_form.html", {"form": form, "pledge": pledge, "item": None}
    )


@login_required
@require_http_methods(["GET", "POST"])
def pledge_item_edit(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    pledge = _managed_pledge(request, pk)
    item = get_object_or_404(pledge.items, pk=item_pk)
    item.pledge = pledge
    if pledge.is_frozen:
        return _frozen_refusal(request, pledge)
    form = PledgeItemForm(posted(request), initial=PledgeItemForm.initial_for(item))
    if form.is_bound and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            if changes:
                services.pledge_item_update(item=item, actor=request.user, **changes)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Đã lưu mục {item.position}." if changes else "Không có gì thay đổi.")
            return redirect(_detail_url(pledge, "pledge-items"))
    return form_page(
        request, "campaigns/pledge_item_form.html", {"form": form, "pledge": pledge, "item": item}
    )


@login_required
@require_POST
def pledge_item_delete(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    pledge = _managed_pledge(request, pk)
    item = get_object_or_404(pledge.items, pk=item_pk)
    item.pledge = pledge
    if pledge.is_frozen:
        return _frozen_refusal(request, pledge)
    position = item.position
    try:
        services.pledge_item_delete(item=item, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(_detail_url(pledge, "pledge-items"))
    messages.success(request, f"Đã xóa mục {position}; các mục sau được đánh số lại.")
    return redirect(_detail_url(pledge, "pledge-items"))


@login_required
@require_POST
def pledge_item_move(request: HttpRequest, pk: int, item_pk: int, offset: int) -> HttpResponse:
    """Move an item up (offset −1) or down (+1). An htmx request gets the items table back."""
    pledge = _managed_pledge(request, pk)
    item = get_object_or_404(pledge.items, pk=item_pk)
    item.pledge = pledge
    if pledge.is_frozen:
        return _frozen_refusal(request, pledge)
    try:
        services.pledge_item_move(item=item, offset=offset, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    if request.htmx:
        return render(
            request,
            "campaigns/_pledge_items.html",
            {"pledge": pledge, "items": pledge.items.order_by("position"), "can_edit": True},
        )
    return redirect(_detail_url(pledge, "pledge-items"))


@login_required
@require_http_methods(["GET", "POST"])
def pledge_registration_add(request: HttpRequest, pk: int) -> HttpResponse:
    pledge = _managed_pledge(request, pk)
    if pledge.is_frozen:
        return _frozen_refusal(request, pledge)
    units = current_member_units(pledge=pledge, today=timezone.localdate())
    form = RegistrationForm(posted(request), units=units)
    if form.is_bound and form.is_valid():
        try:
            registration = services.pledge_registration_add(
                pledge=pledge, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, f"Đã ghi {registration.unit.name} đăng ký danh hiệu “{registration.title}”."
            )
            return redirect(_detail_url(pledge, "pledge-registrations"))
    return form_page(request, "campaigns/pledge_registration_form.html", {"form": form, "pledge": pledge})


@login_required
@require_POST
def pledge_registration_remove(request: HttpRequest, pk: int, registration_pk: int) -> HttpResponse:
    pledge = _managed_pledge(request, pk)
    registration = get_object_or_404(pledge.registrations.select_related("unit"), pk=registration_pk)
    registration.pledge = pledge
    if pledge.is_frozen:
        return _frozen_refusal(request, pledge)
    services.pledge_registration_remove(registration=registration, actor=request.user)
    messages.success(request, f"Đã bỏ đăng ký “{registration.title}” của {registration.unit.name}.")
    return redirect(_detail_url(pledge, "pledge-registrations"))


# --- Opening, revoking, closing --------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def pledge_open(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: a preview of what is frozen and who the parties will be. POST: freeze and open."""
    pledge = _managed_pledge(request, pk, content=True)
    if pledge.is_frozen:
        return _frozen_refusal(request, pledge)
    error = ""
    if request.method == "POST":
        try:
            pledge = services.pledge_open(pledge=pledge, actor=request.user)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(
                request,
                f"Đã mở ký “{pledge.title}”. Nội dung đã được niêm phong với mã kiểm tra {pledge.short_code}.",
            )
            return redirect("campaigns:pledge-detail", pk=pledge.pk)
    return render(
        request,
        "campaigns/pledge_open.html",
        {
            "pledge": pledge,
            "items": pledge.items.all(),
            "registrations": pledge.registrations.all(),
            "parties": pledge_open_preview(pledge=pledge, today=timezone.localdate()),
            "error": error,
        },
        status=400 if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def pledge_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    pledge = _managed_pledge(request, pk)
    form = PledgeRevokeForm(posted(request))
    if form.is_bound and form.is_valid():
        try:
            successor = services.pledge_revoke(
                pledge=pledge, reason=form.cleaned_data["reason"], actor=request.user
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"Đã thu hồi phiên bản {pledge.version}. Phiên bản {successor.version} (dự thảo) được tạo với "
                "cùng nội dung để sửa rồi mở ký lại; phiên bản cũ và các chữ ký của nó vẫn được lưu.",
            )
            return redirect("campaigns:pledge-detail", pk=successor.pk)
    revocable = pledge.state in (PledgeState.OPEN, PledgeState.COMPLETE)
    return form_page(
        request, "campaigns/pledge_revoke.html", {"form": form, "pledge": pledge, "revocable": revocable}
    )


@login_required
@require_POST
def pledge_close(request: HttpRequest, pk: int) -> HttpResponse:
    pledge = _managed_pledge(request, pk)
    try:
        services.pledge_close(pledge=pledge, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("campaigns:pledge-detail", pk=pledge.pk)
    messages.success(
        request, f"Đã kết thúc “{pledge.title}”. Giao ước và các chữ ký vẫn được lưu để tra cứu."
    )
    return redirect("campaigns:pledge-detail", pk=pledge.pk)


# --- Signing --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def pledge_sign(request: HttpRequest, pk: int) -> HttpResponse:
    """A leader signs for his own unit after re-entering his password.

    Units of the pledge's bloc are the only candidates: a leader of another bloc does not see
    the pledge (404); an officer, observer or secretary sees it but cannot sign (403)."""
    pledge = _visible_pledge(request, pk, content=True)
    panel = pledge_sign_panel(pledge=pledge, user=request.user, today=timezone.localdate())
    if not panel.candidates:
        raise PermissionDenied("Chỉ chỉ huy đơn vị thành viên được ký giao ước, và chỉ cho đơn vị mình.")
    form = PledgeSignForm(posted(request), units=[c.unit for c in panel.candidates], ready=panel.ready_units)
    integrity = _integrity(pledge)
    refusal = ""
    if form.is_bound and integrity is not None and not integrity.intact:
        refusal = TAMPERED_MESSAGE
    elif form.is_bound and _password_locked(request):
        refusal = (
            f"Bạn đã nhập sai mật khẩu {PASSWORD_ATTEMPTS} lần. Hãy chờ 15 phút rồi thử lại, "
            "hoặc đăng xuất và đăng nhập lại."
        )
    elif form.is_bound and form.is_valid():
        unit = form.cleaned_data["unit"]
        try:
            signature = services.pledge_sign(
                pledge=pledge,
                unit=unit,
                password=form.cleaned_data["password"],
                actor=request.user,
                **_client(request),
            )
        except ValidationError as exc:
            refusal = _put_sign_errors(form, exc)
            if not refusal:
                _count_password_failure(request)
        else:
            request.session.pop(_FAILURES_KEY, None)
            signed_at = timezone.localtime(signature.signed_at)
            messages.success(
                request, f"Đã ghi nhận chữ ký của {unit.name} lúc {signed_at:%H:%M ngày %d/%m/%Y}."
            )
            return redirect(reverse("campaigns:pledge-sign", args=[pledge.pk]) + f"#chu-ky-{signature.pk}")
    return render(
        request,
        "campaigns/pledge_sign.html",
        {
            "pledge": pledge,
            "items": pledge.items.all(),
            "registrations": pledge.registrations.all(),
            "panel": panel,
            "form": form,
            "refusal": refusal,
            "integrity": integrity,
        },
        status=400 if form.is_bound else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def pledge_witness(request: HttpRequest, pk: int) -> HttpResponse:
    """A superior (an observer of the bloc with the witness right) signs as witness."""
    pledge = _visible_pledge(request, pk, content=True)
    if not _may_witness(request.user, pledge.campaign.bloc):
        raise PermissionDenied("Chỉ cấp trên được giao quyền ký chứng kiến mới được ký chứng kiến.")
    witness = pledge.signatures.filter(kind=SignatureKind.WITNESS).first()
    form = WitnessSignForm(posted(request))
    integrity = _integrity(pledge)
    refusal = ""
    if form.is_bound and integrity is not None and not integrity.intact:
        refusal = TAMPERED_MESSAGE
    elif form.is_bound and _password_locked(request):
        refusal = f"Bạn đã nhập sai mật khẩu {PASSWORD_ATTEMPTS} lần. Hãy chờ 15 phút rồi thử lại."
    elif form.is_bound and form.is_valid():
        try:
            services.pledge_witness_sign(
                pledge=pledge, password=form.cleaned_data["password"], actor=request.user, **_client(request)
            )
        except ValidationError as exc:
            refusal = _put_sign_errors(form, exc)
            if not refusal:
                _count_password_failure(request)
        else:
            request.session.pop(_FAILURES_KEY, None)
            messages.success(
                request, f"Đã ghi nhận chữ ký chứng kiến của {request.user} cho “{pledge.title}”."
            )
            return redirect("campaigns:pledge-witness", pk=pledge.pk)
    return render(
        request,
        "campaigns/pledge_witness.html",
        {
            "pledge": pledge,
            "items": pledge.items.all(),
            "registrations": pledge.registrations.all(),
            "witness": witness,
            "form": form,
            "refusal": refusal,
            "integrity": integrity,
            "can_sign": witness is None and pledge.state in (PledgeState.OPEN, PledgeState.COMPLETE),
        },
        status=400 if form.is_bound else 200,
    )
