"""The modules a commune can enable, and the one switch that turns each on or off everywhere.

Each domain app registers its module in `AppConfig.ready()`, naming the URL namespaces of its pages and standard
API (`namespaces`) and the prefixes of its routers in the platform API (`api_prefixes`). The switch is then
applied in one place per entry point, never in the views:

- pages and namespaced APIs: `ModuleSwitchMiddleware` (after URL resolution) answers 404 when the request's
  commune has not enabled the module that owns the URL's namespace;
- the platform API (`/api/<prefix>/…`): `core.api_auth.ApiKeyAuth` checks the key's commune;
- the standard APIs that name their tenant themselves (NGSI-LD by header, Open311 by `jurisdiction_id`) call
  `require_enabled(commune, code)` where they resolve it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.http import Http404
from django.utils.translation import gettext

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.http import HttpRequest, HttpResponse
    from django_stubs_ext import StrOrPromise

    from beffroi.core.models import Commune


@dataclass(frozen=True)
class Module:
    code: str
    label: StrOrPromise  # lazy-translated
    description: StrOrPromise  # lazy-translated, shown on the commune home page (to residents)
    url_name: str  # public entry point
    agent_url_name: str = ""  # entry point in the agents' space, if any
    order: int = 100
    namespaces: tuple[str, ...] = ()  # URL namespaces (pages, standard APIs) switched off with the module
    api_prefixes: tuple[str, ...] = ()  # platform API routers, mounted at /api/<prefix>/
    agent_description: StrOrPromise = ""  # what the module's tools do, on the agents' space (its card)


class ModuleDisabled(Http404):
    """The commune has not enabled this module: answered as "not found", like any page it does not have."""


_REGISTRY: dict[str, Module] = {}


def register(module: Module) -> None:
    _REGISTRY[module.code] = module


def all_modules() -> list[Module]:
    return sorted(_REGISTRY.values(), key=lambda m: (m.order, m.code))


def get(code: str) -> Module | None:
    """The installed module of that code (``None``: no app of this instance provides it)."""
    return _REGISTRY.get(code)


def enabled_for(commune: Commune | None) -> list[Module]:
    if commune is None:
        return []
    enabled = set(commune.enabled_modules or [])
    return [m for m in all_modules() if m.code in enabled]


def module_for_namespace(namespace: str) -> Module | None:
    return next((m for m in _REGISTRY.values() if namespace in m.namespaces), None)


def module_for_api_path(path_info: str) -> Module | None:
    """The module whose platform-API router serves `path_info` (`/api/reports/reports` → reports)."""
    parts = path_info.strip("/").split("/")
    if len(parts) < 2 or parts[0] != "api":
        return None
    return next((m for m in _REGISTRY.values() if parts[1] in m.api_prefixes), None)


def require_enabled(commune: Commune, code: str) -> None:
    """Raise `ModuleDisabled` unless `commune` has enabled the module `code`."""
    if not commune.has_module(code):
        module = _REGISTRY.get(code)
        label = str(module.label) if module else code
        raise ModuleDisabled(
            gettext("Le module « %(module)s » n'est pas activé pour %(commune)s.")
            % {"module": label, "commune": commune.name}
        )


class ModuleSwitchMiddleware:
    """404 for every page and namespaced API of a module the request's commune has not enabled."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any) -> None:
        match = request.resolver_match
        commune = getattr(request, "commune", None)
        if match is None or commune is None or not match.namespaces:
            return
        module = module_for_namespace(match.namespaces[0])
        if module is not None:
            require_enabled(commune, module.code)
