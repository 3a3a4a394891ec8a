"""NGSI-LD entities (CIM 009 §5.6, §5.7): queries, one entity, its attributes, the types and attributes
lists, and the bundled @context files."""

from __future__ import annotations

import re
import urllib.parse
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from beffroi.core.gc_pause import gc_paused
from beffroi.datahub import selectors, services
from beffroi.datahub.models import Entity
from beffroi.datahub.ngsild import context as ldctx
from beffroi.datahub.ngsild import geo as ldgeo
from beffroi.datahub.ngsild import geojson
from beffroi.datahub.ngsild import query as ldquery
from beffroi.datahub.ngsild.errors import BadRequestData, ResourceNotFound
from beffroi.datahub.ngsild.names import NAME_RULES, NameProblem, attribute_name_problem, is_uri
from beffroi.datahub.ngsild.ordering import map_order_names, parse_order_by
from beffroi.datahub.ngsild.projection import is_empty
from beffroi.datahub.ngsild.scope import parse_scope_query
from beffroi.datahub.ngsild.types import TypeGroups, map_type_names, parse_type_selection
from beffroi.datahub.ngsild_http import joins
from beffroi.datahub.ngsild_http.call import (
    BASE,
    RESOLVER,
    Call,
    endpoint,
    page_links,
    page_params,
    problem,
    split_list,
)
from beffroi.datahub.selectors import EntityQuery


def build_query(call: Call, params: dict[str, Any], *, require_filter: bool = True) -> EntityQuery:
    """The entity query of request parameters (§5.7.2): types, ids, idPattern, q, geo-query and attrs, each
    name expanded with the request's @context."""
    active = call.active()
    types = params.get("type")
    type_groups: TypeGroups = []
    if isinstance(types, list):  # (entityOperations/query: one type per entity selector, any of them)
        type_groups = [frozenset({t}) for t in types if t != "*"] if "*" not in types else []
    elif types and types.strip() != "*":
        type_groups = parse_type_selection(types)  # §4.17: "(A;B),C"
    ids = params.get("id")
    id_list = ids if isinstance(ids, list) else split_list(ids)
    for entity_id in id_list:
        if not is_uri(entity_id):
            raise BadRequestData(f"id: {str(entity_id)[:80]!r} is not a URI")
    attrs = params.get("attrs")
    attr_list = attrs if isinstance(attrs, list) else split_list(attrs)
    for name in attr_list:
        problem = attribute_name_problem(name)
        if problem is not None and problem != NameProblem.RESERVED:
            raise BadRequestData(f"attrs: {str(name)[:60]!r}: {NAME_RULES[problem]}")
    q_text = params.get("q")
    geo = params.get("geo")
    # (geometry and coordinates without georel: only the reference of an orderBy by distance, §4.23)
    distance_only = not params.get("georel") and ";dist-" in (params.get("orderBy") or "")
    if (
        geo is None
        and not distance_only
        and any(params.get(k) for k in ("georel", "geometry", "coordinates"))
    ):
        geo = ldgeo.parse_geo_query(
            params.get("georel"), params.get("geometry"), params.get("coordinates"), params.get("geoproperty")
        )
    scope_q = params.get("scopeQ")
    if require_filter and not (
        types or ids or params.get("idPattern") or q_text or attr_list or geo or scope_q
    ):
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
    order = None
    reference = None
    if params.get("orderBy"):
        order = map_order_names(parse_order_by(params["orderBy"]), active.expand_attribute)
        if any(key.distance for key in order):
            if not (params.get("geometry") and params.get("coordinates")):
                raise BadRequestData("orderBy with dist-asc or dist-desc needs geometry and coordinates")
            reference = ldgeo.to_shape(
                {
                    "type": ldgeo.parse_geometry_type(params["geometry"]),
                    "coordinates": ldgeo.parse_coordinates(params["coordinates"]),
                }
            )
    pattern = params.get("idPattern") or None
    if pattern:
        re.compile(pattern)
    return EntityQuery(
        types=map_type_names(type_groups, active.expand_type) or None,
        ids=id_list or None,
        id_pattern=pattern,
        q=q_node,
        geo=geo,
        attrs=[active.expand_attribute(a) for a in attr_list] or None,
        scope=parse_scope_query(scope_q) if scope_q else None,
        order=order,
        order_reference=reference,
    )


def run_query(call: Call, query: EntityQuery, attrs: list[str] | None) -> HttpResponse:
    """One page of the entities a query matches, rendered as the request asks (§5.7.2)."""
    limit, offset, count = page_params(call)
    # A page of up to 1,000 entities allocates thousands of documents, none in a cycle: without pausing the
    # cyclic collector, every few such pages set off a full collection of the process (~80 ms here).
    with gc_paused():
        return _query_page(call, query, attrs, limit, offset, count)


