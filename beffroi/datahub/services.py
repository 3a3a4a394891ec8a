"""Writes of the data hub: NGSI-LD entities and attributes, observations with their roll-ups, LoRaWAN uplinks.

Entities arrive here already expanded (attribute names and types as IRIs, see ngsild.context): the API layer
owns the @context. Every attribute instance that carries ``observedAt`` and a scalar value is also recorded
as an observation, so the temporal API and the dashboards see what the entity API was told.
"""

from __future__ import annotations

import gc
import json
import logging
import math
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple, TypeVar, cast

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from beffroi.core.annotations import Actor
from beffroi.core.models import Commune
from beffroi.core.services import audit_record

from . import lorawan
from .lorawan.uplink import Source
from .models import (
    DailyRollup,
    Device,
    Entity,
    HourlyRollup,
    LatestValue,
    Observation,
    RejectedUplink,
    RollupBase,
)
from .ngsild import geo
from .ngsild.errors import AlreadyExists, BadRequestData, NgsiLdError, ResourceNotFound
from .ngsild.names import NAME_RULES, NameProblem, attribute_iri_problem, attribute_name_problem
from .ngsild.temporal import format_datetime, parse_datetime

log = logging.getLogger(__name__)

LOCATION_IRI = "https://uri.etsi.org/ngsi-ld/location"
DEFAULT_VOCAB = "https://uri.etsi.org/ngsi-ld/default-context/"
NGSI_LD_NULL = "urn:ngsi-ld:null"
ATTRIBUTE_TYPES = frozenset(
    {
        "Property",
        "Relationship",
        "GeoProperty",
        "LanguageProperty",
        "JsonProperty",
        "VocabProperty",
        "ListProperty",
        "ListRelationship",
    }
)
_VALUE_MEMBER = {
    "Property": "value",
    "GeoProperty": "value",
    "Relationship": "object",
    "LanguageProperty": "languageMap",
    "JsonProperty": "json",
    "VocabProperty": "vocab",
    "ListProperty": "valueList",
    "ListRelationship": "objectList",
}
_URI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:\S+$")


def short_name(iri: str) -> str:
    """The last segment of an IRI (``…/fillingLevel`` → ``fillingLevel``), for display and device mapping."""
    return re.split(r"[/#:]", iri)[-1] or iri


# ------------------------------------------------------------------------------------------ ingestion limits
# Every way in (batch API, NGSI-LD writes, webhooks, MQTT) meets these before anything is stored: a device with
# a wrong clock or a careless client must not store what the pages and the APIs cannot show or the columns
# cannot hold.

#: Instants before this are refused: no sensor of a commune measured anything then, and year 1 cannot even be
#: converted to every time zone.
EARLIEST_INSTANT = datetime(2000, 1, 1, tzinfo=UTC)
#: How far ahead of the server's clock an instant may be (clocks drift; a day more is a wrong clock).
FUTURE_TOLERANCE = timedelta(days=1)
#: The longest text value of a measurement (a state, a code, a short message), in characters.
MAX_TEXT_VALUE = 1_000
#: The longest unitCode: the observation column (UN/CEFACT codes have 2 or 3 characters).
MAX_UNIT_CODE = 16
#: How much of a rejected uplink is kept for the operator to read.
KEPT_REJECTED_PAYLOAD = 16 * 1024


def latest_instant() -> datetime:
    """The latest instant a measurement may carry now (the server's clock plus FUTURE_TOLERANCE)."""
    return timezone.now() + FUTURE_TOLERANCE


def instant_in_window(moment: datetime | None, latest: datetime) -> bool:
    """Is an aware instant (None: one that overflowed on conversion) within [EARLIEST_INSTANT, latest]?"""
    return moment is not None and EARLIEST_INSTANT <= moment <= latest


def _instant_reason(text: object) -> str:
    return _(
        "observedAt : l'instant %(instant)s est hors de la plage acceptée (du 1er janvier 2000 à demain) ; "
        "vérifiez l'horloge de l'appareil."
    ) % {"instant": text}


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


def _name_reason(name: object, problem: NameProblem) -> str:
    shown = name[:60] + "…" if isinstance(name, str) and len(name) > 60 else name
    return _("attribute : nom %(name)r refusé, %(why)s.") % {"name": shown, "why": _NAME_REASONS[problem]}


def _value_reason(value: object, unit: object) -> str | None:
    """Why a measurement's value or unitCode cannot be stored (a per-item reason), or None."""
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


# ------------------------------------------------------------------------------------------- validation


def _check_attribute(name: str, attribute: Any) -> Any:
    """Validate one attribute (or a list of its dataset instances); BadRequestData naming it."""
    short = short_name(name)
    if isinstance(attribute, list):
        if not attribute:
            raise BadRequestData(f"attribute {short!r}: an empty list is not an attribute")
        return [_check_attribute(name, item) for item in attribute]
    if not isinstance(attribute, dict):
        raise BadRequestData(f"attribute {short!r} must be an object with a type and a value or an object")
    kind = attribute.get("type")
    if kind is None:
        kind = "Relationship" if "object" in attribute else "Property"
        attribute = {"type": kind, **attribute}
    if kind not in ATTRIBUTE_TYPES:
        raise BadRequestData(f"attribute {short!r}: unknown type {kind!r} (expected Property, Relationship…)")
    member = _VALUE_MEMBER[kind]
    if member not in attribute:
        raise BadRequestData(f"attribute {short!r}: a {kind} needs a {member!r} member")
    if attribute[member] is None:
        raise BadRequestData(f"attribute {short!r}: {member} must not be null")
    if kind == "Relationship":
        obj = attribute["object"]
        targets = obj if isinstance(obj, list) else [obj]
        if not all(isinstance(t, str) and _URI_RE.match(t) for t in targets):
            raise BadRequestData(f"attribute {short!r}: object must be a URI")
    if kind == "GeoProperty":
        geo.validate_geojson(attribute["value"])
    if "observedAt" in attribute:
        _check_observed_at(attribute["observedAt"], name=f"{short}.observedAt")
        value = attribute.get("value")
        if kind == "Property" and isinstance(value, str) and len(value) > MAX_TEXT_VALUE:
            raise BadRequestData(
                f"attribute {short!r}: a measured text value (with observedAt) has at most "
                f"{MAX_TEXT_VALUE} characters"
            )
    if "unitCode" in attribute:
        unit = attribute["unitCode"]
        if not isinstance(unit, str) or len(unit) > MAX_UNIT_CODE:
            raise BadRequestData(
                f"attribute {short!r}: unitCode must be a UN/CEFACT code (a string of at most "
                f"{MAX_UNIT_CODE} characters)"
            )
    return attribute


