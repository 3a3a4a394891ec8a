"""Reads of the planning app, always scoped to the commune."""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from types import ModuleType
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from beffroi.core.models import Commune
from beffroi.funding import selectors as funding_selectors
from beffroi.funding.matching import MatchingInputError, MatchResult, ProjectProfile
from beffroi.funding.models import FinancingLine
from beffroi.planning.models import Assessment, Project, ProjectIndicator, ProjectPhase

DEADLINE_WINDOW_DAYS = 90
REMINDER_DAYS = 14


def project_list(*, commune: Commune) -> QuerySet[Project]:
    return (
        Project.objects.filter(commune=commune)
        .select_related("owner", "financing_plan")
        .prefetch_related("phases", "indicators")
    )


def project_get(*, commune: Commune, pk: int) -> Project:
    project = project_list(commune=commune).filter(pk=pk).first()
    if project is None:
        raise Http404("Ce projet n'existe pas dans cette commune.")
    return project


def phase_get(*, project: Project, pk: int) -> ProjectPhase:
    phase = project.phases.filter(pk=pk).first()
    if phase is None:
        raise Http404("Cette phase n'existe pas.")
    return phase


def indicator_get(*, project: Project, pk: int) -> ProjectIndicator:
    indicator = project.indicators.filter(pk=pk).first()
    if indicator is None:
        raise Http404("Cet indicateur n'existe pas.")
    return indicator


def assessment_list(*, commune: Commune) -> QuerySet[Assessment]:
    return Assessment.objects.filter(commune=commune).order_by("-assessed_on", "-pk")


def assessment_latest(*, commune: Commune) -> Assessment | None:
    return assessment_list(commune=commune).first()


def assessment_for_report(*, commune: Commune) -> Assessment | None:
    """The assessment the council report presents: the one an élu chose, else the latest validated one
    (a draft never)."""
    validated = assessment_list(commune=commune).filter(is_draft=False)
    return validated.filter(used_in_report=True).first() or validated.first()


def assessment_earliest_validated(*, commune: Commune, before: Assessment) -> Assessment | None:
    """The first validated assessment older than ``before``: the report's point of comparison."""
    return (
        assessment_list(commune=commune)
        .filter(is_draft=False, assessed_on__lte=before.assessed_on)
        .exclude(pk=before.pk)
        .order_by("assessed_on", "pk")
        .first()
    )


def assessment_get(*, commune: Commune, pk: int) -> Assessment:
    assessment = assessment_list(commune=commune).filter(pk=pk).first()
    if assessment is None:
        raise Http404("Cet auto-diagnostic n'existe pas dans cette commune.")
    return assessment


# -- funding ---------------------------------------------------------------------------------------------


def project_profile(project: Project) -> ProjectProfile:
    """The project as the matching engine sees it (themes, stage, costs, dates)."""
    known = funding_selectors.vocabulary().themes
    return ProjectProfile(
        themes=frozenset(t for t in (project.themes or []) if t in known),
        stage=project.stage,
        investment_cost=Decimal(project.investment_budget or 0),
        operating_cost=Decimal(project.operating_budget or 0),
        start_date=project.start_date,
        end_date=project.end_date,
        name=project.title,
    )


def project_matches(*, commune: Commune, project: Project, today: date) -> list[MatchResult]:
    """Every mechanism with its verdict and reasons for this project (matching ones first)."""
    try:
        profile = project_profile(project)
    except MatchingInputError:
        return []
    return funding_selectors.mechanism_match(commune=commune, project=profile, today=today)


@dataclass(frozen=True)
class Deadline:
    project: Project
    line: FinancingLine
    days_left: int


def upcoming_deadlines(*, commune: Commune, today: date, days: int = DEADLINE_WINDOW_DAYS) -> list[Deadline]:
    """Applications still to file with a deadline in the next ``days`` days, soonest first."""
    lines = funding_selectors.line_deadlines(commune=commune, start=today, end=today + timedelta(days=days))
    projects = {
        p.financing_plan_id: p
        for p in Project.objects.filter(
            commune=commune, financing_plan_id__in={line.plan_id for line in lines}
        )
    }
    return [
        Deadline(project=projects[line.plan_id], line=line, days_left=(deadline - today).days)
        for line in lines
        # line_deadlines only returns lines with a deadline in the window: the None check narrows the type.
        if line.plan_id in projects and (deadline := line.application_deadline) is not None
    ]


