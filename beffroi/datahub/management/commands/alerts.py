"""`beffroi alerts`: evaluate the data hub's alert rules now (every commune, or one).

Ingestion evaluates the rules of the entities it touches; a sensor that falls silent touches nothing, so
"no data" rules need a periodic evaluation: `beffroi mqtt` does one every minute while it runs. Without
the MQTT worker (HTTP webhooks only), run this command periodically (cron or a systemd timer, e.g. every
5 minutes), or with `--enqueue` to hand the work to `beffroi worker`.
"""

from django.core.management.base import BaseCommand, CommandError

from beffroi.core.models import Commune
from beffroi.datahub import services


class Command(BaseCommand):
    help = "Évalue les règles d'alerte des données et capteurs (toutes les communes, ou une seule)."

    def add_arguments(self, parser):
        parser.add_argument("--commune", default="", help="slug of one commune (default: all)")
        parser.add_argument("--enqueue", action="store_true", help="run as a background task")

    def handle(self, *args, **options):
        if options["enqueue"]:
            from beffroi.datahub.tasks import alerts_evaluate_all

            alerts_evaluate_all.enqueue()
            self.stdout.write("Évaluation des alertes mise en file d'attente.")
            return
        if options["commune"]:
            commune = Commune.objects.filter(slug=options["commune"]).first()
            if commune is None:
                raise CommandError(f"no commune {options['commune']!r}")
            result = services.alerts_evaluate(commune=commune)
            totals = {"opened": len(result.opened), "closed": len(result.closed)}
        else:
            totals = services.alerts_evaluate_communes()
        services.entities_expired_purge()  # (the same periodic pass: transient entities past expiresAt,
        services.subscriptions_periodic_notify()  # and the periodic subscriptions, timeInterval)
        self.stdout.write(
            f"Alertes ouvertes : {totals['opened']} ; closes automatiquement : {totals['closed']}."
        )
