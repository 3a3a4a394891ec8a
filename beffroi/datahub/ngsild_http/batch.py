"""NGSI-LD batch operations (CIM 009 §5.6.7–§5.6.10, merge §5.6.20) and the query by POST (§5.7.2, entityOperations/query)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse, JsonResponse

from beffroi.datahub import services
from beffroi.datahub.ngsild import geo as ldgeo
from beffroi.datahub.ngsild.errors import BadRequestData, NgsiLdError, TooManyResults
from beffroi.datahub.ngsild_http.call import Call, endpoint, split_list
from beffroi.datahub.ngsild_http.entities import build_query, run_query

MAX_BATCH = 1000


def _batch_body(call: Call) -> tuple[list[Any], Any]:
    body, context = call.body()
    if not isinstance(body, list):
        raise BadRequestData("the body of a batch operation must be a JSON array")
    if len(body) > MAX_BATCH:
        raise TooManyResults(f"a batch holds at most {MAX_BATCH} items")
    return body, context


def _expand_all(
    call: Call, body: list[Any], context: Any
) -> tuple[list[dict[str, Any]], list[tuple[str, NgsiLdError]]]:
    expanded, errors = [], []
    for item in body:
        try:
            expanded.append(call.expand(item, context))
        except NgsiLdError as exc:
            errors.append((item.get("id", "") if isinstance(item, dict) else "", exc))
    return expanded, errors


def _batch_response(
    result: services.BatchResult, early_errors: list[tuple[str, NgsiLdError]], *, created_status: bool
) -> HttpResponse:
    errors = [*early_errors, *result.errors]
    if errors:
        body = {
            "success": result.success,
            "errors": [{"entityId": entity_id, "error": exc.problem_details()} for entity_id, exc in errors],
        }
        return JsonResponse(body, status=207)
    if created_status:
        return JsonResponse(result.created if result.created else result.success, status=201, safe=False)
    return HttpResponse(status=204)


def batch_create(call: Call) -> HttpResponse:
    body, context = _batch_body(call)
    entities, early = _expand_all(call, body, context)
    result = services.entity_batch_create(commune=call.commune, entities=entities)
    result.created = list(result.success)
    return _batch_response(result, early, created_status=True)


def batch_upsert(call: Call) -> HttpResponse:
    body, context = _batch_body(call)
    entities, early = _expand_all(call, body, context)
    result = services.entity_batch_upsert(
        commune=call.commune, entities=entities, update_only="update" in call.options
    )
    if not result.errors and not early and not result.created:
        return HttpResponse(status=204)
    return _batch_response(result, early, created_status=True)


def batch_update(call: Call) -> HttpResponse:
    body, context = _batch_body(call)
    entities, early = _expand_all(call, body, context)
    result = services.entity_batch_update(
        commune=call.commune, entities=entities, no_overwrite="noOverwrite" in call.options
    )
    return _batch_response(result, early, created_status=False)


def batch_merge(call: Call) -> HttpResponse:
    """Batch merge (§5.6.20): each entity merge-patched; 204, or 207 naming the failures."""
    body, context = _batch_body(call)
    entities, early = _expand_all(call, body, context)
    result = services.entity_batch_merge(commune=call.commune, entities=entities)
    return _batch_response(result, early, created_status=False)


def batch_delete(call: Call) -> HttpResponse:
    body, _context = _batch_body(call)
    result = services.entity_batch_delete(commune=call.commune, ids=body)
    return _batch_response(result, [], created_status=False)


def batch_query(call: Call) -> HttpResponse:
    body, context = call.body()
    if not isinstance(body, dict) or body.get("type") != "Query":
        raise BadRequestData('the body must be a Query object: {"type": "Query", "entities": [...], ...}')
    if context is None and "@context" in body:
        call.link_context = body["@context"] if isinstance(body["@context"], str) else call.link_context
        if not isinstance(body["@context"], str):
            call.link_context = (
                body["@context"][0]
                if isinstance(body["@context"], list) and len(body["@context"]) == 1
                else call.link_context
            )
    selectors_list = body.get("entities") or []
    if not isinstance(selectors_list, list) or not all(
        isinstance(s, dict) and all(isinstance(s.get(k, ""), str) for k in ("type", "id", "idPattern"))
        for s in selectors_list
    ):
        raise BadRequestData("entities must be an array of {type, id, idPattern}, each a string")
    raw_attrs = body.get("attrs") or []
    if not isinstance(raw_attrs, list | str) or not all(isinstance(a, str) for a in raw_attrs):
        raise BadRequestData("attrs must be an array of attribute names")
    attrs: list[str] = raw_attrs if isinstance(raw_attrs, list) else split_list(raw_attrs)
    types = [s.get("type") for s in selectors_list if isinstance(s, dict) and s.get("type")]
    ids = [s.get("id") for s in selectors_list if isinstance(s, dict) and s.get("id")]
    patterns = [s.get("idPattern") for s in selectors_list if isinstance(s, dict) and s.get("idPattern")]
    geo = ldgeo.geo_query_from_geoq(body["geoQ"]) if body.get("geoQ") else None
    params = {
        "type": types,
        "id": ids,
        "idPattern": patterns[0] if patterns else None,
        "q": body.get("q"),
        "attrs": attrs,
        "geo": geo,
        "scopeQ": body.get("scopeQ") if isinstance(body.get("scopeQ"), str) else None,
    }
    query = build_query(call, params)
    return run_query(call, query, attrs)


op_create = endpoint(post=batch_create)
op_upsert = endpoint(post=batch_upsert)
op_update = endpoint(post=batch_update)
op_delete = endpoint(post=batch_delete)
op_merge = endpoint(post=batch_merge)
op_query = endpoint(post=batch_query)
