"""The secretariat's entry grid of a round (the final card of every member unit in one form),
the self-versus-final comparison, and a cell's history. HTTP only.

Who may do what (DESIGN.md §6): the grid is for admins and the bloc's secretariat; the bloc's
leaders, officers and observers see the round but get 403 here; anyone who does not see the
round gets 404. The comparison and a cell's history are for the secretariat (every unit) and
for a unit's own leader and officers (their unit only; another unit is 404); the unit's staff
see the secretariat's scores once the round is published."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from blocs.models import Assignment, Role
from scoring.forms.entry import GridForm, sends_back_every_column
from scoring.models import Criterion, RoundState, ScorecardKind, ScoringRound
from scoring.selectors.grid import (
    card_total,
    cell_history,
    comparison_for,
    final_visible_to_unit_staff,
    grid_for_round,
)
from scoring.selectors.rounds import round_members
from scoring.services.scorecards import InvalidScores, ScoreConflict, final_grid_save

MANAGE = "scoring.manage_scoring"
UNIT_ID = re.compile(r"[0-9]{1,12}")
GRID_REFUSAL = "Chỉ cơ quan thường trực của khối/cụm được nhập kết quả chấm điểm của các đơn vị."


def _visible_round(request: HttpRequest, pk: int) -> ScoringRound:
    """The round, if the user may see its bloc (404 otherwise: its existence is not revealed)."""
    rounds = ScoringRound.objects.visible_to(request.user).select_related("campaign__bloc", "criteria_set")
    return get_object_or_404(rounds, pk=pk)


def _own_units(request: HttpRequest) -> set[int]:
    """The units the user leads or serves as an officer of."""
    return set(
        Assignment.objects.filter(user=request.user, role__in=[Role.LEADER, Role.OFFICER]).values_list(
            "unit_id", flat=True
        )
    )


def _add_service_errors(form: GridForm, error: ValidationError) -> None:
    """A service refusal on the field it names (the reason), else at the top of the grid."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            for item in errors:
                form.add_error(name if name in form.fields else None, item)
    else:
        form.add_error(None, error)


def _saved_message(result, *, correction: bool) -> str:
    if not result.changed:
        return "Không có ô nào thay đổi."
    verb = "Đã đính chính" if correction else "Đã lưu"
    parts = [f"{result.created} ô nhập mới", f"{result.updated} ô sửa", f"{result.deleted} ô xóa"]
    return f"{verb} {result.changed} ô điểm ({', '.join(parts)})."


def _heads(form: GridForm) -> list[dict]:
    """Per unit column: its header, the hidden version and loaded values the form sends back,
    the total of what the column shows and the self-assessment's total."""
    grid = form.grid
    values = form.shown_values()
    heads = []
    for column in grid.columns:
        unit_id = column.unit.pk
        shown = {c: v for (u, c), v in values.items() if u == unit_id}
        heads.append(
            {
                "column": column,
                "version": form.versions.get(unit_id, 0),
                "originals": form.originals_of(unit_id),
                "total": card_total(grid.layout, shown),
                "self_total": grid.total(unit_id, kind=ScorecardKind.SELF),
            }
        )
    return heads


def _history_prefix(scoring_round: ScoringRound) -> str:
    """The cells' history address up to the unit (reversed once, not once per cell)."""
    return reverse("scoring:cell-history", args=[scoring_round.pk, 1, 1]).removesuffix("1/1/")