def _check_observed_at(text: Any, *, name: str) -> datetime:
    """An attribute's observedAt as an aware UTC datetime, within the accepted window; BadRequestData if not."""
    try:
        moment: datetime | None = parse_datetime(text, name=name)
    except OverflowError:  # a year-1 or year-9999 instant whose offset takes it out of the calendar
        moment = None
    if not instant_in_window(moment, latest_instant()):
        raise BadRequestData(
            f"{name}: {text!r} is outside the accepted window (from 2000-01-01T00:00:00Z to one day after the "
            "server's clock); check the device's clock"
        )
    return cast(datetime, moment)


def check_entity(entity: Any, *, require_type: bool = True) -> dict[str, Any]:
    """Validate an expanded entity (CIM 009 §4.5, §5.2.4); return it with attribute types filled in."""
    if not isinstance(entity, dict):
        raise BadRequestData("an entity must be a JSON object")
    entity_id = entity.get("id")
    if not isinstance(entity_id, str) or not _URI_RE.match(entity_id):
        raise BadRequestData("id must be a URI such as urn:ngsi-ld:Streetlight:001")
    if len(entity_id) > 255:
        raise BadRequestData("id is longer than 255 characters")
    kind = entity.get("type")
    if require_type or kind is not None:
        kinds = kind if isinstance(kind, list) else [kind]
        if not kinds or not all(isinstance(k, str) and k for k in kinds):
            raise BadRequestData("type must be a non-empty string")
    out: dict[str, Any] = {}
    for key, member in entity.items():
        if key in ("id", "type", "scope", "createdAt", "modifiedAt", "@context"):
            out[key] = member
            continue
        problem = attribute_iri_problem(key)
        if problem is not None:
            raise BadRequestData(f"attribute name {short_name(str(key))[:60]!r}: {NAME_RULES[problem]}")
        out[key] = _check_attribute(key, member)
    return out


def _attributes(entity: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entity.items() if k not in ("id", "type", "@context", "createdAt", "modifiedAt")}


def _primary_type(kind: Any) -> str:
    primary: str = kind[0] if isinstance(kind, list) else kind
    return primary


def _display_name(data: Mapping[str, Any]) -> str:
    for key, attribute in data.items():
        if short_name(key) == "name" and isinstance(attribute, dict):
            value = attribute.get("value")
            if isinstance(value, str):
                return value[:200]
    return ""


def _apply_columns(entity: Entity) -> None:
    """Fill the derived columns: display name, representative point and bounding box of `location`."""
    entity.name = _display_name(entity.data)
    entity.lon = entity.lat = entity.min_lon = entity.min_lat = entity.max_lon = entity.max_lat = None
    entity.is_point = False
    location = entity.data.get(LOCATION_IRI)
    if isinstance(location, list):
        location = location[0] if location else None
    if isinstance(location, dict) and isinstance(location.get("value"), dict):
        try:
            box = geo.bbox_of(location["value"])
        except Exception:  # a location we cannot bound is stored but not geo-indexed
            box = None
        if box is not None:
            entity.min_lon, entity.min_lat, entity.max_lon, entity.max_lat = (
                box.min_lon,
                box.min_lat,
                box.max_lon,
                box.max_lat,
            )
            entity.is_point = box.min_lon == box.max_lon and box.min_lat == box.max_lat
            entity.lon = (box.min_lon + box.max_lon) / 2
            entity.lat = (box.min_lat + box.max_lat) / 2


# ------------------------------------------------------------------------------------------ observations


class Measurement(NamedTuple):
    """One value of one attribute of one entity at one instant (attribute as an expanded IRI).

    A named tuple: a plain ``(entity_id, attribute, observed_at, value, unit_code)`` tuple is accepted
    wherever a Measurement is (the batch API builds those, cheaper at 10,000 items per request)."""

    entity_id: str
    attribute: str
    observed_at: datetime
    value: Any
    unit_code: str = ""


@dataclass
class IngestResult:
    accepted: int = 0
    duplicates: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)


def _split_value(value: Any) -> tuple[float | None, str | None]:
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
        if math.isfinite(number):
            return number, None
        return None, None
    return None, json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _join_value(number: float | None, text: str | None) -> Any:
    if number is not None:
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def observation_value(row: Observation | LatestValue) -> Any:
    return _join_value(row.value_num, row.value_text)


def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _day(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def _db_datetime(moment: datetime) -> Any:
    """A UTC datetime as the database driver wants it (SQLite: Django's text form; others: as is)."""
    if connection.vendor == "sqlite":
        return moment.replace(tzinfo=None).isoformat(" ")
    return moment


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
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _ingest_rows(
    rows: list[tuple[int, str, datetime, Any, str]],
    *,
    entities: dict[int, Entity] | None = None,
    update_entity_data: bool = True,
) -> tuple[int, int]:
    """Store (entity pk, attribute IRI, UTC datetime, value, unit) rows: observations, roll-ups, latest values.

    Idempotent: a row already stored (same entity, attribute and instant) is skipped and counted as a
    duplicate, so a replayed batch changes nothing. Returns (accepted, duplicates). Written with plain
    parameterised SQL (executemany) because model instances cost more than the insert itself here.
    """
    if not rows:
        return 0, 0
    unique: dict[tuple[int, str, datetime], tuple[Any, str]] = {}
    for pk, attribute, moment, value, unit in rows:
        unique[(pk, attribute, moment)] = (value, unit)
    duplicates = len(rows) - len(unique)
    pks = {key[0] for key in unique}
    moments = [key[2] for key in unique]
    stored = Observation.objects.filter(
        entity_id__in=pks, observed_at__gte=min(moments), observed_at__lte=max(moments)
    ).values_list("entity_id", "attribute", "observed_at")
    for pk, attribute, moment in stored.iterator():
        if unique.pop((pk, attribute, moment.astimezone(UTC)), None) is not None:
            duplicates += 1
    if not unique:
        return 0, duplicates
    params: list[tuple[int, str, Any, float | None, str | None, str]] = []
    hourly: dict[tuple[int, str, datetime], list[float]] = {}
    daily: dict[tuple[int, str, datetime], list[float]] = {}
    newest: dict[tuple[int, str], tuple[datetime, Any, str]] = {}
    sqlite = connection.vendor == "sqlite"
    # Per instant, once: its database form and its hour and day buckets (a batch has many sensors
    # measured at the same instants, and datetime.replace/isoformat dominated this loop).
    instants: dict[datetime, tuple[Any, datetime, datetime]] = {}
    isfinite = math.isfinite
    number: float | None
    for (pk, attribute, moment), (value, unit) in unique.items():
        instant = instants.get(moment)
        if instant is None:
            instant = instants[moment] = (
                moment.replace(tzinfo=None).isoformat(" ") if sqlite else moment,
                moment.replace(minute=0, second=0, microsecond=0),
                moment.replace(hour=0, minute=0, second=0, microsecond=0),
            )
        kind = type(value)
        if (kind is float or kind is int) and isfinite(value):
            number, text = float(value), None
        else:
            number, text = _split_value(value)
        params.append((pk, attribute, instant[0], number, text, unit))
        if number is not None:
            for table, bucket in ((hourly, instant[1]), (daily, instant[2])):
                agg = table.get((pk, attribute, bucket))
                if agg is None:
                    table[(pk, attribute, bucket)] = [number, number, number, 1]
                else:
                    if number < agg[0]:
                        agg[0] = number
                    if number > agg[1]:
                        agg[1] = number
                    agg[2] += number
                    agg[3] += 1
        current = newest.get((pk, attribute))
        if current is None or moment > current[0]:
            newest[(pk, attribute)] = (moment, value, unit)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {Observation._meta.db_table} "
            "(entity_id, attribute, observed_at, value_num, value_text, unit_code) "
            "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            params,
        )
    _merge_rollups(HourlyRollup, hourly)
    _merge_rollups(DailyRollup, daily)
    _update_latest(newest, entities=entities, update_entity_data=update_entity_data)
    # Alerts hook (alert_services.alerts_after_ingest): evaluate the alert rules of the touched entities.
    from .alert_services import alerts_after_ingest

    alerts_after_ingest(entity_pks=pks)
    return len(params), duplicates


