"""Rendered pieces (an API list's items, a page's rows) kept per process under a key made of everything they show.

The rule (docs/contributing.md, « A fragment worth caching »): the key's parts hold every value the piece reads,
or a stamp that changes whenever one of them does. A changed row then has a new key, so nothing is invalidated
by hand and nothing stale is served; the cache's timeout only frees memory. The language is always in the key.
Templates use Django's own ``{% cache … using="fragments" %}`` with the same rule.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from django.core.cache import caches
from django.utils import translation

T = TypeVar("T")
I = TypeVar("I")  # noqa: E741
TIMEOUT = 600


def key_for(kind: str, parts: Sequence[Any]) -> str:
    digest = hashlib.blake2b(repr(tuple(parts)).encode(), digest_size=16).hexdigest()
    return f"{kind}:{translation.get_language()}:{digest}"


def rendered(kind: str, parts: Sequence[Any], render: Callable[[], T]) -> T:
    """The piece kept under (kind, parts, language), rendered and kept when absent."""
    cache = caches["fragments"]
    key = key_for(kind, parts)
    value = cache.get(key)
    if value is None:
        value = render()
        cache.set(key, value, TIMEOUT)
    return value


def rendered_many(
    kind: str, items: Iterable[I], parts_of: Callable[[I], Sequence[Any]], render: Callable[[I], T]
) -> list[T]:
    """One piece per item, in order: those kept are read in one call, the others rendered and kept."""
    cache = caches["fragments"]
    items = list(items)
    keys = [key_for(kind, parts_of(item)) for item in items]
    found = cache.get_many(keys)
    missing: dict[str, T] = {}
    result: list[T] = []
    for key, item in zip(keys, items, strict=True):
        if key in found:
            result.append(found[key])
        else:
            value = render(item)
            missing[key] = value
            result.append(value)
    if missing:
        cache.set_many(missing, TIMEOUT)
    return result
