"""Which attribute names NGSI-LD accepts (ETSI GS CIM 009 §4.6.2 and §4.6.3), as a client writes them and as stored.

A client names an attribute with a short name (a JSON-LD term the @context expands) or with an IRI. Short names
are made of letters, digits and the underscore (§4.6.2); anything else must be a full or compact IRI. The
members of an entity that are not attributes — ``id``, ``type``, ``scope``, ``@context`` and the system
timestamps (§4.5.1, §5.2.4) — can never name one: an attribute called ``id`` or ``type`` would overwrite the
entity's own in every representation. ``location``, ``observationSpace`` and ``operationSpace`` are ordinary
(GeoProperty) attribute names, not reserved ones.

Stored names are expanded IRIs: besides the same rules, they must fit the 255-character column of the
observation tables and end with a term (an IRI ending in ``/``, ``#`` or ``:`` is a vocabulary, which is what
an empty short name expands to). No Django here: the ingestion services and the API layer both call it.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

#: Entity members that are not attributes (CIM 009 §4.5.1, §5.2.4): never an attribute's name.
RESERVED_NAMES = frozenset(
    {"id", "type", "scope", "@context", "createdAt", "modifiedAt", "deletedAt", "expiresAt"}
)

#: The longest stored (expanded) attribute name: the observation tables' column.
MAX_NAME_LENGTH = 255

_TERM_RE = re.compile(r"\w+")  # letters, digits and underscore (Unicode letters included)
# An IRI or compact IRI: a scheme (or prefix) and a colon, then no whitespace, control character or one of the
# characters NGSI-LD query strings give a meaning to (§4.6.3, §4.9: = ; ( ) ' " < >) or that an IRI excludes.
_IRI_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s\x00-\x1f\x7f<>\"'=;(){}|\\^`]+")

# A URI: a scheme, a colon, then no whitespace (§4.5.1 identifiers; RFC 3986 in substance).
_URI_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:\S+")


class NameProblem(StrEnum):
    """Why a name cannot name an attribute."""

    EMPTY = "empty"
    RESERVED = "reserved"
    CHARACTERS = "characters"
    TOO_LONG = "too-long"


#: Each problem in a sentence, for the NGSI-LD API's error details (in English like the rest of them).
NAME_RULES = {
    NameProblem.EMPTY: "a name must not be empty",
    NameProblem.RESERVED: "id, type, scope, @context, the system timestamps and JSON-LD keywords (starting "
    "with @) cannot name an attribute (ETSI GS CIM 009 §4.5.1)",
    NameProblem.CHARACTERS: "a short name is made of letters, digits and underscores, otherwise it must be an "
    "IRI (ETSI GS CIM 009 §4.6.2)",
    NameProblem.TOO_LONG: f"an attribute name has at most {MAX_NAME_LENGTH} characters once expanded",
}


def attribute_name_problem(name: object) -> NameProblem | None:
    """What is wrong with an attribute name as a client wrote it (short name or IRI), or None if it is valid."""
    if not isinstance(name, str) or not name:
        return NameProblem.EMPTY
    if name in RESERVED_NAMES or name.startswith("@"):
        return NameProblem.RESERVED
    if len(name) > MAX_NAME_LENGTH:
        return NameProblem.TOO_LONG
    if _TERM_RE.fullmatch(name) or _IRI_RE.fullmatch(name):
        return None
    return NameProblem.CHARACTERS


def attribute_iri_problem(iri: object) -> NameProblem | None:
    """What is wrong with an expanded attribute name (as stored), or None if it is valid: the rules above, and
    it ends with a term (an empty short name expands to the vocabulary itself, ending with ``/``)."""
    problem = attribute_name_problem(iri)
    if problem is None and str(iri)[-1] in "/#:":
        return NameProblem.CHARACTERS
    return problem


def _invisible(char: str) -> bool:
    """A control, format (U+200B zero width space, U+202E right-to-left override…) or separator character."""
    return unicodedata.category(char)[0] in "CZ"


def is_uri(text: object) -> bool:
    """Is ``text`` a URI as NGSI-LD identifiers must be (§4.5.1: an entity id, an instanceId, a datasetId):
    a scheme, a colon and no whitespace, control or invisible formatting character (a look-alike id written
    with U+202E or U+200B is refused, not stored)."""
    return (
        isinstance(text, str)
        and _URI_RE.fullmatch(text) is not None
        and not any(_invisible(char) for char in text)
    )
