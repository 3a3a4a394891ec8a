"""Addresses as people type them: normalising, reading a typed address, matching street names (no Django).

A resident types « 14 r. des ecoles », « 14 bis, Rue des Écoles » or « place du marche »: each becomes a
number, a suffix and a street part, and the street part is matched against the commune's street names
normalised the same way (lower case, no accents, the usual abbreviations of the voie types spelt out, as in
the Base Adresse Nationale's search).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Abbreviations of voie types and titles seen in typed addresses (La Poste's norm AFNOR NF Z 10-011 and usage).
ABBREVIATIONS = {
    "r": "rue",
    "av": "avenue",
    "ave": "avenue",
    "bd": "boulevard",
    "boul": "boulevard",
    "bld": "boulevard",
    "pl": "place",
    "imp": "impasse",
    "ch": "chemin",
    "che": "chemin",
    "chem": "chemin",
    "all": "allee",
    "rte": "route",
    "rt": "route",
    "sq": "square",
    "crs": "cours",
    "fbg": "faubourg",
    "qu": "quai",
    "res": "residence",
    "lot": "lotissement",
    "st": "saint",
    "ste": "sainte",
    "gal": "general",
    "mal": "marechal",
    "pdt": "president",
}
# Words a person may leave out (« rue écoles » for « rue des Écoles »).
OPTIONAL_WORDS = frozenset({"de", "des", "du", "la", "le", "les", "l", "d", "a", "au", "aux", "et"})
SUFFIXES = ("bis", "ter", "quater", "quinquies")

_NUMBER = re.compile(
    r"^\s*(?:(?:n|no|numero)\s+)?(\d{1,5})\s*(bis|ter|quater|quinquies|[a-z](?![a-z]))?\b[\s,.]*(.*)$"
)


def normalise(text: str) -> str:
    """Lower case, accents removed, punctuation as spaces, abbreviations spelt out, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("œ", "oe").replace("æ", "ae"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = re.sub(r"[^a-z0-9]+", " ", plain).split()
    return " ".join(ABBREVIATIONS.get(w, w) for w in words)


@dataclass(frozen=True)
class TypedAddress:
    """What a person typed, read: a number (or None), its suffix (« bis », « a »…) and the street part."""

    number: int | None
    suffix: str
    street: str


def parse(text: str) -> TypedAddress:
    """Read « 14 bis rue des Écoles », « 14, rue des écoles » or « rue des Écoles » (street part normalised).

    A leading « devant le », « face au », « près du »… is dropped: people write where they stood.
    """
    cleaned = normalise(text)
    cleaned = re.sub(
        r"^(?:(?:devant|face|pres|en face|a cote|cote|vers|au niveau)\s+)+(?:du|de la|des|de|le|la|au|a)?\s*",
        "",
        cleaned,
    )
    match = _NUMBER.match(cleaned)
    if match and match.group(3):
        suffix = match.group(2) or ""
        return TypedAddress(int(match.group(1)), suffix, match.group(3).strip())
    return TypedAddress(None, "", cleaned.strip())


VOIE_TYPES = frozenset(
    [
        "rue",
        "avenue",
        "boulevard",
        "place",
        "chemin",
        "impasse",
        "allee",
        "route",
        "square",
        "cours",
        "faubourg",
        "quai",
        "residence",
        "lotissement",
        "promenade",
        "passage",
        "sentier",
        "ruelle",
        "voie",
        "venelle",
        "rond-point",
        "esplanade",
        "parvis",
        "hameau",
    ]
)


def street_after_number(street: str) -> str:
    """The street name as written after a number: « Rue des Écoles » → « rue des Écoles » (« 14 rue des
    Écoles »), the voie type in lower case as French typography writes it; a name without one is unchanged."""
    first = street.split(" ", 1)[0]
    if normalise(first) in VOIE_TYPES or first.lower() in VOIE_TYPES:
        return first.lower() + street[len(first) :]
    return street


def _words(key: str) -> list[str]:
    return [w for w in key.split() if w not in OPTIONAL_WORDS]


@lru_cache(maxsize=65_536)
def _word_score(typed: str, word: str) -> float:
    """1 for the same word, 0.75–1 for its beginning, 0.72–0.9 for a near spelling (difflib ratio ≥ 0.8)."""
    if word == typed:
        return 1.0
    if word.startswith(typed):
        return 0.75 + 0.25 * len(typed) / len(word)
    # A ratio of 0.8 needs 2·min(a, b)/(a + b) ≥ 0.8: skip the words too short or too long to reach it.
    if len(typed) < 4 or 2 * min(len(typed), len(word)) < 0.8 * (len(typed) + len(word)):
        return 0.0
    matcher = difflib.SequenceMatcher(None, typed, word)
    if matcher.real_quick_ratio() < 0.8 or matcher.quick_ratio() < 0.8:
        return 0.0
    ratio = matcher.ratio()
    return ratio * 0.9 if ratio >= 0.8 else 0.0


def street_score(query: str, street_key: str) -> float:
    """How well a typed street part (normalised) names a street (its normalised key): 0 (not at all) to 1.

    Every significant word typed must start a word of the street (« rue des ec » → « rue des ecoles »), or
    be a near spelling of one (« ecole » → « ecoles », « repulique » → « republique »); the street's words
    left unsaid lower the score a little, so « rue des ecoles » ranks above « rue des ecoles prolongee ».
    """
    typed, words = _words(query), _words(street_key)
    if not typed or not words:
        return 0.0
    total = 0.0
    free = list(words)
    for t in typed:
        best, best_word = 0.0, None
        for w in free:
            score = _word_score(t, w)
            if score > best:
                best, best_word = score, w
        if best_word is None:
            return 0.0
        free.remove(best_word)
        total += best
    unsaid = sum(len(w) for w in free) / max(1, sum(len(w) for w in words))
    return round(total / len(typed) * (1 - 0.3 * unsaid), 4)


def match_streets(query: str, street_keys: list[str], *, limit: int = 8) -> list[tuple[str, float]]:
    """The commune's street keys that the typed street part may name, best first (score, then key)."""
    scored = [(key, street_score(query, key)) for key in street_keys]
    ranked = sorted((s for s in scored if s[1] > 0), key=lambda s: (-s[1], s[0]))
    return ranked[:limit]


__all__ = [
    "ABBREVIATIONS",
    "OPTIONAL_WORDS",
    "SUFFIXES",
    "VOIE_TYPES",
    "TypedAddress",
    "match_streets",
    "normalise",
    "parse",
    "street_after_number",
    "street_score",
]
