"""Pages of a campaign's criteria sets: the tree, the editor, imports (the sample set, an Excel
sheet), copying another campaign's set, and new versions of a frozen set. HTTP only.

Who may do what (DESIGN.md §6): whoever sees the bloc reads its criteria (others get 404);
its secretariat and admins change them (others 403). A set is frozen once any score exists;
the services refuse every change to a frozen set, the pages offer a new version instead."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from campaigns.models import Campaign, PledgeItem, PledgeState
from scoring.forms.criteria import CriteriaCopyForm, CriteriaImportForm, CriterionForm, duplicate_code_message
from scoring.models import CriteriaSet, Criterion, CriterionKind, ScoringRound
from scoring.services import criteria as services
from scoring.services import criteria_excel
from thidua.lib.excel import XLSX_CONTENT_TYPE
from thidua.lib.views import form_page, posted

MANAGE = "scoring.manage_scoring"
FROZEN_HINT = "Bộ tiêu chí đã có điểm chấm nên đã khóa; muốn thay đổi hãy tạo phiên bản mới."


# --- Loading with access checks ---------------------------------------------------------------


def _visible_campaign(request: HttpRequest, pk: int) -> Campaign:
    return get_object_or_404(Campaign.objects.visible_to(request.user).select_related("bloc"), pk=pk)


def _require_manage(request: HttpRequest, campaign: Campaign) -> None:
    if not request.user.has_perm(MANAGE, campaign.bloc):
        raise PermissionDenied("Chỉ cơ quan thường trực của khối/cụm được sửa bộ tiêu chí.")


def _managed_campaign(request: HttpRequest, pk: int) -> Campaign:
    campaign = _visible_campaign(request, pk)
    _require_manage(request, campaign)
    return campaign


def _managed_set(request: HttpRequest, pk: int) -> CriteriaSet:
    criteria_set = get_object_or_404(
        CriteriaSet.objects.visible_to(request.user).select_related("campaign__bloc"), pk=pk
    )
    _require_manage(request, criteria_set.campaign)
    return criteria_set


def _managed_criterion(request: HttpRequest, pk: int) -> Criterion:
    visible = CriteriaSet.objects.visible_to(request.user)
    criterion = get_object_or_404(
        Criterion.objects.filter(criteria_set__in=visible).select_related(
            "criteria_set__campaign__bloc", "parent"
        ),
        pk=pk,
    )
    _require_manage(request, criterion.criteria_set.campaign)
    return criterion


# --- The tree as the page shows it --------------------------------------------------------------


@dataclass
class TreeRow:
    node: Criterion
    depth: int
    has_children: bool
    max_points: Decimal | None  # a standard group's and a heading's: the sum below it
    leaf_total: Decimal | None  # a capped group's: the sum of its items, shown beside the cap
    is_first: bool
    is_last: bool

    @property
    def is_group(self) -> bool:
        return self.depth == 0


@dataclass
class Tree:
    rows: list[TreeRow]

    @property
    def standard_max(self) -> Decimal:
        return sum(
            (
                r.max_points or Decimal(0)
                for r in self.rows
                if r.is_group and r.node.kind == CriterionKind.STANDARD
            ),
            Decimal(0),
        )

    @property
    def leaf_count(self) -> int:
        return sum(1 for r in self.rows if not r.has_children and not r.is_group)

    @property
    def has_pledge_items(self) -> bool:
        return any(r.node.pledge_item_id for r in self.rows)

    @property
    def nodes(self) -> list[tuple[Criterion, int]]:
        return [(r.node, r.depth) for r in self.rows]


def _tree(criteria_set: CriteriaSet) -> Tree:
    """The set's nodes depth first, each with its depth and computed maximum. One query."""
    nodes = list(
        Criterion.objects.filter(criteria_set=criteria_set)
        .select_related("pledge_item__pledge")
        .order_by("position", "pk")
    )
    children: dict[int | None, list[Criterion]] = {}
    for node in nodes:
        node.criteria_set = criteria_set
        children.setdefault(node.parent_id, []).append(node)

    def total(node: Criterion) -> Decimal:
        kids = children.get(node.pk, [])
        if not kids:
            return node.max_points or Decimal(0)
        return sum((total(kid) for kid in kids), Decimal(0))

    rows: list[TreeRow] = []

    def walk(node: Criterion, depth: int, first: bool, last: bool) -> None:
        kids = children.get(node.pk, [])
        capped = depth == 0 and node.kind in (CriterionKind.BONUS, CriterionKind.PENALTY)
        if node.kind == CriterionKind.VETO:
            maximum, leaf_total = None, None
        elif capped:
            maximum, leaf_total = node.max_points, (total(node) if kids else None)
        elif kids or depth == 0:
            maximum, leaf_total = total(node), None
        else:
            maximum, leaf_total = node.max_points, None
        rows.append(TreeRow(node, depth, bool(kids), maximum, leaf_total, first, last))
        for index, kid in enumerate(kids):
            walk(kid, depth + 1, index == 0, index == len(kids) - 1)

    roots = children.get(None, [])
    for index, root in enumerate(roots):
        walk(root, 0, index == 0, index == len(roots) - 1)
    return Tree(rows)


