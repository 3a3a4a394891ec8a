"""Measurements of the data hub: the one path that stores them, and its front doors.

Every measurement — a batch of the platform API, an entity written through NGSI-LD, a LoRaWAN uplink — is
gathered into a :class:`SeriesBatch` (rows grouped by series, each instant converted once) and stored by
:func:`series_store` in one transaction: the observation rows, the hourly and daily roll-ups, the latest values,
the entities' documents, then the alerts hook and the subscriptions' notifications. New measurements (the
common case) are inserted without reading the table first; the insert's row count tells whether one was
already there, and only then is the batch rolled back and stored again without its duplicates.

Measurements are not audited: they arrive by the hundred thousand a second from machines, they are data, not
decisions, and each row keeps its own instant; the API key that sent them records its last use.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple, TypeVar, cast

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from beffroi.core.models import Commune
from beffroi.datahub import partitions
from beffroi.datahub.documents import db_datetime, entity_types, split_value
from beffroi.datahub.models import DailyRollup, Entity, HourlyRollup, LatestValue, Observation, RollupBase
from beffroi.datahub.ngsild.entities import MAX_TEXT_VALUE, MAX_UNIT_CODE, instant_in_window, latest_instant
from beffroi.datahub.ngsild.errors import BadRequestData
from beffroi.datahub.ngsild.names import NameProblem, attribute_iri_problem, attribute_name_problem
from beffroi.datahub.ngsild.temporal import format_datetime, parse_datetime
from beffroi.datahub.services.alerts import alerts_after_ingest
from beffroi.datahub.services.subscriptions import changes_notify

Row = tuple[
    int, str, Any, float | None, str | None, str
]  # (entity pk, IRI, instant as stored, number, text, unit)
Instant = tuple[Any, datetime, datetime]  # (database form, hour bucket, aware UTC datetime)


class Measurement(NamedTuple):
    """One value of one attribute of one entity at one instant (attribute as an expanded IRI).

    A named tuple: a plain ``(entity_id, attribute, observed_at, value, unit_code)`` tuple is accepted
    wherever a Measurement is."""

    entity_id: str
    attribute: str
    observed_at: datetime
    value: Any
    unit_code: str = ""


@dataclass
class IngestResult:
    """Measurements stored, already stored (skipped), and refused one by one (index, French reason)."""

    accepted: int = 0
    duplicates: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)


# ------------------------------------------------------------------------------------ per-item reasons

_NAME_REASONS = {
    NameProblem.EMPTY: gettext_lazy("un nom non vide est attendu"),
    NameProblem.RESERVED: gettext_lazy(
        "« id », « type », « scope », « @context », les dates système et les mots-clés JSON-LD "
        "(commençant par @) ne peuvent pas nommer une mesure"
    ),
    NameProblem.CHARACTERS: gettext_lazy(
        "un nom court fait de lettres, de chiffres et de « _ », ou une IRI, est attendu"
    ),
    NameProblem.TOO_LONG: gettext_lazy("le nom dépasse 255 caractères"),
}


def instant_reason(text: object) -> str:
    """Why a measurement's instant is refused (outside the accepted window), in French."""
    return _(
        "observedAt : l'instant %(instant)s est hors de la plage acceptée (du 1er janvier 2000 à demain) ; "
        "vérifiez l'horloge de l'appareil."
    ) % {"instant": text}


def name_reason(name: object, problem: NameProblem) -> str:
    """Why a measurement's attribute name is refused, in French."""
    shown = name[:60] + "…" if isinstance(name, str) and len(name) > 60 else name
    return _("attribute : nom %(name)r refusé, %(why)s.") % {"name": shown, "why": _NAME_REASONS[problem]}


