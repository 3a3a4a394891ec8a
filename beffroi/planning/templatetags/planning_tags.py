"""Template filters of the planning pages (French typography through beffroi.planning.indicator_units)."""

from decimal import Decimal, InvalidOperation

from django import template

from beffroi.planning.indicator_units import format_quantity

register = template.Library()


@register.filter
def quantity(value: object, unit: object = "") -> str:
    """An indicator's value with its unit: `{{ indicator.baseline|quantity:indicator.unit }}` -> « 410 000 kWh/an »,
    « 21 jours », « 5 % »; « — » when there is no value."""
    if value is None or value == "":
        return "—"
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if not number.is_finite():
        return str(value)
    return format_quantity(number, str(unit or ""))
