"""Entity type selection (ETSI GS CIM 009 V1.9.1 §4.17): the ``type`` parameter of a query, e.g.
``(Building;Home),Vehicle`` — entities that are both a Building and a Home, or a Vehicle.

``,`` and ``|`` are "or", ``;`` is "and" (it binds tighter), parentheses group. A selection is turned into its
disjunctive normal form: a list of sets of type names, an entity matching when its types hold every name of
one set. A multi-typed entity (§4.16) is matched by any of its types.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from beffroi.datahub.ngsild.errors import BadRequestData, TooComplexQuery

#: The most "and" groups a selection may unfold to (each an SQL condition): beyond, TooComplexQuery.
MAX_GROUPS = 64

TypeGroups = list[frozenset[str]]

_TOKEN = re.compile(r"\s*(?:([(),|;])|([^(),|;\s]+))")


def parse_type_selection(text: str) -> TypeGroups:
    """The selection's groups (names as written); BadRequestData when it is not a type selection."""
    tokens: list[str] = []
    position = 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise BadRequestData(f"type: cannot read {text[position : position + 20]!r}")
        tokens.append(match.group(1) or match.group(2))
        position = match.end()
    if not tokens:
        raise BadRequestData("type: empty type selection")
    parser = _Parser(tokens)
    groups = parser.disjunction()
    if parser.position != len(tokens):
        raise BadRequestData(f"type: unexpected {tokens[parser.position]!r}")
    return groups


class _Parser:
    def __init__(self, tokens: list[str]):
        self.tokens = tokens
        self.position = 0

    def _peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def disjunction(self) -> TypeGroups:
        groups = self.conjunction()
        while self._peek() in (",", "|"):
            self.position += 1
            groups = _dedupe([*groups, *self.conjunction()])
        return groups

    def conjunction(self) -> TypeGroups:
        groups = self.atom()
        while self._peek() == ";":
            self.position += 1
            right = self.atom()
            groups = _dedupe([left | other for left in groups for other in right])
            if len(groups) > MAX_GROUPS:
                raise TooComplexQuery(f"type: the selection unfolds to more than {MAX_GROUPS} groups")
        return groups

    def atom(self) -> TypeGroups:
        item = self._peek()
        if item is None:
            raise BadRequestData("type: the selection ends too early")
        self.position += 1
        if item == "(":
            groups = self.disjunction()
            if self._peek() != ")":
                raise BadRequestData("type: a parenthesis is not closed")
            self.position += 1
            return groups
        if item in (")", ",", "|", ";"):
            raise BadRequestData(f"type: unexpected {item!r}")
        return [frozenset({item})]


def _dedupe(groups: Iterable[frozenset[str]]) -> TypeGroups:
    out: TypeGroups = []
    for group in groups:
        if group not in out:
            out.append(group)
    if len(out) > MAX_GROUPS:
        raise TooComplexQuery(f"type: the selection unfolds to more than {MAX_GROUPS} groups")
    return out


def map_type_names(groups: TypeGroups, expand: Callable[[str], str]) -> TypeGroups:
    """The groups with each name expanded (the request's @context)."""
    return _dedupe(frozenset(expand(name) for name in group) for group in groups)


def matches(groups: TypeGroups, types: Iterable[str]) -> bool:
    """Whether an entity of these types satisfies the selection."""
    held = set(types)
    return any(group <= held for group in groups)