def value_reason(value: object, unit: object) -> str | None:
    """Why a measurement's value or unitCode cannot be stored (a per-item reason, in French), or None."""
    if type(value) is str and len(value) > MAX_TEXT_VALUE:
        return _("value : un texte de %(max)s caractères au plus est attendu (reçu %(length)s).") % {
            "max": MAX_TEXT_VALUE,
            "length": len(value),
        }
    if unit and (type(unit) is not str or len(unit) > MAX_UNIT_CODE):
        return _("unitCode : un code UN/CEFACT de %(max)s caractères au plus est attendu.") % {
            "max": MAX_UNIT_CODE
        }
    return None


# ------------------------------------------------------------------------------------------ the batch


class SeriesBatch:
    """The measurements of one batch, grouped by series (entity, attribute) as they are read.

    A series record is ``[entity pk, attribute IRI, its rows in arrival order, hour bucket → its numbers,
    its newest (instant, value, unit) or None, the (instant, value) of each row]``. Rows are written series
    after series: they meet the unique (entity, attribute, instant) index where it is already being written,
    not at one of a hundred places in turn (~10% off the insert). Each instant is converted once (database
    form, hour bucket): a batch has many sensors measured at the same instants.
    """

    def __init__(self) -> None:
        self.sqlite = connection.vendor == "sqlite"
        self.records: list[list[Any]] = []
        self.day_of: dict[datetime, datetime] = {}

    def series(self, pk: int, iri: str) -> list[Any]:
        """A new series record (the caller keeps it to add the series' next measurements)."""
        record: list[Any] = [pk, iri, [], {}, None, []]
        self.records.append(record)
        return record

    def instant(self, aware: datetime) -> Instant:
        """An aware UTC instant in the form the rows need (the caller caches it by its own key)."""
        hour = aware.replace(minute=0, second=0, microsecond=0)
        self.day_of[hour] = hour.replace(hour=0)
        return (aware.replace(tzinfo=None).isoformat(" ") if self.sqlite else aware, hour, aware)

    def add(self, record: list[Any], instant: Instant, value: Any, unit: str) -> None:
        """Add one measurement of a series (value already checked: number, text or boolean)."""
        kind = type(value)
        if (kind is float or kind is int) and math.isfinite(value):
            number = float(value)
            record[2].append((record[0], record[1], instant[0], number, None, unit))
            numbers = record[3].get(instant[1])
            if numbers is None:
                record[3][instant[1]] = [number]
            else:
                numbers.append(number)
        else:
            number_or_none, text = split_value(value)
            record[2].append((record[0], record[1], instant[0], number_or_none, text, unit))
            if number_or_none is not None:  # (a bool is stored as text; NaN/inf as nothing)
                record[3].setdefault(instant[1], []).append(number_or_none)
        record[5].append((instant, value))
        newest = record[4]
        if newest is None or instant[2] > newest[0]:
            record[4] = (instant[2], value, unit)

    def add_rows(self, rows: Iterable[tuple[int, str, datetime, Any, str]]) -> None:
        """Add (entity pk, attribute IRI, aware UTC instant, value, unit) rows."""
        records: dict[tuple[int, str], list[Any]] = {}
        instants: dict[datetime, Instant] = {}
        for pk, iri, moment, value, unit in rows:
            record = records.get((pk, iri))
            if record is None:
                record = records[(pk, iri)] = self.series(pk, iri)
            instant = instants.get(moment)
            if instant is None:
                instant = instants[moment] = self.instant(moment)
            self.add(record, instant, value, unit or "")

    def rows(self) -> list[Row]:
        """The observation rows to insert, series after series."""
        return [row for record in self.records for row in record[2]]

    def drop_stored(self, entity_pks: set[int]) -> int:
        """Leave out what is already stored (and what names an entity not among ``entity_pks``): of the same
        (entity, attribute, instant) the batch gives twice, the last value is kept. Returns how many
        measurements were left out as duplicates."""
        moments = [instant[2] for record in self.records for instant, _value in record[5]]
        if not moments:
            return 0
        pks = {record[0] for record in self.records}
        stored = Observation.objects.filter(
            entity_id__in=pks, observed_at__gte=min(moments), observed_at__lte=max(moments)
        ).values_list("entity_id", "attribute", "observed_at")
        known = {(pk, attribute, self.instant(moment.astimezone(UTC))[0]) for pk, attribute, moment in stored}
        duplicates = 0
        records, self.records = self.records, []
        for pk, iri, _rows, _hourly, _newest, sources in records:
            if pk not in entity_pks:  # (an entity deleted since the batch was read: nothing more is stored)
                continue
            unique: dict[Any, tuple[Instant, Any, str]] = {}
            for row, (instant, value) in zip(_rows, sources, strict=True):
                unique[instant[0]] = (instant, value, row[5])
            kept = [item for key, item in unique.items() if (pk, iri, key) not in known]
            duplicates += len(sources) - len(kept)
            if kept:
                record = self.series(pk, iri)
                for instant, value, unit in kept:
                    self.add(record, instant, value, unit)
        return duplicates


