"""The NGSI-LD query language ``q`` (ETSI GS CIM 009 V1.9.1 §4.9): parser, AST and serializer (the evaluator
is in :mod:`.evaluation`).

Grammar accepted (the ETSI ABNF, with the leniencies noted)::

    query      = or-expr
    or-expr    = and-expr *( "|" and-expr )          ; AND binds tighter than OR
    and-expr   = term *( ";" term )
    term       = "(" query ")"
               / "!" path                            ; the attribute does not exist
               / path                                ; the attribute exists
               / path ( "==" / "!=" ) ( value-list / range / value )
               / path ( ">" / ">=" / "<" / "<=" ) value
               / path ( "~=" / "!~=" ) regex
    path       = name *( "." name ) *( "[" key *( "." key ) "]" )
    value-list = value 1*( "," value )
    range      = value ".." value
    value      = quoted-string / number / dateTime / date / time / "true" / "false" / bare-uri

- ``a.b`` addresses the sub-attribute ``b`` of attribute ``a`` (or one of its members such as ``observedAt``,
  ``unitCode``); ``a[b.c]`` addresses the member ``c`` of member ``b`` inside the *value* of ``a`` (for a
  LanguageProperty, ``a[fr]`` picks a language, ``a[*]`` any).
- Strings are quoted with ``"`` (JSON escapes) — single quotes are accepted too. An unquoted token that is not a
  number, boolean, date, time or dateTime is taken as a string (the ETSI ``URI`` production; the spec's own
  annex examples write ``brandName!=Mercedes``).
- A regex runs until ``;`` or ``|`` or an unbalanced ``)``; quote it (``name~="a|b"``) when it holds those.
  Regexes are Python ``re`` patterns, matched with ``search`` (the POSIX ERE subset behaves the same).
- Names are ``letter-or-_ *(letter / digit / "_" / "-" / ":")``: the ETSI AttrName plus ``-`` and ``:`` so that
  compact IRIs (``ngsi-ld:foo``) pass. Linked-entity paths (``a{b}``) are not supported.
- Whitespace around tokens is ignored.

Every error is a :class:`QueryError` (an :class:`~beffroi.datahub.ngsild.errors.NgsiLdError` of type
``BadRequestData``, or ``TooComplexQuery`` for queries nested too deeply, or ``NotImplemented``) whose message
names the 1-based position of the offending character.

The AST is made of small frozen dataclasses (:class:`Exists`, :class:`Compare`, :class:`InList`,
:class:`InRange`, :class:`Match`, :class:`And`, :class:`Or`) holding typed Python values (``int``, ``float``,
``str``, ``bool``, aware ``datetime`` in UTC, ``date``, naive ``time``), so that a later step can translate it to
SQL as well as evaluate it (:mod:`.evaluation`) against an entity in normalized (or keyValues) form.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from enum import StrEnum
from functools import lru_cache
from typing import Any

from beffroi.datahub.ngsild.errors import ErrorType, NgsiLdError

Scalar = bool | int | float | str | datetime | date | time

MAX_QUERY_LENGTH = 8192
MAX_DEPTH = 32
MAX_TERMS = 256


class QueryError(NgsiLdError):
    """A ``q`` string that cannot be parsed; ``position`` is the 1-based index of the offending character."""

    default_type = ErrorType.BAD_REQUEST_DATA

    def __init__(
        self,
        message: str,
        *,
        position: int | None = None,
        query: str | None = None,
        error_type: ErrorType | None = None,
    ):
        self.message = message
        self.position = position
        self.query = query
        where = f" at position {position}" if position is not None else ""
        super().__init__(f"Invalid q{where}: {message}", error_type=error_type, title="Invalid query (q)")


# --------------------------------------------------------------------------------------------------- AST


class Op(StrEnum):
    EQ = "=="
    NE = "!="
    GT = ">"
    GE = ">="
    LT = "<"
    LE = "<="


@dataclass(frozen=True, slots=True)
class AttrPath:
    """``attr.sub1.sub2[key1.key2]``: an attribute, sub-attributes (or members), then a path inside its value."""

    attr: str
    sub_attrs: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()

    def __str__(self) -> str:
        text = ".".join((self.attr, *self.sub_attrs))
        if self.keys:
            text += "[" + ".".join(self.keys) + "]"
        return text


@dataclass(frozen=True, slots=True)
class Exists:
    """``attr`` (the target element exists) or ``!attr`` (``negated``: it does not)."""

    path: AttrPath
    negated: bool = False


@dataclass(frozen=True, slots=True)
class Compare:
    """``attr <op> value`` with a single value."""

    path: AttrPath
    op: Op
    value: Scalar


@dataclass(frozen=True, slots=True)
class InList:
    """``attr==a,b,c`` (any of the values), or ``attr!=a,b,c`` (``negated``: none of them)."""

    path: AttrPath
    values: tuple[Scalar, ...]
    negated: bool = False


@dataclass(frozen=True, slots=True)
class InRange:
    """``attr==low..high`` (both bounds included), or ``attr!=low..high`` (``negated``: outside)."""

    path: AttrPath
    low: Scalar
    high: Scalar
    negated: bool = False


@dataclass(frozen=True, slots=True)
class Match:
    """``attr~=regex``, or ``attr!~=regex`` (``negated``). Only string values can match either."""

    path: AttrPath
    pattern: str
    negated: bool = False


@dataclass(frozen=True, slots=True)
class And:
    terms: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    terms: tuple[Node, ...]


Term = Exists | Compare | InList | InRange | Match
Node = Term | And | Or


def and_(*terms: Node) -> Node:
    """An AND of ``terms``, flattening nested ANDs (the form the parser produces)."""
    flat: list[Node] = []
    for term in terms:
        flat.extend(term.terms if isinstance(term, And) else (term,))
    return flat[0] if len(flat) == 1 else And(tuple(flat))


def or_(*terms: Node) -> Node:
    """An OR of ``terms``, flattening nested ORs (the form the parser produces)."""
    flat: list[Node] = []
    for term in terms:
        flat.extend(term.terms if isinstance(term, Or) else (term,))
    return flat[0] if len(flat) == 1 else Or(tuple(flat))


# ------------------------------------------------------------------------------------------ literal values

_NUMBER_RE = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_DATETIME_RE = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:Z|z|[+-]\d{2}(?::?\d{2})?)?"
)
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME_RE = re.compile(r"\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|z)?")
_FRACTION_RE = re.compile(r"[.,](\d+)")


def parse_datetime_literal(text: str) -> datetime | None:
    """An NGSI-LD DateTime (ISO 8601, §4.6.3) as an aware UTC datetime; None if ``text`` is not one.

    A missing offset means UTC. Fractions beyond microseconds are truncated (LoRaWAN servers send ns).
    """
    text = text.strip()
    if not _DATETIME_RE.fullmatch(text):
        return None
    text = _FRACTION_RE.sub(lambda m: "." + m.group(1)[:6], text, count=1)
    if text[-1] in "Zz":
        text = text[:-1] + "+00:00"
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:  # year 1 or 9999 with an offset that takes it out of the calendar in UTC
        return None


def parse_date_literal(text: str) -> date | None:
    """A Date literal (``2024-05-01``) of a query, or None."""
    if not _DATE_RE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def parse_time_literal(text: str) -> time | None:
    """A Time literal (``10:30``, ``10:30:00.5Z``) of a query, or None."""
    if not _TIME_RE.fullmatch(text):
        return None
    text = text.rstrip("Zz")
    text = _FRACTION_RE.sub(lambda m: "." + m.group(1)[:6].ljust(6, "0"), text, count=1)
    try:
        return time.fromisoformat(text)
    except ValueError:
        return None


class _Invalid(Exception):
    """A literal that looks like a number, date or time but is not a valid one."""


def _parse_comparable(text: str) -> Scalar | None:
    """A number, dateTime, date or time written without quotes; None if ``text`` is none of those."""
    if _NUMBER_RE.fullmatch(text):
        if any(c in text for c in ".eE"):
            number = float(text)
            if not math.isfinite(number):
                raise _Invalid(f"number {text} is out of range")
            return number
        return int(text)
    if _DATETIME_RE.fullmatch(text):
        value = parse_datetime_literal(text)
        if value is None:
            raise _Invalid(f"{text} is not a valid dateTime")
        return value
    if _DATE_RE.fullmatch(text):
        day = parse_date_literal(text)
        if day is None:
            raise _Invalid(f"{text} is not a valid date")
        return day
    if _TIME_RE.fullmatch(text):
        moment = parse_time_literal(text)
        if moment is None:
            raise _Invalid(f"{text} is not a valid time")
        return moment
    return None


def value_family(value: Any) -> str:
    """The NGSI-LD data type family of a query value, for type checks (§4.9: types must agree)."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, datetime):
        return "dateTime"
    if isinstance(value, date):
        return "date"
    if isinstance(value, time):
        return "time"
    return type(value).__name__


