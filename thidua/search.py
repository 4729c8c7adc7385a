"""Search from the header across units, blocs, campaigns and pledges, accent-insensitive
("quan khu" finds "Quân khu", "d" finds "Đ"), among what the user may see.

Every word typed must appear in what is searched, in any order. Units and blocs are searched
in the database on their stored `search_key` (the folded name); campaigns and pledges have
none, so the ones the user may see are read (their names only) and matched in Python: a bloc
has one campaign a year and a few pledges, so even an admin's whole list is small. Four
queries whatever the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from blocs.models import Bloc, Unit, vietnamese_order
from campaigns.models import Campaign, Pledge
from campaigns.selectors.campaigns import current_pledges
from thidua.lib.text import fold, nfc

LIMIT = 20  # hits shown per kind; the unit and bloc lists page through the rest
MAX_LENGTH = 100


@dataclass(frozen=True)
class Hit:
    title: str
    detail: str
    url: str


@dataclass
class Group:
    kind: str  # units / blocs / campaigns / pledges
    label: str
    hits: list[Hit] = field(default_factory=list)
    more: bool = False  # more hits than shown
    more_url: str | None = None  # where the rest are listed


@dataclass
class Results:
    text: str
    groups: list[Group]

    @property
    def total(self) -> int:
        return sum(len(group.hits) for group in self.groups)


def _words(text: str) -> list[str]:
    return fold(text).split()


def _matches(words: list[str], *haystack: str) -> bool:
    folded = fold(" ".join(haystack))
    return all(word in folded for word in words)


def _by_key(queryset, words: list[str], text: str):
    condition = Q()
    for word in words:
        condition &= Q(search_key__contains=word)
    if "code" in {f.name for f in queryset.model._meta.fields}:
        condition |= Q(code__iexact=text)
    return queryset.filter(condition)


def search_everything(*, user, text: str) -> Results:
    """What `user` may see whose names contain every word of `text`. Four queries (none for
    an empty text)."""
    text = nfc(text)[:MAX_LENGTH]
    words = _words(text)
    if not words:
        return Results(text=text, groups=[])

    units = list(
        _by_key(Unit.objects.visible_to(user), words, text)
        .select_related("parent")
        .order_by(vietnamese_order("name"), "pk")[: LIMIT + 1]
    )
    blocs = list(
        _by_key(Bloc.objects.visible_to(user), words, text)
        .select_related("organiser")
        .order_by(vietnamese_order("name"), "pk")[: LIMIT + 1]
    )
    campaigns = [
        c
        for c in Campaign.objects.visible_to(user)
        .select_related("bloc")
        .order_by("-year", "bloc__sort_key", "pk")
        if _matches(words, c.name, c.bloc.name, str(c.year))
    ]
    pledges = [
        p
        for p in current_pledges(Pledge.objects.visible_to(user))
        .select_related("campaign__bloc")
        .only("pk", "title", "version", "state", "campaign__year", "campaign__bloc__name")
        .order_by("-campaign__year", "campaign__bloc__sort_key", "pk")
        if _matches(words, p.title, p.campaign.bloc.name, str(p.campaign.year))
    ]

    query = "?" + urlencode({"q": text})
    groups = [
        Group(
            "units",
            "Đơn vị",
            [
                Hit(
                    u.name,
                    " · ".join(filter(None, [u.code, u.parent.name if u.parent else ""])),
                    _unit_url(u),
                )
                for u in units[:LIMIT]
            ],
            more=len(units) > LIMIT,
            more_url=reverse("blocs:unit-list") + query,
        ),
        Group(
            "blocs",
            "Khối, cụm thi đua",
            [Hit(b.name, b.organiser.name, reverse("blocs:bloc-detail", args=[b.pk])) for b in blocs[:LIMIT]],
            more=len(blocs) > LIMIT,
            more_url=reverse("blocs:bloc-list") + query,
        ),
        Group(
            "campaigns",
            "Phong trào thi đua",
            [
                Hit(
                    c.name,
                    f"{c.bloc.name} · {c.get_state_display()}",
                    reverse("campaign-overview", args=[c.pk]),
                )
                for c in campaigns[:LIMIT]
            ],
            more=len(campaigns) > LIMIT,
        ),
        Group(
            "pledges",
            "Giao ước thi đua",
            [
                Hit(
                    p.title + (f" (phiên bản {p.version})" if p.version > 1 else ""),
                    f"{p.campaign.bloc.name} · năm {p.campaign.year} · {p.get_state_display()}",
                    reverse("campaigns:pledge-detail", args=[p.pk]),
                )
                for p in pledges[:LIMIT]
            ],
            more=len(pledges) > LIMIT,
        ),
    ]
    return Results(text=text, groups=groups)


def _unit_url(unit: Unit) -> str:
    return reverse("blocs:unit-detail", args=[unit.pk])


@login_required
@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    results = search_everything(user=request.user, text=request.GET.get("q", ""))
    return render(request, "thidua/search.html", {"results": results, "q": results.text})
