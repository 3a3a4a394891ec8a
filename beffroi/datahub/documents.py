"""Stored entities and measurement rows as the data hub reads and writes them.

An entity is stored as its expanded NGSI-LD document (``Entity.data``: attributes by IRI, plus ``@types`` when
it has several types) and a few derived columns (display name, representative point, bounding box of
``location``) that the pages and the geo-queries index. A measurement is one row whose value is split between
a number column and a JSON text column.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

from django.db import connection

from beffroi.datahub.models import Entity, LatestValue, Observation, Subscription
from beffroi.datahub.ngsild import geo
from beffroi.datahub.ngsild.entities import display_name
from beffroi.datahub.ngsild.temporal import format_datetime, parse_datetime
from beffroi.datahub.ngsild.vocabulary import LOCATION_IRI


class EntityRow:
    """What rendering an entity needs (see entity_document), read without a model instance: building 1,000
    Entity instances cost more than rendering them."""

    __slots__ = ("pk", "entity_id", "type_iri", "data", "created_at", "modified_at")

    def __init__(
        self,
        pk: int,
        entity_id: str,
        type_iri: str,
        data: dict[str, Any],
        created_at: datetime | None = None,
        modified_at: datetime | None = None,
    ) -> None:
        self.pk = pk
        self.entity_id = entity_id
        self.type_iri = type_iri
        self.data = data
        self.created_at = created_at
        self.modified_at = modified_at


def entity_types(entity: Entity | EntityRow) -> str | list[str]:
    """The entity's type, or its types when it has several (kept in the document as ``@types``)."""
    kinds: str | list[str] = entity.data.get("@types") or entity.type_iri
    return kinds


def entity_document(entity: Entity | EntityRow) -> dict[str, Any]:
    """The expanded normalized entity (id, type and attributes)."""
    kind = entity.data.get("@types") or entity.type_iri
    return {"id": entity.entity_id, "type": kind, **{k: v for k, v in entity.data.items() if k != "@types"}}


def apply_columns(entity: Entity) -> None:
    """Fill the derived columns: display name, representative point and bounding box of `location`."""
    entity.name = display_name(entity.data)
    expires = entity.data.get("expiresAt")
    entity.expires_at = parse_datetime(expires, name="expiresAt") if isinstance(expires, str) else None
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


# ------------------------------------------------------------------------------------------- value columns


def split_value(value: Any) -> tuple[float | None, str | None]:
    """A measured value as its (number, JSON text) columns: a finite number goes to the number column, NaN
    and infinities to neither, anything else (text, boolean) to the text column as JSON."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
        if math.isfinite(number):
            return number, None
        return None, None
    return None, json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def join_value(number: float | None, text: str | None) -> Any:
    """The value of (number, JSON text) columns: integers as ints (up to 2**53), text as its JSON value."""
    if number is not None:
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def observation_value(row: Observation | LatestValue) -> Any:
    """The value of a stored observation or latest value."""
    return join_value(row.value_num, row.value_text)


def db_datetime(moment: datetime) -> Any:
    """A UTC datetime as the database driver wants it (SQLite: Django's text form; others: as is)."""
    if connection.vendor == "sqlite":
        return moment.replace(tzinfo=None).isoformat(" ")
    return moment


def utc_from_db(moment: str | datetime) -> datetime:
    """A datetime column value read with a plain cursor, as Django would convert it (aware, UTC).

    SQLite stores Django's naive-UTC text (``YYYY-MM-DD HH:MM:SS[.ffffff]``), which fromisoformat reads
    directly — Django's per-value converter (a regex parse, then make_aware) dominated these reads. Other
    databases return aware datetimes already."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# ------------------------------------------------------------------------------------------- subscriptions


def subscription_document(row: Subscription) -> dict[str, Any]:
    """A stored subscription as the API shows it (CIM 009 §5.2.12), with its notification status."""
    body = {k: v for k, v in row.body.items() if k != "@context"}
    if "isActive" in body or not row.is_active:  # (as given; the default, true, is told by status)
        body["isActive"] = row.is_active
    body.setdefault("notificationTrigger", ["attributeCreated", "attributeUpdated"])  # (§5.2.12 default)
    status: dict[str, int | str] = {"timesSent": row.times_sent, "timesFailed": row.times_failed}
    for key, value in (
        ("lastNotification", row.last_notification),
        ("lastSuccess", row.last_success),
        ("lastFailure", row.last_failure),
    ):
        if value is not None:
            status[key] = format_datetime(value)
    body["notification"] = {**body.get("notification", {}), **status}
    body["status"] = "active" if row.is_active else "paused"
    return body