# --- Helpers ----------------------------------------------------------------------------------


def _add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """A service's ValidationError on the field it names, else at the top of the form; the
    duplicate-code constraint goes under the code."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.error_dict.items():
        for error in errors:
            for message in error.messages:
                target = name if name in form.fields else None
                if name == NON_FIELD_ERRORS and message == duplicate_code_message() and "code" in form.fields:
                    target = "code"
                form.add_error(target, message)


def _list_url(campaign: Campaign, criteria_set: CriteriaSet | None = None, anchor: str = "") -> str:
    url = reverse("scoring:criteria-list", args=[campaign.pk])
    if criteria_set is not None and criteria_set.version != _latest_version(campaign):
        url += f"?phien-ban={criteria_set.version}"
    return url + (f"#{anchor}" if anchor else "")


def _latest_version(campaign: Campaign) -> int | None:
    return campaign.criteria_sets.order_by("-version").values_list("version", flat=True).first()


def _current_set(campaign: Campaign) -> CriteriaSet | None:
    criteria_set = campaign.criteria_sets.order_by("-version").first()
    if criteria_set is not None:
        criteria_set.campaign = campaign
    return criteria_set


def _count_of(queryset, key: str) -> Coalesce:
    return Coalesce(
        Subquery(
            queryset.filter(**{key: OuterRef("pk")})
            .order_by()
            .values(key)
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        Value(0),
    )


def _pledge_items(campaign: Campaign) -> list[PledgeItem]:
    """The items of the campaign's pledges that count (not revoked, latest version)."""
    return list(
        PledgeItem.objects.filter(pledge__campaign=campaign, pledge__superseded_by__isnull=True)
        .exclude(pledge__state=PledgeState.REVOKED)
        .select_related("pledge")
        .order_by("pledge__pk", "position")
    )


def _frozen_refusal(request: HttpRequest, criteria_set: CriteriaSet) -> HttpResponse:
    """Any attempt to change a frozen set: refused, nothing changed, the way out shown."""
    return render(
        request,
        "scoring/criteria_frozen.html",
        {
            "criteria_set": criteria_set,
            "campaign": criteria_set.campaign,
            "bloc": criteria_set.campaign.bloc,
            "message": FROZEN_HINT,
        },
        status=400,
    )


# --- Reading ----------------------------------------------------------------------------------


@login_required
@require_GET
def criteria_list(request: HttpRequest, campaign_pk: int) -> HttpResponse:
    """The campaign's sets by version and one of them (the latest unless `?phien-ban=`) as a
    tree table."""
    campaign = _visible_campaign(request, campaign_pk)
    sets = list(
        campaign.criteria_sets.select_related("copied_from__campaign")
        .annotate(
            criterion_count=_count_of(Criterion.objects.all(), "criteria_set"),
            round_count=_count_of(ScoringRound.objects.all(), "criteria_set"),
        )
        .order_by("-version")
    )
    for criteria_set in sets:
        criteria_set.campaign = campaign
    shown = sets[0] if sets else None
    asked = request.GET.get("phien-ban", "")
    if asked.isdigit():
        shown = next((s for s in sets if s.version == int(asked)), shown)
    can_manage = request.user.has_perm(MANAGE, campaign.bloc)
    is_current = shown is not None and shown is sets[0]
    tree = _tree(shown) if shown is not None else Tree([])
    can_edit = can_manage and is_current and not shown.is_frozen
    return render(
        request,
        "scoring/criteria_list.html",
        {
            "campaign": campaign,
            "bloc": campaign.bloc,
            "sets": sets,
            "criteria_set": shown,
            "tree": tree,
            "is_current": is_current,
            "can_manage": can_manage,
            "can_edit": can_edit,
            # Columns right of "Điểm tối đa": core flag, pledge item (if any), actions (if editable).
            "tree_tail_columns": 1 + tree.has_pledge_items + can_edit,
        },
    )


