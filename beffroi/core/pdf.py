"""A print document's HTML → PDF with WeasyPrint, its stylesheets read from the static files on disk.

The same fetcher as the council report's (`planning.report`): nothing is fetched from the network, and the
manifest's hashed names are found in STATIC_ROOT or mapped back to their source names. A document meant for
paper has a template of its own (letterhead, page numbers in `@page`, no site navigation).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any


def html_to_pdf(html: str, *, base_url: str) -> bytes | None:
    """The PDF of `html`; None when WeasyPrint (or Pango on the system) is not installed."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError):  # OSError: Pango missing on the system
        return None
    pdf: bytes = HTML(string=html, base_url=base_url, url_fetcher=_static_fetcher()).write_pdf()
    return pdf


def _static_file(name: str) -> str | None:
    """The file on disk behind a static URL's name, hashed (collected) or not."""
    from django.contrib.staticfiles import finders
    from django.contrib.staticfiles.storage import staticfiles_storage

    found = finders.find(name)
    if found:
        return str(found)
    try:
        collected: Path | None = Path(staticfiles_storage.path(name))
    except NotImplementedError:
        collected = None
    if collected is not None and collected.is_file():
        return str(collected)
    unhashed = re.sub(r"\.[0-9a-f]{12}(\.\w+)$", r"\1", name)
    found = finders.find(unhashed) if unhashed != name else None
    return str(found) if found else None


def _static_fetcher() -> Any:
    from django.conf import settings
    from weasyprint.urls import URLFetcher

    static_url = settings.STATIC_URL or "/static/"

    class StaticFilesFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            marker = url.find(static_url)
            if marker != -1:
                path = _static_file(url[marker + len(static_url) :].split("?")[0])
                if path:
                    return super().fetch(Path(path).resolve().as_uri(), headers)
            raise ValueError(f"Ressource non chargée dans le PDF : {url}")

    return StaticFilesFetcher(allowed_protocols=("file", "data"))
