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

import json
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from beffroi.core.api_auth import ApiKeyAuth
from beffroi.core.problems import problem_response

from . import services
from .ngsild import context as ldctx
from .ngsild.errors import NgsiLdError
from .ngsild.temporal import parse_datetime

router = Router(tags=["Données et capteurs"])


class UplinkResult(Schema):
    result: str


def _uplink(request: HttpRequest, source: str) -> dict[str, Any]:
    key = request.auth
    result = services.uplink_ingest(payload=request.body, source=source, commune=key.commune)
    return {"result": result}


@router.post(
    "/uplinks/tts",
    response={202: UplinkResult},
    auth=ApiKeyAuth(write=True),
    summary="Webhook The Things Stack v3",
)
def uplink_tts(request: HttpRequest):
    return 202, _uplink(request, "tts")


@router.post(
    "/uplinks/chirpstack",
    response={202: UplinkResult},
    auth=ApiKeyAuth(write=True),
    summary="Intégration HTTP ChirpStack v4",
)
def uplink_chirpstack(request: HttpRequest, event: str = "up"):
    if event != "up":
        return 202, {"result": "ignored"}
    return 202, _uplink(request, "chirpstack")


@router.post(
    "/uplinks/plain", response={202: UplinkResult}, auth=ApiKeyAuth(write=True), summary="Uplink JSON simple"
)
def uplink_plain(request: HttpRequest):
    return 202, _uplink(request, "plain")


class IngestResponse(Schema):
    accepted: int
    duplicates: int
    rejected: list[dict[str, Any]]


@router.post(
    "/observations", response={200: IngestResponse}, auth=ApiKeyAuth(write=True), summary="Lot de mesures"
)
def observations(request: HttpRequest):
    """Body: ``{"@context": optional URL, "observations": [{"entity": urn, "attribute": short name,
    "observedAt": ISO 8601, "value": number|string|bool, "unitCode": optional}, …]}``.
    Stored durably before the answer; re-sending a batch stores nothing twice."""
    try:
        measurements = _parse_measurements(request.body)
    except BadInput as exc:
        return problem_response(400, "Requête invalide", str(exc))
    result = services.observation_ingest_batch(commune=request.auth.commune, measurements=measurements)
    return {
        "accepted": result.accepted,
        "duplicates": result.duplicates,
        "rejected": [{"index": i, "reason": reason} for i, reason in result.rejected],
    }


class BadInput(ValueError):
    pass


def _fast_datetime(text: str) -> datetime | None:
    """The common case (ISO 8601 with an offset or Z) without the general NGSI-LD parser."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment.astimezone(UTC)


def _parse_measurements(raw: bytes) -> list[services.Measurement]:
    try:
        body = json.loads(raw or b"null")
    except ValueError as exc:
        raise BadInput(f"the body is not valid JSON: {exc}") from None
    if not isinstance(body, dict) or not isinstance(body.get("observations"), list):
        raise BadInput("observations: an array of measurements is required")
    try:
        active = ldctx.build_context(body.get("@context"))
    except NgsiLdError as exc:
        raise BadInput(f"@context: {exc.detail}") from None
    names: dict[str, str] = {}
    # Parsed once per distinct text: a batch holds many sensors measured at the same instants.
    instants: dict[str, datetime] = {}
    measurements: list = []  # plain (entity, attribute IRI, instant, value, unit) tuples: a Measurement's shape
    append = measurements.append
    for index, item in enumerate(body["observations"]):
        if type(item) is not dict:
            raise BadInput(f"observations[{index}]: an object is required")
        entity = item.get("entity")
        attribute = item.get("attribute")
        observed = item.get("observedAt")
        if type(entity) is not str or type(attribute) is not str or type(observed) is not str:
            for field in ("entity", "attribute", "observedAt"):
                if not isinstance(item.get(field), str):
                    raise BadInput(f"observations[{index}].{field}: a string is required")
        value = item.get("value")
        if value is None or type(value) is dict or type(value) is list:
            raise BadInput(f"observations[{index}].value: a number, string or boolean is required")
        moment = instants.get(observed)
        if moment is None:
            moment = _fast_datetime(observed)
            if moment is None:
                try:
                    moment = parse_datetime(observed, name=f"observations[{index}].observedAt")
                except NgsiLdError as exc:
                    raise BadInput(exc.detail) from None
            instants[observed] = moment
        iri = names.get(attribute)
        if iri is None:
            iri = names[attribute] = active.expand_attribute(attribute)
        unit = item.get("unitCode")
        append((entity, iri, moment, value, str(unit) if unit else ""))
    return measurements
