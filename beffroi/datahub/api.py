"""Platform API of the data hub (/api/datahub/): uplink webhooks and a simple measurement batch endpoint.

- ``POST /api/datahub/uplinks/tts`` — The Things Stack v3 webhook (uplink message);
- ``POST /api/datahub/uplinks/chirpstack?event=up`` — ChirpStack v4 HTTP integration;
- ``POST /api/datahub/uplinks/plain`` — Beffroi's plain JSON uplink;
- ``POST /api/datahub/observations`` — a batch of measurements of existing entities (fastest ingestion path).

All need an API key with write scope (``Authorization: Bearer``); network servers send it as a custom header.
A webhook answers 202 once the message is stored (or set aside as rejected): a network server never retries
for our parsing problems.
"""

from __future__ import annotations

from typing import Any

import orjson
from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema
from ninja.responses import Status

from beffroi.core.api_auth import ApiKeyAuth
from beffroi.core.models import ApiKey
from beffroi.core.problems import problem_response

from . import services
from .lorawan.uplink import Source
from .ngsild import context as ldctx
from .ngsild.errors import BadRequestData, NgsiLdError

router = Router(tags=["Données et capteurs"])


class UplinkResult(Schema):
    result: str


def _uplink(request: HttpRequest, source: Source) -> dict[str, Any]:
    key: ApiKey = request.auth  # type: ignore[attr-defined]  # set by ninja after authentication
    result = services.uplink_ingest(payload=request.body, source=source, commune=key.commune)
    return {"result": result}


@router.post(
    "/uplinks/tts",
    response={202: UplinkResult},
    auth=ApiKeyAuth(write=True),
    summary="Webhook The Things Stack v3",
)
def uplink_tts(request: HttpRequest) -> Status[dict[str, Any]]:
    return Status(202, _uplink(request, "tts"))


@router.post(
    "/uplinks/chirpstack",
    response={202: UplinkResult},
    auth=ApiKeyAuth(write=True),
    summary="Intégration HTTP ChirpStack v4",
)
def uplink_chirpstack(request: HttpRequest, event: str = "up") -> Status[dict[str, Any]]:
    if event != "up":
        return Status(202, {"result": "ignored"})
    return Status(202, _uplink(request, "chirpstack"))


@router.post(
    "/uplinks/plain", response={202: UplinkResult}, auth=ApiKeyAuth(write=True), summary="Uplink JSON simple"
)
def uplink_plain(request: HttpRequest) -> Status[dict[str, Any]]:
    return Status(202, _uplink(request, "plain"))


class IngestResponse(Schema):
    accepted: int
    duplicates: int
    rejected: list[dict[str, Any]]


@router.post(
    "/observations", response={200: IngestResponse}, auth=ApiKeyAuth(write=True), summary="Lot de mesures"
)
def observations(request: HttpRequest) -> dict[str, Any] | HttpResponse:
    """Body: ``{"@context": optional URL, "observations": [{"entity": urn, "attribute": short name,
    "observedAt": ISO 8601, "value": number|string|bool, "unitCode": optional}, …]}``.
    Stored durably before the answer; re-sending a batch stores nothing twice."""
    with services.gc_paused():  # 10,000 decoded items and their rows, none in a cycle
        return _observations(request)


def _observations(request: HttpRequest) -> dict[str, Any] | HttpResponse:
    try:
        # orjson: the body of a 10,000-measurement batch decodes several times faster than with json.
        body = orjson.loads(request.body or b"null")
    except orjson.JSONDecodeError as exc:
        return problem_response(
            400, "Requête invalide", f"Le corps de la requête n'est pas du JSON valide : {exc}"
        )
    if not isinstance(body, dict) or not isinstance(body.get("observations"), list):
        return problem_response(
            400, "Requête invalide", "observations : un tableau de mesures est attendu.", field="observations"
        )
    try:
        active = ldctx.build_context(body.get("@context"))
    except NgsiLdError as exc:
        return problem_response(400, "Requête invalide", f"@context: {exc.detail}")
    key: ApiKey = request.auth  # type: ignore[attr-defined]  # set by ninja after authentication
    try:
        # The documents are checked and stored in one pass (nothing is stored if one is bad).
        result = services.observation_ingest_documents(
            commune=key.commune,
            documents=body["observations"],
            expand_attribute=active.expand_attribute,
        )
    except BadRequestData as exc:
        return problem_response(400, "Requête invalide", exc.detail)
    return {
        "accepted": result.accepted,
        "duplicates": result.duplicates,
        "rejected": [{"index": i, "reason": reason} for i, reason in result.rejected],
    }
