"""Photos kept while a form comes back with errors.

A browser cannot be handed its files again: a form shown anew after a mistake used to ask the resident to choose
their photos once more, which on a phone means finding them again in the gallery. Instead, the photos that were
valid are held in the media storage for a day, and the form carries, per photo, a ticked box « Garder la photo
déjà jointe » whose value is a signed token naming the held file. The next submission takes them back as uploads.

The token is signed (the secret key, a salt of its own) and names its commune: a client can neither point at
another file of the storage nor reuse a photo held for another commune. Held files older than a day are deleted
whenever a photo is held; the one a form finally sent is deleted at once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.utils import timezone
from django.utils.datastructures import MultiValueDict

HOLD_DIR = "formulaires-en-cours"
HOLD_SECONDS = 24 * 3600
SALT = "beffroi.core.held_uploads"


@dataclass(frozen=True)
class HeldFile:
    token: str
    name: str


def held_field_name(field: str) -> str:
    """The name of the boxes that keep a field's held photos (``photos-gardees``)."""
    return f"{field}-gardees"


def hold(*, commune_id: int, uploads: list[UploadedFile]) -> list[HeldFile]:
    """Store ``uploads`` for a day and return their tokens; old held files are purged on the way."""
    purge()
    held = []
    for upload in uploads:
        name = (upload.name or "photo")[:100]
        token = getattr(upload, "held_token", None)
        if token:  # held already (a form refused twice): the same file, not another copy
            held.append(HeldFile(token=token, name=name))
            continue
        upload.seek(0)
        path = default_storage.save(f"{HOLD_DIR}/{uuid.uuid4().hex}", ContentFile(upload.read()))
        payload = {"p": path, "n": name, "t": upload.content_type or "", "c": commune_id}
        held.append(HeldFile(token=signing.dumps(payload, salt=SALT, compress=True), name=name))
    return held


def _payloads(*, commune_id: int, tokens: list[str]) -> list[dict]:
    payloads = []
    for token in tokens:
        try:
            payload = signing.loads(token, salt=SALT, max_age=HOLD_SECONDS)
        except signing.BadSignature:  # expired or forged: as if the box had not been ticked
            continue
        path = str(payload.get("p", ""))
        if payload.get("c") == commune_id and path.startswith(f"{HOLD_DIR}/") and ".." not in path:
            payloads.append({**payload, "token": token})
    return payloads


def take(*, commune_id: int, tokens: list[str]) -> list[UploadedFile]:
    """The held files the ticked boxes name, as uploads (those expired, forged or gone are left out)."""
    files: list[UploadedFile] = []
    for payload in _payloads(commune_id=commune_id, tokens=tokens):
        try:
            with default_storage.open(payload["p"], "rb") as handle:
                content = handle.read()
        except OSError:
            continue
        upload = SimpleUploadedFile(
            payload["n"], content, content_type=payload["t"] or "application/octet-stream"
        )
        upload.held_token = payload["token"]  # type: ignore[attr-defined]
        files.append(upload)
    return files


def release(*, commune_id: int, tokens: list[str]) -> None:
    """Delete the held files a form has now sent for good."""
    for payload in _payloads(commune_id=commune_id, tokens=tokens):
        default_storage.delete(payload["p"])


def purge(*, older_than: timedelta = timedelta(seconds=HOLD_SECONDS)) -> int:
    """Delete the held files older than a day (forms left unsent); the number deleted."""
    try:
        _, names = default_storage.listdir(HOLD_DIR)
    except (OSError, NotImplementedError):
        return 0
    limit = timezone.now() - older_than
    deleted = 0
    for name in names:
        path = f"{HOLD_DIR}/{name}"
        try:
            if default_storage.get_modified_time(path) < limit:
                default_storage.delete(path)
                deleted += 1
        except (OSError, NotImplementedError):
            continue
    return deleted


def files_with_held(
    files: MultiValueDict, post: MultiValueDict, *, commune_id: int, field: str
) -> MultiValueDict:
    """``files`` with the held photos whose boxes are ticked in ``post`` added to ``field``, before those chosen
    now (a single-photo field takes the last: a photo chosen now replaces the held one)."""
    tokens = post.getlist(held_field_name(field))
    if not tokens:
        return files
    merged = files.copy()
    merged.setlist(field, [*take(commune_id=commune_id, tokens=tokens), *files.getlist(field)])
    return merged
