"""`beffroi demo [--port N] [--no-serve] [--no-worker] [--communes N]`: migrate, load the demo communes
(idempotent), print the accounts, then serve with a background worker beside the server, so the demo's mails and
texts are delivered (printed in this terminal by the default console mail backend, or sent by the configured
EMAIL_URL). `--communes N` adds fictional communes of demo size until the instance has N (a syndicat's load)."""

import multiprocessing
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection, connections, transaction
from django.utils import timezone

from beffroi.core import demo, modules
from beffroi.core.models import Commune
from beffroi.core.services import commune_create


class Command(BaseCommand):
    help = "Prépare et sert la démonstration (communes fictives de Valbourg et Hautmesnil)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument(
            "--no-serve", action="store_true", help="préparer les données sans lancer le serveur"
        )
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="ne pas lancer le travailleur qui envoie courriels et SMS (beffroi worker)",
        )
        parser.add_argument(
            "--communes",
            type=int,
            default=0,
            help="ajouter des communes fictives de la taille de la démo jusqu'à en avoir N (charge d'un syndicat)",
        )
        parser.add_argument(
            "--jobs",
            type=int,
            default=0,
            help="processus qui chargent ces communes en parallèle (par défaut : un par cœur sur PostgreSQL, "
            "un seul sur SQLite)",
        )

    def handle(self, *args, port, host, no_serve, no_worker, communes, jobs=0, **options):
        self.verbosity = options.get("verbosity", 1)
        if not os.environ.get("BEFFROI_SITE_URL"):
            # links in the demo's mails lead to the address it serves (the server's processes inherit it)
            os.environ["BEFFROI_SITE_URL"] = settings.BEFFROI_SITE_URL = f"http://{host}:{port}"
        if not os.environ.get("DEFAULT_FROM_EMAIL"):
            # the demo's mails come from a reserved test domain, never from a name that looks real
            os.environ["DEFAULT_FROM_EMAIL"] = settings.DEFAULT_FROM_EMAIL = (
                "Beffroi <ne-pas-repondre@demo.test>"
            )
        self.stdout.write(f"Dossier de données : {settings.DATA_DIR}")
        call_command("migrate", interactive=False, verbosity=0)
        started = timezone.now()
        for step in demo.steps():
            self.stdout.write(f"  · données de démonstration : {step.name}")
            with transaction.atomic():
                step.load()
        if communes:
            self._load_communes(communes, jobs=jobs)
        discarded = _discard_history_mail(since=started)
        if discarded:
            self.stdout.write(f"  · {discarded} notifications de l'historique de démonstration non envoyées")
        for step in demo.steps():
            if step.summary is not None:
                self.stdout.write("")
                for line in step.summary():
                    self.stdout.write(line)
        self.stdout.write("")
        self.stdout.write(f"Adresse : http://{host}:{port}/  (Valbourg : http://{host}:{port}/valbourg/)")
        if no_serve:
            return
        worker = None
        if not no_worker:
            self.stdout.write(
                "Travailleur lancé : les courriels et SMS envoyés s'affichent dans ce terminal."
            )
            worker = subprocess.Popen([sys.executable, "-m", "beffroi.cli", "worker", "--no-reload"])
        try:
            call_command("serve", host=host, port=port)
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=10)

    def _load_communes(self, total: int, jobs: int = 0) -> None:
        """Fictional communes of demo size (one transaction each), until the instance has `total` communes; on
        PostgreSQL several processes load them side by side (one per core unless `jobs` says otherwise)."""
        steps = demo.commune_steps()
        present = Commune.objects.count()
        if present >= total:
            return
        taken = set(Commune.objects.filter(slug__startswith=SCALE_PREFIX).values_list("slug", flat=True))
        indexes: list[int] = []
        index = 0
        while present + len(indexes) < total:
            index += 1
            if f"{SCALE_PREFIX}{index:03d}" not in taken:
                indexes.append(index)
        if jobs <= 0:
            jobs = (os.cpu_count() or 1) if connection.vendor == "postgresql" else 1
        if connection.in_atomic_block:  # other processes could not see the caller's uncommitted rows
            jobs = 1
        jobs = min(jobs, len(indexes))
        self.stdout.write(
            f"  · communes supplémentaires : {len(indexes)} ({', '.join(s.name for s in steps)})"
            + (f", {jobs} processus" if jobs > 1 else "")
        )
        started = time.monotonic()
        spent: dict[str, float] = {}
        loaded: Iterator[dict[str, float]]
        if jobs > 1:
            connections.close_all()  # each process opens its own connection
            pool = multiprocessing.get_context("fork").Pool(jobs)
            loaded = pool.imap_unordered(load_scale_commune, indexes)
        else:
            pool = None
            loaded = map(load_scale_commune, indexes)
        try:
            for added, timings in enumerate(loaded, start=1):
                for name, seconds in timings.items():
                    spent[name] = spent.get(name, 0.0) + seconds
                if added % 10 == 0 or added == len(indexes):
                    elapsed = time.monotonic() - started
                    self.stdout.write(f"    {added} communes ajoutées en {elapsed:.0f} s")
        finally:
            if pool is not None:
                pool.terminate()
                pool.join()
        if getattr(self, "verbosity", 1) >= 2:
            for name, seconds in sorted(spent.items(), key=lambda item: -item[1]):
                self.stdout.write(f"    {name} : {seconds / len(indexes):.3f} s de processeur par commune")


