"""Reads of the data hub's alerts, always scoped to one commune (staff pages only)."""

from __future__ import annotations

from django.db.models import QuerySet

from beffroi.core.annotations import Actor
from beffroi.core.models import Commune

from .models import Alert, AlertEvent, AlertRule, Entity, LatestValue
from .services import short_name

ACTIVE_STATES = (Alert.State.OPEN, Alert.State.ACKNOWLEDGED)


def alert_queryset(*, commune: Commune) -> QuerySet[Alert]:
    return Alert.objects.filter(commune=commune).select_related("rule", "rule__team", "entity")


def alert_list(
    *, commune: Commune, state: str = "", team_slug: str = "", entity_type: str = "", limit: int = 200
) -> list[Alert]:
    """Alerts of the commune, most recent first; state "" means open or acknowledged, "all" every state."""
    qs = alert_queryset(commune=commune)
    if state in Alert.State.values:
        qs = qs.filter(state=state)
    elif state != "all":
        qs = qs.filter(state__in=ACTIVE_STATES)
    if team_slug:
        qs = qs.filter(rule__team__slug=team_slug)
    if entity_type:
        qs = qs.filter(rule__entity_type=entity_type)
    return list(qs.order_by("-opened_at", "-pk")[:limit])


def alert_list_for_teams(*, commune: Commune, user: Actor) -> list[Alert]:
    """Open and acknowledged alerts whose rule names one of the user's teams in this commune."""
    if user is None or not user.is_authenticated:
        return []
    return list(
        alert_queryset(commune=commune)
        .filter(state__in=ACTIVE_STATES, rule__team__commune=commune, rule__team__members=user)
        .order_by("-opened_at", "-pk")
    )


def alert_get(*, commune: Commune, pk: int) -> Alert | None:
    return alert_queryset(commune=commune).filter(pk=pk).first()


def alert_events(*, alert: Alert) -> QuerySet[AlertEvent]:
    return alert.events.select_related("actor").all()


def alert_open_count(*, commune: Commune) -> int:
    return Alert.objects.filter(commune=commune, state=Alert.State.OPEN).count()


def rule_list(*, commune: Commune) -> list[AlertRule]:
    return list(AlertRule.objects.filter(commune=commune).select_related("team").order_by("label", "pk"))


def rule_get(*, commune: Commune, pk: int) -> AlertRule | None:
    return AlertRule.objects.filter(commune=commune, pk=pk).first()


def entity_types(*, commune: Commune) -> list[str]:
    return sorted(set(Entity.objects.filter(commune=commune).values_list("type_name", flat=True)))


def measured_attributes(*, commune: Commune, entity_type: str) -> set[str]:
    """Short names of the attributes with a latest value on some entity of this type in the commune."""
    rows = (
        LatestValue.objects.filter(entity__commune=commune, entity__type_name=entity_type)
        .values_list("attribute", flat=True)
        .distinct()
    )
    return {short_name(a) for a in rows}
