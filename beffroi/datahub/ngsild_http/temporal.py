"""The NGSI-LD temporal API (CIM 009 §5.6.11–§5.6.16, §5.7.3, §5.7.4, §6.3.10): an entity's history, a
query's histories, aggregated values (from the hourly and daily roll-ups where the period allows), and the
writes (temporal entities, attribute instances) through services.temporal."""

from __future__ import annotations

import urllib.parse
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.http import HttpResponse

from beffroi.datahub import selectors, services
from beffroi.datahub.documents import entity_types
from beffroi.datahub.models import Entity
from beffroi.datahub.ngsild import context as ldctx
from beffroi.datahub.ngsild import temporal as ldtemporal
from beffroi.datahub.ngsild.errors import BadRequestData, InvalidRequest
from beffroi.datahub.ngsild.names import is_uri
from beffroi.datahub.ngsild.temporal import instance_iri
from beffroi.datahub.ngsild_http.call import (
    BASE,
    RESOLVER,
    Call,
    endpoint,
    page_links,
    page_params,
    split_list,
)
from beffroi.datahub.ngsild_http.entities import build_query, entity_or_404

TEMPORAL_LIMIT = 10000

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
        self._series: dict[tuple[int, str], list[tuple[Any, Any, str, int, str | None]]] = {}
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

    def series(self, row: Entity, name: str) -> list[tuple[Any, Any, str, int, str | None]] | None:
        return self._series.get((row.pk, name))

    def content_range(self) -> str:
        size = str(self.tq.last_n) if self.tq.last_n else "*"
        return f"date-time {ldtemporal.format_datetime(self.first)}-{ldtemporal.format_datetime(self.last)}/{size}"


def _temporal_limit() -> int:
    return int(getattr(settings, "BEFFROI_NGSILD_TEMPORAL_LIMIT", TEMPORAL_LIMIT))


def _temporal_response(
    call: Call,
    rows: list[Entity],
    tq: ldtemporal.TemporalQuery,
    attrs: list[str] | None,
    headers: dict[str, str],
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
        instances = []
        attribute_type = "Property"
        for t, v, u, pk, dataset in series:
            # (any attribute type: a Relationship's objects, a LanguageProperty's languageMaps…, §4.5.7)
            attribute_type, value, unit = ldtemporal.read_instance(v, u or "")
            instances.append(
                ldtemporal.Instance(
                    value=value,
                    observed_at=t,
                    unit_code=unit or None,
                    instance_id=instance_iri(pk),
                    dataset_id=dataset,
                )
            )
        rendered = ldtemporal.temporal_attribute(
            instances,
            representation=representation,
            attribute_type=attribute_type,
            methods=methods,
            period=period,
            origin=start,
            end=end,
        )
        if attribute_type == "VocabProperty" and not aggregated:  # (its vocab is stored expanded)
            rendered = ldctx.compact_attribute(rendered, active)
        out[active.compact_attribute(name)] = rendered
    kinds = entity_types(row)
    kind = [active.compact_type(k) for k in kinds] if isinstance(kinds, list) else active.compact_type(kinds)
    body = ldtemporal.temporal_entity(row.entity_id, kind, out)
    if call.ld:
        body["@context"] = [call.link_context or ldctx.CORE_CONTEXT_URL]
    return call.projection.apply(body) if call.projection.active else body


def _aggregate_from_rollups(
    row: Entity,
    name: str,
    granularity: str,
    start: datetime,
    end: datetime | None,
    period: ldtemporal.Duration,
    methods: tuple[str, ...],
) -> dict[str, list[list[Any]]]:
    """aggregatedValues of one attribute from its hourly or daily roll-ups (periods that are whole buckets)."""
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
    row = entity_or_404(call, entity_id)
    tq = _temporal_query(call)
    attrs = [call.expand_attr(a) for a in split_list(call.request.GET.get("attrs"))] or None
    headers: dict[str, str] = {}
    body = _temporal_response(call, [row], tq, attrs, headers)[0]
    return call.respond(body, status=206 if "Content-Range" in headers else 200, headers=headers)


def temporal_entities_get(call: Call) -> HttpResponse:
    tq = _temporal_query(call)
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
            "orderBy",
        )
    }
    query = build_query(call, params)
    limit, offset, count = page_params(call)
    rows, total = selectors.entity_query(
        commune=call.commune, see_all=call.see_all, query=query, limit=limit, offset=offset
    )
    headers = {"NGSILD-Results-Count": str(total)} if count else {}
    body = _temporal_response(call, list(rows), tq, query.attrs, headers)
    response = call.respond(body, status=206 if "Content-Range" in headers else 200, headers=headers)
    page_links(call, response, limit, offset, total)
    return response


