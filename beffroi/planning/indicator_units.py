"""The unit of a project's indicator (pure, no Django): its French display, and how a data hub measurement
relates to it.

An indicator's unit is free text typed by the commune (« kWh/an », « m³/an », « % », « jours »). A sensor's
measurement carries a UN/CEFACT unit, and each reading is either an instant (a power in W) or what was used
since the previous reading (a volume in m³, an energy in kWh: those add up over time). An indicator « par an »
is compared with the sum of such readings over the last year, converted to the indicator's unit — never with
the latest reading, which only looks like it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from beffroi.core.formatting import NBSP, format_days, format_number

# Days of the period a unit names after « / » or « par ».
PERIOD_DAYS = {"an": 365, "année": 365, "mois": 30, "semaine": 7, "jour": 1, "j": 1}

# Quantities that add up from one reading to the next: (what is measured, factor to its base unit).
CUMULATIVE_UNITS: dict[str, tuple[str, Decimal]] = {
    "m³": ("volume", Decimal(1)),
    "m3": ("volume", Decimal(1)),
    "L": ("volume", Decimal("0.001")),
    "l": ("volume", Decimal("0.001")),
    "Wh": ("energy", Decimal("0.001")),
    "kWh": ("energy", Decimal(1)),
    "MWh": ("energy", Decimal(1000)),
}

_PERIOD = re.compile(r"^(?P<quantity>.+?)\s*(?:/|\bpar\s+)\s*(?P<period>an|année|mois|semaine|jour|j)$", re.I)
_DAY_UNITS = {"jour", "jours", "j"}


@dataclass(frozen=True, slots=True)
class IndicatorUnit:
    """« m³/an » -> quantity « m³ », a period of 365 days; « % » -> quantity « % », no period."""

    quantity: str
    period_days: int | None = None


def parse_unit(unit: str) -> IndicatorUnit:
    text = " ".join(unit.split())
    match = _PERIOD.match(text)
    if match is None:
        return IndicatorUnit(text)
    return IndicatorUnit(match["quantity"], PERIOD_DAYS[match["period"].lower()])


def is_cumulative(symbol: str) -> bool:
    """A volume or an energy: readings add up over a period (a power or a temperature does not)."""
    return symbol in CUMULATIVE_UNITS


def conversion_factor(from_symbol: str, to_symbol: str) -> Decimal | None:
    """What to multiply a value in ``from_symbol`` by to write it in ``to_symbol``; ``None`` when the two do not
    measure the same thing (a value is then shown in its own unit, never in the other)."""
    if from_symbol == to_symbol:
        return Decimal(1)
    source, target = CUMULATIVE_UNITS.get(from_symbol), CUMULATIVE_UNITS.get(to_symbol)
    if source is None or target is None or source[0] != target[0]:
        return None
    return source[1] / target[1]


def round_measurement(value: Decimal) -> Decimal:
    """A sensor's sum to the digits a reader needs: 6542.3267 -> 6542, 63.623 -> 63.6, 2.0604 -> 2.06."""
    places = 0 if abs(value) >= 100 else 1 if abs(value) >= 10 else 2
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def format_quantity(value: Decimal | int | float | None, unit: str = "") -> str:
    """Decimal('410000.000'), « kWh/an » -> « 410 000 kWh/an »; 5, « % » -> « 5 % »; 21, « jours » ->
    « 21 jours » (no trailing zeros, thousands grouped, a no-break space before the unit); « — » for none."""
    if value is None:
        return "—"
    unit = " ".join(unit.split())
    if unit.lower() in _DAY_UNITS:
        return format_days(value)
    text = format_number(value)
    return f"{text}{NBSP}{unit}" if unit else text
