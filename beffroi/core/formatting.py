"""French formatting of numbers, amounts, percentages and dates, for pages, sentences built by pure rules and exports.

No Django here: pure modules (funding matching, the co-financing rule, counting explanations) call it too; templates
reach it through the `beffroi_format` filters (`euros`, `integer`, `long_date`, `long_datetime`) and funding's (`eur`,
`percent`). Dates in words in the reader's language (English pages, mails, PDFs) go through `beffroi.core.dates`,
which calls the French ones here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal

NARROW_NBSP = "\u202f"  # thousands separator in French typography
NBSP = "\u00a0"  # before the euro sign and other units

CENT = Decimal("0.01")


def format_int(value: int | Decimal) -> str:
    """12345 -> '12 345' (narrow no-break space as thousands separator)."""
    return f"{int(value):,}".replace(",", NARROW_NBSP)


def format_eur(amount: Decimal | int) -> str:
    """Decimal('1234567.8') -> '1 234 567,80 €' (exact to the cent, half-up for display only)."""
    quantized = Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)
    sign = "-" if quantized < 0 else ""
    units, cents = f"{abs(quantized):.2f}".split(".")
    return f"{sign}{format_int(int(units))},{cents}{NBSP}€"


def format_eur_short(amount: Decimal | int) -> str:
    """Amounts without cents when they are whole euros: 50000 -> '50 000 €'."""
    quantized = Decimal(amount)
    if quantized == quantized.to_integral_value():
        return f"{format_int(int(quantized))}{NBSP}€"
    return format_eur(quantized)


def format_number(value: Decimal | int | float, places: int | None = None) -> str:
    """Decimal('1234.5') -> '1 234,5'; with places=2 -> '1 234,50' (half-up, for display only).

    Without ``places`` the value is written without trailing zeros (a float through its shortest repr).
    """
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if places is not None:
        number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    elif number != number.to_integral_value():
        number = number.normalize()
    else:
        number = number.quantize(Decimal(1))
    sign = "-" if number < 0 else ""  # after rounding: -0.001 at two places is written 0,00
    units, _, decimals = f"{abs(number):f}".partition(".")
    return f"{sign}{format_int(int(units))}" + (f",{decimals}" if decimals else "")


def format_percent(rate: Decimal | int) -> str:
    """Decimal('27.5') -> '27,5 %'; Decimal('80') -> '80 %'."""
    value = Decimal(rate)
    text = f"{value.normalize():f}" if value != value.to_integral_value() else str(int(value))
    return f"{text.replace('.', ',')}{NBSP}%"


def format_date(value: date) -> str:
    """date(2026, 3, 31) -> '31/03/2026'."""
    return value.strftime("%d/%m/%Y")


MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def format_date_long(value: date) -> str:
    """date(2027, 6, 30) -> '30 juin 2027'; the first of a month is '1er' (French typography)."""
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {MONTHS[value.month - 1]} {value.year}"


WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def format_time(value: datetime | time, *, seconds: bool = False) -> str:
    """14:30 -> '14 h 30', 9:05 -> '9 h 05' (French typography: the hour without a leading zero, non-breaking
    spaces around « h »); with seconds -> '14 h 30 min 05 s'."""
    text = f"{value.hour}{NBSP}h{NBSP}{value.minute:02d}"
    return f"{text}{NBSP}min{NBSP}{value.second:02d}{NBSP}s" if seconds else text


def format_datetime_long(value: datetime, *, weekday: bool = False, seconds: bool = False) -> str:
    """datetime(2026, 12, 1, 14, 30) -> '1er décembre 2026 à 14 h 30'; with weekday -> 'mardi 1er décembre 2026,
    14 h 30' (non-breaking spaces around « h »: `format_time`).

    With seconds (a draw's instant): '1er décembre 2026 à 14 h 30 min 05 s'. The value is written as given: the
    caller moves an aware datetime to local time first (``beffroi.core.dates.long_datetime`` does).
    """
    clock = format_time(value, seconds=seconds)
    if weekday:
        return f"{WEEKDAYS[value.weekday()]} {format_date_long(value)}, {clock}"
    return f"{format_date_long(value)} à {clock}"


def format_month(value: date) -> str:
    """date(2027, 6, 30) -> 'juin 2027'."""
    return f"{MONTHS[value.month - 1]} {value.year}"


def format_ordinal(number: int, *, feminine: bool = False) -> str:
    """1 -> '1er' ('1re' feminine), 2 -> '2e': the abbreviated French ordinals."""
    if number == 1:
        return "1re" if feminine else "1er"
    return f"{number}e"


def format_quarter(quarter: int, year: int | None = None) -> str:
    """(1, 2027) -> '1er trimestre 2027'."""
    text = f"{format_ordinal(quarter)} trimestre"
    return f"{text} {year}" if year is not None else text


def format_days(days: Decimal | int | float, places: int = 1) -> str:
    """13.94 -> '13,9 jours', 15.96 -> '16 jours', 1 -> '1 jour' (the unit in full: « j » is an abbreviation few
    read; a value whole once rounded is written without « ,0 »)."""
    number = Decimal(repr(days)) if isinstance(days, float) else Decimal(days)
    rounded = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = format_number(rounded, 0 if rounded == rounded.to_integral_value() else places)
    return f"{text}{NBSP}{'jour' if abs(rounded) < 2 else 'jours'}"


def join_fr(items: Iterable[str], last: str = "et") -> str:
    """['a', 'b', 'c'] -> 'a, b et c'."""
    words = [item for item in items if item]
    if not words:
        return ""
    if len(words) == 1:
        return words[0]
    return f"{', '.join(words[:-1])} {last} {words[-1]}"
