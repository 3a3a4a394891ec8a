"""Linked entity retrieval (CIM 009 V1.8.1+ §4.5.23): ``join=inline`` puts each entity a relationship points to
in the relationship's ``entity`` member, ``join=flat`` answers the entities and those they link to side by side;
``joinLevel`` says how many relationships deep (1 by default, at most MAX_JOIN_LEVEL). Linked entities are read
in the same tenant and with the same visibility as the entities asked for, and projected with the
``name{…}`` parts of pick/omit."""

from __future__ import annotations

from typing import Any

from beffroi.datahub import selectors
from beffroi.datahub.documents import EntityRow, entity_document
from beffroi.datahub.models import Entity
from beffroi.datahub.ngsild.errors import BadRequestData
from beffroi.datahub.ngsild.projection import Projection
from beffroi.datahub.ngsild_http.call import Call, int_param

#: The deepest join answered (each level reads the entities linked from the previous one).
MAX_JOIN_LEVEL = 5
#: The most linked entities one response brings.
MAX_LINKED = 1000


def parse_join(call: Call) -> tuple[str | None, int]:
    """The ``join`` mode (None: no join) and ``joinLevel`` of the request; BadRequestData if invalid."""
    join = call.request.GET.get("join") or None
    if join not in (None, "inline", "flat"):
        raise BadRequestData("join must be inline or flat")
    level = int_param(call.request, "joinLevel", 1)
    if level < 1:
        raise BadRequestData("joinLevel must be at least 1")
    return join, min(level, MAX_JOIN_LEVEL)


def _relationships(row: Entity | EntityRow, call: Call) -> list[tuple[str, int | None, list[str]]]:
    """(compacted attribute name, instance index or None, target ids) of each relationship of the entity."""
    active = call.active()
    out = []
    for name, member in entity_document(row).items():
        if name in ("id", "type"):
            continue
        instances = member if isinstance(member, list) else [member]
        for index, instance in enumerate(instances):
            if not isinstance(instance, dict) or instance.get("type") != "Relationship":
                continue
            obj = instance.get("object")
            targets = [obj] if isinstance(obj, str) else [t for t in obj or [] if isinstance(t, str)]
            key = active.compact_attribute(name)
            out.append((key, index if isinstance(member, list) else None, targets))
    return out


class _Linker:
    """Reads linked entities once each, within the tenant and the caller's visibility, up to MAX_LINKED."""

    def __init__(self, call: Call) -> None:
        self.call = call
        self.rows: dict[str, Entity | None] = {}

    def get(self, entity_id: str) -> Entity | None:
        if entity_id not in self.rows:
            if len(self.rows) >= MAX_LINKED:
                return None
            self.rows[entity_id] = selectors.entity_get(
                commune=self.call.commune, entity_id=entity_id, see_all=self.call.see_all
            )
        return self.rows[entity_id]


def _inline(
    call: Call,
    linker: _Linker,
    row: Entity | EntityRow,
    body: dict[str, Any],
    projection: Projection,
    depth: int,
) -> None:
    for key, index, targets in _relationships(row, call):
        attribute = body.get(key)
        instance = attribute[index] if isinstance(attribute, list) and index is not None else attribute
        if not isinstance(instance, dict) or instance.get("type") != "Relationship":
            continue  # (projected away, or a simplified representation)
        linked = []
        for target in targets:
            linked_row = linker.get(target)
            if linked_row is None:
                continue
            sub = projection.child(key)
            rendered = call.render_entity(linked_row, projection=sub, with_context=False)
            if depth > 1:
                _inline(call, linker, linked_row, rendered, sub, depth - 1)
            linked.append(rendered)
        if linked:
            instance["entity"] = linked[0] if isinstance(instance.get("object"), str) else linked


def inline(call: Call, rows: list[Any], bodies: list[dict[str, Any]], level: int) -> None:
    """Put the linked entities into the relationships of ``bodies`` (rendered from ``rows``), in place."""
    linker = _Linker(call)
    for row, body in zip(rows, bodies, strict=True):
        _inline(call, linker, row, body, call.projection, level)


def flat(call: Call, rows: list[Any], bodies: list[dict[str, Any]], level: int) -> list[dict[str, Any]]:
    """``bodies`` followed by the entities they link to (each once), ``level`` relationships deep."""
    linker = _Linker(call)
    out = list(bodies)
    seen = {row.entity_id for row in rows}
    frontier: list[tuple[Any, Projection]] = [(row, call.projection) for row in rows]
    for _ in range(level):
        following = []
        for row, projection in frontier:
            for key, _index, targets in _relationships(row, call):
                if not projection.keeps(key):
                    continue
                sub = projection.child(key)
                for target in targets:
                    if target in seen:
                        continue
                    linked_row = linker.get(target)
                    if linked_row is None:
                        continue
                    seen.add(target)
                    out.append(call.render_entity(linked_row, projection=sub))
                    following.append((linked_row, sub))
        frontier = following
    return out
