"""The use-case catalogue as the pages use it: normalised records, filters, and seeding a project from one.

RECONSTRUCTED: the original of this module was overwritten by mistake by the session that writes the pure
planning modules (it wrote its loader at this same path). This version re-implements the interface that
``views.py``, ``views_assessment.py`` and the templates call (get, get_or_404, all_use_cases, filtered,
theme_choices, size_choices, project_initial, seed_project, detail_view); check it against your intent.
The data is loaded by the pure module ``beffroi.planning.use_case_catalogue``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from django.http import Http404

from beffroi.planning.use_case_catalogue import load_use_case_data

RISK_LABELS = {
    "rgpd": "Données personnelles (RGPD)",
    "sobriete_numerique": "Sobriété numérique",
    "dependance_fournisseur": "Dépendance à un fournisseur",
    "securite": "Sécurité informatique",
    "fracture_numerique": "Fracture numérique",
    "acceptabilite": "Acceptabilité",
}


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


@dataclass(frozen=True)
class UseCaseIndicator:
    name: str
    unit: str
    definition: str
    datahub: bool


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
    relevant_from_population: int | None
    maturity_domains: tuple[str, ...]


def _amount(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


def _entry(record: dict[str, Any]) -> UseCaseEntry:
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
                else "Non pertinent pour cette taille",
                source_url=source_url,
                note=costs.get("notes") or "",
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
            UseCaseIndicator(
                i["label"], i.get("unit") or "", i.get("definition") or "", bool(i.get("datahub"))
            )
            for i in record.get("indicators", ())
        ),
        risks=tuple(
            UseCaseRisk(RISK_LABELS.get(r["kind"], r["kind"]), r["description"], r.get("mitigation") or "")
            for r in record.get("risks", ())
        ),
        module=record.get("beffroi_module"),
        themes=tuple(record.get("themes", ())),
        funding=tuple(record.get("funding", ())),
        funding_note=record.get("funding_note") or "",
        relevant_from_population=record.get("relevant_from_population"),
        maturity_domains=tuple(record.get("maturity_domains", ())),
    )


@cache
def all_use_cases() -> tuple[UseCaseEntry, ...]:
    return tuple(_entry(record) for record in load_use_case_data()["use_cases"])


def get(code: str) -> UseCaseEntry | None:
    return next((u for u in all_use_cases() if u.code == code), None) if code else None


def get_or_404(code: str) -> UseCaseEntry:
    use_case = get(code)
    if use_case is None:
        raise Http404("Cas d'usage inconnu.")
    return use_case


def size_choices() -> list[tuple[str, str]]:
    return [(band["code"], band["label"]) for band in load_use_case_data()["size_bands"]]


def theme_choices() -> list[tuple[str, str]]:
    from beffroi.funding.catalogue import load_vocabulary

    used = {theme for u in all_use_cases() for theme in u.themes}
    return [(code, label) for code, label in load_vocabulary().themes.items() if code in used]


def band_for(population: int | None) -> str:
    if population is None:
        return ""
    for band in load_use_case_data()["size_bands"]:
        low, high = (int(x) for x in band["code"].split("-"))
        if low <= population < high:
            return band["code"]
    return ""


def filtered(*, theme: str = "", size: str = "") -> list[UseCaseEntry]:
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


def seed_project(*, project, use_case: UseCaseEntry, actor) -> None:
    """Add the use case's indicators to a new project (targets left to the commune)."""
    from beffroi.planning import services

    for indicator in use_case.indicators:
        services.indicator_add(
            commune=project.commune,
            actor=actor,
            project=project,
            name=indicator.name[:200],
            unit=indicator.unit[:40],
        )


def detail_view(use_case: UseCaseEntry, *, commune) -> dict[str, Any]:
    from beffroi.funding.catalogue import load_mechanisms, load_vocabulary

    by_code = {m.code: m for m in load_mechanisms()}
    themes = load_vocabulary().themes
    return {
        "band": band_for(getattr(commune, "population", None)),
        "mechanisms": [by_code[code] for code in use_case.funding if code in by_code],
        "theme_labels": [themes.get(t, t) for t in use_case.themes],
    }
