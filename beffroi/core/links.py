"""Absolute links to a commune's pages, for what is read outside the site: e-mails, texts, printed slips, exports.

A page knows its own address (`request.build_absolute_uri`); a background task, a command or a mail built after
a commit does not. The instance's public address is the setting `BEFFROI_SITE_URL` (environment variable of the
same name; `beffroi demo` sets it to the address it serves); a commune with its own host name is reached there
instead, without the `/<slug>/` prefix.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import get_script_prefix, reverse, set_script_prefix

from beffroi.core.models import Commune


def site_url() -> str:
    """The instance's public address, without a trailing slash (`https://beffroi.example.fr`)."""
    return str(getattr(settings, "BEFFROI_SITE_URL", "") or "http://127.0.0.1:8000").rstrip("/")


def commune_path(commune: Commune, viewname: str, *, kwargs: dict[str, Any] | None = None) -> str:
    """The path of a commune's page as its residents reach it (`/valbourg/signalements/suivi/…`)."""
    previous = get_script_prefix()
    set_script_prefix("/" if commune.host else f"/{commune.slug}/")
    try:
        return reverse(viewname, kwargs=kwargs)
    finally:
        set_script_prefix(previous)


def commune_url(commune: Commune, viewname: str, *, kwargs: dict[str, Any] | None = None) -> str:
    """The absolute address of a commune's page, clickable in a mail or a text message."""
    path = commune_path(commune, viewname, kwargs=kwargs)
    if commune.host:
        scheme = urlsplit(site_url()).scheme or "https"
        return f"{scheme}://{commune.host}{path}"
    return site_url() + path
