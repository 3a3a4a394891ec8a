"""Sending NGSI-LD notifications (CIM 009 §5.8.6, §5.3.1): render the changed entities of one subscription and
POST them to its endpoint, then record the outcome on the subscription.

Runs in the worker (the ``notify`` task), one notification per subscription and change; the task schedules
another attempt, with a back-off, when this one failed on the way (MAX_ATTEMPTS in all).
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import F
from django.utils import timezone

from beffroi.core import outbound
from beffroi.core.models import Commune
from beffroi.datahub.documents import entity_document
from beffroi.datahub.models import Entity, Subscription
from beffroi.datahub.ngsild import context as ldctx
from beffroi.datahub.ngsild import query as ldquery
from beffroi.datahub.ngsild.entities import with_previous_values, without_system_members
from beffroi.datahub.ngsild.evaluation import evaluate
from beffroi.datahub.ngsild.temporal import format_datetime
from beffroi.datahub.remote_contexts import RESOLVER

log = logging.getLogger(__name__)

#: Attempts at one notification, the first included.
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Delivery:
    """The outcome of one notification: ``sent`` (or nothing to send); ``retry`` when it failed on the way and
    another attempt may succeed (not when the endpoint's address was refused). True when sent."""

    sent: bool
    retry: bool = False

    def __bool__(self) -> bool:
        return self.sent


def notification_send(
    *, subscription_pk: int, entity_pks: list[int], body: dict[str, Any] | None = None
) -> Delivery:
    """POST one notification of these entities' changes (``body``, rendered when the change was written;
    rendered now when not given); record the outcome on the subscription.

    Not audited: delivery bookkeeping (counters and instants on the subscription, which the API shows).
    """
    sub = Subscription.objects.filter(pk=subscription_pk, is_active=True).first()
    if sub is None:
        return Delivery(sent=True)
    if body is None:
        body = notification_body(sub, entity_pks)
    if body is None:
        return Delivery(sent=True)
    notification = sub.body.get("notification") or {}
    accept = (notification.get("endpoint") or {}).get("accept", "application/json")
    if accept == "application/ld+json":
        body["@context"] = sub.body.get("@context") or ldctx.CORE_CONTEXT_URL
    now = timezone.now()
    try:
        # Checked again now: the name may resolve elsewhere than when the subscription was made. No redirect
        # is followed (a notification answered with one has failed).
        response = outbound.request(
            sub.endpoint,
            method="POST",
            body=json.dumps(body).encode(),
            headers=_headers(sub, accept),
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
    return Delivery(sent=ok, retry=not ok and not refused)


def _headers(sub: Subscription, accept: str) -> dict[str, str]:
    """The notification's headers: with application/json, the @context in a Link header (§6.3.5, as any
    JSON response): the subscription's own when it is one URL, else the core context."""
    headers = {"Content-Type": accept}
    if accept != "application/ld+json":
        context = sub.body.get("@context")
        if isinstance(context, list) and len(context) == 1:
            context = context[0]
        url = context if isinstance(context, str) else ldctx.CORE_CONTEXT_URL
        headers["Link"] = ldctx.link_header(url)
    tenant = Commune.objects.filter(pk=sub.commune_id).values_list("slug", flat=True).first()
    if tenant:
        headers["NGSILD-Tenant"] = tenant
    return headers


def notification_body(
    sub: Subscription, entity_pks: list[int], *, previous: dict[int, dict[str, Any]] | None = None
) -> dict[str, Any] | None:
    """The notification's body (§5.3.1) of the entities as they are now, or None when no changed entity
    passes the subscription's q. Rendered when the change is written (services.subscriptions), so that two
    quick changes give two notifications each with its own values, whenever the worker sends them.

    With ``notification.showChanges``, each changed attribute also carries its value before the change
    (``previousValue``, ``previousObject``…, §5.2.12), from ``previous`` (the members the write replaced)."""
    active = ldctx.build_context(sub.body.get("@context"), resolver=RESOLVER)
    entities = list(Entity.objects.filter(commune_id=sub.commune_id, pk__in=entity_pks))
    q = sub.body.get("q")
    node = ldquery.map_attribute_names(ldquery.parse_query(q), active.expand_attribute) if q else None
    notification = sub.body.get("notification") or {}
    wanted = [active.expand_attribute(a) for a in notification.get("attributes") or []]
    data = []
    for entity in entities:
        document = entity_document(entity)
        if not notification.get("sysAttrs"):
            document = without_system_members(document)
        if node is not None and not evaluate(node, document):
            continue
        if notification.get("showChanges") and previous and entity.pk in previous:
            document = with_previous_values(document, previous[entity.pk])
        if wanted:
            document = {k: v for k, v in document.items() if k in ("id", "type") or k in wanted}
        compacted = ldctx.compact_entity(document, active, resolver=RESOLVER)
        if notification.get("format") in ("keyValues", "simplified"):
            compacted = ldctx.simplify_entity(compacted)
        data.append(compacted)
    if not data:
        return None
    return {
        "id": f"urn:ngsi-ld:Notification:{uuid.uuid4()}",
        "type": "Notification",
        "subscriptionId": sub.subscription_id,
        "notifiedAt": format_datetime(timezone.now()),
        "data": data,
    }
