"""The use-case catalogue as the pages and the API show it: records, filters, and a project started from one.

The data is read by the pure ``beffroi.planning.use_case_catalogue`` (``data/use_cases.json``, which the
scoring of the self-assessment reads too) in the visitor's language (the English texts come from
``data/use_cases.en.json``; the platform API answers in French); this module shapes it for the catalogue pages (``views/public.py``), the
recommendations of an assessment (``views/agent.py``), the platform API (``api.py``) and the demo:
``get`` / ``get_or_404``, ``all_use_cases`` and ``filtered`` with ``theme_choices`` and ``size_choices``,
``project_initial`` and ``seed_project`` for a project started from a use case, ``detail_view`` for the
funding mechanisms and theme names of the detail page.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from django.conf import settings
from django.http import Http404
from django.utils.translation import get_language, gettext

from beffroi.core import modules
from beffroi.core.annotations import Actor
from beffroi.core.models import Commune
from beffroi.funding.catalogue import load_mechanisms, load_vocabulary
from beffroi.planning import services
from beffroi.planning.models import Project
from beffroi.planning.use_case_catalogue import load_use_case_data


@dataclass(frozen=True)
class CostRow:
    band: str
    label: str
    investment_min: Decimal | None
    investment_max: Decimal | None
    operating_min: Decimal | None
    operating_max: Decimal | None
    estimate: bool
    source: str
    source_url: str
    note: str
    relevant: bool = True  # False: the use case makes no sense at this size (``source`` then says so)


@dataclass(frozen=True)
class UseCaseIndicator:
    name: str
    unit: str
    definition: str


@dataclass(frozen=True)
class UseCaseRisk:
    kind: str
    risk: str
    mitigation: str


@dataclass(frozen=True)
class UseCaseEntry:
    code: str
    title: str
    summary: str
    problem: str
    prerequisites: tuple[str, ...]
    costs: tuple[CostRow, ...]
    indicators: tuple[UseCaseIndicator, ...]
    risks: tuple[UseCaseRisk, ...]
    module: str | None
    themes: tuple[str, ...]
    funding: tuple[str, ...]
    funding_note: str
    # How the costs were worked out and what they leave out: the same for every size, shown once under the table.
    cost_basis: str = ""
    cost_note: str = ""


def _amount(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


def _language() -> str:
    """The active language's code (``en`` for ``en-gb``): the catalogue's texts are read in it."""
    return (get_language() or settings.LANGUAGE_CODE).split("-")[0]


def _risk_labels(language: str) -> dict[str, str]:
    return {kind["code"]: kind["label"] for kind in load_use_case_data(language).get("risk_kinds", ())}


def _entry(record: dict[str, Any], risk_labels: dict[str, str]) -> UseCaseEntry:
    costs = record.get("costs") or {}
    rows = []
    for band in costs.get("bands", []):
        investment = band.get("investment") or {}
        running = band.get("yearly_running") or {}
        source_url = band.get("source") or ""
        rows.append(
            CostRow(
                band=band["band"],
                label=band["label"],
                investment_min=_amount(investment.get("min")),
                investment_max=_amount(investment.get("max")),
                operating_min=_amount(running.get("min")),
                operating_max=_amount(running.get("max")),
                estimate=bool(band.get("estimate")),
                source=costs.get("basis", "")
                if band.get("relevant", True)
                else gettext("Non pertinent pour cette taille"),
                source_url=source_url,
                note=costs.get("notes") or "",
                relevant=bool(band.get("relevant", True)),
            )
        )
    return UseCaseEntry(
        code=record["code"],
        title=record["name"],
        summary=record["summary"],
        problem=record.get("problem", ""),
        prerequisites=tuple(record.get("prerequisites", ())),
        costs=tuple(rows),
        indicators=tuple(
            UseCaseIndicator(i["label"], i.get("unit") or "", i.get("definition") or "")
            for i in record.get("indicators", ())
        ),
        risks=tuple(
            UseCaseRisk(risk_labels.get(r["kind"], r["kind"]), r["description"], r.get("mitigation") or "")
            for r in record.get("risks", ())
        ),
        module=record.get("beffroi_module"),
        themes=tuple(record.get("themes", ())),
        funding=tuple(record.get("funding", ())),
        funding_note=record.get("funding_note") or "",
        cost_basis=costs.get("basis") or "",
        cost_note=costs.get("notes") or "",
    )


def all_use_cases() -> tuple[UseCaseEntry, ...]:
    """Every use case of the catalogue, its texts in the active language."""
    return _all_use_cases(_language())


@cache
def _all_use_cases(language: str) -> tuple[UseCaseEntry, ...]:
    risk_labels = _risk_labels(language)
    return tuple(_entry(record, risk_labels) for record in load_use_case_data(language)["use_cases"])


def get(code: str) -> UseCaseEntry | None:
    return next((u for u in all_use_cases() if u.code == code), None) if code else None


def get_or_404(code: str) -> UseCaseEntry:
    use_case = get(code)
    if use_case is None:
        raise Http404(gettext("Cas d'usage inconnu."))
    return use_case


def size_choices() -> list[tuple[str, str]]:
    return [(band["code"], band["label"]) for band in load_use_case_data(_language())["size_bands"]]


def theme_choices() -> list[tuple[str, str]]:
    used = {theme for u in all_use_cases() for theme in u.themes}
    return [(code, label) for code, label in load_vocabulary().themes.items() if code in used]


def band_for(population: int | None) -> str:
    """The size band (``500-2000``…) of a commune of that population; empty when unknown or outside the bands."""
    if population is None:
        return ""
    for band in load_use_case_data()["size_bands"]:
        low, high = (int(x) for x in band["code"].split("-"))
        if low <= population < high:
            return band["code"]
    return ""


def filtered(*, theme: str = "", size: str = "") -> list[UseCaseEntry]:
    """The catalogue's use cases of a theme and relevant for a size band (either filter may be empty)."""
    items = list(all_use_cases())
    if theme:
        items = [u for u in items if theme in u.themes]
    if size:
        # Keep the use cases that are relevant for that size band (costs given for it).
        items = [u for u in items if any(c.band == size and c.investment_min is not None for c in u.costs)]
    return items


