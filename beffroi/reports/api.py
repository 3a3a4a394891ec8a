"""Platform API of the Signalements module: the reports of the API key's commune (public fields only)."""

from datetime import datetime

from ninja import Router, Schema
from ninja.pagination import paginate

from beffroi.core.api_auth import ApiKeyAuth
from beffroi.reports import selectors

router = Router(tags=["signalements"])


class ReportOut(Schema):
    id: int
    category: str
    category_name: str
    state: str
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
def report_list(request, category: str = "", status: str = ""):
    """Reports of the key's commune; `status` = open or closed. No contact data is ever returned."""
    reports = selectors.report_public_list(commune=request.api_key.commune, category=category, status=status)
    return [
        {
            "id": r.pk,
            "category": r.category.code,
            "category_name": r.category.name,
            "state": r.state.label,
            "status": "open" if r.is_open else "closed",
            "description": r.description,
            "latitude": float(r.latitude) if r.latitude is not None else None,
            "longitude": float(r.longitude) if r.longitude is not None else None,
            "address": r.location_label,
            "supports": r.supports_count,
            "created_at": r.created_at,
            "updated_at": r.updated_at,
        }  # fmt: skip
        for r in reports
    ]
