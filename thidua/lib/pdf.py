"""HTML to PDF with WeasyPrint, reading only local files.

The reports run on closed networks: the URL fetcher serves the project's static files and its
media folder from disk and refuses every other address (http, https, file outside those two
folders), so that a document can never make the server reach out. A refused or missing
resource stops the rendering: a report without its stylesheet is not one to hand out.

Fonts come from the system (fontconfig). The documents ask for Liberation Serif, which has the
metrics of Times New Roman (Nghị định 30/2020 asks for Times New Roman); Debian's
fonts-liberation2 provides it. Without it WeasyPrint falls back to DejaVu Serif, wider, and the
pages break elsewhere: the fallback is logged as a warning once per process.
"""

from __future__ import annotations

import functools
import io
import logging
import mimetypes
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders

logger = logging.getLogger(__name__)

SERIF_FONT = "Liberation Serif"
FALLBACK_FONT = "DejaVu Serif"
# Every relative address of a document resolves against this base; only its own paths are served.
BASE_URL = "http://thidua.invalid/"


class ResourceRefused(Exception):
    """A document asked for something the fetcher does not serve."""


@functools.cache
def available_fonts() -> frozenset[str]:
    """Font families fontconfig knows, read once per process."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return frozenset()
    try:
        output = subprocess.run(
            [fc_list, ":", "family"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    return frozenset(name.strip() for line in output.splitlines() for name in line.split(","))


@functools.cache
def check_fonts() -> str:
    """The serif family the documents will be set in; warns once when it is the fallback."""
    fonts = available_fonts()
    if SERIF_FONT in fonts:
        return SERIF_FONT
    logger.warning(
        "Font %s is not installed (Debian package fonts-liberation2); reports fall back to %s, "
        "whose wider letters move line and page breaks.",
        SERIF_FONT,
        FALLBACK_FONT if FALLBACK_FONT in fonts else "the system's default serif",
    )
    return FALLBACK_FONT


def _static_file(path: str) -> Path | None:
    relative = path[len(settings.STATIC_URL) :]
    found = finders.find(relative)
    if found:
        return Path(found)
    candidate = Path(settings.STATIC_ROOT) / relative
    return candidate if candidate.is_file() else None


def _media_file(path: str) -> Path | None:
    root = Path(settings.MEDIA_ROOT).resolve()
    candidate = (root / path[len(settings.MEDIA_URL) :]).resolve()
    if root not in candidate.parents or not candidate.is_file():
        return None
    return candidate


def local_file_for(url: str) -> Path:
    """The file on disk a document's URL stands for; ResourceRefused for anything else."""
    parts = urlsplit(url)
    base = urlsplit(BASE_URL)
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
        raise ResourceRefused(f"Báo cáo chỉ dùng tệp của hệ thống, không tải địa chỉ ngoài: {url[:200]}")
    path = unquote(parts.path)
    found = None
    if path.startswith(settings.STATIC_URL):
        found = _static_file(path)
    elif path.startswith(settings.MEDIA_URL):
        found = _media_file(path)
    if found is None:
        raise ResourceRefused(f"Không tìm thấy tệp {path[:200]} cho báo cáo.")
    return found


def _fetcher():
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

    class LocalFetcher(URLFetcher):
        """Serves static and media files from disk and data: URLs; refuses the rest."""

        def __init__(self):
            super().__init__(allowed_protocols={"data"}, allow_redirects=False, fail_on_errors=True)

        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            try:
                path = local_file_for(url)
            except ResourceRefused as exc:
                raise FatalURLFetchingError(str(exc)) from exc
            mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": mime_type})

    return LocalFetcher()


@dataclass(frozen=True)
class Pdf:
    content: bytes
    page_count: int


def html_to_pdf(html: str, *, title: str = "", on_laid_out=None) -> Pdf:
    """Lays out `html` (a whole document whose links are relative to BASE_URL) as PDF.
    `on_laid_out(page_count)` is called between the layout and the writing of the file."""
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    check_fonts()
    try:
        document = HTML(string=html, base_url=BASE_URL, url_fetcher=_fetcher()).render()
    except FatalURLFetchingError as exc:  # a BaseException: turned into an ordinary error
        raise ResourceRefused(str(exc.__cause__ or exc)) from None
    if on_laid_out is not None:
        on_laid_out(len(document.pages))
    if title:
        document.metadata.title = title
    buffer = io.BytesIO()
    document.write_pdf(buffer)
    return Pdf(content=buffer.getvalue(), page_count=len(document.pages))
