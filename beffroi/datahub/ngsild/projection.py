"""Projection of entity representations (ETSI GS CIM 009 V1.8.1+ §4.21): ``pick`` and ``omit``, with the
``name{member,…}`` parts that project the entities a join brings (§4.5.23).

``pick`` keeps only the named members of each entity (``id``, ``type`` and attributes alike: ``pick=name``
answers ``{"name": …}``), ``omit`` drops them; both name members as the client wrote them, under its own
@context, so they apply to the compacted representation. Giving both is a bad request, as is a member name
that is not one (§4.6.2). No Django here: the entity and temporal views both call it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from beffroi.datahub.ngsild.errors import BadRequestData
from beffroi.datahub.ngsild.names import NAME_RULES, attribute_name_problem

#: Members an entity has besides its attributes, which pick and omit may also name.
CORE_MEMBERS = frozenset({"id", "type", "scope", "createdAt", "modifiedAt", "deletedAt"})


@dataclass(frozen=True)
class Projection:
    """The members to keep (``pick``) or to drop (``omit``); neither: the whole entity. ``children``: the
    projection of the entities linked through a relationship (``locatedAt{id,name}``, §4.5.23 joins)."""

    pick: frozenset[str] | None = None
    omit: frozenset[str] = frozenset()
    children: Mapping[str, Projection] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return self.pick is not None or bool(self.omit)

    def apply(self, entity: Mapping[str, Any]) -> dict[str, Any]:
        """The entity's members the projection keeps (``@context`` always stays)."""
        return {
            key: value
            for key, value in entity.items()
            if key == "@context" or ((self.pick is None or key in self.pick) and key not in self.omit)
        }

    def keeps(self, name: str) -> bool:
        """Does the projection keep the member ``name``?"""
        return (self.pick is None or name in self.pick) and name not in self.omit

    def child(self, name: str) -> Projection:
        """The projection of the entities linked through the relationship ``name`` (none: whole entities)."""
        return self.children.get(name, _WHOLE)


_WHOLE = Projection()


def _split_top(text: str, parameter: str) -> list[str]:
    """The comma-separated items of ``text`` outside braces."""
    items, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                raise BadRequestData(f"{parameter}: unbalanced braces")
        elif char == "," and depth == 0:
            items.append(text[start:index].strip())
            start = index + 1
    if depth:
        raise BadRequestData(f"{parameter}: unbalanced braces")
    items.append(text[start:].strip())
    return items


def _tree(text: str, parameter: str, *, picking: bool) -> Projection:
    names: set[str] = set()
    children: dict[str, Projection] = {}
    for item in _split_top(text, parameter):
        nested = None
        if "{" in item:
            if not item.endswith("}"):
                raise BadRequestData(f"{parameter}: {item[:60]!r} is not name{{members}}")
            item, nested = item[: item.index("{")].strip(), item[item.index("{") + 1 : -1]
        if not item:
            raise BadRequestData(f"{parameter} must be a comma-separated list of member names")
        if item not in CORE_MEMBERS:
            problem = attribute_name_problem(item)
            if problem is not None:
                raise BadRequestData(f"{parameter}: {item[:60]!r}: {NAME_RULES[problem]}")
        if nested is not None:
            children[item] = _tree(nested, parameter, picking=picking)
            if picking:
                names.add(item)
        else:
            names.add(item)
    if picking:
        return Projection(pick=frozenset(names), children=children)
    return Projection(omit=frozenset(names), children=children)


def parse_projection(pick: str | None, omit: str | None) -> Projection:
    """The projection of the ``pick`` and ``omit`` query parameters (with their ``name{…}`` parts for linked
    entities); BadRequestData if both are given or one is malformed."""
    if pick and omit:
        raise BadRequestData("pick and omit cannot be given together")
    if pick:
        return _tree(pick, "pick", picking=True)
    if omit:
        return _tree(omit, "omit", picking=False)
    return _WHOLE


def is_empty(entity: Mapping[str, Any]) -> bool:
    """Has a projected entity no member left (but its @context)?"""
    return not any(key != "@context" for key in entity)
