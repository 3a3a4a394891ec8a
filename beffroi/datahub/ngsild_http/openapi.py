"""OpenAPI 3 description of the NGSI-LD subset Beffroi implements (served at /ngsi-ld/v1/openapi.json)."""

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

_QUERY = [
    "type",
    "id",
    "idPattern",
    "attrs",
    "q",
    "georel",
    "geometry",
    "coordinates",
    "geoproperty",
    "limit",
    "offset",
    "count",
    "options",
    "format",
    "pick",
    "omit",
    "lang",
    "join",
    "joinLevel",
    "geometryProperty",
]
_TEMPORAL = [
    "timerel",
    "timeAt",
    "endTimeAt",
    "timeproperty",
    "lastN",
    "aggrMethods",
    "aggrPeriodDuration",
    *_QUERY,
]
_HEADERS = ["NGSILD-Tenant", "Link"]

# path → method → (summary, query parameters, success statuses)
_OPERATIONS: dict[str, dict[str, tuple[str, list[str], list[int]]]] = {
    "/entities": {
        "get": ("Query entities", _QUERY, [200]),
        "post": ("Create entity", [], [201]),
        "delete": ("Purge entities", ["type", "id", "idPattern", "q"], [204]),
    },
    "/entities/{entityId}": {
        "get": (
            "Retrieve entity",
            ["attrs", "options", "format", "pick", "omit", "lang", "join", "joinLevel", "geometryProperty"],
            [200],
        ),
        "put": ("Replace entity", [], [204]),
        "patch": ("Merge entity", [], [204]),
        "delete": ("Delete entity", [], [204]),
    },
    "/entities/{entityId}/attrs": {
        "post": ("Append attributes", ["options"], [204, 207]),
        "patch": ("Update attributes", [], [204, 207]),
    },
    "/entities/{entityId}/attrs/{attrId}": {
        "patch": ("Partial attribute update", [], [204]),
        "put": ("Replace attribute", [], [204]),
        "delete": ("Delete attribute", ["datasetId", "deleteAll"], [204]),
    },
    "/entityOperations/create": {"post": ("Batch create", [], [201, 207])},
    "/entityOperations/upsert": {"post": ("Batch upsert", ["options"], [201, 204, 207])},
    "/entityOperations/update": {"post": ("Batch update", ["options"], [204, 207])},
    "/entityOperations/delete": {"post": ("Batch delete", [], [204, 207])},
    "/entityOperations/merge": {"post": ("Batch merge", [], [204, 207])},
    "/entityOperations/query": {
        "post": ("Query entities (POST)", ["limit", "offset", "count", "options"], [200])
    },
    "/types": {"get": ("Entity types", ["details"], [200])},
    "/types/{type}": {"get": ("Entity type information", [], [200])},
    "/attributes": {"get": ("Attributes", ["details"], [200])},
    "/attributes/{attrId}": {"get": ("Attribute information", [], [200])},
    "/temporal/entities": {
        "get": ("Query temporal evolution", _TEMPORAL, [200]),
        "post": ("Create or update temporal representation", [], [201, 204]),
    },
    "/temporal/entities/{entityId}": {
        "get": ("Retrieve temporal evolution", _TEMPORAL, [200]),
        "delete": ("Delete temporal representation", [], [204]),
    },
    "/temporal/entities/{entityId}/attrs": {"post": ("Add temporal attribute instances", [], [204])},
    "/temporal/entities/{entityId}/attrs/{attrId}": {
        "delete": ("Delete temporal attribute", ["datasetId", "deleteAll"], [204])
    },
    "/temporal/entities/{entityId}/attrs/{attrId}/{instanceId}": {
        "patch": ("Modify attribute instance", [], [204]),
        "delete": ("Delete attribute instance", [], [204]),
    },
    "/subscriptions": {
        "get": ("List subscriptions", ["limit", "offset", "count"], [200]),
        "post": ("Create subscription", [], [201]),
    },
    "/subscriptions/{subscriptionId}": {
        "get": ("Retrieve subscription", [], [200]),
        "patch": ("Update subscription", [], [204]),
        "delete": ("Delete subscription", [], [204]),
    },
}


def openapi() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for path, methods in _OPERATIONS.items():
        paths[path] = {}
        for method, (summary, params, statuses) in methods.items():
            parameters = [
                {"name": p, "in": "query", "required": False, "schema": {"type": "string"}} for p in params
            ]
            parameters += [
                {"name": h, "in": "header", "required": False, "schema": {"type": "string"}} for h in _HEADERS
            ]
            parameters += [
                {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                for name in ("entityId", "attrId", "instanceId", "type", "subscriptionId")
                if "{" + name + "}" in path
            ]
            operation: dict[str, Any] = {
                "summary": summary,
                "parameters": parameters,
                "responses": {str(s): {"description": "Success"} for s in statuses},
            }
            operation["responses"]["default"] = {
                "description": "ProblemDetails with an ETSI error type (https://uri.etsi.org/ngsi-ld/errors/…)"
            }
            if method in ("post", "put", "patch"):
                operation["requestBody"] = {
                    "content": {
                        "application/json": {"schema": {}},
                        "application/ld+json": {"schema": {}},
                        **({"application/merge-patch+json": {"schema": {}}} if method == "patch" else {}),
                    }
                }
            if method != "get":
                operation["security"] = [{"bearer": []}]
            paths[path][method] = operation
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Beffroi NGSI-LD API",
            "version": "1",
            "description": "The subset of ETSI GS CIM 009 Beffroi implements. Tenant: NGSILD-Tenant header (commune "
            "slug). Writes need an API key with write scope (Authorization: Bearer); anonymous reads see the "
            "entities a commune publishes. application/json with the @context in a Link header, or "
            "application/ld+json with @context in the body.",
        },
        "servers": [{"url": "/ngsi-ld/v1"}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": paths,
    }


def openapi_view(request: HttpRequest) -> HttpResponse:
    """The OpenAPI description of the supported subset."""
    return JsonResponse(openapi())