def _update_latest(
    newest: dict[tuple[int, str], tuple[datetime, Any, str]],
    *,
    entities: dict[int, Entity] | None,
    update_entity_data: bool,
) -> None:
    """Upsert the latest-value rows (only where the new value is more recent) and the entities' documents."""
    table = LatestValue._meta.db_table
    params = []
    for (pk, attribute), (moment, value, unit) in newest.items():
        number, text = _split_value(value)
        params.append((pk, attribute, _db_datetime(moment), number, text, unit))
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
    touched_pks = {pk for pk, _ in newest}
    if entities is None or not touched_pks <= set(entities):
        entities = Entity.objects.in_bulk(touched_pks)
    now = timezone.now()
    changed = {}
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
        attr = dict(current) if isinstance(current, dict) else {"type": "Property"}
        attr["value"] = value
        text = formatted.get(moment)
        if text is None:
            text = formatted[moment] = format_datetime(moment)
        attr["observedAt"] = text
        if unit:
            attr["unitCode"] = unit
        entity.data[attribute] = attr
        entity.modified_at = now
        changed[pk] = entity
    if changed:
        # One parameterised UPDATE per entity in a single executemany (bulk_update's CASE expressions cost
        # more than the writes themselves at ingestion rates).
        stamp = _db_datetime(now.astimezone(UTC))
        cast = "::jsonb" if connection.vendor == "postgresql" else ""
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {Entity._meta.db_table} SET data = %s{cast}, modified_at = %s WHERE id = %s",
                [(json.dumps(e.data, ensure_ascii=False), stamp, e.pk) for e in changed.values()],
            )
        from .subscriptions import changes_notify

        by_commune: dict[int, dict[int, set[str]]] = {}
        for pk, attribute in newest:
            if pk in changed:
                by_commune.setdefault(changed[pk].commune_id, {}).setdefault(pk, set()).add(attribute)
        for commune_id, changes in by_commune.items():
            changes_notify(
                commune_id=commune_id, changes=changes, types={pk: changed[pk].type_iri for pk in changes}
            )


def _measurements_of(pk: int, data: Mapping[str, Any]) -> list[tuple[int, str, datetime, Any, str]]:
    """The observations carried by an entity's attributes (instances with observedAt and a plain value)."""
    rows = []
    for attribute, member in data.items():
        for instance in member if isinstance(member, list) else [member]:
            if not isinstance(instance, dict) or "observedAt" not in instance:
                continue
            if instance.get("type", "Property") != "Property":
                continue
            value = instance.get("value")
            if isinstance(value, dict | list) or value is None:
                continue
            moment = parse_datetime(instance["observedAt"], name=f"{short_name(attribute)}.observedAt")
            rows.append((pk, attribute, moment, value, str(instance.get("unitCode") or "")))
    return rows


class _Duplicates(Exception):
    """The fast path met a measurement already stored (or twice in its batch): take the careful one."""


@transaction.atomic
def observation_ingest_batch(*, commune: Commune, measurements: Iterable[Measurement]) -> IngestResult:
    """Store a batch of measurements of one commune's entities, with roll-ups and latest values.

    Unknown entities are rejected item by item (their index and reason returned); known ones are stored.
    Re-sending the same batch stores nothing twice.
    """
    items = measurements if isinstance(measurements, list) else list(measurements)
    result = IngestResult()
    ids = {m[0] for m in items}
    by_pk, pk_of = _known_entities(commune, ids)
    latest = latest_instant()
    accepted = []
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
            result.rejected.append((index, _name_reason(attribute, problem)))
            continue
        try:
            aware = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
        except OverflowError:
            aware = None
        if not instant_in_window(aware, latest):
            result.rejected.append((index, _instant_reason(moment.isoformat())))
            continue
        reason = _value_reason(value, unit)
        if reason is not None:
            result.rejected.append((index, reason))
            continue
        accepted.append(m)
    items = accepted
    if not items:
        return result
    try:
        # New measurements (the common case) go through one tight loop and never read the table first;
        # the insert's row count tells whether anything was already there.
        with transaction.atomic():
            result.accepted = _ingest_new(items, pk_of, by_pk)
        return result
    except _Duplicates:
        pass
    rows: list[tuple[int, str, datetime, Any, str]] = []
    append = rows.append
    for m in items:
        moment = m[2]
        if moment.tzinfo is not UTC:
            moment = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
        append((pk_of[m[0]], m[1], moment, m[3], m[4] or ""))
    result.accepted, result.duplicates = _ingest_rows(rows, entities=by_pk)
    return result


def _ingest_new(items: list[Measurement], pk_of: dict[str, int], by_pk: dict[int, Entity]) -> int:
    """Store measurements of known entities assumed new; raises _Duplicates (rolling back) if one was not.

    One pass builds the observation rows, the numbers of each hourly bucket and the latest instance of each
    series; the daily roll-ups are derived from the hourly ones. Same effect as _ingest_rows.
    """
    sqlite = connection.vendor == "sqlite"
    params: list[tuple[int, str, Any, float | None, str | None, str]] = []
    append = params.append
    hourly: dict[tuple[int, str, datetime], list[float]] = {}
    newest: dict[tuple[int, str], tuple[datetime, Any, str]] = {}
    # Per instant, once: its database form and its hour bucket (a batch has many sensors measured at the
    # same instants).
    instants: dict[datetime, tuple[Any, datetime, datetime]] = {}
    day_of: dict[datetime, datetime] = {}
    isfinite = math.isfinite
    number: float | None
    for entity_id, attribute, moment, value, unit in items:
        instant = instants.get(moment)
        if instant is None:
            if moment.tzinfo is not UTC:
                aware = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
            else:
                aware = moment
            hour = aware.replace(minute=0, second=0, microsecond=0)
            day_of[hour] = hour.replace(hour=0)
            instant = instants[moment] = (
                aware.replace(tzinfo=None).isoformat(" ") if sqlite else aware,
                hour,
                aware,
            )
        pk = pk_of[entity_id]
        unit = unit or ""
        kind = type(value)
        if (kind is float or kind is int) and isfinite(value):
            number = float(value)
            append((pk, attribute, instant[0], number, None, unit))
            numbers = hourly.get((pk, attribute, instant[1]))
            if numbers is None:
                hourly[(pk, attribute, instant[1])] = [number]
            else:
                numbers.append(number)
        else:
            number, text = _split_value(value)
            append((pk, attribute, instant[0], number, text, unit))
            if number is not None:  # (a bool is stored as text; NaN/inf as nothing)
                hourly.setdefault((pk, attribute, instant[1]), []).append(number)
        series = (pk, attribute)
        current = newest.get(series)
        if current is None or instant[2] > current[0]:
            newest[series] = (instant[2], value, unit)
    return _store_new(params, hourly, day_of, newest, by_pk)


