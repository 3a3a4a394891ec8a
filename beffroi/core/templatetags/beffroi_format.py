"""Template filters for numbers and amounts written the French way, one way on every page (core.formatting)."""

from decimal import Decimal, InvalidOperation

from django import template

from beffroi.core.formatting import format_eur_short, format_int

register = template.Library()


def _decimal(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


@register.filter
def euros(value: object) -> str:
    """3000 -> « 3 000 € », 1250.5 -> « 1 250,50 € » (cents only when there are some); empty for no value."""
    number = _decimal(value)
    return "" if number is None else format_eur_short(number)


@register.filter
def integer(value: object) -> str:
    """12345 -> « 12 345 »."""
    number = _decimal(value)
    return "" if number is None else format_int(number)
