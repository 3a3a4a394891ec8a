"""Template filters that show entity types, measurements and units in French (see beffroi.datahub.labels)."""

from typing import Any

from django import template

from beffroi.datahub import labels

register = template.Library()


@register.filter
def type_label(type_name: str) -> Any:
    return labels.type_label(type_name)


@register.filter
def attribute_label(name: str) -> Any:
    return labels.attribute_label(name)


@register.simple_tag
def measure(value: Any, unit_code: str | None = None, attribute: str = "") -> str:
    """`{% measure v.0 v.2 name %}`: a value with its unit, the French way."""
    return labels.value_text(value, unit_code, attribute=attribute)


@register.filter
def instant_words(moment: Any) -> str:
    """`{{ at|instant_words }}`: « 1er décembre 2026 à 14 h 30 », in UTC (said so) for an instant the time zone
    cannot hold, as `instant`."""
    return labels.instant_in_words(moment)
