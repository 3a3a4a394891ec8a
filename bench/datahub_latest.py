"""Latest values of 1,000 entities for a dashboard (4 measured attributes each).

Times selectors.latest_values (what the dashboards use) and the NGSI-LD query of the same 1,000 entities
with options=keyValues. Goal < 100 ms.

    python bench/datahub_latest.py [--runs 30]
"""

import argparse
import shutil
import time
from datetime import UTC, datetime, timedelta

from _datahub_setup import p95, setup, summary, verdict


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    tmp = setup()
    from django.test import Client

    from beffroi.core.services import apikey_create, commune_create
    from beffroi.datahub import selectors, services

    commune = commune_create(name="Bench", slug="bench", insee_code="99999", enabled_modules=["datahub"])
    _, key = apikey_create(commune=commune, scope="read")
    vocab = "https://uri.etsi.org/ngsi-ld/default-context/"
    entities = [
        services.entity_create(
            commune=commune,
            entity={"id": f"urn:ngsi-ld:Streetlight:{i:04d}", "type": vocab + "Streetlight"},
            audit=False,
        )
        for i in range(1000)
    ]
    now = datetime(2026, 1, 1, tzinfo=UTC)
    measurements = [
        services.Measurement(e.entity_id, vocab + name, now - timedelta(minutes=10 * k), float(k), "")
        for e in entities
        for name in ("powerConsumption", "illuminanceLevel", "voltage", "current")
        for k in range(3)
    ]
    services.observation_ingest_batch(commune=commune, measurements=measurements)
    selector_samples, api_samples = [], []
    client = Client()
    for _ in range(args.runs):
        t = time.perf_counter()
        values = selectors.latest_values(entities=selectors.dashboard_entities(commune=commune, see_all=True))
        selector_samples.append(time.perf_counter() - t)
        assert len(values) == 1000 and all(len(v) == 4 for v in values.values())
        t = time.perf_counter()
        response = client.get(
            "/ngsi-ld/v1/entities",
            {"type": "Streetlight", "limit": 1000, "options": "keyValues"},
            headers={"Authorization": f"Bearer {key}", "NGSILD-Tenant": "bench"},
        )
        api_samples.append(time.perf_counter() - t)
        assert len(response.json()) == 1000
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"datahub latest values of 1,000 entities: dashboard selector {summary(selector_samples)}")
    print(f"  NGSI-LD GET /entities?limit=1000&options=keyValues: {summary(api_samples)}")
    print("baseline: goal < 100 ms")
    print(f"  -> dashboard selector {verdict(p95(selector_samples) * 1000, 100)}")
    print(f"  -> NGSI-LD keyValues {verdict(p95(api_samples) * 1000, 100)}")


if __name__ == "__main__":
    main()
