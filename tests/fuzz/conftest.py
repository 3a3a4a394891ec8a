"""The server the fuzzing tests send their requests to: a real `beffroi serve` on a data directory of its own
(production settings, plain HTTP on the loopback), with the demo's territory and reports and a write key for
Valbourg. BEFFROI_FUZZ_URL and BEFFROI_FUZZ_KEY point the tests at a server already running instead (the
whole demo, for a longer run)."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The demo's steps the fuzzing needs: the communes and their reports (Open311, the platform's reports).
# BEFFROI_FUZZ_DEMO=all loads the whole demo (a few minutes more): every list then has rows to follow.
DEMO_STEPS = os.environ.get("BEFFROI_FUZZ_DEMO", "territory reports").split()


@dataclass(frozen=True)
class Target:
    url: str  # http://host:port, no trailing slash
    key: str  # a write key of the commune
    commune: str  # its slug


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(url: str, server: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"beffroi serve stopped (code {server.returncode})")
        try:
            with urllib.request.urlopen(f"{url}/api/openapi.json", timeout=5):  # noqa: S310 - loopback
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"beffroi serve did not answer at {url} within {seconds} s")


@pytest.fixture(scope="session")
def fuzz_target(tmp_path_factory):
    if os.environ.get("BEFFROI_FUZZ_URL"):
        yield Target(
            url=os.environ["BEFFROI_FUZZ_URL"].rstrip("/"),
            key=os.environ["BEFFROI_FUZZ_KEY"],
            commune=os.environ.get("BEFFROI_FUZZ_COMMUNE", "valbourg"),
        )
        return
    data_dir = tmp_path_factory.mktemp("fuzz-data")
    env = {
        **os.environ,
        "BEFFROI_DATA_DIR": str(data_dir),
        "DEBUG": "0",
        "BEFFROI_HTTPS": "0",
        "BEFFROI_TILE_URL": "none",
        "DJANGO_SETTINGS_MODULE": "beffroi.settings",
    }
    env.pop("DATABASE_URL", None)  # its own SQLite file, whatever database the test run uses
    prepared = subprocess.run(
        [sys.executable, "-m", "tests.fuzz.prepare", *DEMO_STEPS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    key = prepared.stdout.strip().splitlines()[-1]
    port = _free_port()
    log = (data_dir / "serve.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "beffroi.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
        # no static files: the APIs render no page, and collecting them takes longer than a fuzzing run
        + ["--workers", "1", "--threads", "4", "--no-collectstatic"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, server)
        yield Target(url=url, key=key, commune="valbourg")
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
