"""The registry of the modules a commune can enable; each domain app registers its own in AppConfig.ready()."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class Module:
    code: str
    label: StrOrPromise  # lazy-translated
    description: StrOrPromise  # lazy-translated, shown on the commune home page
    url_name: str  # public entry point
    agent_url_name: str = ""  # entry point in the agents' space, if any
    order: int = 100


_REGISTRY: dict[str, Module] = {}


def register(module: Module) -> None:
    _REGISTRY[module.code] = module


def all_modules() -> list[Module]:
    return sorted(_REGISTRY.values(), key=lambda m: (m.order, m.code))


def enabled_for(commune) -> list[Module]:
    if commune is None:
        return []
    enabled = set(commune.enabled_modules or [])
    return [m for m in all_modules() if m.code in enabled]
