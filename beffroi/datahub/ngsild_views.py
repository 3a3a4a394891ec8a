"""The NGSI-LD API (ETSI GS CIM 009 core subset) at /ngsi-ld/v1/: plain Django views over the services.

- tenant: the ``NGSILD-Tenant`` header (commune slug); without it, the commune of the API key, else the only
  active commune (§4.14); an unknown tenant is ``NonexistentTenant``;
- access: writes need an API key of that commune with write scope (``Authorization: Bearer``); reads
  with a key of the commune see everything, anonymous reads see only entities the commune made public;
- content: ``application/json`` with the @context in a Link header (core context when absent) or
  ``application/ld+json`` with ``@context`` in the body (§6.3.5); responses follow Accept (§6.3.6);
- errors: ProblemDetails with the ETSI types (ngsild.errors), never a bare 500.
"""

from __future__ import annotations

import logging
import re
import urllib.parse
from collections.abc import Callable
from functools import wraps
from typing import Any

import orjson
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from beffroi.core import selectors as core_selectors
from beffroi.core import services as core_services
from beffroi.core.models import Commune

from . import selectors, services
from .models import Entity
from .ngsild import context as ldctx
from .ngsild import geo as ldgeo
from .ngsild import names as ldnames
from .ngsild import query as ldquery
from .ngsild import temporal as ldtemporal
from .ngsild.errors import (
    AccessDenied,
    BadRequestData,
    ErrorType,
    InvalidRequest,
    NgsiLdError,
    NonexistentTenant,
    NotAcceptable,
    ResourceNotFound,
    TooManyResults,
    UnsupportedMediaType,
    problem_details,
)
from .remote_contexts import client_scope, remote_context_loader

log = logging.getLogger(__name__)

BASE = "/ngsi-ld/v1"
DEFAULT_LIMIT = 20
MAX_LIMIT = 1000
MAX_BATCH = 1000
TEMPORAL_LIMIT = 10000
_KNOWN_OPTIONS = {
    "sysAttrs", "noOverwrite", "update", "replace", "temporalValues", "aggregatedValues", "audit",
    "normalized", "keyValues", "simplified", "concise",
}  # fmt: skip


# Remote @context documents: allowlisted hosts only, public addresses only, cached, limited per client.
RESOLVER = ldctx.ContextResolver(remote_context_loader)


