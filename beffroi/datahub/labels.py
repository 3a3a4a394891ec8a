"""What an agent reads instead of the Smart Data Models names: French labels of entity types, attributes and
UN/CEFACT unit codes (the codes NGSI-LD's `unitCode` carries). A name missing here is shown as it is."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from beffroi.core.dates import long_datetime, recent_moment
from beffroi.datahub.ngsild.vocabulary import short_name

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

TYPE_LABELS: dict[str, StrOrPromise] = {
    "ACMeasurement": _("Compteur électrique"),
    "AirQualityObserved": _("Capteur de qualité de l'air"),
    "Building": _("Bâtiment"),
    "Device": _("Capteur"),
    "EnergyMeter": _("Compteur d'énergie"),
    "NoiseLevelObserved": _("Sonomètre"),
    "OffStreetParking": _("Parking"),
    "ParkingSpot": _("Place de stationnement"),
    "Streetlight": _("Lampadaire"),
    "StreetlightGroup": _("Armoire d'éclairage"),
    "TrafficFlowObserved": _("Compteur de véhicules"),
    "WasteContainer": _("Conteneur à déchets"),
    "WaterConsumptionObserved": _("Compteur d'eau"),
    "WeatherObserved": _("Station météo"),
}

# Measurements whose zero means "nothing": their charts start at zero (a temperature's does not).
FROM_ZERO = {
    "activeEnergyImport",
    "activePower",
    "co2",
    "fillingLevel",
    "illuminanceLevel",
    "intensity",
    "no2",
    "pm10",
    "pm25",
    "powerConsumption",
    "waterConsumption",
}

# Measurements stored as a ratio from 0 to 1 (Smart Data Models) and shown as a percentage.
RATIOS = {"fillingLevel", "illuminanceLevel"}  # illuminanceLevel: a street light's dimming, 1 = full

# Guidance a mayor reads a CO₂ level against in a classroom (the Haut Conseil de la santé publique's advice on
# indoor air in schools): air the room above 800 ppm, act at once above 1,500 ppm.
CO2_GUIDANCE: tuple[tuple[float, StrOrPromise], ...] = (
    (800, _("Aérer")),
    (1500, _("Agir")),
)

ATTRIBUTE_LABELS: dict[str, StrOrPromise] = {
    "activeEnergyImport": _("Énergie consommée"),
    "activePower": _("Puissance active"),
    "batteryLevel": _("Niveau de batterie"),
    "co2": _("CO₂"),
    "fillingLevel": _("Taux de remplissage"),
    "illuminanceLevel": _("Niveau d'éclairement"),
    "intensity": _("Véhicules comptés"),
    "no2": _("NO₂"),
    "pm10": _("Particules PM10"),
    "pm25": _("Particules PM2,5"),
    "powerConsumption": _("Puissance consommée"),
    "powerState": _("Alimentation"),
    "relativeHumidity": _("Humidité relative"),
    "status": _("État"),
    "temperature": _("Température"),
    "waterConsumption": _("Consommation d'eau"),
}

# Text values of the Smart Data Models enumerations used by the demo and common sensors.
TEXT_VALUE_LABELS: dict[str, StrOrPromise] = {
    "closed": _("fermé"),
    "free": _("libre"),
    "occupied": _("occupé"),
    "ok": _("en service"),
    "on": _(
        "sous tension"
    ),  # a lamp powered may still be dark by day: its power reading says whether it is lit
    "off": _("hors tension"),
    "defectiveLamp": _("lampe défectueuse"),
    "columnIssue": _("problème de mât"),
    "brokenLantern": _("lanterne cassée"),
    "unknown": _("inconnu"),
}

# UN/CEFACT Recommendation 20 codes seen in Smart Data Models and LoRaWAN decoders.
UNIT_LABELS: dict[str, str] = {
    "59": "ppm",
    "A97": "hPa",
    "C62": "",
    "CEL": "°C",
    "GQ": "µg/m³",
    "KMH": "km/h",
    "KWH": "kWh",
    "LTR": "L",
    "MTQ": "m³",
    "MTR": "m",
    "P1": "%",
    "WTT": "W",
}

# The measurement that says most about an asset of each type, shown in the dashboard's list.
MAIN_ATTRIBUTE: dict[str, str] = {
    "ACMeasurement": "activeEnergyImport",
    "AirQualityObserved": "co2",
    "ParkingSpot": "status",
    "Streetlight": "powerConsumption",
    "TrafficFlowObserved": "intensity",
    "WasteContainer": "fillingLevel",
    "WaterConsumptionObserved": "waterConsumption",
    "WeatherObserved": "temperature",
}


def natural_key(text: str) -> list[object]:
    """ "Candélabre 2" before "Candélabre 10" (a list of assets by name)."""
    return [int(part) if part.isdigit() else part.casefold() for part in re.split(r"(\d+)", text)]


def type_label(type_name: str) -> StrOrPromise:
    return TYPE_LABELS.get(type_name, type_name)


def attribute_label(name: str) -> StrOrPromise:
    """The label of an attribute, given by its short name or its full IRI (…/fillingLevel)."""
    short = short_name(name)
    return ATTRIBUTE_LABELS.get(short, short)


def unit_label(code: str | None) -> str:
    if not code:
        return ""
    return UNIT_LABELS.get(code, code)


def is_ratio(attribute: str, unit_code: str | None) -> bool:
    """A measurement stored as a fraction of 1 with no unit (a filling level), shown as a percentage."""
    return short_name(attribute) in RATIOS and not unit_code


def percent_scale(attribute: str, unit_code: str | None) -> float | None:
    """How a measurement shown as a percentage is stored: 100 for a fraction of 1 (a filling level: 0.95 is
    95 %), 1 for a value sent in percent (unit P1); None for a measurement not shown as a percentage. A person
    types and reads its thresholds in percent."""
    if is_ratio(attribute, unit_code):
        return 100.0
    if unit_code == "P1":
        return 1.0
    return None


def unit_shown(attribute: str, unit_code: str | None) -> str:
    """The unit a person reads a measurement in (« % » for a filling level stored as a fraction); "" for none."""
    return "%" if is_ratio(attribute, unit_code) else unit_label(unit_code)


def typed_decimals(value: float, *, most: int = 6) -> int:
    """How many decimals a number was typed with (0.6 → 1, 0.45 → 2, 1500 → 0), at most ``most``."""
    exponent = Decimal(repr(float(value))).normalize().as_tuple().exponent
    return min(-exponent, most) if isinstance(exponent, int) and exponent < 0 else 0


def value_text(value: Any, unit_code: str | None = None, *, attribute: str = "", exact: bool = False) -> str:
    """A measurement as read by a person: French number format, a unit symbol, a ratio as a percentage.

    A reading is rounded to what a person reads (0.6301 m³ → « 0,63 m³ »); ``exact``: a number someone typed
    (a rule's threshold) is written with all its decimals (0.6 → « 0,6 », never « 0,60 » or « 1 »)."""
    if isinstance(value, bool) or value is None:
        return "—" if value is None else str(value)
    if isinstance(value, int | float):
        if is_ratio(attribute, unit_code) and 0 <= value <= 1:
            percent = round(value * 100, 9)
            return f"{number_format(percent, typed_decimals(percent) if exact else 0)} %"
        if exact:
            digits = typed_decimals(value)
        else:
            digits = 0 if float(value).is_integer() or abs(value) >= 100 else 1 if abs(value) >= 10 else 2
        text = number_format(value, digits, use_l10n=True, force_grouping=True)
        unit = unit_label(unit_code)
        return f"{text} {unit}" if unit else text
    return str(TEXT_VALUE_LABELS.get(str(value), value))


def measure_text(attribute: str, value: Any, unit_code: str | None = None) -> str:
    """A reading with its measurement's name: « Consommation d'eau : 0,63 m³ » (an alert's wording)."""
    return gettext("%(measure)s : %(value)s") % {
        "measure": attribute_label(attribute),
        "value": value_text(value, unit_code, attribute=short_name(attribute)),
    }


def instant_recent(moment: datetime | None) -> str:
    """A stored instant as one says a recent one (« aujourd'hui à 21 h », core.dates), falling back to
    `instant_in_words` for an instant the time zone cannot hold."""
    if moment is None:
        return "—"
    try:
        return recent_moment(moment)
    except OverflowError:
        return instant_in_words(moment)


def instant_in_words(moment: datetime | None) -> str:
    """A stored instant in words in the commune's time zone (« 1er décembre 2026 à 14:30 », core.dates); "—" for
    none, and in UTC, said so, when the time zone cannot hold it (31 December 9999 at 23:30 UTC is
    year 10000 in Paris: the ingestion refuses such instants, but a page shows whatever is stored)."""
    if moment is None:
        return "—"
    try:
        return long_datetime(moment)
    except OverflowError:
        return f"{long_datetime(moment.astimezone(UTC).replace(tzinfo=None))} UTC"