# -- timeline -------------------------------------------------------------------------------------------


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def quarter_start(year: int, quarter: int) -> date:
    return date(year, 3 * (quarter - 1) + 1, 1)


def quarter_end(year: int, quarter: int) -> date:
    if quarter == 4:
        return date(year, 12, 31)
    return quarter_start(year, quarter + 1) - timedelta(days=1)


@dataclass(frozen=True)
class Quarter:
    year: int
    quarter: int
    start: date
    end: date
    items: list[tuple[Project, ProjectPhase | None]]  # the projects, and their phase, running in the quarter

    @property
    def label(self) -> str:
        return f"T{self.quarter} {self.year}"


def timeline(*, projects: Iterable[Project]) -> list[Quarter]:
    """Quarters from the first start to the last end, each listing the projects and phases running in it."""
    spans: list[tuple[date, date, Project, ProjectPhase | None]] = []
    for project in projects:
        phases = list(project.phases.all())
        if phases:
            for phase in phases:
                spans.append((phase.start_date, phase.end_date, project, phase))
        else:
            spans.append((project.start_date, project.end_date or project.start_date, project, None))
    if not spans:
        return []
    first = min(s[0] for s in spans)
    last = max(s[1] for s in spans)
    year, q = quarter_of(first)
    quarters = []
    while quarter_start(year, q) <= last:
        q_start, q_end = quarter_start(year, q), quarter_end(year, q)
        items = [
            (project, phase) for start, end, project, phase in spans if start <= q_end and end >= q_start
        ]
        quarters.append(Quarter(year, q, q_start, q_end, items))
        year, q = (year + 1, 1) if q == 4 else (year, q + 1)
        if len(quarters) > 80:  # 20 years: enough for any municipal roadmap
            break
    return quarters


# -- other apps' data, read only through their selectors when they exist -----------------------------------


def _optional_selectors(app: str) -> ModuleType | None:
    try:
        return importlib.import_module(f"beffroi.{app}.selectors")
    except ImportError:
        return None


def indicator_live_value(indicator: ProjectIndicator, *, commune: Commune) -> dict[str, Any] | None:
    """Latest value of the data-hub attribute an indicator follows (summed over the entities of that type).

    Read only through ``beffroi.datahub.selectors`` when it offers ``dashboard_entities`` and
    ``latest_values``; ``None`` otherwise (the page then shows the target only).
    """
    if not indicator.datahub_ref or "/" not in indicator.datahub_ref:
        return None
    datahub = _optional_selectors("datahub")
    if datahub is None or not hasattr(datahub, "dashboard_entities") or not hasattr(datahub, "latest_values"):
        return None
    entity_type, attribute = indicator.datahub_ref.split("/", 1)
    try:
        entities = list(
            datahub.dashboard_entities(commune=commune, see_all=True, type_name=entity_type)[:500]
        )
        values = datahub.latest_values(entities=entities)
        total, found, latest_at = Decimal(0), False, None
        for attributes in values.values():
            if attribute in attributes:
                value, at, _unit = attributes[attribute]
                if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
                    total += Decimal(str(value))
                    found = True
                    latest_at = max(latest_at, at) if latest_at else at
        return {"value": total, "at": latest_at, "entities": len(entities)} if found else None
    except Exception:  # another app's reader must never break the roadmap page
        return None


def platform_facts(*, commune: Commune) -> dict[str, object]:
    """Indicators the platform already knows, to pre-fill the self-assessment (population always)."""
    facts: dict[str, object] = {"territory.population": commune.population}
    datahub = _optional_selectors("datahub")
    if datahub is not None and hasattr(datahub, "entity_types_count"):
        try:
            counts = datahub.entity_types_count(commune=commune, see_all=True)
            facts["datahub.sensor_count"] = sum(n for _type, n in counts)
        except Exception:  # a probe of another app must never break the form
            pass
    reports = _optional_selectors("reports")
    if reports is not None and hasattr(reports, "report_stats"):
        try:
            stats = reports.report_stats(commune=commune)
            facts["reports.yearly_count"] = sum(c["total"] for c in stats.get("categories", []))
            medians = [
                c["median_days"] for c in stats.get("categories", []) if c.get("median_days") is not None
            ]
            if medians:
                facts["reports.median_close_days"] = sorted(medians)[len(medians) // 2]
        except Exception:
            pass
    return facts
