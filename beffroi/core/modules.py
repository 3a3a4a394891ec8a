"""The registry of the modules a commune can enable; each domain app registers its own in AppConfig.ready()."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Module:
    code: str
    label: str  # lazy-translated
    description: str  # lazy-translated, shown on the commune home page
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
