"""The demo loader: each app registers a step; `beffroi demo` runs them in order, idempotently."""

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


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


# ----------------------------------------------------------------------------------- many communes (a syndicat)


@dataclass(frozen=True)
class CommuneStep:
    """One app's data for one more demo commune (`beffroi demo --communes N`): the same kinds of rows as the
    main demo, in demo-size volumes, written in bulk where they are many, so 200 communes load in minutes."""

    name: str
    order: int
    load: Callable[[Any, random.Random], None]  # (commune, seeded random)


_COMMUNE_STEPS: dict[str, CommuneStep] = {}


def register_commune(
    name: str, order: int
) -> Callable[[Callable[[Any, random.Random], None]], Callable[[Any, random.Random], None]]:
    def decorator(func: Callable[[Any, random.Random], None]) -> Callable[[Any, random.Random], None]:
        _COMMUNE_STEPS[name] = CommuneStep(name, order, func)
        return func

    return decorator


def commune_steps() -> list[CommuneStep]:
    return sorted(_COMMUNE_STEPS.values(), key=lambda s: (s.order, s.name))
