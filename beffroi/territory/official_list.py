"""The official list of French communes, bundled as data, and its search.

Source: the npm package ``@etalab/decoupage-administratif`` (Etalab, code MIT, data under the Licence Ouverte),
built from INSEE's Code officiel géographique, INSEE's légal populations, the DGCL's list of EPCI and La Poste's
postal codes. ``compact()`` turns the package's ``communes.json``, ``departements.json``, ``regions.json`` and
``epci.json`` into one small gzipped file (``data/communes.json.gz``, committed) that ``load()`` reads once per
process; nothing is fetched at run time. The package has no geographic centre for a commune: the centre comes
from the contour the operator uploads, or is typed in.

Search (``search()``): by name or INSEE code or postal code, accents, case, hyphens and apostrophes ignored,
"st"/"ste" read as "saint"/"sainte"; a name query matches at the start of a word ("st jean" finds
Saint-Jean-de-Luz, "jean" finds Saint-Jean too, "ean" finds nothing). Pure: no Django.
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from beffroi.core.text import normalise

DATA_FILE = Path(__file__).resolve().parent / "data" / "communes.json.gz"
FORMAT_VERSION = 1
_APOSTROPHES = re.compile(r"['’]")
_CODE = re.compile(r"^(\d|2[ab]|\d[0-9ab])[0-9]{0,4}$")


@dataclass(frozen=True)
class OfficialCommune:
    """One commune actuelle of the official list."""

    insee_code: str
    name: str
    population: int
    departement_code: str
    departement: str
    region_code: str
    region: str
    epci_siren: str
    epci: str
    postal_codes: tuple[str, ...]
    zone: str  # metro, drom or com

    @property
    def label(self) -> str:
        """The name with its département, to tell apart the communes that share a name."""
        return f"{self.name} ({self.departement_code} · {self.departement})"


def compact(
    *,
    communes: list[dict[str, Any]],
    departements: list[dict[str, Any]],
    regions: list[dict[str, Any]],
    epcis: list[dict[str, Any]],
    source: str,
) -> dict[str, Any]:
    """The bundled file's content, from the package's four JSON files: communes actuelles only (no communes
    déléguées or associées, no arrondissements municipaux), each row
    ``[code, name, population, département, EPCI SIREN, postal codes]``, the names of départements, régions
    and EPCI in their own tables."""
    epci_of: dict[str, str] = {}
    for epci in epcis:
        for member in epci.get("membres", ()):
            epci_of[member["code"]] = epci["code"]
    rows = [
        [
            c["code"],
            c["nom"],
            int(c.get("population") or 0),
            c["departement"],
            epci_of.get(c["code"], ""),
            sorted(c.get("codesPostaux") or []),
        ]
        for c in communes
        if c.get("type") == "commune-actuelle"
    ]
    rows.sort(key=lambda row: row[0])
    used_epcis = {row[4] for row in rows}
    return {
        "format": FORMAT_VERSION,
        "source": source,
        "departements": {d["code"]: [d["nom"], d["region"], d.get("zone", "metro")] for d in departements},
        "regions": {r["code"]: r["nom"] for r in regions},
        "epci": {e["code"]: e["nom"] for e in epcis if e["code"] in used_epcis},
        "communes": rows,
    }


def write(content: dict[str, Any], path: Path = DATA_FILE) -> None:
    """Write the compact list, gzipped, reproducibly (no timestamp in the gzip header)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()
    with path.open("wb") as out, gzip.GzipFile(fileobj=out, mode="wb", mtime=0, filename="") as archive:
        archive.write(raw)


