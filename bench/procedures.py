"""Benchmark: with 50,000 dossiers in a commune, p95 of the agents' queue page and of a dossier page, and the
rate of filing through the web form (the resident's whole walk: start, identification, the form's step, sending
from the summary) and of the sending request alone. Goals: queue and dossier pages p95 < 150 ms; filing ≥ 50
dossiers/s.

Filing is measured twice:
- in-process, with Django's test client and one resident at a time: the CPU cost of the four requests alone;
- through the real server a commune runs, `beffroi serve` (Granian, its default processes and threads) on the same
  SQLite database, with several residents at once (--residents, 8 by default), each with its own cookies and the
  CSRF token taken from the démarche's page, over HTTP on loopback (bench/_http_load.py). Each dossier comes from
  its own address (X-Forwarded-For, the server behind a proxy) so the per-address limit on drafts, 20 an hour,
  is counted but never reached; the e-mails are queued in the database as on a commune's server (no worker runs).
Each POST is sent as the page's own form sends it (multipart for the identification and the form's steps,
urlencoded for the start and the sending).

Runs against a throw-away SQLite database in a temporary data directory; the 50,000 dossiers are written in bulk
(their contents as the services store them), the filings measured go through the real pages. Run:
``python bench/procedures.py`` (from the repository root; ``--residents 0`` skips the server).
"""

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ["BEFFROI_DATA_DIR"] = tempfile.mkdtemp(prefix="beffroi-bench-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beffroi.settings")
SERVER_ENV = dict(os.environ)  # the server's own: the install's defaults (tasks queued in the database)
os.environ.setdefault("BEFFROI_TASKS_BACKEND", "django_tasks.backends.dummy.DummyBackend")

import django  # noqa: E402
from _processes import free_port, tree_cpu_seconds  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
settings.BEFFROI_PROCEDURES_RATE_LIMIT = (
    10**9
)  # one client files everything: the limit is not what is measured

import random  # noqa: E402
from datetime import timedelta  # noqa: E402

from _http_load import Call, Connection  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.client import encode_multipart  # noqa: E402
from django.utils import timezone  # noqa: E402

DOSSIERS = 50_000
FILINGS = 200
SAMPLES = 60
GOAL_MS = 150
GOAL_RATE = 50
BEFFROI = str(ROOT / ".venv" / "bin" / "beffroi")
BOUNDARY = "BeffroiBenchBoundary"
URLENCODED = "application/x-www-form-urlencoded"


def p95(values):
    return statistics.quantiles(values, n=20)[-1]


def setup():
    """A commune with the « saisine libre » and « salle communale » démarches and DOSSIERS filed dossiers."""
    call_command("migrate", verbosity=0)
    from beffroi.accounts.services import membership_set, user_create
    from beffroi.core import codes
    from beffroi.core.services import commune_create
    from beffroi.procedures import services
    from beffroi.procedures.models import Dossier
    from beffroi.territory.models import Place

    commune = commune_create(
        name="Banc",
        slug="banc",
        insee_code="21999",
        enabled_modules=["procedures"],
        address="1 place de la Mairie, 21999 Banc",
        contact_email="mairie@banc.test",
    )
    Place.objects.create(
        commune=commune, name="Salle des fêtes", kind="batiment", latitude=47.3, longitude=4.8
    )
    agent = user_create(email="agent@banc.test", password=None, full_name="Agent Banc")  # force_login below
    membership_set(commune=commune, user=agent, role="agent")
    free = services.template_install(commune=commune, actor=None, code="saisine-libre")
    hall = services.template_install(commune=commune, actor=None, code="salle-communale")
    rng = random.Random(7)
    now, today = timezone.now(), timezone.localdate()
    states = ["depose", "en_instruction", "incomplet", "accepte", "refuse", "sans_suite"]
    batch = []
    for number in range(DOSSIERS):
        state = states[number % len(states)]
        filed = now - timedelta(days=rng.randint(0, 400), minutes=number % 1440)
        received = timezone.localdate(filed)
        batch.append(
            Dossier(
                commune=commune,
                demarche=free,
                version=free.current_version,
                tracking_code=codes.new_code(),
                access_token=codes.new_token(),
                state=state,
                identity={
                    "last_name": f"Nom{number}",
                    "first_name": "Camille",
                    "email": f"c{number}@exemple.fr",
                    "address": {
                        "street": f"{number} rue Haute",
                        "complement": "",
                        "postcode": "21999",
                        "city": "Banc",
                    },
                },
                applicant_email=f"c{number}@exemple.fr",
                channel="web",
                received_on=received,
                filed_at=filed,
                deadline=None if state == "incomplet" else received + timedelta(days=61),
                answers={
                    "objet": f"Demande {number}",
                    "nature": "demande",
                    "message": "Texte de la demande. " * 8,
                },
            )
        )
        if len(batch) == 5000:
            Dossier.objects.bulk_create(batch)
            batch = []
    Dossier.objects.bulk_create(batch)
    return commune, agent, free, hall, today


