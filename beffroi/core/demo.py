"""The demo loader: each app registers a step; `beffroi demo` runs them in order, idempotently."""

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.utils import timezone


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


def set_columns(model: Any, fields: list[str], rows: list[tuple], batch_size: int = 500) -> None:
    """Write `fields` of many rows of `model` at once, each row given as (pk, value of each field): the past
    of bulk-created demo rows (their `auto_now` dates), by one `UPDATE … FROM (VALUES …)` per batch where
    `bulk_update` would build a CASE expression of every row."""
    from django.db import connection

    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(model._meta.pk.column)
    model_fields = [model._meta.pk, *(model._meta.get_field(name) for name in fields)]
    columns = [connection.ops.quote_name(field.column) for field in model_fields[1:]]
    assignments = ", ".join(f"{column} = v.column{i}" for i, column in enumerate(columns, start=2))
    placeholder = "(" + ", ".join(["%s"] * (len(fields) + 1)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            batch = rows[start : start + batch_size]
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM (VALUES {', '.join([placeholder] * len(batch))}) AS v "  # noqa: S608 — our own names
                f"WHERE {table}.{pk} = v.column1",
                [
                    field.get_db_prep_value(value, connection)
                    for row in batch
                    for field, value in zip(model_fields, row, strict=True)
                ],
            )


# Demo dates as an agent would set them: phases open at 9 h 00 and close at 23 h 59, local time.
def opening(now: datetime, days: int) -> datetime:
    """9 h 00 in the commune's time zone (Europe/Paris), `days` days after the local day of `now`: when a demo
    phase opens, as an agent would set it (« du 2 décembre 2026 à 9 h 00 »), not at the hour the demo loaded."""
    return local_day_at(now, days, time(9, 0))


def deadline(now: datetime, days: int) -> datetime:
    """23 h 59 in the commune's time zone, `days` days after the local day of `now`: when a demo phase closes
    (« jusqu'au 23 décembre 2026 à 23 h 59 »; midnight would read « 24 décembre à 0 h 00 »)."""
    return local_day_at(now, days, time(23, 59))


def local_day_at(now: datetime, days: int, clock: time) -> datetime:
    """`clock` in the commune's time zone on the local day of `now` moved by `days`."""
    zone = timezone.get_default_timezone()
    day = timezone.localtime(now, zone).date() + timedelta(days=days)
    return datetime.combine(day, clock, tzinfo=zone)