class OfficialList:
    """The list in memory, with a normalised index built once."""

    def __init__(self, content: dict[str, Any]):
        if content.get("format") != FORMAT_VERSION:
            raise ValueError("unknown format of the communes file")
        self.source: str = content["source"]
        departements = content["departements"]
        regions = content["regions"]
        epcis = content["epci"]
        self.communes: list[OfficialCommune] = []
        for code, name, population, dep, epci, postal in content["communes"]:
            dep_name, region_code, zone = departements.get(dep, ["", "", "metro"])
            self.communes.append(
                OfficialCommune(
                    insee_code=code,
                    name=name,
                    population=population,
                    departement_code=dep,
                    departement=dep_name,
                    region_code=region_code,
                    region=regions.get(region_code, ""),
                    epci_siren=epci,
                    epci=epcis.get(epci, ""),
                    postal_codes=tuple(postal),
                    zone=zone,
                )
            )
        self.by_code = {c.insee_code: c for c in self.communes}
        # " saint jean de luz" — the leading space makes "contains ' ' + query" a match at a word's start.
        self._names = [" " + normalise(c.name) for c in self.communes]
        # The same with the apostrophes dropped rather than spaced: "labergement" finds L'Abergement too.
        self._joined = [" " + normalise(_APOSTROPHES.sub("", c.name)) for c in self.communes]

    def __len__(self) -> int:
        return len(self.communes)

    def get(self, insee_code: str) -> OfficialCommune | None:
        return self.by_code.get(insee_code.strip().upper())

    def search(self, query: str, *, limit: int = 20) -> list[OfficialCommune]:
        """Communes whose name has the query at the start of a word, or whose INSEE or postal code starts with
        it; the exact name first, then names that start with it, then the others, each by population."""
        text = normalise(query)
        if not text:
            return []
        compact_query = text.replace(" ", "")
        if _CODE.match(compact_query):
            code = compact_query.upper()
            found = [
                c
                for c in self.communes
                if c.insee_code.startswith(code) or any(p.startswith(code) for p in c.postal_codes)
            ]
            found.sort(key=lambda c: (c.insee_code != code, code not in c.postal_codes, -c.population))
            return found[:limit]
        needle = " " + text
        ranked: list[tuple[int, int, str, OfficialCommune]] = []
        for name, joined, commune in zip(self._names, self._joined, self.communes, strict=True):
            position = name.find(needle)
            if position < 0:
                name, position = joined, joined.find(needle)
                if position < 0:
                    continue
            rank = 0 if name == needle else 1 if position == 0 else 2
            ranked.append((rank, -commune.population, commune.insee_code, commune))
        ranked.sort(key=lambda item: item[:3])
        return [item[3] for item in ranked[:limit]]


@lru_cache(maxsize=4)
def load(path: Path = DATA_FILE) -> OfficialList:
    """The bundled list, read once per process."""
    with gzip.open(path, "rt", encoding="utf-8") as source:
        return OfficialList(json.load(source))


# Rough bounding boxes (west, south, east, north) of each part of France, by département code for the DROM and
# COM, to refuse a contour drawn on the other side of the world. Metropolitan France includes Corsica.
METRO_BOX = (-5.3, 41.2, 9.7, 51.2)
OVERSEAS_BOXES = {
    "971": (-61.9, 15.8, -60.9, 16.6),  # Guadeloupe
    "972": (-61.3, 14.3, -60.7, 14.9),  # Martinique
    "973": (-54.7, 2.0, -51.5, 5.9),  # Guyane
    "974": (55.1, -21.5, 55.9, -20.8),  # La Réunion
    "975": (-56.5, 46.7, -56.1, 47.2),  # Saint-Pierre-et-Miquelon
    "976": (44.9, -13.1, 45.4, -12.5),  # Mayotte
    "977": (-63.0, 17.8, -62.7, 18.0),  # Saint-Barthélemy
    "978": (-63.2, 18.0, -62.9, 18.2),  # Saint-Martin
    "986": (-178.3, -14.5, -176.0, -13.1),  # Wallis-et-Futuna
    "987": (-154.8, -28.0, -134.4, -7.8),  # Polynésie française
    "988": (163.5, -22.8, 168.2, -19.5),  # Nouvelle-Calédonie
}


def territory_box(departement_code: str) -> tuple[float, float, float, float] | None:
    """The bounding box of the part of France a département belongs to (None for the TAAF and Clipperton,
    whose scattered islands no box describes)."""
    if len(departement_code) == 3:
        return OVERSEAS_BOXES.get(departement_code)
    return METRO_BOX
