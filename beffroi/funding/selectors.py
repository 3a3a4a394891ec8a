"""Reads of the funding app: the mechanism catalogue, matching, financing plans (always scoped to the commune)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache

from django.http import Http404

from beffroi.core.models import Commune
from beffroi.funding.catalogue import Mechanism, Vocabulary, load_mechanisms, load_vocabulary
from beffroi.funding.cofinancing import (
    BalanceResult,
    CofinancingResult,
    CostNature,
    FunderType,
    check_balance,
    check_minimum_participation,
)
from beffroi.funding.cofinancing import (
    FinancingLine as RuleLine,
)
from beffroi.funding.matching import (
    CommuneProfile,
    MatchingEngine,
    MatchResult,
    ProjectProfile,
    TerritoryScope,
    territory_scope,
)
from beffroi.funding.models import CommuneZonage, FinancingLine, FinancingPlan


def vocabulary() -> Vocabulary:
    return load_vocabulary()


def mechanism_list(
    *, theme: str = "", stage: str = "", funder_kind: str = "", query: str = ""
) -> list[Mechanism]:
    """The curated catalogue, optionally filtered (theme code, stage code, funder kind, free text)."""
    result = []
    needle = query.strip().lower()
    for mechanism in load_mechanisms():
        if theme and not (mechanism.all_themes or theme in mechanism.themes):
            continue
        if stage and stage not in mechanism.stages:
            continue
        if funder_kind and mechanism.funder_kind != funder_kind:
            continue
        if (
            needle
            and needle not in f"{mechanism.name} {mechanism.funder_name} {mechanism.description}".lower()
        ):
            continue
        result.append(mechanism)
    return result


@dataclass(frozen=True, slots=True)
class CatalogueEntry:
    """One mechanism of the catalogue as a commune sees it: where it may be sought, whether it is closed."""

    mechanism: Mechanism
    scope: TerritoryScope
    closed: bool


@dataclass(frozen=True, slots=True)
class CommuneCatalogue:
    """The catalogue page of one commune: the open mechanisms of its territory, the closed ones apart.

    ``elsewhere_count`` mechanisms reserved to another territory and ``closed_count`` closed ones were left out
    of ``entries``; the closed ones are in ``closed`` only when asked for. ``territory_known`` is false when
    the commune's département is not recorded: nothing can then be left out for its territory.
    """

    entries: list[CatalogueEntry]
    closed: list[CatalogueEntry]
    elsewhere_count: int
    closed_count: int
    territory: str  # « Côte-d'Or, Bourgogne-Franche-Comté », or "" when the département is not recorded

    @property
    def territory_known(self) -> bool:
        return bool(self.territory)


def mechanism_catalogue(
    *,
    commune: Commune,
    today: date,
    theme: str = "",
    stage: str = "",
    funder_kind: str = "",
    query: str = "",
    all_zones: bool = False,
    with_closed: bool = False,
) -> CommuneCatalogue:
    """The catalogue for ``commune``, as Aides-territoires searches it by perimeter: national and European
    mechanisms and those of the commune's region, département or intercommunality; another territory's only
    with ``all_zones``. Closed mechanisms (marked closed, or past their deadline on ``today``) are never mixed
    with the open ones: listed apart with ``with_closed``, else only counted."""
    profile = commune_profile(commune=commune)
    entries: list[CatalogueEntry] = []
    closed: list[CatalogueEntry] = []
    elsewhere = 0
    for mechanism in mechanism_list(theme=theme, stage=stage, funder_kind=funder_kind, query=query):
        scope = _scope(mechanism, profile)
        if scope is TerritoryScope.ELSEWHERE and not all_zones:
            elsewhere += 1
            continue
        entry = CatalogueEntry(mechanism=mechanism, scope=scope, closed=mechanism.is_closed(today))
        (closed if entry.closed else entries).append(entry)
    return CommuneCatalogue(
        entries=entries,
        closed=closed if with_closed else [],
        elsewhere_count=elsewhere,
        closed_count=len(closed),
        territory=_territory_words(profile),
    )


@dataclass(frozen=True)
class MechanismPlace:
    """Where a mechanism may be sought seen from a commune, and the commune's territory in words."""

    scope: TerritoryScope
    territory: str