class _Duplicates(Exception):
    """The insert met a measurement already stored (or twice in its batch): store without duplicates."""


def series_store(
    batch: SeriesBatch, *, entities: dict[int, Entity], update_entity_data: bool = True
) -> tuple[int, int]:
    """Store a batch durably once the caller's transaction commits; (accepted, duplicates).

    ``entities``: the batch's entities by pk, read with what the latest-value update needs (data, commune,
    type). Idempotent: a measurement already stored (same entity, attribute and instant) is skipped and counted
    as a duplicate, so a replayed batch changes nothing. ``update_entity_data`` False: the entities' documents
    already hold these values (an entity written through NGSI-LD).

    Called outside a transaction (the API), the first attempt is a transaction of its own, rolled back whole
    when it meets a measurement already stored, and the second runs in another; inside one, the first attempt
    is a savepoint (on SQLite a savepoint journals every page it modifies: ~10% of the insert).

    Not audited: measurements (see the module's docstring).
    """
    if not batch.records:
        return 0, 0
    try:
        with transaction.atomic():
            return _write(batch, entities, fresh=True, update_entity_data=update_entity_data), 0
    except _Duplicates:
        pass
    with transaction.atomic():
        still = set(Entity.objects.filter(pk__in=list(entities)).values_list("pk", flat=True))
        duplicates = batch.drop_stored(still)
        present = {pk: entities[pk] for pk in still}
        return _write(batch, present, fresh=False, update_entity_data=update_entity_data), duplicates


def _write(batch: SeriesBatch, entities: dict[int, Entity], *, fresh: bool, update_entity_data: bool) -> int:
    """The writes: observation rows (raising _Duplicates, when ``fresh``, if one was already there), the
    numbers of each hourly bucket merged into the hourly and daily roll-ups, the latest values, alerts."""
    params = batch.rows()
    if not params:
        return 0
    with connection.cursor() as cursor:
        inserted = _insert_observations(cursor, params, months=batch.day_of.keys())
        if fresh and inserted != len(params):
            raise _Duplicates
    hourly: dict[tuple[int, str, datetime], list[float]] = {}
    daily: dict[tuple[int, str, datetime], list[float]] = {}
    day_of = batch.day_of
    for record in batch.records:
        pk, iri = record[0], record[1]
        for hour, numbers in record[3].items():
            lo, hi, total, count = min(numbers), max(numbers), sum(numbers), len(numbers)
            hourly[(pk, iri, hour)] = [lo, hi, total, count]
            key = (pk, iri, day_of[hour])
            agg = daily.get(key)
            if agg is None:
                daily[key] = [lo, hi, total, count]
            else:
                if lo < agg[0]:
                    agg[0] = lo
                if hi > agg[1]:
                    agg[1] = hi
                agg[2] += total
                agg[3] += count
    _merge_rollups(HourlyRollup, hourly)
    _merge_rollups(DailyRollup, daily)
    newest = {(record[0], record[1]): record[4] for record in batch.records if record[4] is not None}
    _update_latest(newest, entities=entities, update_entity_data=update_entity_data)
    # The entities' (commune, type) when they were read with their type (what get_deferred_fields tests,
    # without listing every field of a thousand instances); otherwise the hook reads them.
    types = (
        {pk: (e.commune_id, e.type_name) for pk, e in entities.items()}
        if all("type_name" in e.__dict__ for e in entities.values())
        else None
    )
    written: dict[int, set[str]] = {}
    for record in batch.records:
        written.setdefault(record[0], set()).add(record[1])
    alerts_after_ingest(
        entity_pks=entities.keys(),
        commune_ids={e.commune_id for e in entities.values()},
        types=types,
        written=written,
    )
    return len(params)


