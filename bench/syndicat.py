"""A syndicat's instance under load: 200 communes on one PostgreSQL database, `beffroi serve` (Granian), the
worker and the MQTT worker (with Mosquitto), mixed traffic across the communes.

    .venv/bin/python bench/syndicat.py [--communes 200] [--duration 60] [--connections 50]
                                       [--database-url postgres://…] [--keep]

Without --database-url it starts its own PostgreSQL server (scripts/test-postgres.sh, port
BEFFROI_TEST_PGPORT or 54339) and fills it with `beffroi demo --no-serve --communes N` (the loading time is
printed); with it, the database is used as it is (loaded before with the same command). Then, for `--duration`
seconds, `--connections` concurrent keep-alive connections send a mix of requests, each to a random commune:
public pages, the agents' queues (signed in), Open311 reads and posts, NGSI-LD reads, batches of measurements
(`/api/datahub/observations`, with a write key), and votes with a postal code (the form, then the ballot).
Printed: p50/p95/p99 and errors per kind of request, requests per second, the database's size, and the
largest total resident memory of serve + worker + MQTT worker (all their processes) during the run.
Goals: p95 < 200 ms for pages and API reads, zero errors, memory < 2 GB. Serve runs with the settings of the
environment: `BEFFROI_PAGE_CACHE_SECONDS=0 …` measures it without the public pages kept (core/page_cache.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _http_load import Call, Connection, Results, percentile, run, timed  # noqa: E402
from _processes import free_port, tree_cpu_seconds, tree_rss_kb, wait_until_up  # noqa: E402

BEFFROI = str(ROOT / ".venv" / "bin" / "beffroi")
GOAL_P95_MS = 200.0
GOAL_MEMORY_MB = 2048.0
# kind of request: weight in the mix; "read" kinds are held to the p95 goal, writes are reported
KINDS = {
    "page: home": (8, "read"),
    "page: reports list": (8, "read"),
    "page: report": (5, "read"),
    "page: budget results": (3, "read"),
    "page: data dashboard": (3, "read"),
    "page: démarches": (3, "read"),
    "page: consultations": (3, "read"),
    "agent: reports queue": (5, "read"),
    "agent: dossiers queue": (3, "read"),
    "open311: requests.json": (8, "read"),
    "open311: POST request": (2, "write"),
    "ngsi-ld: entities by type": (8, "read"),
    "ngsi-ld: entity": (4, "read"),
    "ngsi-ld: batch of measurements": (2, "write"),
    "vote: ballot form": (2, "read"),
    "vote: ballot cast": (0, "write"),  # follows each ballot form
}


def start_postgres() -> str:
    env = {
        **os.environ,
        "BEFFROI_TEST_PGPORT": os.environ.get("BEFFROI_TEST_PGPORT", "54339"),
        "BEFFROI_TEST_PGDIR": os.environ.get(
            "BEFFROI_TEST_PGDIR", str(Path(tempfile.gettempdir()) / "beffroi-syndicat-pg")
        ),
    }
    out = subprocess.run(
        [str(ROOT / "scripts" / "test-postgres.sh"), "start"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip().splitlines()[-1]


# ------------------------------------------------------------------------------------------------ preparation


def prepare(communes_wanted: int, codes_per_commune: int) -> list[dict]:
    """Keys, a signed-in agent's session, voting codes and sample identifiers of each commune (through the
    services, in this process)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beffroi.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from beffroi.accounts.models import Membership, Role
    from beffroi.budgeting import services as budgeting
    from beffroi.budgeting.models import Budget, Project
    from beffroi.core.models import Commune
    from beffroi.core.services import apikey_create
    from beffroi.datahub.models import Entity
    from beffroi.reports.models import Category, Report

    targets = []
    for commune in Commune.objects.order_by("pk")[:communes_wanted]:
        agent = (
            Membership.objects.filter(commune=commune, role__in=[Role.AGENT, Role.ADMIN])
            .select_related("user")
            .order_by("role", "pk")
            .first()
        )
        budget = Budget.objects.filter(commune=commune, slug="bp-2026").first()
        if agent is None or budget is None:
            continue  # not one of the demo's full communes (Hautmesnil has no budget)
        session = SessionStore()
        session[SESSION_KEY] = str(agent.user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]  # the model backend (axes first)
        session[HASH_SESSION_KEY] = agent.user.get_session_auth_hash()
        session.create()
        _key, write_key = apikey_create(commune=commune, scope="write", name="banc d'essai")
        codes = budgeting.voting_codes_generate(
            commune=commune,
            budget=budget,
            actor=agent.user,
            count=codes_per_commune,
            batch="banc d'essai",
            eligible_only=True,
        )
        projects = [(p.pk, p.cost) for p in Project.objects.filter(budget=budget) if p.on_ballot]
        # anonymous NGSI-LD reads see the public entities; the batches write to any entity of the commune
        entities = list(
            Entity.objects.filter(commune=commune).values_list("entity_id", "type_iri", "is_public")
        )
        targets.append(
            {
                "slug": commune.slug,
                "session": session.session_key,
                "key": write_key,
                "codes": codes,
                "basket_limit": budget.basket_limit,
                "projects": projects,
                "reports": list(
                    Report.objects.filter(commune=commune).values_list("tracking_code", flat=True)[:50]
                ),
                "categories": [  # an Open311 client without the category's required questions
                    c.code
                    for c in Category.objects.filter(commune=commune, active=True)
                    if not any(q.get("required") for q in c.questions)
                ],
                "entities": [e for e, _t, _p in entities],
                "public_entities": [e for e, _t, public in entities if public],
                "types": sorted({t for _e, t, public in entities if public}),
                "latitude": float(commune.latitude or 47.3),
                "longitude": float(commune.longitude or 4.8),
            }
        )
    return targets


