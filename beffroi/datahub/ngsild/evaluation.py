"""Evaluating an NGSI-LD query ``q`` (ETSI GS CIM 009 V1.9.1 §4.9) against an entity, in normalized or
simplified (keyValues) form: the AST of :mod:`.query`, its terms resolved on the entity's attributes,
sub-attributes and value members, with the type agreement rules of §4.9 (a number compares with a number,
a dateTime with a dateTime…)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from beffroi.datahub.ngsild.query import (
    And,
    AttrPath,
    Compare,
    Exists,
    InList,
    InRange,
    Match,
    Node,
    Op,
    Or,
    Scalar,
    Term,
    parse_date_literal,
    parse_datetime_literal,
    parse_query,
    parse_time_literal,
    value_family,
)
from beffroi.datahub.ngsild.vocabulary import ATTRIBUTE_TYPES, VALUE_MEMBER

_RELATIONSHIP_KINDS = frozenset({"Relationship", "ListRelationship"})
_MISMATCH = object()


def _is_attribute(element: Any) -> bool:
    return isinstance(element, Mapping) and (
        element.get("type") in ATTRIBUTE_TYPES or "value" in element or "object" in element
    )


def _instances(node: Any) -> list[Any]:
    """The instances of an attribute: a list of attribute objects (multi-attribute with datasetId) or one."""
    if isinstance(node, list) and node and all(_is_attribute(item) for item in node):
        return list(node)
    return [node]


def _resolve(entity: Mapping[str, Any], path: AttrPath) -> list[tuple[str, Any]]:
    """The (kind, target value) pairs a path designates in an entity; empty when the target does not exist."""
    if path.attr not in entity:
        return []
    elements = _instances(entity[path.attr])
    for sub in path.sub_attrs:
        children: list[Any] = []
        for element in elements:
            if _is_attribute(element) and sub in element:
                children.extend(_instances(element[sub]))
        elements = children
    targets: list[tuple[str, Any]] = []
    for element in elements:
        if _is_attribute(element):
            kind = element.get("type")
            if kind not in ATTRIBUTE_TYPES:
                kind = "Relationship" if "object" in element and "value" not in element else "Property"
            value = element.get(VALUE_MEMBER[kind])
            if kind == "ListRelationship" and isinstance(value, list):
                value = [v.get("object") if isinstance(v, Mapping) else v for v in value]
        else:
            kind, value = "Property", element
        if path.keys:
            found, value = _follow_keys(kind, value, path.keys)
            if not found:
                continue
        targets.append((kind, value))
    return targets


def _follow_keys(kind: str, value: Any, keys: tuple[str, ...]) -> tuple[bool, Any]:
    remaining = list(keys)
    if kind == "LanguageProperty" and isinstance(value, Mapping):
        language = remaining.pop(0)
        if language == "*":
            value = [v for item in value.values() for v in (item if isinstance(item, list) else [item])]
        elif language in value:
            value = value[language]
        else:
            return False, None
    for key in remaining:
        if isinstance(value, Mapping) and key in value:
            value = value[key]
        elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        else:
            return False, None
    return True, value


def _unwrap(value: Any) -> Any:
    """``{"@type": "DateTime", "@value": "…"}`` (JSON-LD value objects) to their bare value."""
    if isinstance(value, Mapping) and "@value" in value:
        return value["@value"]
    return value


def _coerce(target: Any, like: Scalar) -> Any:
    """``target`` as a value of the same type as the query value ``like``, or ``_MISMATCH``."""
    target = _unwrap(target)
    family = value_family(like)
    if family == "boolean":
        return target if isinstance(target, bool) else _MISMATCH
    if family == "number":
        return target if isinstance(target, int | float) and not isinstance(target, bool) else _MISMATCH
    if family == "string":
        return target if isinstance(target, str) else _MISMATCH
    if not isinstance(target, str):
        return _MISMATCH
    if family == "dateTime":
        parsed = parse_datetime_literal(target)
        return _MISMATCH if parsed is None else parsed
    if family == "date":
        day = parse_date_literal(target.strip())
        if day is not None:
            return day
        moment = parse_datetime_literal(target)
        return _MISMATCH if moment is None else moment.date()
    if family == "time":
        parsed_time = parse_time_literal(target.strip())
        return _MISMATCH if parsed_time is None else parsed_time
    return _MISMATCH


def _scalar_equal(target: Any, value: Scalar) -> bool:
    coerced = _coerce(target, value)
    return coerced is not _MISMATCH and coerced == value


def _equal(target: Any, value: Scalar) -> bool:
    """§4.9 equality: identical, or included in the target when the target is an array."""
    target = _unwrap(target)
    if isinstance(target, list):
        return any(_scalar_equal(item, value) for item in target)
    return _scalar_equal(target, value)


def _ordered(target: Any, op: Op, value: Scalar) -> bool:
    target = _unwrap(target)
    if isinstance(target, list):
        return any(_ordered(item, op, value) for item in target)
    coerced = _coerce(target, value)
    if coerced is _MISMATCH:
        return False
    try:
        if op is Op.GT:
            return bool(coerced > value)
        if op is Op.GE:
            return bool(coerced >= value)
        if op is Op.LT:
            return bool(coerced < value)
        return bool(coerced <= value)
    except TypeError:
        return False


def _in_range(target: Any, low: Scalar, high: Scalar) -> bool:
    target = _unwrap(target)
    if isinstance(target, list):
        return any(_in_range(item, low, high) for item in target)
    coerced = _coerce(target, low)
    if coerced is _MISMATCH:
        return False
    try:
        return bool(low <= coerced <= high)
    except TypeError:
        return False


def _regex_search(target: Any, pattern: str) -> bool | None:
    """True/False for a string (or any string of an array); None when there is no string to test."""
    target = _unwrap(target)
    if isinstance(target, list):
        results = [r for r in (_regex_search(item, pattern) for item in target) if r is not None]
        return None if not results else any(results)
    if not isinstance(target, str):
        return None
    return re.search(pattern, target) is not None


def _term_holds(term: Term, kind: str, target: Any) -> bool:
    if isinstance(term, Compare):
        if term.op is Op.EQ:
            return _equal(target, term.value)
        if term.op is Op.NE:
            return not _equal(target, term.value)
        if kind in _RELATIONSHIP_KINDS:
            return False
        return _ordered(target, term.op, term.value)
    if isinstance(term, InList):
        hit = any(_equal(target, v) for v in term.values)
        return not hit if term.negated else hit
    if isinstance(term, InRange):
        inside = _in_range(target, term.low, term.high)
        return not inside if term.negated else inside
    if isinstance(term, Match):
        if kind in _RELATIONSHIP_KINDS:
            return False
        found = _regex_search(target, term.pattern)
        if found is None:
            return False
        return not found if term.negated else found
    raise TypeError(f"not a query term: {term!r}")


def evaluate(node: Node, entity: Mapping[str, Any]) -> bool:
    """Does ``entity`` (normalized or keyValues NGSI-LD form) satisfy the query? (CIM 009 §4.9 semantics).

    The attribute names of the query must be spelled as the entity's keys: expand them first
    (:func:`map_attribute_names`) when the entity holds expanded IRIs. A term whose target does not exist is
    false (except ``!attr``); with several instances (datasetId) or an array value, one match suffices.
    """
    if isinstance(node, And):
        return all(evaluate(term, entity) for term in node.terms)
    if isinstance(node, Or):
        return any(evaluate(term, entity) for term in node.terms)
    targets = _resolve(entity, node.path)
    if isinstance(node, Exists):
        return not targets if node.negated else bool(targets)
    return any(_term_holds(node, kind, target) for kind, target in targets)


def matches(query: str | Node, entity: Mapping[str, Any]) -> bool:
    """Shortcut: parse ``query`` when it is a string, then :func:`evaluate` it against ``entity``."""
    node = parse_query(query) if isinstance(query, str) else query
    return evaluate(node, entity)


def path_values(entity: Mapping[str, Any], path: AttrPath) -> list[Any]:
    """The values a path designates in an entity (one per instance), empty when it has none (ordering)."""
    return [_unwrap(value) for _kind, value in _resolve(entity, path)]