def _query_page(
    call: Call, query: EntityQuery, attrs: list[str] | None, limit: int, offset: int, count: bool
) -> HttpResponse:
    rows, total = selectors.entity_query(
        commune=call.commune,
        see_all=call.see_all,
        query=query,
        limit=limit,
        offset=offset,
        timestamps="sysAttrs" in call.options,
        rows=True,
        count=count,
    )
    expanded_attrs = query.attrs if attrs else None
    join, level = joins.parse_join(call)
    body = [call.render_entity(row, attrs=expanded_attrs) for row in rows]
    if join == "inline":
        joins.inline(call, list(rows), body, level)
    elif join == "flat":
        body = joins.flat(call, list(rows), body, level)
    if call.projection.active:
        body = [entity for entity in body if not is_empty(entity)]
    headers = {"NGSILD-Results-Count": str(total)} if count else {}
    if call.geo:
        geometry = call.request.GET.get("geometryProperty") or "location"
        response = call.respond(geojson.feature_collection(body, geometry), headers=headers)
    else:
        response = call.respond(body, headers=headers)
    page_links(call, response, limit, offset, total)
    return response


def entities_get(call: Call) -> HttpResponse:
    params = {
        k: call.request.GET.get(k)
        for k in (
            "type",
            "id",
            "idPattern",
            "attrs",
            "q",
            "georel",
            "geometry",
            "coordinates",
            "geoproperty",
            "scopeQ",
            "orderBy",
        )
    }
    query = build_query(
        call,
        params,
        require_filter=call.request.GET.get("count") != "true" or call.request.GET.get("limit") != "0",
    )
    return run_query(call, query, split_list(params["attrs"]))


def entities_post(call: Call) -> HttpResponse:
    body, context = call.body(entity=True)
    entity = call.expand(body, context)
    row = services.entity_create(commune=call.commune, entity=entity, actor=None)
    response = HttpResponse(status=201)
    response["Location"] = f"{BASE}/entities/{urllib.parse.quote(row.entity_id, safe=':')}"
    return response


def entity_or_404(call: Call, entity_id: str) -> Entity:
    """The entity the request names, if the caller may see it; ResourceNotFound otherwise."""
    row = selectors.entity_get(commune=call.commune, entity_id=entity_id, see_all=call.see_all)
    if row is None:
        raise ResourceNotFound(f"entity {entity_id} was not found")
    return row


def entity_get(call: Call, entity_id: str) -> HttpResponse:
    row = selectors.entity_row_get(commune=call.commune, entity_id=entity_id, see_all=call.see_all)
    if row is None:
        raise ResourceNotFound(f"entity {entity_id} was not found")
    attrs = [call.expand_attr(a) for a in split_list(call.request.GET.get("attrs"))] or None
    join, level = joins.parse_join(call)
    body = call.render_entity(row, attrs=attrs)
    if call.projection.active and is_empty(body):
        raise ResourceNotFound(f"entity {entity_id} has no member left once pick and omit are applied")
    geometry = call.request.GET.get("geometryProperty") or "location"
    if join == "flat":
        bodies = joins.flat(call, [row], [body], level)
        return call.respond(geojson.feature_collection(bodies, geometry) if call.geo else bodies)
    if join == "inline":
        joins.inline(call, [row], [body], level)
    return call.respond(geojson.feature(body, geometry) if call.geo else body)


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
    g = call.request.GET
    delete_all = g.get("deleteAll", "false").lower()
    if delete_all not in ("true", "false"):
        raise BadRequestData("deleteAll must be true or false")
    dataset_id = g.get("datasetId") or None
    if dataset_id is not None and not is_uri(dataset_id):
        raise BadRequestData("datasetId must be a URI")
    services.attr_delete(
        commune=call.commune,
        entity_id=entity_id,
        attribute=call.expand_attr(attr),
        dataset_id=dataset_id,
        delete_all=delete_all == "true",
    )
    return HttpResponse(status=204)


def attr_put(call: Call, entity_id: str, attr: str) -> HttpResponse:
    """Replace an attribute (§5.6.19): the body is the attribute's new representation."""
    body, context = call.body()
    if not isinstance(body, dict | list) or not body:
        raise BadRequestData("the body must be the attribute: an object with its type and value")
    ctx = RESOLVER.resolve(context if context is not None else _body_context(body))
    fragment = ldctx.expand_entity({"id": entity_id, "type": "x", attr: _strip_context(body)}, ctx)
    name = ctx.expand_attribute(attr)
    services.attr_replace(commune=call.commune, entity_id=entity_id, attribute=name, member=fragment[name])
    return HttpResponse(status=204)


def _body_context(body: Any) -> Any:
    return body.get("@context") if isinstance(body, dict) else None


def _strip_context(body: Any) -> Any:
    return {k: v for k, v in body.items() if k != "@context"} if isinstance(body, dict) else body


