"""Validation of NGSI-LD entities and of the measurements they carry (ETSI GS CIM 009 §4.5, §5.2.4).

Entities arrive here already expanded (attribute names and types as IRIs, see :mod:`.context`). Every way in
(batch API, NGSI-LD writes, webhooks, MQTT) meets the ingestion limits below before anything is stored: a
device with a wrong clock or a careless client must not store what the pages and the APIs cannot show or the
columns cannot hold. Errors are :class:`~.errors.BadRequestData` naming the attribute at fault.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from beffroi.datahub.ngsild import geo
from beffroi.datahub.ngsild.errors import BadRequestData
from beffroi.datahub.ngsild.languages import check_language_map
from beffroi.datahub.ngsild.names import NAME_RULES, attribute_iri_problem, is_uri
from beffroi.datahub.ngsild.scope import check_scope
from beffroi.datahub.ngsild.temporal import parse_datetime
from beffroi.datahub.ngsild.vocabulary import ATTRIBUTE_TYPES, NGSI_LD_NULL, VALUE_MEMBER, short_name

#: Instants before this are refused: no sensor of a commune measured anything then, and year 1 cannot even be
#: converted to every time zone.
EARLIEST_INSTANT = datetime(2000, 1, 1, tzinfo=UTC)
#: How far ahead of the server's clock an instant may be (clocks drift; a day more is a wrong clock).
FUTURE_TOLERANCE = timedelta(days=1)
#: The longest text value of a measurement (a state, a code, a short message), in characters.
MAX_TEXT_VALUE = 1_000
#: The longest unitCode: the observation column (UN/CEFACT codes have 2 or 3 characters).
MAX_UNIT_CODE = 16

#: Members of a stored entity that are not attributes.
NON_ATTRIBUTES = ("id", "type", "@context", "createdAt", "modifiedAt", "expiresAt")
#: Members another attribute type carries its value in, refused so that a client's mistake is not stored
#: half-understood (a Property with an ``object``, a Relationship with a ``value`` or a ``unitCode``).
_FOREIGN_MEMBERS = {
    "Property": ("object", "languageMap"),
    "GeoProperty": ("object", "languageMap"),
    "Relationship": ("value", "unitCode", "languageMap"),
    "LanguageProperty": ("value", "object", "unitCode"),
}


def latest_instant() -> datetime:
    """The latest instant a measurement may carry now (the server's clock plus FUTURE_TOLERANCE)."""
    return datetime.now(UTC) + FUTURE_TOLERANCE


def instant_in_window(moment: datetime | None, latest: datetime) -> bool:
    """Is an aware instant (None: one that overflowed on conversion) within [EARLIEST_INSTANT, latest]?"""
    return moment is not None and EARLIEST_INSTANT <= moment <= latest


def check_observed_at(text: Any, *, name: str) -> datetime:
    """An attribute's observedAt as an aware UTC datetime, within the accepted window; BadRequestData if not."""
    try:
        moment: datetime | None = parse_datetime(text, name=name)
    except OverflowError:  # a year-1 or year-9999 instant whose offset takes it out of the calendar
        moment = None
    if not instant_in_window(moment, latest_instant()):
        raise BadRequestData(
            f"{name}: {text!r} is outside the accepted window (from 2000-01-01T00:00:00Z to one day after the "
            "server's clock); check the device's clock"
        )
    return cast(datetime, moment)


def _check_attribute(name: str, attribute: Any) -> Any:
    """Validate one attribute (or a list of its dataset instances); BadRequestData naming it."""
    short = short_name(name)
    if isinstance(attribute, list):
        if not attribute:
            raise BadRequestData(f"attribute {short!r}: an empty list is not an attribute")
        return [_check_attribute(name, item) for item in attribute]
    if not isinstance(attribute, dict):
        raise BadRequestData(f"attribute {short!r} must be an object with a type and a value or an object")
    kind = attribute.get("type")
    if kind is None:
        kind = "Relationship" if "object" in attribute else "Property"
        attribute = {"type": kind, **attribute}
    if kind not in ATTRIBUTE_TYPES:
        raise BadRequestData(f"attribute {short!r}: unknown type {kind!r} (expected Property, Relationship…)")
    member = VALUE_MEMBER[kind]
    for other in _FOREIGN_MEMBERS.get(kind, ()):
        if other in attribute:
            raise BadRequestData(f"attribute {short!r}: a {kind} has no {other!r} member")
    if "datasetId" in attribute and not is_uri(attribute["datasetId"]):
        raise BadRequestData(f"attribute {short!r}: datasetId must be a URI")
    if member not in attribute:
        raise BadRequestData(f"attribute {short!r}: a {kind} needs a {member!r} member")
    if attribute[member] is None:
        raise BadRequestData(f"attribute {short!r}: {member} must not be null")
    if kind == "Relationship":
        obj = attribute["object"]
        targets = obj if isinstance(obj, list) else [obj]
        if not all(is_uri(t) for t in targets):
            raise BadRequestData(f"attribute {short!r}: object must be a URI")
    if kind == "GeoProperty":
        geo.validate_geojson(attribute["value"])
    if kind == "LanguageProperty":
        check_language_map(attribute["languageMap"], name=short)
    if "observedAt" in attribute:
        check_observed_at(attribute["observedAt"], name=f"{short}.observedAt")
        value = attribute.get("value")
        if kind == "Property" and isinstance(value, str) and len(value) > MAX_TEXT_VALUE:
            raise BadRequestData(
                f"attribute {short!r}: a measured text value (with observedAt) has at most "
                f"{MAX_TEXT_VALUE} characters"
            )
    if "unitCode" in attribute:
        unit = attribute["unitCode"]
        if not isinstance(unit, str) or len(unit) > MAX_UNIT_CODE:
            raise BadRequestData(
                f"attribute {short!r}: unitCode must be a UN/CEFACT code (a string of at most "
                f"{MAX_UNIT_CODE} characters)"
            )
    return attribute


def check_entity(entity: Any, *, require_type: bool = True) -> dict[str, Any]:
    """Validate an expanded entity (CIM 009 §4.5, §5.2.4); return it with attribute types filled in."""
    if not isinstance(entity, dict):
        raise BadRequestData("an entity must be a JSON object")
    entity_id = entity.get("id")
    if not isinstance(entity_id, str) or not is_uri(entity_id):
        raise BadRequestData("id must be a URI such as urn:ngsi-ld:Streetlight:001")
    if len(entity_id) > 255:
        raise BadRequestData("id is longer than 255 characters")
    kind = entity.get("type")
    if require_type or kind is not None:
        kinds = kind if isinstance(kind, list) else [kind]
        if not kinds or not all(isinstance(k, str) and k for k in kinds):
            raise BadRequestData("type must be a non-empty string")
    out: dict[str, Any] = {}
    for key, member in entity.items():
        if key == "scope":  # §4.18: a path such as /Madrid/Gardens, or several
            check_scope(member)
            out[key] = member
            continue
        if key in ("id", "type", "createdAt", "modifiedAt", "@context"):
            out[key] = member
            continue
        if key == "expiresAt":  # a transient entity (§4.5.x, V1.8.1+): a DateTime
            parse_datetime(member, name="expiresAt")
            out[key] = member
            continue
        problem = attribute_iri_problem(key)
        if problem is not None:
            raise BadRequestData(f"attribute name {short_name(str(key))[:60]!r}: {NAME_RULES[problem]}")
        out[key] = _check_attribute(key, member)
    return out


def attributes(entity: Mapping[str, Any]) -> dict[str, Any]:
    """The attributes of an entity or fragment (its members but id, type, @context and system dates)."""
    return {k: v for k, v in entity.items() if k not in NON_ATTRIBUTES}


def primary_type(kind: Any) -> str:
    """The type an entity is filed under: its only type, or the first of several (§4.16 multi-typing)."""
    primary: str = kind[0] if isinstance(kind, list) else kind
    return primary


def display_name(data: Mapping[str, Any]) -> str:
    """The entity's ``name`` property (Smart Data Models), at most 200 characters, or ""."""
    for key, attribute in data.items():
        if short_name(key) == "name" and isinstance(attribute, dict):
            value = attribute.get("value")
            if isinstance(value, str):
                return value[:200]
    return ""


def is_null(member: Any) -> bool:
    """Is a merge-patch member the NGSI-LD null (§4.5.0: the attribute is to be deleted)?"""
    if member == NGSI_LD_NULL or member is None:
        return True
    if isinstance(member, dict):
        kind = member.get("type")
        value = member.get(
            VALUE_MEMBER.get(kind or "Property", "value"), member.get("value", member.get("object"))
        )
        return bool(value == NGSI_LD_NULL)
    return False


def measurements_of(data: Mapping[str, Any]) -> list[tuple[str, datetime, Any, str]]:
    """The measurements an entity's attributes carry: (attribute, UTC instant, value, unitCode) of each
    Property instance with ``observedAt`` and a plain value (not an object, an array or null)."""
    rows = []
    for attribute, member in data.items():
        for instance in member if isinstance(member, list) else [member]:
            if not isinstance(instance, dict) or "observedAt" not in instance:
                continue
            if instance.get("type", "Property") != "Property":
                continue
            value = instance.get("value")
            if isinstance(value, dict | list) or value is None:
                continue
            moment = parse_datetime(instance["observedAt"], name=f"{short_name(attribute)}.observedAt")
            rows.append((attribute, moment, value, str(instance.get("unitCode") or "")))
    return rows


# ----------------------------------------------------------------------------- multi-attribute (datasetId)


def instances_of(member: Any) -> list[dict[str, Any]]:
    """The instances of an attribute (one object, or a list of them with distinct datasetIds, §4.5.5)."""
    return [i for i in (member if isinstance(member, list) else [member]) if isinstance(i, dict)]


def _as_member(instances: list[dict[str, Any]]) -> Any:
    return instances[0] if len(instances) == 1 else instances


def merge_instances(current: Any, new: Any) -> Any:
    """An attribute after writing ``new`` instances into ``current`` (§5.6.2, §5.6.3): an instance replaces the
    one with the same datasetId (none: the default instance), others are kept. A member that is not an
    attribute (``scope``) is replaced."""
    if not instances_of(new) or not instances_of(current):
        return new
    by_dataset = {i.get("datasetId"): i for i in instances_of(current)}
    for instance in instances_of(new):
        by_dataset[instance.get("datasetId")] = instance
    return _as_member(list(by_dataset.values()))


def remove_instances(current: Any, *, dataset_id: str | None, delete_all: bool) -> tuple[Any, bool]:
    """(what is left of an attribute or None, whether anything was removed) after deleting its default
    instance, the instance of ``dataset_id``, or with ``delete_all`` every instance (§5.6.5)."""
    instances = instances_of(current)
    kept = [] if delete_all else [i for i in instances if i.get("datasetId") != dataset_id]
    return (_as_member(kept) if kept else None), len(kept) != len(instances)


# ------------------------------------------------------------------------ system attributes (sysAttrs)

#: The system members of an attribute instance (§4.8): kept with the stored document, shown with sysAttrs.
SYSTEM_MEMBERS = ("createdAt", "modifiedAt")


def stamp_instances(member: Any, now: str) -> None:
    """Mark the instances of a written attribute as modified ``now`` (created ``now`` unless they already
    carry their creation), in place."""
    for instance in instances_of(member):
        instance.setdefault("createdAt", now)
        instance["modifiedAt"] = now


def without_system_members(document: Mapping[str, Any]) -> dict[str, Any]:
    """The document without its attributes' createdAt and modifiedAt (the representation without sysAttrs)."""
    out = dict(document)
    for key, member in document.items():
        if isinstance(member, dict):
            if "createdAt" in member or "modifiedAt" in member:
                out[key] = {k: v for k, v in member.items() if k not in SYSTEM_MEMBERS}
        elif isinstance(member, list) and any(
            isinstance(i, dict) and ("createdAt" in i or "modifiedAt" in i) for i in member
        ):
            out[key] = [
                {k: v for k, v in i.items() if k not in SYSTEM_MEMBERS} if isinstance(i, dict) else i
                for i in member
            ]
    return out


#: The member of a notified attribute holding its value before the change, by attribute type (§5.2.12
#: showChanges; the names of the core @context).
PREVIOUS_MEMBER = {
    "Property": "previousValue",
    "GeoProperty": "previousValue",
    "Relationship": "previousObject",
    "LanguageProperty": "previousLanguageMap",
    "JsonProperty": "previousJson",
    "VocabProperty": "previousVocab",
    "ListProperty": "previousValueList",
    "ListRelationship": "previousObjectList",
}


def with_previous_values(document: Mapping[str, Any], before: Mapping[str, Any]) -> dict[str, Any]:
    """The entity with each attribute of ``before`` (its members as they were) carrying its previous value,
    when it had one of the same attribute type and datasetId (showChanges)."""
    out = dict(document)
    for key, old in before.items():
        if key not in out or not instances_of(old) or not instances_of(out[key]):
            continue
        old_by_dataset = {i.get("datasetId"): i for i in instances_of(old)}
        instances = []
        for instance in instances_of(out[key]):
            kind = instance.get("type", "Property")
            earlier = old_by_dataset.get(instance.get("datasetId"))
            if earlier is not None and earlier.get("type", "Property") == kind and kind in PREVIOUS_MEMBER:
                member = VALUE_MEMBER[kind]
                if member in earlier:
                    instance = {**instance, PREVIOUS_MEMBER[kind]: earlier[member]}
            instances.append(instance)
        out[key] = _as_member(instances)
    return out
