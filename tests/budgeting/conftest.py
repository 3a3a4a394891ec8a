"""Fixtures of the budgeting tests: vendored pabulib files (pure tests) and budgets built through the services
(Django tests)."""

from datetime import timedelta
from functools import cache
from pathlib import Path

import pytest
from django.utils import timezone

from beffroi.budgeting import services
from beffroi.budgeting.models import Project, ProjectStatus
from beffroi.budgeting.pabulib import PabulibFile, read_pabulib

PABULIB_DIR = Path(__file__).resolve().parents[1] / "data" / "pabulib"


@cache
def _read(name: str) -> PabulibFile:
    return read_pabulib(PABULIB_DIR / name)


@pytest.fixture(scope="session")
def pabulib():
    """Read a vendored pabulib file once per session: `pabulib("Poland_Swiecie_2023.pb")`."""
    return _read


PROJECTS = [
    ("Aire de jeux du parc", 40000),
    ("Piste cyclable rue des Écoles", 60000),
    ("Jardin partagé", 15000),
    ("Bancs place du Marché", 5000),
    ("Boîte à livres", 2000),
]


def make_budget(commune, agent, *, slug="bp-test", phase="vote", **fields):
    now = timezone.now()
    day = timedelta(days=1)
    dates = {
        "ideas": (now - day, now + day, now + 3 * day, now + 6 * day),
        "vote": (now - 20 * day, now - 10 * day, now - day, now + 5 * day),
        "closed": (now - 30 * day, now - 20 * day, now - 10 * day, now - day),
    }[phase]
    defaults = dict(
        title="Budget participatif test",
        slug=slug,
        total_amount=100000,
        ideas_open_at=dates[0],
        ideas_close_at=dates[1],
        vote_open_at=dates[2],
        vote_close_at=dates[3],
        max_choices=3,
    )
    defaults.update(fields)
    return services.budget_create(commune=commune, actor=agent, **defaults)


def add_projects(budget, agent, specs=PROJECTS):
    projects = []
    for title, cost in specs:
        idea = services.idea_submit(
            commune=budget.commune,
            budget=budget,
            author=None,
            title=title,
            description=f"{title}.",
            category="cadre-de-vie",
            estimated_cost=cost,
            check_phase=False,
        )
        services.idea_assess(
            commune=budget.commune, project=idea, actor=agent, feasible=True, decision="Réalisable."
        )
        projects.append(Project.objects.get(pk=idea.pk))
    assert all(p.status == ProjectStatus.FEASIBLE for p in projects)
    return projects


def verified(budget, agent, user):
    services.voter_verify_at_counter(
        commune=budget.commune, budget=budget, actor=agent, voter=user, checks=["identite", "domicile", "age"]
    )
    return user


@pytest.fixture
def voting_budget(valbourg, agent_valbourg):
    budget = make_budget(valbourg, agent_valbourg)
    projects = add_projects(budget, agent_valbourg)
    return budget, projects
