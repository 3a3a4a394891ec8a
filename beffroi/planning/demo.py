"""Demo step: Valbourg's self-assessments, a five-project roadmap with financing plans, ready for the report.

Idempotent: assessments are created only when Valbourg has none, projects are keyed by their title. One plan
(détection de fuites d'eau) deliberately fails the CGCT art. L1111-10 check, to show how it is flagged.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import TypeAlias

from django.utils import timezone

from beffroi.core import demo
from beffroi.core.models import Commune
from beffroi.funding import services as funding_services
from beffroi.planning import maturity, services, use_cases
from beffroi.planning.models import Assessment, Project

SEED = 2026

# (use case, title, status, start offset in months, duration in months, investment, operating/yr, stage,
#  phases [(title, start month, months)], indicators [(name, unit, baseline, target, datahub ref)],
#  lines [(funder, mechanism, kind, nature, amount, status, deadline offset in days or None)])
PhaseSeed: TypeAlias = tuple[str, int, int]
IndicatorSeed: TypeAlias = tuple[str, str, str | None, str | None, str]
LineSeed: TypeAlias = tuple[str, str, str, str, str, str, int | None]
ProjectSeed: TypeAlias = tuple[
    str, str, str, int, int, Decimal, Decimal, str, list[PhaseSeed], list[IndicatorSeed], list[LineSeed]
]
PROJECTS: list[ProjectSeed] = [
    (
        "eclairage-intelligent",
        "Éclairage public intelligent",
        Project.Status.IN_PROGRESS,
        -4,
        14,
        Decimal("180000"),
        Decimal("3500"),
        "investissement",
        [("Diagnostic du parc", 0, 3), ("Travaux LED et télégestion", 3, 8), ("Bilan et réglages", 11, 3)],
        [
            ("Consommation annuelle de l'éclairage public", "kWh/an", "410000", "205000", ""),
            (
                "Puissance appelée par les candélabres suivis",
                "W",
                "2400",
                "1200",
                "Streetlight/powerConsumption",
            ),
            ("Points lumineux pilotables", "%", "5", "90", ""),
        ],
        [
            ("Commune de Valbourg", "", "autofinancement", "investment", "46000", "prevu", None),
            (
                "État — Fonds vert",
                "FONDS_VERT_ECLAIRAGE",
                "subvention",
                "investment",
                "90000",
                "obtenu",
                None,
            ),
            ("Syndicat d'énergie", "", "subvention", "investment", "44000", "demande", None),
            ("Commune de Valbourg", "", "autofinancement", "operating", "3500", "prevu", None),
        ],
    ),
    (
        "suivi-energetique-batiments",
        "Suivi énergétique des bâtiments communaux",
        Project.Status.PLANNED,
        2,
        12,
        Decimal("42000"),
        Decimal("2400"),
        "investissement",
        [("Pose des compteurs communicants", 0, 4), ("Tableau de bord et plan d'actions", 4, 8)],
        [
            ("Consommation d'énergie du patrimoine communal", "kWh/m²/an", "185", "150", ""),
            (
                "Énergie relevée par les compteurs des bâtiments",
                "kWh",
                None,
                None,
                "ACMeasurement/activeEnergyImport",
            ),
        ],
        [
            ("Commune de Valbourg", "", "autofinancement", "investment", "12600", "prevu", None),
            ("État — DSIL", "DSIL", "subvention", "investment", "29400", "prevu", 40),
        ],
    ),
    (
        "detection-fuites-eau",
        "Détection de fuites sur le réseau d'eau",
        Project.Status.PLANNED,
        3,
        10,
        Decimal("100000"),
        Decimal("4000"),
        "investissement",
        [("Sectorisation et pose des débitmètres", 0, 5), ("Exploitation et recherche de fuites", 5, 5)],
        [
            (
                "Volumes perdus par fuites",
                "m³/an",
                "61000",
                "35000",
                "WaterConsumptionObserved/waterConsumption",
            )
        ],
        [
            # 15 000 € of own funds for 85 000 € of public aid: the commune brings 15 % < 20 % — flagged.
            ("Commune de Valbourg", "", "autofinancement", "investment", "15000", "prevu", None),
            ("État — DETR", "DETR", "subvention", "investment", "45000", "prevu", 12),
            ("Agence de l'eau", "", "subvention", "investment", "40000", "prevu", 75),
        ],
    ),
    (
        "signalements-citoyens",
        "Signalements en ligne",
        Project.Status.DONE,
        -10,
        6,
        Decimal("6000"),
        Decimal("1200"),
        "fonctionnement",
        [("Mise en service", 0, 2), ("Formation des agents et communication", 2, 4)],
        [("Délai médian de clôture des signalements", "jours", "21", "10", "")],
        [("Commune de Valbourg", "", "autofinancement", "investment", "6000", "verse", None)],
    ),
    (
        "budget-participatif",
        "Budget participatif",
        Project.Status.IDEA,
        6,
        12,
        Decimal("50000"),
        Decimal("3000"),
        "investissement",
        [("Règlement et appel à projets", 0, 3), ("Vote et réalisation des projets lauréats", 3, 9)],
        [("Participants au vote", "% des adultes", "0", "8", "")],
        [
            ("Commune de Valbourg", "", "autofinancement", "investment", "40000", "prevu", None),
            ("Mécène local", "", "prive", "investment", "10000", "prevu", None),
        ],
    ),
]


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, 1)


def _answers(grid: maturity.Grid, rng: random.Random, bias: int) -> dict:
    questions = {}
    indicators = {}
    for domain in grid.domains:
        for question in domain.questions:
            level = max(0, min(4, rng.randint(0, 2) + bias))
            questions[question.code] = level
        for indicator in domain.indicators:
            if indicator.scoring == "percent":
                indicators[indicator.code] = str(min(100, rng.randint(5, 45) + 15 * bias))
            elif indicator.scoring == "yes_no":
                indicators[indicator.code] = "oui" if rng.random() < 0.3 + 0.3 * bias else "non"
    return {"questions": questions, "indicators": indicators}


def _load_assessments(commune: Commune, elu, agent, today: date) -> None:
    if Assessment.objects.filter(commune=commune).exists():
        return
    grid = maturity.load_grid()
    rng = random.Random(SEED)
    for actor, when, bias in ((elu, today - timedelta(days=365), 0), (elu, today, 1), (agent, today, 0)):
        if actor is None:
            continue
        answers = _answers(grid, rng, bias)
        services.assessment_create(
            commune=commune,
            actor=actor,
            grid_version=grid.version,
            answers=answers,
            scores=maturity.score_stored_answers(grid, answers).to_dict(),
            assessed_on=when,
        )


def _load_projects(commune: Commune, elu, today: date) -> None:
    first_of_month = today.replace(day=1)
    for (
        code,
        title,
        status,
        offset,
        months,
        investment,
        operating,
        stage,
        phases,
        indicators,
        lines,
    ) in PROJECTS:
        if Project.objects.filter(commune=commune, title=title).exists():
            continue
        use_case = use_cases.get(code)
        start = _add_months(first_of_month, offset)
        project = services.project_create(
            commune=commune,
            actor=elu,
            title=title,
            use_case_code=code if use_case else "",
            description=(use_case.problem or use_case.summary) if use_case else "",
            status=status,
            stage=stage,
            owner=elu,
            start_date=start,
            end_date=_add_months(start, months) - timedelta(days=1),
            investment_budget=investment,
            operating_budget=operating,
            themes=list(use_case.themes) if use_case else [],
        )
        for phase_title, phase_start, phase_months in phases:
            begin = _add_months(start, phase_start)
            services.phase_add(
                commune=commune,
                actor=elu,
                project=project,
                title=phase_title,
                start_date=begin,
                end_date=_add_months(begin, phase_months) - timedelta(days=1),
            )
        for name, unit, baseline, target, ref in indicators:
            services.indicator_add(
                commune=commune,
                actor=elu,
                project=project,
                name=name,
                unit=unit,
                baseline=Decimal(baseline) if baseline is not None else None,
                target=Decimal(target) if target is not None else None,
                target_date=project.end_date,
                datahub_ref=ref,
            )
        plan = project.financing_plan
        if plan is None:  # project_create always gives the project its plan
            raise RuntimeError(f"Le projet « {title} » n'a pas de plan de financement.")
        for funder, mechanism, kind, nature, amount, line_status, deadline in lines:
            funding_services.line_add(
                commune=commune,
                actor=elu,
                plan=plan,
                funder=funder,
                mechanism_code=mechanism,
                kind=kind,
                cost_nature=nature,
                amount=Decimal(amount),
                status=line_status,
                application_deadline=today + timedelta(days=deadline) if deadline is not None else None,
            )


# Fictional communes of the Côte-d'Or: inland, outside the mountain zone. Valbourg leaves its LEADER group
# unstated so the demo shows an "à vérifier" zonage criterion. Each commune's zonages are recorded by one of
# its own accounts that may plan (its élu, or Hautmesnil's secretary, who administers it).
DEMO_ZONAGES = {
    "valbourg": (
        "elu@demo.test",
        {
            "FRR": "oui",
            "PVD": "oui",
            "ACV": "non",
            "QPV": "non",
            "MONTAGNE": "non",
            "LITTORAL": "non",
            "GAL_LEADER": "inconnu",
        },
    ),
    "hautmesnil": (
        "mairie@hautmesnil.demo.test",
        {
            "FRR": "oui",
            "PVD": "non",
            "ACV": "non",
            "QPV": "non",
            "MONTAGNE": "non",
            "LITTORAL": "non",
            "GAL_LEADER": "oui",
        },
    ),
}


def _load_zonages() -> None:
    from beffroi.accounts.models import User

    for slug, (email, states) in DEMO_ZONAGES.items():
        commune = Commune.objects.filter(slug=slug).first()
        actor = User.objects.filter(email=email).first()
        if commune is not None and actor is not None:
            funding_services.commune_zonages_set(commune=commune, actor=actor, states=states)


@demo.register("planning", order=50)
def load() -> None:
    from beffroi.accounts.models import User

    commune = Commune.objects.filter(slug="valbourg").first()
    if commune is None:
        return
    elu = User.objects.filter(email="elu@demo.test").first()
    agent = User.objects.filter(email="agent@demo.test").first()
    if elu is None:
        return
    today = timezone.localdate()
    _load_zonages()
    _load_assessments(commune, elu, agent, today)
    _load_projects(commune, elu, today)


@demo.register_commune("planning", order=50)
def load_commune(commune: Commune, rng: random.Random) -> None:
    """One more demo commune's self-assessments and projects with their financing plans."""
    from beffroi.accounts.models import User

    elu = User.objects.get(email=f"elu@{commune.slug}.demo.test")
    agent = User.objects.get(email=f"agent@{commune.slug}.demo.test")
    today = timezone.localdate()
    _load_assessments(commune, elu, agent, today)
    _load_projects(commune, elu, today)