def _store_new(
    params: list[tuple[int, str, Any, float | None, str | None, str]],
    hourly: dict[tuple[int, str, datetime], list[float]],
    day_of: dict[datetime, datetime],
    newest: dict[tuple[int, str], tuple[datetime, Any, str]],
    by_pk: dict[int, Entity],
) -> int:
    """The writes of the fast path: observation rows (raises _Duplicates if one was already there), the
    numbers of each hourly bucket merged into the hourly and daily roll-ups, the latest values, alerts."""
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {Observation._meta.db_table} "
            "(entity_id, attribute, observed_at, value_num, value_text, unit_code) "
            "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            params,
        )
        if cursor.rowcount != len(params):
            raise _Duplicates
    hour_aggregates = {}
    daily: dict[tuple[int, str, datetime], list[float]] = {}
    for (pk, attribute, hour), numbers in hourly.items():
        lo, hi, total, count = min(numbers), max(numbers), sum(numbers), len(numbers)
        hour_aggregates[(pk, attribute, hour)] = [lo, hi, total, count]
        key = (pk, attribute, day_of[hour])
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
    _merge_rollups(HourlyRollup, hour_aggregates)
    _merge_rollups(DailyRollup, daily)
    _update_latest(newest, entities=by_pk, update_entity_data=True)
    from .alert_services import alerts_after_ingest

    alerts_after_ingest(entity_pks=by_pk.keys(), commune_ids={e.commune_id for e in by_pk.values()})
    return len(params)


def _known_entities(commune: Commune, ids: Iterable[Any]) -> tuple[dict[int, Entity], dict[str, int]]:
    """The commune's entities among these ids (with what the latest-value update needs): by pk, pk by id."""
    by_pk = {
        e.pk: e
        for e in Entity.objects.filter(
            commune=commune, entity_id__in=[i for i in ids if type(i) is str]
        ).only("pk", "entity_id", "data", "commune_id", "type_iri")
    }
    return by_pk, {e.entity_id: pk for pk, e in by_pk.items()}


_gc_lock = threading.Lock()
_gc_pausers = 0
_gc_was_enabled = True


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a large batch is decoded and stored.

    A batch of 10,000 measurements allocates tens of thousands of short-lived containers (decoded items,
    rows, per-bucket lists): they trigger young-generation collections and, by promoting what is alive at
    that moment, a full collection of the whole process every ten or so batches — about a tenth of the
    request. None of them form cycles (reference counting frees them all when the batch is done), so the
    collector has nothing to find there. Reentrant and thread-safe: the collector is enabled again when the
    last concurrent batch is done, and only if it was enabled before the first began.
    """
    global _gc_pausers, _gc_was_enabled
    with _gc_lock:
        if _gc_pausers == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pausers += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pausers -= 1
            if _gc_pausers == 0 and _gc_was_enabled:
                gc.enable()


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
    long) is rejected alone, with its index and reason (see _DocumentBatch._resolve)."""
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

    Called outside a transaction (the API), the fast path is a transaction of its own, rolled back whole
    when it meets a measurement already stored, and the careful path then runs in another; inside one, the
    fast path is a savepoint (on SQLite a savepoint journals every page it modifies: ~10% of the insert).
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
    try:
        with transaction.atomic():
            by_pk, pk_of = _known_entities(commune, ids)
            batch = _DocumentBatch(pk_of, expand_attribute)
            batch.read(documents)
            result.rejected = batch.rejected
            params = batch.params()
            if params:
                result.accepted = _store_new(params, batch.hourly(), batch.day_of, batch.newest(), by_pk)
        return result
    except _Duplicates:
        pass
    with transaction.atomic():
        by_pk, _pk_of = _known_entities(commune, ids)
        # (an entity deleted since the first attempt has nothing more stored)
        rows = [row for row in batch.rows(documents) if row[0] in by_pk]
        result.accepted, result.duplicates = _ingest_rows(rows, entities=by_pk)
    return result


