"""Template filters of the planning pages (French typography through beffroi.planning.indicator_units)."""

from django import template

from beffroi.core.templatetags.beffroi_format import to_decimal
from beffroi.planning.indicator_units import format_quantity

register = template.Library()


@register.filter
def quantity(value: object, unit: object = "") -> str:
    """An indicator's value with its unit: `{{ indicator.baseline|quantity:indicator.unit }}` -> « 410 000 kWh/an »,
    « 21 jours », « 5 % »; « — » when there is no value."""
    if value is None or value == "":
        return "—"
    number = to_decimal(value)
    return str(value) if number is None else format_quantity(number, str(unit or ""))
