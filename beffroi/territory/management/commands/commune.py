"""`beffroi commune …`: the platform operator's commands for the communes of the instance.

- ``beffroi commune search TEXT``: look a commune up in the bundled official list (name, INSEE or postal code);
- ``beffroi commune refresh-list [--from DIR]``: rebuild ``beffroi/territory/data/communes.json.gz`` from the
  npm package ``@etalab/decoupage-administratif`` (``make communes``).
"""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from beffroi.territory import official_list

PACKAGE_DIR = Path(settings.BASE_DIR).parent / "node_modules" / "@etalab" / "decoupage-administratif"


class Command(BaseCommand):
    help = "Communes de la plateforme : recherche dans la liste officielle, mise à jour de la liste."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
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
        if action == "search":
            self.search(options["text"], options["limit"])
        elif action == "refresh-list":
            self.refresh(Path(options["source"]))

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
