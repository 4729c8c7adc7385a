"""The documents: for each kind, the object it is made from → its HTML → its PDF.

`build_document` reads the data through the same selectors as the pages and renders the
document's HTML (a few dozen milliseconds); `render_pdf` lays it out with WeasyPrint (the
costly part, left to the worker). Both are pure: they read, they write nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from django.utils.text import slugify

from awards.models import Review
from campaigns.models import Pledge
from reports.models import ReportKind
from reports.renderers.common import DocumentParameters
from reports.renderers.engine import render_template
from scoring.models import ScoringRound
from thidua.lib.pdf import Pdf, html_to_pdf
from thidua.lib.text import fold


@dataclass(frozen=True)
class Document:
    kind: str
    title: str
    html: str

    @cached_property
    def data_hash(self) -> str:
        """SHA-256 of the document's source: the same data (and templates) give the same hash."""
        return hashlib.sha256(self.html.encode("utf-8")).hexdigest()

    @property
    def filename(self) -> str:
        return (slugify(fold(self.title))[:120] or "bao-cao") + ".pdf"


def _review(target) -> Review:
    return Review.objects.select_related(
        "campaign__bloc__organiser", "host_unit", "leading_unit", "snapshot", "closed_by"
    ).get(pk=target.pk)


def _pledge(target) -> Pledge:
    return Pledge.objects.select_related("campaign__bloc__organiser", "drive").get(pk=target.pk)


def _round(target) -> ScoringRound:
    return ScoringRound.objects.select_related("campaign__bloc__organiser").get(pk=target.pk)


@dataclass(frozen=True)
class Kind:
    template: str
    load: Callable
    context: Callable  # (target, DocumentParameters) -> dict
    defaults: Callable  # (target) -> DocumentParameters


def _kinds() -> dict[str, Kind]:
    from reports.renderers import nominations, pledge, ranking_sheet, review

    review_kind = Kind("reports/pdf/review_report.html", _review, review.review_context, review.defaults)
    return {
        ReportKind.SO_KET: review_kind,
        ReportKind.TONG_KET: review_kind,
        ReportKind.PLEDGE: Kind("reports/pdf/pledge.html", _pledge, pledge.pledge_context, pledge.defaults),
        ReportKind.RANKING_SHEET: Kind(
            "reports/pdf/ranking_sheet.html",
            lambda target: _review(target) if isinstance(target, Review) else _round(target),
            ranking_sheet.sheet_context,
            ranking_sheet.defaults,
        ),
        ReportKind.NOMINATIONS: Kind(
            "reports/pdf/nominations.html", _review, nominations.nominations_context, nominations.defaults
        ),
    }


def default_parameters(kind: str, target) -> DocumentParameters:
    spec = _kinds()[kind]
    return spec.defaults(spec.load(target))


def build_document(*, kind: str, target, parameters: dict) -> Document:
    """The document's HTML from the data as it is now."""
    spec = _kinds()[kind]
    loaded = spec.load(target)
    values = DocumentParameters.from_dict({**spec.defaults(loaded).as_dict(), **(parameters or {})})
    context = spec.context(loaded, values)
    return Document(kind=kind, title=context["document_title"], html=render_template(spec.template, context))


def render_pdf(document: Document, *, on_laid_out=None) -> Pdf:
    return html_to_pdf(document.html, title=document.title, on_laid_out=on_laid_out)
