"""A printed document as PDF (WeasyPrint): the council report, receipts, letters.

The HTML is a template extending `print_base.html`; its stylesheets are read from the static files on disk,
hashed or not, and nothing is fetched from the network.
"""

from __future__ import annotations

import re
from pathlib import Path


def html_to_pdf(html: str, *, base_url: str) -> bytes | None:
    """The PDF of the same HTML (WeasyPrint, print stylesheet); None when WeasyPrint is not installed."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError):  # OSError: Pango missing on the system
        return None
    return HTML(string=html, base_url=base_url, url_fetcher=_static_fetcher()).write_pdf()


def _static_file(name: str) -> str | None:
    """The file on disk behind a static URL's name, hashed or not.

    In production the pages link the manifest's hashed names (`beffroi.7cc6cd2bf319.css`), which exist only in
    STATIC_ROOT after collectstatic; the finders know the source names. Without this the PDF was printed with
    no stylesheet at all: the site's menu and the page's buttons on page 1.
    """
    from django.contrib.staticfiles import finders
    from django.contrib.staticfiles.storage import staticfiles_storage

    found = finders.find(name)
    if found:
        return str(found)
    try:
        collected = Path(staticfiles_storage.path(name))
    except NotImplementedError:
        collected = None
    if collected is not None and collected.is_file():
        return str(collected)
    unhashed = re.sub(r"\.[0-9a-f]{12}(\.\w+)$", r"\1", name)
    found = finders.find(unhashed) if unhashed != name else None
    return str(found) if found else None


def _static_fetcher():
    """Stylesheets are read from the static files on disk; nothing is fetched from the network."""
    from django.conf import settings
    from weasyprint.urls import URLFetcher

    static_url = settings.STATIC_URL or "/static/"

    class StaticFilesFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            marker = url.find(static_url)
            if marker != -1:
                path = _static_file(url[marker + len(static_url) :].split("?")[0])
                if path:
                    return super().fetch(Path(path).resolve().as_uri(), headers)
            raise ValueError(f"Ressource non chargée dans le PDF : {url}")

    return StaticFilesFetcher(allowed_protocols=("file", "data"))
