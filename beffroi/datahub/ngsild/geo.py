"""NGSI-LD geo-queries (ETSI GS CIM 009 V1.9.1 §4.10): parameter parsing, evaluation, bounding-box prefilter.

A geo-query is given by ``georel`` (``near;maxDistance==<m>``, ``near;minDistance==<m>``, ``within``,
``contains``, ``intersects``, ``equals``, ``disjoint``, ``overlaps``), ``geometry`` (a GeoJSON type other than
GeometryCollection), ``coordinates`` (the GeoJSON coordinates, as JSON text in a URL) and ``geoproperty``
(``location`` by default). If any of the first three is given, all three are required (``BadRequestData``).

Coordinates are WGS84 longitude/latitude. The topological relations (``within``, ``intersects``…) are
evaluated by shapely on lon/lat as planar coordinates, as PostGIS does on ``geometry`` columns. Distances for
``near`` are in metres on the sphere: the haversine formula between two points; for other shapes, the nearest
points are found in a local equirectangular projection centred on the reference geometry and their
haversine distance is returned (the error is negligible at the scale of a commune).

:meth:`GeoQuery.prefilter` gives a :class:`BBoxFilter` (min/max lon/lat and how an entity's own bounding box
must relate to it) that a SQL layer can apply on indexed bbox columns before the exact test here. Longitude
wrap-around at the antimeridian is not handled (French territory does not cross it; Wallis-et-Futuna, which
is near it, does not either).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import shapely
from shapely.errors import GEOSException
from shapely.geometry import shape as shapely_shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points
from shapely.validation import explain_validity

from beffroi.datahub.ngsild.errors import BadRequestData

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG), metres

GEORELS = ("near", "within", "contains", "intersects", "equals", "disjoint", "overlaps")
GEOMETRY_TYPES = ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon")
_GEOMETRY_BY_LOWER = {name.lower(): name for name in GEOMETRY_TYPES}
DEFAULT_GEOPROPERTY = "location"

Georel = Literal["near", "within", "contains", "intersects", "equals", "disjoint", "overlaps"]


# --------------------------------------------------------------------------------------- distances


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres between two WGS84 points (haversine formula, spherical Earth)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def _project(geometry: BaseGeometry, lon0: float, lat0: float) -> BaseGeometry:
    scale_x = EARTH_RADIUS_M * math.cos(math.radians(lat0)) * math.pi / 180
    scale_y = EARTH_RADIUS_M * math.pi / 180

    def forward(coords: Any) -> Any:
        out = coords.copy()
        out[:, 0] = (coords[:, 0] - lon0) * scale_x
        out[:, 1] = (coords[:, 1] - lat0) * scale_y
        return out

    return shapely.transform(geometry, forward)


def _unproject_point(x: float, y: float, lon0: float, lat0: float) -> tuple[float, float]:
    scale_x = EARTH_RADIUS_M * math.cos(math.radians(lat0)) * math.pi / 180
    scale_y = EARTH_RADIUS_M * math.pi / 180
    return lon0 + (x / scale_x if scale_x else 0.0), lat0 + y / scale_y


def distance_m(target: BaseGeometry, reference: BaseGeometry) -> float:
    """Distance in metres between two lon/lat geometries (0 when they intersect)."""
    if target.is_empty or reference.is_empty:
        return math.inf
    if target.geom_type == "Point" and reference.geom_type == "Point":
        return haversine_m(target.x, target.y, reference.x, reference.y)
    if target.intersects(reference):
        return 0.0
    centre = reference.representative_point()
    lon0, lat0 = centre.x, centre.y
    near_target, near_reference = nearest_points(
        _project(target, lon0, lat0), _project(reference, lon0, lat0)
    )
    lon1, lat1 = _unproject_point(near_target.x, near_target.y, lon0, lat0)
    lon2, lat2 = _unproject_point(near_reference.x, near_reference.y, lon0, lat0)
    return haversine_m(lon1, lat1, lon2, lat2)


# ----------------------------------------------------------------------------------------- GeoJSON


def _check_position(position: Any, where: str) -> None:
    if not isinstance(position, list | tuple) or len(position) < 2 or len(position) > 3:
        raise BadRequestData(f"{where}: a position must be [longitude, latitude] (optionally altitude)")
    for number in position:
        if isinstance(number, bool) or not isinstance(number, int | float) or not math.isfinite(number):
            raise BadRequestData(f"{where}: coordinates must be finite numbers, got {number!r}")
    lon, lat = position[0], position[1]
    if not -180 <= lon <= 180:
        raise BadRequestData(f"{where}: longitude {lon} is outside [-180, 180]")
    if not -90 <= lat <= 90:
        raise BadRequestData(f"{where}: latitude {lat} is outside [-90, 90]")


def _check_positions(positions: Any, where: str, minimum: int) -> None:
    if not isinstance(positions, list | tuple) or len(positions) < minimum:
        raise BadRequestData(f"{where}: expected an array of at least {minimum} positions")
    for position in positions:
        _check_position(position, where)


def _check_ring(ring: Any, where: str) -> None:
    _check_positions(ring, where, 4)
    if list(ring[0]) != list(ring[-1]):
        raise BadRequestData(f"{where}: a polygon ring must be closed (its first and last positions equal)")


def _check_coordinates(kind: str, coordinates: Any) -> None:
    where = f"{kind} coordinates"
    if kind == "Point":
        _check_position(coordinates, where)
    elif kind == "MultiPoint":
        _check_positions(coordinates, where, 1)
    elif kind == "LineString":
        _check_positions(coordinates, where, 2)
    elif kind == "MultiLineString":
        if not isinstance(coordinates, list | tuple) or not coordinates:
            raise BadRequestData(f"{where}: expected an array of line strings")
        for line in coordinates:
            _check_positions(line, where, 2)
    elif kind == "Polygon":
        if not isinstance(coordinates, list | tuple) or not coordinates:
            raise BadRequestData(f"{where}: expected an array of linear rings")
        for ring in coordinates:
            _check_ring(ring, where)
    elif kind == "MultiPolygon":
        if not isinstance(coordinates, list | tuple) or not coordinates:
            raise BadRequestData(f"{where}: expected an array of polygons")
        for polygon in coordinates:
            if not isinstance(polygon, list | tuple) or not polygon:
                raise BadRequestData(f"{where}: expected an array of linear rings")
            for ring in polygon:
                _check_ring(ring, where)
    else:
        raise BadRequestData(f"unsupported geometry type {kind!r}")


def validate_geojson(geometry: Any, *, allow_collection: bool = True) -> dict[str, Any]:
    """Check a GeoJSON geometry object (RFC 7946 §3.1) with WGS84 ranges; returns it, or raises BadRequestData."""
    if not isinstance(geometry, Mapping):
        raise BadRequestData("a geometry must be a GeoJSON object with 'type' and 'coordinates'")
    kind = geometry.get("type")
    if kind == "GeometryCollection" and allow_collection:
        members = geometry.get("geometries")
        if not isinstance(members, list):
            raise BadRequestData("a GeometryCollection needs a 'geometries' array")
        for member in members:
            validate_geojson(member, allow_collection=False)
        return dict(geometry)
    if kind not in GEOMETRY_TYPES:
        raise BadRequestData(
            f"unsupported geometry type {kind!r}; expected one of {', '.join(GEOMETRY_TYPES)}"
        )
    _check_coordinates(kind, geometry.get("coordinates"))
    return dict(geometry)


def to_shape(geometry: Mapping[str, Any]) -> BaseGeometry:
    """A shapely geometry from a GeoJSON geometry, validated (raises BadRequestData)."""
    validate_geojson(geometry)
    try:
        return shapely_shape(geometry)
    except (GEOSException, ValueError, TypeError, IndexError) as exc:
        raise BadRequestData(f"invalid {geometry.get('type')} geometry: {exc}") from None


# ----------------------------------------------------------------------------------------- bounding boxes


@dataclass(frozen=True, slots=True)
class BBox:
    """A lon/lat bounding box (WGS84 degrees)."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    def intersects(self, other: BBox) -> bool:
        return (
            self.min_lon <= other.max_lon
            and other.min_lon <= self.max_lon
            and self.min_lat <= other.max_lat
            and other.min_lat <= self.max_lat
        )

    def contains(self, other: BBox) -> bool:
        return (
            self.min_lon <= other.min_lon
            and self.min_lat <= other.min_lat
            and self.max_lon >= other.max_lon
            and self.max_lat >= other.max_lat
        )

    def expanded_by_metres(self, metres: float) -> BBox:
        """A box holding every point within ``metres`` (great-circle) of this box.

        Latitude grows by the angular radius; longitude by asin(sin r / cos φ) at the box's latitude
        farthest from the equator (the widest longitude extent of a spherical cap); near a pole the box
        spans all longitudes.
        """
        radius = metres / EARTH_RADIUS_M
        dlat = math.degrees(radius)
        min_lat = max(-90.0, self.min_lat - dlat)
        max_lat = min(90.0, self.max_lat + dlat)
        widest = math.radians(max(abs(self.min_lat), abs(self.max_lat)))
        if radius >= math.pi / 2 or widest + radius >= math.pi / 2:
            return BBox(-180.0, min_lat, 180.0, max_lat)
        dlon = math.degrees(math.asin(min(1.0, math.sin(radius) / math.cos(widest))))
        return BBox(max(-180.0, self.min_lon - dlon), min_lat, min(180.0, self.max_lon + dlon), max_lat)


