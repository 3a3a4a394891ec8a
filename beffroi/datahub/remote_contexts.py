"""Remote JSON-LD ``@context`` documents for the NGSI-LD API (CIM 009 §5.5.7 lets a request name its context by
URL, in the ``Link`` header or the body).

Anyone, without a key, can make the server fetch such a URL, so the loader is careful:

- only the hosts of ``DATAHUB_CONTEXT_ALLOWLIST`` (by default the well-known public context hosts), over
  http(s), through the outbound-address policy of :mod:`beffroi.core.outbound` (public addresses only,
  checked after resolution and at every redirect, which must stay on allowlisted hosts; one short deadline;
  a size cap);
- each document is cached by URL (a day), and so is a failure (a few minutes), so that a client cannot make
  the server fetch the same URL again and again by varying the rest of its @context;
- each client (its address, see :func:`client_scope`) may cause at most
  ``DATAHUB_CONTEXT_FETCHES_PER_MINUTE`` fetches a minute (a token bucket in this process);
- the client is told only that the context is not allowed or not available (``LdContextNotAvailable``):
  never whether a port was open, what answered or why it failed. The reason goes to the server's log.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache

from beffroi.core import outbound
from beffroi.datahub.ngsild import context as ldctx
from beffroi.datahub.ngsild.errors import LdContextNotAvailable

log = logging.getLogger(__name__)

#: How long a fetched document is reused (contexts are meant to be immutable documents).
DOCUMENT_CACHE_SECONDS = 24 * 3600
#: How long a failed URL is answered from memory without fetching it again.
FAILURE_CACHE_SECONDS = 5 * 60
_FAILED = "failed"

#: The address of the client whose request is being answered (set by the NGSI-LD views).
_client: ContextVar[str] = ContextVar("remote_context_client", default="")
budget = outbound.ClientBudget()


@contextmanager
def client_scope(address: str) -> Iterator[None]:
    """Count the remote @context fetches made inside the block against the client at ``address``."""
    token = _client.set(address)
    try:
        yield
    finally:
        _client.reset(token)


def _not_available(url: str) -> LdContextNotAvailable:
    return LdContextNotAvailable(f"the @context {url} is not allowed or not available")


def _allowed_host(host: str) -> bool:
    allowlist = getattr(settings, "DATAHUB_CONTEXT_ALLOWLIST", ())
    host = host.lower().rstrip(".")
    return bool(host) and host in {name.lower().rstrip(".") for name in allowlist}


def _cache_key(url: str) -> str:
    return "datahub:ldcontext:" + hashlib.sha256(url.encode()).hexdigest()


def remote_context_loader(url: str) -> Any:
    """The JSON document at ``url`` (a dict holding ``@context``), or LdContextNotAvailable."""
    try:
        parts = urlsplit(url)
    except ValueError:
        raise _not_available(url) from None
    if parts.scheme.lower() not in ("http", "https") or not _allowed_host(parts.hostname or ""):
        raise _not_available(url)
    key = _cache_key(url)
    cached = cache.get(key)
    if cached == _FAILED:
        raise _not_available(url)
    if cached is not None:
        return cached
    per_minute = getattr(settings, "DATAHUB_CONTEXT_FETCHES_PER_MINUTE", 10)
    if not budget.take(_client.get(), per_minute=per_minute):
        raise LdContextNotAvailable(
            f"the @context {url} is not available: too many remote @context fetches from this client, "
            "try again in a minute"
        )
    try:
        response = outbound.request(
            url, headers={"Accept": "application/ld+json, application/json"}, host_allowed=_allowed_host
        )
        if response.status != 200:
            raise ValueError(f"HTTP status {response.status}")
        document = json.loads(response.body)
        if not isinstance(document, dict) or "@context" not in document:
            raise ValueError("the document holds no @context")
    except (outbound.OutboundError, ValueError) as exc:
        log.warning("remote @context %s not available: %s", url, exc)
        cache.set(key, _FAILED, FAILURE_CACHE_SECONDS)
        raise _not_available(url) from None
    cache.set(key, document, DOCUMENT_CACHE_SECONDS)
    return document


#: The one resolver of client @contexts (bundled documents, then this loader), with its cache of processed
#: contexts: entities, queries, subscriptions and their notifications all read contexts through it.
RESOLVER = ldctx.ContextResolver(remote_context_loader)
