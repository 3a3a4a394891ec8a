"""Template filters for numbers, amounts and dates written the French way, one way on every page (core.formatting;
dates in words in the reader's language through core.dates)."""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django import template
from django.utils.translation import gettext as _

from beffroi.core import dates
from beffroi.core.audit_labels import action_label
from beffroi.core.formatting import (
    format_days,
    format_eur_short,
    format_int,
    format_number,
    format_percent,
)
from beffroi.core.icons import MODULE_ICONS, icon_svg
from beffroi.core.icons import category_icon as category_icon_name

register = template.Library()


def to_decimal(value: object) -> Decimal | None:
    """A template value as a finite Decimal, or None (no value, not a number): what every number filter reads,
    here and in the apps' own filters."""
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
    number = to_decimal(value)
    return "" if number is None else format_eur_short(number)


@register.filter
def integer(value: object) -> str:
    """12345 -> « 12 345 »."""
    number = to_decimal(value)
    return "" if number is None else format_int(number)


@register.filter
def euros_rounded(value: object) -> str:
    """1234.56 -> « 1 235 € » (an estimate: to the euro)."""
    number = to_decimal(value)
    return "" if number is None else format_eur_short(number.quantize(Decimal(1)))


@register.filter
def decimal(value: object, places: object = None) -> str:
    """0.86 -> « 0,86 »; with places: 13.94|decimal:1 -> « 13,9 » (a decimal comma on every page)."""
    number = to_decimal(value)
    if number is None:
        return ""
    return format_number(number, int(str(places)) if places not in (None, "") else None)


@register.filter
def abs_value(value: object) -> object:
    """-27000 -> 27000 (a gap phrased in words: « dépassement de 27 000 € »)."""
    number = to_decimal(value)
    return "" if number is None else abs(number)


@register.filter
def ratio_percent(value: object, places: object = 0) -> str:
    """A fraction shown as a percentage: 0.86 -> « 86 % » (never a fraction beside a percentage)."""
    number = to_decimal(value)
    if number is None:
        return ""
    digits = int(str(places)) if places not in (None, "") else 0
    return format_percent((number * 100).quantize(Decimal(1).scaleb(-digits)))


@register.filter
def long_date(value: object) -> str:
    """date(2026, 12, 1) -> « 1er décembre 2026 » (« 1 December 2026 » in English); a datetime gives its local day.

    Every date written in words goes through here (never `|date:"j F Y"`, which writes « 1 décembre »)."""
    return dates.long_date(value) if isinstance(value, date) else ""


@register.filter
def long_datetime(value: object, variant: str = "") -> str:
    """A moment in local time: « 1er décembre 2026 à 14 h 30 »; `|long_datetime:"weekday"` -> « mardi 1er
    décembre 2026, 14 h 30 »; `|long_datetime:"seconds"` -> « 1er décembre 2026 à 14 h 30 min 05 s ». Empty for
    no value."""
    return dates.long_datetime(value, variant) if isinstance(value, datetime) else ""


@register.filter
def recent_moment(value: object) -> str:
    """« aujourd'hui à 21 h », « hier à 7 h 30 », « le 3 décembre à 21 h », or the whole date before this year."""
    return dates.recent_moment(value) if isinstance(value, datetime) else ""


@register.filter
def clock_time(value: object) -> str:
    """The local time of a moment: « 14 h 30 » (« 14:30 » in English). Empty for no value."""
    return dates.clock_time(value) if isinstance(value, datetime) else ""


@register.filter
def month_year(value: object) -> str:
    """date(2027, 6, 30) -> « juin 2027 » (« June 2027 » in English)."""
    return dates.month_year(value) if isinstance(value, date) else ""


@register.filter
def quarter(value: object, year: object = None) -> str:
    """1|quarter:2027 -> « 1er trimestre 2027 » (« Q1 2027 » in English)."""
    try:
        number = int(str(value))
    except ValueError:
        return ""
    return dates.quarter(number, int(str(year)) if year not in (None, "") else None)


@register.filter
def days(value: object) -> str:
    """13.94 -> « 13,9 jours »."""
    number = to_decimal(value)
    return "" if number is None else format_days(number)


@register.filter
def remaining(value: object) -> str:
    """What is left of a budget, phrased: « reste 3 000 € », or « dépassement de 27 000 € » when negative."""
    number = to_decimal(value)
    if number is None:
        return ""
    if number < 0:
        return _("dépassement de %(amount)s") % {"amount": format_eur_short(-number)}
    return _("reste %(amount)s") % {"amount": format_eur_short(number)}


@register.filter
def audit_action(code: object) -> str:
    """`funding.line.update` -> « Ligne de financement modifiée »: the journal shows sentences, not codes."""
    return str(action_label(str(code)))


@register.simple_tag
def icon(name: str) -> str:
    """`{% icon "bulb" %}`: a vendored Tabler icon, inline, hidden from screen readers."""
    return icon_svg(name)


@register.simple_tag
def module_icon(code: str) -> str:
    return icon_svg(MODULE_ICONS.get(code, ""))


@register.simple_tag
def category_icon(code: str) -> str:
    return icon_svg(category_icon_name(code))