def _details(call: Call) -> bool:
    value = call.request.GET.get("details", "false").lower()
    if value not in ("true", "false"):
        raise BadRequestData("details must be true or false")
    return value == "true"


def types_get(call: Call) -> HttpResponse:
    active = call.active()
    iris = selectors.type_list(commune=call.commune, see_all=call.see_all)
    if _details(call):  # §5.7.6: one EntityType per type, with its attribute names
        body = []
        for iri in iris:
            _count, stats = selectors.attribute_details(
                commune=call.commune, see_all=call.see_all, type_iri=iri
            )
            body.append(
                {
                    "id": iri,
                    "type": "EntityType",
                    "typeName": active.compact_type(iri),
                    "attributeNames": [active.compact_attribute(a) for a in sorted(stats)],
                }
            )
        return call.respond(body)
    names = [active.compact_type(t) for t in iris]
    return call.respond(
        {"id": f"urn:ngsi-ld:EntityTypeList:{call.commune.slug}", "type": "EntityTypeList", "typeList": names}
    )


def type_get(call: Call, type_name: str) -> HttpResponse:
    """§5.7.7: what the entities of one type hold (EntityTypeInfo); 404 when there is none."""
    active = call.active()
    iri = active.expand_type(type_name)
    count, stats = selectors.attribute_details(commune=call.commune, see_all=call.see_all, type_iri=iri)
    if not count:
        raise ResourceNotFound(f"no entity of type {type_name}")
    return call.respond(
        {
            "id": iri,
            "type": "EntityTypeInfo",
            "typeName": active.compact_type(iri),
            "entityCount": count,
            "attributeDetails": [
                {
                    "id": name,
                    "type": "Attribute",
                    "attributeName": active.compact_attribute(name),
                    "attributeTypes": sorted(entry.attribute_types),
                }
                for name, entry in sorted(stats.items())
            ],
        }
    )


def _attribute_body(call: Call, name: str, entry: selectors.AttributeStats) -> dict[str, Any]:
    active = call.active()
    return {
        "id": name,
        "type": "Attribute",
        "attributeName": active.compact_attribute(name),
        "attributeCount": entry.count,
        "attributeTypes": sorted(entry.attribute_types),
        "typeNames": sorted(active.compact_type(t) for t in entry.type_iris),
    }


def attribute_get(call: Call, attr: str) -> HttpResponse:
    """§5.7.9: one attribute across the tenant's entities (Attribute); 404 when no entity has it."""
    name = call.expand_attr(attr)
    _count, stats = selectors.attribute_details(commune=call.commune, see_all=call.see_all)
    if name not in stats:
        raise ResourceNotFound(f"no entity has an attribute {attr}")
    return call.respond(_attribute_body(call, name, stats[name]))


def attributes_get(call: Call) -> HttpResponse:
    if _details(call):  # §5.7.8: one Attribute per attribute
        _count, stats = selectors.attribute_details(commune=call.commune, see_all=call.see_all)
        return call.respond([_attribute_body(call, name, entry) for name, entry in sorted(stats.items())])
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


def entities_delete(call: Call) -> HttpResponse:
    """Purge (§5.6.21): delete every entity a query (type, id, idPattern, q…) matches; 204."""
    params = {k: call.request.GET.get(k) for k in ("type", "id", "idPattern", "q")}
    if not any(params.values()):
        raise BadRequestData("give type, id, idPattern or q to say which entities to purge")
    query = build_query(call, params)
    ids: list[str] = []
    offset = 0
    while True:  # (by pages: the selector's bounds hold; a commune has at most a few hundred thousand)
        rows, _total = selectors.entity_query(
            commune=call.commune, see_all=call.see_all, query=query, limit=1000, offset=offset
        )
        page = [row.entity_id for row in rows]
        ids.extend(page)
        if len(page) < 1000:
            break
        offset += 1000
    services.entity_purge(commune=call.commune, entity_ids=ids)
    return HttpResponse(status=204)


entities = endpoint(get=entities_get, post=entities_post, delete=entities_delete)
entity = endpoint(get=entity_get, delete=entity_delete, put=entity_put, patch=entity_patch)
entity_attrs = endpoint(post=attrs_post, patch=attrs_patch)
entity_attr = endpoint(patch=attr_patch, delete=attr_delete, put=attr_put)
types = endpoint(get=types_get)
entity_type = endpoint(get=type_get)
attributes = endpoint(get=attributes_get)
attribute = endpoint(get=attribute_get)


@csrf_exempt
def context_file(request: HttpRequest, name: str) -> HttpResponse:
    """Serve a bundled JSON-LD context (so clients without Internet access can fetch them from us)."""
    path = ldctx.CONTEXTS_DIR / name
    if not re.fullmatch(r"[A-Za-z0-9.\-]+\.jsonld", name) or not path.is_file():
        return problem(ResourceNotFound(f"no bundled context named {name}"))
    return HttpResponse(path.read_bytes(), content_type="application/ld+json")
