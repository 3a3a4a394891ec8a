"""Benchmark: with 50,000 dossiers in a commune, p95 of the agents' queue page and of a dossier page, and the
rate of filing through the web form (the resident's whole walk: start, identification, the form's step, sending
from the summary) and of the sending request alone. Goals: queue and dossier pages p95 < 150 ms; filing ≥ 50
dossiers/s.

Runs in-process with Django's test client against a throw-away SQLite database in a temporary data directory;
the 50,000 dossiers are written in bulk (their contents as the services store them), the filings measured go
through the real pages. Run: ``python bench/procedures.py`` (from the repository root).
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ["BEFFROI_DATA_DIR"] = tempfile.mkdtemp(prefix="beffroi-bench-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beffroi.settings")
os.environ.setdefault("BEFFROI_TASKS_BACKEND", "django_tasks.backends.dummy.DummyBackend")

import django  # noqa: E402

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

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

DOSSIERS = 50_000
FILINGS = 200
SAMPLES = 60
GOAL_MS = 150
GOAL_RATE = 50


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


def file_one(client, slug, place_pk, version):
    """One resident's walk: four POSTs (start, identification, the form's step, sending), each answered by a
    redirect. `version` is the démarche's published version, the id each page posts in its hidden field."""
    response = client.post(f"/banc/demarches/{slug}/", {"applicant_kind": "particulier"})
    token = response["Location"].split("/brouillon/")[1].split("/")[0]
    base = f"/banc/demarches/brouillon/{token}"
    client.post(
        f"{base}/identite/",
        {
            "version": version,
            "last_name": "Martin",
            "first_name": "Jeanne",
            "email": "jeanne@exemple.fr",
            "address-street": "3 rue des Lilas",
            "address-postcode": "21999",
            "address-city": "Banc",
        },
    )
    response = client.post(
        f"{base}/etape/0/",
        {
            "version": version,
            "action": "next",
            "salle": place_pk,
            "date_evenement": (timezone.localdate() + timedelta(days=30)).isoformat(),
            "horaires": "de 18 h à 1 h",
            "objet": "familial",
            "participants": "40",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    start = time.perf_counter()
    response = client.post(f"{base}/recapitulatif/", {"version": version})
    sending = time.perf_counter() - start
    assert response.status_code == 302 and "/accuse/" in response["Location"], response.status_code
    return sending


def main():
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
    start = time.perf_counter()
    sending = sum(file_one(resident, hall.slug, place_pk, version) for _ in range(FILINGS))
    rate = FILINGS / (time.perf_counter() - start)
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
        f"filing through the web form, whole walk ({FILINGS} dossiers, 4 requests each): {rate:6.1f} dossiers/s   "
        f"goal ≥ {GOAL_RATE} dossiers/s"
    )
    print(
        f"  the floor, a one-query page of the module through the same middleware: p50 "
        f"{statistics.median(floor):5.1f} ms, so four requests cap the walk at "
        f"{1000 / (4 * statistics.median(floor)):6.1f} dossiers/s here"
    )
    print(
        f"filing, the sending request alone (« Envoyer ma demande »): {FILINGS / sending:6.1f} dossiers/s   "
        f"goal ≥ {GOAL_RATE} dossiers/s"
    )


if __name__ == "__main__":
    main()
