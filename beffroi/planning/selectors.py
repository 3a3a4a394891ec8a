"""Reads of the planning app, always scoped to the commune."""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import ModuleType

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import ngettext

from beffroi.core import dates
from beffroi.core.models import Commune
from beffroi.funding import selectors as funding_selectors
from beffroi.funding.matching import MatchingInputError, MatchResult, ProjectProfile
from beffroi.funding.models import FinancingLine
from beffroi.planning.indicator_units import conversion_factor, is_cumulative, parse_unit, round_measurement
from beffroi.planning.models import Assessment, Project, ProjectIndicator, ProjectPhase

DEADLINE_WINDOW_DAYS = 90
REMINDER_DAYS = 14


def project_list(*, commune: Commune) -> QuerySet[Project]:
    return (
        Project.objects.filter(commune=commune)
        .select_related("owner", "financing_plan")
        .prefetch_related("phases", "indicators")
    )


def roadmap_projects(*, commune: Commune) -> QuerySet[Project]:
    """The projects the commune presents, to its council (the report) and to its residents (the public pages):
    its roadmap less the abandoned projects."""
    return project_list(commune=commune).exclude(status=Project.Status.ABANDONED)


def public_project_list(*, commune: Commune) -> list[Project]:
    """The roadmap as a resident reads it, with the financing lines of each plan fetched at once."""
    return list(roadmap_projects(commune=commune).prefetch_related("financing_plan__lines"))


def public_project_get(*, commune: Commune, pk: int) -> Project:
    """A project of the commune's roadmap for its residents; an abandoned one, or another commune's, is not found."""
    project = (
        roadmap_projects(commune=commune).prefetch_related("financing_plan__lines").filter(pk=pk).first()
    )
    if project is None:
        raise Http404("Ce projet n'existe pas dans cette commune.")
    return project


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


# -- what residents read of the financing -----------------------------------------------------------------

ZERO = Decimal("0.00")
SECURED = (FinancingLine.Status.OBTAINED, FinancingLine.Status.PAID)


@dataclass(frozen=True)
class CostShare:
    """One kind of spending of a project (its investment, or its operating cost per year) and who pays it.

    Counted as the plan counts them: a refused aid brings nothing; a loan is the commune's own share (it repays
    it). ``secured_aid`` is the part of the public aid obtained or paid, the rest still asked or to be asked.
    """

    cost: Decimal = ZERO
    public_aid: Decimal = ZERO
    secured_aid: Decimal = ZERO
    own_share: Decimal = ZERO
    private: Decimal = ZERO

    @property
    def unfunded(self) -> Decimal:
        """What no line of the plan covers yet (never negative)."""
        return max(self.cost - self.public_aid - self.own_share - self.private, ZERO)

    def __add__(self, other: CostShare) -> CostShare:
        return CostShare(
            cost=self.cost + other.cost,
            public_aid=self.public_aid + other.public_aid,
            secured_aid=self.secured_aid + other.secured_aid,
            own_share=self.own_share + other.own_share,
            private=self.private + other.private,
        )


@dataclass(frozen=True)
class PublicFinancing:
    """A project's cost and how it is financed, as the commune publishes it: amounts and funders, without the
    agents' working data (application deadlines, catalogue codes, the co-financing check, refused requests)."""

    investment: CostShare
    operating: CostShare
    lines: tuple[FinancingLine, ...] = ()

    def __add__(self, other: PublicFinancing) -> PublicFinancing:
        return PublicFinancing(
            investment=self.investment + other.investment,
            operating=self.operating + other.operating,
            lines=self.lines + other.lines,
        )


def public_financing(project: Project) -> PublicFinancing:
    """The cost of ``project`` and what its financing plan brings to each kind of spending (lines from the
    prefetch of ``public_project_list`` / ``public_project_get`` when there is one)."""
    plan = project.financing_plan
    lines = [
        line
        for line in (plan.lines.all() if plan is not None else [])
        if line.status != FinancingLine.Status.REFUSED
    ]
    shares = {}
    for nature, cost in (
        (FinancingLine.CostNature.INVESTMENT, project.investment_budget),
        (FinancingLine.CostNature.OPERATING, project.operating_budget),
    ):
        found = [line for line in lines if line.cost_nature == nature]
        public = [line for line in found if line.funder_type == "public"]
        shares[nature] = CostShare(
            cost=Decimal(cost or 0),
            public_aid=sum((line.amount for line in public), ZERO),
            secured_aid=sum((line.amount for line in public if line.status in SECURED), ZERO),
            own_share=sum((line.amount for line in found if line.funder_type == "own_funds"), ZERO),
            private=sum((line.amount for line in found if line.funder_type == "private"), ZERO),
        )
    operating = shares[FinancingLine.CostNature.OPERATING]
    # The yearly operating cost no line covers is paid from the commune's budget (funding's « fonctionnement
    # non financé par ce plan, à la charge du budget communal »): it is the commune's share, not a gap.
    operating = replace(operating, own_share=operating.own_share + operating.unfunded)
    return PublicFinancing(
        investment=shares[FinancingLine.CostNature.INVESTMENT], operating=operating, lines=tuple(lines)
    )


def public_financing_total(projects: Iterable[Project]) -> PublicFinancing:
    """The cost and financing of the whole roadmap (the funders' lines are left out: each project lists its own)."""
    total = PublicFinancing(investment=CostShare(), operating=CostShare())
    for project in projects:
        total += replace(public_financing(project), lines=())
    return total


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
        """« 1er trimestre 2027 » (« Q1 2027 » in English)."""
        return dates.quarter(self.quarter, self.year)


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


