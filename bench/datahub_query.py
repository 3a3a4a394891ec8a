"""p95 of GET /ngsi-ld/v1/entities with a q expression and a geo-query over 100,000 entities.

100,000 WasteContainer entities spread over a 40 km square; each query asks for the containers fuller than
80 % within 1 km of a random point (near;maxDistance==1000 plus q=fillingLevel>0.8), through the Django
test client (no HTTP server). Baseline: Stellio publishes 1.44 s p95 for a q query over 100k entities on
8 vCPU; goal < 100 ms.

    python bench/datahub_query.py [--entities 100000] [--queries 50]
"""

import argparse
import random
import shutil
import time

from _datahub_setup import p95, setup, summary, verdict


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=50)
    args = parser.parse_args()
    tmp = setup()
    from django.test import Client

    from beffroi.core.services import apikey_create, commune_create
    from beffroi.datahub.documents import apply_columns
    from beffroi.datahub.models import Entity
    from beffroi.datahub.ngsild.vocabulary import LOCATION_IRI

    commune = commune_create(name="Bench", slug="bench", insee_code="99999", enabled_modules=["datahub"])
    _, key = apikey_create(commune=commune, scope="read")
    rng = random.Random(1)
    vocab = "https://uri.etsi.org/ngsi-ld/default-context/"
    batch = []
    t0 = time.perf_counter()
    for i in range(args.entities):
        lon, lat = 4.8 + rng.random() * 0.5, 47.1 + rng.random() * 0.36
        entity = Entity(
            commune=commune,
            entity_id=f"urn:ngsi-ld:WasteContainer:{i:06d}",
            type_iri=vocab + "WasteContainer",
            type_name="WasteContainer",
            data={
                vocab + "fillingLevel": {"type": "Property", "value": round(rng.random(), 3)},
                vocab + "status": {"type": "Property", "value": "ok"},
                LOCATION_IRI: {
                    "type": "GeoProperty",
                    "value": {"type": "Point", "coordinates": [lon, lat]},
                },
            },
        )
        apply_columns(entity)
        batch.append(entity)
        if len(batch) == 5000:
            Entity.objects.bulk_create(batch)
            batch = []
    Entity.objects.bulk_create(batch)
    print(f"set-up: {args.entities:,} entities in {time.perf_counter() - t0:.1f} s")
    client = Client()
    samples, found = [], 0
    for _ in range(args.queries):
        lon, lat = 4.85 + rng.random() * 0.4, 47.15 + rng.random() * 0.26
        t = time.perf_counter()
        response = client.get(
            "/ngsi-ld/v1/entities",
            {
                "type": "WasteContainer",
                "q": "fillingLevel>0.8",
                "georel": "near;maxDistance==1000",
                "geometry": "Point",
                "coordinates": f"[{lon},{lat}]",
                "limit": 100,
            },
            headers={"Authorization": f"Bearer {key}", "NGSILD-Tenant": "bench"},
        )
        samples.append(time.perf_counter() - t)
        assert response.status_code == 200, response.content
        found += len(response.json())
    shutil.rmtree(tmp, ignore_errors=True)
    print(
        f"datahub query (q + near over {args.entities:,} entities): {summary(samples)}; {found / args.queries:.1f} results/query"
    )
    print("baseline: Stellio 1,440 ms p95 (q query, 100k entities, 8 vCPU); goal < 100 ms")
    print(f"  -> {verdict(p95(samples) * 1000, 100)}")


if __name__ == "__main__":
    main()
