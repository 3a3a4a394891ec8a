"""`beffroi datahub`: the observation table's monthly partitions on PostgreSQL (datahub.partitions).

beffroi datahub partitions                       lists the partitions, creates the coming months'
beffroi datahub archiver --avant 2025-01 [--dossier DIR]
    detaches each month before January 2025, writes its measurements to DIR/observations-YYYY-MM.csv.gz
    (with a .sha256 beside it), then drops it. The hourly and daily roll-ups stay: dashboards and the
    temporal API's aggregations keep the history; only the raw measurements leave the database.
"""

from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from beffroi.datahub import partitions


def _month(text: str) -> date:
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except ValueError as error:
        raise CommandError(f"mois attendu sous la forme AAAA-MM, reçu {text!r}") from error


class Command(BaseCommand):
    help = "Partitions mensuelles des mesures (PostgreSQL) : liste, création à l'avance, archivage."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("partitions", help="Lister les partitions et créer celles des mois à venir.")
        archive = sub.add_parser("archiver", help="Archiver (CSV compressé) puis supprimer les mois anciens.")
        archive.add_argument("--avant", required=True, help="premier mois gardé, AAAA-MM")
        archive.add_argument(
            "--dossier",
            default=str(settings.DATA_DIR / "archives" / "observations"),
            help="dossier des fichiers d'archive (par défaut : archives/observations du dossier de données)",
        )

    def handle(self, *args, **options):
        if not partitions.is_partitioned():
            raise CommandError(
                "La table des mesures n'est pas partitionnée : le partitionnement demande PostgreSQL "
                "(migration datahub 0008)."
            )
        if options["action"] == "partitions":
            for name in partitions.ensure_ahead():
                self.stdout.write(f"créée : {name}")
            for name, month in partitions.partitions():
                self.stdout.write(f"{month:%Y-%m}\t{name}")
            return
        before = _month(options["avant"])
        directory = Path(options["dossier"])
        # Tables left detached by an archiving that stopped midway, and the attached old months.
        months = {month for _name, month in partitions.partitions(archived=True) if month < before}
        months |= {month for _name, month in partitions.partitions() if month < before}
        if not months:
            self.stdout.write(f"Aucune partition antérieure à {before:%Y-%m}.")
            return
        for month in sorted(months):
            for target, rows in partitions.archive_month(month, directory=directory):
                self.stdout.write(f"{month:%Y-%m} : {rows} mesures archivées dans {target}")
