"""Template tags of the data hub's alerts (the open-alert count shown on the dashboard)."""

from django import template

from beffroi.datahub import selectors

register = template.Library()


@register.simple_tag
def open_alerts_count(commune) -> int:
    return selectors.alert_open_count(commune=commune) if commune is not None else 0
