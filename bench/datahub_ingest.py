"""Ingestion rate of the data hub through the measurement batch API, beside the raw insert rate.

Runs in-process (Django test client, no HTTP server) on a fresh SQLite database (or DATABASE_URL):
100 entities, batches of 10,000 measurements POSTed to /api/datahub/observations (with roll-ups and latest
values maintained), then the same volume inserted raw with bulk_create (the ceiling of this design).
Goal: the API reaches at least half the raw rate and at least 20,000 measurements/s on SQLite.

    python bench/datahub_ingest.py [--batches 10] [--batch-size 10000]
"""

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=10000)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp()
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beffroi.settings")
    os.environ.setdefault("BEFFROI_DATA_DIR", tmp)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    from beffroi.core.services import apikey_create, commune_create
    from beffroi.datahub import services
    from beffroi.datahub.models import Observation

    commune = commune_create(name="Bench", slug="bench", insee_code="99999", enabled_modules=["datahub"])
    _, key = apikey_create(commune=commune, scope="write")
    entities = [
        services.entity_create(
            commune=commune,
            entity={
                "id": f"urn:ngsi-ld:Sensor:{i}",
                "type": "https://uri.etsi.org/ngsi-ld/default-context/Sensor",
            },
            audit=False,
        )
        for i in range(100)
    ]
    client = Client()
    start_time = datetime(2025, 1, 1, tzinfo=UTC)
    total = 0
    elapsed = 0.0
    for b in range(args.batches):
        items = []
        for n in range(args.batch_size):
            k = b * args.batch_size + n
            items.append(
                {
                    "entity": f"urn:ngsi-ld:Sensor:{k % 100}",
                    "attribute": "temperature",
                    "observedAt": (start_time + timedelta(minutes=10 * (k // 100))).isoformat(),
                    "value": 15 + (k % 37) / 3,
                }
            )
        body = json.dumps({"observations": items})
        t0 = time.perf_counter()
        response = client.post(
            "/api/datahub/observations",
            data=body,
            content_type="application/json",
            headers={"Authorization": f"Bearer {key}"},
        )
        elapsed += time.perf_counter() - t0
        assert response.status_code == 200, response.content
        total += response.json()["accepted"]
    api_rate = total / elapsed
    # Raw ceiling: the same number of rows inserted with one executemany, no checks, no roll-ups.
    from django.db import connection, transaction

    raw_start = start_time + timedelta(days=3650)
    sqlite = connection.vendor == "sqlite"
    rows = []
    for k in range(total):
        moment = raw_start + timedelta(minutes=10 * (k // 100))
        rows.append(
            (
                entities[k % 100].pk,
                "https://uri.etsi.org/ngsi-ld/default-context/temperature",
                moment.replace(tzinfo=None).isoformat(" ") if sqlite else moment,
                1.0,
                None,
                "",
            )
        )
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for i in range(0, total, args.batch_size):
            cursor.executemany(
                f"INSERT INTO {Observation._meta.db_table} (entity_id, attribute, observed_at, value_num, value_text, unit_code) VALUES (%s, %s, %s, %s, %s, %s)",
                rows[i : i + args.batch_size],
            )
    raw_rate = total / (time.perf_counter() - t0)
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(
        f"datahub ingest ({engine}): API batch {api_rate:,.0f} measurements/s ({total:,} in {elapsed:.2f} s)"
    )
    print(
        f"baseline: raw bulk insert {raw_rate:,.0f} rows/s; goal: API >= 50% of raw ({raw_rate / 2:,.0f}/s) and >= 20,000/s"
    )
    met = api_rate >= raw_rate / 2 and api_rate >= 20_000
    print(
        f"  -> API {api_rate:,.0f}/s = {api_rate / raw_rate:.0%} of raw vs goal >= 50% and >= 20,000/s: "
        + ("met" if met else "NOT met")
    )


if __name__ == "__main__":
    main()