class _DocumentBatch:
    """The rows of a batch of measurement documents, built in one pass (see observation_ingest_documents)."""

    def __init__(self, pk_of: dict[str, int], expand_attribute: Callable[[str], str]) -> None:
        self.pk_of = pk_of
        self.expand_attribute = expand_attribute
        self.sqlite = connection.vendor == "sqlite"
        self.latest = latest_instant()
        # entity id → attribute short name → the series' record: [entity pk, attribute IRI, its observation
        # rows in arrival order, hour bucket → its numbers, its newest (instant, value, unit) or None].
        # Rows are written series after series: they meet the unique (entity, attribute, instant) index
        # where it is already being written, not at one of a hundred places in turn (~10% off the insert).
        self.series: dict[str, dict[str, list[Any]]] = {}
        self.records: list[list[Any]] = []
        self.names: dict[str, str] = {}
        # observedAt text → (database form, hour bucket, aware UTC datetime); only valid instants are kept,
        # so a refused one (rare) goes through _resolve at each sight.
        self.instants: dict[str, tuple[Any, datetime, datetime]] = {}
        self.day_of: dict[datetime, datetime] = {}
        self.rejected: list[tuple[int, str]] = []
        self.rejected_at: set[int] = set()

    def reject(self, index: int, reason: str) -> None:
        self.rejected.append((index, reason))
        self.rejected_at.add(index)

    def _resolve(self, item: Any, index: int) -> tuple[list[Any], tuple[Any, datetime, datetime]] | None:
        """The first sight of a series or an instant (or a bad or rejected document): check it, cache it."""
        _document_check(item, index)
        entity, attribute, observed = item["entity"], item["attribute"], item["observedAt"]
        pk = self.pk_of.get(entity)
        if pk is None:
            self.reject(index, _("entité inconnue : %(entity)s") % {"entity": entity[:300]})
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
                    self.reject(index, _name_reason(attribute, problem))
                    return None
                iri = self.names[attribute] = cast(str, iri)
            record = attributes[attribute] = [pk, iri, [], {}, None]
            self.records.append(record)
        instant = self.instants.get(observed)
        if instant is None:
            aware = _document_instant(observed, index)
            if aware is None or not instant_in_window(aware, self.latest):
                self.reject(index, _instant_reason(observed[:60]))
                return None
            hour = aware.replace(minute=0, second=0, microsecond=0)
            self.day_of[hour] = hour.replace(hour=0)
            instant = self.instants[observed] = (
                aware.replace(tzinfo=None).isoformat(" ") if self.sqlite else aware,
                hour,
                aware,
            )
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
                    self.reject(index, cast(str, _value_reason(None, unit)))
                    continue
            else:
                unit = ""
            kind = type(value)
            if kind is float or kind is int:
                if isfinite(value):
                    number = float(value)
                    record[2].append((record[0], record[1], instant[0], number, None, unit))
                    numbers = record[3].get(instant[1])
                    if numbers is None:
                        record[3][instant[1]] = [number]
                    else:
                        numbers.append(number)
                else:  # NaN or infinity: stored as no value, as _split_value does
                    record[2].append((record[0], record[1], instant[0], None, None, unit))
            elif value is None or kind is dict or kind is list:
                _document_check(item, index)
            elif kind is str and len(value) > MAX_TEXT_VALUE:
                self.reject(index, cast(str, _value_reason(value, unit)))
                continue
            else:  # text or boolean (a bool is stored as JSON text)
                record[2].append((record[0], record[1], instant[0], None, _split_value(value)[1], unit))
            newest = record[4]
            if newest is None or instant[2] > newest[0]:
                record[4] = (instant[2], value, unit)

    def params(self) -> list[tuple[int, str, Any, float | None, str | None, str]]:
        """The observation rows to insert, series after series."""
        return [row for record in self.records for row in record[2]]

    def hourly(self) -> dict[tuple[int, str, datetime], list[float]]:
        """The numbers of each (entity pk, IRI, hour bucket), series after series."""
        return {
            (record[0], record[1], hour): numbers
            for record in self.records
            for hour, numbers in record[3].items()
        }

    def newest(self) -> dict[tuple[int, str], tuple[datetime, Any, str]]:
        return {(record[0], record[1]): record[4] for record in self.records if record[4] is not None}

    def rows(self, documents: list[Any]) -> list[tuple[int, str, datetime, Any, str]]:
        """(entity pk, IRI, UTC datetime, value, unit) rows of the stored documents (the careful path's input)."""
        rows = []
        rejected = self.rejected_at
        for index, item in enumerate(documents):
            if index in rejected:
                continue
            pk, iri = self.series[item["entity"]][item["attribute"]][:2]
            rows.append(
                (pk, iri, self.instants[item["observedAt"]][2], item["value"], item.get("unitCode") or "")
            )
        return rows


# ---------------------------------------------------------------------------------------------- entities


def _get(commune: Commune, entity_id: str, *, lock: bool = False) -> Entity:
    qs = Entity.objects.filter(commune=commune, entity_id=entity_id)
    if lock:
        qs = qs.select_for_update()
    entity = qs.first()
    if entity is None:
        raise ResourceNotFound(f"entity {entity_id} does not exist")
    return entity


def _save(entity: Entity, changed: Iterable[str] | None = None) -> None:
    _apply_columns(entity)
    entity.save()
    from .subscriptions import changes_notify

    attrs = set(entity.data if changed is None else changed)
    changes_notify(
        commune_id=entity.commune_id, changes={entity.pk: attrs}, types={entity.pk: entity.type_iri}
    )


@transaction.atomic
def entity_create(
    *,
    commune: Commune,
    entity: Mapping[str, Any],
    actor: Actor = None,
    is_public: bool = False,
    audit: bool = True,
) -> Entity:
    """Create an entity (CIM 009 §5.6.1); AlreadyExists if its id is taken in this commune."""
    checked = check_entity(dict(entity))
    if Entity.objects.filter(commune=commune, entity_id=checked["id"]).exists():
        raise AlreadyExists(f"entity {checked['id']} already exists")
    kind = checked["type"]
    row = Entity(
        commune=commune,
        entity_id=checked["id"],
        type_iri=_primary_type(kind),
        type_name=short_name(_primary_type(kind))[:120],
        data={k: v for k, v in checked.items() if k not in ("id", "type", "createdAt", "modifiedAt")},
        is_public=is_public,
    )
    if isinstance(kind, list) and len(kind) > 1:
        row.data["@types"] = kind
    _save(row)
    _ingest_rows(_measurements_of(row.pk, _attributes(row.data)), update_entity_data=False)
    if audit:
        audit_record(
            commune=commune, actor=actor, action="datahub.entity.create", obj=row, summary=row.entity_id
        )
    return row


def entity_types(entity: Entity) -> str | list[str]:
    return entity.data.get("@types") or entity.type_iri


@transaction.atomic
def entity_replace(
    *, commune: Commune, entity_id: str, entity: Mapping[str, Any], actor: Actor = None
) -> Entity:
    """Replace an entity's attributes and type (CIM 009 §5.6.18 PUT)."""
    row = _get(commune, entity_id, lock=True)
    body = {**entity, "id": entity_id}
    if "type" not in body:
        body["type"] = entity_types(row)
    checked = check_entity(body)
    kind = checked["type"]
    row.type_iri = _primary_type(kind)
    row.type_name = short_name(row.type_iri)[:120]
    row.data = {k: v for k, v in checked.items() if k not in ("id", "type", "createdAt", "modifiedAt")}
    if isinstance(kind, list) and len(kind) > 1:
        row.data["@types"] = kind
    _save(row)
    _ingest_rows(_measurements_of(row.pk, _attributes(row.data)), update_entity_data=False)
    audit_record(
        commune=commune, actor=actor, action="datahub.entity.replace", obj=row, summary=row.entity_id
    )
    return row


def _is_null(member: Any) -> bool:
    if member == NGSI_LD_NULL or member is None:
        return True
    if isinstance(member, dict):
        kind = member.get("type")
        value = member.get(
            _VALUE_MEMBER.get(kind or "Property", "value"), member.get("value", member.get("object"))
        )
        return value == NGSI_LD_NULL
    return False


@transaction.atomic
def entity_merge(
    *, commune: Commune, entity_id: str, fragment: Mapping[str, Any], actor: Actor = None
) -> Entity:
    """Merge a fragment into an entity (CIM 009 §5.6.17 PATCH): given attributes replace or are added;
    ``urn:ngsi-ld:null`` deletes one."""
    row = _get(commune, entity_id, lock=True)
    fragment_id = fragment.get("id")
    if fragment_id is not None and fragment_id != entity_id:
        raise BadRequestData("id in the body does not match the entity in the URL")
    attrs = _attributes(fragment)
    to_check = {}
    for key, member in attrs.items():
        if _is_null(member):
            row.data.pop(key, None)
        else:
            current = row.data.get(key)
            if isinstance(current, dict) and isinstance(member, dict):
                merged = {**current, **member}
                if "type" in member and member["type"] != current.get("type"):
                    merged = dict(member)
                to_check[key] = merged
            else:
                to_check[key] = member
    checked = check_entity({"id": entity_id, "type": "x", **to_check})
    for key in to_check:
        row.data[key] = checked[key]
    if "type" in fragment:
        kind = fragment["type"]
        check_entity({"id": entity_id, "type": kind})
        row.type_iri = _primary_type(kind)
        row.type_name = short_name(row.type_iri)[:120]
    _save(row)
    _ingest_rows(_measurements_of(row.pk, to_check), update_entity_data=False)
    return row