def _optional_module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _optional_selectors(app: str) -> ModuleType | None:
    return _optional_module(f"beffroi.{app}.selectors")


def _datahub_readers() -> tuple[ModuleType, ModuleType] | None:
    """The data hub's selectors and labels when it is installed and offers what the roadmap reads, else None."""
    datahub = _optional_selectors("datahub")
    labels = _optional_module("beffroi.datahub.labels")
    if (
        datahub is None
        or labels is None
        or not hasattr(datahub, "dashboard_entities")
        or not hasattr(datahub, "latest_values")
    ):
        return None
    return datahub, labels


def datahub_series(*, commune: Commune) -> list[tuple[str, str]]:
    """What an indicator may follow in the commune's data hub: each kind of equipment and what its sensors
    measure, as (« Type/attribut », words with the number of sensors), sorted by the words. Empty when the data
    hub is not installed."""
    readers = _datahub_readers()
    if readers is None:
        return []
    datahub, labels = readers
    entities = list(datahub.dashboard_entities(commune=commune, see_all=True)[:5000])
    type_of = {entity.pk: entity.type_name for entity in entities}
    sensors: dict[tuple[str, str], int] = {}
    for pk, attributes in datahub.latest_values(entities=entities).items():
        for name in attributes:
            sensors[(type_of[pk], name)] = sensors.get((type_of[pk], name), 0) + 1
    series = [
        (
            f"{type_name}/{name}",
            ngettext(
                "%(kind)s — %(measure)s (%(count)s capteur)",
                "%(kind)s — %(measure)s (%(count)s capteurs)",
                count,
            )
            % {"kind": labels.type_label(type_name), "measure": labels.attribute_label(name), "count": count},
        )
        for (type_name, name), count in sensors.items()
    ]
    return sorted(series, key=lambda choice: choice[1].casefold())


@dataclass(frozen=True)
class LiveValue:
    """What the data hub measured for an indicator, said for what it is.

    With ``period_days``: the readings added up over the indicator's period (the days from ``start`` to ``end``,
    ``measured_days`` of them with readings), converted to the indicator's unit. Without: the latest reading
    (``at``), in the indicator's unit when the sensor measures the same thing, else in the sensor's own unit
    (``unit_differs``: the page then says it is not a value in the indicator's unit).
    """

    value: Decimal
    unit: str
    sensors: int
    attribute_label: str
    type_label: str
    at: datetime | None = None
    period_days: int | None = None
    start: date | None = None
    end: date | None = None
    measured_days: int = 0
    unit_differs: bool = False


def indicator_live_value(
    indicator: ProjectIndicator, *, commune: Commune, now: datetime | None = None
) -> LiveValue | None:
    """What the data-hub attribute an indicator follows measures (summed over the entities of that type).

    An indicator per period (« m³/an ») of a quantity that adds up (a volume, an energy) reads the daily totals
    of the last period, never the latest reading: a reading of the last hour is not a yearly volume. Read only
    through ``beffroi.datahub.selectors`` when it offers ``dashboard_entities`` and ``latest_values``; ``None``
    otherwise (the page then shows the target only).
    """
    if not indicator.datahub_ref or "/" not in indicator.datahub_ref:
        return None
    readers = _datahub_readers()
    if readers is None:
        return None
    datahub, labels = readers
    entity_type, attribute = indicator.datahub_ref.split("/", 1)
    try:
        entities = list(
            datahub.dashboard_entities(commune=commune, see_all=True, type_name=entity_type)[:500]
        )
        values = datahub.latest_values(entities=entities)
        total, sensors, latest_at, unit_code = Decimal(0), 0, None, ""
        for attributes in values.values():
            if attribute in attributes:
                value, at, unit = attributes[attribute]
                if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
                    total += Decimal(str(value))
                    sensors += 1
                    latest_at = max(latest_at, at) if latest_at else at
                    unit_code = unit_code or unit or ""
        if not sensors:
            return None
        symbol = labels.unit_label(unit_code)
        wanted = parse_unit(indicator.unit)
        latest = LiveValue(
            value=round_measurement(total),
            unit=symbol,
            sensors=sensors,
            attribute_label=str(labels.attribute_label(attribute)),
            type_label=str(labels.type_label(entity_type)),
            at=latest_at,
            unit_differs=bool(wanted.quantity),
        )
        if wanted.period_days and is_cumulative(symbol) and hasattr(datahub, "daily_totals"):
            factor = conversion_factor(symbol, wanted.quantity)
            if factor is not None:
                end = (now or timezone.now()).replace(hour=0, minute=0, second=0, microsecond=0)
                days = datahub.daily_totals(
                    entities=entities,
                    attribute_suffix=attribute,
                    start=end - timedelta(days=wanted.period_days),
                    end=end,
                )
                if days:
                    return replace(
                        latest,
                        value=round_measurement(Decimal(str(sum(days.values()))) * factor),
                        unit=wanted.quantity,
                        at=None,
                        period_days=wanted.period_days,
                        start=min(days).date(),
                        end=(end - timedelta(days=1)).date(),
                        measured_days=len(days),
                        unit_differs=False,
                    )
        factor = None if wanted.period_days else conversion_factor(symbol, wanted.quantity)
        if factor is not None:
            return replace(
                latest, value=round_measurement(total * factor), unit=wanted.quantity, unit_differs=False
            )
        return latest
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
