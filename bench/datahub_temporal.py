"""Daily averages over one year of 10-minute data for one attribute, through the NGSI-LD temporal API.

52,560 measurements are ingested (roll-ups maintained on the way), then
GET /temporal/entities/{id}?options=aggregatedValues&aggrMethods=avg&aggrPeriodDuration=P1D over the year is
timed; it is answered from the daily roll-ups. Beside it: the same averages computed from the raw rows.
Baseline: Scorpio users report over a minute for 10,000 points; goal < 50 ms.

    python bench/datahub_temporal.py [--queries 30]
"""

import argparse
import shutil
import time
from datetime import UTC, datetime, timedelta

from _datahub_setup import p95, setup, summary, verdict


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--queries", type=int, default=30)
    args = parser.parse_args()
    tmp = setup()
    from django.test import Client

    from beffroi.core.services import apikey_create, commune_create
    from beffroi.datahub import services
    from beffroi.datahub.models import Observation
    from beffroi.datahub.ngsild.temporal import aggregate

    commune = commune_create(name="Bench", slug="bench", insee_code="99999", enabled_modules=["datahub"])
    _, key = apikey_create(commune=commune, scope="read")
    vocab = "https://uri.etsi.org/ngsi-ld/default-context/"
    entity = services.entity_create(
        commune=commune,
        entity={"id": "urn:ngsi-ld:WeatherObserved:1", "type": vocab + "WeatherObserved"},
        audit=False,
    )
    start = datetime(2025, 1, 1, tzinfo=UTC)
    points = [start + timedelta(minutes=10 * i) for i in range(365 * 144)]
    for i in range(0, len(points), 10000):
        services.observation_ingest_batch(
            commune=commune,
            measurements=[
                services.Measurement(entity.entity_id, vocab + "temperature", t, 10 + (t.hour % 12), "CEL")
                for t in points[i : i + 10000]
            ],
        )
    client = Client()
    params = {
        "attrs": "temperature",
        "options": "aggregatedValues",
        "aggrMethods": "avg",
        "aggrPeriodDuration": "P1D",
        "timerel": "between",
        "timeAt": "2025-01-01T00:00:00Z",
        "endTimeAt": "2026-01-01T00:00:00Z",
    }
    samples = []
    for _ in range(args.queries):
        t = time.perf_counter()
        response = client.get(
            f"/ngsi-ld/v1/temporal/entities/{entity.entity_id}",
            params,
            headers={"Authorization": f"Bearer {key}", "NGSILD-Tenant": "bench"},
        )
        samples.append(time.perf_counter() - t)
        assert response.status_code == 200 and len(response.json()["temperature"]["avg"]) == 365, (
            response.content[:300]
        )
    t = time.perf_counter()
    rows = list(Observation.objects.filter(entity=entity).values_list("observed_at", "value_num"))
    raw = aggregate(rows, ["avg"], "P1D", origin=start, end=start + timedelta(days=365))
    raw_time = time.perf_counter() - t
    assert len(raw["avg"]) == 365
    shutil.rmtree(tmp, ignore_errors=True)
    print(
        f"datahub temporal (daily avg over a year of 10-min data, {len(points):,} points): {summary(samples)}"
    )
    print(
        f"baseline: from the raw rows in this run {raw_time * 1000:.0f} ms; Scorpio users report > 60 s for 10,000 points; goal < 50 ms"
    )
    print(f"  -> {verdict(p95(samples) * 1000, 50)}")


if __name__ == "__main__":
    main()
