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
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.responses import Status

from beffroi.core.api_auth import ApiKeyAuth
from beffroi.core.gc_pause import gc_paused
from beffroi.core.models import ApiKey
from beffroi.core.problems import problem_response
from beffroi.datahub import services
from beffroi.datahub.lorawan.uplink import MAX_MESSAGE_BYTES, Source
from beffroi.datahub.ngsild import context as ldctx
from beffroi.datahub.ngsild.entities import MAX_TEXT_VALUE, MAX_UNIT_CODE
from beffroi.datahub.ngsild.errors import BadRequestData, NgsiLdError

router = Router(tags=["Données et capteurs"])

# OpenAPI: what each endpoint reads and every error it answers (RFC 9457 problem details), so clients and
# fuzzers can use the description. Ninja documents the success bodies from the response schemas.
_PROBLEM = {
    "application/problem+json": {
        "schema": {
            "type": "object",
            "required": ["type", "title", "status"],
            "properties": {
                "type": {"type": "string", "example": "about:blank"},
                "title": {"type": "string", "example": "Requête invalide"},
                "status": {"type": "integer", "example": 400},
                "detail": {
                    "type": "string",
                    "example": "observations[2].value : un nombre, un texte ou un booléen est attendu.",
                },
                "field": {"type": "string", "description": "Le champ en cause, quand il est connu."},
            },
        }
    }
}
_AUTH_ERROR = {
    "401": {
        "description": "Clé d'API absente, inconnue, révoquée ou sans le droit d'écriture.",
        "content": _PROBLEM,
    }
}
_TOO_LARGE = {
    "413": {
        "description": f"Corps de plus de {settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)} Mio.",
        "content": _PROBLEM,
    }
}


def _uplink_doc(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "description": description
        + " Réponse 202 dans tous les cas où le message a été lu : `ingested` (mesures enregistrées), `replay` "
        "(trame déjà reçue), `ignored` (pas un uplink) ou `rejected` (message mis de côté avec sa raison, "
        f"visible dans l'administration : JSON invalide, plus de {MAX_MESSAGE_BYTES // 1024} Kio, appareil "
        "inconnu, instant hors de la plage acceptée…). Un serveur de réseau ne réessaie donc jamais pour une "
        "erreur de contenu. Chaque mesure décodée dont le nom est invalide ou réservé (`id`, `type`…) ou dont "
        f"le texte dépasse {MAX_TEXT_VALUE} caractères est écartée, les autres sont enregistrées.",
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {**schema, "maxLength": MAX_MESSAGE_BYTES}}},
        },
        "responses": {**_AUTH_ERROR, **_TOO_LARGE},
    }


_TTS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Message d'uplink de The Things Stack v3 (format `uplink_message`).",
    "required": ["end_device_ids", "uplink_message"],
    "properties": {
        "end_device_ids": {
            "type": "object",
            "required": ["dev_eui"],
            "properties": {
                "device_id": {"type": "string"},
                "dev_eui": {"type": "string", "pattern": "^[0-9A-Fa-f]{16}$"},
                "application_ids": {"type": "object", "properties": {"application_id": {"type": "string"}}},
            },
        },
        "received_at": {"type": "string", "format": "date-time"},
        "uplink_message": {
            "type": "object",
            "properties": {
                "f_cnt": {"type": "integer", "minimum": 0},
                "f_port": {"type": "integer", "minimum": 0, "maximum": 255},
                "frm_payload": {"type": "string", "contentEncoding": "base64"},
                "decoded_payload": {"type": "object"},
                "session_key_id": {"type": "string"},
            },
        },
    },
}
_CHIRPSTACK_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Événement `up` de l'intégration HTTP de ChirpStack v4 (JSON).",
    "required": ["deviceInfo"],
    "properties": {
        "deviceInfo": {
            "type": "object",
            "required": ["devEui"],
            "properties": {
                "devEui": {"type": "string", "pattern": "^[0-9A-Fa-f]{16}$"},
                "deviceName": {"type": "string"},
            },
        },
        "fCnt": {"type": "integer", "minimum": 0},
        "fPort": {"type": "integer", "minimum": 0, "maximum": 255},
        "data": {"type": "string", "contentEncoding": "base64"},
        "object": {"type": "object", "description": "Mesures décodées par le codec de ChirpStack."},
        "time": {"type": "string", "format": "date-time"},
    },
}
_PLAIN_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Uplink JSON simple de Beffroi (passerelles et scripts). Au moins une charge utile ou `decoded`.",
    "required": ["dev_eui", "f_cnt"],
    "additionalProperties": False,
    "properties": {
        "dev_eui": {"type": "string", "pattern": "^[0-9A-Fa-f]{16}$"},
        "f_cnt": {"type": "integer", "minimum": 0, "maximum": 2**32 - 1},
        "f_port": {"type": "integer", "minimum": 0, "maximum": 255, "default": 1},
        "received_at": {"type": "string", "format": "date-time"},
        "payload_hex": {"type": "string", "pattern": "^([0-9A-Fa-f]{2})*$"},
        "payload_base64": {"type": "string", "contentEncoding": "base64"},
        "decoded": {"type": "object", "additionalProperties": {"type": ["number", "string", "boolean"]}},
    },
}