def measure(client, urls):
    timings = []
    for url in urls:
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}")
    return timings


START = {"applicant_kind": "particulier"}
IDENTITY = {
    "last_name": "Martin",
    "first_name": "Jeanne",
    "email": "jeanne@exemple.fr",
    "address-street": "3 rue des Lilas",
    "address-postcode": "21999",
    "address-city": "Banc",
}


def hall_answers(place_pk):
    return {
        "action": "next",
        "salle": place_pk,
        "date_evenement": (timezone.localdate() + timedelta(days=30)).isoformat(),
        "horaires": "de 18 h à 1 h",
        "objet": "familial",
        "participants": "40",
    }


def file_one(client, slug, place_pk, version):
    """One resident's walk: four POSTs (start, identification, the form's step, sending), each answered by a
    redirect. `version` is the démarche's published version, the id each page posts in its hidden field."""
    response = client.post(f"/banc/demarches/{slug}/", urllib.parse.urlencode(START), content_type=URLENCODED)
    token = response["Location"].split("/brouillon/")[1].split("/")[0]
    base = f"/banc/demarches/brouillon/{token}"
    client.post(f"{base}/identite/", {"version": version, **IDENTITY})
    response = client.post(f"{base}/etape/0/", {"version": version, **hall_answers(place_pk)})
    assert response.status_code == 302, response.content[:2000]
    start = time.perf_counter()
    response = client.post(
        f"{base}/recapitulatif/", urllib.parse.urlencode({"version": version}), content_type=URLENCODED
    )
    sending = time.perf_counter() - start
    assert response.status_code == 302 and "/accuse/" in response["Location"], response.status_code
    return sending


# ------------------------------------------------------------------------------------------ the real server


def server_env() -> dict[str, str]:
    env = {
        **SERVER_ENV,
        "PYTHONPATH": str(ROOT),  # this checkout's code
        "DEBUG": "0",
        "BEFFROI_HTTPS": "0",  # plain HTTP on loopback
        "ALLOWED_HOSTS": "127.0.0.1",
        "BEFFROI_BEHIND_PROXY": "1",  # each resident's address read from X-Forwarded-For (loopback is the proxy)
    }
    env.pop("BEFFROI_WORKERS", None)  # its default: one process per core
    return env


