"""The commune's geography: its own base-map layers (GeoJSON) and its address base (Base Adresse Locale)."""

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from shapely.geometry import Point, shape

from beffroi.accounts.guards import require_capability
from beffroi.core.annotations import Actor
from beffroi.core.models import Commune
from beffroi.core.services import audit_record
from beffroi.territory import addressing, bal
from beffroi.territory.models import Address, AddressStreet, MapLayer
from beffroi.territory.signals import addresses_imported

GEOMETRIES = {
    MapLayer.Kind.STREETS: {"LineString", "MultiLineString"},
    MapLayer.Kind.BUILDINGS: {"Polygon", "MultiPolygon"},
    MapLayer.Kind.PLACES: {"Point", "LineString", "MultiLineString", "Polygon", "MultiPolygon"},
}
MAX_LAYER_FEATURES = 50_000


class GeoDataError(ValueError):
    """A file that cannot be imported as a whole, with a French sentence saying why."""

    def __init__(self, message: Any):
        super().__init__(str(message))
        self.message = str(message)


def _inside_box(coords: Any, box: tuple[float, float, float, float]) -> bool:
    if coords and isinstance(coords[0], (int, float)):
        lon, lat = coords[0], coords[1]
        return box[0] <= lon <= box[2] and box[1] <= lat <= box[3]
    return all(_inside_box(c, box) for c in coords)


@transaction.atomic
def map_layer_import(
    *, commune: Commune, kind: str, collection: Any, source: str = "", actor: Actor = None
) -> MapLayer:
    """Replace one of the commune's base-map layers (voies, bâtiments, lieux) by a GeoJSON FeatureCollection.

    RFC 7946: WGS84 longitude/latitude. Each feature's geometry must suit the layer (lines for streets,
    polygons for buildings), lie near the commune (within a degree of its centre: a file in Lambert-93 or of
    another place is refused), and streets and places carry their ``name`` in ``properties``.
    """
    require_capability(commune=commune, actor=actor, capability="manage_commune")
    if kind not in MapLayer.Kind.values:
        raise GeoDataError(_("Couche inconnue : %(kind)s.") % {"kind": kind})
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise GeoDataError(_("Le fichier n'est pas une FeatureCollection GeoJSON."))
    features = collection.get("features")
    if not isinstance(features, list):
        raise GeoDataError(_("Le fichier n'a pas de liste « features »."))
    if len(features) > MAX_LAYER_FEATURES:
        raise GeoDataError(_("Trop d'objets : %(max)s au plus par couche.") % {"max": MAX_LAYER_FEATURES})
    lat, lon = float(commune.latitude or 46.6), float(commune.longitude or 2.4)
    box = (lon - 1, lat - 1, lon + 1, lat + 1)
    kept = []
    for n, feature in enumerate(features, start=1):
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if not isinstance(geometry, dict) or geometry.get("type") not in GEOMETRIES[MapLayer.Kind(kind)]:
            raise GeoDataError(
                _("Objet n° %(n)s : une géométrie %(found)s ne convient pas à cette couche.")
                % {"n": n, "found": (geometry or {}).get("type", "absente")}
            )
        try:
            near = _inside_box(geometry.get("coordinates") or [], box)
        except (TypeError, IndexError):
            near = False
        if not near:
            raise GeoDataError(
                _(
                    "Objet n° %(n)s : ses coordonnées ne sont pas des longitudes et latitudes (WGS84) proches "
                    "de la commune."
                )
                % {"n": n}
            )
        properties = feature.get("properties") or {}
        name = str(properties.get("name") or properties.get("nom") or "")[:150]
        if kind != MapLayer.Kind.BUILDINGS and not name and geometry["type"] != "Polygon":
            raise GeoDataError(_("Objet n° %(n)s : il lui manque son nom (propriété « name »).") % {"n": n})
        kept.append(
            {
                "type": "Feature",
                "properties": {
                    "name": name,
                    "kind": str(properties.get("kind") or properties.get("type") or "")[:40],
                },
                "geometry": geometry,
            }
        )
    layer = MapLayer.objects.filter(commune=commune, kind=kind).first() or MapLayer(
        commune=commune, kind=kind
    )
    layer.features = {"type": "FeatureCollection", "features": kept}
    layer.feature_count = len(kept)
    layer.source = source[:200]
    layer.save()
    audit_record(
        commune=commune,
        actor=actor,
        action="map_layer.import",
        obj=layer,
        summary=f"{kind}: {len(kept)}",
    )
    return layer