def _walk_positions(coordinates: Any) -> Iterable[tuple[float, float]]:
    if (
        isinstance(coordinates, list | tuple)
        and coordinates
        and isinstance(coordinates[0], int | float)
        and not isinstance(coordinates[0], bool)
    ):
        yield float(coordinates[0]), float(coordinates[1])
        return
    if isinstance(coordinates, list | tuple):
        for item in coordinates:
            yield from _walk_positions(item)


def bbox_of(geometry: Mapping[str, Any] | BaseGeometry) -> BBox | None:
    """The bounding box of a GeoJSON geometry (walking its coordinates, no shapely) or a shapely geometry.

    Meant for ingestion, to store min/max lon/lat beside each entity's GeoProperty. None for an empty or
    malformed geometry.
    """
    if isinstance(geometry, BaseGeometry):
        if geometry.is_empty:
            return None
        min_lon, min_lat, max_lon, max_lat = geometry.bounds
        return BBox(min_lon, min_lat, max_lon, max_lat)
    if not isinstance(geometry, Mapping):
        return None
    if geometry.get("type") == "GeometryCollection":
        boxes = [b for b in (bbox_of(g) for g in geometry.get("geometries") or []) if b is not None]
        if not boxes:
            return None
        return BBox(
            min(b.min_lon for b in boxes),
            min(b.min_lat for b in boxes),
            max(b.max_lon for b in boxes),
            max(b.max_lat for b in boxes),
        )
    try:
        positions = list(_walk_positions(geometry.get("coordinates")))
    except (TypeError, ValueError, IndexError):
        return None
    if not positions:
        return None
    lons = [p[0] for p in positions]
    lats = [p[1] for p in positions]
    return BBox(min(lons), min(lats), max(lons), max(lats))