# ------------------------------------------------------------------------------------------------ parser

_NAME_RE = re.compile(r"[^\W\d][\w\-:]*")
_KEY_RE = re.compile(r"[^.\[\]=<>!~;|(),\"'{}]+")
_TERMINATORS = ";|)"
_OPERATORS = ("==", "!=", "!~=", ">=", ">", "<=", "<", "~=")


@dataclass(slots=True)
class _Token:
    value: Scalar
    quoted: bool
    start: int


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.pos = 0
        self.depth = 0
        self.terms = 0

    # -- helpers
    def fail(self, message: str, at: int | None = None, error_type: ErrorType | None = None) -> QueryError:
        where = self.pos if at is None else at
        return QueryError(message, position=where + 1, query=self.text, error_type=error_type)

    def skip_ws(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek(self) -> str:
        self.skip_ws()
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def describe_here(self) -> str:
        if self.pos >= len(self.text):
            return "the end of the query"
        return repr(self.text[self.pos])

    # -- grammar
    def parse(self) -> Node:
        if not self.text.strip():
            raise self.fail("the query is empty", at=0)
        if len(self.text) > MAX_QUERY_LENGTH:
            raise self.fail(
                f"the query is longer than {MAX_QUERY_LENGTH} characters",
                at=MAX_QUERY_LENGTH,
                error_type=ErrorType.TOO_COMPLEX_QUERY,
            )
        node = self.parse_or()
        if self.peek():
            if self.text[self.pos] == ")":
                raise self.fail("unbalanced ')': there is no '(' to close")
            raise self.fail(f"unexpected {self.describe_here()}; expected ';', '|' or the end of the query")
        return node

    def parse_or(self) -> Node:
        terms = [self.parse_and()]
        while self.peek() == "|":
            self.pos += 1
            terms.append(self.parse_and())
        return or_(*terms)

    def parse_and(self) -> Node:
        terms = [self.parse_term()]
        while self.peek() == ";":
            self.pos += 1
            terms.append(self.parse_term())
        return and_(*terms)

    def parse_term(self) -> Node:
        char = self.peek()
        if not char or char in ";|)":
            raise self.fail(f"expected an attribute name or '(' but found {self.describe_here()}")
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise self.fail(
                f"the query has more than {MAX_TERMS} terms", error_type=ErrorType.TOO_COMPLEX_QUERY
            )
        if char == "(":
            opened_at = self.pos
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise self.fail(
                    f"parentheses are nested more than {MAX_DEPTH} deep",
                    error_type=ErrorType.TOO_COMPLEX_QUERY,
                )
            self.pos += 1
            node = self.parse_or()
            if self.peek() != ")":
                raise self.fail(
                    f"expected ')' to close the '(' at position {opened_at + 1}, found {self.describe_here()}"
                )
            self.pos += 1
            self.depth -= 1
            return node
        if char == "!" and not self.text.startswith(("!=", "!~="), self.pos):
            self.pos += 1
            self.skip_ws()
            path = self.parse_path()
            nxt = self.peek()
            if nxt and nxt not in _TERMINATORS:
                raise self.fail(f"'!{path}' tests that the attribute does not exist; it takes no operator")
            return Exists(path, negated=True)
        path = self.parse_path()
        self.skip_ws()
        op_start = self.pos
        operator = self.parse_operator()
        if operator is None:
            return Exists(path)
        if operator in ("~=", "!~="):
            pattern = self.parse_regex()
            return Match(path, pattern, negated=operator == "!~=")
        return self.parse_comparison(path, Op(operator), op_start)

    def parse_name(self, what: str) -> str:
        self.skip_ws()
        match = _NAME_RE.match(self.text, self.pos)
        if not match:
            raise self.fail(f"expected {what} but found {self.describe_here()}")
        self.pos = match.end()
        return match.group()

    def parse_path(self) -> AttrPath:
        attr = self.parse_name("an attribute name")
        subs: list[str] = []
        while self.text.startswith(".", self.pos) and not self.text.startswith("..", self.pos):
            self.pos += 1
            subs.append(self.parse_name("a sub-attribute name after '.'"))
        keys: list[str] = []
        while self.text.startswith("[", self.pos):
            opened_at = self.pos
            self.pos += 1
            while True:
                match = _KEY_RE.match(self.text, self.pos)
                if not match or not match.group().strip():
                    raise self.fail(f"expected a member name inside '[…]' but found {self.describe_here()}")
                keys.append(match.group().strip())
                self.pos = match.end()
                if self.text.startswith(".", self.pos):
                    self.pos += 1
                    continue
                break
            if not self.text.startswith("]", self.pos):
                raise self.fail(f"expected ']' to close the '[' at position {opened_at + 1}")
            self.pos += 1
        if self.text.startswith("{", self.pos):
            raise self.fail(
                "linked-entity queries (attr{…}) are not supported", error_type=ErrorType.NOT_IMPLEMENTED
            )
        return AttrPath(attr, tuple(subs), tuple(keys))

    def parse_operator(self) -> str | None:
        if self.pos >= len(self.text) or self.text[self.pos] in _TERMINATORS:
            return None
        for operator in _OPERATORS:
            if self.text.startswith(operator, self.pos):
                self.pos += len(operator)
                return operator
        if self.text.startswith("=", self.pos):
            raise self.fail("'=' is not an operator; use '==' to test equality")
        raise self.fail(
            f"expected an operator (==, !=, >, >=, <, <=, ~=, !~=), ';', '|' or ')' "
            f"but found {self.describe_here()}"
        )

    def parse_regex(self) -> str:
        self.skip_ws()
        start = self.pos
        if self.peek() in ("'", '"'):
            token = self.parse_quoted()
            pattern = str(token.value)
        else:
            depth = 0
            in_class = False
            i = self.pos
            text = self.text
            while i < len(text):
                char = text[i]
                if char == "\\":
                    i += 2
                    continue
                if in_class:
                    if char == "]":
                        in_class = False
                elif char == "[":
                    in_class = True
                elif char == "(":
                    depth += 1
                elif char == ")":
                    if depth == 0:
                        break
                    depth -= 1
                elif char in ";|" and depth == 0:
                    break
                i += 1
            pattern = text[self.pos : min(i, len(text))]
            self.pos = min(i, len(text))
        if not pattern:
            raise self.fail("expected a regular expression after '~=' or '!~='", at=start)
        try:
            re.compile(pattern)
        except re.error as exc:
            offset = exc.pos if exc.pos is not None else 0
            raise self.fail(f"invalid regular expression: {exc.msg}", at=start + offset) from None
        except (RecursionError, OverflowError, ValueError) as exc:
            raise self.fail(f"invalid regular expression: {exc}", at=start) from None
        self.expect_end_of_term()
        return pattern

    def parse_quoted(self) -> _Token:
        start = self.pos
        quote = self.text[self.pos]
        i = self.pos + 1
        text = self.text
        while i < len(text) and text[i] != quote:
            i += 2 if text[i] == "\\" else 1
        if i >= len(text):
            raise self.fail(f"unterminated string: no closing {quote}", at=start)
        raw = text[start : i + 1]
        self.pos = i + 1
        if quote == '"':
            try:
                value = json.loads(raw)
            except ValueError:
                raise self.fail("invalid escape sequence in string", at=start) from None
        else:
            value = raw[1:-1].replace("\\'", "'").replace("\\\\", "\\")
        return _Token(value, True, start)

    def parse_value(self) -> _Token | tuple[_Token, _Token]:
        """One value, or a (low, high) range."""
        self.skip_ws()
        if self.pos >= len(self.text):
            raise self.fail("expected a value")
        if self.text[self.pos] in ("'", '"'):
            token = self.parse_quoted()
            if self.peek() == "." and self.text.startswith("..", self.pos):
                self.pos += 2
                self.skip_ws()
                if self.pos < len(self.text) and self.text[self.pos] in ("'", '"'):
                    return token, self.parse_quoted()
                high = self.parse_bare(allow_range=False)
                assert isinstance(high, _Token)  # no range without allow_range
                return token, high
            return token
        return self.parse_bare(allow_range=True)

    def parse_bare(self, *, allow_range: bool) -> _Token | tuple[_Token, _Token]:
        start = self.pos
        i = self.pos
        while i < len(self.text) and self.text[i] not in ";|),":
            i += 1
        raw = self.text[start:i].strip()
        self.pos = i
        if not raw:
            raise self.fail("expected a value", at=start)
        if allow_range and ".." in raw:
            low_text, high_text = raw.split("..", 1)
            try:
                low = _parse_comparable(low_text.strip())
                high = _parse_comparable(high_text.strip())
            except _Invalid as exc:
                raise self.fail(str(exc), at=start) from None
            if low is not None and high is not None:
                return _Token(low, False, start), _Token(high, False, start + len(low_text) + 2)
            if low is not None or high is not None:
                raise self.fail(
                    f"invalid range {raw!r}: both bounds must be numbers, dates, times or quoted strings",
                    at=start,
                )
            return _Token(raw, False, start)
        if raw in ("true", "false"):
            return _Token(raw == "true", False, start)
        try:
            value = _parse_comparable(raw)
        except _Invalid as exc:
            raise self.fail(str(exc), at=start) from None
        return _Token(raw if value is None else value, False, start)

    def parse_comparison(self, path: AttrPath, op: Op, op_start: int) -> Node:
        first = self.parse_value()
        if isinstance(first, tuple):
            low, high = first
            if op not in (Op.EQ, Op.NE):
                raise self.fail(f"a range is only allowed with == and !=, not {op.value}", at=op_start)
            if isinstance(low.value, bool) or isinstance(high.value, bool):
                raise self.fail("a range cannot have boolean bounds", at=low.start)
            if value_family(low.value) != value_family(high.value):
                raise self.fail(
                    f"the bounds of a range must have the same type "
                    f"({value_family(low.value)} and {value_family(high.value)} given)",
                    at=low.start,
                )
            self.expect_end_of_term()
            return InRange(path, low.value, high.value, negated=op is Op.NE)
        values = [first]
        while self.peek() == ",":
            self.pos += 1
            item = self.parse_value()
            if isinstance(item, tuple):
                raise self.fail("a list of values cannot contain a range", at=item[0].start)
            values.append(item)
        self.expect_end_of_term()
        if len(values) > 1:
            if op not in (Op.EQ, Op.NE):
                raise self.fail(
                    f"a list of values is only allowed with == and !=, not {op.value}", at=op_start
                )
            return InList(path, tuple(v.value for v in values), negated=op is Op.NE)
        if op not in (Op.EQ, Op.NE) and isinstance(first.value, bool):
            raise self.fail(f"booleans can only be compared with == and !=, not {op.value}", at=op_start)
        return Compare(path, op, first.value)

    def expect_end_of_term(self) -> None:
        char = self.peek()
        if char and char not in _TERMINATORS:
            raise self.fail(f"unexpected {self.describe_here()} after the value; expected ';', '|' or ')'")


def parse_query(text: str) -> Node:
    """Parse an NGSI-LD ``q`` string (CIM 009 §4.9) into an AST; raises :class:`QueryError` on bad input.

    Results are cached (the AST is immutable), so parsing the same subscription query again is free.
    """
    if not isinstance(text, str):
        raise QueryError("q must be a string")
    return _parse_cached(text)


@lru_cache(maxsize=1024)
def _parse_cached(text: str) -> Node:
    return _Parser(text).parse()


# -------------------------------------------------------------------------------------------- serializer


def format_value(value: Scalar) -> str:
    """A query value written back in ``q`` syntax (strings quoted as JSON)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date | time):
        return value.isoformat()
    raise TypeError(f"not a query value: {value!r}")


def format_query(node: Node) -> str:
    """Write an AST back as a ``q`` string that :func:`parse_query` turns into the same AST."""
    match node:
        case Exists(path, negated):
            return ("!" if negated else "") + str(path)
        case Compare(path, op, value):
            return f"{path}{op.value}{format_value(value)}"
        case InList(path, values, negated):
            return f"{path}{'!=' if negated else '=='}{','.join(format_value(v) for v in values)}"
        case InRange(path, low, high, negated):
            return f"{path}{'!=' if negated else '=='}{format_value(low)}..{format_value(high)}"
        case Match(path, pattern, negated):
            return f"{path}{'!~=' if negated else '~='}{json.dumps(pattern, ensure_ascii=False)}"
        case And(terms):
            return ";".join(
                f"({format_query(t)})" if isinstance(t, Or | And) else format_query(t) for t in terms
            )
        case Or(terms):
            return "|".join(f"({format_query(t)})" if isinstance(t, Or) else format_query(t) for t in terms)
    raise TypeError(f"not a query node: {node!r}")


# ---------------------------------------------------------------------------------------- AST utilities


def iter_terms(node: Node) -> Iterator[Term]:
    """The leaf terms of a query, left to right."""
    if isinstance(node, And | Or):
        for term in node.terms:
            yield from iter_terms(term)
    else:
        yield node


def attribute_paths(node: Node) -> list[AttrPath]:
    """The distinct attribute paths a query reads, in order of appearance."""
    seen: dict[AttrPath, None] = {}
    for term in iter_terms(node):
        seen.setdefault(term.path, None)
    return list(seen)


def map_attribute_names(
    node: Node, rename: Callable[[str], str], rename_sub: Callable[[str], str] | None = None
) -> Node:
    """The same query with attribute names passed through ``rename`` and sub-attribute names through
    ``rename_sub`` (default: ``rename``).

    Used to expand short names to IRIs with the request's @context (§5.5.7) before evaluating against stored
    (expanded) entities or translating to SQL, e.g. ``map_attribute_names(q, ctx.expand_attribute,
    ctx.expand_sub_attribute)``. Keys inside values (``[…]``) are JSON member names and are left alone.
    """
    sub = rename_sub or rename
    if isinstance(node, And):
        return And(tuple(map_attribute_names(t, rename, sub) for t in node.terms))
    if isinstance(node, Or):
        return Or(tuple(map_attribute_names(t, rename, sub) for t in node.terms))
    path = node.path
    new_path = AttrPath(rename(path.attr), tuple(sub(s) for s in path.sub_attrs), path.keys)
    return replace(node, path=new_path)