BAL_MESSAGES = {
    "empty": _("Le fichier est vide."),
    "separator": _("Les colonnes doivent être séparées par des points-virgules (format BAL)."),
    "columns": _("Colonnes obligatoires absentes : %(columns)s."),
    "too_many": _("Plus de %(max)s lignes : découpez le fichier."),
    "cell_count": _("%(found)s colonnes au lieu de %(expected)s."),
    "duplicate": _("La clé d'interopérabilité %(key)s figure déjà plus haut dans le fichier."),
    "interop_key": _(
        "Clé d'interopérabilité « %(value)s » invalide : attendu CODEINSEE_VOIE_NUMÉRO, par exemple "
        "21990_0120_00014."
    ),
    "other_commune": _(
        "Adresse de la commune %(value)s : ce fichier doit être celui de la commune %(expected)s."
    ),
    "number": _("Numéro « %(value)s » invalide : un nombre entier est attendu."),
    "number_key": _("Le numéro %(value)s ne correspond pas à celui de la clé %(key)s."),
    "street": _("Le nom de la voie (voie_nom) est vide."),
    "position": _("Les coordonnées long/lat (ou x/y) ne sont pas renseignées."),
    "lambert": _("Les coordonnées x/y ne sont pas en Lambert-93."),
    "coordinates": _("Coordonnées invalides (long %(long)s, lat %(lat)s)."),
    "position_kind": _("Type de position « %(value)s » inconnu."),
    "csv": _("Le fichier n'est pas un CSV lisible à partir de cette ligne."),
    "outside": _("L'adresse est hors du contour de la commune."),
}


@dataclass
class AddressImport:
    imported: int
    errors: list[tuple[int, str]]  # line number in the file, French sentence
    skipped_toponyms: int


def bal_error_message(error: bal.BalError) -> str:
    """The French sentence of a BAL reading error (``territory.bal`` gives codes and parameters)."""
    return str(BAL_MESSAGES[error.code]) % error.params if error.params else str(BAL_MESSAGES[error.code])


def _outline(boundary: Any) -> Any:
    """The commune's boundary as a shapely shape, or None (no boundary: anywhere goes)."""
    if not boundary:
        return None
    geometry = boundary.get("geometry", boundary) if boundary.get("type") == "Feature" else boundary
    try:
        return shape(geometry)
    except (ValueError, TypeError, AttributeError, KeyError):
        return None


@transaction.atomic
def addresses_import(*, commune: Commune, text: str, actor: Actor = None) -> AddressImport:
    """Replace the commune's address base by its Base Adresse Locale (format BAL 1.3/1.4, ``territory.bal``).

    The lines that can be read are imported and the others reported line by line; a file with no readable
    address changes nothing. An address outside the commune's boundary is refused (a neighbour's line).
    """
    require_capability(commune=commune, actor=actor, capability="manage_commune")
    parsed = bal.read(text, insee=commune.insee_code or None)
    errors = [(e.line, bal_error_message(e)) for e in parsed.errors]
    rows = []
    outline = _outline(commune.boundary)
    for item in parsed.addresses:
        if outline is not None and not outline.covers(Point(item.longitude, item.latitude)):
            errors.append((item.line, str(BAL_MESSAGES["outside"])))
            continue
        rows.append(
            Address(
                commune=commune,
                interop_key=item.interop_key,
                street=item.street,
                street_key=addressing.normalise(item.street),
                locality=item.locality,
                number=item.number,
                suffix=item.suffix,
                position_kind=item.position_kind,
                latitude=item.latitude,
                longitude=item.longitude,
                parcels=item.parcels,
                certified=item.certified,
                updated_on=item.updated_on,
            )
        )
    if rows:
        Address.objects.filter(commune=commune).delete()
        Address.objects.bulk_create(rows, batch_size=1000)
        AddressStreet.objects.filter(commune=commune).delete()
        streets = {row.street_key: row.street for row in rows}
        AddressStreet.objects.bulk_create(
            [AddressStreet(commune=commune, key=key, name=name) for key, name in streets.items()],
            batch_size=1000,
        )
        audit_record(
            commune=commune, actor=actor, action="address.import", obj=None, summary=f"{len(rows)} adresses"
        )
        addresses_imported.send(sender=Address, commune=commune)
    return AddressImport(imported=len(rows), errors=sorted(errors), skipped_toponyms=parsed.skipped_toponyms)