# -------------------------------------------------------------------------------------------------- the mix


def make_step(targets: list[dict], seed: int):
    rng = random.Random(seed)
    kinds = [k for k, (w, _r) in KINDS.items() if w]
    weights = [KINDS[k][0] for k in kinds]

    async def step(connection: Connection, results: Results) -> None:
        kind = rng.choices(kinds, weights)[0]
        t = rng.choice(targets)
        slug = t["slug"]
        page = {"Accept": "text/html"}
        if kind == "page: home":
            call = Call(kind, "GET", f"/{slug}/", page)
        elif kind == "page: reports list":
            call = Call(kind, "GET", f"/{slug}/signalements/", page)
        elif kind == "page: report":
            call = Call(kind, "GET", f"/{slug}/signalements/suivi/{rng.choice(t['reports'])}/", page)
        elif kind == "page: budget results":
            call = Call(kind, "GET", f"/{slug}/budget-participatif/bp-2025/resultats/", page)
        elif kind == "page: data dashboard":
            call = Call(kind, "GET", f"/{slug}/donnees/", page)
        elif kind == "page: démarches":
            call = Call(kind, "GET", f"/{slug}/demarches/", page)
        elif kind == "page: consultations":
            call = Call(kind, "GET", f"/{slug}/participation/", page)
        elif kind == "agent: reports queue":
            call = Call(
                kind, "GET", f"/{slug}/signalements/gestion/", {**page, "Cookie": f"sessionid={t['session']}"}
            )
        elif kind == "agent: dossiers queue":
            call = Call(
                kind, "GET", f"/{slug}/demarches/gestion/", {**page, "Cookie": f"sessionid={t['session']}"}
            )
        elif kind == "open311: requests.json":
            call = Call(kind, "GET", f"/open311/v2/requests.json?jurisdiction_id={slug}")
        elif kind == "open311: POST request":
            form = {
                "jurisdiction_id": slug,
                "api_key": t["key"],
                "service_code": rng.choice(t["categories"]),
                "lat": f"{t['latitude'] + rng.uniform(-0.004, 0.004):.6f}",
                "long": f"{t['longitude'] + rng.uniform(-0.004, 0.004):.6f}",
                "description": "Lampadaire éteint devant le numéro 12 (banc d'essai).",
            }
            body = urllib.parse.urlencode(form).encode()
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            call = Call(kind, "POST", "/open311/v2/requests.json", headers, body, expect=(200, 201))
        elif kind == "ngsi-ld: entities by type":
            kind_iri = urllib.parse.quote(rng.choice(t["types"]), safe="")
            headers = {"NGSILD-Tenant": slug, "Accept": "application/json"}
            call = Call(kind, "GET", f"/ngsi-ld/v1/entities?type={kind_iri}&limit=20", headers)
        elif kind == "ngsi-ld: entity":
            entity = urllib.parse.quote(rng.choice(t["public_entities"]), safe="")
            headers = {"NGSILD-Tenant": slug, "Accept": "application/json"}
            call = Call(kind, "GET", f"/ngsi-ld/v1/entities/{entity}", headers)
        elif kind == "ngsi-ld: batch of measurements":
            now = datetime.now(UTC).isoformat()
            items = [
                {
                    "entity": e,
                    "attribute": "temperature",
                    "observedAt": now,
                    "value": round(rng.uniform(5, 25), 2),
                }
                for e in rng.sample(t["entities"], 20)
            ]
            headers = {"Authorization": f"Bearer {t['key']}", "Content-Type": "application/json"}
            body = json.dumps({"observations": items}).encode()
            call = Call(kind, "POST", "/api/datahub/observations", headers, body)
        else:
            await vote(connection, results, t, rng)
            return
        await timed(connection, call, results)

    return step


