"""The smart-territory use-case catalogue, read from ``data/use_cases.json`` (pure, no Django).

The pages use the Django-side helpers of ``beffroi.planning.use_cases``; this module only loads the data.
The French file is the source; another language reads the same records with their texts replaced from a
companion file ``data/use_cases.<language>.json`` (French text → translated text, so a text repeated in
several use cases is translated once). A text without a translation stays French; codes, figures and
addresses are never translated.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True, slots=True)
class UseCase:
    code: str
    name: str
    summary: str
    themes: tuple[str, ...]
    maturity_domains: tuple[str, ...]
    funding: tuple[str, ...]
    beffroi_module: str | None
    relevant_from_population: int | None
    data: Mapping[str, Any]  # the full record (costs, indicators, risks…) for pages and the API

    def is_relevant_for(self, population: int | None) -> bool | None:
        """None when the population is unknown."""
        if population is None:
            return None
        return self.relevant_from_population is None or population >= self.relevant_from_population


# The members whose text is read by people (everything else is a code, a number or an address).
TEXT_KEYS = frozenset(
    {
        "description",
        "name",
        "summary",
        "problem",
        "prerequisites",
        "basis",
        "notes",
        "label",
        "unit",
        "definition",
        "mitigation",
        "funding_note",
        "competence_note",
    }
)


def load_use_case_data(language: str = "fr") -> dict[str, Any]:
    """The catalogue's records, with their texts in `language` where the companion file translates them."""
    with (DATA_DIR / "use_cases.json").open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    translations = load_translations(language)
    if translations:
        translated: dict[str, Any] = translate_texts(data, translations)
        return translated
    return data


@cache
def load_translations(language: str) -> dict[str, str]:
    """French text → text in `language` (``data/use_cases.<language>.json``); empty for French or no file."""
    language = language.split("-")[0].lower()
    path = DATA_DIR / f"use_cases.{language}.json"
    if language == "fr" or not language.isalpha() or not path.exists():
        return {}
    with path.open(encoding="utf-8") as handle:
        translations: dict[str, str] = json.load(handle)["translations"]
    return translations


def translate_texts(value: Any, translations: Mapping[str, str], key: str | None = None) -> Any:
    """A copy of `value` whose texts under TEXT_KEYS are replaced by their translation (when there is one)."""
    if isinstance(value, str):
        return translations.get(value, value) if key in TEXT_KEYS else value
    if isinstance(value, dict):
        return {k: translate_texts(v, translations, k) for k, v in value.items()}
    if isinstance(value, list):
        return [translate_texts(item, translations, key) for item in value]
    return value


@cache
def load_use_cases() -> tuple[UseCase, ...]:
    return tuple(
        UseCase(
            code=record["code"],
            name=record["name"],
            summary=record["summary"],
            themes=tuple(record["themes"]),
            maturity_domains=tuple(record["maturity_domains"]),
            funding=tuple(record["funding"]),
            beffroi_module=record["beffroi_module"],
            relevant_from_population=record.get("relevant_from_population"),
            data=record,
        )
        for record in load_use_case_data()["use_cases"]
    )


def use_cases_by_code() -> dict[str, UseCase]:
    return {use_case.code: use_case for use_case in load_use_cases()}