class UplinkResult(Schema):
    result: str


def _body(request: HttpRequest) -> bytes | HttpResponse:
    """The request's body, or a 413 problem when it is larger than Django accepts (DATA_UPLOAD_MAX_MEMORY_SIZE)."""
    try:
        return request.body
    except RequestDataTooBig:
        return problem_response(
            413,
            _("Requête trop volumineuse"),
            _("Le corps de la requête dépasse %(size)s Mio ; envoyez les mesures en plusieurs lots.")
            % {"size": settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)},
        )


def _uplink(request: HttpRequest, source: Source) -> Status[dict[str, Any]] | HttpResponse:
    body = _body(request)
    if isinstance(body, HttpResponse):
        return body
    key: ApiKey = request.auth  # type: ignore[attr-defined]  # set by ninja after authentication
    return Status(202, {"result": services.uplink_ingest(payload=body, source=source, commune=key.commune)})


@router.post(
    "/uplinks/tts",
    response={202: UplinkResult},
    auth=ApiKeyAuth(write=True),
    summary="Webhook The Things Stack v3",
    openapi_extra=_uplink_doc(
        "Webhook d'uplink de The Things Stack v3 (en-tête `Authorization: Bearer`).", _TTS_SCHEMA
    ),
)
def uplink_tts(request: HttpRequest) -> Status[dict[str, Any]] | HttpResponse:
    return _uplink(request, "tts")


@router.post(
    "/uplinks/chirpstack",
    response={202: UplinkResult},
    auth=ApiKeyAuth(write=True),
    summary="Intégration HTTP ChirpStack v4",
    openapi_extra=_uplink_doc(
        "Intégration HTTP de ChirpStack v4 ; seuls les événements `?event=up` sont lus, les autres sont ignorés.",
        _CHIRPSTACK_SCHEMA,
    ),
)
def uplink_chirpstack(request: HttpRequest, event: str = "up") -> Status[dict[str, Any]] | HttpResponse:
    if event != "up":
        return Status(202, {"result": "ignored"})
    return _uplink(request, "chirpstack")


@router.post(
    "/uplinks/plain",
    response={202: UplinkResult},
    auth=ApiKeyAuth(write=True),
    summary="Uplink JSON simple",
    openapi_extra=_uplink_doc("Uplink JSON simple de Beffroi.", _PLAIN_SCHEMA),
)
def uplink_plain(request: HttpRequest) -> Status[dict[str, Any]] | HttpResponse:
    return _uplink(request, "plain")


class RejectedMeasurement(Schema):
    index: int = Field(description="Position de la mesure dans `observations` (à partir de 0).")
    reason: str = Field(description="Pourquoi elle n'a pas été enregistrée, en français.")


class IngestResponse(Schema):
    accepted: int = Field(description="Mesures enregistrées.")
    duplicates: int = Field(
        description="Mesures déjà enregistrées (même entité, mesure et instant), ignorées."
    )
    rejected: list[RejectedMeasurement] = Field(
        description="Mesures refusées une à une ; les autres sont enregistrées."
    )


_MEASUREMENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["entity", "attribute", "observedAt", "value"],
    "properties": {
        "entity": {
            "type": "string",
            "format": "uri",
            "maxLength": 255,
            "description": "Identifiant NGSI-LD d'une entité de la commune de la clé.",
            "example": "urn:ngsi-ld:WasteContainer:valbourg-001",
        },
        "attribute": {
            "type": "string",
            "minLength": 1,
            "maxLength": 255,
            "description": "Nom court (lettres, chiffres, « _ ») développé par le @context, ou IRI. `id`, `type`, "
            "`scope`, `@context`, `createdAt`, `modifiedAt`, `deletedAt` et les noms commençant par `@` sont refusés.",
            "example": "fillingLevel",
        },
        "observedAt": {
            "type": "string",
            "format": "date-time",
            "description": "Instant ISO 8601, entre le 1er janvier 2000 et un jour après l'horloge du serveur.",
            "example": "2026-03-02T10:00:00Z",
        },
        "value": {
            "type": ["number", "string", "boolean"],
            "maxLength": MAX_TEXT_VALUE,
            "description": f"Nombre, booléen ou texte de {MAX_TEXT_VALUE} caractères au plus.",
        },
        "unitCode": {
            "type": "string",
            "maxLength": MAX_UNIT_CODE,
            "description": "Code d'unité UN/CEFACT (par exemple `P1` pour pour cent, `CEL` pour °C).",
        },
    },
}
_OBSERVATIONS_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["observations"],
                    "properties": {
                        "@context": {
                            "description": "@context JSON-LD qui développe les noms courts (contexte cœur NGSI-LD sinon).",
                            "type": ["string", "array", "object"],
                        },
                        "observations": {"type": "array", "items": _MEASUREMENT_SCHEMA},
                    },
                }
            }
        },
    },
    "responses": {
        "400": {
            "description": "Corps illisible (pas du JSON, pas d'objet `observations`, @context invalide) ou mesure "
            "mal formée (champ manquant ou du mauvais type, date illisible) : rien n'est enregistré et le détail "
            "nomme la mesure, par exemple `observations[2].value`.",
            "content": _PROBLEM,
        },
        **_AUTH_ERROR,
        **_TOO_LARGE,
    },
}


@router.post(
    "/observations",
    response={200: IngestResponse},
    auth=ApiKeyAuth(write=True),
    summary="Lot de mesures",
    openapi_extra=_OBSERVATIONS_DOC,
)
def observations(request: HttpRequest) -> dict[str, Any] | HttpResponse:
    """Un lot de mesures d'entités existantes de la commune, enregistré durablement avant la réponse ;
    renvoyer le même lot n'enregistre rien deux fois. Une mesure bien formée mais refusée (entité inconnue,
    instant hors de la plage acceptée, nom invalide ou réservé, texte ou unitCode trop long) est rendue dans
    `rejected` avec sa position et sa raison ; les autres sont enregistrées."""
    with gc_paused():  # 10,000 decoded items and their rows, none in a cycle
        return _observations(request)


def _observations(request: HttpRequest) -> dict[str, Any] | HttpResponse:
    raw = _body(request)
    if isinstance(raw, HttpResponse):
        return raw
    try:
        # orjson: the body of a 10,000-measurement batch decodes several times faster than with json. It also
        # refuses lone surrogates (\ud800) and nesting deeper than 1,024 levels.
        body = orjson.loads(raw or b"null")
    except orjson.JSONDecodeError as exc:
        return problem_response(
            400,
            _("Requête invalide"),
            _("Le corps de la requête n'est pas du JSON valide (ligne %(line)s, colonne %(column)s).")
            % {"line": exc.lineno, "column": exc.colno},
        )
    if not isinstance(body, dict) or not isinstance(body.get("observations"), list):
        return problem_response(
            400,
            _("Requête invalide"),
            _("observations : un tableau de mesures est attendu."),
            field="observations",
        )
    try:
        active = ldctx.build_context(body.get("@context"))
    except NgsiLdError as exc:
        return problem_response(
            400,
            _("Requête invalide"),
            _("@context : ce contexte JSON-LD ne peut pas être lu (%(error)s).") % {"error": exc.detail},
            field="@context",
        )
    key: ApiKey = request.auth  # type: ignore[attr-defined]  # set by ninja after authentication
    try:
        # The documents are checked and stored in one pass (nothing is stored if one is malformed).
        result = services.observation_ingest_documents(
            commune=key.commune,
            documents=body["observations"],
            expand_attribute=active.expand_attribute,
        )
    except BadRequestData as exc:
        return problem_response(400, _("Requête invalide"), exc.detail, field="observations")
    return {
        "accepted": result.accepted,
        "duplicates": result.duplicates,
        "rejected": [{"index": i, "reason": reason} for i, reason in result.rejected],
    }