def _insert_observations(cursor: Any, params: list[Row], *, months: Iterable[datetime]) -> int:
    """Insert the rows (ON CONFLICT DO NOTHING); returns how many were new. On a partitioned table (PostgreSQL)
    the months' partitions are created first; a partition archived meanwhile by another process (the insert
    finds no partition for a row: SQLSTATE 23514) is created again and the insert retried once."""
    sql = (
        f"INSERT INTO {Observation._meta.db_table} "
        "(entity_id, attribute, observed_at, value_num, value_text, unit_code) "
        "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING"
    )
    params = sorted(params, key=_row_order)  # every writer takes the rows' locks in one order: no deadlock
    if not partitions.is_partitioned():
        cursor.executemany(sql, params)
        return int(cursor.rowcount)
    months = list(months)
    partitions.ensure_months(months)
    try:
        with transaction.atomic():
            cursor.executemany(sql, params)
    except IntegrityError as error:
        if getattr(error.__cause__, "sqlstate", None) != "23514":
            raise
        partitions.forget()
        partitions.ensure_months(months)
        cursor.executemany(sql, params)
    return int(cursor.rowcount)


def _row_order(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A row's place in the order every writer takes the rows' locks: entity, attribute, instant or bucket."""
    return (row[0], row[1], row[2])


def _merge_rollups(model: type[RollupBase], aggregates: dict[tuple[int, str, datetime], list[float]]) -> None:
    """Add per-bucket (min, max, sum, count) to the stored roll-ups in one upsert per table.

    Incremental and order-independent, so late and out-of-order data land in their bucket; the upsert
    merges inside the database (INSERT … ON CONFLICT DO UPDATE, SQLite ≥ 3.24 and PostgreSQL).
    """
    if not aggregates:
        return
    table = model._meta.db_table
    least, greatest = ("MIN", "MAX") if connection.vendor == "sqlite" else ("LEAST", "GREATEST")
    sql = (
        f'INSERT INTO {table} (entity_id, attribute, bucket, minimum, maximum, total, "count") '
        "VALUES (%s, %s, %s, %s, %s, %s, %s) "
        "ON CONFLICT (entity_id, attribute, bucket) DO UPDATE SET "
        f"minimum = {least}({table}.minimum, excluded.minimum), "
        f"maximum = {greatest}({table}.maximum, excluded.maximum), "
        f"total = {table}.total + excluded.total, "
        f'"count" = {table}."count" + excluded."count"'
    )
    params: list[tuple[Any, ...]]
    if connection.vendor == "sqlite":
        texts: dict[datetime, str] = {}  # a bucket's text once (a batch has few buckets, many series)
        params = []
        for (pk, attribute, bucket), (lo, hi, total, count) in aggregates.items():
            text = texts.get(bucket)
            if text is None:
                text = texts[bucket] = bucket.replace(tzinfo=None).isoformat(" ")
            params.append((pk, attribute, text, lo, hi, total, count))
    else:
        params = [(pk, attribute, bucket, *a) for (pk, attribute, bucket), a in aggregates.items()]
    # Two batches upserting the same buckets in different orders would wait for each other's row locks
    # (PostgreSQL: "deadlock detected", a 500 for one of them): every writer takes them in one order.
    params.sort(key=_row_order)
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _update_latest(
    newest: dict[tuple[int, str], tuple[datetime, Any, str]],
    *,
    entities: dict[int, Entity],
    update_entity_data: bool,
) -> None:
    """Upsert the latest-value rows (only where the new value is more recent) and the entities' documents."""
    table = LatestValue._meta.db_table
    params = []
    for (pk, attribute), (moment, value, unit) in newest.items():
        number, text = split_value(value)
        params.append((pk, attribute, db_datetime(moment), number, text, unit))
    params.sort(key=_row_order)  # (one lock order for every writer, as in _merge_rollups)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (entity_id, attribute, observed_at, value_num, value_text, unit_code) "
            "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (entity_id, attribute) DO UPDATE SET "
            "observed_at = excluded.observed_at, value_num = excluded.value_num, "
            "value_text = excluded.value_text, unit_code = excluded.unit_code "
            f"WHERE excluded.observed_at > {table}.observed_at",
            params,
        )
    if not update_entity_data:
        return
    now = timezone.now()
    modified_text = format_datetime(now)
    changed = {}
    replaced: dict[int, dict[str, Any]] = {}  # (the members replaced: showChanges' previous values)
    # Per instant text, once: sensors of a batch share their instants (and their documents the stored ones).
    stored: dict[str, datetime | None] = {}
    formatted: dict[datetime, str] = {}
    for (pk, attribute), (moment, value, unit) in newest.items():
        entity = entities[pk]
        current = entity.data.get(attribute)
        if isinstance(current, dict) and current.get("observedAt"):
            text = current["observedAt"]
            if not isinstance(text, str):  # (not a valid DateTime: replaced, as parse_datetime would say)
                text = ""
            if text not in stored:
                try:
                    stored[text] = parse_datetime(text)
                except BadRequestData:
                    stored[text] = None
            previous = stored[text]
            if previous is not None and previous >= moment:
                continue
        replaced.setdefault(pk, {}).setdefault(attribute, current)
        attr = dict(current) if isinstance(current, dict) else {"type": "Property"}
        attr["value"] = value
        text = formatted.get(moment)
        if text is None:
            text = formatted[moment] = format_datetime(moment)
        attr["observedAt"] = text
        if unit:
            attr["unitCode"] = unit
        if "modifiedAt" in attr:  # (an attribute written through NGSI-LD keeps its sysAttrs true)
            attr["modifiedAt"] = modified_text
        entity.data[attribute] = attr
        entity.modified_at = now
        changed[pk] = entity
    if changed:
        # One parameterised UPDATE per entity in a single executemany (bulk_update's CASE expressions cost
        # more than the writes themselves at ingestion rates).
        stamp = db_datetime(now.astimezone(UTC))
        cast_json = "::jsonb" if connection.vendor == "postgresql" else ""
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {Entity._meta.db_table} SET data = %s{cast_json}, modified_at = %s WHERE id = %s",
                [  # by id: one lock order for every writer
                    (json.dumps(changed[pk].data, ensure_ascii=False), stamp, pk) for pk in sorted(changed)
                ],
            )
        by_commune: dict[int, dict[int, set[str]]] = {}
        for pk, attribute in newest:
            if pk in changed:
                by_commune.setdefault(changed[pk].commune_id, {}).setdefault(pk, set()).add(attribute)
        for commune_id, changes in by_commune.items():
            changes_notify(
                commune_id=commune_id,
                changes=changes,
                types={pk: entity_types(changed[pk]) for pk in changes},
                previous=replaced,
                ids={pk: changed[pk].entity_id for pk in changes},
            )