def mechanism_place(*, commune: Commune, mechanism: Mechanism) -> MechanismPlace:
    """Where ``mechanism`` may be sought, seen from ``commune`` (its sheet says when it is for elsewhere), and
    the commune's département and region in words, from one reading of the commune's profile."""
    profile = commune_profile(commune=commune)
    return MechanismPlace(scope=_scope(mechanism, profile), territory=_territory_words(profile))


def _scope(mechanism: Mechanism, profile: CommuneProfile) -> TerritoryScope:
    scope = territory_scope(mechanism, profile)
    if scope is TerritoryScope.ELSEWHERE and not profile.departement:
        return TerritoryScope.UNKNOWN  # not shown to be outside: the commune's place is not recorded
    return scope


def _territory_words(profile: CommuneProfile) -> str:
    """The commune's département and region as the catalogue names them (« Côte-d'Or,
    Bourgogne-Franche-Comté »); empty when the département is not recorded."""
    if not profile.departement:
        return ""
    vocab = load_vocabulary()
    return f"{vocab.departements[profile.departement][0]}, {vocab.region_name(profile.region)}"


def catalogue_counts() -> dict[str, int]:
    """How many mechanisms the catalogue holds (``total``) and how many were checked against their source
    (``verified_count``)."""
    mechanisms = load_mechanisms()
    return {"total": len(mechanisms), "verified_count": sum(1 for m in mechanisms if m.verified_on)}


def mechanism_get(*, code: str) -> Mechanism:
    for mechanism in load_mechanisms():
        if mechanism.code == code:
            return mechanism
    raise Http404("Ce dispositif n'est pas au catalogue.")


def mechanisms_by_code(codes: Iterable[str]) -> list[Mechanism]:
    wanted = set(codes)
    return [m for m in load_mechanisms() if m.code in wanted]


@cache
def matching_engine() -> MatchingEngine:
    return MatchingEngine(load_mechanisms(), load_vocabulary())


def commune_zonages(*, commune: Commune) -> dict[str, str]:
    """Every zonage of the vocabulary with the commune's recorded state (``oui`` / ``non`` / ``inconnu``)."""
    recorded = dict(CommuneZonage.objects.filter(commune=commune).values_list("code", "state"))
    return {code: recorded.get(code, CommuneZonage.State.UNKNOWN) for code in load_vocabulary().zonages}


def commune_zonage_summary(*, commune: Commune) -> dict[str, list[str]]:
    """French labels of the zonages the commune is in (``oui``), is not in (``non``), or has not stated."""
    labels = load_vocabulary().zonages
    summary: dict[str, list[str]] = {"oui": [], "non": [], "inconnu": []}
    for code, state in commune_zonages(commune=commune).items():
        summary[state].append(labels[code][0])
    return summary


def commune_profile(*, commune: Commune) -> CommuneProfile:
    """The commune as an applicant, with its recorded zonages (unknown ones stay "à vérifier").

    Local conditions (memberships of a syndicat, financial potential) are not recorded: they stay "à vérifier".
    """
    departement = commune.departement_code or ""
    if departement not in load_vocabulary().departements:
        departement = ""
    zonages = commune_zonages(commune=commune)
    return CommuneProfile(
        population=int(commune.population or 0),
        departement=departement,
        kind="commune",
        name=commune.name,
        epci=commune.epci,
        epci_siren=commune.epci_siren,
        zonages=frozenset(c for c, s in zonages.items() if s == CommuneZonage.State.YES),
        zonages_absent=frozenset(c for c, s in zonages.items() if s == CommuneZonage.State.NO),
    )


def mechanism_match(*, commune: Commune, project: ProjectProfile, today: date) -> list[MatchResult]:
    """Every mechanism of the catalogue with its verdict for this project; matching ones first."""
    results = matching_engine().match(commune_profile(commune=commune), project, today=today)
    return sorted(results, key=lambda r: not r.matched)