@login_required
@require_GET
def criteria_excel_download(request: HttpRequest, campaign_pk: int) -> HttpResponse:
    """The campaign's current set as a workbook in the import's columns, or the sample set
    when it has none: the template to fill in."""
    campaign = _visible_campaign(request, campaign_pk)
    criteria_set = _current_set(campaign)
    if criteria_set is not None and criteria_set.criteria.exists():
        data = criteria_excel.criteria_sheet_bytes(services.tree_of(criteria_set))
        filename = f"tieu-chi-{campaign.year}-phien-ban-{criteria_set.version}.xlsx"
    else:
        _name, groups = services.sample_tree()
        data = criteria_excel.criteria_sheet_bytes(groups)
        filename = "mau-bo-tieu-chi.xlsx"
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Whole sets -------------------------------------------------------------------------------


@login_required
@require_POST
def criteria_set_create(request: HttpRequest, campaign_pk: int) -> HttpResponse:
    """An empty set, to be filled with the editor."""
    campaign = _managed_campaign(request, campaign_pk)
    try:
        criteria_set = services.criteria_set_create(
            campaign=campaign, name=criteria_excel.default_set_name(campaign), actor=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, f"Đã tạo {criteria_set} (chưa có tiêu chí). Thêm các nhóm và tiêu chí bên dưới."
        )
    return redirect(_list_url(campaign))