@transaction.atomic
def entity_delete(*, commune: Commune, entity_id: str, actor: Actor = None, audit: bool = True) -> None:
    row = _get(commune, entity_id)
    if audit:
        audit_record(
            commune=commune, actor=actor, action="datahub.entity.delete", obj=row, summary=row.entity_id
        )
    row.delete()


@transaction.atomic
def entity_set_public(*, commune: Commune, entity_id: str, is_public: bool, actor: Actor = None) -> Entity:
    row = _get(commune, entity_id)
    row.is_public = is_public
    row.save(update_fields=["is_public"])
    audit_record(
        commune=commune,
        actor=actor,
        action="datahub.entity.publish",
        obj=row,
        summary=f"{row.entity_id} {is_public}",
    )
    return row


@transaction.atomic
def attrs_append(
    *, commune: Commune, entity_id: str, attrs: Mapping[str, Any], no_overwrite: bool = False
) -> tuple[list[str], list[str]]:
    """Append attributes (CIM 009 §5.6.3); with noOverwrite, existing ones are left and reported."""
    row = _get(commune, entity_id, lock=True)
    attrs = _attributes(attrs)
    checked = check_entity({"id": entity_id, "type": "x", **attrs})
    updated, not_updated = [], []
    changed = {}
    for key in attrs:
        if no_overwrite and key in row.data:
            not_updated.append(key)
            continue
        row.data[key] = checked[key]
        changed[key] = checked[key]
        updated.append(key)
    if changed:
        _save(row, changed)
        _ingest_rows(_measurements_of(row.pk, changed), update_entity_data=False)
    return updated, not_updated


@transaction.atomic
def attrs_update(
    *, commune: Commune, entity_id: str, attrs: Mapping[str, Any]
) -> tuple[list[str], list[str]]:
    """Update existing attributes (CIM 009 §5.6.2); attributes the entity lacks are reported, not added."""
    row = _get(commune, entity_id, lock=True)
    attrs = _attributes(attrs)
    checked = check_entity({"id": entity_id, "type": "x", **attrs})
    updated, not_updated = [], []
    changed = {}
    for key in attrs:
        if key not in row.data:
            not_updated.append(key)
            continue
        row.data[key] = checked[key]
        changed[key] = checked[key]
        updated.append(key)
    if changed:
        _save(row, changed)
        _ingest_rows(_measurements_of(row.pk, changed), update_entity_data=False)
    return updated, not_updated


@transaction.atomic
def attr_partial_update(
    *, commune: Commune, entity_id: str, attribute: str, fragment: Mapping[str, Any]
) -> None:
    """Partial attribute update (CIM 009 §5.6.4): the given members replace those of the attribute."""
    row = _get(commune, entity_id, lock=True)
    if attribute_iri_problem(attribute) is not None:  # scope, @types…: members of the entity, not attributes
        raise BadRequestData(
            f"{short_name(attribute)!r} is not an attribute; change it with PATCH /entities/{{id}}"
        )
    current = row.data.get(attribute)
    if current is None:
        raise ResourceNotFound(f"entity {entity_id} has no attribute {short_name(attribute)}")
    if not isinstance(fragment, dict) or not fragment:
        raise BadRequestData(f"the body must be an object with the new members of {short_name(attribute)}")
    base = current[0] if isinstance(current, list) and current else current
    if not isinstance(base, dict):
        raise BadRequestData(
            f"{short_name(attribute)!r} is not an attribute; change it with PATCH /entities/{{id}}"
        )
    merged = {**base, **fragment}
    checked = check_entity({"id": entity_id, "type": "x", attribute: merged})[attribute]
    row.data[attribute] = checked
    _save(row, [attribute])
    _ingest_rows(_measurements_of(row.pk, {attribute: checked}), update_entity_data=False)


@transaction.atomic
def attr_delete(*, commune: Commune, entity_id: str, attribute: str) -> None:
    row = _get(commune, entity_id, lock=True)
    if attribute not in row.data:
        raise ResourceNotFound(f"entity {entity_id} has no attribute {short_name(attribute)}")
    del row.data[attribute]
    _save(row, [attribute])
    LatestValue.objects.filter(entity=row, attribute=attribute).delete()


# ------------------------------------------------------------------------------------------------ batch


@dataclass
class BatchResult:
    success: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    errors: list[tuple[str, NgsiLdError]] = field(default_factory=list)


def entity_batch_create(
    *, commune: Commune, entities: list[dict[str, Any]], actor: Actor = None
) -> BatchResult:
    """Batch create (CIM 009 §5.6.7): each entity succeeds or fails on its own."""
    result = BatchResult()
    for entity in entities:
        try:
            with transaction.atomic():
                row = entity_create(commune=commune, entity=entity, actor=actor, audit=False)
            result.success.append(row.entity_id)
        except NgsiLdError as exc:  # reported per entity in the 207 body; a bug is not a client's error
            result.errors.append((_id_of(entity), exc))
    _audit_batch(commune, actor, "create", result)
    return result


def _id_of(entity: Any) -> str:
    return entity.get("id", "") if isinstance(entity, dict) and isinstance(entity.get("id"), str) else ""


def _audit_batch(commune: Commune, actor: Actor, verb: str, result: BatchResult) -> None:
    if result.success:
        audit_record(
            commune=commune,
            actor=actor,
            action=f"datahub.entity.batch_{verb}",
            summary=f"{len(result.success)} entities",
        )


def entity_batch_upsert(
    *, commune: Commune, entities: list[dict[str, Any]], update_only: bool = False, actor: Actor = None
) -> BatchResult:
    """Batch upsert (CIM 009 §5.6.8): create, or replace (``options=replace``, default) / update."""
    result = BatchResult()
    for entity in entities:
        try:
            with transaction.atomic():
                checked = check_entity(entity)
                exists = Entity.objects.filter(commune=commune, entity_id=checked["id"]).exists()
                if not exists:
                    entity_create(commune=commune, entity=checked, actor=actor, audit=False)
                    result.created.append(checked["id"])
                elif update_only:
                    attrs_append(commune=commune, entity_id=checked["id"], attrs=checked)
                else:
                    _replace_quiet(commune, checked)
            result.success.append(checked["id"])
        except NgsiLdError as exc:
            result.errors.append((_id_of(entity), exc))
    _audit_batch(commune, actor, "upsert", result)
    return result


