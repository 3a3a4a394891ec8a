"""Ingestion rate of the data hub through the batch API and through MQTT, beside the raw insert rate.

For each database (SQLite in a temporary file; PostgreSQL in a throw-away cluster started with
scripts/test-postgres.sh on a private port and directory, skipped when PostgreSQL is not installed), a child
process sets up 100 entities with a LoRaWAN device each, then measures in the same run:

- batch API: batches of 10,000 measurements POSTed to /api/datahub/observations (in-process Django test
  client; observations, hourly and daily roll-ups, latest values, entity documents and the alerts hook), one
  request = one transaction;
- raw insert (the ceiling of this design): the same rows (same entities, attribute, values; instants shifted
  ten years so they do not collide) into the same observation table, one executemany of prepared tuples per
  batch of the same size, one transaction per batch like the API. API and raw batches alternate, so both
  write into a table of the same size. On SQLite the write-ahead log is checkpointed, untimed, before each
  timed step: a commit that takes the log past 1,000 pages copies the whole log into the database, and
  without this the API's commit (about 1,100 pages of its own) also paid to copy the raw batch's pages
  (about 800, below the threshold, so the raw step never copied them itself). Each path now pays for its
  own writes only; the raw step's work is unchanged. The baseline still never pays to checkpoint its own
  pages while the API's commit does; for information only, the rate of the raw step counting the (untimed)
  checkpoint of its own pages is printed too — the verdict uses the baseline without it;
- MQTT: The Things Stack v3 uplinks (4 decoded measurements each) published with QoS 1 to a Mosquitto started
  on a free port, timed from the first publish until `beffroi mqtt` (a separate process) has stored them all.

Goal: each path reaches at least half the raw rate, and the batch API at least 20,000 measurements/s on SQLite.

    python bench/datahub_ingest.py [--batches 10] [--batch-size 10000] [--messages 3000] [--engines sqlite,postgresql]
"""

import argparse
import gc
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ENTITIES = 100
MEASURES_PER_UPLINK = 4


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _verdict(label: str, rate: float, raw: float, floor: float = 0) -> str:
    met = rate >= raw / 2 and rate >= floor
    goal = ">= 50% of raw" + (f" and >= {floor:,.0f}/s" if floor else "")
    return (
        f"  -> {label} {rate:,.0f}/s = {rate / raw:.0%} of raw vs goal {goal}: {'met' if met else 'NOT met'}"
    )


