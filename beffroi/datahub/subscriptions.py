"""NGSI-LD subscriptions (CIM 009 §5.8): storage, matching on entity changes, and HTTP notifications.

Matching on type and watched attributes happens where the change is written (cheap, in memory); the q
expression, the rendering and the HTTP POST happen in the worker, one task per subscription and change,
so a slow or dead endpoint never delays the others. Failed notifications are retried with a back-off when
the task backend can defer.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import timedelta
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from beffroi.core import outbound
from beffroi.core.models import Commune

from .models import Entity, Subscription
from .ngsild import context as ldctx
from .ngsild import query as ldquery
from .ngsild.errors import AlreadyExists, BadRequestData, ResourceNotFound
from .ngsild.temporal import format_datetime

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


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
    active = ldctx.build_context(context)
    row.body = {**body, "@context": context} if context is not None else body
    row.entity_types = [active.expand_type(e["type"]) for e in body.get("entities") or []]
    row.watched_attributes = [active.expand_attribute(a) for a in body.get("watchedAttributes") or []]
    row.endpoint = body["notification"]["endpoint"]["uri"]
    row.is_active = body.get("isActive", True) is not False


def subscription_create(*, commune: Commune, body: Any, context: Any = None) -> Subscription:
    body = _check(body)
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
    return row


def _get(commune: Commune, sub_id: str) -> Subscription:
    row = Subscription.objects.filter(commune=commune, subscription_id=sub_id).first()
    if row is None:
        raise ResourceNotFound(f"subscription {sub_id} was not found")
    return row


def subscription_update(*, commune: Commune, sub_id: str, fragment: Any, context: Any = None) -> Subscription:
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
    return row


@transaction.atomic
def subscription_delete(*, commune: Commune, sub_id: str) -> None:
    _get(commune, sub_id).delete()


def subscription_document(row: Subscription) -> dict[str, Any]:
    body = {k: v for k, v in row.body.items() if k != "@context"}
    body["isActive"] = row.is_active
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


# ------------------------------------------------------------------------------------------ notifications


def changes_notify(*, commune_id: int, changes: dict[int, set[str]], types: dict[int, str]) -> None:
    """Called by the services after a write: enqueue one notification task per matching subscription."""
    if not changes:
        return
    subscriptions = list(Subscription.objects.filter(commune_id=commune_id, is_active=True))
    if not subscriptions:
        return
    from .tasks import notify

    for sub in subscriptions:
        pks = [
            pk
            for pk, attrs in changes.items()
            if (not sub.entity_types or types.get(pk) in sub.entity_types)
            and (not sub.watched_attributes or attrs & set(sub.watched_attributes))
        ]
        if pks:
            transaction.on_commit(partial(notify.enqueue, subscription_pk=sub.pk, entity_pks=pks, attempt=1))


def notification_send(*, subscription_pk: int, entity_pks: list[int], attempt: int = 1) -> bool:
    """Render and POST one notification; record the outcome. Returns True on success."""
    sub = Subscription.objects.filter(pk=subscription_pk, is_active=True).first()
    if sub is None:
        return True
    context = sub.body.get("@context")
    active = ldctx.build_context(context)
    from .selectors import entity_document

    entities = list(Entity.objects.filter(commune_id=sub.commune_id, pk__in=entity_pks))
    q = sub.body.get("q")
    node = ldquery.map_attribute_names(ldquery.parse_query(q), active.expand_attribute) if q else None
    notification = sub.body.get("notification") or {}
    wanted = [active.expand_attribute(a) for a in notification.get("attributes") or []]
    data = []
    for entity in entities:
        document = entity_document(entity)
        if node is not None and not ldquery.evaluate(node, document):
            continue
        if wanted:
            document = {k: v for k, v in document.items() if k in ("id", "type") or k in wanted}
        compacted = ldctx.compact_entity(document, active)
        if notification.get("format") in ("keyValues", "simplified"):
            from .ngsild_views import _key_values

            compacted = _key_values(compacted)
        data.append(compacted)
    if not data:
        return True
    body = {
        "id": f"urn:ngsi-ld:Notification:{uuid.uuid4()}",
        "type": "Notification",
        "subscriptionId": sub.subscription_id,
        "notifiedAt": format_datetime(timezone.now()),
        "data": data,
    }
    accept = (notification.get("endpoint") or {}).get("accept", "application/json")
    if accept == "application/ld+json":
        body["@context"] = context or ldctx.DEFAULT_CORE_CONTEXT_URL
    now = timezone.now()
    try:
        # Checked again now: the name may resolve elsewhere than when the subscription was made. No redirect
        # is followed (a notification answered with one has failed).
        response = outbound.request(
            sub.endpoint,
            method="POST",
            body=json.dumps(body).encode(),
            headers={"Content-Type": accept},
            follow_redirects=False,
            read_body=False,
        )
        ok = 200 <= response.status < 300
        refused = False
    except outbound.AddressRefused as exc:
        # Nothing was sent. Recorded as a failure like any other, so that the subscription's status cannot
        # tell whether anything listens at that address; not retried.
        log.warning("notification of %s to %s refused: %s", sub.subscription_id, sub.endpoint, exc)
        ok, refused = False, True
    except outbound.FetchFailed as exc:
        log.warning("notification of %s to %s failed: %s", sub.subscription_id, sub.endpoint, exc)
        ok, refused = False, False
    # F(): concurrent notifications of one subscription each add their own one (no lost update).
    rows = Subscription.objects.filter(pk=sub.pk)
    if ok:
        rows.update(times_sent=F("times_sent") + 1, last_notification=now, last_success=now)
    else:
        rows.update(times_failed=F("times_failed") + 1, last_notification=now, last_failure=now)
        if not refused:
            _retry(subscription_pk, entity_pks, attempt)
    return ok


def _retry(subscription_pk: int, entity_pks: list[int], attempt: int) -> None:
    if attempt >= MAX_ATTEMPTS:
        return
    from .tasks import notify

    try:
        notify.using(run_after=timezone.now() + timedelta(seconds=30 * 2**attempt)).enqueue(
            subscription_pk=subscription_pk, entity_pks=entity_pks, attempt=attempt + 1
        )
    except Exception:  # a backend that cannot defer (immediate, in tests): no retry
        log.info("notification retry not scheduled (backend cannot defer)")
