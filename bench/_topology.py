"""Beffroi past one machine, on loopback: nginx in front of several `beffroi serve` processes, a worker,
pgbouncer (transaction pooling) in front of a PostgreSQL primary, and a streaming replica made with
pg_basebackup -R that serves the read-heavy paths (docs/operations.md, « Beyond one machine »).

Used by bench/topology.py (requests per second through nginx with 1 and 2 app servers) and by the topology
test (tests/topology/), which kill an app server and the replica under traffic. Needs the Debian packages
nginx, pgbouncer and postgresql (scripts/system-deps.sh --topology). Run as root, the PostgreSQL and
pgbouncer processes run as the postgres user.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BEFFROI = str(REPO / ".venv" / "bin" / "beffroi")
SECRET_KEY = "topology-loopback-only-" + "x" * 40

# A few communes with a category, reports, sensors and a write key each (keys printed as JSON).
SEED = """
import io
import json
from decimal import Decimal
from PIL import Image
from beffroi.core.services import apikey_create, commune_update
from beffroi.datahub import services as datahub
from beffroi.reports import services as reports
from tests.factories import CommuneFactory, member
out = {}
for n in range(COMMUNES):
    slug = f"commune-{n + 1}"
    commune = CommuneFactory(name=f"Commune {n + 1}", slug=slug, insee_code=f"{71000 + n:05d}")
    commune_update(commune=commune, enabled_modules=["reports", "datahub"], latitude=Decimal("47.3"),
                   longitude=Decimal("4.8"))
    reports.states_ensure(commune=commune)
    category = reports.category_create(commune=commune, code="voirie", name="Voirie", actor=None)
    for i in range(20):
        reports.report_create(commune=commune, category=category, description=f"Nid-de-poule {i}",
                              latitude=Decimal("47.3"), longitude=Decimal("4.8"))
    for i in range(5):
        datahub.entity_create(commune=commune, entity={
            "id": f"urn:ngsi-ld:AirQualityObserved:{slug}-{i}",
            "type": "https://smartdatamodels.org/dataModel.Environment/AirQualityObserved",
            "https://smartdatamodels.org/dataModel.Environment/no2": {"type": "Property", "value": 20.0 + i},
        })
    out[slug] = apikey_create(commune=commune, scope="write", name="topology")[1]
# a published photo, written to the shared media storage by this process, read by every app server
image = io.BytesIO()
Image.new("RGB", (64, 48), (200, 30, 30)).save(image, "JPEG")
report = reports.report_create(commune=commune, category=category, description="Avec photo",
                               latitude=Decimal("47.3"), longitude=Decimal("4.8"), photos=[image.getvalue()])
