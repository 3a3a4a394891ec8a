"""`beffroi procedures_reminders`: once a day, remind agents of the dossiers nearing their implicit-decision date."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from beffroi.core.models import Commune
from beffroi.procedures import services


class Command(BaseCommand):
    help = (
        "Rappelle aux agents les dossiers proches de leur date de décision implicite (à lancer chaque jour)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--jours", type=int, default=7, help="Horizon du rappel, en jours (7 par défaut)."
        )

    def handle(self, *args, **options):
        today = timezone.localdate()
        total = 0
        for commune in Commune.objects.filter(is_active=True):
            if commune.has_module("procedures"):
                total += services.reminders_send(commune=commune, today=today, within_days=options["jours"])
        self.stdout.write(f"{total} dossier(s) rappelé(s) aux agents.")
