"""Storing a resident's picture (an idea, a proposal) on its row: the re-encoded image and its thumbnail, saved
through the storage API (the data directory, or object storage past one machine)."""

from __future__ import annotations

import secrets
from typing import Any

from django.core.files.base import ContentFile
from django.http import FileResponse, Http404

from beffroi.core.images import ProcessedPhoto


def picture_attach(instance: Any, picture: ProcessedPhoto | None, alt: str) -> None:
    """Set ``picture``, ``picture_thumbnail`` and ``picture_alt`` on the unsaved or saved row (not saved here).

    The file names are random: the original name could carry a person's name or where the photo was taken."""
    if picture is None:
        return
    name = f"{secrets.token_hex(8)}.jpg"
    instance.picture.save(name, ContentFile(picture.image), save=False)
    instance.picture_thumbnail.save(name, ContentFile(picture.thumbnail), save=False)
    instance.picture_alt = alt.strip()[:200]


def picture_response(instance: Any, *, thumbnail: bool) -> FileResponse:
    """The row's picture (or its thumbnail) as a JPEG response; 404 when it has none. The caller has already
    checked the row is one the visitor may see."""
    file = instance.picture_thumbnail if thumbnail else instance.picture
    if not file:
        raise Http404("Pas de photo.")
    response = FileResponse(file.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "public, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
