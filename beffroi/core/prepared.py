"""Queries that every request runs, built with the ORM once per process and database engine, then run again with
the request's values.

Django's ORM spends about a millisecond of CPU building a query, the database a tenth of that answering a
lookup by key; the commune, the session and the member's role are looked up on every request (measured: about
1 ms of CPU less per query, bench/syndicat.py). The query is written with the ORM as everywhere else; only its
SQL is kept. Use it for those per-request lookups, and for the few a kind of page repeats whose building costs
more than the answer (the names of a commune's categories, states and teams beside a list of reports, a union of
three querysets): any other query is built the usual way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.db import connections, models, router

M = TypeVar("M", bound=models.Model)


class Prepared(Generic[M]):
    """`build(**values)` returns the queryset; each keyword names a value given later to `objects(**values)` or
    `rows(**values)`, of the type declared (`str` or `int`).

    The query is built twice with two sets of stand-in values: the parameters that differ are the slots the
    real values go into, so a constant of the query is never taken for one of them."""

    def __init__(self, model: type[M], build: Callable[..., Any], **kinds: type) -> None:
        self.model = model
        self.build = build
        self.kinds = kinds
        self._sql: dict[str, tuple[str, tuple[object, ...], tuple[tuple[int, str], ...]]] = {}

    def _stand_ins(self, round_: int) -> dict[str, object]:
        return {
            name: f"\x01{round_}{name}" if kind is str else 1000 * round_ + index
            for index, (name, kind) in enumerate(self.kinds.items())
        }

    def _compiled(self, alias: str, values: dict[str, object]) -> tuple[str, list[object]]:
        if values.keys() != self.kinds.keys():
            raise TypeError(f"expected the values {sorted(self.kinds)}, got {sorted(values)}")
        vendor = connections[alias].vendor
        if vendor not in self._sql:
            first, second = self._stand_ins(1), self._stand_ins(2)
            sql, params = self.build(**first).query.get_compiler(using=alias).as_sql()
            sql_again, params_again = self.build(**second).query.get_compiler(using=alias).as_sql()
            names = {value: name for name, value in first.items()}
            slots = tuple(
                (position, names[a])
                for position, (a, b) in enumerate(zip(params, params_again, strict=True))
                if a != b
            )
            if sql != sql_again or {name for _p, name in slots} != set(self.kinds):
                raise ValueError("a value of this query does not reach its SQL as a parameter")
            self._sql[vendor] = (sql, tuple(params), slots)
        sql, template, slots = self._sql[vendor]
        params = list(template)
        for position, name in slots:
            params[position] = values[name]
        return sql, params

    def objects(self, **values: object) -> list[M]:
        """The model's rows (the queryset's own columns; deferred ones load on access)."""
        alias = router.db_for_read(self.model)
        sql, params = self._compiled(alias, values)
        return list(self.model._default_manager.db_manager(alias).raw(sql, params))

    def rows(self, **values: object) -> list[tuple[Any, ...]]:
        """Plain rows, for a `values_list()` queryset."""
        alias = router.db_for_read(self.model)
        sql, params = self._compiled(alias, values)
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, params)  # type: ignore[arg-type]
            return list(cursor.fetchall())