def child(args) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beffroi.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    from beffroi.core.services import apikey_create, commune_create
    from beffroi.datahub import services
    from beffroi.datahub.models import Observation

    commune = commune_create(name="Bench", slug="bench", insee_code="99999", enabled_modules=["datahub"])
    _, key = apikey_create(commune=commune, scope="write")
    entities = []
    for i in range(ENTITIES):
        entity = services.entity_create(
            commune=commune,
            entity={
                "id": f"urn:ngsi-ld:Sensor:{i}",
                "type": "https://uri.etsi.org/ngsi-ld/default-context/Sensor",
            },
            audit=False,
        )
        services.device_register(commune=commune, dev_eui=f"70B3D57E{i:08X}", entity=entity)
        entities.append(entity)
    engine = connection.vendor
    sqlite = engine == "sqlite"
    attribute = "https://uri.etsi.org/ngsi-ld/default-context/temperature"
    start_time = datetime(2025, 1, 1, tzinfo=UTC)
    raw_shift = timedelta(days=3650)
    bodies, raw_batches = [], []
    for b in range(args.batches):
        items, rows = [], []
        for n in range(args.batch_size):
            k = b * args.batch_size + n
            moment = start_time + timedelta(minutes=10 * (k // ENTITIES))
            value = 15 + (k % 37) / 3
            items.append(
                {
                    "entity": f"urn:ngsi-ld:Sensor:{k % ENTITIES}",
                    "attribute": "temperature",
                    "observedAt": moment.isoformat(),
                    "value": value,
                }
            )
            raw_moment = moment + raw_shift
            rows.append(
                (
                    entities[k % ENTITIES].pk,
                    attribute,
                    raw_moment.replace(tzinfo=None).isoformat(" ") if sqlite else raw_moment,
                    value,
                    None,
                    "",
                )
            )
        bodies.append(json.dumps({"observations": items}))
        raw_batches.append(rows)
    # PostgreSQL: the raw rows' months need their partitions, made before the timing like the API's are
    from beffroi.datahub import partitions

    with transaction.atomic():
        partitions.ensure_months({row[2] for rows in raw_batches for row in rows if not sqlite})
    client = Client()
    raw_sql = (
        f"INSERT INTO {Observation._meta.db_table} "
        "(entity_id, attribute, observed_at, value_num, value_text, unit_code) VALUES (%s, %s, %s, %s, %s, %s)"
    )
    # Warm-up (imports, URL resolution, first statements prepared): one untimed small batch.
    warm = [
        {
            "entity": f"urn:ngsi-ld:Sensor:{i}",
            "attribute": "warmup",
            "observedAt": start_time.isoformat(),
            "value": 1,
        }
        for i in range(ENTITIES)
    ]
    response = client.post(
        "/api/datahub/observations",
        data=json.dumps({"observations": warm}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 200, response.content
    # What set-up left for the cyclic garbage collector (migrations, 100 entities: ~26,000 objects) is
    # collected now, not by a full collection in the middle of whichever timed step allocates next.
    gc.collect()
    total = api_elapsed = raw_elapsed = raw_checkpoint = 0.0

    def checkpoint() -> float:  # untimed: neither step pays for the other's pages (see the docstring)
        t0 = time.perf_counter()
        if sqlite:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
        return time.perf_counter() - t0

    for body, rows in zip(bodies, raw_batches, strict=True):
        if total:
            raw_checkpoint += checkpoint()  # the previous raw step's pages (information only)
        else:
            checkpoint()
        t0 = time.perf_counter()
        response = client.post(
            "/api/datahub/observations",
            data=body,
            content_type="application/json",
            headers={"Authorization": f"Bearer {key}"},
        )
        api_elapsed += time.perf_counter() - t0
        assert response.status_code == 200, response.content
        assert response.json()["accepted"] == len(rows), response.content
        total += len(rows)
        checkpoint()
        t0 = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(raw_sql, rows)
        raw_elapsed += time.perf_counter() - t0
    raw_checkpoint += checkpoint()
    api_rate = total / api_elapsed
    raw_rate = total / raw_elapsed
    print(f"datahub ingest ({engine}):")
    print(f"  raw insert (baseline): {raw_rate:,.0f} measurements/s ({total:,.0f} in {raw_elapsed:.2f} s)")
    print(f"  batch API: {api_rate:,.0f} measurements/s ({total:,.0f} in {api_elapsed:.2f} s)")
    print(_verdict("batch API", api_rate, raw_rate, 20_000 if sqlite else 0))
    if sqlite:
        with_checkpoint = total / (raw_elapsed + raw_checkpoint)
        print(
            f"  (information: raw insert counting the checkpoint of its own pages, as the API's commit does: "
            f"{with_checkpoint:,.0f}/s; the batch API is {api_rate / with_checkpoint:.0%} of that)"
        )
    if args.messages and shutil.which("mosquitto"):
        rate, count, elapsed = _mqtt(args.messages, attribute)
        print(
            f"  MQTT (TTS v3 uplinks, {MEASURES_PER_UPLINK} measurements each, separate `beffroi mqtt` process):"
        )
        print(f"    {rate:,.0f} measurements/s ({count:,} in {elapsed:.2f} s)")
        print(_verdict("MQTT", rate, raw_rate))
    else:
        print("  MQTT: skipped (mosquitto not installed)")


def _mqtt(messages: int, attribute: str) -> tuple[float, int, float]:
    import paho.mqtt.client as mqtt

    from beffroi.datahub.models import Observation

    tmp = Path(tempfile.mkdtemp())
    port = _free_port()
    config = tmp / "mosquitto.conf"
    config.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
        f"max_queued_messages {messages + 100}\n"
    )
    broker = subprocess.Popen(
        ["mosquitto", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    log_path = tmp / "worker.log"
    worker = None
    # After the API's instants (January 2025) and before the raw rows' (ten years later), within the window
    # ingestion accepts (an uplink received in 2045 is refused: the device's clock would be wrong).
    first = datetime(2025, 6, 1, tzinfo=UTC)
    last = first + timedelta(days=365)
    names = ["temperature", "humidity", "co2", "battery"][:MEASURES_PER_UPLINK]
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        with open(log_path, "w") as log:
            worker = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "beffroi.cli",
                    "mqtt",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--topic",
                    "v3/+/devices/+/up",
                ],
                env={**os.environ, "PYTHONPATH": str(ROOT)},
                cwd=ROOT,
                stdout=log,
                stderr=log,
            )
        deadline = time.monotonic() + 60
        while "MQTT connected" not in log_path.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        payloads = []
        for m in range(messages):
            device = m % ENTITIES
            payloads.append(
                json.dumps(
                    {
                        "end_device_ids": {
                            "device_id": f"s{device}",
                            "dev_eui": f"70B3D57E{device:08X}",
                            "application_ids": {"application_id": "bench"},
                        },
                        "received_at": (first + timedelta(minutes=10 * (m // ENTITIES))).isoformat(),
                        "uplink_message": {
                            "f_cnt": m // ENTITIES + 1,
                            "f_port": 1,
                            "decoded_payload": {n: 10 + (m + i) % 17 for i, n in enumerate(names)},
                        },
                    }
                )
            )
        expected = messages * len(names)
        publisher = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-publisher")
        publisher.max_queued_messages_set(0)
        publisher.connect("127.0.0.1", port)
        publisher.loop_start()
        t0 = time.perf_counter()
        infos = [
            publisher.publish(f"v3/bench@ttn/devices/s{m % ENTITIES}/up", p, qos=1)
            for m, p in enumerate(payloads)
        ]
        for info in infos:
            info.wait_for_publish(30)
        count = 0
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            count = Observation.objects.filter(observed_at__gte=first, observed_at__lt=last).count()
            if count >= expected:
                break
            time.sleep(0.05)
        elapsed = time.perf_counter() - t0
        publisher.loop_stop()
        publisher.disconnect()
        return count / elapsed, count, elapsed
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        broker.terminate()
        broker.wait(timeout=5)
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=10000)
    parser.add_argument("--messages", type=int, default=3000, help="MQTT uplinks (0: skip MQTT)")
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    forwarded = [
        "--batches",
        str(args.batches),
        "--batch-size",
        str(args.batch_size),
        "--messages",
        str(args.messages),
    ]
    for engine in args.engines.split(","):
        tmp = tempfile.mkdtemp()
        env = {**os.environ, "BEFFROI_DATA_DIR": tmp}
        env.pop("DJANGO_SETTINGS_MODULE", None)
        script = ROOT / "scripts" / "test-postgres.sh"
        pg_env = {**os.environ, "BEFFROI_TEST_PGPORT": str(_free_port()), "BEFFROI_TEST_PGDIR": f"{tmp}/pg"}
        try:
            if engine == "sqlite":
                env["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
            else:
                if not list(Path("/usr/lib/postgresql").glob("*/bin/postgres")):
                    print(f"datahub ingest ({engine}): skipped (PostgreSQL is not installed)")
                    continue
                if os.getuid() == 0:
                    os.chmod(tmp, 0o755)
                started = subprocess.run(
                    ["bash", str(script), "start"], env=pg_env, capture_output=True, text=True
                )
                if started.returncode:
                    print(
                        f"datahub ingest ({engine}): skipped (cluster did not start: {started.stderr.strip()})"
                    )
                    continue
                env["DATABASE_URL"] = started.stdout.strip().splitlines()[-1]
                print("(PostgreSQL: throw-away cluster with fsync=off, synchronous_commit=off)")
            subprocess.run([sys.executable, __file__, "--child", *forwarded], env=env, check=True)
        finally:
            if engine != "sqlite":
                subprocess.run(["bash", str(script), "stop"], env=pg_env, capture_output=True)
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
