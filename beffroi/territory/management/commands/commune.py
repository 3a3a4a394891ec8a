"""`beffroi commune …`: the platform operator's commands for the communes of the instance.

- ``beffroi commune add --insee CODE --admin EMAIL [--slug S] [--host H] [--preset village|bourg|petite-ville]
  [--contour FILE.geojson] [--centre LAT,LON]``: create a commune from the official list;
- ``beffroi commune archive SLUG [--reactivate]``: close a commune's pages and APIs, its data kept;
- ``beffroi commune export SLUG [--output FILE.zip]``: everything the commune owns, as one archive;
- ``beffroi commune search TEXT``: look a commune up in the bundled official list (name, INSEE or postal code);
- ``beffroi commune refresh-list [--from DIR]``: rebuild ``beffroi/territory/data/communes.json.gz`` from the
  npm package ``@etalab/decoupage-administratif`` (``make communes``).
"""

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from beffroi.core.models import Commune
from beffroi.territory import export, official_list, presets, services

PACKAGE_DIR = Path(settings.BASE_DIR).parent / "node_modules" / "@etalab" / "decoupage-administratif"


def _messages(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "\n".join(message for messages in error.message_dict.values() for message in messages)
    return "\n".join(error.messages)


class Command(BaseCommand):
    help = "Communes de la plateforme : recherche dans la liste officielle, mise à jour de la liste."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="Créer une commune à partir de la liste officielle.")
        add.add_argument(
            "--insee", required=True, help="code INSEE (ex. 21231 ; cherchez-le avec « search »)"
        )
        add.add_argument("--admin", required=True, help="adresse électronique du premier administrateur")
        add.add_argument("--slug", default="", help="identifiant dans les adresses (par défaut : le nom)")
        add.add_argument("--host", default="", help="nom d'hôte dédié (ex. services.valbourg.fr)")
        add.add_argument("--preset", default="", choices=["", *presets.PRESETS], help="modèle de départ")
        add.add_argument("--contour", default="", help="fichier GeoJSON du contour (Polygon ou MultiPolygon)")
        add.add_argument("--centre", default="", help="centre « latitude,longitude » (ex. 47.32,5.04)")
        archive = sub.add_parser("archive", help="Archiver une commune (données gardées, pages fermées).")
        archive.add_argument("slug")
        archive.add_argument("--reactivate", action="store_true", help="rouvrir une commune archivée")
        export_parser = sub.add_parser(
            "export", help="Exporter tout ce que possède une commune (archive zip)."
        )
        export_parser.add_argument("slug")
        export_parser.add_argument(
            "--output", default="", help="fichier à écrire (par défaut beffroi-SLUG-DATE.zip)"
        )
        search = sub.add_parser("search", help="Chercher une commune dans la liste officielle.")
        search.add_argument("text", help="nom, code INSEE ou code postal")
        search.add_argument("--limit", type=int, default=20)
        refresh = sub.add_parser(
            "refresh-list",
            help="Reconstruire la liste officielle à partir du paquet @etalab/decoupage-administratif.",
        )
        refresh.add_argument(
            "--from",
            dest="source",
            default=str(PACKAGE_DIR),
            help="dossier du paquet npm (celui qui contient package.json et data/)",
        )

    def handle(self, *args, action, **options):
        if action == "add":
            self.add(options)
        elif action == "archive":
            self.archive(options["slug"], options["reactivate"])
        elif action == "export":
            self.export(options["slug"], options["output"])
        elif action == "search":
            self.search(options["text"], options["limit"])
        elif action == "refresh-list":
            self.refresh(Path(options["source"]))

    def add(self, options) -> None:
        latitude = longitude = None
        if options["centre"]:
            try:
                lat_text, lon_text = options["centre"].split(",")
                latitude, longitude = Decimal(lat_text.strip()), Decimal(lon_text.strip())
            except (ValueError, InvalidOperation):
                raise CommandError(
                    "--centre attend « latitude,longitude », par exemple 47.32,5.04."
                ) from None
        contour_file = None
        if options["contour"]:
            try:
                contour_file = Path(options["contour"]).read_bytes()
            except OSError as error:
                raise CommandError(f"Impossible de lire le contour : {error.strerror}.") from None
        try:
            commune = services.commune_add(
                insee_code=options["insee"],
                admin_email=options["admin"],
                slug=options["slug"],
                host=options["host"],
                preset=options["preset"],
                contour_file=contour_file,
                latitude=latitude,
                longitude=longitude,
                actor=None,
            )
        except ValidationError as error:
            raise CommandError(_messages(error)) from None
        self.stdout.write(
            f"{commune.name} ({commune.insee_code}, {commune.departement}) créée : /{commune.slug}/ — "
            f"{commune.population} habitants, {commune.epci or 'sans EPCI'}."
        )
        if not commune.boundary:
            self.stdout.write(
                "Pas encore de contour : les signalements sont acceptés partout ; ajoutez-le depuis la page "
                "d'administration de la commune (« Premiers pas »)."
            )
        self.stdout.write(
            f"Invitation d'administrateur envoyée à {options['admin']} (lien à usage unique). "
            "Les courriels partent avec « beffroi worker »."
        )

    def archive(self, slug: str, reactivate: bool) -> None:
        commune = Commune.objects.filter(slug=slug).first()
        if commune is None:
            raise CommandError(f"Aucune commune avec l'identifiant « {slug} ».")
        services.commune_archive(commune=commune, actor=None, reactivate=reactivate)
        state = "rouverte" if reactivate else "archivée (données gardées, pages et API fermées)"
        self.stdout.write(f"{commune.name} : {state}.")

    def export(self, slug: str, output: str) -> None:
        commune = Commune.objects.filter(slug=slug).first()
        if commune is None:
            raise CommandError(f"Aucune commune avec l'identifiant « {slug} ».")
        path = Path(output or f"beffroi-{commune.slug}-{timezone.localdate().isoformat()}.zip")
        services.commune_export_record(commune=commune, actor=None)
        with path.open("wb") as out:
            counts = export.write_archive(commune, out)
        self.stdout.write(
            f"{commune.name} : {sum(counts.values())} lignes de {len(counts)} tables dans {path}."
        )

    def search(self, text: str, limit: int) -> None:
        found = official_list.load().search(text, limit=limit)
        if not found:
            raise CommandError(f"Aucune commune ne correspond à « {text} ».")
        for commune in found:
            self.stdout.write(f"{commune.insee_code}\t{commune.label}\t{commune.population} hab.")

    def refresh(self, package: Path) -> None:
        data = package / "data"
        try:
            manifest = json.loads((package / "package.json").read_text(encoding="utf-8"))
            files = {
                name: json.loads((data / f"{name}.json").read_text(encoding="utf-8"))
                for name in ("communes", "departements", "regions", "epci")
            }
        except (OSError, ValueError) as error:
            raise CommandError(
                f"Impossible de lire le paquet dans {package} ({error}). Installez-le avec « npm ci »."
            ) from error
        source = f"{manifest.get('name', '')} {manifest.get('version', '')}".strip()
        content = official_list.compact(
            communes=files["communes"],
            departements=files["departements"],
            regions=files["regions"],
            epcis=files["epci"],
            source=source,
        )
        official_list.write(content)
        official_list.load.cache_clear()
        self.stdout.write(
            f"{len(content['communes'])} communes écrites dans {official_list.DATA_FILE.name} (source : {source})."
        )
