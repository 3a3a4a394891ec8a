"""The capability check of every service: who may do this, in this commune.

A service that changes a commune's data starts with::

    from beffroi.accounts.guards import require_capability

    require_capability(commune=commune, actor=actor, capability="handle_requests")

- `actor` is a signed-in user, an anonymous visitor, or `None` for the platform itself (a management command,
  the demo loader): the platform may do everything; an anonymous visitor may do nothing that needs a role.
  Views always pass `request.user`, never `None`.
- `capability` is one of the table in `beffroi.accounts.roles` (`participate`, `handle_requests`,
  `manage_commune`…).
- The refusal is Django's `PermissionDenied` with a French sentence (through the catalogue): the 403 page on
  pages, `application/problem+json` 403 on the platform API. Pass `message` for a more precise sentence.

Objects handed to the service that must belong to the commune go through `beffroi.core.guards.ensure_owned`.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext

from beffroi.accounts.roles import CAPABILITIES
from beffroi.accounts.selectors import user_can
from beffroi.core.annotations import Actor
from beffroi.core.guards import NotPublished
from beffroi.core.models import Commune


def require_capability(*, commune: Commune, actor: Actor, capability: str, message: str = "") -> None:
    """Refuse with `PermissionDenied` unless `actor` holds `capability` in `commune` (None: the platform)."""
    if capability not in CAPABILITIES:
        raise KeyError(f"unknown capability {capability!r}")
    if actor is None:
        return
    if not user_can(commune=commune, user=actor, capability=capability):
        raise PermissionDenied(
            message or gettext("Votre rôle dans cette commune ne permet pas cette action.")
        )


def require_open_to_public(*, commune: Commune, user: Actor) -> None:
    """Refuse with `NotPublished` a submission (a report, by its pages or a standard API) into a commune whose
    site is not published yet, unless `user` is one of its agents, élus or administrators, who prepare it and
    try it out: the same rule as the commune's home, which shows « en préparation » to everyone else. `None`
    is an API client (a key), refused too: the public channels open with the site."""
    if commune.home_published:
        return
    if user is not None and user_can(commune=commune, user=user, capability="view_agent_space"):
        return
    raise NotPublished(commune.name)
