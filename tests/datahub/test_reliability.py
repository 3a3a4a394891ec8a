"""Killing the MQTT worker in the middle of an ingestion loses no acknowledged measurement.

Runs the real `beffroi mqtt` as a separate process on a file database and a real Mosquitto broker,
kills it with SIGKILL while messages flow, starts it again, and checks every published uplink is stored
exactly once. Skipped when `mosquitto` is not installed.
"""

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

# With the kill tests (make test-durability): it starts the real worker and broker and kills the worker.
pytestmark = [
    pytest.mark.durability,
    pytest.mark.skipif(shutil.which("mosquitto") is None, reason="mosquitto is not installed"),
]

ROOT = Path(__file__).resolve().parents[2]
BEFFROI = [sys.executable, "-m", "beffroi.cli"]
SETUP = """
from beffroi.core.services import commune_create
from beffroi.datahub import services
c = commune_create(name="Fiable", slug="fiable", insee_code="99997")
e = services.entity_create(commune=c, entity={"id": "urn:ngsi-ld:WaterConsumptionObserved:1", "type": "https://uri.etsi.org/ngsi-ld/default-context/WaterConsumptionObserved"})
services.device_register(commune=c, dev_eui="70B3D57ED00000AA", entity=e)
"""
N = 2000


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _count(db):
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return conn.execute("SELECT COUNT(*) FROM datahub_observation").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def test_killed_worker_loses_nothing(tmp_path):
    import paho.mqtt.client as mqtt

    db = tmp_path / "db.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "BEFFROI_DATA_DIR": str(tmp_path),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run([*BEFFROI, "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)
    subprocess.run([*BEFFROI, "shell", "-c", SETUP], env=env, check=True, cwd=ROOT)
    port = _free_port()
    config = tmp_path / "mosquitto.conf"
    config.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 10000\n"
    )
    broker = subprocess.Popen(
        ["mosquitto", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    worker_cmd = [
        *BEFFROI,
        "mqtt",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--topic",
        "beffroi/+/devices/+/up",
    ]
    try:
        time.sleep(0.5)
        log = open(tmp_path / "worker.log", "w")  # noqa: SIM115
        worker = subprocess.Popen(worker_cmd, env=env, cwd=ROOT, stdout=log, stderr=log)
        deadline = (
            time.monotonic() + 60
        )  # wait until subscribed: from then on the broker queues for its session
        while "MQTT connected" not in (tmp_path / "worker.log").read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        # Stop it cleanly: its persistent session keeps the subscription, so the broker queues what follows
        # and the next worker receives it as fast as it can store it (batches: it must be killed mid-way).
        worker.terminate()
        worker.wait(timeout=30)
        publisher = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="reliability-publisher")
        publisher.connect("127.0.0.1", port)
        publisher.loop_start()
        sent = []
        for i in range(1, N + 1):
            body = {
                "dev_eui": "70B3D57ED00000AA",
                "f_cnt": i,
                "decoded": {"waterConsumption": i},
                "received_at": f"2026-01-01T00:00:{i % 60:02d}.{i:06d}Z",
            }
            sent.append(
                publisher.publish("beffroi/fiable/devices/70B3D57ED00000AA/up", json.dumps(body), qos=1)
            )
        for info in sent:
            info.wait_for_publish(30)
        publisher.loop_stop()
        publisher.disconnect()
        worker = subprocess.Popen(worker_cmd, env=env, cwd=ROOT, stdout=log, stderr=log)
        deadline = time.monotonic() + 60
        while _count(db) < N // 4 and time.monotonic() < deadline:
            time.sleep(0.02)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        stored_at_kill = _count(db)
        assert stored_at_kill < N, "the worker finished before it could be killed; raise N"
        worker = subprocess.Popen(
            [*worker_cmd, "--timeout", "90"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 90
        while _count(db) < N and time.monotonic() < deadline:
            time.sleep(0.2)
        worker.terminate()
        worker.wait(timeout=10)
    finally:
        broker.terminate()
        broker.wait(timeout=5)
    with sqlite3.connect(db) as conn:
        values = sorted(v for (v,) in conn.execute("SELECT value_num FROM datahub_observation"))
        rejected = conn.execute("SELECT reason FROM datahub_rejecteduplink LIMIT 3").fetchall()
    assert not rejected
    assert values == [float(i) for i in range(1, N + 1)], (tmp_path / "worker.log").read_text()[-3000:]
