"""The observation table partitioned by month on PostgreSQL: partitions made as measurements arrive and ahead
of time, old months archived to compressed CSV and dropped (`beffroi datahub archiver`)."""

import csv
import gzip
import hashlib
import io
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from beffroi.datahub import partitions, services
from beffroi.datahub.models import DailyRollup, Observation
from tests.datahub.helpers import headers, write_key

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="native partitioning is PostgreSQL's (SQLite keeps one table)",
    ),
]

TEMPERATURE = "https://uri.etsi.org/ngsi-ld/default-context/temperature"


@pytest.fixture
def sensor(valbourg):
    partitions.forget()
    return services.entity_create(
        commune=valbourg,
        entity={
            "id": "urn:ngsi-ld:WeatherObserved:parc",
            "type": "https://uri.etsi.org/ngsi-ld/default-context/WeatherObserved",
            TEMPERATURE: {"type": "Property", "value": 4.0},
        },
    )


def post_batch(client, key, sensor, moments, value=1.5):
    items = [
        {"entity": sensor.entity_id, "attribute": "temperature", "observedAt": m.isoformat(), "value": value}
        for m in moments
    ]
    return client.post(
        "/api/datahub/observations",
        data=json.dumps({"observations": items}),
        content_type="application/json",
        headers=headers(key),
    )


def attached():
    return {month: name for name, month in partitions.partitions()}


def test_the_table_is_partitioned_by_month_with_the_instant_in_its_primary_key():
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE relname = 'datahub_observation'")
        assert cursor.fetchone()[0] == "p"
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'datahub_observation'::regclass AND contype = 'p'"
        )
        assert cursor.fetchone()[0] == "PRIMARY KEY (id, observed_at)"


def test_measurements_of_any_month_are_stored_in_that_month_s_partition_once(client, valbourg, sensor):
    key = write_key(valbourg)
    moments = [datetime(2024, 11, 30, 23, 30, tzinfo=UTC) + timedelta(hours=h) for h in range(0, 24 * 40, 6)]
    response = post_batch(client, key, sensor, moments)
    assert response.json() == {"accepted": len(moments), "duplicates": 0, "rejected": []}
    assert {date(2024, 11, 1), date(2024, 12, 1), date(2025, 1, 1)} <= set(attached())
    # a replayed batch is still recognised across partitions
    assert post_batch(client, key, sensor, moments).json()["duplicates"] == len(moments)
    assert Observation.objects.filter(entity=sensor).count() == len(moments)
    # a partition dropped behind this process's back (another server archived it) is made again
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE datahub_observation_p2023_05") if date(2023, 5, 1) in attached() else None
    post_batch(client, key, sensor, [datetime(2023, 5, 2, tzinfo=UTC)])
    partitions.forget()
    partitions._known.add((str(connection.settings_dict["NAME"]), date(2023, 6, 1)))  # believed, not there
    assert post_batch(client, key, sensor, [datetime(2023, 6, 2, tzinfo=UTC)]).json()["accepted"] == 1
    assert date(2023, 6, 1) in attached()


def test_the_coming_months_are_made_ahead_by_the_alerts_pass(valbourg):
    partitions.forget()
    call_command("alerts", stdout=io.StringIO())
    this_month = partitions.month_of(datetime.now(UTC))
    ahead = [this_month]
    for _ in range(partitions.AHEAD_MONTHS):
        ahead.append(partitions.next_month(ahead[-1]))
    assert set(ahead) <= set(attached())


@pytest.mark.django_db(transaction=True)  # archiving runs in transactions of its own, after the ingestion's
def test_old_months_are_archived_to_compressed_csv_then_dropped(client, valbourg, sensor, tmp_path):
    key = write_key(valbourg)
    moments = [datetime(2024, 11, 20, tzinfo=UTC) + timedelta(hours=h) for h in range(0, 24 * 60, 12)]
    post_batch(client, key, sensor, moments)
    kept = [m for m in moments if m >= datetime(2025, 1, 1, tzinfo=UTC)]
    out = io.StringIO()
    call_command("datahub", "archiver", "--avant", "2025-01", "--dossier", str(tmp_path), stdout=out)
    assert date(2024, 11, 1) not in attached() and date(2024, 12, 1) not in attached()
    assert date(2025, 1, 1) in attached()
    assert Observation.objects.filter(entity=sensor).count() == len(kept)
    for month in ("2024-11", "2024-12"):
        archive = tmp_path / f"observations-{month}.csv.gz"
        rows = list(csv.DictReader(io.StringIO(gzip.decompress(archive.read_bytes()).decode())))
        expected = [m for m in moments if f"{m:%Y-%m}" == month]
        assert len(rows) == len(expected) and f"{len(expected)} mesures archivées" in out.getvalue()
        assert {row["attribute"] for row in rows} == {TEMPERATURE} and rows[0]["value_num"] == "1.5"
        checksum = (tmp_path / f"observations-{month}.csv.gz.sha256").read_text().split()[0]
        assert checksum == hashlib.sha256(archive.read_bytes()).hexdigest()
    # the roll-ups keep the archived months' history for the dashboards
    assert (
        DailyRollup.objects.filter(entity=sensor, bucket__lt=datetime(2025, 1, 1, tzinfo=UTC)).count() == 42
    )
    # a late measurement of an archived month is accepted again, and archived by the next run
    assert post_batch(client, key, sensor, [datetime(2024, 12, 24, tzinfo=UTC)], 9.0).json()["accepted"] == 1
    call_command(
        "datahub", "archiver", "--avant", "2025-01", "--dossier", str(tmp_path), stdout=io.StringIO()
    )
    assert (tmp_path / "observations-2024-12-2.csv.gz").exists()
    with pytest.raises(CommandError):
        call_command("datahub", "archiver", "--avant", "janvier", stdout=io.StringIO())
