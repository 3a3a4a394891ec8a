"""The harness of the durability tests: a Beffroi installation in its own data directory, its processes.

`make test-durability` (marker `durability`). Each test gets its own data directory whose SQLite database is a
copy of the migrated test database (SQLite's backup API: no second `migrate`), runs `beffroi serve`,
`beffroi mqtt` and Mosquitto as separate processes, and waits on readiness (an HTTP answer, a row stored, a
lock taken), never on a fixed delay.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
BEFFROI = [sys.executable, "-m", "beffroi.cli"]
PORT = int(os.environ.get("BEFFROI_DURABILITY_PORT", "8121"))
MQTT_PORT = int(os.environ.get("BEFFROI_DURABILITY_MQTT_PORT", "18831"))
# A deadline for each wait, not a delay: a loaded machine starts Django slowly, the tests go on at the event.
READY_TIMEOUT = 300.0


def wait_for(condition: Callable[[], object], *, timeout: float = READY_TIMEOUT, what: str = "") -> object:
    """Poll `condition` until it returns something true; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


def port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


class Instance:
    """One Beffroi installation in a data directory: commands, the web server, the MQTT worker."""

    def __init__(self, directory: Path, template: Path, static: Path):
        self.directory = directory
        self.db = directory / "beffroi.sqlite3"
        with sqlite3.connect(template) as src, sqlite3.connect(self.db) as dst:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=WAL")
        self.env = {
            **os.environ,
            "BEFFROI_DATA_DIR": str(directory),
            "BEFFROI_STATIC_ROOT": str(static),
            "BEFFROI_HTTPS": "0",
            "DEBUG": "0",
            "PYTHONPATH": str(ROOT),
        }
        # BEFFROI_MQTT_BROKER_QUEUE_UNLIMITED unset: the worker then names the broker in its log once it has
        # received the broker's $SYS version, which it subscribes to after its topics (its readiness).
        for name in (
            "DJANGO_SETTINGS_MODULE",
            "DATABASE_URL",
            "SECRET_KEY",
            "BEFFROI_MQTT_BROKER_QUEUE_UNLIMITED",
        ):
            self.env.pop(name, None)
        self.base = f"http://127.0.0.1:{PORT}"
        self.server: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        self.kills = 0

    # --- one-shot commands -----------------------------------------------------------------------------------
    def shell(self, code: str) -> object:
        """Run Python in `beffroi shell`; the JSON it prints on its last line."""
        done = subprocess.run(
            [*BEFFROI, "shell", "-c", code], env=self.env, cwd=ROOT, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout.strip().splitlines()[-1])

    def query(self, sql: str, *params: object) -> list[tuple]:
        """Read the database file directly (after a kill this also recovers its write-ahead log)."""
        with sqlite3.connect(self.db, timeout=30) as conn:
            return conn.execute(sql, params).fetchall()

    # --- the web server ----------------------------------------------------------------------------------------
    def serve(self) -> None:
        wait_for(lambda: port_free(PORT), what=f"port {PORT} to be free")
        log = (self.directory / "serve.log").open("a")
        self.server = subprocess.Popen(
            [
                *BEFFROI,
                "serve",
                "--port",
                str(PORT),
                "--workers",
                "1",
                "--threads",
                "4",
                "--no-collectstatic",
            ],
            env=self.env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the kill reaches Granian's worker processes too
        )

        def answers() -> bool:
            assert self.server is not None and self.server.poll() is None, self.log("serve.log")
            try:
                return requests.get(f"{self.base}/connexion/", timeout=5).status_code == 200
            except requests.RequestException:
                return False

        wait_for(answers, what="the server to answer")

    def kill(self, process: subprocess.Popen | None) -> None:
        """SIGKILL to the process and every process it started (Granian's workers), as `kill -9` on the group."""
        assert process is not None and process.poll() is None, "the process died before it was killed"
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        self.kills += 1

    def kill_server(self) -> None:
        self.kill(self.server)
        self.server = None

    # --- the MQTT worker ---------------------------------------------------------------------------------------
    def mqtt_worker(self) -> None:
        log = (self.directory / "mqtt.log").open("a")
        self.worker = subprocess.Popen(
            [
                *BEFFROI,
                "mqtt",
                "--host",
                "127.0.0.1",
                "--port",
                str(MQTT_PORT),
                "--topic",
                "beffroi/+/devices/+/up",
                "--client-id",
                "beffroi-durability",
                "--alerts-every",
                "0",
            ],
            env=self.env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill_worker(self) -> None:
        self.kill(self.worker)
        self.worker = None

    def stop(self) -> None:
        for process in (self.server, self.worker):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)

    def log(self, name: str) -> str:
        path = self.directory / name
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""


CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = CSRF.search(html)
    assert match, html[:2000]
    return match.group(1)
