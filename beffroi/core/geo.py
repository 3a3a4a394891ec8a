"""Is a point inside the commune? (GeoJSON boundary, WGS84; shapely, no Django.)"""

import json
from functools import lru_cache

from shapely.geometry import Point, shape
from shapely.prepared import prep


@lru_cache(maxsize=256)
def _prepared(boundary_json: str):
    return prep(shape(json.loads(boundary_json)))


def inside(boundary: dict | None, *, latitude: float, longitude: float) -> bool:
    """True when (latitude, longitude) lies in the boundary (edges included). No boundary: anything goes."""
    if not boundary:
        return True
    geometry = boundary.get("geometry", boundary) if boundary.get("type") == "Feature" else boundary
    return _prepared(json.dumps(geometry, sort_keys=True)).covers(Point(longitude, latitude))


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Equirectangular distance in metres: plenty accurate at the scale of a commune."""
    import math

    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return 6_371_000 * math.hypot(x, y)