# ------------------------------------------------------------------------------------------ writes


def temporal_entities_post(call: Call) -> HttpResponse:
    """Create an entity's temporal representation, or add its instances (§5.6.11): 201, or 204 if it was
    there."""
    body, context = call.body(entity=True)
    created = services.temporal_entity_upsert(commune=call.commune, entity=call.expand(body, context))
    if not created:
        return HttpResponse(status=204)
    response = HttpResponse(status=201)
    response["Location"] = f"{BASE}/temporal/entities/{urllib.parse.quote(body['id'], safe=':')}"
    return response


def temporal_entity_delete(call: Call, entity_id: str) -> HttpResponse:
    services.temporal_entity_delete(commune=call.commune, entity_id=entity_id)
    return HttpResponse(status=204)


def temporal_attrs_post(call: Call, entity_id: str) -> HttpResponse:
    body, context = call.body()
    if not isinstance(body, dict):
        raise InvalidRequest("the body must be an object of attributes and their instances")
    expanded = call.expand({**body, "id": body.get("id", entity_id)}, context)
    if expanded.get("id") != entity_id:
        raise BadRequestData("id in the body does not match the entity in the URL")
    services.temporal_attrs_append(commune=call.commune, entity_id=entity_id, attrs=expanded)
    return HttpResponse(status=204)


def temporal_attr_delete(call: Call, entity_id: str, attr: str) -> HttpResponse:
    g = call.request.GET
    delete_all = g.get("deleteAll", "false").lower()
    if delete_all not in ("true", "false"):
        raise BadRequestData("deleteAll must be true or false")
    dataset_id = g.get("datasetId") or None
    if dataset_id is not None and not is_uri(dataset_id):
        raise BadRequestData("datasetId must be a URI")
    if dataset_id is not None and delete_all == "true":
        raise BadRequestData("give datasetId or deleteAll=true, not both")
    services.temporal_attr_delete(
        commune=call.commune,
        entity_id=entity_id,
        attribute=call.expand_attr(attr),
        dataset_id=dataset_id,
        delete_all=delete_all == "true",
    )
    return HttpResponse(status=204)


def temporal_instance_patch(call: Call, entity_id: str, attr: str, instance_id: str) -> HttpResponse:
    body, context = call.body()
    if not isinstance(body, dict):
        raise BadRequestData("the body must be an object with the instance's new members")
    ctx = RESOLVER.resolve(context if context is not None else body.get("@context"))
    name = ctx.expand_attribute(attr)
    nested = body.get(attr)
    fragment: dict[str, Any] = nested if isinstance(nested, dict) else body  # (both forms are in use)
    services.temporal_instance_update(
        commune=call.commune, entity_id=entity_id, attribute=name, instance_id=instance_id, fragment=fragment
    )
    return HttpResponse(status=204)


def temporal_instance_delete(call: Call, entity_id: str, attr: str, instance_id: str) -> HttpResponse:
    services.temporal_instance_delete(
        commune=call.commune, entity_id=entity_id, attribute=call.expand_attr(attr), instance_id=instance_id
    )
    return HttpResponse(status=204)


temporal_entities = endpoint(get=temporal_entities_get, post=temporal_entities_post)
temporal_entity = endpoint(get=temporal_entity_get, delete=temporal_entity_delete)
temporal_attrs = endpoint(post=temporal_attrs_post)
temporal_attr = endpoint(delete=temporal_attr_delete)
temporal_instance = endpoint(patch=temporal_instance_patch, delete=temporal_instance_delete)