@dataclass(frozen=True, slots=True)
class BBoxFilter:
    """How an entity's bounding box must relate to ``bbox`` for the entity to possibly match.

    - ``intersects``: entity.min_lon <= bbox.max_lon and entity.max_lon >= bbox.min_lon (same for lat);
    - ``within``: the entity's box lies inside ``bbox``;
    - ``contains``: the entity's box covers ``bbox``.

    It is a necessary condition only: the exact test (:meth:`GeoQuery.matches_geometry`) must follow.
    """

    kind: Literal["intersects", "within", "contains"]
    bbox: BBox

    def accepts(self, entity_bbox: BBox | None) -> bool:
        if entity_bbox is None:
            return False
        if self.kind == "within":
            return self.bbox.contains(entity_bbox)
        if self.kind == "contains":
            return entity_bbox.contains(self.bbox)
        return self.bbox.intersects(entity_bbox)


# ------------------------------------------------------------------------------------------- geo-query


@dataclass(frozen=True)
class GeoQuery:
    """A parsed NGSI-LD geo-query (CIM 009 §4.10)."""

    georel: Georel
    geometry: dict[str, Any]
    geoproperty: str = DEFAULT_GEOPROPERTY
    max_distance: float | None = None
    min_distance: float | None = None
    reference: BaseGeometry = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        reference = to_shape(self.geometry)
        if not reference.is_valid:
            raise BadRequestData(f"the {self.geometry['type']} is not valid: {explain_validity(reference)}")
        object.__setattr__(self, "reference", reference)

    @property
    def georel_text(self) -> str:
        """The georel written back in NGSI-LD syntax."""
        if self.georel != "near":
            return self.georel
        parts = ["near"]
        if self.max_distance is not None:
            parts.append(f"maxDistance=={_format_number(self.max_distance)}")
        if self.min_distance is not None:
            parts.append(f"minDistance=={_format_number(self.min_distance)}")
        return ";".join(parts)

    def to_geoq(self) -> dict[str, Any]:
        """The query as an NGSI-LD ``geoQ`` object (subscriptions, POST entityOperations/query)."""
        return {
            "geometry": self.geometry["type"],
            "coordinates": self.geometry["coordinates"],
            "georel": self.georel_text,
            "geoproperty": self.geoproperty,
        }

    def matches_geometry(self, target: Mapping[str, Any] | BaseGeometry) -> bool:
        """Does the target geometry (GeoJSON or shapely) satisfy the relation? Malformed targets do not."""
        try:
            shape = target if isinstance(target, BaseGeometry) else to_shape(target)
        except BadRequestData:
            return False
        if shape.is_empty:
            return False
        reference = self.reference
        try:
            if self.georel == "near":
                distance = distance_m(shape, reference)
                if self.max_distance is not None and distance > self.max_distance:
                    return False
                # minDistance: disjoint from the buffer of that radius, hence strictly farther.
                return not (self.min_distance is not None and distance <= self.min_distance)
            if self.georel == "within":
                return bool(shape.within(reference))
            if self.georel == "contains":
                return bool(shape.contains(reference))
            if self.georel == "intersects":
                return bool(shape.intersects(reference))
            if self.georel == "equals":
                return bool(shape.equals(reference))
            if self.georel == "disjoint":
                return bool(shape.disjoint(reference))
            return bool(shape.overlaps(reference))
        except GEOSException:
            return False

    def matches(self, entity: Mapping[str, Any]) -> bool:
        """Does the entity's geoproperty (any of its instances) satisfy the query? No geoproperty: no."""
        return any(self.matches_geometry(g) for g in target_geometries(entity, self.geoproperty))

    def prefilter(self) -> BBoxFilter | None:
        """A bounding-box condition any matching entity meets, for SQL prefiltering; None if there is none.

        ``disjoint`` and a bare ``minDistance`` select what is far away, which a box cannot bound.
        The ``near`` box is widened by 0.5 % + 1 m beyond the exact spherical bound to absorb the
        local-projection error of :func:`distance_m` on non-point shapes.
        """
        box = bbox_of(self.reference)
        if box is None:
            return None
        if self.georel == "near":
            if self.max_distance is None:
                return None
            return BBoxFilter("intersects", box.expanded_by_metres(self.max_distance * 1.005 + 1.0))
        if self.georel in ("within", "equals"):
            return BBoxFilter("within", box)
        if self.georel == "contains":
            return BBoxFilter("contains", box)
        if self.georel in ("intersects", "overlaps"):
            return BBoxFilter("intersects", box)
        return None


