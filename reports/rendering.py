"""HTML to PDF: the only module that imports WeasyPrint (ruff's banned-api keeps it so).

Every document is rendered by `render_pdf` as a tagged PDF/UA-1 file with its title, author and
language. Document templates refer to the project's own static files by relative URLs
(`print/document.css`, `fonts/...`), resolved against the fixed base `STATIC_BASE_URL`; the URL
fetcher serves those from the static files finders and `data:` URIs, and refuses everything
else: no network, no `file://`, no path outside the static folders. A refused URL stops the
render, so a document is never published with a part silently missing.
"""

import logging
import mimetypes
import posixpath
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation

logger = logging.getLogger(__name__)

# A reserved domain (RFC 2606) that is never looked up: it only names "the project's static files".
STATIC_BASE_URL = "https://documents.invalid/static/"
PDF_VARIANT = "pdf/ua-1"

REFUSED = "The document refers to a file outside this service’s own files, so it was not made."
MISSING = "The document refers to a file of this service that does not exist, so it was not made."


class DocumentRenderError(Exception):
    """The HTML could not be made into a PDF. `message` is written for a person to read."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class RefusedURL(ValueError):
    """The URL fetcher was asked for something other than a static file or a data: URI."""


@dataclass(frozen=True)
class RenderedPdf:
    pdf: bytes
    page_count: int


def static_path_for(url: str) -> str | None:
    """Return the static file's relative path that `url` names, or None if it names none."""
    if not url.startswith(STATIC_BASE_URL):
        return None
    parts = urlsplit(url)
    relative = unquote(parts.path)[len(urlsplit(STATIC_BASE_URL).path) :]
    normalised = posixpath.normpath(relative)
    if not relative or normalised.startswith(("..", "/")) or "\\" in normalised or "\0" in relative:
        return None
    return normalised


def find_static(url: str) -> str | None:
    """Return the filesystem path of the static file `url` names, or None."""
    relative = static_path_for(url)
    if relative is None:
        return None
    try:
        found = finders.find(relative)
    except SuspiciousFileOperation:
        return None
    return found if isinstance(found, str) else None


def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyURLFetcher(URLFetcher):
        """Serve this project's static files and data: URIs; refuse every other URL."""

        def __init__(self):
            # fail_on_errors: a refused or missing file stops the render instead of a warning.
            super().__init__(timeout=1, allow_redirects=False, fail_on_errors=True)
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            if url.lower().startswith("data:"):
                # urllib's DataHandler decodes it; nothing is read from disk or network.
                return super().fetch(url, headers)
            path = find_static(url)
            if path is None:
                self.refused.append(url)
                if static_path_for(url) is not None:
                    logger.warning("Document render: missing static file %s", url)
                    raise RefusedURL(MISSING)
                logger.warning("Document render: refused URL %s", url[:200])
                raise RefusedURL(REFUSED)
            with open(path, "rb") as handle:
                body = handle.read()
            content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body, {"Content-Type": content_type})

    return StaticOnlyURLFetcher


def url_fetcher():
    """Return a new fetcher that serves only static files and data: URIs."""
    return _fetcher_class()()


def render_pdf(
    *, html: str, title: str, author: str, language: str = "en-GB", fetcher=None
) -> RenderedPdf:
    """Render `html` into a tagged PDF/UA-1 document with the given title, author and language."""
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    fetcher = fetcher or url_fetcher()
    try:
        document = HTML(string=html, base_url=STATIC_BASE_URL, url_fetcher=fetcher).render(
            pdf_variant=PDF_VARIANT
        )
        document.metadata.title = title
        document.metadata.authors = [author]
        document.metadata.lang = language
        pdf = document.write_pdf(pdf_variant=PDF_VARIANT)
    except FatalURLFetchingError as error:
        cause = error.__cause__
        message = cause.args[0] if isinstance(cause, RefusedURL) else REFUSED
        raise DocumentRenderError(message) from error
    return RenderedPdf(pdf=pdf, page_count=len(document.pages))


def check_libraries() -> None:
    """Import WeasyPrint and render a line of text; raise OSError if a system library is missing."""
    import weasyprint

    weasyprint.HTML(string="<p>check</p>").write_pdf()
