"""`beffroi demo [--port N] [--no-serve] [--no-worker]`: migrate, load the demo communes (idempotent), print the
accounts, then serve with a background worker beside the server, so the demo's mails and texts are delivered
(printed in this terminal by the default console mail backend, or sent by the configured EMAIL_URL)."""

import os
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from beffroi.core import demo


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

    def handle(self, *args, port, host, no_serve, no_worker, **options):
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
