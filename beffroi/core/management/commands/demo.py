"""`beffroi demo [--port N] [--no-serve]`: migrate, load the demo communes (idempotent), print the accounts, serve."""

import os

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from beffroi.core import demo


class Command(BaseCommand):
    help = "Prépare et sert la démonstration (communes fictives de Valbourg et Hautmesnil)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument(
            "--no-serve", action="store_true", help="préparer les données sans lancer le serveur"
        )

    def handle(self, *args, port, host, no_serve, **options):
        if not os.environ.get("BEFFROI_SITE_URL"):
            # links in the demo's mails lead to the address it serves (the server's processes inherit it)
            os.environ["BEFFROI_SITE_URL"] = settings.BEFFROI_SITE_URL = f"http://{host}:{port}"
        self.stdout.write(f"Dossier de données : {settings.DATA_DIR}")
        call_command("migrate", interactive=False, verbosity=0)
        for step in demo.steps():
            self.stdout.write(f"  · données de démonstration : {step.name}")
            with transaction.atomic():
                step.load()
        for step in demo.steps():
            if step.summary is not None:
                self.stdout.write("")
                for line in step.summary():
                    self.stdout.write(line)
        self.stdout.write("")
        self.stdout.write(f"Adresse : http://{host}:{port}/  (Valbourg : http://{host}:{port}/valbourg/)")
        if not no_serve:
            call_command("serve", host=host, port=port)
