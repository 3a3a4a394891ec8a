"""Background tasks of the data hub (run by `beffroi worker`)."""

import logging
from datetime import timedelta
from typing import Any

from django.utils import timezone
from django_tasks import task

from beffroi.datahub.services.alerts import alerts_evaluate_communes
from beffroi.datahub.services.notifications import MAX_ATTEMPTS, notification_send

log = logging.getLogger(__name__)


@task()
def notify(
    *, subscription_pk: int, entity_pks: list[int], attempt: int = 1, body: dict[str, Any] | None = None
) -> bool:
    """Send one NGSI-LD notification (its body rendered when the change was written); when it failed on the
    way, try again later (30 s × 2^attempt, at most MAX_ATTEMPTS in all)."""
    delivery = notification_send(subscription_pk=subscription_pk, entity_pks=entity_pks, body=body)
    if delivery.retry and attempt < MAX_ATTEMPTS:
        try:
            notify.using(run_after=timezone.now() + timedelta(seconds=30 * 2**attempt)).enqueue(
                subscription_pk=subscription_pk, entity_pks=entity_pks, attempt=attempt + 1, body=body
            )
        except Exception:  # a backend that cannot defer (immediate, in tests): no retry
            log.info("notification retry not scheduled (backend cannot defer)")
    return delivery.sent


@task()
def alerts_evaluate_all() -> dict[str, int]:
    """Evaluate the alert rules of every commune (no-data rules need this clock; see `beffroi alerts`)."""
    return alerts_evaluate_communes()
