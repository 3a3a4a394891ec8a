"""What the apps add to a commune's home page (news items, …): each registers a provider from its
``AppConfig.ready()``, called with the commune, returning template context. core sits below every app and
imports none of them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from beffroi.core.models import Commune

HomeProvider = Callable[["Commune"], dict[str, Any]]
_PROVIDERS: dict[str, HomeProvider] = {}


def register(name: str, provider: HomeProvider) -> None:
    _PROVIDERS[name] = provider


def context_for(commune: Commune) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for provider in _PROVIDERS.values():
        context.update(provider(commune))
    return context
