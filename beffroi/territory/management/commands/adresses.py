"""`beffroi adresses SLUG FICHIER.csv`: import the commune's Base Adresse Locale (format BAL 1.3/1.4), replacing
its address base; each line that cannot be read is listed with its number and the reason."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from beffroi.core.models import Commune
from beffroi.territory.services import addresses_import


class Command(BaseCommand):
    help = "Importe la Base Adresse Locale d'une commune (fichier CSV au format BAL 1.3 ou 1.4)."

    def add_arguments(self, parser):
        parser.add_argument("commune", help="identifiant (slug) de la commune")
        parser.add_argument("fichier", help="le fichier BAL (CSV, séparateur « ; », UTF-8)")

    def handle(self, *args, commune, fichier, **options):
        target = Commune.objects.filter(slug=commune).first()
        if target is None:
            raise CommandError(f"Aucune commune « {commune} ».")
        try:
            text = Path(fichier).read_bytes().decode("utf-8-sig")
        except OSError as exc:
            raise CommandError(f"{fichier} : {exc.strerror}.") from None
        except UnicodeDecodeError:
            raise CommandError(f"{fichier} : le fichier doit être encodé en UTF-8 (format BAL).") from None
        result = addresses_import(commune=target, text=text)
        for line, message in result.errors:
            self.stderr.write(f"ligne {line} : {message}")
        if not result.imported:
            raise CommandError("Aucune adresse importée : la base d'adresses de la commune est inchangée.")
        self.stdout.write(
            f"{result.imported} adresse(s) importée(s), {len(result.errors)} ligne(s) refusée(s), "
            f"{result.skipped_toponyms} voie(s) sans numéro ignorée(s)."
        )