@login_required
@require_http_methods(["GET", "POST"])
def grid(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the grid with the stored final scores. POST: save every changed cell at once.

    Bad cells come back with what was typed and each cell's message (400); a save that meets
    someone else's (the card versions moved) comes back with the typed values kept, the current
    values and versions loaded, and who changed what (409)."""
    scoring_round = _visible_round(request, pk)
    if not request.user.has_perm(MANAGE, scoring_round.campaign.bloc):
        raise PermissionDenied(GRID_REFUSAL)
    if request.method == "POST":
        # A save needs only the grid's shape when every column came back with what it loaded.
        entry_grid = grid_for_round(scoring_round=scoring_round, with_scores=False)
        if not sends_back_every_column(request.POST, entry_grid):
            entry_grid = grid_for_round(scoring_round=scoring_round)
    else:
        entry_grid = grid_for_round(scoring_round=scoring_round)
    form = GridForm(request.POST if request.method == "POST" else None, grid=entry_grid)
    conflict: ScoreConflict | None = None
    if form.is_bound and form.is_valid():
        if not form.entries:
            messages.info(request, "Không có ô nào thay đổi.")
            return redirect("scoring:grid", pk=scoring_round.pk)
        try:
            result = final_grid_save(
                scoring_round=scoring_round,
                entries=form.entries,
                base_versions=form.versions,
                actor=request.user,
                reason=form.cleaned_data.get("reason", ""),
                leaves={leaf.pk: leaf for leaf in entry_grid.leaves},
                members={column.unit.pk: column.unit.name for column in entry_grid.columns},
            )
        except ScoreConflict as exc:
            conflict = exc
            entry_grid = grid_for_round(scoring_round=scoring_round)
            form.rebase(entry_grid, exc.cards)
        except InvalidScores as exc:
            form.add_cell_errors(exc.cells, exc.general)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, _saved_message(result, correction=form.is_correction))
            return redirect("scoring:grid", pk=scoring_round.pk)
    if not entry_grid.has_scores:
        entry_grid = grid_for_round(scoring_round=scoring_round)
        form.show_over(entry_grid)
    status = 409 if conflict else 400 if form.is_bound else 200
    return render(
        request,
        "scoring/grid.html",
        {
            "scoring_round": scoring_round,
            "campaign": scoring_round.campaign,
            "grid": entry_grid,
            "form": form,
            "rows": entry_grid.rows(
                shown=form.typed,
                loaded=form.originals,
                errors=form.cell_errors,
                conflicts=form.conflicts,
                values=form.shown_values(),
            ),
            "heads": _heads(form),
            "history_prefix": _history_prefix(scoring_round),
            "conflict": conflict,
            "editable": scoring_round.state != RoundState.CLOSED,
        },
        status=status,
    )


@login_required
@require_GET
def comparison(request: HttpRequest, pk: int) -> HttpResponse:
    """Self versus final per unit and criterion. The secretariat sees every unit (or one, with
    `?don_vi=`); a unit's leader or officer sees only his own unit."""
    scoring_round = _visible_round(request, pk)
    is_manager = request.user.has_perm(MANAGE, scoring_round.campaign.bloc)
    chosen = request.GET.get("don_vi", "")
    if chosen and not UNIT_ID.fullmatch(chosen):
        raise Http404("Không có đơn vị này.")
    unit_id = int(chosen) if chosen else None
    if not is_manager:
        own = _own_units(request)
        if not own:
            raise PermissionDenied(
                "Chỉ cơ quan thường trực và chỉ huy, cán bộ của đơn vị được xem bảng so sánh."
            )
        if unit_id is None:
            unit_id = min(own)
        if unit_id not in own:
            raise Http404("Không có đơn vị này.")
    entry_grid = grid_for_round(scoring_round=scoring_round)
    if unit_id is not None and unit_id not in entry_grid.unit_ids:
        if is_manager:
            raise Http404("Đơn vị không thuộc khối/cụm trong kỳ chấm này.")
        # The user's first unit is not in this bloc: try the others he serves in.
        members = [u for u in entry_grid.unit_ids if u in own]
        if chosen or not members:
            raise Http404("Đơn vị không thuộc khối/cụm trong kỳ chấm này.")
        unit_id = members[0]
    show_final = is_manager or final_visible_to_unit_staff(scoring_round)
    unit_ids = [unit_id] if unit_id is not None else entry_grid.unit_ids
    return render(
        request,
        "scoring/comparison.html",
        {
            "scoring_round": scoring_round,
            "campaign": scoring_round.campaign,
            "grid": entry_grid,
            "comparison": comparison_for(entry_grid, unit_ids=unit_ids, show_final=show_final),
            "is_manager": is_manager,
            "chosen": unit_id,
            "show_final": show_final,
        },
    )


@login_required
@require_GET
def cell_history_view(request: HttpRequest, pk: int, unit_pk: int, criterion_pk: int) -> HttpResponse:
    """Every change of one unit's score on one criterion: an htmx partial for the grid's side
    panel, or a page of its own."""
    scoring_round = _visible_round(request, pk)
    is_manager = request.user.has_perm(MANAGE, scoring_round.campaign.bloc)
    if not is_manager and unit_pk not in _own_units(request):
        raise Http404("Không có lịch sử này.")
    unit = get_object_or_404(round_members(scoring_round), pk=unit_pk)
    criterion = get_object_or_404(
        Criterion.objects.filter(criteria_set_id=scoring_round.criteria_set_id, children__isnull=True),
        pk=criterion_pk,
    )
    history = cell_history(
        scoring_round=scoring_round,
        unit=unit,
        criterion=criterion,
        include_final=is_manager or final_visible_to_unit_staff(scoring_round),
    )
    template = "scoring/_cell_history.html" if request.htmx else "scoring/cell_history.html"
    return render(
        request,
        template,
        {
            "scoring_round": scoring_round,
            "campaign": scoring_round.campaign,
            "history": history,
            "is_manager": is_manager,
        },
    )