@login_required
@require_POST
def criteria_import_sample(request: HttpRequest, campaign_pk: int) -> HttpResponse:
    campaign = _managed_campaign(request, campaign_pk)
    name, groups = services.sample_tree()
    try:
        criteria_set, count = criteria_excel.criteria_import_tree(
            campaign=campaign, groups=groups, name=name, actor=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Đã nạp bộ tiêu chí mẫu ({count} mục) vào {criteria_set}.")
    return redirect(_list_url(campaign))


@login_required
@require_http_methods(["GET", "POST"])
def criteria_import_excel(request: HttpRequest, campaign_pk: int) -> HttpResponse:
    campaign = _managed_campaign(request, campaign_pk)
    current = _current_set(campaign)
    if current is not None and current.is_frozen:
        return _frozen_refusal(request, current)
    must_confirm = current is not None and current.criteria.exists()
    form = CriteriaImportForm(posted(request), request.FILES or None, must_confirm=must_confirm)
    problems: list[str] = []
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            groups = criteria_excel.read_criteria_sheet(upload.read())
            criteria_set, count = criteria_excel.criteria_import_tree(
                campaign=campaign,
                groups=groups,
                name=criteria_excel.default_set_name(campaign),
                actor=request.user,
            )
        except ValidationError as exc:
            problems = exc.messages
            form.add_error(
                "file", "Tệp chưa nhập được: xem các lỗi liệt kê bên dưới, sửa trong tệp rồi tải lên lại."
            )
        else:
            messages.success(
                request, f"Đã nhập {count} mục tiêu chí từ tệp “{upload.name[:100]}” vào {criteria_set}."
            )
            return redirect(_list_url(campaign))
    context = {
        "form": form,
        "campaign": campaign,
        "bloc": campaign.bloc,
        "current": current,
        "problems": problems,
    }
    return form_page(request, "scoring/criteria_import.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def criteria_copy(request: HttpRequest, campaign_pk: int) -> HttpResponse:
    """Start from another campaign's set of the same bloc (last year's, usually): the copy is
    a new version of this campaign's criteria."""
    campaign = _managed_campaign(request, campaign_pk)
    sources = list(
        CriteriaSet.objects.filter(campaign__bloc=campaign.bloc)
        .exclude(campaign=campaign)
        .select_related("campaign")
        .annotate(criterion_count=_count_of(Criterion.objects.all(), "criteria_set"))
        .filter(criterion_count__gt=0)
        .order_by("-campaign__year", "-version")
    )
    initial = {"source": sources[0].pk} if sources else {}
    form = CriteriaCopyForm(posted(request), sources=sources, initial=initial)
    if form.is_bound and form.is_valid():
        source = form.cleaned_data["source"]
        try:
            criteria_set = services.criteria_set_copy(source=source, campaign=campaign, actor=request.user)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"Đã sao chép {source} của phong trào năm {source.campaign.year} thành {criteria_set}.",
            )
            return redirect(_list_url(campaign))
    context = {"form": form, "campaign": campaign, "bloc": campaign.bloc, "sources": sources}
    return form_page(request, "scoring/criteria_copy.html", context)


@login_required
@require_POST
def criteria_set_new_version(request: HttpRequest, pk: int) -> HttpResponse:
    criteria_set = _managed_set(request, pk)
    campaign = criteria_set.campaign
    try:
        new = services.criteria_set_new_version(criteria_set=criteria_set, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            f"Đã tạo {new} từ phiên bản {criteria_set.version}. Phiên bản mới sửa được; các đợt chấm "
            "đã mở vẫn dùng phiên bản cũ, đợt chấm mở sau sẽ dùng phiên bản mới.",
        )
    return redirect(_list_url(campaign))


# --- Single criteria --------------------------------------------------------------------------


def _criterionform_page(request, form, criteria_set, criterion, tree) -> HttpResponse:
    campaign = criteria_set.campaign
    context = {
        "form": form,
        "campaign": campaign,
        "bloc": campaign.bloc,
        "criteria_set": criteria_set,
        "criterion": criterion,
        "standard_max": tree.standard_max,
    }
    return form_page(request, "scoring/criterion_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def criterion_add(request: HttpRequest, pk: int) -> HttpResponse:
    criteria_set = _managed_set(request, pk)
    if criteria_set.is_frozen:
        return _frozen_refusal(request, criteria_set)
    campaign = criteria_set.campaign
    tree = _tree(criteria_set)
    initial: dict = {}
    parent_pk = request.GET.get("nhom", "")
    if request.method == "GET" and parent_pk.isdigit():
        parent = next((node for node, _depth in tree.nodes if node.pk == int(parent_pk)), None)
        if parent is not None:
            siblings = [r.node for r in tree.rows if r.node.parent_id == parent.pk]
            initial = {"parent": parent.pk, "kind": parent.kind, "code": f"{parent.code}.{len(siblings) + 1}"}
    elif request.method == "GET":
        groups = [r for r in tree.rows if r.is_group]
        initial = {"code": str(len(groups) + 1)}
    form = CriterionForm(
        posted(request),
        criteria_set=criteria_set,
        nodes=tree.nodes,
        pledge_items=_pledge_items(campaign),
        initial=initial,
    )
    if form.is_bound and form.is_valid():
        try:
            criterion = services.criterion_add(
                criteria_set=criteria_set, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, f"Đã thêm {criterion.code}. {criterion.title}.")
            return redirect(_list_url(campaign, criteria_set, f"tieu-chi-{criterion.pk}"))
    return _criterionform_page(request, form, criteria_set, None, tree)


@login_required
@require_http_methods(["GET", "POST"])
def criterion_edit(request: HttpRequest, pk: int) -> HttpResponse:
    criterion = _managed_criterion(request, pk)
    criteria_set = criterion.criteria_set
    if criteria_set.is_frozen:
        return _frozen_refusal(request, criteria_set)
    campaign = criteria_set.campaign
    tree = _tree(criteria_set)
    has_children = any(node.parent_id == criterion.pk for node, _depth in tree.nodes)
    form = CriterionForm(
        posted(request),
        criteria_set=criteria_set,
        nodes=tree.nodes,
        pledge_items=_pledge_items(campaign),
        criterion=criterion,
        has_children=has_children,
        initial=CriterionForm.initial_for(criterion, has_children=has_children),
    )
    if form.is_bound and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        # A kind derived from the parent, or a maximum emptied because it is computed, count too.
        for name in ("kind", "max_points"):
            if form.cleaned_data.get(name) != getattr(criterion, name):
                changes[name] = form.cleaned_data[name]
        try:
            if changes:
                criterion = services.criterion_update(criterion=criterion, actor=request.user, **changes)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"Đã lưu {criterion.code}. {criterion.title}." if changes else "Không có gì thay đổi.",
            )
            return redirect(_list_url(campaign, criteria_set, f"tieu-chi-{criterion.pk}"))
    return _criterionform_page(request, form, criteria_set, criterion, tree)


@login_required
@require_POST
def criterion_delete(request: HttpRequest, pk: int) -> HttpResponse:
    criterion = _managed_criterion(request, pk)
    criteria_set = criterion.criteria_set
    label = f"{criterion.code}. {criterion.title}"
    try:
        services.criterion_delete(criterion=criterion, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Đã xóa {label} (cùng các tiêu chí con nếu có).")
    return redirect(_list_url(criteria_set.campaign, criteria_set))


@login_required
@require_POST
def criterion_move(request: HttpRequest, pk: int, offset: int) -> HttpResponse:
    """Move a criterion up (offset −1) or down (+1) among its siblings."""
    criterion = _managed_criterion(request, pk)
    criteria_set = criterion.criteria_set
    try:
        services.criterion_move(criterion=criterion, offset=offset, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(_list_url(criteria_set.campaign, criteria_set, f"tieu-chi-{criterion.pk}"))
