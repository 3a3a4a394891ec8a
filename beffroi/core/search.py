"""Searching the way people type: no case, no accents, on SQLite and PostgreSQL alike.

``name__folded__contains=fold(query)`` finds « Hélène » for « helene » or « HÉLÈNE » in a text column or a JSON
key (``identity__last_name__folded__contains``). `icontains` cannot: PostgreSQL keeps the accents, and SQLite's
LIKE folds the case of ASCII letters only (« é » does not find « É »). The folding is ``core.text.fold``: a
Python function SQLite calls, and the same table written in SQL for PostgreSQL (no extension to install).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.backends.signals import connection_created
from django.db.models import CharField, Q, TextField, Transform
from django.db.models.fields.json import KeyTextTransform, KeyTransform

from beffroi.core.text import ACCENTED, LIGATURES, PLAIN, fold

SQLITE_FUNCTION = "beffroi_fold"


class Folded(Transform):
    """The column's text in lower case without accents (``fold``), to compare with ``fold(query)``."""

    lookup_name = "folded"
    output_field = TextField()

    def _text(self) -> Any:
        # A JSON key is read as text (->> on PostgreSQL), not as a JSON value with its quotes.
        if isinstance(self.lhs, KeyTransform) and not isinstance(self.lhs, KeyTextTransform):
            return KeyTextTransform(self.lhs.key_name, *self.lhs.get_source_expressions())
        return self.lhs

    def as_sql(self, compiler: Any, connection: Any, *args: Any, **extra: Any) -> tuple[str, tuple[Any, ...]]:
        sql, params = compiler.compile(self._text())
        return f"{SQLITE_FUNCTION}({sql})", tuple(params)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, tuple[Any, ...]]:
        sql, params = compiler.compile(self._text())
        folded = f"translate(lower(({sql})::text), %s, %s)"
        arguments = [*params, ACCENTED, PLAIN]
        for ligature, plain in LIGATURES.items():
            folded = f"replace({folded}, %s, %s)"
            arguments += [ligature, plain]
        return folded, tuple(arguments)


CharField.register_lookup(Folded)  # EmailField, SlugField… are CharFields
TextField.register_lookup(Folded)
KeyTransform.register_lookup(Folded)


def _register_sqlite_function(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            SQLITE_FUNCTION, 1, lambda text: None if text is None else fold(str(text)), deterministic=True
        )


connection_created.connect(_register_sqlite_function, dispatch_uid="beffroi.core.search")


def contains_text(fields: Iterable[str], text: str) -> Q:
    """Rows where one of `fields` contains `text`, case and accents ignored."""
    needle = fold(text.strip())
    found = Q()
    for name in fields:
        found |= Q(**{f"{name}__folded__contains": needle})
    return found


def contains_words(fields: Iterable[str], text: str) -> Q:
    """Rows where each word of `text` is in one of `fields` (« camille fournier » finds Fournier, Camille)."""
    names = list(fields)
    found = Q()
    for word in text.split():
        found &= contains_text(names, word)
    return found