def _replace_quiet(commune: Commune, checked: dict[str, Any]) -> None:
    row = _get(commune, checked["id"], lock=True)
    kind = checked["type"]
    row.type_iri = _primary_type(kind)
    row.type_name = short_name(row.type_iri)[:120]
    row.data = {k: v for k, v in checked.items() if k not in ("id", "type", "createdAt", "modifiedAt")}
    _save(row)
    _ingest_rows(_measurements_of(row.pk, _attributes(row.data)), update_entity_data=False)


def entity_batch_update(
    *, commune: Commune, entities: list[dict[str, Any]], no_overwrite: bool = False, actor: Actor = None
) -> BatchResult:
    """Batch update (CIM 009 §5.6.9): append attributes of existing entities."""
    result = BatchResult()
    for entity in entities:
        try:
            with transaction.atomic():
                if not isinstance(entity, dict) or not isinstance(entity.get("id"), str):
                    raise BadRequestData("each entity needs an id")
                attrs_append(commune=commune, entity_id=entity["id"], attrs=entity, no_overwrite=no_overwrite)
            result.success.append(entity["id"])
        except NgsiLdError as exc:
            result.errors.append((_id_of(entity), exc))
    _audit_batch(commune, actor, "update", result)
    return result


def entity_batch_delete(*, commune: Commune, ids: list[Any], actor: Actor = None) -> BatchResult:
    result = BatchResult()
    for entity_id in ids:
        try:
            if not isinstance(entity_id, str):
                raise BadRequestData("each item must be an entity id")
            with transaction.atomic():
                entity_delete(commune=commune, entity_id=entity_id, audit=False)
            result.success.append(entity_id)
        except NgsiLdError as exc:
            result.errors.append((entity_id if isinstance(entity_id, str) else "", exc))
    _audit_batch(commune, actor, "delete", result)
    return result


# ---------------------------------------------------------------------------------------------- devices


@transaction.atomic
def device_register(
    *,
    commune: Commune,
    dev_eui: str,
    entity: Entity,
    decoder_profile: str = lorawan.NETWORK_SERVER_PROFILE,
    name: str = "",
    attribute_map: dict[str, str] | None = None,
    actor: Actor = None,
) -> Device:
    """Register (or update) a LoRaWAN device feeding one of the commune's entities."""
    if entity.commune_id != commune.pk:
        raise ValueError("the entity belongs to another commune")
    if decoder_profile != lorawan.NETWORK_SERVER_PROFILE:
        lorawan.get_profile(decoder_profile)
    dev_eui = dev_eui.strip().upper()
    if not re.fullmatch(r"[0-9A-F]{16}", dev_eui):
        raise ValueError("a DevEUI is 16 hexadecimal digits")
    device, created = Device.objects.update_or_create(
        dev_eui=dev_eui,
        defaults={
            "commune": commune,
            "entity": entity,
            "decoder_profile": decoder_profile,
            "name": name,
            "attribute_map": attribute_map or {},
        },
    )
    if device.commune_id != commune.pk:
        raise ValueError("this DevEUI is registered by another commune")
    audit_record(commune=commune, actor=actor, action="datahub.device.register", obj=device, summary=dev_eui)
    return device


def _reject(
    *, commune: Commune | None, source: str, topic: str, dev_eui: str, reason: str, payload: Any
) -> str:
    if isinstance(payload, bytes | bytearray):
        text = bytes(payload).decode("utf-8", errors="replace")
    elif isinstance(payload, str):
        text = payload
    else:
        try:
            text = json.dumps(payload, ensure_ascii=False)
        except (TypeError, ValueError):
            text = repr(payload)
    if len(text) > KEPT_REJECTED_PAYLOAD:
        reason = f"{reason} (payload truncated to its first {KEPT_REJECTED_PAYLOAD // 1024} KiB)"
        text = text[:KEPT_REJECTED_PAYLOAD]
    RejectedUplink.objects.create(
        commune=commune,
        source=source[:40],
        topic=topic[:255],
        dev_eui=dev_eui[:16],
        reason=reason[:2000],
        payload=text,
    )
    log.warning("uplink rejected (%s): %s", dev_eui or topic, reason)
    return "rejected"


def _attribute_for(entity: Entity, name: str) -> str:
    key: str
    for key in entity.data:
        if short_name(key) == name:
            return key
    return DEFAULT_VOCAB + name


def _uplink_problem(uplink: lorawan.Uplink) -> str:
    """Why a parsed uplink is refused before its device is even looked at (an instant out of window), or ""."""
    try:
        moment: datetime | None = uplink.received_at.astimezone(UTC)
    except OverflowError:
        moment = None
    if instant_in_window(moment, latest_instant()):
        return ""
    return (
        f"received_at {uplink.received_at.isoformat()} is outside the accepted window (from 2000-01-01 to one "
        "day after the server's clock): check the network server's or the device's clock"
    )


def _uplink_rows(
    entity: Entity, device: Device, measures: Mapping[str, Any], units: Mapping[str, str], moment: datetime
) -> list[tuple[int, str, datetime, Any, str]]:
    """The rows of one decoded uplink. A measurement the data hub cannot store (an invalid or reserved name,
    a text too long) is left out and logged; the others are stored."""
    rows = []
    for key, value in measures.items():
        name = device.attribute_map.get(key, key)
        if not name or isinstance(value, dict | list) or value is None:
            continue
        problem = attribute_name_problem(name)
        iri = _attribute_for(entity, name) if problem is None else ""
        problem = problem or attribute_iri_problem(iri)
        unit = units.get(key, "")
        reason = NAME_RULES[problem] if problem is not None else _value_reason(value, unit)
        if reason:
            log.warning("uplink of %s: measurement %r left out: %s", device.dev_eui, str(name)[:60], reason)
            continue
        rows.append((entity.pk, iri, moment, value, unit))
    return rows


