"""The demo loader: each app registers a step; `beffroi demo` runs them in order, idempotently."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class DemoStep:
    name: str
    order: int
    load: Callable[[], None]
    summary: Callable[[], list[str]] | None = None  # lines printed after loading (accounts, codes…)


_STEPS: dict[str, DemoStep] = {}


def register(
    name: str, order: int, summary: Callable[[], list[str]] | None = None
) -> Callable[[Callable[[], None]], Callable[[], None]]:
    def decorator(func: Callable[[], None]) -> Callable[[], None]:
        _STEPS[name] = DemoStep(name, order, func, summary)
        return func

    return decorator


def steps() -> list[DemoStep]:
    return sorted(_STEPS.values(), key=lambda s: (s.order, s.name))
