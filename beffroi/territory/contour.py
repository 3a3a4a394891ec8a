"""A commune's contour, uploaded as GeoJSON: read, checked and reduced to what the platform stores.

Accepted: a Polygon or a MultiPolygon in WGS84 longitude/latitude (RFC 7946), given bare, as a Feature or as a
FeatureCollection holding one such feature (what the IGN's ADMIN EXPRESS or the cadastre's exports give once
converted). The shape must be valid (no self-intersection), contain the commune's centre when it is known, and
lie in the part of France the commune belongs to. Errors are French sentences for the operator. Pure: shapely,
no Django.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from shapely.geometry import Point, mapping, shape
from shapely.validation import explain_validity

MAX_BYTES = 5 * 1024 * 1024


class ContourError(ValueError):
    """The uploaded contour cannot be used; the message says why, in French."""


@dataclass(frozen=True)
class Contour:
    geometry: dict[str, Any]  # the GeoJSON geometry to store
    centre: tuple[float, float]  # (latitude, longitude) of a point surely inside


def _geometry(document: Any) -> dict[str, Any]:
    if not isinstance(document, dict):
        raise ContourError("Le fichier n'est pas un objet GeoJSON.")
    kind = document.get("type")
    if kind == "FeatureCollection":
        features = document.get("features")
        if not isinstance(features, list) or len(features) != 1:
            raise ContourError(
                "La collection doit contenir exactement un objet (le contour de la commune) ; "
                f"elle en contient {len(features) if isinstance(features, list) else 0}."
            )
        return _geometry(features[0])
    if kind == "Feature":
        return _geometry(document.get("geometry"))
    if kind not in ("Polygon", "MultiPolygon"):
        raise ContourError(
            f"Le contour doit être un polygone ou un multipolygone (Polygon ou MultiPolygon), pas « {kind} »."
        )
    return document


def read(
    raw: bytes,
    *,
    centre: tuple[float, float] | None,
    box: tuple[float, float, float, float] | None,
    place: str = "la commune",
) -> Contour:
    """Check an uploaded GeoJSON contour (bytes) and return it with a point inside it.

    ``centre`` (latitude, longitude) must lie inside the contour when given; ``box`` (west, south, east, north)
    is the part of France the commune belongs to, which the contour's inner point must lie in.
    """
    if len(raw) > MAX_BYTES:
        raise ContourError("Le fichier dépasse 5 Mo ; simplifiez le contour avant de l'envoyer.")
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as error:
        raise ContourError("Le fichier n'est pas du GeoJSON lisible (JSON en UTF-8).") from error
    geometry = _geometry(document)
    try:
        polygon = shape(geometry)
    except (ValueError, TypeError, AttributeError, IndexError, KeyError) as error:
        raise ContourError("Les coordonnées du contour sont mal formées.") from error
    if polygon.is_empty:
        raise ContourError("Le contour est vide.")
    if not polygon.is_valid:
        # shapely explains in English ("Self-intersection[4.83 47.31]"): keep only where it is.
        where = explain_validity(polygon).partition("[")[2].rstrip("]")
        at = f" près du point {where.replace(' ', ', ')}" if where else ""
        raise ContourError(
            f"Le contour n'est pas valide{at} : un bord se croise ou un anneau est mal fermé. "
            "Corrigez-le dans un logiciel SIG (QGIS : « Réparer les géométries »)."
        )
    west, south, east, north = polygon.bounds
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise ContourError(
            "Les coordonnées ne sont pas des longitudes et latitudes (WGS 84) : reprojetez le fichier en "
            "EPSG:4326 avant de l'envoyer."
        )
    inner = polygon.representative_point()
    if box is not None:
        b_west, b_south, b_east, b_north = box
        if not (b_west <= inner.x <= b_east and b_south <= inner.y <= b_north):
            raise ContourError(f"Le contour est situé ailleurs qu'à {place} : vérifiez le fichier.")
    if centre is not None:
        latitude, longitude = centre
        if not polygon.covers(Point(longitude, latitude)):
            raise ContourError(
                f"Le contour ne contient pas le centre de {place} "
                f"({latitude:.5f}, {longitude:.5f}) : est-ce bien le contour de cette commune ?"
            )
    stored: dict[str, Any] = json.loads(json.dumps(mapping(polygon)))  # tuples → lists, as stored
    return Contour(geometry=stored, centre=(round(inner.y, 6), round(inner.x, 6)))
