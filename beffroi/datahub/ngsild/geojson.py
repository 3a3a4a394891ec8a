"""The GeoJSON representation of entities (ETSI GS CIM 009 §4.5.16, §6.3.15: ``Accept: application/geo+json``).

An entity is a Feature: its ``id``, ``geometry`` the value of one GeoProperty (``location`` unless the request
names another with ``geometryProperty``; null when the entity has none), and ``properties`` holding its type
and every attribute in the representation asked for (normalized or simplified). A query answers a
FeatureCollection. No Django here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

GEO_JSON = "application/geo+json"


def _geometry(member: Any) -> Any:
    first = member[0] if isinstance(member, list) and member else member
    if isinstance(first, Mapping):
        return first.get("value") if first.get("type", "GeoProperty") == "GeoProperty" else None
    return first if isinstance(first, Mapping) and "coordinates" in first else None


def feature(entity: Mapping[str, Any], geometry_property: str = "location") -> dict[str, Any]:
    """The Feature of a compacted entity (its members named as the client's @context names them)."""
    properties = {k: v for k, v in entity.items() if k not in ("id", "@context")}
    member = entity.get(geometry_property)
    geometry = _geometry(member)
    if geometry is None and isinstance(member, Mapping) and "coordinates" in member:  # (simplified form)
        geometry = dict(member)
    out: dict[str, Any] = {"id": entity.get("id"), "type": "Feature", "geometry": geometry}
    out["properties"] = properties
    if "@context" in entity:
        out["@context"] = entity["@context"]
    return out


def feature_collection(
    entities: Iterable[Mapping[str, Any]], geometry_property: str = "location"
) -> dict[str, Any]:
    """The FeatureCollection of compacted entities."""
    return {"type": "FeatureCollection", "features": [feature(e, geometry_property) for e in entities]}
