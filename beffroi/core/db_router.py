"""Reads of the read-heavy paths on a streaming replica, everything else on the primary (settings:
DATABASE_REPLICA_URL; docs/operations.md, « Beyond one machine »).

A Django router sees models, not requests: `ReplicaReadsMiddleware` marks the request whose reads may go to
the replica — a GET or HEAD on one of BEFFROI_REPLICA_PATHS (Open311 and NGSI-LD reads, the data dashboards),
from a browser that has not written in the last BEFFROI_REPLICA_PIN_SECONDS — and `ReplicaRouter` sends that
request's reads there. Read-your-writes:

- every write goes to the primary, and once a request has written, its later reads go there too;
- a read inside a transaction on the primary (a service reading before it writes) stays on the primary;
- a request that wrote leaves a short-lived cookie, so the page its form redirects to reads the primary.

Without DATABASE_REPLICA_URL neither is installed in effect: the middleware does nothing and no router is set.
What happens when the replica dies is the database address's business (libpq multi-host with
target_session_attrs=prefer-standby and CONN_HEALTH_CHECKS): see the settings.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
PIN_COOKIE = "beffroi_primaire"


@dataclass
class _RequestReads:
    replica: bool  # this request's reads may go to the replica
    wrote: bool = False


_current: ContextVar[_RequestReads | None] = ContextVar("beffroi_request_reads", default=None)


@cache
def _replica_paths(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns) or r"(?!)")


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def may_read_replica(request: HttpRequest) -> bool:
    """Whether this request's reads may be served by the replica (before it writes anything)."""
    if request.method not in ("GET", "HEAD") or PIN_COOKIE in request.COOKIES:
        return False
    return bool(_replica_paths(tuple(settings.BEFFROI_REPLICA_PATHS)).match(request.path_info))


class ReplicaReadsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not replica_configured():
            return self.get_response(request)
        state = _RequestReads(replica=may_read_replica(request))
        token = _current.set(state)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        if state.wrote and settings.BEFFROI_REPLICA_PIN_SECONDS > 0:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.BEFFROI_REPLICA_PIN_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response


class ReplicaRouter:
    """The replica for the reads of a request ReplicaReadsMiddleware marked, the primary for the rest."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str:
        state = _current.get()
        if state is None or not state.replica or state.wrote or connections["default"].in_atomic_block:
            return "default"
        return REPLICA

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        state = _current.get()
        if state is not None:
            state.wrote = True
        # Always the primary, even for an object read from the replica (Django would otherwise save it back
        # where it came from).
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == "default"  # the replica is a physical copy: migrations reach it through the primary
