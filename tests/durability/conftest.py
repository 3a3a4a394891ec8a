"""Fixtures of the durability tests (`make test-durability`, marker `durability`).

Each test gets its own data directory whose SQLite database is a copy of the test database the session has
already migrated (SQLite's backup API: no second `migrate`), and runs `beffroi serve`, `beffroi mqtt` and
Mosquitto as separate processes (tests/durability/harness.py).
"""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.durability.harness import BEFFROI, MQTT_PORT, ROOT, Instance, port_free, wait_for


@pytest.fixture(scope="session")
def migrated_template(django_db_setup, django_db_blocker, tmp_path_factory) -> Path:
    """A migrated SQLite database file, copied from the test database the session has already migrated."""
    from django.db import connection

    from beffroi.core.backups import sqlite_snapshot

    if connection.vendor != "sqlite":
        pytest.skip("the durability tests run on a SQLite file database")
    template = tmp_path_factory.mktemp("durability") / "template.sqlite3"
    with django_db_blocker.unblock():
        sqlite_snapshot(template)
    return template


@pytest.fixture(scope="session")
def collecting_static(tmp_path_factory) -> Iterator[tuple[subprocess.Popen, Path]]:
    """`collectstatic` started at once, in its own process: it runs while this one migrates the test database."""
    root = tmp_path_factory.mktemp("static")
    env = {**os.environ, "BEFFROI_STATIC_ROOT": str(root), "BEFFROI_DATA_DIR": str(root / "data")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    process = subprocess.Popen([*BEFFROI, "collectstatic", "--noinput", "-v", "0"], env=env, cwd=ROOT)
    yield process, root
    if process.poll() is None:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def static_root(collecting_static) -> Path:
    """Collected static files (the production storage needs its manifest), once for every test."""
    process, root = collecting_static
    assert process.wait(timeout=600) == 0
    return root


@pytest.fixture
def instance(collecting_static, tmp_path, migrated_template, static_root) -> Iterator[Instance]:
    inst = Instance(tmp_path, migrated_template, static_root)
    try:
        yield inst
    finally:
        inst.stop()


@pytest.fixture
def broker(tmp_path) -> Iterator[int]:
    """A real Mosquitto on its own port, queueing without limit for a stopped worker's persistent session."""
    import shutil

    if shutil.which("mosquitto") is None:
        pytest.skip("mosquitto is not installed")
    config = tmp_path / "mosquitto.conf"
    config.write_text(
        f"listener {MQTT_PORT} 127.0.0.1\nallow_anonymous true\npersistence false\n"
        "max_queued_messages 0\nmax_inflight_messages 200\n"
    )
    wait_for(lambda: port_free(MQTT_PORT), what=f"port {MQTT_PORT} to be free")
    process = subprocess.Popen(
        ["mosquitto", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )

    def listening() -> bool:
        try:
            socket.create_connection(("127.0.0.1", MQTT_PORT), timeout=1).close()
        except OSError:
            return False
        return True

    wait_for(listening, what="mosquitto")
    try:
        yield MQTT_PORT
    finally:
        process.terminate()
        process.wait(timeout=10)