def project_initial(use_case: UseCaseEntry, *, population: int | None) -> dict[str, Any]:
    """Form values for a project started from a use case: costs of the commune's size band (mid-range)."""
    initial: dict[str, Any] = {
        "title": use_case.title,
        "description": use_case.summary,
        "themes": list(use_case.themes),
    }
    band = band_for(population)
    row = next((c for c in use_case.costs if c.band == band), None)
    if row and row.investment_min is not None and row.investment_max is not None:
        initial["investment_budget"] = ((row.investment_min + row.investment_max) / 2).quantize(Decimal("1"))
    if row and row.operating_min is not None and row.operating_max is not None:
        initial["operating_budget"] = ((row.operating_min + row.operating_max) / 2).quantize(Decimal("1"))
    return initial


def seed_project(*, project: Project, use_case: UseCaseEntry, actor: Actor) -> None:
    """Add the use case's indicators to a new project (targets left to the commune)."""
    for indicator in use_case.indicators:
        services.indicator_add(
            commune=project.commune,
            actor=actor,
            project=project,
            name=indicator.name[:200],
            unit=indicator.unit[:40],
        )


def module_in_use(use_case: UseCaseEntry, *, commune: Commune) -> modules.Module | None:
    """The Beffroi module that carries out the use case for this commune: installed on the instance *and*
    enabled by the commune (``None`` otherwise — the catalogue then promises nothing of Beffroi)."""
    if not use_case.module:
        return None
    module = modules.get(use_case.module)
    return module if module is not None and commune.has_module(module.code) else None


def detail_view(use_case: UseCaseEntry, *, commune: Commune) -> dict[str, Any]:
    """The detail page's extras: the commune's size band, the catalogued funding mechanisms, theme names."""
    by_code = {m.code: m for m in load_mechanisms()}
    themes = load_vocabulary().themes
    return {
        "band": band_for(commune.population),
        "mechanisms": [by_code[code] for code in use_case.funding if code in by_code],
        "theme_labels": [themes.get(t, t) for t in use_case.themes],
        "module": module_in_use(use_case, commune=commune),
    }
