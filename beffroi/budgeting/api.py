"""Platform API of the participatory budget: budgets, projects and published results of the key's commune.

Ballots are never exposed, not even who voted: the API gives what the public pages give.
"""

from datetime import datetime
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Router, Schema

from beffroi.budgeting import selectors
from beffroi.budgeting.models import Budget, Project
from beffroi.core.api_auth import ApiKeyAuth
from beffroi.core.models import ApiKey, Commune

router = Router(tags=["budget participatif"], auth=ApiKeyAuth())


class BudgetOut(Schema):
    slug: str
    title: str
    description: str
    total_amount: int
    currency: str = "EUR"
    phase: str
    ballot_type: str
    rule: str
    min_choices: int
    max_choices: int | None
    ideas_open_at: datetime | None
    ideas_close_at: datetime | None
    vote_open_at: datetime | None
    vote_close_at: datetime | None
    results_published: bool


class ProjectOut(Schema):
    id: int
    title: str
    description: str
    category: str
    place: str | None
    location: str
    estimated_cost: int | None
    cost: int
    status: str
    decision: str
    merged_into: int | None

    @staticmethod
    def resolve_place(obj: Project) -> str | None:
        return obj.place.name if obj.place else None

    @staticmethod
    def resolve_merged_into(obj: Project) -> int | None:
        return obj.merged_into_id


class ProjectResultOut(Schema):
    id: str
    title: str
    cost: int
    votes: int
    score: float | None
    selected: bool
    position: int | None
    reason: str
    reason_label: str
    effective_votes: float | None
    price: float | None
    greedy_selected: bool
    group: str = ""


class SubBudgetResultOut(Schema):
    name: str  # "" for the projects outside every envelope
    amount: int
    winners: list[str] = []
    total_cost: float | None = None


class TieBreakOut(Schema):
    count: str  # "main" (official result) or "greedy" (comparison)
    group: str
    stage: str
    tied: list[str]
    chosen: str
    criterion: str  # "cost", "votes" or "draw"


class ResultsOut(Schema):
    rule: str
    num_voters: int
    num_online: int
    num_paper: int
    winners: list[str]
    total_cost: int
    greedy_winners: list[str]
    greedy_total_cost: int
    share_with_funded: float
    greedy_share_with_funded: float
    projects: list[ProjectResultOut]
    groups: list[SubBudgetResultOut] = []
    draw: list[str] = []
    draw_seed: str | None = None
    draw_method: str | None = None
    tie_breaks: list[TieBreakOut] = []


def _commune(request: HttpRequest) -> Commune:
    key: ApiKey = request.auth  # type: ignore[attr-defined]  # set by ninja after authentication
    return key.commune


def _budget(request: HttpRequest, slug: str) -> Budget:
    return selectors.budget_get(commune=_commune(request), slug=slug)


@router.get(
    "/budgets", response=list[BudgetOut], summary="Published participatory budgets of the key's commune"
)
def budget_list(request: HttpRequest) -> list[Budget]:
    return selectors.budget_list(commune=_commune(request))


@router.get("/budgets/{slug}", response=BudgetOut, summary="One participatory budget")
def budget_detail(request: HttpRequest, slug: str) -> Budget:
    return _budget(request, slug)


@router.get(
    "/budgets/{slug}/projects", response=list[ProjectOut], summary="Ideas and projects, with decisions"
)
def project_list(request: HttpRequest, slug: str) -> list[Project]:
    budget = _budget(request, slug)
    return list(selectors.project_list(commune=_commune(request), budget=budget))


@router.get("/budgets/{slug}/results", response=ResultsOut, summary="Published results, per project")
def results(request: HttpRequest, slug: str) -> dict[str, Any]:
    budget = _budget(request, slug)
    results = budget.count_results
    if not budget.results_published or results is None:  # published results are never None
        raise Http404("Les résultats de ce budget ne sont pas encore publiés.")
    data = results.to_json()
    data["projects"] = list(data["projects"].values())
    return data