photo = report.photos.get()
reports.photo_set_published(photo=photo, actor=member(commune, "agent", f"agent@{slug}.test"), published=True)
print("SEED " + json.dumps(out))
print("PHOTO " + json.dumps({"commune": slug, "photo": photo.pk}))
"""


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _pg_bin(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parent.parent.name))
    if not found:
        raise RuntimeError(f"{name} missing: scripts/system-deps.sh --topology")
    return str(found[-1])


def _wait_http(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status < 500:
                    return
        except Exception:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer") from None
            time.sleep(0.2)


@dataclass
class Topology:
    root: Path
    http_port: int = 8130  # nginx; the app servers on the next ports
    pg_port: int = 55131  # the primary; the replica on the next port, pgbouncer on the one after
    app_servers: int = 2
    communes: int = 3
    keys: dict[str, str] = field(default_factory=dict)
    photo: dict[str, object] = field(default_factory=dict)  # {"commune": slug, "photo": pk}
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    timings: list[tuple[str, float]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def replica_port(self) -> int:
        return self.pg_port + 1

    @property
    def pgbouncer_port(self) -> int:
        return self.pg_port + 2

    def app_port(self, index: int) -> int:
        return self.http_port + 1 + index

    @property
    def primary_dsn(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.pg_port}/beffroi"

    def app_env(self, data_dir: Path) -> dict[str, str]:
        """What every app server and the worker run with (docs/operations.md shows the same settings)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "BEFFROI_"))}
        env.update(
            {
                "DATABASE_URL": f"postgres://postgres@127.0.0.1:{self.pgbouncer_port}/beffroi",
                "BEFFROI_PGBOUNCER": "1",
                # the replica first; when it is down, the primary through pgbouncer
                "DATABASE_REPLICA_URL": (
                    f"postgres://postgres@127.0.0.1:{self.replica_port},127.0.0.1:{self.pgbouncer_port}"
                    "/beffroi?target_session_attrs=prefer-standby&connect_timeout=2"
                ),
                "BEFFROI_BEHIND_PROXY": "1",
                "BEFFROI_TRUSTED_PROXIES": "127.0.0.1",
                "BEFFROI_HTTPS": "0",
                "SECRET_KEY": SECRET_KEY,
                "BEFFROI_DATA_DIR": str(data_dir),
                "BEFFROI_MEDIA_ROOT": str(self.root / "media"),
                "BEFFROI_STATIC_ROOT": str(self.root / "static"),
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "BEFFROI_TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
                "LOG_LEVEL": "ERROR",
            }
        )
        return env

    # -------------------------------------------------------------------------------------------- start

    def start(self) -> Topology:
        if self.root.exists():
            self.stop()
            shutil.rmtree(self.root)
        self.root.mkdir(parents=True)
        self.root.chmod(0o755)
        (self.root / "media").mkdir()
        (self.root / "static").mkdir()
        self._primary()
        self._replica()
        self._pgbouncer()
        self._migrate_and_seed()
        for index in range(self.app_servers):
            self.start_app(index)
        self._worker()
        self._nginx()
        for index in range(self.app_servers):
            _wait_http(f"http://127.0.0.1:{self.app_port(index)}/")
        _wait_http(self.url + "/")
        return self

    def start_village(self) -> subprocess.Popen[bytes]:
        """The first step instead: one `beffroi serve` on SQLite in its data directory, seeded alike."""
        self.root.mkdir(parents=True)
        data = self.root / "app0"
        env = {k: v for k, v in self.app_env(data).items() if not k.startswith(("DATABASE_", "BEFFROI_PGB"))}
        env["BEFFROI_MEDIA_ROOT"] = str(data / "media")
        env["PYTHONPATH"] = str(REPO)
        self._run([BEFFROI, "migrate", "-v0"], env=env, cwd=REPO)
        self._run([BEFFROI, "collectstatic", "--noinput", "-v0"], env=env, cwd=REPO)
        self._run([BEFFROI, "shell", "-c", SEED.replace("COMMUNES", str(self.communes))], env=env, cwd=REPO)
        server = subprocess.Popen(
            [
                BEFFROI,
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.app_port(0)),
                "--workers",
                "1",
                "--threads",
                "4",
                "--no-collectstatic",
            ],
            env=env,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=open(self.root / "app0.log", "wb"),  # noqa: SIM115 - the process keeps it
            start_new_session=True,
        )
        self.processes["app0"] = server
        _wait_http(f"http://127.0.0.1:{self.app_port(0)}/")
        return server

    def _run(self, command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        started = time.monotonic()
        try:
            return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]
        finally:
            self.timings.append((" ".join(command[:3])[-60:], time.monotonic() - started))

    def _pg_dir(self, name: str) -> Path:
        path = self.root / name
        path.mkdir()
        if os.geteuid() == 0:
            shutil.chown(path, "postgres", "postgres")
        path.chmod(0o700)
        return path

    def _primary(self) -> None:
        data = self._pg_dir("primary")
        self._run(
            _as_postgres(
                [
                    _pg_bin("initdb"),
                    "-D",
                    str(data),
                    "-U",
                    "postgres",
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                    "--no-sync",
                ]
            )
        )
        # fsync off: the test kills processes, never the machine; wal_level replica for the standby
        options = (
            f"-p {self.pg_port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c wal_level=replica -c max_wal_senders=4 -c max_connections=100"
        )
        self._run(
            _as_postgres(
                [
                    _pg_bin("pg_ctl"),
                    "-D",
                    str(data),
                    "-l",
                    str(data / "server.log"),
                    "-w",
                    "-o",
                    options,
                    "start",
                ]
            )
        )
        self._run(
            _as_postgres(
                [_pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.pg_port), "-U", "postgres", "beffroi"]
            )
        )

    def _replica(self) -> None:
        data = self._pg_dir("replica")
        self._run(
            _as_postgres(
                [
                    _pg_bin("pg_basebackup"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(self.pg_port),
                    "-U",
                    "postgres",
                    "-D",
                    str(data),
                    "-R",
                    "-X",
                    "stream",
                    "--checkpoint=fast",
                    "--no-sync",
                ]
            )
        )
        options = f"-p {self.replica_port} -k {data} -c listen_addresses=127.0.0.1 -c hot_standby=on"
        self._run(
            _as_postgres(
                [
                    _pg_bin("pg_ctl"),
                    "-D",
                    str(data),
                    "-l",
                    str(data / "server.log"),
                    "-w",
                    "-o",
                    options,
                    "start",
                ]
            )
        )

    def _pgbouncer(self) -> None:
        folder = self._pg_dir("pgbouncer")
        (folder / "users.txt").write_text('"postgres" ""\n')
        (folder / "pgbouncer.ini").write_text(
            pgbouncer_ini(port=self.pgbouncer_port, primary_port=self.pg_port, folder=folder)
        )
        if os.geteuid() == 0:
            for child in folder.iterdir():
                shutil.chown(child, "postgres", "postgres")
        self.processes["pgbouncer"] = subprocess.Popen(
            _as_postgres(["pgbouncer", str(folder / "pgbouncer.ini")]),
            stdout=subprocess.DEVNULL,
            stderr=open(self.root / "pgbouncer.log", "wb"),  # noqa: SIM115 - the process keeps it
            start_new_session=True,
        )
        time.sleep(0.5)

    def _migrate_and_seed(self) -> None:
        env = self.app_env(self.root / "setup")
        env["DATABASE_URL"] = self.primary_dsn  # migrations straight to the primary (DDL, advisory locks)
        env["PYTHONPATH"] = str(REPO)  # the seed uses the test factories
        # collectstatic (compressing every file) beside the migrations
        static = subprocess.Popen([BEFFROI, "collectstatic", "--noinput", "-v0"], env=env, cwd=REPO)
        self._run([BEFFROI, "migrate", "-v0"], env=env, cwd=REPO)
        if static.wait() != 0:
            raise RuntimeError("collectstatic failed")
        seeded = self._run(
            [BEFFROI, "shell", "-c", SEED.replace("COMMUNES", str(self.communes))], env=env, cwd=REPO
        )
        line = next(line for line in seeded.stdout.splitlines() if line.startswith("SEED "))
        self.keys = json.loads(line.removeprefix("SEED "))
        line = next(line for line in seeded.stdout.splitlines() if line.startswith("PHOTO "))
        self.photo = json.loads(line.removeprefix("PHOTO "))

    def start_app(self, index: int) -> None:
        data = self.root / f"app{index}"
        data.mkdir(exist_ok=True)
        self.processes[f"app{index}"] = subprocess.Popen(
            [
                BEFFROI,
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.app_port(index)),
                "--workers",
                "1",
                "--threads",
                "4",
                "--no-collectstatic",
            ],
            env=self.app_env(data),
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=open(self.root / f"app{index}.log", "wb"),  # noqa: SIM115 - the process keeps it
            start_new_session=True,
        )

    def _worker(self) -> None:
        self.processes["worker"] = subprocess.Popen(
            [BEFFROI, "worker"],
            env=self.app_env(self.root / "setup"),
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=open(self.root / "worker.log", "wb"),  # noqa: SIM115 - the process keeps it
            start_new_session=True,
        )

    def _nginx(self) -> None:
        folder = self.root / "nginx"
        (folder / "tmp").mkdir(parents=True)
        (folder / "tmp").chmod(0o777)
        upstreams = [f"127.0.0.1:{self.app_port(i)}" for i in range(self.app_servers)]
        (folder / "nginx.conf").write_text(
            nginx_conf(port=self.http_port, upstreams=upstreams, folder=folder)
        )
        self.processes["nginx"] = subprocess.Popen(
            ["nginx", "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=open(self.root / "nginx.log", "wb"),  # noqa: SIM115 - the process keeps it
            start_new_session=True,
        )

    def set_upstreams(self, count: int) -> None:
        """nginx sends the traffic to the first ``count`` app servers only (configuration reloaded)."""
        folder = self.root / "nginx"
        upstreams = [f"127.0.0.1:{self.app_port(i)}" for i in range(count)]
        (folder / "nginx.conf").write_text(
            nginx_conf(port=self.http_port, upstreams=upstreams, folder=folder)
        )
        os.kill(self.processes["nginx"].pid, signal.SIGHUP)
        time.sleep(1.0)

    # ------------------------------------------------------------------------------------- faults, stop

    def kill(self, name: str) -> None:
        """SIGKILL a process and its children (an app server's Granian workers)."""
        process = self.processes.pop(name, None)
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def kill_replica(self) -> None:
        """SIGKILL the replica's postmaster: its connections drop, its port closes."""
        pid = int((self.root / "replica" / "postmaster.pid").read_text().split()[0])
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:  # until its port refuses connections
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.replica_port)) != 0:
                    return
            time.sleep(0.05)

    def stop(self) -> None:
        for name in list(self.processes):
            self.kill(name)
        for name in ("replica", "primary"):
            data = self.root / name
            if (data / "postmaster.pid").exists():
                subprocess.run(
                    _as_postgres([_pg_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                    capture_output=True,
                )


def nginx_conf(*, port: int, upstreams: list[str], folder: Path) -> str:
    servers = "\n".join(f"        server {address} max_fails=1 fail_timeout=10s;" for address in upstreams)
    return f"""worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {folder}/tmp/body;
    proxy_temp_path {folder}/tmp/proxy;
    fastcgi_temp_path {folder}/tmp/fastcgi;
    uwsgi_temp_path {folder}/tmp/uwsgi;
    scgi_temp_path {folder}/tmp/scgi;
    upstream beffroi {{
{servers}
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 32m;
        location / {{
            proxy_pass http://beffroi;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_connect_timeout 2s;
            proxy_next_upstream error timeout http_502 http_503;
        }}
    }}
}}
"""


def pgbouncer_ini(*, port: int, primary_port: int, folder: Path) -> str:
    return f"""[databases]
beffroi = host=127.0.0.1 port={primary_port} dbname=beffroi

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {folder}/users.txt
pool_mode = transaction
max_client_conn = 400
default_pool_size = 20
ignore_startup_parameters = extra_float_digits,options
logfile = {folder}/pgbouncer.log
pidfile = {folder}/pgbouncer.pid
"""


if __name__ == "__main__":  # a manual look: python bench/_topology.py DIR, Ctrl-C to stop
    topology = Topology(Path(sys.argv[1])).start()
    print(f"nginx on {topology.url}, keys {topology.keys}")
    try:
        signal.pause()
    finally:
        topology.stop()