async def vote(connection: Connection, results: Results, t: dict, rng: random.Random) -> None:
    """The ballot form of the open budget, then a basket cast with one of the commune's postal codes."""
    path = f"/{t['slug']}/budget-participatif/bp-2026/voter/code/"
    response = await timed(
        connection, Call("vote: ballot form", "GET", path, {"Accept": "text/html"}), results
    )
    if response is None or not t["codes"]:
        return
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', response.body)
    cookie = re.search(r"csrftoken=([^;]+)", response.headers.get("set-cookie", ""))
    if token is None or cookie is None:
        results.record("vote: ballot cast", 0.0, "no CSRF token on the ballot form")
        return
    chosen, total = [], 0
    for pk, cost in rng.sample(t["projects"], len(t["projects"])):
        if total + cost <= t["basket_limit"] and len(chosen) < 3:
            chosen.append(pk)
            total += cost
    form = [("csrfmiddlewaretoken", token.group(1).decode()), ("code", t["codes"].pop())]
    form += [("project", str(pk)) for pk in chosen]
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={cookie.group(1)}"}
    body = urllib.parse.urlencode(form).encode()
    await timed(connection, Call("vote: ballot cast", "POST", path, headers, body, expect=(302,)), results)


# ------------------------------------------------------------------------------------------------ processes


