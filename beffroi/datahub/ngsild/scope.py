"""Entity scopes (ETSI GS CIM 009 §4.18, §4.19): the ``scope`` member and the ``scopeQ`` query.

A scope is a path of segments, ``/Madrid/Gardens/ParqueNorte``; an entity has one or several. ``scopeQ``
matches them: ``/Madrid`` exactly that scope, ``/Madrid/#`` it and every scope below, ``/Madrid/+`` its direct
children, ``/#`` any scope; ``,`` is OR, ``;`` is AND (binding tighter), parentheses group. No Django here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from beffroi.datahub.ngsild.errors import BadRequestData

_SEGMENT = r"[^\s/#+,;()'\"<>=]+"
_SCOPE_RE = re.compile(rf"(/{_SEGMENT})+")
_TERM_RE = re.compile(rf"/#|(/{_SEGMENT})+(/#|/\+)?|(/{_SEGMENT})*/\+(/{_SEGMENT})*")

Predicate = Callable[[list[str]], bool]


def check_scope(value: Any) -> None:
    """BadRequestData unless ``value`` is a scope or a list of scopes (``/a/b``)."""
    scopes = value if isinstance(value, list) else [value]
    if not scopes or not all(isinstance(s, str) and _SCOPE_RE.fullmatch(s) for s in scopes):
        raise BadRequestData("scope must be a path such as /Madrid/Gardens, or a list of them")


def scopes_of(value: Any) -> list[str]:
    """The scopes of an entity's ``scope`` member (none when absent)."""
    if isinstance(value, str):
        return [value]
    return [s for s in value if isinstance(s, str)] if isinstance(value, list) else []


def _term(text: str) -> Predicate:
    if not _TERM_RE.fullmatch(text):
        raise BadRequestData(f"scopeQ: {text[:60]!r} is not a scope expression")
    if text == "/#":
        return lambda scopes: bool(scopes)
    if text.endswith("/#"):
        base = text[:-2]
        return lambda scopes: any(s == base or s.startswith(base + "/") for s in scopes)
    if "+" in text:
        pattern = re.compile("^" + re.escape(text).replace(r"\+", "[^/]+") + "$")
        return lambda scopes: any(pattern.match(s) for s in scopes)
    return lambda scopes: text in scopes


def _split(text: str, separator: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                raise BadRequestData("scopeQ: unbalanced parentheses")
        elif char == separator and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    if depth:
        raise BadRequestData("scopeQ: unbalanced parentheses")
    parts.append(text[start:])
    return parts


def parse_scope_query(text: str) -> Predicate:
    """A predicate over an entity's scopes for a ``scopeQ`` expression; BadRequestData if malformed."""
    text = text.strip()
    if not text:
        raise BadRequestData("scopeQ must not be empty")
    alternatives = _split(text, ",")
    if len(alternatives) > 1:
        options = [parse_scope_query(a) for a in alternatives]
        return lambda scopes: any(p(scopes) for p in options)
    conjuncts = _split(text, ";")
    if len(conjuncts) > 1:
        required = [parse_scope_query(c) for c in conjuncts]
        return lambda scopes: all(p(scopes) for p in required)
    if text.startswith("(") and text.endswith(")"):
        return parse_scope_query(text[1:-1])
    return _term(text)
