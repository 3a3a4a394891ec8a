"""Template filters for amounts and rates, French typography (beffroi.core.formatting)."""

from decimal import Decimal, InvalidOperation

from django import template

from beffroi.core.formatting import format_eur, format_percent

register = template.Library()


@register.filter
def eur(value) -> str:
    if value is None or value == "":
        return "—"
    try:
        return format_eur(Decimal(value))
    except (InvalidOperation, TypeError, ValueError):
        return str(value)


@register.filter
def percent(value) -> str:
    if value is None or value == "":
        return "—"
    try:
        return format_percent(Decimal(value))
    except (InvalidOperation, TypeError, ValueError):
        return str(value)


@register.filter
def rate_percent(value) -> str:
    """A rate such as 0.2 shown as a percentage."""
    if value is None:
        return "—"
    return format_percent(Decimal(value) * 100)


@register.filter
def link_label(mechanism, url) -> str:
    """`{{ mechanism|link_label:url }}`: readable text for a link to one of the mechanism's pages."""
    return mechanism.link_label(str(url))
