"""`beffroi planning_reminders`: email project owners 14 days before a funding application deadline."""

from django.core.management.base import BaseCommand

from beffroi.planning.tasks import deadline_reminders_send


class Command(BaseCommand):
    help = "Envoie les rappels de dépôt de dossiers de financement (14 jours avant la date limite)."

    def handle(self, *args, **options):
        sent = deadline_reminders_send()
        self.stdout.write(f"{sent} rappel(s) envoyé(s).")