def postmaster_pid(database_url: str) -> int | None:
    """The PostgreSQL server listening on the database URL's port, when it was started with `-p PORT` on its
    command line (as scripts/test-postgres.sh does); None otherwise."""
    port = str(urllib.parse.urlsplit(database_url).port or 5432)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            args = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        words = [a.decode(errors="replace") for a in args if a]
        if words and words[0].endswith("postgres") and "-p" in words:
            index = words.index("-p")
            if index + 1 < len(words) and words[index + 1] == port:
                return int(entry)
    return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--communes", type=int, default=200)
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--database-url", default="", help="an already loaded database (else one is made)")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--workers", type=int, default=0, help="serve's processes (default: one per core)")
    parser.add_argument(
        "--warm-up",
        type=int,
        default=10,
        help="seconds of traffic before the measure (a server up for a while has its rendered rows cached)",
    )
    parser.add_argument("--keep", action="store_true", help="leave the PostgreSQL server made here running")
    args = parser.parse_args()
    if not shutil.which("mosquitto") and not Path("/usr/sbin/mosquitto").exists():
        raise SystemExit("mosquitto is missing: scripts/system-deps.sh --test installs it")
    data_dir = tempfile.mkdtemp(prefix="beffroi-syndicat-")
    own_pg = not args.database_url
    database_url = args.database_url or start_postgres()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "BEFFROI_DATA_DIR": data_dir,
        "BEFFROI_HTTPS": "0",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "BEFFROI_DATA_DIR", "BEFFROI_HTTPS", "DEBUG")})
    if own_pg:
        started = time.monotonic()
        subprocess.run(
            [BEFFROI, "demo", "--no-serve", "--communes", str(args.communes)],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(f"Loaded {args.communes} communes in {time.monotonic() - started:.0f} s")
    # enough codes for every vote of the warm-up and the run (votes are 2 % of the mix, at most ~250 requests/s)
    per_commune = (args.duration + 10) * 5 // max(args.communes, 1) + 10
    targets = prepare(args.communes, codes_per_commune=per_commune)
    from django.db import connection as db

    with db.cursor() as cursor:
        cursor.execute(
            "SELECT pg_database_size(current_database())" if db.vendor == "postgresql" else "SELECT 0"
        )
        db_size = cursor.fetchone()[0]
    db.close()

    port = args.port or free_port()
    mqtt_port = free_port()
    mosquitto_conf = Path(data_dir) / "mosquitto.conf"
    mosquitto_conf.write_text(f"listener {mqtt_port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    mosquitto_bin = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    processes = {"mosquitto": subprocess.Popen([mosquitto_bin, "-c", str(mosquitto_conf)], **quiet)}
    serve = [BEFFROI, "serve", "--port", str(port)] + (
        ["--workers", str(args.workers)] if args.workers else []
    )
    processes["serve"] = subprocess.Popen(serve, env=env, **quiet)
    processes["worker"] = subprocess.Popen([BEFFROI, "worker", "--no-reload"], env=env, **quiet)
    processes["mqtt"] = subprocess.Popen([BEFFROI, "mqtt", "--port", str(mqtt_port)], env=env, **quiet)
    peak = {"kb": 0}
    stop = threading.Event()

    def sample() -> None:
        watched = [processes[name].pid for name in ("serve", "worker", "mqtt")]
        while not stop.wait(1.0):
            peak["kb"] = max(peak["kb"], tree_rss_kb(watched))

    try:
        wait_until_up(f"http://127.0.0.1:{port}/{targets[0]['slug']}/", process=processes["serve"])
        print(f"Warming up ({len(targets)} communes, {args.warm_up} s)…")
        asyncio.run(run("127.0.0.1", port, connections=10, duration=args.warm_up, step=make_step(targets, 1)))
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        cpu_before = tree_cpu_seconds([processes["serve"].pid])
        pg = postmaster_pid(database_url)
        pg_before = tree_cpu_seconds([pg], with_reaped=True) if pg else 0.0
        own_before = sum(os.times()[:2])
        helpers_before = {n: tree_cpu_seconds([processes[n].pid]) for n in ("worker", "mqtt")}
        results = asyncio.run(
            run(
                "127.0.0.1",
                port,
                connections=args.connections,
                duration=args.duration,
                step=make_step(targets, 2),
            )
        )
        results.server_cpu = tree_cpu_seconds([processes["serve"].pid]) - cpu_before
        results.database_cpu = tree_cpu_seconds([pg], with_reaped=True) - pg_before if pg else None
        results.client_cpu = sum(os.times()[:2]) - own_before
        helpers_cpu = {n: tree_cpu_seconds([processes[n].pid]) - c for n, c in helpers_before.items()}
        stop.set()
        sampler.join()
        for name, process in processes.items():
            if process.poll() is not None:
                print(f"!! {name} stopped during the run (exit {process.returncode})")
    finally:
        stop.set()
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(data_dir, ignore_errors=True)
        if own_pg and not args.keep:
            subprocess.run([str(ROOT / "scripts" / "test-postgres.sh"), "stop"], check=False)
    report(results, args, len(targets), db_size, peak["kb"])
    print(
        "CPU of the other processes during the run: "
        + ", ".join(
            f"{name} {seconds / results.elapsed * 100:.0f} % of a core"
            for name, seconds in helpers_cpu.items()
        )
    )


def report(results: Results, args, communes: int, db_size: int, peak_kb: int) -> None:
    total = sum(len(v) for v in results.latencies.values())
    errors = sum(results.errors.values())
    print(
        f"\n{communes} communes, {args.connections} connections, {results.elapsed:.0f} s, beffroi serve + worker + "
        f"mqtt on {os.cpu_count()} cores (shared machine: figures vary with its other load)"
    )
    print(f"{'request':34} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}  goal")
    worst_read = 0.0
    for kind, (_w, role) in KINDS.items():
        samples = results.latencies.get(kind, [])
        if not samples:
            continue
        p50, p95, p99 = (percentile(samples, q) * 1000 for q in (50, 95, 99))
        goal = ""
        if role == "read":
            worst_read = max(worst_read, p95)
            goal = f"p95 < {GOAL_P95_MS:.0f} ms: {'met' if p95 < GOAL_P95_MS else 'NOT met'}"
        print(
            f"{kind:34} {len(samples):6d} {p50:8.1f} {p95:8.1f} {p99:8.1f} {results.errors.get(kind, 0):7d}  {goal}"
        )
    print(f"requests/s         : {total / results.elapsed:8.1f}")
    print(
        f"serve's CPU/request: {results.server_cpu / max(total, 1) * 1000:8.1f} ms   (CPU time of serve's processes "
        f"over the run / requests: what the machine's load does not change much)"
    )
    database_cpu = results.database_cpu
    if database_cpu is not None:
        print(f"PostgreSQL CPU/req : {database_cpu / max(total, 1) * 1000:8.1f} ms")
    print(
        f"this client CPU/req: {results.client_cpu / max(total, 1) * 1000:8.1f} ms   (the load "
        f"generator runs on the same cores: with 50 connections always busy, p95 ≈ 50 / requests per second)"
    )
    print(f"errors             : {errors:8d}   (goal 0: {'met' if errors == 0 else 'NOT met'})")
    for kind, sample in results.samples.items():
        print(f"   e.g. {kind}: {sample[:160]}")
    print(
        f"worst p95 of reads : {worst_read:8.1f} ms (goal < {GOAL_P95_MS:.0f} ms: {'met' if worst_read < GOAL_P95_MS else 'NOT met'})"
    )
    print(f"database size      : {db_size / 1e6:8.0f} MB")
    kept = os.environ.get("BEFFROI_PAGE_CACHE_SECONDS", "30")
    print(
        f"pages kept         : {kept:>8} s   (BEFFROI_PAGE_CACHE_SECONDS: public pages served again to visitors "
        f"without an account, per serve process; 0 turns it off)"
    )
    memory = peak_kb / 1024
    print(
        f"memory (peak RSS)  : {memory:8.0f} MB   serve + worker + mqtt, all processes "
        f"(goal < {GOAL_MEMORY_MB:.0f} MB: {'met' if memory < GOAL_MEMORY_MB else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