class Call:
    """What a request says about itself: tenant, rights, @context and the wanted representation."""

    def __init__(self, request: HttpRequest, *, write: bool):
        self.request = request
        key = core_selectors.apikey_from_secret(_bearer(request)) if _bearer(request) else None
        if _bearer(request) and key is None:
            raise AccessDenied("the API key is unknown or revoked", error_type=ErrorType.ACCESS_DENIED)
        tenant = request.headers.get("NGSILD-Tenant", "").strip()
        if tenant:
            commune = Commune.objects.filter(slug=tenant, is_active=True).first()
            if commune is None:
                raise NonexistentTenant(f"tenant {tenant!r} does not exist")
        elif key is not None:
            commune = key.commune
        else:
            communes = list(Commune.objects.filter(is_active=True)[:2])
            if len(communes) != 1:
                raise NonexistentTenant("give the commune in the NGSILD-Tenant header")
            commune = communes[0]
        if key is not None and key.commune_id != commune.pk:
            raise AccessDenied("this API key belongs to another tenant")
        if not commune.has_module("datahub"):  # the module switch: without the data hub, no tenant
            raise NonexistentTenant(f"tenant {commune.slug!r} does not exist")
        if write:
            if key is None:
                raise AccessDenied("writing needs an API key (Authorization: Bearer …) with write scope")
            if not key.can_write:
                raise AccessDenied("this API key may only read")
        if key is not None:
            core_services.apikey_touch(key=key)
        self.commune: Commune = commune
        self.key = key
        self.see_all = key is not None
        self.link_context = ldctx.parse_link_header(request.headers.get("Link"))
        accept = request.headers.get("Accept", "") or "application/json"
        self.ld = False
        if accept:
            kinds = [part.split(";")[0].strip().lower() for part in accept.split(",")]
            if (
                "application/ld+json" in kinds
                and "application/json" not in kinds[: kinds.index("application/ld+json")]
            ):
                self.ld = True
            elif (
                not any(
                    k in ("application/json", "*/*", "application/*", "application/geo+json") for k in kinds
                )
                and not self.ld
            ):
                raise NotAcceptable(f"cannot answer in {accept}; use application/json or application/ld+json")
        options = set(filter(None, request.GET.get("options", "").split(",")))
        unknown = options - _KNOWN_OPTIONS
        if unknown:
            raise InvalidRequest(f"options: unknown value(s) {', '.join(sorted(unknown))}")
        fmt = request.GET.get("format", "")
        if fmt:
            options.add(fmt)
        self.options = options
        self.key_values = bool(options & {"keyValues", "simplified"})

    @property
    def response_context(self) -> Any:
        return self.link_context

    def active(self) -> ldctx.ActiveContext:
        return RESOLVER.resolve(self.link_context)

    def body(self, *, merge: bool = False) -> tuple[Any, Any]:
        """The JSON body and the @context it is to be read with (§6.3.5)."""
        content_type = self.request.content_type or ""
        allowed = ["application/json", "application/ld+json"] + (
            ["application/merge-patch+json"] if merge else []
        )
        if content_type not in allowed:
            raise UnsupportedMediaType(
                f"Content-Type must be one of {', '.join(allowed)}, not {content_type or 'none'}"
            )
        try:
            # orjson refuses what json accepts and the database cannot store or Python cannot walk: lone
            # surrogates (\ud800), nesting deeper than 1,024 levels (RecursionError), NaN, integers beyond 64 bits.
            body = orjson.loads(self.request.body or b"null")
        except orjson.JSONDecodeError as exc:
            raise InvalidRequest(f"the body is not valid JSON: {exc}") from None
        if content_type == "application/ld+json":
            if self.link_context:
                raise BadRequestData(
                    "with application/ld+json the @context goes in the body, not in a Link header"
                )
            items = body if isinstance(body, list) else [body]
            for item in items:
                if isinstance(item, dict) and "@context" not in item:
                    raise BadRequestData("an application/ld+json body must carry @context")
            return body, None  # each item uses its own @context
        items = body if isinstance(body, list) else [body]
        if any(isinstance(item, dict) and "@context" in item for item in items):
            raise BadRequestData("an application/json body must not carry @context; send it in a Link header")
        return body, self.link_context

    def expand(self, entity: Any, context: Any) -> dict[str, Any]:
        if not isinstance(entity, dict):
            raise BadRequestData("an entity must be a JSON object")
        for name in entity:
            if name not in ldctx.ENTITY_MEMBERS:
                problem = ldnames.attribute_name_problem(name)
                if problem is not None:
                    raise BadRequestData(f"attribute name {name[:60]!r}: {ldnames.NAME_RULES[problem]}")
        ctx = context if context is not None else entity.get("@context")
        return ldctx.expand_entity(entity, RESOLVER.resolve(ctx), resolver=RESOLVER)

    def expand_attr(self, name: str) -> str:
        return self.active().expand_attribute(name)

    def render_entity(
        self, entity: Entity | selectors.EntityRow, *, attrs: list[str] | None = None
    ) -> dict[str, Any]:
        document = selectors.entity_document(entity)
        if attrs:
            document = {k: v for k, v in document.items() if k in ("id", "type") or k in attrs}
        if "sysAttrs" in self.options:
            if entity.created_at is None or entity.modified_at is None:
                raise ValueError("entity row read without its timestamps")
            document["createdAt"] = ldtemporal.format_datetime(entity.created_at)
            document["modifiedAt"] = ldtemporal.format_datetime(entity.modified_at)
        if self.key_values:
            # Straight to the simplified form: compacting every member of the normalized document first
            # and then simplifying it costs more than the rest of the request.
            compacted = _key_values_of(document, self.active())
        else:
            compacted = ldctx.compact_entity(document, self.active(), resolver=RESOLVER)
        if self.ld:
            compacted["@context"] = [self.link_context or ldctx.DEFAULT_CORE_CONTEXT_URL]
        return compacted

    def respond(self, payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> HttpResponse:
        response = JsonResponse(payload, status=status, safe=False, json_dumps_params={"ensure_ascii": False})
        if self.ld:
            response["Content-Type"] = "application/ld+json"
        else:
            response["Link"] = ldctx.link_header(self.link_context or ldctx.DEFAULT_CORE_CONTEXT_URL)
        for name, value in (headers or {}).items():
            response[name] = value
        return response


def _bearer(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else ""


def _key_values(entity: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, member in entity.items():
        if key in ("id", "type", "@context", "createdAt", "modifiedAt") or not isinstance(
            member, dict | list
        ):
            out[key] = member
            continue
        first = member[0] if isinstance(member, list) and member else member
        if isinstance(first, dict):
            kind = first.get("type", "Property")
            out[key] = first.get(services._VALUE_MEMBER.get(kind, "value"), first.get("value"))
        else:
            out[key] = member
    return out


def _key_values_of(document: dict[str, Any], active: ldctx.ActiveContext) -> dict[str, Any]:
    """``_key_values(compact_entity(document, active))`` without compacting what the simplified form drops:
    names are compacted and, of each attribute, only its first instance's value member is kept (a
    VocabProperty's vocab compacted as a type, as compaction does)."""
    out: dict[str, Any] = {}
    for key, member in document.items():
        if key == "@context":
            continue
        if key in ldctx.ENTITY_MEMBERS:
            out[key] = ldctx._map_types(member, active.compact_type) if key == "type" else member
            continue
        name = active.compact_attribute(key)
        if not isinstance(member, dict | list):
            out[name] = member
            continue
        first = member[0] if isinstance(member, list) and member else member
        if not isinstance(first, dict):
            out[name] = ldctx._convert_attribute(member, active, False)
            continue
        kind = first.get("type", "Property")
        value_member = services._VALUE_MEMBER.get(kind, "value")
        if value_member in first:
            value = first[value_member]
            if value_member == "vocab" and first.get("type") == "VocabProperty":
                value = ldctx._map_types(value, active.compact_type)
        else:
            value = first.get("value")
        out[name] = value
    return out


def problem(error: NgsiLdError | ErrorType, detail: str = "") -> JsonResponse:
    if isinstance(error, NgsiLdError):
        body = error.problem_details()
        status = error.status
    else:
        body = problem_details(error, detail)
        status = error.status
    return JsonResponse(
        body, status=status, content_type="application/json", json_dumps_params={"ensure_ascii": False}
    )


def endpoint(**handlers: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A view dispatching on the HTTP method, turning NGSI-LD errors into ProblemDetails."""

    @csrf_exempt
    @wraps(next(iter(handlers.values())))
    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        handler = handlers.get((request.method or "").lower())
        if handler is None:
            response = problem(ErrorType.OPERATION_NOT_SUPPORTED, f"{request.method} is not supported here")
            response.status_code = 405
            response["Allow"] = ", ".join(m.upper() for m in handlers)
            return response
        try:
            with client_scope(request.META.get("REMOTE_ADDR", "")):  # remote @context fetches are per client
                call = Call(request, write=request.method not in ("GET", "HEAD"))
                return handler(call, *args, **kwargs)
        except NgsiLdError as exc:
            if isinstance(exc, AccessDenied) and not _bearer(request):
                response = problem(exc)
                response.status_code = 401
                response["WWW-Authenticate"] = "Bearer"
                return response
            return problem(exc)
        except re.error as exc:
            return problem(ErrorType.BAD_REQUEST_DATA, f"idPattern is not a valid regular expression: {exc}")
        except Exception:  # a bug must still answer ProblemDetails
            log.exception("NGSI-LD request failed")
            return problem(ErrorType.INTERNAL_ERROR, "an unexpected error occurred; it has been logged")

    return view


# ---------------------------------------------------------------------------------------------- entities


def _int_param(request: HttpRequest, name: str, default: int) -> int:
    raw = request.GET.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequestData(f"{name} must be an integer, got {raw!r}") from None
    if value < 0:
        raise BadRequestData(f"{name} must not be negative")
    if value > 2**31 - 1:  # (beyond what the database takes as LIMIT/OFFSET: was a 500)
        raise BadRequestData(f"{name} must be at most {2**31 - 1}")
    return value


def _split(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def _build_query(call: Call, params: dict[str, Any], *, require_filter: bool = True) -> selectors.EntityQuery:
    active = call.active()
    types = params.get("type")
    type_list = types if isinstance(types, list) else _split(types)
    if "*" in type_list:
        type_list = []
    ids = params.get("id")
    id_list = ids if isinstance(ids, list) else _split(ids)
    attrs = params.get("attrs")
    attr_list = attrs if isinstance(attrs, list) else _split(attrs)
    q_text = params.get("q")
    geo = params.get("geo")
    if geo is None and any(params.get(k) for k in ("georel", "geometry", "coordinates")):
        geo = ldgeo.parse_geo_query(
            params.get("georel"), params.get("geometry"), params.get("coordinates"), params.get("geoproperty")
        )
    if require_filter and not (types or ids or params.get("idPattern") or q_text or attr_list or geo):
        raise BadRequestData(
            "give at least one of type, id, idPattern, attrs, q or a geo-query (type=* for all)"
        )
    q_node = None
    if q_text:
        q_node = ldquery.map_attribute_names(ldquery.parse_query(q_text), active.expand_attribute)
    if geo is not None:
        geo = ldgeo.GeoQuery(
            geo.georel,
            geo.geometry,
            geoproperty=active.expand_attribute(geo.geoproperty),
            max_distance=geo.max_distance,
            min_distance=geo.min_distance,
        )
    pattern = params.get("idPattern") or None
    if pattern:
        re.compile(pattern)
    return selectors.EntityQuery(
        types=[active.expand_type(t) for t in type_list] or None,
        ids=id_list or None,
        id_pattern=pattern,
        q=q_node,
        geo=geo,
        attrs=[active.expand_attribute(a) for a in attr_list] or None,
    )


def _page(call: Call) -> tuple[int, int, bool]:
    limit = _int_param(call.request, "limit", DEFAULT_LIMIT)
    offset = _int_param(call.request, "offset", 0)
    count = call.request.GET.get("count", "").lower() == "true"
    if limit > MAX_LIMIT:
        raise TooManyResults(f"limit must be at most {MAX_LIMIT}")
    if limit == 0 and not count:
        raise BadRequestData("limit=0 is only allowed with count=true")
    return limit, offset, count


def _run_query(call: Call, query: selectors.EntityQuery, attrs: list[str] | None) -> HttpResponse:
    limit, offset, count = _page(call)
    # A page of up to 1,000 entities allocates thousands of documents, none in a cycle: without pausing the
    # cyclic collector, every few such pages set off a full collection of the process (~80 ms here).
    with services.gc_paused():
        return _query_page(call, query, attrs, limit, offset, count)


def _query_page(
    call: Call, query: selectors.EntityQuery, attrs: list[str] | None, limit: int, offset: int, count: bool
) -> HttpResponse:
    rows, total = selectors.entity_query(
        commune=call.commune,
        see_all=call.see_all,
        query=query,
        limit=limit,
        offset=offset,
        timestamps="sysAttrs" in call.options,
        rows=True,
    )
    expanded_attrs = query.attrs if attrs else None
    body = [call.render_entity(row, attrs=expanded_attrs) for row in rows]
    headers = {"NGSILD-Results-Count": str(total)} if count else {}
    return call.respond(body, headers=headers)


def entities_get(call: Call) -> HttpResponse:
    params = {
        k: call.request.GET.get(k)
        for k in ("type", "id", "idPattern", "attrs", "q", "georel", "geometry", "coordinates", "geoproperty")
    }
    query = _build_query(
        call,
        params,
        require_filter=call.request.GET.get("count") != "true" or call.request.GET.get("limit") != "0",
    )
    return _run_query(call, query, _split(params["attrs"]))


def entities_post(call: Call) -> HttpResponse:
    body, context = call.body()
    entity = call.expand(body, context)
    row = services.entity_create(commune=call.commune, entity=entity, actor=None)
    response = HttpResponse(status=201)
    response["Location"] = f"{BASE}/entities/{urllib.parse.quote(row.entity_id, safe=':')}"
    return response


def _entity_or_404(call: Call, entity_id: str) -> Entity:
    row = selectors.entity_get(commune=call.commune, entity_id=entity_id, see_all=call.see_all)
    if row is None:
        raise ResourceNotFound(f"entity {entity_id} was not found")
    return row


def entity_get(call: Call, entity_id: str) -> HttpResponse:
    row = _entity_or_404(call, entity_id)
    attrs = [call.expand_attr(a) for a in _split(call.request.GET.get("attrs"))] or None
    return call.respond(call.render_entity(row, attrs=attrs))


def entity_delete(call: Call, entity_id: str) -> HttpResponse:
    services.entity_delete(commune=call.commune, entity_id=entity_id)
    return HttpResponse(status=204)


def entity_put(call: Call, entity_id: str) -> HttpResponse:
    body, context = call.body()
    services.entity_replace(
        commune=call.commune,
        entity_id=entity_id,
        entity=call.expand({**body, "id": entity_id} if isinstance(body, dict) else body, context),
    )
    return HttpResponse(status=204)


def entity_patch(call: Call, entity_id: str) -> HttpResponse:
    body, context = call.body(merge=True)
    services.entity_merge(
        commune=call.commune, entity_id=entity_id, fragment=call.expand(_with_id(body, entity_id), context)
    )
    return HttpResponse(status=204)


def _with_id(body: Any, entity_id: str) -> Any:
    if isinstance(body, dict):
        return {**body, "id": body.get("id", entity_id)}
    return body


def _partial(
    call: Call, entity_id: str, updated: list[str], not_updated: list[str], reason: str
) -> HttpResponse:
    if not not_updated:
        return HttpResponse(status=204)
    active = call.active()
    return JsonResponse(
        {
            "updated": [active.compact_attribute(a) for a in updated],
            "notUpdated": [
                {"attributeName": active.compact_attribute(a), "reason": reason} for a in not_updated
            ],
        },
        status=207,
    )


def attrs_post(call: Call, entity_id: str) -> HttpResponse:
    body, context = call.body()
    expanded = call.expand(_with_id(body, entity_id), context)
    updated, not_updated = services.attrs_append(
        commune=call.commune, entity_id=entity_id, attrs=expanded, no_overwrite="noOverwrite" in call.options
    )
    return _partial(call, entity_id, updated, not_updated, "attribute exists and noOverwrite was given")


def attrs_patch(call: Call, entity_id: str) -> HttpResponse:
    body, context = call.body(merge=True)
    expanded = call.expand(_with_id(body, entity_id), context)
    updated, not_updated = services.attrs_update(commune=call.commune, entity_id=entity_id, attrs=expanded)
    return _partial(call, entity_id, updated, not_updated, "the entity has no such attribute")


def attr_patch(call: Call, entity_id: str, attr: str) -> HttpResponse:
    body, context = call.body(merge=True)
    ctx = RESOLVER.resolve(
        context if context is not None else (body.get("@context") if isinstance(body, dict) else None)
    )
    name = ctx.expand_attribute(attr)
    if not isinstance(body, dict):
        raise BadRequestData("the body must be a JSON object with the attribute's new members")
    fragment = {k: v for k, v in body.items() if k != "@context"}
    services.attr_partial_update(commune=call.commune, entity_id=entity_id, attribute=name, fragment=fragment)
    return HttpResponse(status=204)


def attr_delete(call: Call, entity_id: str, attr: str) -> HttpResponse:
    services.attr_delete(commune=call.commune, entity_id=entity_id, attribute=call.expand_attr(attr))
    return HttpResponse(status=204)


# ------------------------------------------------------------------------------------------------ batch


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
    attrs: list[str] = raw_attrs if isinstance(raw_attrs, list) else _split(raw_attrs)
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
    }
    query = _build_query(call, params)
    return _run_query(call, query, attrs)


# --------------------------------------------------------------------------------------- types, attributes


def types_get(call: Call) -> HttpResponse:
    active = call.active()
    names = [active.compact_type(t) for t in selectors.type_list(commune=call.commune, see_all=call.see_all)]
    return call.respond(
        {"id": f"urn:ngsi-ld:EntityTypeList:{call.commune.slug}", "type": "EntityTypeList", "typeList": names}
    )


def attributes_get(call: Call) -> HttpResponse:
    active = call.active()
    names = [
        active.compact_attribute(a)
        for a in selectors.attribute_list(commune=call.commune, see_all=call.see_all)
    ]
    return call.respond(
        {
            "id": f"urn:ngsi-ld:AttributeList:{call.commune.slug}",
            "type": "AttributeList",
            "attributeList": names,
        }
    )


# ---------------------------------------------------------------------------------------------- temporal

HOUR = ldtemporal.parse_duration("PT1H")
DAY = ldtemporal.parse_duration("P1D")


class _TemporalPage:
    """Temporal pagination (CIM 009 §6.3.10): at most ``limit`` instances per attribute in one response.

    The instances of every attribute of every entity asked for are read first (at most limit + 1 each). If
    one attribute has more, the answer is cut at the same instant for all of them — without lastN, the
    oldest instances up to the latest instant every truncated attribute reached; with lastN, the most recent
    ones down to the oldest instant they all reached — and the view answers 206 Partial Content with
    ``Content-Range: date-time <first>-<last>/<size>`` (size: lastN, or ``*``). The next page is asked for by
    moving timeAt (or endTimeAt with lastN) past that range.
    """

    def __init__(self, tq: ldtemporal.TemporalQuery, limit: int) -> None:
        self.tq = tq
        self.limit = limit
        self._series: dict[tuple[int, str], list[tuple[Any, Any, str]]] = {}
        self.truncated = False
        self.first: Any = None
        self.last: Any = None

    def read(self, row: Entity, names: list[str]) -> None:
        start, end = self.tq.bounds()
        for name in names:
            self._series[(row.pk, name)] = selectors.observation_series(
                entity=row, attribute=name, start=start, end=end, last_n=self.tq.last_n, limit=self.limit + 1
            )

    def finish(self) -> None:
        newest_first = bool(self.tq.last_n)
        over = [s for s in self._series.values() if len(s) > self.limit]
        if not over:
            return
        self.truncated = True
        if newest_first:  # keep the `limit` most recent of each truncated series, cut where all reach
            cut = max(s[-self.limit][0] for s in over)
            for key, series in self._series.items():
                self._series[key] = [item for item in series if item[0] >= cut]
            kept = [s for s in self._series.values() if s]
            self.first = max(s[-1][0] for s in kept)
            self.last = cut
        else:
            cut = min(s[self.limit - 1][0] for s in over)
            for key, series in self._series.items():
                self._series[key] = [item for item in series if item[0] <= cut]
            kept = [s for s in self._series.values() if s]
            start = self.tq.bounds()[0]
            self.first = start if start is not None else min(s[0][0] for s in kept)
            self.last = cut

    def series(self, row: Entity, name: str) -> list[tuple[Any, Any, str]] | None:
        return self._series.get((row.pk, name))

    def content_range(self) -> str:
        size = str(self.tq.last_n) if self.tq.last_n else "*"
        return f"date-time {ldtemporal.format_datetime(self.first)}-{ldtemporal.format_datetime(self.last)}/{size}"


def _temporal_limit() -> int:
    return int(getattr(settings, "BEFFROI_NGSILD_TEMPORAL_LIMIT", TEMPORAL_LIMIT))


def _temporal_response(
    call: Call, rows: list[Entity], tq: ldtemporal.TemporalQuery, attrs: list[str] | None, headers: dict
) -> list[dict[str, Any]]:
    """The temporal representations of ``rows``, paginated (206 and Content-Range set in ``headers``)."""
    page = None
    if "aggregatedValues" not in call.options:  # (aggregates are few: never paginated)
        page = _TemporalPage(tq, _temporal_limit())
        for row in rows:
            page.read(row, attrs or selectors.observed_attributes(entity=row))
        page.finish()
        if page.truncated:
            headers["Content-Range"] = page.content_range()
    return [_temporal_entity(call, row, tq, attrs, page) for row in rows]


def _temporal_entity(
    call: Call,
    row: Entity,
    tq: ldtemporal.TemporalQuery,
    attrs: list[str] | None,
    page: _TemporalPage | None = None,
) -> dict[str, Any]:
    from datetime import timedelta

    active = call.active()
    start, end = tq.bounds()
    aggregated = "aggregatedValues" in call.options
    representation: ldtemporal.Representation = (
        "aggregatedValues"
        if aggregated
        else ("temporalValues" if "temporalValues" in call.options else "normalized")
    )
    methods: tuple[str, ...] = ()
    period = None
    if aggregated:
        methods = ldtemporal.parse_aggregation_methods(call.request.GET.get("aggrMethods"))
        raw_period = call.request.GET.get("aggrPeriodDuration")
        period = ldtemporal.parse_duration(raw_period) if raw_period else None
    names = attrs or selectors.observed_attributes(entity=row)
    out: dict[str, Any] = {}
    for name in names:
        if (
            aggregated
            and period is not None
            and start is not None
            and not (set(methods) - {"avg", "min", "max", "sum", "totalCount"})
        ):
            granularity = None
            if (
                ldtemporal.rollup_compatible(period, timedelta(days=1), start)
                and period.fixed >= timedelta(days=1)
                or period.months
            ):
                granularity = ("day", timedelta(days=1))
            elif ldtemporal.rollup_compatible(period, timedelta(hours=1), start):
                granularity = ("hour", timedelta(hours=1))
            if granularity is not None:
                value = _aggregate_from_rollups(row, name, granularity[0], start, end, period, methods)
                if value:
                    out[active.compact_attribute(name)] = {"type": "Property", **value}
                continue
        series = page.series(row, name) if page is not None else None
        if series is None:
            series = selectors.observation_series(
                entity=row, attribute=name, start=start, end=end, last_n=tq.last_n
            )
        if not series:
            continue
        instances = [ldtemporal.Instance(value=v, observed_at=t, unit_code=u or None) for t, v, u in series]
        out[active.compact_attribute(name)] = ldtemporal.temporal_attribute(
            instances, representation=representation, methods=methods, period=period, origin=start, end=end
        )
    body = ldtemporal.temporal_entity(row.entity_id, active.compact_type(row.type_iri), out)
    if call.ld:
        body["@context"] = [call.link_context or ldctx.DEFAULT_CORE_CONTEXT_URL]
    return body


def _aggregate_from_rollups(row, name, granularity, start, end, period, methods):
    rollups = selectors.rollup_values(
        entity=row, attribute=name, granularity=granularity, start=start, end=end
    )
    buckets: dict[int, ldtemporal.Accumulator] = {}
    for bucket, count, total, minimum, maximum in rollups:
        index = ldtemporal.period_index(bucket, start, period)
        acc = ldtemporal.Accumulator.from_rollup(count=count, total=total, minimum=minimum, maximum=maximum)
        if index in buckets:
            buckets[index].merge(acc)
        else:
            buckets[index] = acc
    periods = []
    for index in sorted(buckets):
        stop = period.add_to(start, index + 1)
        if end is not None and stop > end:
            stop = end
        periods.append(ldtemporal.Period(period.add_to(start, index), stop, buckets[index]))
    values = ldtemporal.aggregated_values(periods, methods)
    return values if any(values.values()) else {}


def _temporal_query(call: Call) -> ldtemporal.TemporalQuery:
    g = call.request.GET
    return ldtemporal.parse_temporal_query(
        g.get("timerel"), g.get("timeAt"), g.get("endTimeAt"), g.get("timeproperty"), g.get("lastN")
    )


def temporal_entity_get(call: Call, entity_id: str) -> HttpResponse:
    row = _entity_or_404(call, entity_id)
    tq = _temporal_query(call)
    attrs = [call.expand_attr(a) for a in _split(call.request.GET.get("attrs"))] or None
    headers: dict[str, str] = {}
    body = _temporal_response(call, [row], tq, attrs, headers)[0]
    return call.respond(body, status=206 if "Content-Range" in headers else 200, headers=headers)


def temporal_entities_get(call: Call) -> HttpResponse:
    tq = _temporal_query(call)
    params = {
        k: call.request.GET.get(k)
        for k in ("type", "id", "idPattern", "attrs", "q", "georel", "geometry", "coordinates", "geoproperty")
    }
    query = _build_query(call, params)
    limit, offset, count = _page(call)
    rows, total = selectors.entity_query(
        commune=call.commune, see_all=call.see_all, query=query, limit=limit, offset=offset
    )
    headers = {"NGSILD-Results-Count": str(total)} if count else {}
    body = _temporal_response(call, list(rows), tq, query.attrs, headers)
    return call.respond(body, status=206 if "Content-Range" in headers else 200, headers=headers)


# ----------------------------------------------------------------------------------------------- views

entities = endpoint(get=entities_get, post=entities_post)
entity = endpoint(get=entity_get, delete=entity_delete, put=entity_put, patch=entity_patch)
entity_attrs = endpoint(post=attrs_post, patch=attrs_patch)
entity_attr = endpoint(patch=attr_patch, delete=attr_delete)
op_create = endpoint(post=batch_create)
op_upsert = endpoint(post=batch_upsert)
op_update = endpoint(post=batch_update)
op_delete = endpoint(post=batch_delete)
op_query = endpoint(post=batch_query)
types = endpoint(get=types_get)
attributes = endpoint(get=attributes_get)
temporal_entities = endpoint(get=temporal_entities_get)
temporal_entity = endpoint(get=temporal_entity_get)


@csrf_exempt
def context_file(request: HttpRequest, name: str) -> HttpResponse:
    """Serve a bundled JSON-LD context (so clients without Internet access can fetch them from us)."""
    path = ldctx.CONTEXTS_DIR / name
    if not re.fullmatch(r"[A-Za-z0-9.\-]+\.jsonld", name) or not path.is_file():
        return problem(ResourceNotFound(f"no bundled context named {name}"))
    return HttpResponse(path.read_bytes(), content_type="application/ld+json")


# ------------------------------------------------------------------------------------------ subscriptions


def _sub_context(call: Call, body: Any, context: Any) -> Any:
    if context is not None:
        return context
    if isinstance(body, dict) and body.get("@context") is not None:
        return body["@context"]
    return None


def subscriptions_post(call: Call) -> HttpResponse:
    from . import subscriptions

    body, context = call.body()
    row = subscriptions.subscription_create(
        commune=call.commune, body=body, context=_sub_context(call, body, context)
    )
    response = HttpResponse(status=201)
    response["Location"] = f"{BASE}/subscriptions/{row.subscription_id}"
    return response


def subscriptions_get(call: Call) -> HttpResponse:
    from . import subscriptions
    from .models import Subscription

    if not call.see_all:
        raise AccessDenied("listing subscriptions needs an API key of the commune")
    limit, offset, count = _page(call)
    qs = Subscription.objects.filter(commune=call.commune).order_by("subscription_id")
    body = [subscriptions.subscription_document(s) for s in qs[offset : offset + limit]]
    return call.respond(body, headers={"NGSILD-Results-Count": str(qs.count())} if count else {})


def _subscription_or_404(call: Call, sub_id: str):
    from .models import Subscription

    if not call.see_all:
        raise AccessDenied("reading subscriptions needs an API key of the commune")
    row = Subscription.objects.filter(commune=call.commune, subscription_id=sub_id).first()
    if row is None:
        raise ResourceNotFound(f"subscription {sub_id} was not found")
    return row


def subscription_get(call: Call, sub_id: str) -> HttpResponse:
    from . import subscriptions

    return call.respond(subscriptions.subscription_document(_subscription_or_404(call, sub_id)))


def subscription_patch(call: Call, sub_id: str) -> HttpResponse:
    from . import subscriptions

    body, context = call.body(merge=True)
    subscriptions.subscription_update(
        commune=call.commune, sub_id=sub_id, fragment=body, context=_sub_context(call, body, context)
    )
    return HttpResponse(status=204)


def subscription_delete(call: Call, sub_id: str) -> HttpResponse:
    from . import subscriptions

    subscriptions.subscription_delete(commune=call.commune, sub_id=sub_id)
    return HttpResponse(status=204)


subscriptions_view = endpoint(get=subscriptions_get, post=subscriptions_post)
subscription_view = endpoint(get=subscription_get, patch=subscription_patch, delete=subscription_delete)


def openapi_view(request: HttpRequest) -> HttpResponse:
    """The OpenAPI description of the supported subset."""
    from .ngsild_openapi import openapi

    return JsonResponse(openapi())
