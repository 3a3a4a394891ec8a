"""Reading a Base Adresse Locale file: the national BAL CSV format of the AITF, versions 1.3 and 1.4 (no Django).

The format (« Format Base Adresse Locale », AITF, groupe de travail SIG-Topo; the national BAL validator's
profiles « BAL 1.3 » and « BAL 1.4 »): UTF-8 (a BOM allowed), « ; » between columns, one address a line,
with the columns

    [id_ban_commune; id_ban_toponyme; id_ban_adresse;]   (1.4 only)
    uid_adresse; cle_interop; commune_insee; commune_nom; [commune_deleguee_insee; commune_deleguee_nom;]
    voie_nom; lieudit_complement_nom; numero; suffixe; position; x; y; long; lat; cad_parcelles; source;
    date_der_maj; certification_commune

plus optional translated names (``voie_nom_bre``…), ignored here. ``cle_interop`` is
``<INSEE>_<voie>_<numéro sur 5 chiffres>[_<suffixe>]`` in lower case; the number 99999 names a street or a
lieu-dit without an address (a toponym), which carries no point to geocode and is skipped. ``long``/``lat``
are WGS84 decimal degrees; when they are empty, ``x``/``y`` in Lambert-93 (EPSG:2154) are converted.

Errors are codes with their parameters (``BalError``), turned into sentences by the caller, so the same file
reads the same way in every language.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from datetime import date

REQUIRED_COLUMNS = ("cle_interop", "voie_nom", "numero", "long", "lat")
KNOWN_COLUMNS = (
    "id_ban_commune",
    "id_ban_toponyme",
    "id_ban_adresse",
    "uid_adresse",
    "cle_interop",
    "commune_insee",
    "commune_nom",
    "commune_deleguee_insee",
    "commune_deleguee_nom",
    "voie_nom",
    "lieudit_complement_nom",
    "numero",
    "suffixe",
    "position",
    "x",
    "y",
    "long",
    "lat",
    "cad_parcelles",
    "source",
    "date_der_maj",
    "certification_commune",
)
POSITION_KINDS = (
    "entrée",
    "bâtiment",
    "cage d'escalier",
    "logement",
    "parcelle",
    "segment",
    "service technique",
    "délivrance postale",
)
TOPONYM_NUMBER = 99999
MAX_ROWS = 200_000
_INTEROP = re.compile(r"^(\d[\dab]\d{3})_([0-9a-z]{4,6})_(\d{5})(?:_([a-z0-9]+))?$")


@dataclass(frozen=True)
class BalError:
    """A line that cannot be read: its line number in the file (the header is line 1), a code, parameters."""

    line: int
    code: str
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BalAddress:
    interop_key: str
    insee: str
    street: str
    locality: str
    number: int
    suffix: str
    position_kind: str
    latitude: float
    longitude: float
    parcels: str
    certified: bool
    updated_on: date | None
    line: int = 0  # the line of the file it was read from


@dataclass
class BalFile:
    addresses: list[BalAddress]
    errors: list[BalError]
    skipped_toponyms: int = 0


def lambert93_to_wgs84(x: float, y: float) -> tuple[float, float]:
    """(latitude, longitude) in degrees of a Lambert-93 point (EPSG:2154, RGF93 ≈ WGS84 to a metre).

    Inverse Lambert conformal conic (IGN, note NT/G 71, algorithms ALG0004 and ALG0001), with the
    projection's published constants.
    """
    n, c, xs, ys = 0.7256077650532670, 11754255.426096, 700000.0, 12655612.049876
    e = 0.0818191910428158  # GRS80 first eccentricity
    lon0 = math.radians(3.0)
    dx, dy = x - xs, ys - y
    radius = math.hypot(dx, dy)
    gamma = math.atan2(dx, dy)
    longitude = lon0 + gamma / n
    iso = -math.log(radius / c) / n
    phi = 2 * math.atan(math.exp(iso)) - math.pi / 2
    for _ in range(20):
        s = e * math.sin(phi)
        nxt = 2 * math.atan(((1 + s) / (1 - s)) ** (e / 2) * math.exp(iso)) - math.pi / 2
        if abs(nxt - phi) < 1e-12:
            phi = nxt
            break
        phi = nxt
    return math.degrees(phi), math.degrees(longitude)


def _float(value: str) -> float | None:
    value = value.strip().replace(",", ".")
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip()[:10]) if value.strip() else None
    except ValueError:
        return None


def read(text: str, *, insee: str | None = None) -> BalFile:
    """Read a BAL CSV text: every address that can be read, and an error for each line that cannot.

    ``insee``: the commune's code; a line of another commune is an error (a BAL is one commune's file, and
    an intercommunal BAL is imported commune by commune).
    """
    text = text.lstrip("\ufeff")
    if not text.strip():
        return BalFile([], [BalError(1, "empty")])
    reader = csv.reader(io.StringIO(text), delimiter=";")
    try:
        header = [h.strip().lower() for h in next(reader)]
    except (csv.Error, StopIteration):
        return BalFile([], [BalError(1, "empty")])
    if len(header) == 1 and "," in header[0]:
        return BalFile([], [BalError(1, "separator")])
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if "x" in header and "y" in header:  # Lambert-93 coordinates stand in for long/lat
        missing = [c for c in missing if c not in ("long", "lat")]
    if missing:
        return BalFile([], [BalError(1, "columns", {"columns": ", ".join(missing)})])
    index = {name: i for i, name in enumerate(header)}
    result = BalFile([], [])
    seen: set[str] = set()
    line = 1
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if line > MAX_ROWS + 1:
                result.errors.append(BalError(line, "too_many", {"max": str(MAX_ROWS)}))
                break
            if len(row) != len(header):
                result.errors.append(
                    BalError(line, "cell_count", {"found": str(len(row)), "expected": str(len(header))})
                )
                continue
            cell = {name: row[i].strip() for name, i in index.items()}
            item = _row(cell, line, insee, result)
            if item is None:
                continue
            if item.interop_key in seen:
                result.errors.append(BalError(line, "duplicate", {"key": item.interop_key}))
                continue
            seen.add(item.interop_key)
            result.addresses.append(item)
    except csv.Error:
        result.errors.append(BalError(line + 1, "csv"))
    return result


def _row(cell: dict[str, str], line: int, insee: str | None, result: BalFile) -> BalAddress | None:
    key = cell.get("cle_interop", "").lower()
    match = _INTEROP.match(key)
    if not match:
        result.errors.append(BalError(line, "interop_key", {"value": cell.get("cle_interop", "")}))
        return None
    code = cell.get("commune_insee") or match.group(1)
    if insee and code.upper() != insee.upper():
        result.errors.append(BalError(line, "other_commune", {"value": code, "expected": insee}))
        return None
    number_text = cell.get("numero", "")
    if not number_text.isdigit():
        result.errors.append(BalError(line, "number", {"value": number_text}))
        return None
    number = int(number_text)
    if number == TOPONYM_NUMBER:
        result.skipped_toponyms += 1
        return None
    if number != int(match.group(3)):
        result.errors.append(BalError(line, "number_key", {"value": number_text, "key": key}))
        return None
    street = cell.get("voie_nom", "")
    if not street:
        result.errors.append(BalError(line, "street"))
        return None
    latitude, longitude = _float(cell.get("lat", "")), _float(cell.get("long", ""))
    if latitude is None or longitude is None:
        x, y = _float(cell.get("x", "")), _float(cell.get("y", ""))
        if x is None or y is None:
            result.errors.append(BalError(line, "position"))
            return None
        if not (-400_000 <= x <= 1_400_000 and 5_900_000 <= y <= 7_200_000):
            result.errors.append(BalError(line, "lambert"))
            return None
        latitude, longitude = lambert93_to_wgs84(x, y)
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        result.errors.append(
            BalError(line, "coordinates", {"lat": cell.get("lat", ""), "long": cell.get("long", "")})
        )
        return None
    position = cell.get("position", "").lower()
    if position and position not in POSITION_KINDS:
        result.errors.append(BalError(line, "position_kind", {"value": cell.get("position", "")}))
        return None
    return BalAddress(
        interop_key=key,
        insee=code,
        street=street[:200],
        locality=cell.get("lieudit_complement_nom", "")[:200],
        number=number,
        suffix=cell.get("suffixe", "").lower()[:10],
        position_kind=position,
        latitude=round(latitude, 7),
        longitude=round(longitude, 7),
        parcels=cell.get("cad_parcelles", "")[:200],
        certified=cell.get("certification_commune", "") in ("1", "true", "TRUE", "oui"),
        updated_on=_date(cell.get("date_der_maj", "")),
        line=line,
    )


def write(addresses: list[BalAddress], *, commune_name: str, source: str) -> str:
    """A BAL 1.3 CSV text of these addresses (the demo communes' files; an export of the commune's base)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [
            "uid_adresse",
            "cle_interop",
            "commune_insee",
            "commune_nom",
            "commune_deleguee_insee",
            "commune_deleguee_nom",
            "voie_nom",
            "lieudit_complement_nom",
            "numero",
            "suffixe",
            "position",
            "x",
            "y",
            "long",
            "lat",
            "cad_parcelles",
            "source",
            "date_der_maj",
            "certification_commune",
        ]
    )
    for a in addresses:
        writer.writerow(
            [
                "",
                a.interop_key,
                a.insee,
                commune_name,
                "",
                "",
                a.street,
                a.locality,
                a.number,
                a.suffix,
                a.position_kind,
                "",
                "",
                f"{a.longitude:.7f}",
                f"{a.latitude:.7f}",
                a.parcels,
                source,
                a.updated_on.isoformat() if a.updated_on else "",
                "1" if a.certified else "0",
            ]
        )
    return out.getvalue()
