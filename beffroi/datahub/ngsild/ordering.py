"""Entity ordering (ETSI GS CIM 009 V1.9.1 §4.23): the ``orderBy`` parameter of a query.

``orderBy`` is a comma-separated list of attribute paths (as in ``q``: ``temperature``, ``address[city]``,
``speed.accuracy``; or ``id``, ``type``, ``createdAt``, ``modifiedAt``), each followed by an optional
``;asc`` (default), ``;desc``, or — for a GeoProperty — ``;dist-asc`` / ``;dist-desc`` (distance to the geometry
and coordinates of the query). An unknown direction or a path that is not one is an InvalidRequest.

Entities without a value at a key come after those with one, whatever the direction; values of different
JSON types are ordered numbers, then texts, then booleans, then other values (by their JSON text); of several
instances (datasetId), the first is compared. Ties keep the id order.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cmp_to_key
from typing import Any

from beffroi.datahub.ngsild import geo
from beffroi.datahub.ngsild.errors import InvalidRequest, NgsiLdError
from beffroi.datahub.ngsild.evaluation import path_values
from beffroi.datahub.ngsild.query import AttrPath, Exists, map_attribute_names, parse_query

DIRECTIONS = ("asc", "desc", "dist-asc", "dist-desc")
#: Members of the entity itself that can be ordered on (not attributes: never expanded).
ENTITY_MEMBERS = ("id", "type", "createdAt", "modifiedAt")
#: At most this many keys in one orderBy.
MAX_KEYS = 8


@dataclass(frozen=True)
class OrderKey:
    path: AttrPath
    descending: bool = False
    distance: bool = False


def parse_order_by(text: str) -> list[OrderKey]:
    """The keys of an ``orderBy`` parameter (names as written); InvalidRequest when it is not one."""
    items = [item.strip() for item in text.split(",")]
    if not text.strip() or any(not item for item in items):
        raise InvalidRequest("orderBy: give attribute paths separated by commas")
    if len(items) > MAX_KEYS:
        raise InvalidRequest(f"orderBy: at most {MAX_KEYS} keys")
    keys = []
    for item in items:
        path_text, _, direction = item.partition(";")
        direction = direction.strip() or "asc"
        if direction not in DIRECTIONS:
            raise InvalidRequest(f"orderBy: {direction!r} is not a direction ({', '.join(DIRECTIONS)})")
        path_text = path_text.strip()
        try:
            node = parse_query(path_text)
        except NgsiLdError:
            node = None
        if not isinstance(node, Exists) or node.negated:
            raise InvalidRequest(f"orderBy: {path_text[:60]!r} is not an attribute path")
        keys.append(
            OrderKey(node.path, descending=direction.endswith("desc"), distance=direction.startswith("dist"))
        )
    return keys


def map_order_names(keys: Sequence[OrderKey], rename: Callable[[str], str]) -> list[OrderKey]:
    """The keys with attribute names expanded (the request's @context); entity members left alone."""
    out = []
    for key in keys:
        if key.path.attr in ENTITY_MEMBERS and not key.path.sub_attrs:
            out.append(key)
            continue
        mapped = map_attribute_names(Exists(key.path), rename)
        assert isinstance(mapped, Exists)
        out.append(OrderKey(mapped.path, key.descending, key.distance))
    return out


def _first_value(document: Mapping[str, Any], path: AttrPath) -> Any:
    if path.attr in ENTITY_MEMBERS and not path.sub_attrs and not path.keys:
        value = document.get(path.attr)
        return value[0] if isinstance(value, list) and value else value
    values = path_values(document, path)
    return values[0] if values else None


def _distance(document: Mapping[str, Any], path: AttrPath, reference: Any) -> float | None:
    distances = []
    for geometry in geo.target_geometries(document, path.attr):
        try:
            distances.append(geo.distance_m(geo.to_shape(geometry), reference))
        except Exception:  # (a geometry that cannot be read has no distance)
            continue
    finite = [d for d in distances if math.isfinite(d)]
    return min(finite) if finite else None


def _rank(value: Any) -> tuple[int, Any]:
    if isinstance(value, bool):
        return 2, value
    if isinstance(value, int | float):
        return 0, value
    if isinstance(value, str):
        return 1, value
    return 3, json.dumps(value, sort_keys=True, ensure_ascii=False)


def sort_documents(
    documents: Sequence[Mapping[str, Any]], keys: Sequence[OrderKey], *, reference: Any = None
) -> list[int]:
    """The indices of ``documents`` (expanded normalized entities, with ``createdAt``/``modifiedAt`` when
    those are keys) in the order ``keys`` ask for; ``reference``: the query's geometry (distance keys)."""
    columns = []
    for key in keys:
        if key.distance:
            columns.append([_distance(d, key.path, reference) for d in documents])
        else:
            columns.append([_first_value(d, key.path) for d in documents])

    def compare(i: int, j: int) -> int:
        for key, column in zip(keys, columns, strict=True):
            a, b = column[i], column[j]
            if a is None or b is None:
                if a is None and b is None:
                    continue
                return 1 if a is None else -1  # (no value: last, in both directions)
            ra, rb = _rank(a), _rank(b)
            if ra == rb:
                continue
            result = -1 if ra < rb else 1
            return -result if key.descending else result
        return 0

    return sorted(range(len(documents)), key=cmp_to_key(compare))
