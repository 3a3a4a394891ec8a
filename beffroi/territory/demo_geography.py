"""The demo communes' geography, drawn once by hand and generated the same way every time (no Django).

Each street is a polyline in metres east and north of the mairie; addresses are numbered the French way (odd
on the left, even on the right, walking from the street's start), each with a house set back from the street.
Anchors pin the addresses the demo's named places carry (« 12 rue des Écoles » is the school, « 1 place de la
Mairie » the town hall), and the numbers before an anchor are spread evenly up to it. The result feeds the
same imports as a real commune's files: GeoJSON layers and a BAL 1.3 file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from shapely.geometry import LineString, Point, Polygon

from beffroi.territory.bal import BalAddress

METRES_PER_DEGREE = 111_320.0


@dataclass
class Street:
    name: str
    code: str  # the voie part of the interoperability key
    kind: str  # principale, residentielle, chemin, place
    points: list[tuple[float, float]]
    spacing: float | None = 25.0  # metres between two numbers on one side; None: no address
    sides: str = "both"  # both, left, right
    anchors: dict[int, tuple[float, float]] = field(default_factory=dict)  # number → its point (metres)


@dataclass
class Landmark:
    name: str
    kind: str  # mairie, ecole, eglise, place, parc, equipement, eau, cimetiere
    shape: list[tuple[float, float]]  # a polygon's ring, a line, or one point
    geometry: str = "Polygon"


@dataclass
class Town:
    slug: str
    name: str
    insee: str
    latitude: float
    longitude: float
    streets: list[Street]
    landmarks: list[Landmark]


VALBOURG = Town(
    slug="valbourg",
    name="Valbourg",
    insee="21990",
    latitude=47.3182,
    longitude=4.8325,
    streets=[
        Street("Route de Dijon", "0090", "principale", [(-1900, 20), (-1300, 45), (-700, 85)], spacing=70),
        Street(
            "Rue de la République",
            "0100",
            "principale",
            [(-700, 85), (-113, 122), (300, 135), (800, 115)],
            22,
        ),
        Street("Route de Beaune", "0105", "principale", [(800, 115), (1400, 90), (1900, 60)], spacing=70),
        Street(
            "Place de la Mairie", "0050", "place", [(-45, -30), (45, -30)], 30, "left", anchors={1: (0, 0)}
        ),
        Street("Allée de l'Église", "0140", "residentielle", [(0, 122), (10, 30)], 24, "left"),
        Street(
            "Rue Pasteur", "0110", "residentielle", [(-70, 122), (-60, -40), (-40, -350), (-10, -640)], 24
        ),
        Street(
            "Rue des Écoles",
            "0120",
            "residentielle",
            [(-300, 480), (-245, 330), (-180, 220), (-113, 122)],
            22,
            anchors={12: (-272, 323)},
        ),
        Street("Chemin des Vignes", "0190", "chemin", [(-300, 480), (-420, 700), (-500, 1000)], spacing=60),
        Street("Place du Marché", "0150", "place", [(130, -55), (220, -55)], 26, "left"),
        Street("Rue Jean-Jaurès", "0160", "residentielle", [(300, 135), (225, -55)], 24),
        Street(
            "Avenue de la Gare",
            "0130",
            "principale",
            [(220, -125), (320, -230), (450, -340), (640, -520), (900, -750)],
            30,
            anchors={8: (430, -367)},
        ),
        Street(
            "Rue du Château", "0170", "residentielle", [(300, 135), (380, 300), (430, 420), (560, 620)], 26
        ),
        Street(
            "Rue du Stade",
            "0180",
            "residentielle",
            [(-53, -334), (-313, -544), (-573, -744)],
            40,
            anchors={3: (-468, -712)},
        ),
        Street("Impasse des Tilleuls", "0200", "residentielle", [(-62, -200), (-250, -190)], 22),
        Street("Rue Victor-Hugo", "0210", "residentielle", [(-700, 85), (-690, -300), (-600, -600)], 26),
        Street("Rue du Moulin", "0220", "residentielle", [(800, 115), (820, -200), (900, -500)], 30),
        Street("Rue des Jardins", "0230", "residentielle", [(-380, 100), (-400, 330), (-300, 480)], 24),
    ],
    landmarks=[
        Landmark("Mairie", "mairie", [(-22, -8), (22, -8), (22, 14), (-22, 14)]),
        Landmark("Place de la Mairie", "place", [(-45, -36), (45, -36), (45, -86), (-45, -86)]),
        Landmark("Église Saint-Martin", "eglise", [(38, 52), (78, 52), (78, 68), (38, 68)]),
        Landmark(
            "École élémentaire Jules-Ferry", "ecole", [(-300, 310), (-285, 345), (-250, 336), (-262, 303)]
        ),
        Landmark("Place du Marché", "place", [(130, -62), (220, -62), (220, -118), (130, -118)]),
        Landmark("Salle des fêtes", "equipement", [(418, -392), (452, -366), (440, -350), (406, -376)]),
        Landmark("Parc du Château", "parc", [(480, 390), (660, 420), (690, 620), (600, 660), (548, 560)]),
        Landmark("Gymnase municipal", "equipement", [(-495, -740), (-450, -700), (-432, -722), (-477, -762)]),
        Landmark("Stade", "parc", [(-420, -620), (-300, -720), (-360, -800), (-480, -700)]),
        Landmark("Cimetière", "cimetiere", [(-820, -320), (-730, -320), (-730, -400), (-820, -400)]),
        Landmark("Ancienne gare", "equipement", [(905, -785), (945, -760), (935, -745), (895, -770)]),
        Landmark(
            "Ruisseau du Val",
            "eau",
            [(1050, 1200), (980, 400), (1010, -200), (940, -900), (980, -1600)],
            "LineString",
        ),
    ],
)

HAUTMESNIL = Town(
    slug="hautmesnil",
    name="Hautmesnil",
    insee="21991",
    latitude=47.361,
    longitude=4.771,
    streets=[
        Street(
            "Place de l'Église", "0010", "place", [(-40, -15), (40, -15)], 26, "left", anchors={1: (0, 0)}
        ),
        Street(
            "Grande Rue",
            "0020",
            "principale",
            [(-900, -100), (-300, -90), (0, -95), (400, -110), (900, -150)],
            28,
        ),
        Street(
            "Chemin du Lavoir",
            "0030",
            "residentielle",
            [(-40, -15), (-100, 60), (-160, 160), (-250, 330)],
            30,
        ),
        Street(
            "Rue des Écoles",
            "0040",
            "residentielle",
            [(60, -100), (80, -300), (120, -500)],
            25,
            anchors={14: (44, -264)},
        ),
        Street(
            "Route de Valbourg", "0050", "principale", [(400, -110), (700, -400), (1100, -800)], spacing=60
        ),
        Street("Rue du Four", "0060", "residentielle", [(-300, -90), (-320, -350)], 26),
        Street("Impasse des Vergers", "0070", "residentielle", [(200, -105), (220, 80)], 25),
        Street("Chemin des Prés", "0080", "chemin", [(-250, 330), (-150, 600)], spacing=70),
    ],
    landmarks=[
        Landmark("Mairie", "mairie", [(-14, -6), (14, -6), (14, 10), (-14, 10)]),
        Landmark("Place de l'Église", "place", [(-40, -22), (40, -22), (40, -72), (-40, -72)]),
        Landmark("Église Saint-Rémi", "eglise", [(-14, -54), (14, -54), (14, -40), (-14, -40)]),
        Landmark("École communale", "ecole", [(30, -252), (56, -254), (58, -276), (32, -274)]),
        Landmark("Lavoir", "equipement", [(-142, 139), (-130, 139), (-130, 151), (-142, 151)]),
        Landmark(
            "Ru de Hautmesnil", "eau", [(-600, 500), (-170, 140), (-60, -400), (100, -1000)], "LineString"
        ),
        Landmark("Cimetière", "cimetiere", [(430, 0), (500, 0), (500, -60), (430, -60)]),
    ],
)

TOWNS = {t.slug: t for t in (VALBOURG, HAUTMESNIL)}


def _to_lonlat(town: Town, x: float, y: float) -> tuple[float, float]:
    lat = town.latitude + y / METRES_PER_DEGREE
    lon = town.longitude + x / (METRES_PER_DEGREE * math.cos(math.radians(town.latitude)))
    return round(lon, 7), round(lat, 7)


def _offset_point(line: LineString, d: float, side: int, offset: float) -> tuple[Point, float]:
    """The point ``offset`` metres to the left (side 1) or right (side -1) of the line at ``d``; its angle."""
    p = line.interpolate(d)
    q = line.interpolate(min(d + 1.0, line.length))
    r = line.interpolate(max(d - 1.0, 0.0))
    dx, dy = q.x - r.x, q.y - r.y
    norm = math.hypot(dx, dy) or 1.0
    nx, ny = -dy / norm * side, dx / norm * side
    return Point(p.x + nx * offset, p.y + ny * offset), math.atan2(dy, dx)


def _house(centre: Point, angle: float, width: float = 11.0, depth: float = 8.0) -> Polygon:
    c, s = math.cos(angle), math.sin(angle)
    corners = [
        (-width / 2, -depth / 2),
        (width / 2, -depth / 2),
        (width / 2, depth / 2),
        (-width / 2, depth / 2),
    ]
    return Polygon([(centre.x + u * c - v * s, centre.y + u * s + v * c) for u, v in corners])


def _positions(street: Street, line: LineString, side: int) -> list[tuple[int, float]]:
    """(number, distance along) of one side: evenly spaced, spread up to each anchor of that side."""
    assert street.spacing is not None
    parity = 1 if side == 1 else 0
    start, end = 15.0, line.length - 12.0
    anchors = sorted((n, line.project(Point(p))) for n, p in street.anchors.items() if n % 2 == parity)
    out: list[tuple[int, float]] = []
    k, d = 0, start
    for number, along in [*anchors, (None, None)]:
        if number is None:
            while d <= end:
                out.append((2 * k + 1 if parity else 2 * k + 2, d))
                k += 1
                d += street.spacing
            break
        k_anchor = (number - 1) // 2 if parity else (number - 2) // 2
        steps = max(1, k_anchor - k)
        gap = (along - d) / steps if k_anchor > k else 0.0
        while k < k_anchor:
            out.append((2 * k + 1 if parity else 2 * k + 2, d))
            k += 1
            d += gap
        out.append((number, along))
        k, d = k_anchor + 1, along + street.spacing
    return out


def generate(town: Town) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], list[BalAddress]]:
    """The town's three layers (streets, buildings, named places) as GeoJSON FeatureCollections, and its BAL."""
    lines = {s.name: LineString(s.points) for s in town.streets}
    landmark_shapes = [Polygon(m.shape) for m in town.landmarks if m.geometry == "Polygon"]
    streets, buildings, places = [], [], []
    addresses: list[BalAddress] = []
    updated = date(2026, 3, 2)
    for street in town.streets:
        line = lines[street.name]
        streets.append(
            {
                "type": "Feature",
                "properties": {"name": street.name, "kind": street.kind},
                "geometry": {
                    "type": "LineString",
                    "coordinates": [_to_lonlat(town, x, y) for x, y in street.points],
                },
            }
        )
        if street.spacing is None:
            continue
        others = [g for name, g in lines.items() if name != street.name]
        for side in (1, -1):
            if street.sides == "left" and side == -1 or street.sides == "right" and side == 1:
                continue
            for number, along in _positions(street, line, side):
                anchored = number in street.anchors
                if anchored:
                    point, angle = Point(street.anchors[number]), 0.0
                else:
                    point, angle = _offset_point(line, along, side, 13.0)
                    centre, _ = _offset_point(line, along, side, 20.0)
                    house = _house(centre, angle)
                    if any(g.distance(house) < 5 for g in others) or any(
                        house.intersects(s) for s in landmark_shapes
                    ):
                        continue
                    buildings.append(
                        {
                            "type": "Feature",
                            "properties": {"kind": "maison"},
                            "geometry": {
                                "type": "Polygon",
                                "coordinates": [[_to_lonlat(town, x, y) for x, y in house.exterior.coords]],
                            },
                        }
                    )
                lon, lat = _to_lonlat(town, point.x, point.y)
                addresses.append(
                    BalAddress(
                        interop_key=f"{town.insee}_{street.code}_{number:05d}",
                        insee=town.insee,
                        street=street.name,
                        locality="",
                        number=number,
                        suffix="",
                        position_kind="entrée" if not anchored else "bâtiment",
                        latitude=lat,
                        longitude=lon,
                        parcels="",
                        certified=True,
                        updated_on=updated,
                    )
                )
    for mark in town.landmarks:
        coords = [_to_lonlat(town, x, y) for x, y in mark.shape]
        geometry: dict[str, Any]
        if mark.geometry == "Polygon":
            geometry = {"type": "Polygon", "coordinates": [[*coords, coords[0]]]}
        else:
            geometry = {"type": mark.geometry, "coordinates": coords}
        places.append(
            {"type": "Feature", "properties": {"name": mark.name, "kind": mark.kind}, "geometry": geometry}
        )
    addresses.sort(key=lambda a: (a.street, a.number))
    collection = lambda items: {"type": "FeatureCollection", "features": items}  # noqa: E731
    return collection(streets), collection(buildings), collection(places), addresses


