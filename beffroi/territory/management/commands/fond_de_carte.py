"""`beffroi fond_de_carte SLUG voies=FICHIER.geojson [batiments=…] [lieux=…]`: import the commune's own base-map
layers (GeoJSON FeatureCollections in WGS84), each replacing the layer of that name."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from beffroi.core.models import Commune
from beffroi.territory.models import MapLayer
from beffroi.territory.services import GeoDataError, map_layer_import


class Command(BaseCommand):
    help = "Importe les couches du fond de carte d'une commune (voies, bâtiments, lieux) depuis des fichiers GeoJSON."

    def add_arguments(self, parser):
        parser.add_argument("commune", help="identifiant (slug) de la commune")
        parser.add_argument(
            "layers",
            nargs="+",
            metavar="COUCHE=FICHIER",
            help=f"couche ({', '.join(MapLayer.Kind.values)}) et fichier",
        )

    def handle(self, *args, commune, layers, **options):
        target = Commune.objects.filter(slug=commune).first()
        if target is None:
            raise CommandError(f"Aucune commune « {commune} ».")
        for item in layers:
            kind, _sep, name = item.partition("=")
            if kind not in MapLayer.Kind.values or not name:
                raise CommandError(
                    f"« {item} » : attendu COUCHE=FICHIER, la couche parmi {', '.join(MapLayer.Kind.values)}."
                )
            try:
                collection = json.loads(Path(name).read_text(encoding="utf-8-sig"))
            except (OSError, ValueError) as exc:
                raise CommandError(f"{name} : fichier GeoJSON illisible ({exc}).") from None
            try:
                layer = map_layer_import(
                    commune=target, kind=kind, collection=collection, source=Path(name).name
                )
            except GeoDataError as exc:
                raise CommandError(f"{name} : {exc.message}") from None
            self.stdout.write(f"{layer.get_kind_display()} : {layer.feature_count} objet(s) importé(s).")