def _format_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def target_geometries(entity: Mapping[str, Any], geoproperty: str = DEFAULT_GEOPROPERTY) -> list[Any]:
    """The GeoJSON values of an entity's GeoProperty (normalized, multi-instance or keyValues form)."""
    node = entity.get(geoproperty)
    if node is None:
        return []
    instances = node if isinstance(node, list) else [node]
    geometries = []
    for instance in instances:
        if not isinstance(instance, Mapping):
            continue
        if instance.get("type") == "GeoProperty" or ("value" in instance and "coordinates" not in instance):
            value = instance.get("value")
            if isinstance(value, Mapping):
                geometries.append(value)
        elif "coordinates" in instance or instance.get("type") == "GeometryCollection":
            geometries.append(instance)
    return geometries


def parse_georel(text: str) -> tuple[Georel, float | None, float | None]:
    """``near;maxDistance==2000`` → ("near", 2000.0, None); ``within`` → ("within", None, None)."""
    if not isinstance(text, str) or not text.strip():
        raise BadRequestData("georel is empty")
    parts = [p.strip() for p in text.strip().split(";")]
    name = parts[0]
    if name not in GEORELS:
        raise BadRequestData(f"unknown georel {name!r}; expected one of {', '.join(GEORELS)}")
    if name != "near":
        if len(parts) > 1:
            raise BadRequestData(f"georel {name!r} takes no modifier")
        return name, None, None  # type: ignore[return-value]
    if len(parts) == 1:
        raise BadRequestData("georel 'near' needs maxDistance==<metres> or minDistance==<metres>")
    distances: dict[str, float] = {}
    for part in parts[1:]:
        key, sep, raw = part.partition("==")
        if not sep or key not in ("maxDistance", "minDistance"):
            raise BadRequestData(
                f"invalid near modifier {part!r}; expected maxDistance==<m> or minDistance==<m>"
            )
        if key in distances:
            raise BadRequestData(f"{key} is given twice")
        try:
            value = float(raw)
        except ValueError:
            raise BadRequestData(f"{key} must be a number of metres, got {raw!r}") from None
        if not math.isfinite(value) or value <= 0:
            raise BadRequestData(f"{key} must be a positive number of metres, got {raw!r}")
        distances[key] = value
    return "near", distances.get("maxDistance"), distances.get("minDistance")