# --- where the demo's street furniture and sensors stand (the data hub's demo places its devices with these) ---


def to_lonlat(town: Town, x: float, y: float) -> tuple[float, float]:
    """A point given in metres east and north of the town's mairie, as (longitude, latitude)."""
    return _to_lonlat(town, x, y)


def street_point(town: Town, street: str, fraction: float, offset: float = 0.0) -> tuple[float, float]:
    """The point at ``fraction`` (0 to 1) of the street's length, ``offset`` metres to its left (negative:
    right), as (longitude, latitude): a counter on the road (offset 0), a post on the pavement (6 m)."""
    line = LineString(next(s.points for s in town.streets if s.name == street))
    point, _angle = _offset_point(line, line.length * min(max(fraction, 0.0), 1.0), 1, offset)
    return _to_lonlat(town, point.x, point.y)


def landmark_point(town: Town, name: str) -> tuple[float, float]:
    """The middle of a named place (the mairie, the school, the gymnasium), as (longitude, latitude)."""
    mark = next(m for m in town.landmarks if m.name == name)
    centre = Polygon(mark.shape).centroid if mark.geometry == "Polygon" else LineString(mark.shape).centroid
    return _to_lonlat(town, centre.x, centre.y)


def along_streets(town: Town, count: int, *, streets: list[str], offset: float) -> list[tuple[float, float]]:
    """``count`` points spread evenly along the named streets taken end to end, alternately on either side,
    ``offset`` metres from the middle of the road: where lamp posts or bins stand along a town's streets."""
    lines = [LineString(s.points) for name in streets for s in town.streets if s.name == name]
    total = sum(line.length for line in lines)
    step = total / count
    points = []
    for i in range(count):
        d = step * (i + 0.5)
        for line in lines:
            if d <= line.length:
                point, _angle = _offset_point(line, d, 1 if i % 2 == 0 else -1, offset)
                points.append(_to_lonlat(town, point.x, point.y))
                break
            d -= line.length
    return points
