"""The tenant ownership guard: one check, one exception, one French message, for every app.

Every object a service receives from a form, a URL or an API body may belong to another commune (a team, a
state, a category, a place picked by its id). Before using it, a service calls::

    from beffroi.core.guards import ensure_owned

    ensure_owned(team, commune)            # raises NotOwned unless team.commune_id == commune.pk
    ensure_owned(photo, commune, via="report")   # objects owned through a parent: photo.report.commune_id

`None` passes (an optional choice left empty). The exception is `NotOwned`, a subclass of `Http404`, so:

- on pages, Django shows the 404 page: an object of another commune is answered exactly like a missing one,
  which tells an attacker nothing about the other commune;
- on the platform API, the `Http404` handler of `beffroi.api` answers `application/problem+json` 404;
- a view that wants to keep the person on the form catches `NotOwned` and shows `message` (French, through the
  catalogue) next to the field.

The capability check (who may act) is its companion `beffroi.accounts.guards.require_capability`: it lives in
`accounts`, above `core`, because the roles do.
"""

from __future__ import annotations

from typing import Any, Protocol

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext


class _Tenant(Protocol):
    pk: Any


class NotOwned(Http404):
    """An object of another commune (or of none) was handed to a commune's service."""

    def __init__(self, message: str = "") -> None:
        self.message = message or gettext("Cet élément n'existe pas dans la commune.")
        super().__init__(self.message)


def ensure_owned(obj: object, commune: _Tenant, *, via: str = "") -> None:
    """Refuse `obj` unless it belongs to `commune` (its `commune_id`, or its `via` parent's `commune_id`)."""
    if obj is None:
        return
    owner = obj
    for name in via.split(".") if via else ():
        owner = getattr(owner, name, None)
        if owner is None:
            raise NotOwned()
    commune_id = getattr(owner, "commune_id", None)
    if commune is None or commune_id is None or commune_id != commune.pk:
        raise NotOwned()


MAX_PK = 2**63 - 1  # the largest id any database column holds (bigint)


def parse_pk(raw: object) -> int | None:
    """An object id sent by a client (form field, query parameter), or None when it is not one.

    Only ASCII digits, and within a database integer: a 30-digit "id" would otherwise reach the query and fail
    there (SQLite: "Python int too large to convert to SQLite INTEGER") instead of being simply unknown.
    """
    text = str(raw).strip() if raw is not None else ""
    if not text or len(text) > 19 or not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if value <= MAX_PK else None


class NotPublished(PermissionDenied):
    """A resident's submission into a commune whose site is still « en préparation » (`home_published` off).

    Raised by `beffroi.accounts.guards.require_open_to_public` (the roles live there); the 403 handler shows it
    as the same « en préparation » page the commune's home shows its visitors, a standard API as its own error.
    """

    def __init__(self, commune_name: str) -> None:
        self.commune_name = commune_name
        self.message = gettext(
            "Les services en ligne de %(commune)s sont en préparation : la mairie n'y reçoit pas encore de "
            "demande. En attendant, contactez-la directement."
        ) % {"commune": commune_name}
        super().__init__(self.message)