def parse_geometry_type(text: str) -> str:
    """The canonical GeoJSON type name (``point`` is accepted for ``Point``)."""
    kind = _GEOMETRY_BY_LOWER.get(str(text).strip().lower())
    if kind is None:
        raise BadRequestData(f"unsupported geometry {text!r}; expected one of {', '.join(GEOMETRY_TYPES)}")
    return kind


def parse_coordinates(value: Any) -> Any:
    """The ``coordinates`` parameter: JSON text (``[2.35,48.85]``), or an already decoded array."""
    if isinstance(value, list | tuple):
        return value
    if not isinstance(value, str) or not value.strip():
        raise BadRequestData("coordinates must be a JSON array such as [2.35,48.85]")
    text = value.strip()
    if not text.startswith("["):
        text = f"[{text}]"  # some clients drop the outer brackets of a Point: 2.35,48.85
    try:
        return json.loads(text)
    except ValueError:
        raise BadRequestData(f"coordinates are not a valid JSON array: {value!r}") from None


def parse_geo_query(
    georel: str | None = None,
    geometry: str | None = None,
    coordinates: Any = None,
    geoproperty: str | None = None,
) -> GeoQuery | None:
    """Build a :class:`GeoQuery` from the query parameters; None when no geo-query is asked for.

    Raises BadRequestData when only some of georel/geometry/coordinates are given, or any is malformed.
    """
    given = {"georel": georel, "geometry": geometry, "coordinates": coordinates}
    present = [name for name, value in given.items() if value not in (None, "")]
    if not present:
        return None
    if len(present) < 3:
        missing = ", ".join(name for name in given if name not in present)
        raise BadRequestData(f"georel, geometry and coordinates must all be provided (missing: {missing})")
    rel, max_distance, min_distance = parse_georel(str(georel))
    kind = parse_geometry_type(str(geometry))
    coords = parse_coordinates(coordinates)
    prop = (geoproperty or "").strip() or DEFAULT_GEOPROPERTY
    return GeoQuery(
        rel,
        {"type": kind, "coordinates": coords},
        geoproperty=prop,
        max_distance=max_distance,
        min_distance=min_distance,
    )


def geo_query_from_geoq(geoq: Mapping[str, Any]) -> GeoQuery:
    """A :class:`GeoQuery` from an NGSI-LD ``geoQ`` object (subscriptions, POST entityOperations/query)."""
    if not isinstance(geoq, Mapping):
        raise BadRequestData("geoQ must be an object with georel, geometry and coordinates")
    query = parse_geo_query(
        geoq.get("georel"), geoq.get("geometry"), geoq.get("coordinates"), geoq.get("geoproperty")
    )
    if query is None:
        raise BadRequestData("geoQ must give georel, geometry and coordinates")
    return query
