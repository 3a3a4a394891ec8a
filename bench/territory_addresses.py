"""Benchmark: address search (the report form's suggestions, an address typed without JavaScript) and the
nearest address of a tapped point, in a commune of 20,000 addresses (a town of about 40,000 inhabitants).
Goal: p95 < 20 ms for each, through the selectors (what every request pays, without the HTTP layer).

Runs in-process against a throw-away SQLite database in a temporary data directory.
Run: ``python bench/territory_addresses.py`` (from the repository root).
"""

import os
import random
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ["BEFFROI_DATA_DIR"] = tempfile.mkdtemp(prefix="beffroi-bench-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beffroi.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

ADDRESSES = 20_000
STREETS = 800
SAMPLES = 300
GOAL_MS = 20.0
TYPES = ["Rue", "Avenue", "Chemin", "Impasse", "Allée", "Place", "Route", "Boulevard"]
NAMES = [
    "des Écoles",
    "de la République",
    "Pasteur",
    "Victor-Hugo",
    "du Moulin",
    "des Tilleuls",
    "de la Gare",
    "Jean-Jaurès",
    "du Château",
    "des Vignes",
    "du Stade",
    "des Lilas",
    "de Verdun",
    "Gambetta",
    "des Prés",
    "de l'Église",
    "du Four",
    "des Jardins",
    "de la Fontaine",
    "Saint-Martin",
]


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    call_command("migrate", verbosity=0)
    from beffroi.core.services import commune_create
    from beffroi.territory import bal, selectors, services

    commune = commune_create(
        name="Grandville",
        slug="grandville",
        insee_code="21999",
        latitude=Decimal("47.3"),
        longitude=Decimal("4.8"),
    )
    rng = random.Random(1)
    streets = [
        f"{TYPES[i % len(TYPES)]} {NAMES[i % len(NAMES)]}{'' if i < len(NAMES) else f' {i}'}"
        for i in range(STREETS)
    ]
    rows, n = [], 0
    per_street = ADDRESSES // STREETS
    for s, street in enumerate(streets):
        for k in range(per_street):
            n += 1
            rows.append(
                bal.BalAddress(
                    interop_key=f"21999_{s:04d}_{k + 1:05d}",
                    insee="21999",
                    street=street,
                    locality="",
                    number=k + 1,
                    suffix="",
                    position_kind="entrée",
                    latitude=47.25 + rng.random() * 0.1,
                    longitude=4.75 + rng.random() * 0.1,
                    parcels="",
                    certified=True,
                    updated_on=None,
                )
            )
    started = time.perf_counter()
    result = services.addresses_import(
        commune=commune, text=bal.write(rows, commune_name="Grandville", source="bench")
    )
    imported_s = time.perf_counter() - started
    queries = [
        f"{rng.randint(1, per_street)} {rng.choice(TYPES).lower()} {rng.choice(NAMES)[:6]}"
        for _ in range(SAMPLES)
    ]
    search = []
    for q in queries:
        t = time.perf_counter()
        selectors.address_search(commune=commune, query=q)
        search.append((time.perf_counter() - t) * 1000)
    near = []
    for _ in range(SAMPLES):
        lat, lon = 47.25 + rng.random() * 0.1, 4.75 + rng.random() * 0.1
        t = time.perf_counter()
        selectors.address_nearest(commune=commune, latitude=lat, longitude=lon)
        near.append((time.perf_counter() - t) * 1000)
    print(f"BAL import of {result.imported:,} addresses: {imported_s:.1f} s")
    print(
        f"address search, {STREETS} streets: p50 {statistics.median(search):.1f} ms, p95 {p95(search):.1f} ms (goal < {GOAL_MS:.0f} ms)"
    )
    print(
        f"nearest address: p50 {statistics.median(near):.1f} ms, p95 {p95(near):.1f} ms (goal < {GOAL_MS:.0f} ms)"
    )


if __name__ == "__main__":
    main()