def mechanism_list_for_commune(*, commune: Commune, today: date, keep: str = "") -> list[Mechanism]:
    """The mechanisms the commune may still seek (its kind and size, its territory, its zonages), by the rule
    of :func:`mechanism_match`, whatever the project, less those closed on ``today``; ``keep`` adds a mechanism
    already chosen on a line, so editing the line never drops it silently."""
    mechanisms = [
        m for m in matching_engine().open_to(commune_profile(commune=commune)) if not m.is_closed(today)
    ]
    if keep and all(m.code != keep for m in mechanisms):
        mechanisms += mechanisms_by_code([keep])
    return mechanisms


# -- financing plans ------------------------------------------------------------------------------------


def plan_get(*, commune: Commune, pk: int) -> FinancingPlan:
    plan = FinancingPlan.objects.filter(commune=commune, pk=pk).first()
    if plan is None:
        raise Http404("Ce plan de financement n'existe pas dans cette commune.")
    return plan


def line_get(*, plan: FinancingPlan, pk: int) -> FinancingLine:
    line = plan.lines.filter(pk=pk).first()
    if line is None:
        raise Http404("Cette ligne n'existe pas dans ce plan de financement.")
    return line


def plan_lines(*, plan: FinancingPlan) -> list[FinancingLine]:
    return list(plan.lines.all())


def plan_totals(*, lines: Iterable[FinancingLine]) -> dict[str, Decimal]:
    """Totals shown under the plan; refused lines are listed but bring nothing."""
    totals = {
        "investment": Decimal("0.00"),
        "operating": Decimal("0.00"),
        "own": Decimal("0.00"),
        "public": Decimal("0.00"),
        "private": Decimal("0.00"),
        "refused": Decimal("0.00"),
        "all": Decimal("0.00"),
    }
    for line in lines:
        if line.status == FinancingLine.Status.REFUSED:
            totals["refused"] += line.amount
            continue
        totals["all"] += line.amount
        totals["investment" if line.cost_nature == FinancingLine.CostNature.INVESTMENT else "operating"] += (
            line.amount
        )
        totals[{"own_funds": "own", "public": "public", "private": "private"}[line.funder_type]] += (
            line.amount
        )
    return totals


def rule_lines(lines: Iterable[FinancingLine]) -> list[RuleLine]:
    """Plan lines in the shape of the pure rule; a refused aid funds nothing, so it is left out."""
    return [
        RuleLine(
            funder_type=FunderType(line.funder_type),
            cost_nature=CostNature(line.cost_nature),
            amount=line.amount,
            label=line.funder,
        )
        for line in lines
        if line.status != FinancingLine.Status.REFUSED
    ]


def plan_check(*, plan: FinancingPlan, lines: Iterable[FinancingLine] | None = None) -> CofinancingResult:
    """CGCT art. L1111-10 III check of the plan as saved."""
    lines = plan_lines(plan=plan) if lines is None else lines
    return check_minimum_participation(
        rule_lines(lines),
        regime=plan.regime,
        prefect_decision=plan.prefect_decision,
        ctec_derogation=plan.ctec_derogation,
    )


def plan_balance(
    *, plan: FinancingPlan, lines: Iterable[FinancingLine] | None = None
) -> BalanceResult | None:
    """The plan's resources against its project's cost (planning links a project to the plan; ``None`` when no
    project is linked, so there is no cost to balance)."""
    project = getattr(plan, "project", None)
    if project is None:
        return None
    lines = plan_lines(plan=plan) if lines is None else lines
    return check_balance(
        rule_lines(lines),
        investment_cost=Decimal(project.investment_budget or 0),
        operating_cost=Decimal(project.operating_budget or 0),
    )


def line_deadlines(*, commune: Commune, start: date, end: date) -> list[FinancingLine]:
    """Lines still to file whose application deadline falls in [start, end]."""
    return list(
        FinancingLine.objects.filter(
            plan__commune=commune,
            application_deadline__gte=start,
            application_deadline__lte=end,
            status=FinancingLine.Status.PLANNED,
        )
        .select_related("plan")
        .order_by("application_deadline", "pk")
    )