def uplink_ingest(
    *,
    payload: Any,
    topic: str | None = None,
    source: Source | None = None,
    commune: Commune | None = None,
) -> str:
    """Ingest one LoRaWAN (or plain JSON) uplink; returns "ingested", "replay", "ignored" or "rejected".

    Never raises: a malformed or undecodable uplink is kept in RejectedUplink with its reason, so one bad
    device never stops the MQTT worker or a webhook. A frame counter already seen for the device's session
    is a replay (or a duplicate delivery) and is dropped.
    """
    dev_eui = ""
    try:
        try:
            uplink = lorawan.parse_uplink(payload, topic=topic, source=source, received_at=timezone.now())
        except lorawan.NotAnUplink:
            return "ignored"
        except lorawan.UplinkFormatError as exc:
            return _reject(
                commune=commune,
                source=source or "",
                topic=topic or "",
                dev_eui="",
                reason=str(exc),
                payload=payload,
            )
        dev_eui = uplink.dev_eui
        out_of_window = _uplink_problem(uplink)
        if out_of_window:
            return _reject(
                commune=commune,
                source=uplink.source,
                topic=topic or "",
                dev_eui=dev_eui,
                reason=out_of_window,
                payload=payload,
            )
        with transaction.atomic():
            device = (
                Device.objects.select_for_update()
                .select_related("entity", "commune")
                .filter(dev_eui=dev_eui)
                .first()
            )
            if device is None or (commune is not None and device.commune_id != commune.pk):
                reason = f"unknown device {dev_eui}"
            elif uplink.commune and uplink.commune != device.commune.slug:
                reason = f"device {dev_eui} does not belong to commune {uplink.commune}"
            else:
                reason = ""
            if reason:
                return _reject(
                    commune=commune,
                    source=uplink.source,
                    topic=topic or "",
                    dev_eui=dev_eui,
                    reason=reason,
                    payload=payload,
                )
            device = cast(Device, device)  # an empty reason means the device was found
            session = uplink.session_id or ""
            same_session = not session or session == device.last_session
            if device.last_f_cnt is not None and same_session and uplink.f_cnt <= device.last_f_cnt:
                return "replay"
            try:
                measures = lorawan.decode_uplink(uplink, device.decoder_profile)
            except lorawan.LoRaWANError as exc:
                return _reject(
                    commune=device.commune,
                    source=uplink.source,
                    topic=topic or "",
                    dev_eui=dev_eui,
                    reason=str(exc),
                    payload=payload,
                )
            units: Mapping[str, str] = {}
            if device.decoder_profile != lorawan.NETWORK_SERVER_PROFILE:
                units = lorawan.get_profile(device.decoder_profile).units
            entity = device.entity
            rows = _uplink_rows(entity, device, measures, units, uplink.received_at.astimezone(UTC))
            _ingest_rows(rows, entities={entity.pk: entity})
            device.last_f_cnt = uplink.f_cnt
            device.last_session = session or device.last_session
            device.last_seen_at = timezone.now()
            device.save(update_fields=["last_f_cnt", "last_session", "last_seen_at"])
        return "ingested"
    except Exception as exc:  # never stop the worker: keep the message aside
        log.exception("uplink ingestion failed")
        try:
            return _reject(
                commune=commune,
                source=source or "",
                topic=topic or "",
                dev_eui=dev_eui,
                reason=f"internal error: {exc!r}",
                payload=payload,
            )
        except Exception:
            return "rejected"


def uplinks_ingest(messages: list[tuple[str, bytes]]) -> list[str]:
    """Ingest MQTT messages (topic, payload) in one transaction; one result per message, as uplink_ingest.

    The MQTT worker's path: the messages the broker delivered together share one read of their devices, one
    write of their measurements (roll-ups, latest values, alerts, notifications) and one commit. Per message
    the outcome is the same as uplink_ingest's (replays dropped in order, malformed or undecodable ones kept
    aside); if the batch as a whole fails, each message is retried alone, so one never sinks the others.
    """
    if not messages:
        return []
    try:
        with transaction.atomic():
            return _uplinks_ingest(messages)
    except Exception:
        log.exception("batch of %s uplinks failed; ingesting them one by one", len(messages))
        return [uplink_ingest(payload=payload, topic=topic) for topic, payload in messages]


def _uplinks_ingest(messages: list[tuple[str, bytes]]) -> list[str]:
    results: list[str] = [""] * len(messages)
    parsed: list[tuple[int, lorawan.Uplink]] = []
    now = timezone.now()
    for index, (topic, payload) in enumerate(messages):
        uplink = None
        try:
            uplink = lorawan.parse_uplink(payload, topic=topic, received_at=now)
        except lorawan.NotAnUplink:
            results[index] = "ignored"
            continue
        except lorawan.UplinkFormatError as exc:
            problem = str(exc)
        else:
            problem = _uplink_problem(uplink)
        if problem:
            results[index] = _reject(
                commune=None,
                source=uplink.source if uplink else "",
                topic=topic,
                dev_eui=uplink.dev_eui if uplink else "",
                reason=problem,
                payload=payload,
            )
            continue
        parsed.append((index, cast(lorawan.Uplink, uplink)))
    devices = {
        d.dev_eui: d
        for d in Device.objects.select_for_update()
        .select_related("entity", "commune")
        .filter(dev_eui__in={u.dev_eui for _, u in parsed})
    }
    rows: list[tuple[int, str, datetime, Any, str]] = []
    entities: dict[int, Entity] = {}
    seen: dict[str, Device] = {}
    for index, uplink in parsed:
        topic, payload = messages[index]
        dev_eui = uplink.dev_eui
        device = devices.get(dev_eui)
        if device is None:
            reason = f"unknown device {dev_eui}"
        elif uplink.commune and uplink.commune != device.commune.slug:
            reason = f"device {dev_eui} does not belong to commune {uplink.commune}"
        else:
            reason = ""
        if reason:
            results[index] = _reject(
                commune=None,
                source=uplink.source,
                topic=topic,
                dev_eui=dev_eui,
                reason=reason,
                payload=payload,
            )
            continue
        device = cast(Device, device)  # an empty reason means the device was found
        session = uplink.session_id or ""
        same_session = not session or session == device.last_session
        if device.last_f_cnt is not None and same_session and uplink.f_cnt <= device.last_f_cnt:
            results[index] = "replay"
            continue
        try:
            measures = lorawan.decode_uplink(uplink, device.decoder_profile)
        except lorawan.LoRaWANError as exc:
            results[index] = _reject(
                commune=device.commune,
                source=uplink.source,
                topic=topic,
                dev_eui=dev_eui,
                reason=str(exc),
                payload=payload,
            )
            continue
        units: Mapping[str, str] = {}
        if device.decoder_profile != lorawan.NETWORK_SERVER_PROFILE:
            units = lorawan.get_profile(device.decoder_profile).units
        entity = entities.setdefault(device.entity.pk, device.entity)
        rows.extend(_uplink_rows(entity, device, measures, units, uplink.received_at.astimezone(UTC)))
        device.last_f_cnt = uplink.f_cnt
        device.last_session = session or device.last_session
        device.last_seen_at = now
        seen[dev_eui] = device
        results[index] = "ingested"
    _ingest_rows(rows, entities=entities)
    if seen:
        Device.objects.bulk_update(list(seen.values()), ["last_f_cnt", "last_session", "last_seen_at"])
    return results


def rollup_write_history(
    *,
    entity: Entity,
    attribute: str,
    hourly: Iterable[tuple[datetime, float, float, float, int]] = (),
    daily: Iterable[tuple[datetime, float, float, float, int]] = (),
) -> None:
    """Write pre-aggregated history (bucket, min, max, sum, count) straight into the roll-ups (demo,
    imports of past data from another system). Buckets already present are replaced."""
    _history_write(HourlyRollup, entity=entity, attribute=attribute, rows=hourly)
    _history_write(DailyRollup, entity=entity, attribute=attribute, rows=daily)


_Rollup = TypeVar("_Rollup", HourlyRollup, DailyRollup)


def _history_write(
    model: type[_Rollup],
    *,
    entity: Entity,
    attribute: str,
    rows: Iterable[tuple[datetime, float, float, float, int]],
) -> None:
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