def known_entities(commune: Commune, ids: Iterable[Any]) -> tuple[dict[int, Entity], dict[str, int]]:
    """The commune's entities among these ids (with what the latest-value update needs): by pk, pk by id."""
    by_pk = {
        e.pk: e
        for e in Entity.objects.filter(
            commune=commune, entity_id__in=[i for i in ids if type(i) is str]
        ).only("pk", "entity_id", "data", "commune_id", "type_iri", "type_name")
    }
    return by_pk, {e.entity_id: pk for pk, e in by_pk.items()}


# ------------------------------------------------------------------------------------------ front doors


@transaction.atomic
def observation_ingest_batch(*, commune: Commune, measurements: Iterable[Measurement]) -> IngestResult:
    """Store a batch of measurements of one commune's entities, with roll-ups and latest values.

    Unknown entities are rejected item by item (their index and reason returned); known ones are stored.
    Re-sending the same batch stores nothing twice.

    Not audited: measurements (see the module's docstring).
    """
    items = measurements if isinstance(measurements, list) else list(measurements)
    result = IngestResult()
    by_pk, pk_of = known_entities(commune, {m[0] for m in items})
    latest = latest_instant()
    batch = SeriesBatch()
    records: dict[tuple[str, str], list[Any]] = {}
    instants: dict[datetime, Instant] = {}
    names: dict[str, NameProblem | None] = {}
    for index, m in enumerate(items):
        entity_id, attribute, moment, value, unit = m
        if entity_id not in pk_of:
            result.rejected.append((index, _("entité inconnue : %(entity)s") % {"entity": entity_id}))
            continue
        if attribute not in names:
            names[attribute] = attribute_iri_problem(attribute)
        problem = names[attribute]
        if problem is not None:
            result.rejected.append((index, name_reason(attribute, problem)))
            continue
        instant = instants.get(moment)
        if instant is None:
            try:
                aware: datetime | None = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(
                    UTC
                )
            except OverflowError:
                aware = None
            if not instant_in_window(aware, latest):
                result.rejected.append((index, instant_reason(moment.isoformat())))
                continue
            instant = instants[moment] = batch.instant(cast(datetime, aware))
        reason = value_reason(value, unit)
        if reason is not None:
            result.rejected.append((index, reason))
            continue
        record = records.get((entity_id, attribute))
        if record is None:
            record = records[(entity_id, attribute)] = batch.series(pk_of[entity_id], attribute)
        batch.add(record, instant, value, unit or "")
    result.accepted, result.duplicates = series_store(batch, entities=by_pk)
    return result


