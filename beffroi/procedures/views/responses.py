"""Responses shared by the public and the agents' pages: a PDF (or back to its page when WeasyPrint is missing)
and a private file download."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _


def pdf_response(request, pdf: bytes | None, filename: str, fallback: str, **kwargs: Any) -> HttpResponse:
    if pdf is None:
        messages.error(request, _("La version PDF n'est pas disponible sur ce serveur ; imprimez la page."))
        return redirect(fallback, **kwargs)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def file_download(file: Any, name: str) -> FileResponse:
    response = FileResponse(file.open("rb"), as_attachment=True, filename=name or "piece")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
