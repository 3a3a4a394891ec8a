"""Background tasks of the data hub (run by `beffroi worker`)."""

from django_tasks import task


@task()
def notify(*, subscription_pk: int, entity_pks: list[int], attempt: int = 1) -> bool:
    """Send one NGSI-LD notification (retried with back-off on failure)."""
    from .subscriptions import notification_send

    return notification_send(subscription_pk=subscription_pk, entity_pks=entity_pks, attempt=attempt)


@task()
def alerts_evaluate_all() -> dict[str, int]:
    """Evaluate the alert rules of every commune (no-data rules need this clock; see `beffroi alerts`)."""
    from .alert_services import alerts_evaluate_communes

    return alerts_evaluate_communes()