def observation_ingest_documents(
    *, commune: Commune, documents: Any, expand_attribute: Callable[[str], str]
) -> IngestResult:
    """The batch API's path: measurement documents as decoded from JSON — ``{"entity": id, "attribute":
    short name, "observedAt": ISO 8601, "value": number|string|bool, "unitCode": optional}`` — checked and
    stored like :func:`observation_ingest_batch` (same rows, roll-ups, latest values, duplicates, rejects
    by index, alerts hook), durably once it returns.

    One pass over the documents checks them and builds the rows: each (entity, attribute) pair is resolved
    once (entity pk, expanded IRI) and each ``observedAt`` text parsed once, so no per-measurement object is
    made besides the row itself. A malformed document raises BadRequestData naming it, before anything is
    written; a well-formed one the data hub refuses (unknown entity, instant outside the window, invalid or
    reserved attribute name, text or unitCode too long) is rejected alone, with its index and reason.

    Not audited: measurements (see the module's docstring).
    """
    if type(documents) is not list:
        raise BadRequestData(_("observations : un tableau de mesures est attendu."))
    result = IngestResult()
    try:
        ids = {item["entity"] for item in documents}
    except (KeyError, TypeError):  # a bad document (the pass below names it), or an id that is not a string
        ids = {
            item.get("entity") for item in documents if type(item) is dict and type(item.get("entity")) is str
        }
    by_pk, pk_of = known_entities(commune, ids)
    reader = _DocumentReader(pk_of, expand_attribute)
    reader.read(documents)
    result.rejected = reader.rejected
    result.accepted, result.duplicates = series_store(reader.batch, entities=by_pk)
    return result


