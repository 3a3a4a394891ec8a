"""What a person has in each commune, for the « Mon compte » page: each domain app registers a provider.

`accounts` sits below the domain apps and must not import them: a domain app calls `register()` from its own
`personal_data.py` (the same module that exports and erases that person's data), and the account page asks
every provider for the communes the person belongs to.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.urls import get_script_prefix, set_script_prefix

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from beffroi.accounts.models import User
    from beffroi.core.models import Commune


@dataclass(frozen=True)
class Item:
    """One thing the person did: what (`label`), where to follow it (`url`), its state and when."""

    label: str
    url: str = ""
    state: StrOrPromise = ""
    on: datetime.datetime | datetime.date | None = None


@dataclass(frozen=True)
class Section:
    title: StrOrPromise  # « Mes signalements »
    items: list[Item] = field(default_factory=list)
    empty: StrOrPromise = ""  # shown when `items` is empty; a section with neither is left out


Provider = Callable[..., Section | None]  # (*, user, commune) -> the app's section for that commune


@dataclass(frozen=True)
class _Registered:
    code: str
    order: int
    provider: Provider


_PROVIDERS: dict[str, _Registered] = {}


def register(code: str, provider: Provider, *, order: int = 100) -> None:
    _PROVIDERS[code] = _Registered(code, order, provider)


@contextmanager
def commune_urls(commune: Commune) -> Iterator[None]:
    """`reverse()` inside the block builds the commune's own addresses (`/valbourg/…`), as its pages do."""
    previous = get_script_prefix()
    set_script_prefix(f"/{commune.slug}/")
    try:
        yield
    finally:
        set_script_prefix(previous)


def sections_for(*, user: User, commune: Commune) -> list[Section]:
    """Every registered app's section for this person in this commune, in the apps' order; sections of modules
    the commune has not enabled are left out (the provider returns None)."""
    sections = []
    with commune_urls(commune):
        for registered in sorted(_PROVIDERS.values(), key=lambda r: (r.order, r.code)):
            section = registered.provider(user=user, commune=commune)
            if section is not None and (section.items or section.empty):
                sections.append(section)
    return sections
