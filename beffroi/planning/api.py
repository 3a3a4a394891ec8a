"""Platform API of the planning app: the use-case catalogue and the funding matches of a project."""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from beffroi.core.api_auth import ApiKeyAuth
from beffroi.core.models import ApiKey
from beffroi.planning import selectors, use_cases
from beffroi.planning.use_cases import CostRow, UseCaseEntry, UseCaseIndicator, UseCaseRisk

router = Router(tags=["projet de territoire"])


class CostOut(Schema):
    band: str
    label: str
    investment_min: Decimal | None
    investment_max: Decimal | None
    operating_min: Decimal | None
    operating_max: Decimal | None
    estimate: bool
    source: str
    source_url: str


class IndicatorOut(Schema):
    name: str
    unit: str
    definition: str


class RiskOut(Schema):
    kind: str
    risk: str
    mitigation: str


class UseCaseOut(Schema):
    code: str
    title: str
    summary: str
    problem: str
    prerequisites: list[str]
    themes: list[str]
    costs: list[CostOut]
    indicators: list[IndicatorOut]
    risks: list[RiskOut]
    funding: list[str]
    module: str | None


def use_case_out(use_case: UseCaseEntry) -> dict[str, Any]:
    return {
        "code": use_case.code,
        "title": use_case.title,
        "summary": use_case.summary,
        "problem": use_case.problem,
        "prerequisites": list(use_case.prerequisites),
        "themes": list(use_case.themes),
        "costs": [_fields(c) for c in use_case.costs],
        "indicators": [_fields(i) for i in use_case.indicators],
        "risks": [_fields(r) for r in use_case.risks],
        "funding": list(use_case.funding),
        "module": use_case.module,
    }


def _fields(obj: CostRow | UseCaseIndicator | UseCaseRisk) -> dict[str, Any]:
    return asdict(obj)


@router.get(
    "/use-cases",
    response=list[UseCaseOut],
    auth=ApiKeyAuth(),
    summary="Smart-territory use cases (filters: theme, size band)",
)
def use_case_list(request: HttpRequest, theme: str = "", size: str = "") -> list[dict[str, Any]]:
    return [use_case_out(u) for u in use_cases.filtered(theme=theme, size=size)]


@router.get("/use-cases/{code}", response=UseCaseOut, auth=ApiKeyAuth(), summary="One use case")
def use_case_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    return use_case_out(use_cases.get_or_404(code))


class ReasonOut(Schema):
    criterion: str
    status: str
    message: str


class MatchOut(Schema):
    code: str
    name: str
    funder: str
    matched: bool
    indicative_max_amount: Decimal | None
    reasons: list[ReasonOut]


class ProjectMatchesOut(Schema):
    project: int
    title: str
    matches: list[MatchOut]


@router.get(
    "/projects/{project_id}/funding-matches",
    response=ProjectMatchesOut,
    auth=ApiKeyAuth(),
    summary="Funding mechanisms for a project of the key's commune, with the reasons they match or not",
)
def project_matches(request: HttpRequest, project_id: int, matched_only: bool = False) -> dict[str, Any]:
    key: ApiKey = request.auth  # type: ignore[attr-defined]  # set by ninja after authentication
    commune = key.commune
    project = selectors.project_get(commune=commune, pk=project_id)
    results = selectors.project_matches(commune=commune, project=project, today=timezone.localdate())
    return {
        "project": project.pk,
        "title": project.title,
        "matches": [
            {
                "code": r.code,
                "name": r.mechanism.name,
                "funder": r.mechanism.funder_name,
                "matched": r.matched,
                "indicative_max_amount": r.indicative_max_amount,
                "reasons": [
                    {"criterion": str(x.criterion), "status": str(x.status), "message": x.message}
                    for x in r.reasons
                ],
            }
            for r in results
            if r.matched or not matched_only
        ],
    }
