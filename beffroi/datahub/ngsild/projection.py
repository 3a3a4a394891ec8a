"""Projection of entity representations (ETSI GS CIM 009 V1.8.1+ §4.21): ``pick`` and ``omit``.

``pick`` keeps only the named members of each entity (``id``, ``type`` and attributes alike: ``pick=name``
answers ``{"name": …}``), ``omit`` drops them; both name members as the client wrote them, under its own
@context, so they apply to the compacted representation. Giving both is a bad request, as is a member name
that is not one (§4.6.2). No Django here: the entity and temporal views both call it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from beffroi.datahub.ngsild.errors import BadRequestData
from beffroi.datahub.ngsild.names import NAME_RULES, attribute_name_problem

#: Members an entity has besides its attributes, which pick and omit may also name.
CORE_MEMBERS = frozenset({"id", "type", "scope", "createdAt", "modifiedAt", "deletedAt"})


@dataclass(frozen=True)
class Projection:
    """The members to keep (``pick``) or to drop (``omit``); neither: the whole entity."""

    pick: frozenset[str] | None = None
    omit: frozenset[str] = frozenset()

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

    def keeps_attribute(self, name: str) -> bool:
        """Would this attribute (short name) be kept? (To read only what will be shown.)"""
        return (self.pick is None or name in self.pick) and name not in self.omit


def _names(raw: str | None, parameter: str) -> frozenset[str] | None:
    if not raw:
        return None
    names = [name.strip() for name in raw.split(",")]
    if not names or any(not name for name in names):
        raise BadRequestData(f"{parameter} must be a comma-separated list of member names")
    for name in names:
        if name in CORE_MEMBERS:
            continue
        problem = attribute_name_problem(name)
        if problem is not None:
            raise BadRequestData(f"{parameter}: {name[:60]!r}: {NAME_RULES[problem]}")
    return frozenset(names)


def parse_projection(pick: str | None, omit: str | None) -> Projection:
    """The projection of the ``pick`` and ``omit`` query parameters; BadRequestData if both are given."""
    picked = _names(pick, "pick")
    omitted = _names(omit, "omit")
    if picked is not None and omitted is not None:
        raise BadRequestData("pick and omit cannot be given together")
    return Projection(pick=picked, omit=omitted or frozenset())


def is_empty(entity: Mapping[str, Any]) -> bool:
    """Has a projected entity no member left (but its @context)?"""
    return not any(key != "@context" for key in entity)
