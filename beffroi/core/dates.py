"""Dates written in words in the reader's language: the one way for pages, mails and printed documents.

In French they follow French typography (« 1er décembre 2026 », never « 1 décembre 2026 »: `core.formatting`);
in another language Django writes them with its own month and day names (« 1 December 2026 »). An aware datetime
is shown in local time, as Django's `date` filter does. Templates reach these through `beffroi_format`
(`|long_date`, `|long_datetime`, `|long_datetime:"weekday"`, `|recent_moment`, `|month_year`, `|quarter`).
"""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from beffroi.core.formatting import (
    format_date_long,
    format_datetime_long,
    format_month,
    format_quarter,
    format_time,
)

# Django date formats for the other languages; the variants of `long_datetime` and the French they stand for.
DATE_PATTERN = "j F Y"  # 1er décembre 2026
DATETIME_PATTERNS = {
    "": "j F Y, H:i",  # 1er décembre 2026 à 14 h 30
    "weekday": "l j F Y, H:i",  # mardi 1er décembre 2026, 14 h 30
    "seconds": "j F Y, H:i:s",  # 1er décembre 2026 à 14 h 30 min 05 s (the instant of a draw)
}


def in_french() -> bool:
    return (get_language() or settings.LANGUAGE_CODE).split("-")[0] == "fr"


def _local(value: datetime) -> datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


def long_date(value: date) -> str:
    """date(2026, 12, 1) -> « 1er décembre 2026 » (« 1 December 2026 » in English); a datetime gives its local day."""
    if isinstance(value, datetime):
        value = _local(value)
    return format_date_long(value) if in_french() else date_format(value, DATE_PATTERN)


def long_datetime(value: datetime, variant: str = "") -> str:
    """A moment in words, in local time: « 1er décembre 2026 à 14 h 30 » (« 1 December 2026, 14:30 » in English).

    ``variant`` "weekday": « mardi 1er décembre 2026, 14 h 30 »; "seconds": « 1er décembre 2026 à 14 h 30 min
    05 s ».
    """
    if variant not in DATETIME_PATTERNS:
        raise ValueError(f"unknown date variant {variant!r}: one of {sorted(DATETIME_PATTERNS)}")
    value = _local(value)
    if in_french():
        return format_datetime_long(value, weekday=variant == "weekday", seconds=variant == "seconds")
    return date_format(value, DATETIME_PATTERNS[variant])


def clock_time(value: datetime) -> str:
    """The time of a moment, in local time: « 14 h 30 » (« 14:30 » in English)."""
    value = _local(value)
    return format_time(value) if in_french() else date_format(value, "H:i")


def recent_moment(value: datetime, now: datetime | None = None) -> str:
    """A moment said the way one says a recent one, in local time: « aujourd'hui à 21 h », « hier à 7 h 30 »,
    « le 3 décembre à 21 h » this year, the whole date before (a sensor's last reading, an alert's opening)."""
    value = _local(value)
    today = _local(now or timezone.now()).date()
    time = clock_time(value)
    day = value.date()
    if day == today:
        return _("aujourd'hui à %(time)s") % {"time": time}
    if (today - day).days == 1:
        return _("hier à %(time)s") % {"time": time}
    if day.year == today.year:
        return _("le %(day)s à %(time)s") % {"day": long_date(day).removesuffix(f" {day.year}"), "time": time}
    return long_datetime(value)


def month_year(value: date) -> str:
    """date(2027, 6, 30) -> « juin 2027 » (« June 2027 » in English)."""
    return format_month(value) if in_french() else date_format(value, "F Y")


def quarter(number: int, year: int | None = None) -> str:
    """(1, 2027) -> « 1er trimestre 2027 » (« Q1 2027 » in English); without a year, « 1er trimestre »."""
    if in_french():
        return format_quarter(number, year)
    if year is None:
        return _("T%(number)s") % {"number": number}
    return _("T%(number)s %(year)s") % {"number": number, "year": year}