def start_server(port: int) -> subprocess.Popen:
    env = server_env()
    # its pages name the static files by their hashed names (the manifest), as after an install
    subprocess.run([BEFFROI, "collectstatic", "--noinput", "-v", "0"], env=env, check=True)
    log = Path(os.environ["BEFFROI_DATA_DIR"]) / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [BEFFROI, "serve", "--port", str(port), "--no-collectstatic"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/banc/demarches/suivi/", timeout=5):  # noqa: S310
                return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit(f"beffroi serve stopped: {log.read_text()[-2000:]}") from None
            time.sleep(0.5)
    server.terminate()
    raise SystemExit("beffroi serve did not answer")


class Resident:
    """One resident's browser: its own connection, cookies and CSRF token (taken from the démarche's page)."""

    def __init__(self, port: int, number: int, slug: str, place_pk: str, version: str) -> None:
        self.connection = Connection("127.0.0.1", port)
        self.number, self.slug, self.place_pk, self.version = number, slug, place_pk, version
        self.cookie = self.token = ""
        self.filed = 0

    async def open_page(self) -> None:
        response = await self.connection.request(Call("page", "GET", f"/banc/demarches/{self.slug}/"))
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', response.body)
        cookie = re.search(r"csrftoken=([^;]+)", response.headers.get("set-cookie", ""))
        if response.status != 200 or token is None or cookie is None:
            raise SystemExit(f"the démarche's page gave no CSRF token (HTTP {response.status})")
        self.token, self.cookie = token.group(1).decode(), cookie.group(1)

    async def post(self, path: str, fields: dict[str, str], *, multipart: bool, address: str) -> str:
        fields = {"csrfmiddlewaretoken": self.token, **fields}
        if multipart:
            body = encode_multipart(BOUNDARY, fields)
            kind = f"multipart/form-data; boundary={BOUNDARY}"
        else:
            body, kind = urllib.parse.urlencode(fields).encode(), URLENCODED
        headers = {"Content-Type": kind, "Cookie": f"csrftoken={self.cookie}", "X-Forwarded-For": address}
        response = await self.connection.request(Call("post", "POST", path, headers, body), timeout=60)
        if response.status != 302:
            raise SystemExit(f"POST {path}: HTTP {response.status} {response.body[:300]!r}")
        return response.headers["location"]

    async def file(self) -> None:
        """The walk of file_one: four POSTs, each answered by a redirect."""
        self.filed += 1
        address = f"10.{self.number}.{self.filed // 250}.{self.filed % 250 + 1}"  # a new resident each time
        location = await self.post(f"/banc/demarches/{self.slug}/", START, multipart=False, address=address)
        base = "/banc/demarches/brouillon/" + location.split("/brouillon/")[1].split("/")[0]
        step = {"version": self.version}
        await self.post(f"{base}/identite/", {**step, **IDENTITY}, multipart=True, address=address)
        answers = {**step, **hall_answers(self.place_pk)}
        await self.post(f"{base}/etape/0/", answers, multipart=True, address=address)
        location = await self.post(f"{base}/recapitulatif/", step, multipart=False, address=address)
        if "/accuse/" not in location:
            raise SystemExit(f"sending did not file the dossier: {location}")


async def file_concurrently(residents: list[Resident], each: int, server_pid: int) -> tuple[float, float]:
    """Every resident opens the démarche's page once and files one dossier (the server's processes warm up),
    then files `each` dossiers: the seconds and serve's CPU seconds of that part."""
    await asyncio.gather(*(resident.open_page() for resident in residents))
    await asyncio.gather(*(resident.file() for resident in residents))

    async def walk(resident: Resident) -> None:
        for _ in range(each):
            await resident.file()
        await resident.connection.close()

    cpu, started = tree_cpu_seconds([server_pid]), time.perf_counter()
    await asyncio.gather(*(walk(resident) for resident in residents))
    return time.perf_counter() - started, tree_cpu_seconds([server_pid]) - cpu


def through_server(residents: int, port: int, slug: str, place_pk: str, version: str) -> tuple[float, float]:
    """Dossiers per second through `beffroi serve` with `residents` at once, and serve's CPU per dossier (ms)."""
    server = start_server(port)
    try:
        each = max(1, FILINGS // residents)
        people = [Resident(port, n, slug, place_pk, version) for n in range(residents)]
        seconds, cpu = asyncio.run(file_concurrently(people, each, server.pid))
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    return residents * each / seconds, cpu / (residents * each) * 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=8, help="residents filing at once (0: no server)")
    parser.add_argument("--port", type=int, default=0, help="the server's port (default: a free one)")
    args = parser.parse_args()
    started = time.perf_counter()
    commune, agent, free, hall, _today = setup()
    from beffroi.procedures.models import Dossier
    from beffroi.territory.models import Place

    print(f"set-up: {Dossier.objects.count():,} dossiers in {time.perf_counter() - started:.0f} s")
    client = Client()
    client.force_login(agent)
    queue_urls = (
        ["/banc/demarches/gestion/"] * (SAMPLES // 3)
        + [f"/banc/demarches/gestion/?page={n}" for n in range(2, SAMPLES // 3 + 2)]
        + [f"/banc/demarches/gestion/?etat=incomplet&page={n}" for n in range(1, SAMPLES // 3 + 1)]
    )
    measure(client, queue_urls[:5])  # warm-up
    queue = measure(client, queue_urls)
    pks = random.Random(3).sample(list(Dossier.objects.values_list("pk", flat=True)), SAMPLES)
    dossier = measure(client, [f"/banc/demarches/gestion/dossier/{pk}/" for pk in pks])

    # Hall booking: its form has no file field, so the walk is only pages and database writes. Without the
    # attestation (a file) the hall template's last field is optional, hence a free copy is used as is.
    place_pk = str(Place.objects.get(commune=commune).pk)
    from beffroi.procedures import schema, services

    form = dict(hall.current_version.schema)
    form["sections"] = [
        {**s, "fields": [f for f in s["fields"] if f["type"] != "file"]} for s in form["sections"]
    ]
    services.demarche_form_save(demarche=hall, actor=None, form=schema.check(form))
    services.demarche_publish(demarche=hall, actor=None)
    hall.refresh_from_db()
    version = str(hall.current_version_id)
    resident = Client()
    file_one(resident, hall.slug, place_pk, version)  # warm-up
    start, cpu_start = time.perf_counter(), time.process_time()
    sending = sum(file_one(resident, hall.slug, place_pk, version) for _ in range(FILINGS))
    rate = FILINGS / (time.perf_counter() - start)
    walk_cpu = (time.process_time() - cpu_start) / FILINGS * 1000  # the test client's share included
    # The floor: the cheapest page of the module (the tracking form: one query, the commune's), through the
    # same middleware. Four requests cannot go faster than four of these.
    floor = measure(resident, ["/banc/demarches/suivi/"] * SAMPLES)

    print(
        f"queue page ({SAMPLES} requests, 50 per page):  p50 {statistics.median(queue):6.1f} ms   "
        f"p95 {p95(queue):6.1f} ms   goal p95 < {GOAL_MS} ms"
    )
    print(
        f"dossier page ({SAMPLES} requests):              p50 {statistics.median(dossier):6.1f} ms   "
        f"p95 {p95(dossier):6.1f} ms   goal p95 < {GOAL_MS} ms"
    )
    print(
        "filing through the web form, the whole walk (4 requests: start, identification, the form's step, sending):"
    )
    print(
        f"  in-process, Django's test client, one resident at a time ({FILINGS} dossiers): "
        f"{rate:6.1f} dossiers/s   goal ≥ {GOAL_RATE} dossiers/s"
    )
    print(
        f"    its CPU per dossier (this process, test client included): {walk_cpu:5.1f} ms, i.e. "
        f"{1000 / walk_cpu:6.1f} dossiers/s on one idle core"
    )
    print(
        f"    the floor, a one-query page of the module through the same middleware: p50 "
        f"{statistics.median(floor):5.1f} ms, so four requests cap the walk at "
        f"{1000 / (4 * statistics.median(floor)):6.1f} dossiers/s here"
    )
    print(
        f"    the sending request alone (« Envoyer ma demande »): {FILINGS / sending:6.1f} dossiers/s   "
        f"goal ≥ {GOAL_RATE} dossiers/s"
    )
    if args.residents > 0:
        served, cpu = through_server(args.residents, args.port or free_port(), hall.slug, place_pk, version)
        each = max(1, FILINGS // args.residents)
        print(
            f"  through the real server, beffroi serve (Granian, {os.cpu_count()} processes × 2 threads, SQLite), "
            f"{args.residents} residents at once over HTTP ({args.residents * each} dossiers): "
            f"{served:6.1f} dossiers/s   goal ≥ {GOAL_RATE} dossiers/s"
        )
        print(
            f"    serve's CPU per dossier (its 4 requests): {cpu:5.1f} ms, so {os.cpu_count()} cores cap it at "
            f"{1000 * (os.cpu_count() or 1) / cpu:6.1f} dossiers/s (the load generator shares them)"
        )


if __name__ == "__main__":
    main()
