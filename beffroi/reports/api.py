"""Platform API of the Signalements module: the reports of the API key's commune (public fields only)."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db.models import Case, F, QuerySet, Value, When
from django.db.models.functions import Coalesce, NullIf
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from beffroi.core.api_auth import ApiKeyAuth
from beffroi.core.models import ApiKey
from beffroi.reports import selectors
from beffroi.reports.models import Report

router = Router(tags=["signalements"])


class ReportOut(Schema):
    id: int
    category: str = Field(..., alias="category_code")
    category_name: str
    state: str = Field(..., alias="state_label")
    status: str
    description: str
    latitude: float | None
    longitude: float | None
    address: str
    supports: int
    created_at: datetime
    updated_at: datetime


@router.get("/reports", response=list[ReportOut], auth=ApiKeyAuth())
@paginate
def report_list(
    request: HttpRequest, category: str = "", status: str = ""
) -> QuerySet[Report, Mapping[str, Any]]:
    """Reports of the key's commune; `status` = open or closed. No contact data is ever returned.

    Paged in the database: the paginator slices (and counts) this query of plain rows."""
    key: ApiKey = request.auth  # type: ignore[attr-defined]  # set by ninja after authentication
    reports = selectors.report_public_list(commune=key.commune, category=category, status=status)
    return (
        reports.select_related(None)
        .order_by("-created_at", "-pk")
        .values(
            "id",
            "description",
            "latitude",
            "longitude",
            "created_at",
            "updated_at",
            category_code=F("category__code"),
            category_name=F("category__name"),
            state_label=F("state__label"),
            status=Case(When(is_open=True, then=Value("open")), default=Value("closed")),
            address=Coalesce(NullIf("address_string", Value("")), "place__name", Value("")),
            supports=F("supports_count"),
        )
    )