def load_scale_commune(index: int) -> dict[str, float]:
    """Add the syndicat's commune number `index` with every app's data, in one transaction; the processor time
    each step took."""
    rng = random.Random(index)
    timings: dict[str, float] = {}
    with transaction.atomic():
        clock = time.process_time()
        commune = commune_create(**scale_commune_fields(index, rng))
        timings["commune"] = time.process_time() - clock
        for step in demo.commune_steps():
            clock = time.process_time()
            step.load(commune, rng)
            timings[step.name] = time.process_time() - clock
    return timings


SCALE_PREFIX = "commune-"
_NAMES = [
    "Saint-Aubin",
    "Montreuil",
    "Villeneuve",
    "Fontaine",
    "Beaumont",
    "Chaumont",
    "Marigny",
    "Sainte-Colombe",
] + ["Bellevue", "Rochefort", "Champagny", "Vaux", "Auxonne", "Lachaux", "Morteau", "Pouilly"]
_SUFFIXES = [
    "",
    "-sur-Vingeanne",
    "-le-Haut",
    "-en-Auxois",
    "-la-Forêt",
    "-lès-Bois",
    "-sur-Ouche",
    "-le-Petit",
]


def scale_commune_fields(index: int, rng: random.Random) -> dict:
    """A fictional commune of the syndicat: name, code, place on the map, every module switched on."""
    name = _NAMES[index % len(_NAMES)] + _SUFFIXES[(index // len(_NAMES)) % len(_SUFFIXES)]
    if index >= len(_NAMES) * len(_SUFFIXES):
        name = f"{name} {index // (len(_NAMES) * len(_SUFFIXES)) + 1}"
    lat = 47.0 + rng.uniform(0, 0.8)
    lon = 4.4 + rng.uniform(0, 1.0)
    half = 0.02
    ring = [
        [lon - half * 1.4, lat - half],
        [lon + half * 1.4, lat - half],
        [lon + half * 1.4, lat + half],
        [lon - half * 1.4, lat + half],
        [lon - half * 1.4, lat - half],
    ]
    slug = f"{SCALE_PREFIX}{index:03d}"
    return {
        "name": name,
        "slug": slug,
        "insee_code": f"{21 + (index - 1) // 880:02d}{100 + (index - 1) % 880:03d}",
        "population": rng.randint(400, 9000),
        "departement": "Côte-d'Or",
        "departement_code": "21",
        "region": "Bourgogne-Franche-Comté",
        "epci": "Syndicat intercommunal des Coteaux",
        "epci_siren": "200099002",
        "latitude": Decimal(f"{lat:.6f}"),
        "longitude": Decimal(f"{lon:.6f}"),
        "boundary": {"type": "Polygon", "coordinates": [ring]},
        "contact_email": f"mairie@{slug}.demo.test",
        "address": f"Place de la Mairie, {name}",
        "enabled_modules": [m.code for m in modules.all_modules()],
    }


def _discard_history_mail(*, since) -> int:
    """The demo's history (reports filed, answered and closed months ago) is not news: the mails and texts its
    loading queued are dropped before the worker starts, so the first mail a visitor sees is one they caused."""
    if settings.TASKS["default"]["BACKEND"] != "django_tasks_db.DatabaseBackend":
        return 0
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    queued = DBTaskResult.objects.filter(
        enqueued_at__gte=since,
        status=TaskResultStatus.READY,
        task_path__in=["beffroi.core.tasks.send_email", "beffroi.reports.tasks.send_sms"],
    )
    return queued.delete()[0]
