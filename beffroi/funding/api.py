"""Platform API of the funding app: the mechanism catalogue and the CGCT art. L1111-10 check of a plan."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema

from beffroi.core.api_auth import ApiKeyAuth
from beffroi.core.problems import problem_response
from beffroi.funding import selectors
from beffroi.funding.catalogue import Mechanism
from beffroi.funding.cofinancing import (
    CostNature,
    FinancingPlanError,
    FunderType,
    check_minimum_participation,
    parse_amount,
)
from beffroi.funding.cofinancing import (
    FinancingLine as RuleLine,
)

router = Router(tags=["financements"])


class SourceOut(Schema):
    title: str
    url: str | None
    reference: str | None
    as_of: str | None


class MechanismOut(Schema):
    code: str
    name: str
    short_name: str
    description: str
    funder_name: str
    funder_kind: str
    beneficiaries: list[str]
    aid_types: list[str]
    themes: list[str]
    all_themes: bool
    stages: list[str]
    rate_min_percent: Decimal | None
    rate_max_percent: Decimal | None
    rate_comment: str | None
    amount_min: Decimal | None
    amount_max: Decimal | None
    amount_comment: str | None
    public_aid_cap_percent: Decimal | None
    availability: str
    opens_on: date | None
    closes_on: date | None
    historical: bool
    source_url: str | None
    verified_on: date | None
    verified_against: str | None
    verification_note: str | None
    unverified: list[str]
    sources: list[SourceOut]


def mechanism_out(mechanism: Mechanism) -> dict[str, Any]:
    return {
        **{name: getattr(mechanism, name) for name in MechanismOut.model_fields if name != "sources"},
        "sources": [
            {"title": s.title, "url": s.url, "reference": s.reference, "as_of": s.as_of}
            for s in mechanism.sources
        ],
        "beneficiaries": list(mechanism.beneficiaries),
        "aid_types": list(mechanism.aid_types),
        "themes": list(mechanism.themes),
        "stages": list(mechanism.stages),
        "unverified": list(mechanism.unverified),
    }


@router.get(
    "/mechanisms",
    response=list[MechanismOut],
    auth=ApiKeyAuth(),
    summary="Funding mechanisms of the catalogue (filters: theme, stage, funder_kind)",
)
def mechanism_list(
    request: HttpRequest, theme: str = "", stage: str = "", funder_kind: str = ""
) -> list[dict[str, Any]]:
    return [
        mechanism_out(m) for m in selectors.mechanism_list(theme=theme, stage=stage, funder_kind=funder_kind)
    ]


@router.get("/mechanisms/{code}", response=MechanismOut, auth=ApiKeyAuth(), summary="One funding mechanism")
def mechanism_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    return mechanism_out(selectors.mechanism_get(code=code))


class LineIn(Schema):
    label: str = ""
    funder_type: Literal["public", "private", "own_funds"]
    cost_nature: Literal["investment", "operating"]
    amount: str  # exact decimal as text ("12500.50"), never a float


class PlanCheckIn(Schema):
    regime: Literal["standard", "chef_de_file", "school_energy_renovation"] = "standard"
    prefect_decision: bool = False
    ctec_derogation: bool = False
    lines: list[LineIn]


class PlanCheckOut(Schema):
    ok: bool
    applicable: bool
    regime: str
    rate: Decimal
    article: str
    own_share: Decimal
    public_aid: Decimal
    public_funding_total: Decimal
    private_funding: Decimal
    operating_total: Decimal
    min_own_share: Decimal
    max_public_aid: Decimal | None
    missing_own_share: Decimal
    excess_public_aid: Decimal
    own_share_percent: Decimal | None
    message: str
    notes: list[str]


@router.post(
    "/financing-plan/check",
    response={200: PlanCheckOut},
    auth=ApiKeyAuth(),
    summary="Check a financing plan against the owner's minimum share (CGCT art. L1111-10 III)",
)
def plan_check(request: HttpRequest, payload: PlanCheckIn) -> dict[str, Any] | HttpResponse:
    try:
        lines = [
            RuleLine(
                funder_type=FunderType(line.funder_type),
                cost_nature=CostNature(line.cost_nature),
                amount=parse_amount(line.amount, line.label),
                label=line.label,
            )
            for line in payload.lines
        ]
        result = check_minimum_participation(
            lines,
            regime=payload.regime,
            prefect_decision=payload.prefect_decision,
            ctec_derogation=payload.ctec_derogation,
        )
    except FinancingPlanError as error:
        return problem_response(400, "Plan de financement invalide", str(error))
    return {
        **{name: getattr(result, name) for name in PlanCheckOut.model_fields},
        "notes": list(result.notes),
    }
