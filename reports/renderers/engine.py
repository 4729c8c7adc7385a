"""The template engine of the documents: strict about missing variables.

A page in the browser may print an empty cell for a variable that does not exist; a document
handed out at a conference may not. The documents' engine raises on any printed variable it
cannot resolve, so that a broken template makes a failed job with its reason rather than a PDF
with holes. `{% if %}` and `{% for %}` still treat a missing value as empty, as usual.

`settings.REPORT_TEMPLATE_DIRS` lets an installation put its own versions of the document
templates (a letterhead, another signature block) before the project's.
"""

from __future__ import annotations

import functools
from pathlib import Path

from django.conf import settings
from django.template import Context, Engine
from django.template.backends.django import get_installed_libraries

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"


class MissingVariable(Exception):
    """A document template printed a variable that does not exist."""


class _RaiseOnMissing(str):
    """Django formats `string_if_invalid % variable` when the value contains "%s": raise there."""

    def __mod__(self, variable):
        raise MissingVariable(f"Mẫu tài liệu dùng biến không có dữ liệu: “{variable}”.")


@functools.cache
def _engine(dirs: tuple[str, ...]) -> Engine:
    return Engine(
        dirs=[*dirs, str(TEMPLATE_DIR)],
        app_dirs=False,
        string_if_invalid=_RaiseOnMissing("%s"),
        libraries=get_installed_libraries(),
        builtins=["django.templatetags.static"],
        autoescape=True,
    )


def document_engine() -> Engine:
    return _engine(tuple(str(d) for d in getattr(settings, "REPORT_TEMPLATE_DIRS", [])))


def render_template(name: str, context: dict) -> str:
    return document_engine().get_template(name).render(Context(context, use_l10n=True, use_tz=True))
