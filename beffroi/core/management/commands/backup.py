"""`beffroi backup [--output DIR]`: an online backup of the database, the media and the secret key.

One dated archive (beffroi-YYYYMMDD-HHMMSS.tar.gz) and its SHA-256 beside it; safe while the server runs.
See beffroi.core.backups and docs/operations.md, "Backups".
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from beffroi.core.backups import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Sauvegarde la base, les médias et la clé secrète dans une archive datée, avec sa somme de contrôle."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            default=None,
            help="dossier où écrire l'archive (par défaut : backups/ dans le dossier de données)",
        )

    def handle(self, *args, output, **options):
        output = output or Path(settings.DATA_DIR) / "backups"
        try:
            result = backup_create(output_dir=output.resolve())
        except BackupError as error:
            raise CommandError(str(error)) from None
        rows = sum(result.manifest["rows"].values())
        key = (
            "dans l'archive"
            if result.manifest["secret_key_in_archive"]
            else "hors archive (variable SECRET_KEY)"
        )
        self.stdout.write(
            f"{len(result.manifest['rows'])} tables, {rows} lignes ({result.manifest['engine']}) ; clé secrète {key}"
        )
        self.stdout.write(f"Somme de contrôle : {result.checksum}")
        self.stdout.write(str(result.archive))
