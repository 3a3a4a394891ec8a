"""The maturity grid as the self-assessment pages use it (``data/maturity_grid.json``).

This module shapes the grid for Django forms; scoring and the radar are the pure module
``beffroi.planning.maturity``'s.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext

DATA_FILE = Path(__file__).resolve().parent / "data" / "maturity_grid.json"

DEFAULT_LEVELS = (
    (0, "Aucune action"),
    (1, "Planifié"),
    (2, "En cours"),
    (3, "Opérationnel et suivi"),
    (4, "Amélioration continue"),
)


@dataclass(frozen=True)
class Question:
    code: str
    text: str
    help: str = ""
    levels: tuple[tuple[int, str], ...] = ()
    follow_up: bool = False
    unlocked_by: str = ""
    rules: tuple[dict, ...] = ()


@dataclass(frozen=True)
class GridIndicator:
    code: str
    label: str
    definition: str = ""
    unit: str = ""
    source: str = ""
    prefill: str = ""
    method: str = ""


@dataclass(frozen=True)
class Domain:
    code: str
    label: str
    questions: tuple[Question, ...]
    indicators: tuple[GridIndicator, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Grid:
    version: str
    levels: tuple[tuple[int, str], ...]
    domains: tuple[Domain, ...]
    raw: dict = field(default_factory=dict, compare=False, repr=False)


def _t(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("fr") or value.get("label") or value.get("text") or "")
    return "" if value is None else str(value)


def _levels(items) -> tuple[tuple[int, str], ...]:
    return tuple(
        (int(level.get("level", level.get("value", i))), _t(level.get("label")))
        for i, level in enumerate(items or [])
    )


@cache
def load() -> Grid:
    if not DATA_FILE.exists():
        return Grid(version="", levels=DEFAULT_LEVELS, domains=())
    with DATA_FILE.open(encoding="utf-8") as handle:
        data = json.load(handle)
    levels = _levels((data.get("scale") or {}).get("levels") or data.get("levels")) or DEFAULT_LEVELS
    unlocked_by: dict[str, str] = {}
    for d in data.get("domains", []):
        for q in d.get("questions", []):
            for rule in q.get("rules") or []:
                for code in rule.get("unlocks") or []:
                    unlocked_by.setdefault(code, str(q["code"]))
    domains = []
    for d in data.get("domains", []):
        questions = tuple(
            Question(
                code=str(q["code"]),
                text=_t(q.get("text") or q.get("label") or q.get("question")),
                help=_t(q.get("help")),
                levels=_levels(q.get("levels")) or levels,
                follow_up=bool(q.get("follow_up")),
                unlocked_by=unlocked_by.get(str(q["code"]), ""),
                rules=tuple(q.get("rules") or ()),
            )
            for q in d.get("questions", [])
        )
        indicators = tuple(
            GridIndicator(
                code=str(i["code"]),
                label=_t(i.get("label") or i.get("name")),
                definition=_t(i.get("definition")),
                unit=_t(i.get("unit")),
                source=_t(i.get("source")),
                prefill=_t(i.get("prefill") or i.get("platform_source")),
                method=_t((i.get("scoring") or {}).get("method")),
            )
            for i in d.get("indicators", [])
        )
        domains.append(
            Domain(
                code=str(d["code"]),
                label=_t(d.get("label") or d.get("title") or d.get("name")),
                questions=questions,
                indicators=indicators,
            )
        )
    return Grid(version=str(data.get("version", "")), levels=levels, domains=tuple(domains), raw=data)


def score(grid: Grid, answers: dict, *, population: int | None = None) -> dict:
    """Scores per domain (0–4), overall, signals and recommended use cases, as stored on the assessment.

    Computed by the pure module ``beffroi.planning.maturity`` (grid ``scoring`` method). Raises
    ``ValueError`` with a French message when an answer does not fit the grid.
    """
    from beffroi.planning import maturity

    pure_grid = maturity.load_grid()
    values: dict[str, Any] = {}
    for domain in grid.domains:
        for indicator in domain.indicators:
            raw = answers.get("indicators", {}).get(indicator.code)
            if raw in (None, ""):
                continue
            values[indicator.code] = raw == "oui" if indicator.method == "yes_no" else str(raw)
    questions = {code: int(level) for code, level in answers.get("questions", {}).items()}
    result = maturity.score_assessment(pure_grid, questions, values, population=population)
    return result.to_dict()


def _decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    return Decimal(str(value))


def radar_svg(
    scores: dict,
    *,
    title: str,
    ident: str,
    name: str = "Diagnostic",
    compare: dict | None = None,
    compare_label: str = "Diagnostic comparé",
) -> str:
    """The accessible radar of ``beffroi.planning.maturity`` for stored scores (and a second series)."""
    from beffroi.planning import maturity

    grid = load()
    if len(grid.domains) < 3:
        return ""
    labels = [f"{d.code}. {d.label}" for d in grid.domains]
    series = [
        maturity.RadarSeries(
            name, [_decimal(scores.get("domains", {}).get(d.code, {}).get("score")) for d in grid.domains]
        )
    ]
    if compare is not None:
        series.append(
            maturity.RadarSeries(
                compare_label,
                [_decimal(compare.get("domains", {}).get(d.code, {}).get("score")) for d in grid.domains],
            )
        )
    overall = _decimal(scores.get("overall"))
    description = (
        gettext("Score global : %(score)s sur 4.") % {"score": number_format(overall, 2)}
        if overall is not None
        else gettext("Aucun domaine évalué.")
    )
    return maturity.radar_svg(labels, series, title=title, description=description, id_prefix=ident)
