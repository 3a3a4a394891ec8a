"""LanguageProperty (ETSI GS CIM 009 §4.5.18, §4.15): checking a languageMap and answering in the languages a
client asks for with ``lang=``.

A languageMap maps language tags (BCP 47, or ``@none`` for a text in no particular language) to a string or
an array of strings. With ``lang=fr`` (a comma-separated preference list, q-values allowed, ``*`` for any),
each LanguageProperty is answered as a Property holding the text of the first language it has (else its
``@none`` text, else its first one) with a ``lang`` member naming that language. No Django here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from beffroi.datahub.ngsild.errors import BadRequestData

_TAG_RE = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")


def check_language_map(value: Any, *, name: str) -> None:
    """BadRequestData unless ``value`` is a languageMap: language tags to strings (or arrays of strings)."""
    if not isinstance(value, Mapping) or not value:
        raise BadRequestData(f"attribute {name!r}: languageMap must be an object of language tags to texts")
    for tag, text in value.items():
        if tag != "@none" and not _TAG_RE.fullmatch(str(tag)):
            raise BadRequestData(f"attribute {name!r}: {str(tag)[:20]!r} is not a language tag")
        texts = text if isinstance(text, list) else [text]
        if not texts or not all(isinstance(t, str) for t in texts):
            raise BadRequestData(f"attribute {name!r}: the text of {tag!r} must be a string or strings")


def parse_lang(raw: str | None) -> list[str] | None:
    """The languages of ``lang=`` by preference (``["*"]`` for any), or None without it."""
    if raw is None or not raw.strip():
        return None
    weighted = []
    for position, part in enumerate(raw.split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                raise BadRequestData(f"lang: {part.strip()!r} has an invalid q-value") from None
        if tag != "*" and not _TAG_RE.fullmatch(tag):
            raise BadRequestData(f"lang: {tag[:20]!r} is not a language tag")
        weighted.append((-weight, position, tag))
    return [tag for _w, _p, tag in sorted(weighted)]


def _choose(language_map: Mapping[str, Any], languages: list[str]) -> str | None:
    lowered = {str(tag).lower(): tag for tag in language_map}
    for wanted in languages:
        if wanted == "*":
            break
        for candidate in (wanted.lower(), wanted.lower().split("-")[0]):
            if candidate in lowered:
                return lowered[candidate]
    if "@none" in language_map:
        return "@none"
    return next(iter(language_map), None)


def localize(document: Mapping[str, Any], languages: list[str]) -> dict[str, Any]:
    """The document with each LanguageProperty answered in the wanted language (a Property with ``lang``)."""
    out = dict(document)
    for key, member in document.items():
        if isinstance(member, Mapping) and member.get("type") == "LanguageProperty":
            language_map = member.get("languageMap")
            if not isinstance(language_map, Mapping):
                continue
            tag = _choose(language_map, languages)
            if tag is None:
                continue
            converted = {k: v for k, v in member.items() if k != "languageMap"}
            converted["type"] = "Property"
            converted["value"] = language_map[tag]
            if tag != "@none":
                converted["lang"] = tag
            out[key] = converted
    return out
