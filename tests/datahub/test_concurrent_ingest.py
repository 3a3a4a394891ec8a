"""Two writers ingesting at once (PostgreSQL), into a month whose partition does not exist yet, the same series
in opposite orders: both succeed and every measurement is counted. Before, one of them failed with « relation …
already exists » (both created the month's partition). The rows' locks are also taken in one order by every
writer: under load (bench/syndicat.py, batches only, 50 connections) two batches with the same entities in
different orders deadlocked, 16 errors in 2,424 batches before, none in 3,695 after — too rare between two threads
of one process for this test to show."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from beffroi.datahub import services
from beffroi.datahub.models import HourlyRollup
from tests.factories import CommuneFactory

pytestmark = pytest.mark.django_db(transaction=True)
WHEN = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)
POWER = "https://uri.etsi.org/ngsi-ld/default-context/power"
ROUNDS = 15


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="SQLite has one writer at a time")
def test_two_writers_of_a_new_month_in_opposite_orders_both_succeed():
    commune = CommuneFactory(slug="verrous")
    entities = [
        services.entity_create(
            commune=commune,
            entity={"id": f"urn:ngsi-ld:Streetlight:verrous-{n}", "type": "Streetlight"},
            audit=False,
        )
        for n in range(12)
    ]
    errors, start = [], threading.Barrier(2)

    def writer(order, second):
        try:
            start.wait(10)
            for round_ in range(ROUNDS):
                moment = WHEN + timedelta(seconds=2 * round_ + second)
                services.observation_ingest_documents(  # the batch API's path, documents in their order
                    commune=commune,
                    documents=[
                        {
                            "entity": e.entity_id,
                            "attribute": "power",
                            "observedAt": moment.isoformat(),
                            "value": 1,
                        }
                        for e in order
                    ],
                    expand_attribute=lambda name: POWER,
                )
        except Exception as error:  # what the test must not see
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=writer, args=(entities, 0)),
        threading.Thread(target=writer, args=(entities[::-1], 1)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert set(HourlyRollup.objects.values_list("count", flat=True)) == {2 * ROUNDS}
