"""`beffroi restore ARCHIVE [--force]`: restore a `beffroi backup` archive into an empty database and data directory.

The checksum beside the archive is verified first; a database or media directory that already holds data is
refused unless --force. Stop the server and the workers before restoring, then run `beffroi migrate` if this
Beffroi is newer than the one that wrote the archive.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from beffroi.core.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restaure une archive de `beffroi backup` dans une base et un dossier de données vides."

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--force",
            action="store_true",
            help="remplacer une base ou des médias qui contiennent déjà des données",
        )

    def handle(self, *args, archive, force, **options):
        try:
            manifest = backup_restore(archive=archive.resolve(), force=force)
        except BackupError as error:
            raise CommandError(str(error)) from None
        rows = sum(manifest["rows"].values())
        self.stdout.write(
            f"Restauré : {len(manifest['rows'])} tables, {rows} lignes, sauvegarde du {manifest['created_at']} "
            f"(Beffroi {manifest['beffroi_version']}). Lancez `beffroi migrate` si cette version est plus récente."
        )
        if not manifest["secret_key_in_archive"]:
            self.stdout.write(
                "La clé secrète n'était pas dans l'archive (variable SECRET_KEY) : reprenez la même valeur."
            )
