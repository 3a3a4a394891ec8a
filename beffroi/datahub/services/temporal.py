"""Writes of the NGSI-LD temporal API (ETSI GS CIM 009 §5.6.11–§5.6.16): create or extend an entity's history,
add attribute instances, change or delete one instance, delete an attribute's history or the whole entity.

One store: every instance written here is an observation of the data hub, stored by the same
:func:`~beffroi.datahub.services.observations.series_store` as ingestion (so it lands in the hourly and daily
roll-ups, the latest values, the dashboards and the alerts), and the entity's document keeps the most recent
instance of each attribute (per datasetId), as if it had been written through the entity API. Changing or
deleting past instances recomputes the roll-ups and the latest value of that one attribute from its remaining
history.

Audited like the entity API: a temporal entity created or deleted is; instances added, changed or deleted are
measurements and attribute writes (see services.entities), not decisions.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from beffroi.core.annotations import Actor
from beffroi.core.models import Commune
from beffroi.datahub.documents import join_value, split_value
from beffroi.datahub.models import DailyRollup, Entity, HourlyRollup, LatestValue, Observation
from beffroi.datahub.ngsild.entities import attributes, check_entity, check_observed_at
from beffroi.datahub.ngsild.errors import BadRequestData, ResourceNotFound
from beffroi.datahub.ngsild.temporal import (
    format_datetime,
    instance_row_id,
    parse_datetime,
    read_instance,
    stored_instance,
)
from beffroi.datahub.ngsild.vocabulary import VALUE_MEMBER, short_name
from beffroi.datahub.services.entities import entity_create, entity_delete, entity_document_save, entity_row
from beffroi.datahub.services.observations import SeriesBatch, rollup_write_history, series_store

#: A measurement of a temporal write: (attribute IRI, UTC instant, value, unitCode, datasetId or None).
_Measure = tuple[str, datetime, Any, str, str | None]


def _instances(member: Any) -> list[dict[str, Any]]:
    return [i for i in (member if isinstance(member, list) else [member]) if isinstance(i, dict)]


def _instant(instance: Mapping[str, Any]) -> datetime | None:
    text = instance.get("observedAt")
    return parse_datetime(text, name="observedAt") if text is not None else None


def _latest_per_dataset(member: Any) -> Any:
    """The instances an entity's document keeps of an attribute's history: the most recent of each datasetId
    (one object, or a list when there are several datasets)."""
    kept: dict[str | None, dict[str, Any]] = {}
    for instance in _instances(member):
        dataset = instance.get("datasetId")
        current = kept.get(dataset)
        moment = _instant(instance)
        if current is None or (moment is not None and (_instant(current) or moment) <= moment):
            kept[dataset] = instance
    values = list(kept.values())
    return values[0] if len(values) == 1 else values


def _measures(data: Mapping[str, Any]) -> list[_Measure]:
    """The measurements of a checked temporal fragment: every instance with observedAt, of any attribute type
    (a Property's plain value as is; other values as ngsild.temporal.stored_instance keeps them)."""
    out = []
    for attribute, member in attributes(data).items():
        for instance in _instances(member):
            kind = instance.get("type", "Property")
            if "observedAt" not in instance or kind not in VALUE_MEMBER:
                continue
            value = instance.get(VALUE_MEMBER[kind])
            if value is None:
                continue
            moment = parse_datetime(instance["observedAt"], name=f"{short_name(attribute)}.observedAt")
            dataset = instance.get("datasetId")
            if dataset is not None and not isinstance(dataset, str):
                raise BadRequestData(f"attribute {short_name(attribute)!r}: datasetId must be a URI")
            stored, unit = stored_instance(kind, value, str(instance.get("unitCode") or ""))
            out.append((attribute, moment, stored, unit, dataset))
    return out


def _store(row: Entity, measures: list[_Measure]) -> None:
    """Store the measurements through the one observation path, then name their datasets."""
    if not measures:
        return
    batch = SeriesBatch()
    batch.add_rows(
        (row.pk, attribute, moment, value, unit) for attribute, moment, value, unit, _ds in measures
    )
    series_store(batch, entities={row.pk: row}, update_entity_data=False)
    for attribute, moment, _value, _unit, dataset in measures:
        if dataset is not None:
            Observation.objects.filter(entity=row, attribute=attribute, observed_at=moment).update(
                dataset_id=dataset
            )


def _merge_document(row: Entity, checked: Mapping[str, Any]) -> list[str]:
    """Keep in the entity's document the most recent instance of each written attribute; the changed names."""
    changed = []
    for attribute, member in attributes(checked).items():
        newest = _latest_per_dataset(member)
        current = row.data.get(attribute)
        if current is None:
            row.data[attribute] = newest
            changed.append(attribute)
            continue
        by_dataset = {i.get("datasetId"): i for i in _instances(current)}
        for instance in _instances(newest):
            dataset = instance.get("datasetId")
            old = by_dataset.get(dataset)
            old_moment = _instant(old) if old is not None else None
            moment = _instant(instance)
            if old is None or old_moment is None or (moment is not None and moment >= old_moment):
                by_dataset[dataset] = instance
        values = list(by_dataset.values())
        row.data[attribute] = values[0] if len(values) == 1 else values
        changed.append(attribute)
    return changed


@transaction.atomic
def temporal_entity_upsert(*, commune: Commune, entity: Mapping[str, Any], actor: Actor = None) -> bool:
    """Create the temporal representation of an entity, or add its instances to an existing one (§5.6.11);
    True when the entity was created.

    Not audited: a creation is audited by entity_create; instances added are measurements."""
    checked = check_entity(dict(entity))
    measures = _measures(checked)
    row = Entity.objects.filter(commune=commune, entity_id=checked["id"]).select_for_update().first()
    if row is None:
        document = {key: value for key, value in checked.items() if key in ("id", "type", "scope")}
        for attribute, member in attributes(checked).items():
            document[attribute] = _latest_per_dataset(member)
        row = entity_create(commune=commune, entity=document, actor=actor)
        _store(row, measures)
        return True
    entity_document_save(row, _merge_document(row, checked))
    _store(row, measures)
    return False


@transaction.atomic
def temporal_attrs_append(*, commune: Commune, entity_id: str, attrs: Mapping[str, Any]) -> None:
    """Add attributes and instances to an entity's temporal representation (§5.6.12).

    Not audited: measurements (see the module's docstring)."""
    row = entity_row(commune, entity_id, lock=True)
    fragment = attributes(attrs)
    if not fragment:
        raise BadRequestData("give at least one attribute with its instances")
    checked = check_entity({"id": entity_id, "type": "x", **fragment})
    entity_document_save(row, _merge_document(row, checked))
    _store(row, _measures(checked))


def temporal_entity_delete(*, commune: Commune, entity_id: str, actor: Actor = None) -> None:
    """Delete an entity with its whole history (§5.6.16); audited (services.entities.entity_delete)."""
    entity_delete(commune=commune, entity_id=entity_id, actor=actor)


def _refresh_derived(row: Entity, attribute: str) -> None:
    """Recompute the roll-ups and the latest value of one attribute from its remaining observations (after
    an instance was changed or deleted: the roll-ups are sums that cannot be taken back one value at a time)."""
    HourlyRollup.objects.filter(entity=row, attribute=attribute).delete()
    DailyRollup.objects.filter(entity=row, attribute=attribute).delete()
    LatestValue.objects.filter(entity=row, attribute=attribute).delete()
    remaining = Observation.objects.filter(entity=row, attribute=attribute).order_by("observed_at")
    hourly: dict[datetime, list[float]] = {}
    newest = None
    for observation in remaining.iterator():
        newest = observation
        if observation.value_num is not None:
            hour = observation.observed_at.replace(minute=0, second=0, microsecond=0)
            hourly.setdefault(hour, []).append(observation.value_num)
    daily: dict[datetime, list[float]] = {}
    for hour, numbers in hourly.items():
        daily.setdefault(hour.replace(hour=0), []).extend(numbers)
    rollup_write_history(
        entity=row, attribute=attribute, hourly=_aggregates(hourly), daily=_aggregates(daily)
    )
    if newest is not None:
        LatestValue.objects.create(
            entity=row,
            attribute=attribute,
            observed_at=newest.observed_at,
            value_num=newest.value_num,
            value_text=newest.value_text,
            unit_code=newest.unit_code,
        )


def _aggregates(buckets: dict[datetime, list[float]]) -> list[tuple[datetime, float, float, float, int]]:
    return [(b, min(n), max(n), sum(n), len(n)) for b, n in buckets.items()]


def _sync_document(row: Entity, attribute: str, old_moment: datetime | None) -> None:
    """After an instance changed or went: the document's instance of that attribute follows the history when
    it was that instance (same datasetId and instant) — the most recent remaining one, or none."""
    current = row.data.get(attribute)
    if current is None or old_moment is None:
        return
    kept = []
    for instance in _instances(current):
        try:
            moment = _instant(instance)
        except BadRequestData:
            moment = None
        if moment != old_moment:
            kept.append(instance)
            continue
        dataset = instance.get("datasetId")
        history = Observation.objects.filter(entity=row, attribute=attribute, dataset_id=dataset)
        if dataset is None:
            history = Observation.objects.filter(entity=row, attribute=attribute, dataset_id__isnull=True)
        latest = history.order_by("-observed_at").first()
        if latest is None:
            continue
        kind, value, unit = read_instance(join_value(latest.value_num, latest.value_text), latest.unit_code)
        replacement = {k: v for k, v in instance.items() if k not in VALUE_MEMBER.values()}
        replacement["type"] = kind
        replacement[VALUE_MEMBER[kind]] = value
        replacement["observedAt"] = format_datetime(latest.observed_at)
        if unit:
            replacement["unitCode"] = unit
        kept.append(replacement)
    if kept:
        row.data[attribute] = kept[0] if len(kept) == 1 else kept
    else:
        row.data.pop(attribute, None)


def _instance_or_404(row: Entity, attribute: str, instance_id: str) -> Observation:
    row_id = instance_row_id(instance_id)
    found = (
        Observation.objects.filter(pk=row_id, entity=row, attribute=attribute).first()
        if row_id is not None
        else None
    )
    if found is None:
        raise ResourceNotFound(f"attribute {short_name(attribute)} has no instance {instance_id}")
    return found


@transaction.atomic
def temporal_attr_delete(
    *,
    commune: Commune,
    entity_id: str,
    attribute: str,
    dataset_id: str | None = None,
    delete_all: bool = False,
) -> None:
    """Delete an attribute's history (§5.6.13): its default instances, those of ``dataset_id``, or with
    ``delete_all`` every instance; ResourceNotFound when there is none.

    Not audited: an attribute write (see the module's docstring)."""
    row = entity_row(commune, entity_id, lock=True)
    history = Observation.objects.filter(entity=row, attribute=attribute)
    if not delete_all:
        history = (
            history.filter(dataset_id=dataset_id) if dataset_id else history.filter(dataset_id__isnull=True)
        )
    deleted, _ = history.delete()
    current = row.data.get(attribute)
    kept = [i for i in _instances(current) if not (delete_all or i.get("datasetId") == (dataset_id or None))]
    in_document = current is not None and len(kept) != len(_instances(current))
    if not deleted and not in_document:
        raise ResourceNotFound(f"entity {entity_id} has no such instances of {short_name(attribute)}")
    if kept:
        row.data[attribute] = kept[0] if len(kept) == 1 else kept
    else:
        row.data.pop(attribute, None)
    _refresh_derived(row, attribute)
    entity_document_save(row, [attribute])


@transaction.atomic
def temporal_instance_update(
    *, commune: Commune, entity_id: str, attribute: str, instance_id: str, fragment: Mapping[str, Any]
) -> None:
    """Change one instance of an attribute's history (§5.6.14): the given members replace its own.

    Not audited: an attribute write (see the module's docstring)."""
    row = entity_row(commune, entity_id, lock=True)
    observation = _instance_or_404(row, attribute, instance_id)
    if not isinstance(fragment, Mapping) or not fragment:
        raise BadRequestData(f"the body must be an object with the new members of {short_name(attribute)}")
    old_moment = observation.observed_at
    kind, value, unit = read_instance(
        join_value(observation.value_num, observation.value_text), observation.unit_code
    )
    current = {"type": kind, VALUE_MEMBER[kind]: value, "observedAt": format_datetime(old_moment)}
    if unit:
        current["unitCode"] = unit
    changes = {k: v for k, v in fragment.items() if k not in ("instanceId", "@context")}
    if changes.get("type", kind) != kind:  # (another attribute type: its own value member, not this one's)
        current.pop(VALUE_MEMBER[kind], None)
        current.pop("unitCode", None)
    merged = {**current, **changes}
    checked = check_entity({"id": entity_id, "type": "x", attribute: merged})[attribute]
    kind = checked.get("type", "Property")
    if kind not in VALUE_MEMBER or checked.get(VALUE_MEMBER[kind]) is None:
        raise BadRequestData(f"an instance of {short_name(attribute)} needs its value")
    moment = check_observed_at(checked["observedAt"], name=f"{short_name(attribute)}.observedAt")
    stored, unit = stored_instance(kind, checked[VALUE_MEMBER[kind]], str(checked.get("unitCode") or ""))
    number, text = split_value(stored)
    observation.value_num, observation.value_text = number, text
    observation.observed_at = moment
    observation.unit_code = unit
    try:
        with transaction.atomic():
            observation.save()
    except IntegrityError:
        raise BadRequestData(
            f"{short_name(attribute)} already has an instance at {format_datetime(moment)}"
        ) from None
    _refresh_derived(row, attribute)
    _sync_document(row, attribute, old_moment)
    entity_document_save(row, [attribute])


@transaction.atomic
def temporal_instance_delete(*, commune: Commune, entity_id: str, attribute: str, instance_id: str) -> None:
    """Delete one instance of an attribute's history (§5.6.15).

    Not audited: an attribute write (see the module's docstring)."""
    row = entity_row(commune, entity_id, lock=True)
    observation = _instance_or_404(row, attribute, instance_id)
    old_moment = observation.observed_at
    observation.delete()
    _refresh_derived(row, attribute)
    _sync_document(row, attribute, old_moment)
    entity_document_save(row, [attribute])
