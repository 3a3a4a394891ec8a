"""Reads of the data hub, always scoped to one commune and to what the viewer may see (public or all): entities
and NGSI-LD queries, time series and roll-ups, dashboards, and alerts (staff pages only)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from django.core.exceptions import EmptyResultSet
from django.db import connection, connections
from django.db.models import BooleanField, Count, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from beffroi.core.annotations import Actor
from beffroi.core.gc_pause import gc_paused
from beffroi.core.models import Commune
from beffroi.datahub.documents import (
    EntityRow,
    db_datetime,
    entity_document,
    join_value,
    observation_value,
    utc_from_db,
)
from beffroi.datahub.models import (
    Alert,
    AlertEvent,
    AlertRule,
    DailyRollup,
    Entity,
    EntityTypeLink,
    HourlyRollup,
    LatestValue,
    Observation,
    RollupBase,
    Subscription,
)
from beffroi.datahub.ngsild import query as ngsi_query
from beffroi.datahub.ngsild.evaluation import evaluate
from beffroi.datahub.ngsild.geo import BBoxFilter, GeoQuery
from beffroi.datahub.ngsild.ordering import OrderKey, sort_documents
from beffroi.datahub.ngsild.scope import scopes_of
from beffroi.datahub.ngsild.temporal import is_stored_marker
from beffroi.datahub.ngsild.types import TypeGroups
from beffroi.datahub.ngsild.types import matches as matches_types
from beffroi.datahub.ngsild.vocabulary import LOCATION_IRI, short_name


def entity_queryset(*, commune: Commune, see_all: bool, live: bool = True) -> QuerySet[Entity]:
    """The commune's entities the viewer may see, transient ones past their expiresAt left out (unless
    ``live`` is False: the caller leaves them out itself)."""
    qs = Entity.objects.filter(commune=commune)
    if live:
        qs = qs.exclude(expires_at__lte=timezone.now())
    if not see_all:
        qs = qs.filter(is_public=True)
    return qs


def entity_get(*, commune: Commune, entity_id: str, see_all: bool) -> Entity | None:
    return entity_queryset(commune=commune, see_all=see_all).filter(entity_id=entity_id).first()


def entity_row_get(*, commune: Commune, entity_id: str, see_all: bool) -> EntityRow | None:
    """What rendering one entity needs (:class:`EntityRow`), or None if the viewer may not see it: the
    NGSI-LD read of one entity, without a model instance of its every column."""
    # A plain statement on the (commune, entity_id) unique index, the expiry tested here: building this
    # lookup with the ORM cost more than the rest of the request's own work (the ORM form:
    # entity_queryset(commune=…, see_all=…).filter(entity_id=…)).
    db = connections[Entity.objects.db]  # the replica when the router says so
    sql = (
        "SELECT id, entity_id, type_iri, data, created_at, modified_at, expires_at "
        f"FROM {db.ops.quote_name(Entity._meta.db_table)} WHERE commune_id = %s AND entity_id = %s"
        + ("" if see_all else " AND is_public")
    )
    with db.cursor() as cursor:
        cursor.execute(sql, [commune.pk, entity_id])
        found = cursor.fetchone()
    if found is None:
        return None
    pk, entity_id, kind, data, created, modified, expires = found
    if expires is not None and utc_from_db(expires) <= timezone.now():
        return None  # (a transient entity past its expiresAt is gone)
    return EntityRow(
        pk,
        entity_id,
        kind,
        _json_document(data),
        None if created is None else utc_from_db(created),
        None if modified is None else utc_from_db(modified),
    )


def _entity_rows(qs: QuerySet[Entity], *, timestamps: bool) -> list[EntityRow]:
    """The rows of ``qs`` (already sliced or narrowed) as EntityRow objects, read with a plain cursor: the
    documents decoded by orjson and the instants as Django reads them (JSONField's json.loads and the
    per-value converters were most of a page's read)."""
    columns = ["pk", "entity_id", "type_iri", "data"] + (["created_at", "modified_at"] if timestamps else [])
    query = qs.values_list(*columns)
    try:
        sql, params = query.query.sql_with_params()
    except EmptyResultSet:  # (a condition that matches nothing, e.g. no entity of the types asked for)
        return []
    with connections[query.db].cursor() as cursor:  # the replica when the router says so
        cursor.execute(sql, params)
        return _decoded_rows(cursor.fetchall(), timestamps=timestamps)


def _decoded_rows(fetched: list[Any], *, timestamps: bool) -> list[EntityRow]:
    if timestamps:
        return [
            EntityRow(
                pk,
                entity_id,
                kind,
                _json_document(data),
                None if created is None else utc_from_db(created),
                None if modified is None else utc_from_db(modified),
            )
            for pk, entity_id, kind, data, created, modified in fetched
        ]
    return [EntityRow(pk, entity_id, kind, _json_document(data)) for pk, entity_id, kind, data in fetched]


def type_condition(*, commune: Commune, groups: TypeGroups) -> Q:
    """The entities a type selection (§4.17, groups of expanded IRIs) matches, as one SQL condition: an
    entity of one type by its ``type_iri`` column, a multi-typed one (§4.16) by its type links (read first:
    usually none, and then the condition is the plain indexed one)."""
    singles, multi = _type_selection(commune, groups)
    condition = Q(pk__in=[])
    if singles:
        condition = Q(type_iri__in=singles)
    if multi:
        condition = condition | Q(pk__in=multi) if singles else Q(pk__in=multi)
    return condition


def _type_selection(commune: Commune, groups: TypeGroups) -> tuple[list[str], list[int]]:
    """(the types an entity of one type may have, the pks of the multi-typed entities that match)."""
    singles = sorted({kind for group in groups if len(group) == 1 for kind in group})
    wanted = {kind for group in groups for kind in group}
    held: dict[int, set[str]] = {}
    # A plain statement: every NGSI-LD query by type asks, and building it with the ORM cost more than the
    # rest of the query's reads (the ORM form: EntityTypeLink.objects.filter(commune=…, type_iri__in=…)).
    wanted_list = sorted(wanted)
    if not wanted_list:
        return [], []
    db = connections[EntityTypeLink.objects.db]  # the replica when the router says so
    with db.cursor() as cursor:
        cursor.execute(
            f"SELECT entity_id, type_iri FROM {db.ops.quote_name(EntityTypeLink._meta.db_table)} "
            f"WHERE commune_id = %s AND type_iri IN ({', '.join(['%s'] * len(wanted_list))})",
            [commune.pk, *wanted_list],
        )
        for pk, kind in cursor.fetchall():
            held.setdefault(pk, set()).add(kind)
    return singles, sorted(pk for pk, kinds in held.items() if matches_types(groups, kinds))


@dataclass
class EntityQuery:
    types: TypeGroups | None = None  # type selection (§4.17): groups of expanded IRIs
    ids: list[str] | None = None
    id_pattern: str | None = None
    q: Any = None  # parsed q node, attribute names expanded
    geo: GeoQuery | None = None  # geoproperty expanded
    scope: Callable[[list[str]], bool] | None = None  # the scopeQ predicate
    attrs: list[str] | None = None  # expanded IRIs: the entity must have at least one
    order: list[OrderKey] | None = None  # orderBy (§4.23), names expanded; None: by entity id
    order_reference: Any = None  # the query's geometry, for distance keys


def entity_query(
    *,
    commune: Commune,
    see_all: bool,
    query: EntityQuery,
    limit: int,
    offset: int,
    timestamps: bool = True,
    rows: bool = False,
    count: bool = True,
) -> tuple[list[Any], int]:
    """Entities matching an NGSI-LD query (CIM 009 §5.7.2), ordered by id; (page, total count).

    The database narrows by commune, visibility, type, id and the bounding box of `location`; the q
    expression, idPattern and the exact geometry test run on the stored documents. ``rows``: the page may
    hold :class:`EntityRow` objects instead of Entity instances (enough to render them). ``count`` False:
    the caller only needs to know whether a next page exists; where the database pages, it reads one entity
    more instead of counting them all, and the total returned is then the offset plus what it read (beyond
    the page's end exactly when there is a next page).
    """
    needs_python = (
        query.q is not None
        or query.geo is not None
        or query.id_pattern
        or query.attrs
        or query.scope
        or query.order
    )
    if rows and not count and limit and not needs_python and query.ids is None:
        return _plain_page(
            commune=commune,
            see_all=see_all,
            types=query.types,
            limit=limit,
            offset=offset,
            timestamps=timestamps,
        )
    # Expired transient entities are left out in SQL only where SQL counts and pages; where Python reads the
    # candidates anyway, it skips them: one predicate less for the planner on the geo index's range scan.
    qs = entity_queryset(commune=commune, see_all=see_all, live=False)
    now = timezone.now()
    if query.order:
        timestamps = True  # (createdAt/modifiedAt may be keys)
    if not timestamps:  # created_at/modified_at only serve sysAttrs; converting them cost 1/3 of a big page
        qs = qs.defer("created_at", "modified_at")
    if query.types:
        qs = qs.filter(type_condition(commune=commune, groups=query.types))
    if query.ids:
        qs = qs.filter(entity_id__in=query.ids)
    if query.q is not None:
        for condition in _q_prefilter(query.q):
            qs = qs.filter(condition)
    candidates: Iterable[Entity] | None = None
    if query.geo is not None and query.geo.geoproperty == LOCATION_IRI:
        prefilter = query.geo.prefilter()
        if prefilter is not None:
            candidates = _geo_candidates(qs, prefilter)
    qs = qs.order_by("entity_id")
    if not needs_python:
        qs = qs.exclude(expires_at__lte=now)
        exact = count or not limit
        if exact:
            total = qs.count()
            if not limit:
                return [], total
        window = qs[offset : offset + limit + (0 if exact else 1)]  # (the one more: is there a next page)
        page: list[Any] = _entity_rows(window, timestamps=timestamps) if rows else list(window)
        if not exact:
            total = offset + len(page)
        return page[:limit], total
    if candidates is None:
        candidates = qs.iterator(chunk_size=2000)
    pattern = re.compile(query.id_pattern) if query.id_pattern else None
    matched: list[Entity] = []
    total = 0
    for entity in candidates:
        if entity.expires_at is not None and entity.expires_at <= now:
            continue
        if pattern is not None and not pattern.search(entity.entity_id):
            continue
        if query.attrs and not any(a in entity.data for a in query.attrs):
            continue
        if query.scope is not None and not query.scope(scopes_of(entity.data.get("scope"))):
            continue
        if query.q is not None or query.geo is not None:
            document = entity_document(entity)
            if query.q is not None and not evaluate(query.q, document):
                continue
            if query.geo is not None and not query.geo.matches(document):
                continue
        if query.order or offset <= total < offset + limit:
            matched.append(entity)
        total += 1
    if query.order:  # (every match read: the page is cut once they are in order)
        documents = [
            {
                **entity_document(e),
                "createdAt": e.created_at.isoformat() if e.created_at else None,
                "modifiedAt": e.modified_at.isoformat() if e.modified_at else None,
            }
            for e in matched
        ]
        order = sort_documents(documents, query.order, reference=query.order_reference)
        matched = [matched[i] for i in order][offset : offset + limit]
    return matched, total


def _plain_page(
    *, commune: Commune, see_all: bool, types: TypeGroups | None, limit: int, offset: int, timestamps: bool
) -> tuple[list[EntityRow], int]:
    """The commonest NGSI-LD page — the entities of some types (or all), no count asked — as one plain
    statement: the rows, order and next-page answer of :func:`entity_query`'s ORM form (``entity_queryset``
    filtered by ``type_condition``, live ones, by entity id, one more than the page), whose building cost
    more than the rest of the request's own work."""
    db = connections[Entity.objects.db]  # the replica when the router says so
    conditions = ["commune_id = %s"]
    params: list[Any] = [commune.pk]
    if not see_all:
        conditions.append("is_public")
    if types:
        singles, multi = _type_selection(commune, types)
        alternatives = []
        if singles:
            alternatives.append(f"type_iri IN ({', '.join(['%s'] * len(singles))})")
            params.extend(singles)
        if multi:
            alternatives.append(f"id IN ({', '.join(['%s'] * len(multi))})")
            params.extend(multi)
        if not alternatives:
            return [], offset
        conditions.append(f"({' OR '.join(alternatives)})")
    conditions.append("(expires_at IS NULL OR expires_at > %s)")
    params.append(db_datetime(timezone.now()))
    columns = "id, entity_id, type_iri, data" + (", created_at, modified_at" if timestamps else "")
    sql = (
        f"SELECT {columns} FROM {db.ops.quote_name(Entity._meta.db_table)} WHERE {' AND '.join(conditions)} "
        "ORDER BY entity_id LIMIT %s OFFSET %s"
    )
    with db.cursor() as cursor:
        cursor.execute(sql, [*params, limit + 1, offset])  # (the one more: is there a next page)
        page = _decoded_rows(cursor.fetchall(), timestamps=timestamps)
    return page[:limit], offset + len(page)


_SQL_ORDER = {
    ngsi_query.Op.EQ: "=",
    ngsi_query.Op.GT: ">",
    ngsi_query.Op.GE: ">=",
    ngsi_query.Op.LT: "<",
    ngsi_query.Op.LE: "<=",
}


def _q_prefilter(node: Any) -> list[RawSQL]:
    """SQL conditions every entity matching ``node`` satisfies (a superset: the evaluator decides after).

    Only the simple terms of a top-level AND are translated — ``attr <op> number`` and ``attr == "text"``
    on a top-level attribute: the attribute must exist and, when it is a single Property whose value is a
    plain number (or string), that value must pass the comparison; any other shape (several instances,
    array or object values, another attribute type) is kept for the evaluator.
    """
    terms = node.terms if isinstance(node, ngsi_query.And) else (node,)
    out = []
    for term in terms:
        if not isinstance(term, ngsi_query.Compare) or term.op not in _SQL_ORDER:
            continue
        path, value = term.path, term.value
        if path.sub_attrs or path.keys or '"' in path.attr or "\\" in path.attr:
            continue
        if ":" not in path.attr or path.attr.startswith("@"):  # id, type…: columns, not in `data`
            continue
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        if not numeric and not (isinstance(value, str) and term.op is ngsi_query.Op.EQ):
            continue
        op = _SQL_ORDER[term.op]
        column = f'"{Entity._meta.db_table}"."data"'
        if connection.vendor == "postgresql":
            attr = f"({column} -> %s::text)"
            kind = "number" if numeric else "string"
            cast = "::float8" if numeric else ""
            sql = (
                f"CASE WHEN {attr} ->> 'type' = 'Property' AND jsonb_typeof({attr} -> 'value') = '{kind}' "
                f"THEN ({attr} ->> 'value'){cast} {op} %s{cast} ELSE {attr} IS NOT NULL END"
            )
            params = [path.attr, path.attr, path.attr, value, path.attr]
        elif connection.vendor == "sqlite":
            base = f'$."{path.attr}"'
            kinds = "('integer', 'real')" if numeric else "('text')"
            sql = (
                f"CASE WHEN json_extract({column}, %s) = 'Property' AND json_type({column}, %s) IN {kinds} "
                f"THEN json_extract({column}, %s) {op} %s ELSE json_type({column}, %s) IS NOT NULL END"
            )
            params = [base + ".type", base + ".value", base + ".value", value, base]
        else:
            continue
        out.append(RawSQL(sql, params, output_field=BooleanField()))
    return out


def _geo_candidates(qs: QuerySet[Entity], prefilter: BBoxFilter) -> list[Entity]:
    """Entities whose bounding box may satisfy the geo-query, by id: points with a two-sided index range on
    their longitude, other shapes with the general box test (they are few)."""
    box = prefilter.bbox
    if prefilter.kind == "intersects":
        general = Q(
            min_lon__lte=box.max_lon,
            max_lon__gte=box.min_lon,
            min_lat__lte=box.max_lat,
            max_lat__gte=box.min_lat,
        )
    elif prefilter.kind == "within":
        general = Q(
            min_lon__gte=box.min_lon,
            max_lon__lte=box.max_lon,
            min_lat__gte=box.min_lat,
            max_lat__lte=box.max_lat,
        )
    else:
        general = Q(
            min_lon__lte=box.min_lon,
            max_lon__gte=box.max_lon,
            min_lat__lte=box.min_lat,
            max_lat__gte=box.max_lat,
        )
    # No ORDER BY in SQL (sorted below): ordering by entity_id made SQLite walk the (commune, entity_id)
    # unique index over every entity of the commune instead of the longitude range of the bbox index.
    # ``is_point__in`` renders ``is_point IN (…)``, an equality the index can seek on; ``is_point=True``
    # renders a bare ``"is_point"`` that stops the index at (commune, type).
    qs = qs.order_by()
    points = qs.filter(general, is_point__in=[True], min_lon__gte=box.min_lon, min_lon__lte=box.max_lon)
    others = qs.filter(general, is_point__in=[False])
    return sorted([*points, *others], key=lambda e: e.entity_id)


def type_list(*, commune: Commune, see_all: bool) -> list[str]:
    """The types of the visible entities, every type of a multi-typed one included (§5.7.5)."""
    qs = entity_queryset(commune=commune, see_all=see_all)
    kinds = set(qs.values_list("type_iri", flat=True))
    kinds.update(
        EntityTypeLink.objects.filter(commune=commune, entity__in=qs.values("pk")).values_list(
            "type_iri", flat=True
        )
    )
    return sorted(kinds)


def attribute_list(*, commune: Commune, see_all: bool) -> list[str]:
    names: set[str] = set()
    for data in entity_queryset(commune=commune, see_all=see_all).values_list("data", flat=True).iterator():
        names.update(k for k in data if k not in _NOT_ATTRIBUTES)
    return sorted(names)


_NOT_ATTRIBUTES = frozenset({"@types", "scope", "expiresAt"})


@dataclass
class AttributeStats:
    """What the entities of a commune say about one attribute: how many have it, its attribute types (Property,
    Relationship…) and the entity types that have it."""

    count: int = 0
    attribute_types: set[str] = field(default_factory=set)
    type_iris: set[str] = field(default_factory=set)


def attribute_details(
    *, commune: Commune, see_all: bool, type_iri: str | None = None
) -> tuple[int, dict[str, AttributeStats]]:
    """(entities read, the stats of each attribute) over the visible entities, or those of one type (§5.7.7,
    §5.7.9 details). One pass over the documents: bounded by the commune's own entities."""
    qs = entity_queryset(commune=commune, see_all=see_all)
    if type_iri is not None:
        qs = qs.filter(type_condition(commune=commune, groups=[frozenset({type_iri})]))
    entities = 0
    stats: dict[str, AttributeStats] = {}
    for kind, data in qs.values_list("type_iri", "data").iterator():
        entities += 1
        kinds = data.get("@types") or [kind]
        for name, member in data.items():
            if name in _NOT_ATTRIBUTES:
                continue
            entry = stats.setdefault(name, AttributeStats())
            entry.count += 1
            entry.type_iris.update(kinds)
            for instance in member if isinstance(member, list) else [member]:
                if isinstance(instance, dict):
                    entry.attribute_types.add(str(instance.get("type", "Property")))
    return entities, stats


# ------------------------------------------------------------------------------------------ time series


def observation_series(
    *,
    entity: Entity,
    attribute: str,
    start: datetime | None = None,
    end: datetime | None = None,
    last_n: int | None = None,
    limit: int | None = None,
) -> list[tuple[datetime, Any, str, int, str | None]]:
    """Raw observations of one attribute, oldest first: (instant, value, unitCode, row id, datasetId).

    ``limit``: at most that many — the oldest ones, or with ``last_n`` the most recent ones."""
    qs = Observation.objects.filter(entity=entity, attribute=attribute)
    if start is not None:
        qs = qs.filter(observed_at__gte=start)
    if end is not None:
        qs = qs.filter(observed_at__lt=end)
    if last_n:
        rows = list(qs.order_by("-observed_at")[: min(last_n, limit or last_n)])[::-1]
    else:
        rows = list(qs.order_by("observed_at")[:limit])
    return [
        (r.observed_at.astimezone(UTC), observation_value(r), r.unit_code, r.pk, r.dataset_id) for r in rows
    ]


def observed_attributes(*, entity: Entity) -> list[str]:
    return sorted(set(LatestValue.objects.filter(entity=entity).values_list("attribute", flat=True)))


def rollup_series(
    *,
    entity: Entity,
    attribute: str,
    granularity: str,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[RollupBase]:
    model = HourlyRollup if granularity == "hour" else DailyRollup
    qs = model.objects.filter(entity=entity, attribute=attribute)
    if start is not None:
        qs = qs.filter(bucket__gte=start)
    if end is not None:
        qs = qs.filter(bucket__lt=end)
    return list(qs.order_by("bucket"))


def rollup_values(
    *,
    entity: Entity,
    attribute: str,
    granularity: str,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[tuple[datetime, int, float, float, float]]:
    """The roll-ups of :func:`rollup_series` as plain (bucket, count, total, minimum, maximum) rows, oldest
    first, without building model instances (the temporal API aggregates hundreds of them per request)."""
    model = HourlyRollup if granularity == "hour" else DailyRollup
    qs = model.objects.filter(entity=entity, attribute=attribute)
    if start is not None:
        qs = qs.filter(bucket__gte=start)
    if end is not None:
        qs = qs.filter(bucket__lt=end)
    sql, params = (
        qs.order_by("bucket")
        .values_list("bucket", "count", "total", "minimum", "maximum")
        .query.sql_with_params()
    )
    with connections[qs.db].cursor() as cursor:  # the replica when the router sends the reads there
        cursor.execute(sql, params)
        return [(utc_from_db(b), c, t, lo, hi) for b, c, t, lo, hi in cursor.fetchall()]


def latest_values(*, entities: Iterable[Entity | Asset]) -> dict[int, dict[str, tuple[Any, datetime, str]]]:
    """Latest value of every attribute of the given entities: {entity pk: {short name: (value, at, unit)}}."""
    # Thousands of rows and tuples, none in a cycle: see core.gc_pause.
    with gc_paused():
        return _latest_values(entities)


def _latest_values(entities: Iterable[Entity | Asset]) -> dict[int, dict[str, tuple[Any, datetime, str]]]:
    pks = [e.pk for e in entities]
    out: dict[int, dict[str, tuple[Any, datetime, str]]] = {pk: {} for pk in pks}
    if not pks:
        return out
    names: dict[str, str] = {}
    moments: dict[Any, datetime] = {}  # sensors report at the same instants: each is read once
    # Plain SQL and cursor rows, datetimes read by _utc: Django's converters and its preparation of each
    # value of a 1,000-item IN list dominated this read. The pks are ints from the database. On SQLite the
    # instant is selected as an expression: a column declared datetime goes through the driver's
    # registered converter (Django's regex parser, then _utc again), which cost half of this read.
    table = LatestValue._meta.db_table
    observed = "CAST(observed_at AS TEXT)" if connection.vendor == "sqlite" else "observed_at"
    with connections[LatestValue.objects.db].cursor() as cursor:  # the replica when the router says so
        for i in range(0, len(pks), 10_000):
            chunk = pks[i : i + 10_000]
            cursor.execute(
                f"SELECT entity_id, attribute, value_num, value_text, {observed}, unit_code "
                f"FROM {table} WHERE entity_id IN ({', '.join(['%s'] * len(chunk))})",
                chunk,
            )
            for pk, attribute, number, text, moment, unit in cursor.fetchall():
                if unit and unit[0] == "@" and is_stored_marker(unit):
                    continue  # (a Relationship's, a JSON value's… history: not a measurement to show)
                name = names.get(attribute)
                if name is None:
                    name = names[attribute] = short_name(attribute)
                at = moments.get(moment)
                if at is None:
                    at = moments[moment] = utc_from_db(moment)
                if text is None:  # a number (the common case) without _join_value's call
                    value = (
                        int(number)
                        if number is not None and number.is_integer() and abs(number) < 2**53
                        else number
                    )
                else:
                    value = join_value(number, text)
                out[pk][name] = (value, at, unit)
    return out


PERIODS = {
    "day": (timedelta(days=1), "hour"),
    "week": (timedelta(days=7), "hour"),
    "month": (timedelta(days=31), "day"),
    "year": (timedelta(days=366), "day"),
}


def dashboard_entities(*, commune: Commune, see_all: bool, type_name: str | None = None) -> QuerySet[Entity]:
    qs = (
        entity_queryset(commune=commune, see_all=see_all)
        .order_by("type_name", "name", "entity_id")
        .defer("data", "created_at", "modified_at")
    )
    if type_name:
        qs = qs.filter(type_name=type_name)
    return qs


@dataclass(slots=True)
class Asset:
    """What the dashboard shows of an entity, read as a plain row (no model instance of its every column)."""

    pk: int
    entity_id: str
    type_name: str
    name: str
    lat: float | None
    lon: float | None

    def __str__(self) -> str:  # (as Entity's)
        return self.name or self.entity_id


def dashboard_assets(*, commune: Commune, see_all: bool) -> list[Asset]:
    """The entities of the dashboard's list and map, in :func:`dashboard_entities`' order."""
    qs = dashboard_entities(commune=commune, see_all=see_all)
    return [Asset(*row) for row in qs.values_list("pk", "entity_id", "type_name", "name", "lat", "lon")]


def entity_types_count(*, commune: Commune, see_all: bool) -> list[tuple[str, int]]:
    """(type name, number of entities) of the entities the viewer may see, by type name."""
    rows = (
        entity_queryset(commune=commune, see_all=see_all)
        .values("type_name")
        .annotate(n=Count("id"))
        .order_by("type_name")
    )
    return [(r["type_name"], r["n"]) for r in rows]


def lit_hours(*, entities: Iterable[Entity | Asset], since: datetime) -> int:
    """Hours since ``since`` in which a street light's illuminance level was above zero (hourly roll-ups)."""
    pks = [e.pk for e in entities]
    if not pks:
        return 0
    db = connections[HourlyRollup.objects.db]  # the replica when the router says so
    series, params = _series_named(db, HourlyRollup, pks, "illuminanceLevel", plain=False)
    table = db.ops.quote_name(HourlyRollup._meta.db_table)
    moment = since.astimezone(UTC)
    sql = (
        f"{series} SELECT COUNT(*) FROM {table} h WHERE h.entity_id IN ({', '.join(['%s'] * len(pks))})"
        " AND h.attribute IN (SELECT attribute FROM named) AND h.bucket >= %s AND h.maximum > 0"
    )
    with db.cursor() as cursor:
        cursor.execute(
            sql,
            [*params, *pks, moment.replace(tzinfo=None).isoformat(" ") if db.vendor == "sqlite" else moment],
        )
        return int(cursor.fetchone()[0])


def rollup_attributes(
    *, model: type[HourlyRollup | DailyRollup], pks: list[int], short_name: str, plain: bool
) -> list[str]:
    """The attributes with roll-ups of these entities whose IRI ends with ``/<short_name>`` (or, with
    ``plain``, is the bare name), as the ``endswith`` lookup would match them."""
    if not pks:
        return []
    db = connections[model.objects.db]  # the replica when the router says so
    series, params = _series_named(db, model, pks, short_name, plain=plain)
    with db.cursor() as cursor:
        cursor.execute(f"{series} SELECT attribute FROM named", params)
        return sorted(attribute for (attribute,) in cursor.fetchall())


def _series_named(
    db: Any, model: type[HourlyRollup | DailyRollup], pks: list[int], short_name: str, *, plain: bool
) -> tuple[str, list[Any]]:
    """A WITH clause naming ``named(attribute)``: the distinct attributes with roll-ups of these entities
    whose IRI ends with ``/<short_name>`` (or, with ``plain``, is the bare name), matched as the ``endswith``
    lookup would.

    A dashboard then reads a period of buckets by exact (entity, attribute) on the unique index instead of
    testing the suffix on every bucket of every attribute of the entities (two years of hours: the page's
    dearest read). The attributes are listed by a loose index scan — one seek per (entity, attribute) — since
    an attribute may keep roll-ups after its latest value is gone (its history stays)."""
    table = db.ops.quote_name(model._meta.db_table)
    like = db.ops.prep_for_like_query("/" + short_name)
    matches = db.operators["endswith"] % "%s"
    params: list[Any] = [*pks, f"%{like}"]
    condition = f"series.attribute {matches}"
    if plain:
        condition += " OR series.attribute = %s"
        params.append(short_name)
    sql = (
        "WITH RECURSIVE series(entity, attribute) AS ("
        f" SELECT e.pk, (SELECT MIN(r.attribute) FROM {table} r WHERE r.entity_id = e.pk)"
        f" FROM (SELECT id AS pk FROM {db.ops.quote_name(Entity._meta.db_table)}"
        f" WHERE id IN ({', '.join(['%s'] * len(pks))})) e"
        " UNION ALL"
        f" SELECT series.entity, (SELECT MIN(r.attribute) FROM {table} r"
        " WHERE r.entity_id = series.entity AND r.attribute > series.attribute)"
        " FROM series WHERE series.attribute IS NOT NULL"
        f"), named(attribute) AS (SELECT DISTINCT series.attribute FROM series WHERE {condition})"
    )
    return sql, params


def daily_totals(
    *, entities: Iterable[Entity | Asset], attribute_suffix: str, start: datetime, end: datetime
) -> dict[datetime, float]:
    """Sum of daily roll-up totals of an attribute (matched by short name) over several entities, by day."""
    pks = [e.pk for e in entities]
    out: dict[datetime, float] = {}
    attributes = rollup_attributes(model=DailyRollup, pks=pks, short_name=attribute_suffix, plain=True)
    if not attributes:
        return out
    qs = DailyRollup.objects.filter(
        entity_id__in=pks, attribute__in=attributes, bucket__gte=start, bucket__lt=end
    )
    for bucket, total in qs.values_list("bucket", "total"):
        out[bucket] = out.get(bucket, 0.0) + total
    return out


def document_property_values(
    *, commune: Commune, see_all: bool, entities: Iterable[Entity | Asset], name: str
) -> dict[int, Any]:
    """{entity pk: value} of one property (by short name) as the entities' documents hold it — for what is
    set on the entity (a street light's status) rather than measured over time."""
    pks = [e.pk for e in entities]
    if not pks:
        return {}
    out: dict[int, Any] = {}
    documents = entity_queryset(commune=commune, see_all=see_all).filter(pk__in=pks).values_list("pk", "data")
    # The documents as the database gives them, decoded by orjson: JSONField's per-row json.loads was most of
    # this read on the dashboard.
    sql, params = documents.query.sql_with_params()
    with connections[documents.db].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    for pk, raw in rows:
        data = _json_document(raw)
        for iri, attribute in (data or {}).items():
            if short_name(iri) == name and isinstance(attribute, dict):
                out[pk] = attribute.get("value")
    return out


def _json_document(raw: Any) -> Any:
    """A JSON column read with a plain cursor, decoded as JSONField would (orjson, json for what it refuses)."""
    if not isinstance(raw, str | bytes):
        return raw
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw)


# ------------------------------------------------------------------------------------------------ alerts

ACTIVE_STATES = (Alert.State.OPEN, Alert.State.ACKNOWLEDGED)


def alert_queryset(*, commune: Commune) -> QuerySet[Alert]:
    """The commune's alerts with their rule, team and entity."""
    return Alert.objects.filter(commune=commune).select_related("rule", "rule__team", "entity")


def alert_list(
    *,
    commune: Commune,
    state: str = "",
    team_slug: str = "",
    entity_type: str = "",
    entity_pk: int | None = None,
    limit: int = 200,
) -> list[Alert]:
    """Alerts of the commune, most recent first; state "" means open or acknowledged, "all" every state;
    `entity_pk` for one equipment's."""
    qs = alert_queryset(commune=commune)
    if entity_pk is not None:
        qs = qs.filter(entity_id=entity_pk)
    if state in Alert.State.values:
        qs = qs.filter(state=state)
    elif state != "all":
        qs = qs.filter(state__in=ACTIVE_STATES)
    if team_slug:
        qs = qs.filter(rule__team__slug=team_slug)
    if entity_type:
        qs = qs.filter(rule__entity_type=entity_type)
    return list(qs.order_by("-opened_at", "-pk")[:limit])


def alert_list_for_teams(*, commune: Commune, user: Actor) -> list[Alert]:
    """Open and acknowledged alerts whose rule names one of the user's teams in this commune."""
    if user is None or not user.is_authenticated:
        return []
    return list(
        alert_queryset(commune=commune)
        .filter(state__in=ACTIVE_STATES, rule__team__commune=commune, rule__team__members=user)
        .order_by("-opened_at", "-pk")
    )


def alert_get(*, commune: Commune, pk: int) -> Alert | None:
    return alert_queryset(commune=commune).filter(pk=pk).first()


def alert_events(*, alert: Alert) -> QuerySet[AlertEvent]:
    return alert.events.select_related("actor").all()


def alert_open_count(*, commune: Commune) -> int:
    return Alert.objects.filter(commune=commune, state=Alert.State.OPEN).count()


def rule_list(*, commune: Commune) -> list[AlertRule]:
    return list(AlertRule.objects.filter(commune=commune).select_related("team").order_by("label", "pk"))


def rule_get(*, commune: Commune, pk: int) -> AlertRule | None:
    return AlertRule.objects.filter(commune=commune, pk=pk).first()


def asset_list(*, commune: Commune) -> list[Entity]:
    """Every asset of the commune, published or not, by type and name (the administrators' inventory)."""
    return list(
        entity_queryset(commune=commune, see_all=True)
        .order_by("type_name", "name", "entity_id")
        .only("pk", "entity_id", "type_name", "name", "lat", "lon", "is_public", "commune_id")
    )


def asset_get(*, commune: Commune, pk: int) -> Entity | None:
    """One asset of the commune, published or not (None: not one of the commune's)."""
    return entity_queryset(commune=commune, see_all=True).filter(pk=pk).first()


def entity_type_names(*, commune: Commune) -> list[str]:
    """Type names of the commune's entities (every entity: for the staff's alert rules), sorted."""
    return sorted(set(Entity.objects.filter(commune=commune).values_list("type_name", flat=True)))


def measured_attributes_by_type(*, commune: Commune) -> dict[str, set[str]]:
    """{type name: short names of the attributes with a latest value on some entity of that type}."""
    rows = (
        LatestValue.objects.filter(entity__commune=commune)
        .order_by()
        .values_list("entity__type_name", "attribute")
        .distinct()
    )
    out: dict[str, set[str]] = {}
    for kind, attribute in rows:
        out.setdefault(kind, set()).add(short_name(attribute))
    return out


def measure_units(*, commune: Commune) -> dict[tuple[str, str], str]:
    """{(type name, attribute short name): unit code} of what the commune's entities transmit (one unit
    per measurement and type: the one of any latest value)."""
    rows = (
        LatestValue.objects.filter(entity__commune=commune)
        .exclude(unit_code="")
        .order_by()
        .values_list("entity__type_name", "attribute", "unit_code")
        .distinct()
    )
    return {(kind, short_name(attribute)): unit for kind, attribute, unit in rows}


# ------------------------------------------------------------------------------------------ subscriptions


def subscription_list(*, commune: Commune, limit: int, offset: int) -> tuple[list[Subscription], int]:
    """A page of the commune's NGSI-LD subscriptions, by id, and how many there are."""
    qs = Subscription.objects.filter(commune=commune).order_by("subscription_id")
    return list(qs[offset : offset + limit]), qs.count()


def subscription_get(*, commune: Commune, sub_id: str) -> Subscription | None:
    """One of the commune's NGSI-LD subscriptions, by id."""
    return Subscription.objects.filter(commune=commune, subscription_id=sub_id).first()
