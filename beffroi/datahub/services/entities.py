"""NGSI-LD entities and their attributes (ETSI GS CIM 009 §5.6): create, replace, merge, attribute writes,
delete, publication, and the batch operations.

Entities arrive here already expanded (attribute names and types as IRIs, see ngsild.context): the API layer
owns the @context. Every attribute instance that carries ``observedAt`` and a scalar value is also recorded
as an observation (services.observations), so the temporal API and the dashboards see what the entity API was
told.

What is audited: an entity created, replaced or deleted, its publication, each batch operation (one entry per
batch). Attribute writes (append, update, partial update, delete, merge-patch) are not: they are how devices
and integrations report state through NGSI-LD, as often as measurements, and the entity's ``modifiedAt``
tells when it last changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from beffroi.core.annotations import Actor
from beffroi.core.models import Commune
from beffroi.core.services import audit_record
from beffroi.datahub.documents import apply_columns, entity_types
from beffroi.datahub.models import Entity, EntityTypeLink, LatestValue
from beffroi.datahub.ngsild.entities import (
    attributes,
    check_entity,
    is_null,
    measurements_of,
    merge_instances,
    primary_type,
    remove_instances,
    stamp_instances,
)
from beffroi.datahub.ngsild.errors import AlreadyExists, BadRequestData, NgsiLdError, ResourceNotFound
from beffroi.datahub.ngsild.names import attribute_iri_problem
from beffroi.datahub.ngsild.temporal import format_datetime
from beffroi.datahub.ngsild.vocabulary import VALUE_MEMBER, short_name
from beffroi.datahub.services.alerts import commune_language
from beffroi.datahub.services.observations import SeriesBatch, series_store
from beffroi.datahub.services.subscriptions import changes_notify


def _get(commune: Commune, entity_id: str, *, lock: bool = False) -> Entity:
    qs = Entity.objects.filter(commune=commune, entity_id=entity_id).exclude(expires_at__lte=timezone.now())
    if lock:
        qs = qs.select_for_update()
    entity = qs.first()
    if entity is None:
        raise ResourceNotFound(f"entity {entity_id} does not exist")
    # The members as they were before this write (a write replaces members, never changes one in place): the
    # previous values a subscription with showChanges notifies (§5.2.12).
    entity.previous_data = dict(entity.data)  # type: ignore[attr-defined]
    return entity


def _save(entity: Entity, changed: Iterable[str] | None = None) -> None:
    changed = list(changed) if changed is not None else None
    now = format_datetime(timezone.now())
    for key in changed if changed is not None else list(attributes(entity.data)):
        if key in entity.data and key not in ("scope", "@types"):
            stamp_instances(entity.data[key], now)  # the attributes' createdAt/modifiedAt (sysAttrs, §4.8)
    apply_columns(entity)
    entity.save()
    before = getattr(entity, "previous_data", None) or {}
    if "@types" in entity.data or "@types" in before:
        _link_types(entity)
    attrs = set(entity.data if changed is None else changed)
    changes_notify(
        commune_id=entity.commune_id,
        changes={entity.pk: attrs},
        types={entity.pk: entity_types(entity)},
        previous={entity.pk: {key: before.get(key) for key in attrs}},
        ids={entity.pk: entity.entity_id},
    )
    entity.previous_data = dict(entity.data)  # type: ignore[attr-defined]  # (a second write in one call)


def entity_row(commune: Commune, entity_id: str, *, lock: bool = False) -> Entity:
    """The commune's entity (not expired), locked for update with ``lock``; ResourceNotFound otherwise (for
    the other write services of the data hub, e.g. services.temporal)."""
    return _get(commune, entity_id, lock=lock)


def entity_document_save(entity: Entity, changed: Iterable[str] | None = None) -> None:
    """Save an entity's document and derived columns, and notify the subscriptions of the ``changed``
    attributes (all when None); for the other write services of the data hub.

    Not audited: its callers audit what is a decision (see the module's docstring)."""
    _save(entity, changed)


def _record_measurements(entity: Entity, data: Mapping[str, Any]) -> None:
    """Store the measurements the written attributes carry (the document already holds their values)."""
    batch = SeriesBatch()
    batch.add_rows(
        (entity.pk, attribute, moment, value, unit)
        for attribute, moment, value, unit in measurements_of(data)
    )
    series_store(batch, entities={entity.pk: entity}, update_entity_data=False)


def _set_type(row: Entity, kind: Any) -> None:
    """File the entity under its type, or under the first of its types with all of them kept (§4.16)."""
    row.type_iri = primary_type(kind)
    row.type_name = short_name(row.type_iri)[:120]
    kinds = list(dict.fromkeys(kind)) if isinstance(kind, list) else [kind]
    if len(kinds) > 1:
        row.data["@types"] = kinds
    else:
        row.data.pop("@types", None)


def _link_types(row: Entity) -> None:
    """The rows that let a query by any of a multi-typed entity's types find it (models.EntityTypeLink)."""
    EntityTypeLink.objects.filter(entity=row).delete()
    kinds = row.data.get("@types")
    if isinstance(kinds, list) and len(kinds) > 1:
        EntityTypeLink.objects.bulk_create(
            EntityTypeLink(entity=row, commune_id=row.commune_id, type_iri=kind) for kind in kinds
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
    """Create an entity (CIM 009 §5.6.1); AlreadyExists if its id is taken in this commune.

    Audited, unless ``audit`` is False: a batch operation audits the batch once."""
    checked = check_entity(dict(entity))
    Entity.objects.filter(  # a transient entity past its expiresAt is gone: its id is free again
        commune=commune, entity_id=checked["id"], expires_at__lte=timezone.now()
    ).delete()
    if Entity.objects.filter(commune=commune, entity_id=checked["id"]).exists():
        raise AlreadyExists(f"entity {checked['id']} already exists")
    kind = checked["type"]
    row = Entity(
        commune=commune,
        entity_id=checked["id"],
        data={k: v for k, v in checked.items() if k not in ("id", "type", "createdAt", "modifiedAt")},
        is_public=is_public,
    )
    _set_type(row, kind)
    _save(row)
    _record_measurements(row, attributes(row.data))
    if audit:
        audit_record(
            commune=commune, actor=actor, action="datahub.entity.create", obj=row, summary=str(row)[:300]
        )
    return row


def _replace(row: Entity, checked: dict[str, Any]) -> None:
    row.data = {k: v for k, v in checked.items() if k not in ("id", "type", "createdAt", "modifiedAt")}
    _set_type(row, checked["type"])
    _save(row)
    _record_measurements(row, attributes(row.data))


@transaction.atomic
def entity_replace(
    *, commune: Commune, entity_id: str, entity: Mapping[str, Any], actor: Actor = None
) -> Entity:
    """Replace an entity's attributes and type (CIM 009 §5.6.18 PUT); audited."""
    row = _get(commune, entity_id, lock=True)
    body = {**entity, "id": entity_id}
    if "type" not in body:
        body["type"] = entity_types(row)
    _replace(row, check_entity(body))
    audit_record(
        commune=commune, actor=actor, action="datahub.entity.replace", obj=row, summary=str(row)[:300]
    )
    return row


@transaction.atomic
def entity_merge(
    *, commune: Commune, entity_id: str, fragment: Mapping[str, Any], actor: Actor = None
) -> Entity:
    """Merge a fragment into an entity (CIM 009 §5.6.17 PATCH): given attributes replace or are added;
    ``urn:ngsi-ld:null`` deletes one.

    Not audited: an attribute write (see the module's docstring)."""
    row = _get(commune, entity_id, lock=True)
    fragment_id = fragment.get("id")
    if fragment_id is not None and fragment_id != entity_id:
        raise BadRequestData("id in the body does not match the entity in the URL")
    to_check = {}
    for key, member in attributes(fragment).items():
        if is_null(member):
            row.data.pop(key, None)
        else:
            current = row.data.get(key)
            if isinstance(current, dict) and isinstance(member, dict):
                merged = {**current, **member}
                if "type" in member and member["type"] != current.get("type"):
                    merged = dict(member)
                # A sub-attribute or member set to null (JSON or NGSI-LD) is deleted (§5.5.12 merge-patch).
                to_check[key] = {k: v for k, v in merged.items() if not is_null(v)}
            else:
                to_check[key] = member
    checked = check_entity({"id": entity_id, "type": "x", **to_check})
    for key in to_check:
        row.data[key] = checked[key]
    if "type" in fragment:
        kind = fragment["type"]
        check_entity({"id": entity_id, "type": kind})
        _set_type(row, kind)
    _save(row)
    _record_measurements(row, to_check)
    return row


@transaction.atomic
def entity_delete(*, commune: Commune, entity_id: str, actor: Actor = None, audit: bool = True) -> None:
    """Delete an entity with its observations, roll-ups and latest values (CIM 009 §5.6.6).

    Audited, unless ``audit`` is False: a batch operation audits the batch once."""
    row = _get(commune, entity_id)
    if audit:
        audit_record(
            commune=commune, actor=actor, action="datahub.entity.delete", obj=row, summary=str(row)[:300]
        )
    row.delete()


@transaction.atomic
def entity_set_public(*, commune: Commune, entity_id: str, is_public: bool, actor: Actor = None) -> Entity:
    """Publish an entity to anonymous readers of the API and the dashboards (or withdraw it); audited."""
    row = _get(commune, entity_id)
    row.is_public = is_public
    row.save(update_fields=["is_public"])
    with translation.override(commune_language(commune)):
        done = _("publié") if is_public else _("retiré de la publication")
        summary = _("%(asset)s : %(done)s") % {"asset": row, "done": done}
    audit_record(commune=commune, actor=actor, action="datahub.entity.publish", obj=row, summary=summary)
    return row


def _write_attributes(
    row: Entity, attrs: Mapping[str, Any], keys: list[str], *, by_dataset: bool = False
) -> list[str]:
    """Set the checked ``attrs`` named in ``keys`` on the entity, notify, store their measurements; with
    ``by_dataset``, each instance replaces only the one of the same datasetId (§4.5.5)."""
    changed = {key: attrs[key] for key in keys}
    for key, member in changed.items():
        row.data[key] = merge_instances(row.data.get(key), member) if by_dataset else member
    if changed:
        _save(row, changed)
        _record_measurements(row, changed)
    return keys


@transaction.atomic
def attrs_append(
    *, commune: Commune, entity_id: str, attrs: Mapping[str, Any], no_overwrite: bool = False
) -> tuple[list[str], list[str]]:
    """Append attributes (CIM 009 §5.6.3); with noOverwrite, existing ones are left and reported.

    Not audited: an attribute write (see the module's docstring)."""
    row = _get(commune, entity_id, lock=True)
    attrs = attributes(attrs)
    checked = check_entity({"id": entity_id, "type": "x", **attrs})
    not_updated = [key for key in attrs if no_overwrite and key in row.data]
    updated = _write_attributes(
        row, checked, [key for key in attrs if key not in not_updated], by_dataset=True
    )
    return updated, not_updated


@transaction.atomic
def attrs_update(
    *, commune: Commune, entity_id: str, attrs: Mapping[str, Any]
) -> tuple[list[str], list[str]]:
    """Update existing attributes (CIM 009 §5.6.2); attributes the entity lacks are reported, not added.

    Not audited: an attribute write (see the module's docstring)."""
    row = _get(commune, entity_id, lock=True)
    attrs = attributes(attrs)
    nulls = [key for key, member in attrs.items() if is_null(member)]  # NGSI-LD Null: delete (§4.5.0)
    attrs = {key: member for key, member in attrs.items() if key not in nulls}
    checked = check_entity({"id": entity_id, "type": "x", **attrs})
    not_updated = [key for key in [*attrs, *nulls] if key not in row.data]
    deleted = [key for key in nulls if key in row.data]
    for key in deleted:
        del row.data[key]
    LatestValue.objects.filter(entity=row, attribute__in=deleted).delete()
    updated = _write_attributes(row, checked, [key for key in attrs if key in row.data], by_dataset=True)
    if deleted and not updated:
        _save(row, deleted)
    return [*updated, *deleted], not_updated


@transaction.atomic
def attr_partial_update(
    *, commune: Commune, entity_id: str, attribute: str, fragment: Mapping[str, Any]
) -> None:
    """Partial attribute update (CIM 009 §5.6.4): the given members replace those of the attribute.

    Not audited: an attribute write (see the module's docstring)."""
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
    if is_null(fragment) or is_null(fragment.get(VALUE_MEMBER.get(base.get("type", "Property"), "value"))):
        del row.data[attribute]  # NGSI-LD Null as the value: the attribute is deleted (§4.5.0)
        _save(row, [attribute])
        LatestValue.objects.filter(entity=row, attribute=attribute).delete()
        return
    merged = {k: v for k, v in {**base, **fragment}.items() if not is_null(v)}
    checked = check_entity({"id": entity_id, "type": "x", attribute: merged})
    _write_attributes(row, checked, [attribute])


@transaction.atomic
def attr_delete(
    *,
    commune: Commune,
    entity_id: str,
    attribute: str,
    dataset_id: str | None = None,
    delete_all: bool = False,
) -> None:
    """Delete an attribute of an entity (CIM 009 §5.6.5): its default instance, the instance of
    ``dataset_id``, or with ``delete_all`` every instance; its latest value goes with the attribute, its
    history stays.

    Not audited: an attribute write (see the module's docstring)."""
    row = _get(commune, entity_id, lock=True)
    if attribute not in row.data:
        raise ResourceNotFound(f"entity {entity_id} has no attribute {short_name(attribute)}")
    left, removed = remove_instances(row.data[attribute], dataset_id=dataset_id, delete_all=delete_all)
    if not removed:
        which = f"datasetId {dataset_id}" if dataset_id else "default instance"
        raise ResourceNotFound(f"attribute {short_name(attribute)} of {entity_id} has no {which}")
    if left is None:
        del row.data[attribute]
        LatestValue.objects.filter(entity=row, attribute=attribute).delete()
    else:
        row.data[attribute] = left
    _save(row, [attribute])


@transaction.atomic
def attr_replace(*, commune: Commune, entity_id: str, attribute: str, member: Any) -> None:
    """Replace an attribute of an entity (CIM 009 §5.6.19, PUT …/attrs/{attr}); ResourceNotFound if the
    entity has no such attribute.

    Not audited: an attribute write (see the module's docstring)."""
    row = _get(commune, entity_id, lock=True)
    if attribute not in row.data:
        raise ResourceNotFound(f"entity {entity_id} has no attribute {short_name(attribute)}")
    checked = check_entity({"id": entity_id, "type": "x", attribute: member})
    _write_attributes(row, checked, [attribute])


# ------------------------------------------------------------------------------------------------ batch


@dataclass
class BatchResult:
    """The outcome of a batch operation, entity by entity (CIM 009 §5.6.7–§5.6.10: 201, 204 or 207)."""

    success: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    errors: list[tuple[str, NgsiLdError]] = field(default_factory=list)


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


def entity_batch_create(
    *, commune: Commune, entities: list[dict[str, Any]], actor: Actor = None
) -> BatchResult:
    """Batch create (CIM 009 §5.6.7): each entity succeeds or fails on its own; one audit entry."""
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


def entity_batch_upsert(
    *, commune: Commune, entities: list[dict[str, Any]], update_only: bool = False, actor: Actor = None
) -> BatchResult:
    """Batch upsert (CIM 009 §5.6.8): create, or replace (``options=replace``, default) / update; one audit
    entry."""
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
                    _replace(_get(commune, checked["id"], lock=True), checked)
            result.success.append(checked["id"])
        except NgsiLdError as exc:
            result.errors.append((_id_of(entity), exc))
    _audit_batch(commune, actor, "upsert", result)
    return result


def entity_batch_update(
    *, commune: Commune, entities: list[dict[str, Any]], no_overwrite: bool = False, actor: Actor = None
) -> BatchResult:
    """Batch update (CIM 009 §5.6.9): append attributes of existing entities; one audit entry."""
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
    """Batch delete (CIM 009 §5.6.10): each id succeeds or fails on its own; one audit entry."""
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


def entity_batch_merge(
    *, commune: Commune, entities: list[dict[str, Any]], actor: Actor = None
) -> BatchResult:
    """Batch merge (CIM 009 §5.6.20): merge-patch each existing entity on its own; one audit entry."""
    result = BatchResult()
    for entity in entities:
        try:
            with transaction.atomic():
                if not isinstance(entity, dict) or not isinstance(entity.get("id"), str):
                    raise BadRequestData("each entity needs an id")
                entity_merge(commune=commune, entity_id=entity["id"], fragment=entity)
            result.success.append(entity["id"])
        except NgsiLdError as exc:
            result.errors.append((_id_of(entity), exc))
    _audit_batch(commune, actor, "merge", result)
    return result


@transaction.atomic
def entity_purge(*, commune: Commune, entity_ids: list[str], actor: Actor = None) -> int:
    """Purge the entities a query matched (CIM 009 §5.6.21, DELETE /entities?type=…) with their histories;
    one audit entry. Returns how many were deleted."""
    deleted, _ = Entity.objects.filter(commune=commune, entity_id__in=entity_ids).delete()
    count = len(entity_ids)
    if count:
        audit_record(commune=commune, actor=actor, action="datahub.entity.purge", summary=f"{count} entities")
    return count if deleted else 0


def entities_expired_purge() -> int:
    """Delete the transient entities past their expiresAt, with their histories (every commune); how many.

    Run by the periodic pass (`beffroi alerts`, the MQTT worker's minute); readers never see them before.
    Not audited: the client asked for it when it set expiresAt."""
    deleted, by_model = Entity.objects.filter(expires_at__lte=timezone.now()).delete()
    return by_model.get(Entity._meta.label, 0)