_DOCUMENT_TEXT_FIELDS = ("entity", "attribute", "observedAt")


def _document_instant(text: str, index: int) -> datetime | None:
    """An item's ``observedAt`` as an aware UTC datetime: the common ISO 8601 form with an offset or Z
    without the general NGSI-LD parser, anything else through it (BadRequestData naming the item). None for
    an instant so far from ours that it cannot be converted to UTC (year 1 or 9999 with an offset)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    try:
        if moment is None or moment.tzinfo is None:
            return parse_datetime(text, name=f"observations[{index}].observedAt")
        return moment.astimezone(UTC)
    except OverflowError:
        return None
    except BadRequestData:
        raise BadRequestData(
            _(
                "observations[%(index)s].observedAt : une date et heure ISO 8601 est attendue "
                "(par exemple 2026-03-02T10:00:00Z), reçu %(text)r."
            )
            % {"index": index, "text": text[:60]}
        ) from None


def _document_check(item: Any, index: int) -> None:
    """Raise BadRequestData naming the first bad field of one measurement document (checked in order).

    These are mistakes of the client's program (a wrong shape): the whole batch is refused. A well-formed
    measurement with a value the data hub refuses (an instant out of the window, a reserved name, a text too
    long) is rejected alone, with its index and reason (see _DocumentReader._resolve)."""
    if type(item) is not dict:
        raise BadRequestData(_("observations[%(index)s] : un objet est attendu.") % {"index": index})
    for name in _DOCUMENT_TEXT_FIELDS:
        if not isinstance(item.get(name), str):
            raise BadRequestData(
                _("observations[%(index)s].%(field)s : une chaîne de caractères est attendue.")
                % {"index": index, "field": name}
            )
    value = item.get("value")
    if value is None or type(value) is dict or type(value) is list:
        raise BadRequestData(
            _("observations[%(index)s].value : un nombre, un texte ou un booléen est attendu.")
            % {"index": index}
        )
    _document_instant(item["observedAt"], index)


class _DocumentReader:
    """Reads measurement documents into a SeriesBatch in one pass (see observation_ingest_documents)."""

    def __init__(self, pk_of: dict[str, int], expand_attribute: Callable[[str], str]) -> None:
        self.pk_of = pk_of
        self.expand_attribute = expand_attribute
        self.batch = SeriesBatch()
        self.latest = latest_instant()
        # entity id → attribute short name → the series' record in the batch
        self.series: dict[str, dict[str, list[Any]]] = {}
        self.names: dict[str, str] = {}
        # observedAt text → its instant; only valid instants are kept, so a refused one (rare) goes through
        # _resolve at each sight.
        self.instants: dict[str, Instant] = {}
        self.rejected: list[tuple[int, str]] = []

    def _resolve(self, item: Any, index: int) -> tuple[list[Any], Instant] | None:
        """The first sight of a series or an instant (or a bad or rejected document): check it, cache it."""
        _document_check(item, index)
        entity, attribute, observed = item["entity"], item["attribute"], item["observedAt"]
        pk = self.pk_of.get(entity)
        if pk is None:
            self.rejected.append((index, _("entité inconnue : %(entity)s") % {"entity": entity[:300]}))
            return None
        attributes = self.series.setdefault(entity, {})
        record = attributes.get(attribute)
        if record is None:
            iri = self.names.get(attribute)
            if iri is None:
                problem = attribute_name_problem(attribute)
                if problem is None:
                    iri = self.expand_attribute(attribute)
                    problem = attribute_iri_problem(iri)
                if problem is not None:
                    self.rejected.append((index, name_reason(attribute, problem)))
                    return None
                iri = self.names[attribute] = cast(str, iri)
            record = attributes[attribute] = self.batch.series(pk, iri)
        instant = self.instants.get(observed)
        if instant is None:
            aware = _document_instant(observed, index)
            if aware is None or not instant_in_window(aware, self.latest):
                self.rejected.append((index, instant_reason(observed[:60])))
                return None
            instant = self.instants[observed] = self.batch.instant(aware)
        return record, instant

    def read(self, documents: list[Any]) -> None:
        series_of, instants = self.series, self.instants
        isfinite = math.isfinite
        for index, item in enumerate(documents):
            try:
                value = item["value"]
                record = series_of[item["entity"]][item["attribute"]]
                instant = instants[item["observedAt"]]
            except (KeyError, TypeError):
                resolved = self._resolve(item, index)
                if resolved is None:
                    continue
                record, instant = resolved
                value = item["value"]
            unit = item.get("unitCode")
            if unit:
                if type(unit) is not str or len(unit) > MAX_UNIT_CODE:
                    self.rejected.append((index, cast(str, value_reason(None, unit))))
                    continue
            else:
                unit = ""
            kind = type(value)
            # The common case (a finite number) inline: this loop runs 10,000 times a request.
            if (kind is float or kind is int) and isfinite(value):
                number = float(value)
                record[2].append((record[0], record[1], instant[0], number, None, unit))
                numbers = record[3].get(instant[1])
                if numbers is None:
                    record[3][instant[1]] = [number]
                else:
                    numbers.append(number)
                record[5].append((instant, value))
                newest = record[4]
                if newest is None or instant[2] > newest[0]:
                    record[4] = (instant[2], value, unit)
                continue
            if value is None or kind is dict or kind is list:
                _document_check(item, index)
            if kind is str and len(value) > MAX_TEXT_VALUE:
                self.rejected.append((index, cast(str, value_reason(value, unit))))
                continue
            self.batch.add(record, instant, value, unit)  # text, boolean, NaN or infinity


# ------------------------------------------------------------------------------------------ history

_Rollup = TypeVar("_Rollup", HourlyRollup, DailyRollup)


def rollup_write_history(
    *,
    entity: Entity,
    attribute: str,
    hourly: Iterable[tuple[datetime, float, float, float, int]] = (),
    daily: Iterable[tuple[datetime, float, float, float, int]] = (),
    fresh: bool = False,
) -> None:
    """Write pre-aggregated history (bucket, min, max, sum, count) straight into the roll-ups (demo,
    imports of past data from another system). Buckets already present are replaced; `fresh` says the
    attribute has no roll-up yet (an entity just created): on PostgreSQL the rows are then streamed with COPY.

    Not audited: measurements (see the module's docstring), here already aggregated.
    """
    _history_write(HourlyRollup, entity=entity, attribute=attribute, rows=hourly, fresh=fresh)
    _history_write(DailyRollup, entity=entity, attribute=attribute, rows=daily, fresh=fresh)


def _history_write(
    model: type[_Rollup],
    *,
    entity: Entity,
    attribute: str,
    rows: Iterable[tuple[datetime, float, float, float, int]],
    fresh: bool = False,
) -> None:
    if fresh and connection.vendor == "postgresql":
        columns = "entity_id, attribute, bucket, minimum, maximum, total, count"
        with (
            connection.cursor() as cursor,
            cursor.copy(  # psycopg 3's COPY
                f"COPY {model._meta.db_table} ({columns}) FROM STDIN"  # noqa: S608 — our own table name
            ) as copy,
        ):
            for b, lo, hi, s, c in rows:
                copy.write_row((entity.pk, attribute, b, lo, hi, s, c))
        return
    model.objects.bulk_create(
        [
            model(entity=entity, attribute=attribute, bucket=b, minimum=lo, maximum=hi, total=s, count=c)
            for b, lo, hi, s, c in rows
        ],
        update_conflicts=True,
        unique_fields=["entity", "attribute", "bucket"],
        update_fields=["minimum", "maximum", "total", "count"],
        batch_size=1000,
    )
