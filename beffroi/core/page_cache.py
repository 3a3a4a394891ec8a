"""A commune's busiest public pages kept a few seconds for visitors without an account.

What a visitor without an account sees of a commune's home, its list of reports, a report's page, the budget's
results, the démarches and the consultations — and what an Open311 client without a key
reads of its list of requests — is the same for every such visitor at a given
moment: under load, rendering it again for each of them is most of the server's work (bench/syndicat.py). A view
marked ``@public_page`` is rendered once and its page served again, for ``BEFFROI_PAGE_CACHE_SECONDS`` (30 by
default; 0 turns it off), to the visitors it is the same for. Every guard before the view still runs on each
request (the commune, the module switch, the method); only the view's work is saved.

The page is kept per process, under the address (host, path and query), the language, and every column of the
commune's row: a new name, logo, address, opening hours or module shows at once. Every write made through the
commune's site (a report sent, a support given, a photo withdrawn, an agent's action) changes that row too
(``core.services.commune_pages_renew``, called by ``FreshAfterWriteMiddleware``; not for a view marked
``@shows_on_no_kept_page``: a secret ballot changes no public page), and so does a write through an API that
names its commune (``wrote_for``: a report sent through Open311): everyone's next page of the commune is
rendered again, in every process, and a status never goes back to the old one on a reload. Only what changes without a request to the
site (a task of the worker, a date passing) shows within those seconds. Served fresh pages always:

- anyone with a session (signed in, a support given, a message to show);
- whoever wrote something from this browser in the last seconds (the cookie ``beffroi_frais``).

Only a 200 answer to a GET is kept, and only when the view set no cookie, wrote nothing in the session and
queued no message. The forms' CSRF token is the one thing that differs between two visitors' copies: it is kept
as a mark and the visitor's own token is put in its place on each request.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import translation

from beffroi.core.models import Commune
from beffroi.core.services import commune_pages_renew

FRESH_COOKIE = "beffroi_frais"
_TOKEN = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')
_MARK = b"\x01csrf\x01"  # never in a page: a control character
_SAFE = ("GET", "HEAD", "OPTIONS", "TRACE")


def seconds() -> int:
    return int(getattr(settings, "BEFFROI_PAGE_CACHE_SECONDS", 0))


def _servable(request: HttpRequest) -> bool:
    """Whether this request may be served a kept page, and its answer kept."""
    if request.method != "GET":
        return False
    cookies = request.COOKIES
    return not (
        settings.SESSION_COOKIE_NAME in cookies
        or FRESH_COOKIE in cookies
        or getattr(settings, "MESSAGE_COOKIE_NAME", "messages") in cookies
        or "HTTP_AUTHORIZATION" in request.META
    )


def _key(request: HttpRequest, commune: Commune) -> str:
    deferred = commune.get_deferred_fields()
    columns = tuple(
        getattr(commune, field.attname)
        for field in commune._meta.concrete_fields
        if field.attname not in deferred
    )
    digest = hashlib.blake2b(
        repr((request.get_host(), request.get_full_path(), columns)).encode(), digest_size=16
    ).hexdigest()
    return f"page:{translation.get_language()}:{digest}"


def _keepable(request: HttpRequest, response: HttpResponse) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if "private" in response.get("Cache-Control", "") or "no-store" in response.get("Cache-Control", ""):
        return False
    session = getattr(request, "session", None)
    if session is not None and session.modified:
        return False
    queued = getattr(getattr(request, "_messages", None), "_queued_messages", None)
    return not queued


def _kept(response: HttpResponse) -> tuple[bytes, list[tuple[str, str]]]:
    body = _TOKEN.sub(rb"\1" + _MARK + rb"\2", response.content)
    headers = [(name, value) for name, value in response.headers.items() if name.lower() != "content-length"]
    return zlib.compress(body, 1), headers


def _served(request: HttpRequest, kept: tuple[bytes, list[tuple[str, str]]]) -> HttpResponse:
    body, headers = kept
    content = zlib.decompress(body)
    if _MARK in content:
        content = content.replace(_MARK, get_token(request).encode())
    response = HttpResponse(content)
    for name, value in headers:
        response[name] = value
    return response


def answer(request: HttpRequest, commune: Commune | None, render: Callable[[], HttpResponse]) -> HttpResponse:
    """The answer kept for this request to ``commune``, else what ``render()`` answers, kept when it may be. For a
    view that resolves its commune itself (an API naming its jurisdiction): call it after the view's guards."""
    timeout = seconds()
    if timeout <= 0 or commune is None or not _servable(request):
        return render()
    cache = caches["pages"]
    key = _key(request, commune)
    kept = cache.get(key)
    if kept is not None:
        return _served(request, kept)
    response = render()
    if _keepable(request, response):
        cache.set(key, _kept(response), timeout)
    return response


def public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve the view's page from the pages cache to the visitors it is the same for (see the module's text).

    Only for a page whose content depends on nothing but its address, its language, the commune and the
    database: not on the visitor (their session, a cookie, a header), and whose data may show a few seconds
    late to other visitors."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return answer(request, getattr(request, "commune", None), lambda: view(request, *args, **kwargs))

    return wrapper


def wrote_for(request: HttpRequest, commune: Commune) -> None:
    """Name the commune an API request writes for when the view resolves it itself (Open311's
    ``jurisdiction_id``): its successful write renews that commune's kept pages, as a write on its site does."""
    request.page_cache_commune = commune  # type: ignore[attr-defined]


def shows_on_no_kept_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark a view whose writes change nothing a kept page shows (a secret ballot: the public pages show the
    count's results, an agent's action): its successful POST does not renew the commune's kept pages. The
    visitor still gets the ``beffroi_frais`` cookie."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        request.page_cache_renew = False  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper


class FreshAfterWriteMiddleware:
    """After a successful write on a commune's site (a form sent, an agent's action; not a secret ballot, see
    ``shows_on_no_kept_page``), the commune's kept pages are renewed for everyone (``commune_pages_renew``: a status never goes back to the old
    one on the next reload, whichever process answers), and the browser or client gets the cookie
    ``beffroi_frais`` for BEFFROI_PAGE_CACHE_SECONDS: its next pages are rendered for it, never served from
    the pages cache."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        timeout = seconds()
        if timeout > 0 and request.method not in _SAFE and response.status_code < 400:
            commune = getattr(request, "commune", None) or getattr(request, "page_cache_commune", None)
            if commune is not None and getattr(request, "page_cache_renew", True):
                # everyone's next page of this commune is rendered again, in every process
                commune_pages_renew(commune=commune)
            response.set_cookie(
                FRESH_COOKIE,
                "1",
                max_age=timeout,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response
