"""NGSI-LD subscriptions (CIM 009 §5.8): storage, and matching on entity changes.

Matching on type and watched attributes happens where the change is written (cheap, in memory): one
notification task is enqueued per matching subscription and change, after the commit. The q expression, the
rendering and the HTTP POST happen in the worker (services.notifications), so a slow or dead endpoint never
delays a write.

A subscription is audited when created, changed or deleted: it sends the commune's data to an address of the
client's choosing.
"""

from __future__ import annotations

import logging
import re
import uuid
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from beffroi.core import outbound
from beffroi.core.models import Commune
from beffroi.core.services import audit_record
from beffroi.datahub.models import Entity, Subscription
from beffroi.datahub.ngsild import context as ldctx
from beffroi.datahub.ngsild import query as ldquery
from beffroi.datahub.ngsild.errors import AlreadyExists, BadRequestData, ResourceNotFound
from beffroi.datahub.ngsild.names import is_uri
from beffroi.datahub.remote_contexts import RESOLVER
from beffroi.datahub.services.notifications import notification_body
from beffroi.datahub.tasks import notify

log = logging.getLogger(__name__)


def _check(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise BadRequestData("a subscription must be a JSON object")
    if body.get("type", "Subscription") != "Subscription":
        raise BadRequestData('type must be "Subscription"')
    entities = body.get("entities")
    if entities is not None and (
        not isinstance(entities, list)
        or not all(isinstance(e, dict) and isinstance(e.get("type"), str) for e in entities)
    ):
        raise BadRequestData("entities must be an array of objects with a type")
    for selector in entities or []:
        if selector.get("id") is not None and not is_uri(selector["id"]):
            raise BadRequestData("entities: id must be a URI")
        if selector.get("idPattern") is not None:
            try:
                re.compile(selector["idPattern"])
            except (re.error, TypeError):
                raise BadRequestData("entities: idPattern is not a valid regular expression") from None
    watched = body.get("watchedAttributes")
    if watched is not None and (
        not isinstance(watched, list) or not all(isinstance(a, str) for a in watched)
    ):
        raise BadRequestData("watchedAttributes must be an array of attribute names")
    if not entities and not watched:
        raise BadRequestData("a subscription needs entities or watchedAttributes")
    notification = body.get("notification")
    if not isinstance(notification, dict) or not isinstance(notification.get("endpoint"), dict):
        raise BadRequestData("notification.endpoint.uri is required")
    uri = notification["endpoint"].get("uri")
    if not isinstance(uri, str) or not uri.startswith(("http://", "https://")):
        raise BadRequestData("notification.endpoint.uri must be an http(s) URL")
    for name in ("timeInterval", "throttling"):
        seconds = body.get(name)
        if seconds is not None and (
            isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds <= 0
        ):
            raise BadRequestData(f"{name} must be a positive number of seconds")
    if body.get("timeInterval") is not None:
        # §5.2.12: a periodic subscription notifies on its clock, not on changes.
        if watched:
            raise BadRequestData("timeInterval and watchedAttributes cannot be given together")
        if body.get("throttling") is not None:
            raise BadRequestData("timeInterval and throttling cannot be given together")
    if not isinstance(notification.get("showChanges", False), bool):
        raise BadRequestData("notification.showChanges must be true or false")
    if body.get("q") is not None:
        if not isinstance(body["q"], str):
            raise BadRequestData("q must be a string")
        ldquery.parse_query(body["q"])
    sub_id = body.get("id")
    if sub_id is not None and (not isinstance(sub_id, str) or ":" not in sub_id):
        raise BadRequestData("id must be a URI")
    return body


def _check_endpoint(uri: str) -> None:
    """Refuse an endpoint the outbound-address policy refuses (internal, private or loopback addresses, names
    resolving to them, names that do not resolve). One answer for all of them: the reason would tell the
    client which internal names exist."""
    try:
        outbound.check_url(uri)
    except outbound.OutboundError as exc:
        log.info("subscription endpoint %s refused: %s", uri, exc)
        raise BadRequestData(
            "notification.endpoint.uri is not allowed: only public Internet addresses can be notified "
            "(or hosts the operator allowed)"
        ) from None


def _apply(row: Subscription, body: dict[str, Any], context: Any) -> None:
    active = ldctx.build_context(context, resolver=RESOLVER)
    row.body = {**body, "@context": context} if context is not None else body
    row.entity_types = [active.expand_type(e["type"]) for e in body.get("entities") or []]
    row.watched_attributes = [active.expand_attribute(a) for a in body.get("watchedAttributes") or []]
    row.endpoint = body["notification"]["endpoint"]["uri"]
    row.is_active = body.get("isActive", True) is not False


def subscription_create(*, commune: Commune, body: Any, context: Any = None) -> Subscription:
    """Create a subscription (CIM 009 §5.8.1) once its endpoint passes the outbound-address policy; audited."""
    body = _check(body)
    ldctx.build_context(context, resolver=RESOLVER)  # an unavailable @context first (LdContextNotAvailable)
    # Before the transaction: the check resolves the endpoint's name (up to the outbound timeout), which must
    # not hold the database's write lock.
    _check_endpoint(body["notification"]["endpoint"]["uri"])
    with transaction.atomic():
        sub_id = body.get("id") or f"urn:ngsi-ld:Subscription:{uuid.uuid4()}"
        if Subscription.objects.filter(commune=commune, subscription_id=sub_id).exists():
            raise AlreadyExists(f"subscription {sub_id} already exists")
        body = {**body, "id": sub_id, "type": "Subscription"}
        row = Subscription(commune=commune, subscription_id=sub_id)
        _apply(row, {k: v for k, v in body.items() if k != "@context"}, context)
        row.save()
        _audit(commune, "create", row)
    return row


def _get(commune: Commune, sub_id: str) -> Subscription:
    row = Subscription.objects.filter(commune=commune, subscription_id=sub_id).first()
    if row is None:
        raise ResourceNotFound(f"subscription {sub_id} was not found")
    return row


def subscription_update(*, commune: Commune, sub_id: str, fragment: Any, context: Any = None) -> Subscription:
    """Change a subscription (CIM 009 §5.8.2, merge of the given members), endpoint checked again; audited."""
    row = _get(commune, sub_id)
    if not isinstance(fragment, dict):
        raise BadRequestData("the body must be a JSON object")
    current = {k: v for k, v in row.body.items() if k != "@context"}
    merged = _check({**current, **{k: v for k, v in fragment.items() if k != "@context"}, "id": sub_id})
    _check_endpoint(merged["notification"]["endpoint"]["uri"])  # before the transaction, as in create
    with transaction.atomic():
        row = _get(commune, sub_id)
        _apply(row, merged, context if context is not None else row.body.get("@context"))
        row.save()
        _audit(commune, "update", row)
    return row


@transaction.atomic
def subscription_delete(*, commune: Commune, sub_id: str) -> None:
    """Delete a subscription (CIM 009 §5.8.5); audited."""
    row = _get(commune, sub_id)
    _audit(commune, "delete", row)
    row.delete()


def _audit(commune: Commune, verb: str, row: Subscription) -> None:
    audit_record(
        commune=commune,
        action=f"datahub.subscription.{verb}",
        obj=row,
        summary=f"{row.subscription_id} → {row.endpoint}",
    )


# ---------------------------------------------------------------------------------------------- matching


def _of_types(kinds: str | list[str] | None, wanted: list[str]) -> bool:
    """Whether an entity of these types (one, or several: multi-typed) is of one of the ``wanted`` ones."""
    if not wanted:
        return True
    if kinds is None:
        return False
    return any(kind in wanted for kind in ([kinds] if isinstance(kinds, str) else kinds))


def _selected(sub: Subscription, kinds: str | list[str] | None, entity_id: str | None) -> bool:
    """Whether an entity is one of the subscription's ``entities`` (§5.2.33 EntitySelector: its type, and its
    id or idPattern when the selector names one); any entity when it has none (watchedAttributes only)."""
    selectors = sub.body.get("entities") or []
    if not selectors:
        return True
    for selector, type_iri in zip(selectors, sub.entity_types, strict=False):
        if not _of_types(kinds, [type_iri]):
            continue
        wanted_id = selector.get("id")
        if wanted_id is not None and wanted_id != entity_id:
            continue
        pattern = selector.get("idPattern")
        if pattern is not None:
            try:
                if entity_id is None or not re.search(pattern, entity_id):
                    continue
            except re.error:
                continue
        return True
    return False


def changes_notify(
    *,
    commune_id: int,
    changes: dict[int, set[str]],
    types: dict[int, str | list[str]],
    previous: dict[int, dict[str, Any]] | None = None,
    ids: dict[int, str] | None = None,
) -> None:
    """Called by the services after a write: enqueue one notification task per matching subscription.

    ``previous``: the attributes' members before the write (showChanges). A periodic subscription
    (timeInterval) is left to :func:`subscriptions_periodic_notify`; one with throttling is skipped while its
    last notification is more recent than that many seconds (§5.2.12).

    Not audited: delivery bookkeeping (a throttled subscription's last notification instant)."""
    if not changes:
        return
    subscriptions = list(Subscription.objects.filter(commune_id=commune_id, is_active=True))
    if not subscriptions:
        return
    now = timezone.now()
    for sub in subscriptions:
        if sub.body.get("timeInterval") is not None:
            continue
        throttling = sub.body.get("throttling")
        if (
            throttling is not None
            and sub.last_notification is not None
            and now < sub.last_notification + timedelta(seconds=throttling)
        ):
            continue
        pks = [
            pk
            for pk, attrs in changes.items()
            if _selected(sub, types.get(pk), (ids or {}).get(pk))
            and (not sub.watched_attributes or attrs & set(sub.watched_attributes))
        ]
        if not pks:
            continue
        try:
            # The entities as this change left them (and as they were, for showChanges).
            body = notification_body(sub, pks, previous=previous)
            if body is None:  # (no changed entity passes the subscription's q)
                continue
        except Exception:  # a write never fails for a notification: the worker renders it instead
            log.exception("notification of %s not rendered at write time", sub.subscription_id)
            body = None
        if throttling is not None:  # (the clock of throttling starts when the notification is made)
            Subscription.objects.filter(pk=sub.pk).update(last_notification=now)
        transaction.on_commit(
            partial(notify.enqueue, subscription_pk=sub.pk, entity_pks=pks, attempt=1, body=body)
        )


def subscriptions_periodic_notify(*, now: datetime | None = None) -> int:
    """Notify the periodic subscriptions (timeInterval, §5.2.12) whose interval has passed since their last
    notification: every matching entity as it is now, whether it changed or not; how many were enqueued.

    Run by the periodic pass (`beffroi alerts`, the MQTT worker's minute), so an interval shorter than that
    pass is served at the pass's pace.

    Not audited: delivery bookkeeping (the subscription's last notification instant)."""
    now = now or timezone.now()
    sent = 0
    for sub in Subscription.objects.filter(is_active=True, body__has_key="timeInterval").iterator():
        interval = sub.body.get("timeInterval")
        if not isinstance(interval, int | float) or isinstance(interval, bool) or interval <= 0:
            continue
        if sub.last_notification is not None and now < sub.last_notification + timedelta(seconds=interval):
            continue
        entities = Entity.objects.filter(commune_id=sub.commune_id).exclude(expires_at__lte=now)
        pks = [
            pk
            for pk, entity_id, type_iri, data in entities.values_list(
                "pk", "entity_id", "type_iri", "data"
            ).iterator()
            if _selected(sub, data.get("@types") or type_iri, entity_id)
        ]
        Subscription.objects.filter(pk=sub.pk).update(last_notification=now)
        if not pks:
            continue
        try:
            body = notification_body(sub, pks)
        except Exception:
            log.exception("periodic notification of %s not rendered", sub.subscription_id)
            continue
        if body is None:
            continue
        transaction.on_commit(
            partial(notify.enqueue, subscription_pk=sub.pk, entity_pks=pks, attempt=1, body=body)
        )
        sent += 1
    return sent
