"""A plan drawn as SVG from the commune's own layers, around one point (no Django): the map of a report's page
for a browser without JavaScript, where Leaflet cannot run.

The layers are GeoJSON (WGS84); the plan is an equirectangular view of a few hundred metres, which at that
scale is the same as the web maps' Mercator to a pixel. Colours are the classes of static/beffroi/basemap.css.
"""

from __future__ import annotations

import math
from typing import Any
from xml.sax.saxutils import escape, quoteattr

METRES_PER_DEGREE = 111_320.0
PLACE_CLASS = {
    "parc": "basemap-park",
    "cimetiere": "basemap-park",
    "place": "basemap-square",
    "eau": "basemap-water",
    "mairie": "basemap-public",
    "ecole": "basemap-public",
    "eglise": "basemap-public",
    "equipement": "basemap-public",
}


class _View:
    def __init__(self, latitude: float, longitude: float, width: int, height: int, metres_across: float):
        self.lat, self.lon, self.w, self.h = latitude, longitude, width, height
        self.scale = width / metres_across  # pixels per metre
        self.cos = math.cos(math.radians(latitude))

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        x = (lon - self.lon) * METRES_PER_DEGREE * self.cos * self.scale + self.w / 2
        y = self.h / 2 - (lat - self.lat) * METRES_PER_DEGREE * self.scale
        return round(x, 1), round(y, 1)

    def near(self, points: list[tuple[float, float]]) -> bool:
        margin = self.w * 0.5
        return any(-margin <= x <= self.w + margin and -margin <= y <= self.h + margin for x, y in points)


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    kind, coords = geometry.get("type"), geometry.get("coordinates") or []
    if kind == "Polygon":
        return [coords[0]] if coords else []
    if kind == "MultiPolygon":
        return [p[0] for p in coords if p]
    return []


def _lines(geometry: dict[str, Any]) -> list[list[list[float]]]:
    kind, coords = geometry.get("type"), geometry.get("coordinates") or []
    if kind == "LineString":
        return [coords]
    if kind == "MultiLineString":
        return list(coords)
    return []


def _path(points: list[tuple[float, float]], closed: bool) -> str:
    d = "M" + " L".join(f"{x},{y}" for x, y in points)
    return d + (" Z" if closed else "")


def plan_svg(
    layers: dict[str, Any],
    *,
    latitude: float,
    longitude: float,
    title: str,
    width: int = 480,
    height: int = 280,
    metres_across: float = 320.0,
    markers: list[tuple[float, float]] | None = None,
) -> str:
    """An SVG plan centred on (latitude, longitude) with the streets, buildings and places of ``layers``
    ({"voies": FeatureCollection, "batiments": …, "lieux": …}), their names, and the point marked — or, given
    ``markers`` ((longitude, latitude) pairs: the reports of a whole town), each of those points instead."""
    view = _View(latitude, longitude, width, height, metres_across)
    ground: list[str] = []
    roads: list[str] = []
    labels: list[str] = []
    for feature in (layers.get("lieux") or {}).get("features", []):
        cls = PLACE_CLASS.get(feature["properties"].get("kind", ""), "basemap-square")
        for ring in _rings(feature["geometry"]):
            points = [view.xy(p[0], p[1]) for p in ring]
            if view.near(points):
                ground.append(f'<path class="{cls}" d="{_path(points, True)}"/>')
        for line in _lines(feature["geometry"]):
            points = [view.xy(p[0], p[1]) for p in line]
            if view.near(points):
                ground.append(f'<path class="basemap-water" stroke-width="4" d="{_path(points, False)}"/>')
    for feature in (layers.get("batiments") or {}).get("features", []):
        for ring in _rings(feature["geometry"]):
            points = [view.xy(p[0], p[1]) for p in ring]
            if view.near(points):
                ground.append(
                    f'<path class="basemap-building" stroke-width="0.5" d="{_path(points, True)}"/>'
                )
    for feature in (layers.get("voies") or {}).get("features", []):
        kind = feature["properties"].get("kind", "")
        width_px = 9 if kind == "principale" else 3 if kind == "chemin" else 7
        for line in _lines(feature["geometry"]):
            points = [view.xy(p[0], p[1]) for p in line]
            if not view.near(points):
                continue
            d = _path(points, False)
            if kind == "chemin":
                roads.append(f'<path class="basemap-path" stroke-width="2" d="{d}"/>')
                continue
            roads.insert(
                0,
                f'<path class="basemap-casing" stroke-width="{width_px + 2}" stroke-linecap="round" d="{d}"/>',
            )
            cls = "basemap-main-road" if kind == "principale" else "basemap-road"
            roads.append(f'<path class="{cls}" stroke-width="{width_px}" stroke-linecap="round" d="{d}"/>')
            label = _street_label(points, feature["properties"].get("name", ""), view)
            if label:
                labels.append(label)
    for feature in (layers.get("lieux") or {}).get("features", []):
        name = feature["properties"].get("name", "")
        rings = _rings(feature["geometry"])
        if name and rings and feature["properties"].get("kind") in ("mairie", "ecole", "eglise", "parc"):
            points = [view.xy(p[0], p[1]) for p in rings[0]]
            x = sum(p[0] for p in points) / len(points)
            y = sum(p[1] for p in points) / len(points)
            if 0 <= x <= width and 0 <= y <= height:
                labels.append(
                    f'<text class="static-map-label static-map-place" x="{x:.1f}" y="{y - 14:.1f}" '
                    f'text-anchor="middle">{escape(name)}</text>'
                )
    if markers is None:
        cx, cy = view.xy(longitude, latitude)
        marker = f'<circle class="static-map-marker" cx="{cx}" cy="{cy}" r="9"/>'
    else:
        spots = [view.xy(lon, lat) for lon, lat in markers]
        marker = "".join(
            f'<circle class="static-map-marker" cx="{x}" cy="{y}" r="7"/>'
            for x, y in spots
            if 0 <= x <= width and 0 <= y <= height
        )
    return (
        f'<svg class="static-map" viewBox="0 0 {width} {height}" role="img" aria-label={quoteattr(title)} '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
        f'<rect class="static-map-ground" width="{width}" height="{height}"/>'
        f'<g fill="none">{"".join(ground)}{"".join(roads)}</g>{"".join(labels)}{marker}</svg>'
    )


def _street_label(points: list[tuple[float, float]], name: str, view: _View) -> str:
    """The street's name along its longest segment in view, upright."""
    if not name:
        return ""
    best, at = 0.0, -1
    for i in range(len(points) - 1):
        (x1, y1), (x2, y2) = points[i], points[i + 1]
        mx, my = (x1 + x2) / 2, (y1 + y2) / 2
        length = math.hypot(x2 - x1, y2 - y1)
        if 20 <= mx <= view.w - 20 and 10 <= my <= view.h - 10 and length > best:
            best, at = length, i
    if at < 0 or best < 15 * len(name) * 0.55:
        return ""
    (x1, y1), (x2, y2) = points[at], points[at + 1]
    angle = math.degrees(math.atan2(y2 - y1, x2 - x1))
    if angle > 90:
        angle -= 180
    elif angle < -90:
        angle += 180
    mx, my = (x1 + x2) / 2, (y1 + y2) / 2
    return (
        f'<text class="static-map-label" x="{mx:.1f}" y="{my:.1f}" dy="0.35em" text-anchor="middle" '
        f'transform="rotate({angle:.1f} {mx:.1f} {my:.1f})">{escape(name)}</text>'
    )
