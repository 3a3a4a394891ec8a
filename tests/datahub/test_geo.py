"""NGSI-LD geo-queries (CIM 009 §4.10): parameters, relations, distances in metres, bbox prefilter."""

import json
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from beffroi.datahub.ngsild.errors import BadRequestData, ErrorType
from beffroi.datahub.ngsild.geo import (
    BBox,
    BBoxFilter,
    bbox_of,
    distance_m,
    geo_query_from_geoq,
    haversine_m,
    parse_geo_query,
    parse_georel,
    target_geometries,
    to_shape,
)

SDM = Path(__file__).resolve().parent.parent / "data" / "smart-data-models"

# Valbourg's town-hall square, and one metre expressed in degrees of latitude.
TOWN_HALL = (2.3500, 48.8500)
METRE_LAT = 1 / 111_195.08


def load(name):
    return json.loads((SDM / f"{name}.normalized.jsonld").read_text(encoding="utf-8"))


def point_entity(lon, lat, attribute="location"):
    return {
        "id": "urn:ngsi-ld:Streetlight:valbourg:1",
        "type": "Streetlight",
        attribute: {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [lon, lat]}},
    }


def square(lon0, lat0, lon1, lat1):
    return [[[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]]


# ------------------------------------------------------------------------------------------ parameters


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("near;maxDistance==2000", ("near", 2000.0, None)),
        ("near;minDistance==10", ("near", None, 10.0)),
        ("near;maxDistance==2000;minDistance==100", ("near", 2000.0, 100.0)),
        ("near;maxDistance==12.5", ("near", 12.5, None)),
        ("within", ("within", None, None)),
        ("contains", ("contains", None, None)),
        ("intersects", ("intersects", None, None)),
        ("equals", ("equals", None, None)),
        ("disjoint", ("disjoint", None, None)),
        ("overlaps", ("overlaps", None, None)),
    ],
)
def test_georel_grammar(text, expected):
    assert parse_georel(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "near",
        "near;maxDistance",
        "near;maxDistance==",
        "near;maxDistance==0",
        "near;maxDistance==-5",
        "near;maxDistance==abc",
        "near;maxDistance==nan",
        "near;radius==10",
        "near;maxDistance==1;maxDistance==2",
        "within;maxDistance==10",
        "around",
    ],
)
def test_bad_georels_are_bad_request_data(text):
    with pytest.raises(BadRequestData) as caught:
        parse_georel(text)
    assert caught.value.error_type is ErrorType.BAD_REQUEST_DATA


def test_no_geo_parameters_means_no_geo_query():
    assert parse_geo_query() is None
    assert parse_geo_query(None, "", None) is None


@pytest.mark.parametrize(
    ("georel", "geometry", "coordinates", "missing"),
    [
        ("near;maxDistance==10", None, None, "geometry, coordinates"),
        (None, "Point", "[2.35,48.85]", "georel"),
        ("within", "Polygon", None, "coordinates"),
    ],
)
def test_partial_geo_queries_name_what_is_missing(georel, geometry, coordinates, missing):
    with pytest.raises(BadRequestData, match=f"missing: {missing}"):
        parse_geo_query(georel, geometry, coordinates)


def test_geometry_names_and_coordinates_forms():
    query = parse_geo_query("near;maxDistance==100", "point", "[2.35, 48.85]")
    assert query.geometry == {"type": "Point", "coordinates": [2.35, 48.85]}
    assert query.geoproperty == "location"
    assert parse_geo_query("near;maxDistance==100", "Point", [2.35, 48.85]) == query
    assert parse_geo_query("near;maxDistance==100", "Point", "2.35,48.85") == query
    other = parse_geo_query("within", "Polygon", json.dumps(square(2, 48, 3, 49)), "observationSpace")
    assert other.geoproperty == "observationSpace"


@pytest.mark.parametrize(
    ("geometry", "coordinates", "fragment"),
    [
        ("Circle", "[2.35,48.85]", "unsupported geometry"),
        ("GeometryCollection", "[]", "unsupported geometry"),
        ("Point", "[2.35", "not a valid JSON array"),
        ("Point", "[200,48]", "longitude"),
        ("Point", "[2,-91]", "latitude"),
        ("Point", "[2]", "position"),
        ("Point", '["2","48"]', "finite numbers"),
        ("LineString", "[[2,48]]", "at least 2"),
        ("Polygon", "[[[2,48],[3,48],[3,49],[2,48.5]]]", "closed"),
        ("Polygon", "[[[2,48],[3,48],[2,48]]]", "at least 4"),
        ("Polygon", "[[[0,0],[1,1],[1,0],[0,1],[0,0]]]", "not valid"),
        ("MultiPolygon", "[[]]", "linear rings"),
    ],
)
def test_malformed_reference_geometries_are_rejected(geometry, coordinates, fragment):
    with pytest.raises(BadRequestData, match=fragment):
        parse_geo_query("intersects", geometry, coordinates)


def test_geoq_objects_round_trip():
    query = parse_geo_query("near;maxDistance==1500", "Point", "[2.35,48.85]", "location")
    assert query.to_geoq() == {
        "geometry": "Point",
        "coordinates": [2.35, 48.85],
        "georel": "near;maxDistance==1500",
        "geoproperty": "location",
    }
    assert geo_query_from_geoq(query.to_geoq()) == query
    with pytest.raises(BadRequestData):
        geo_query_from_geoq({"georel": "within"})
    with pytest.raises(BadRequestData):
        geo_query_from_geoq("near")  # type: ignore[arg-type]


# ----------------------------------------------------------------------------------------- distances


def test_haversine_matches_known_distances():
    paris, lyon = (2.3522, 48.8566), (4.8357, 45.7640)
    assert haversine_m(*paris, *lyon) == pytest.approx(392_000, rel=0.005)
    assert haversine_m(0, 0, 0, 1) == pytest.approx(111_195, rel=1e-4)
    assert haversine_m(2.35, 48.85, 2.35, 48.85) == 0


def test_distance_from_a_point_to_a_line_and_a_polygon():
    lamp = to_shape({"type": "Point", "coordinates": list(TOWN_HALL)})
    street = to_shape({"type": "LineString", "coordinates": [[2.3510, 48.84], [2.3510, 48.86]]})
    # 0.001° of longitude at 48.85° N is about 73.2 m.
    assert distance_m(street, lamp) == pytest.approx(73.2, rel=0.01)
    park = to_shape({"type": "Polygon", "coordinates": square(2.349, 48.849, 2.351, 48.851)})
    assert distance_m(park, lamp) == 0


# -------------------------------------------------------------------------------------------- relations


def test_near_max_distance_counts_metres_on_the_sphere():
    query = parse_geo_query("near;maxDistance==1000", "Point", list(TOWN_HALL))
    lon, lat = TOWN_HALL
    assert query.matches(point_entity(lon, lat + 999 * METRE_LAT))
    assert not query.matches(point_entity(lon, lat + 1001 * METRE_LAT))
    # Towards the east a degree is shorter: 0.0135° of longitude is about 988 m at this latitude.
    assert query.matches(point_entity(lon + 0.0135, lat))
    assert not query.matches(point_entity(lon + 0.0140, lat))


def test_near_min_distance_excludes_the_buffer_itself():
    query = parse_geo_query("near;minDistance==500", "Point", list(TOWN_HALL))
    lon, lat = TOWN_HALL
    assert not query.matches(point_entity(lon, lat + 400 * METRE_LAT))
    assert query.matches(point_entity(lon, lat + 600 * METRE_LAT))
    ring = parse_geo_query("near;maxDistance==1000;minDistance==500", "Point", list(TOWN_HALL))
    assert ring.matches(point_entity(lon, lat + 700 * METRE_LAT))
    assert not ring.matches(point_entity(lon, lat + 1200 * METRE_LAT))


def test_near_with_non_point_targets():
    query = parse_geo_query("near;maxDistance==100", "Point", [-4.7360, 41.6570])
    assert query.matches(load("TrafficFlowObserved"))  # a LineString passing about 50 m away
    far = parse_geo_query("near;maxDistance==100", "Point", [-4.70, 41.6570])
    assert not far.matches(load("TrafficFlowObserved"))


def test_topological_relations_on_smart_data_models_examples():
    building = load("Building")  # Polygon [100,0]..[101,1]
    inside = parse_geo_query("within", "Polygon", square(99, -1, 102, 2))
    assert inside.matches(building)
    assert not parse_geo_query("within", "Polygon", square(100.2, 0.2, 100.8, 0.8)).matches(building)
    assert parse_geo_query("contains", "Point", [100.5, 0.5]).matches(building)
    assert not parse_geo_query("contains", "Point", [102, 0.5]).matches(building)
    assert parse_geo_query("intersects", "LineString", [[99, 0.5], [100.5, 0.5]]).matches(building)
    assert parse_geo_query("disjoint", "Point", [102, 0.5]).matches(building)
    assert not parse_geo_query("disjoint", "Point", [100.5, 0.5]).matches(building)
    assert parse_geo_query("equals", "Polygon", square(100, 0, 101, 1)).matches(building)
    assert parse_geo_query("overlaps", "Polygon", square(100.5, 0.5, 101.5, 1.5)).matches(building)
    assert not parse_geo_query("overlaps", "Polygon", square(99, -1, 102, 2)).matches(building)
    assert parse_geo_query("within", "MultiPolygon", [square(0, 0, 1, 1), square(-9, 42, -8, 43)]).matches(
        load("WasteContainer")
    )


def test_entities_without_the_geoproperty_do_not_match():
    query = parse_geo_query("disjoint", "Point", list(TOWN_HALL))
    assert not query.matches({"id": "urn:x", "type": "T"})
    assert not query.matches(point_entity(*TOWN_HALL, attribute="observationSpace"))
    other = parse_geo_query("near;maxDistance==10", "Point", list(TOWN_HALL), "observationSpace")
    assert other.matches(point_entity(*TOWN_HALL, attribute="observationSpace"))


def test_key_values_and_multi_instance_geoproperties():
    query = parse_geo_query("near;maxDistance==10", "Point", list(TOWN_HALL))
    assert query.matches(
        {"id": "urn:x", "type": "T", "location": {"type": "Point", "coordinates": list(TOWN_HALL)}}
    )
    entity = {
        "id": "urn:x",
        "type": "T",
        "location": [
            {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [3, 45]}, "datasetId": "urn:a"},
            {
                "type": "GeoProperty",
                "value": {"type": "Point", "coordinates": list(TOWN_HALL)},
                "datasetId": "urn:b",
            },
        ],
    }
    assert len(target_geometries(entity)) == 2
    assert query.matches(entity)


def test_malformed_target_geometries_do_not_match_and_do_not_raise():
    query = parse_geo_query("intersects", "Polygon", square(0, 0, 10, 10))
    bad = {
        "id": "urn:x",
        "type": "T",
        "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": "x"}},
    }
    assert not query.matches(bad)
    bowtie = {"type": "Polygon", "coordinates": [[[1, 1], [2, 2], [2, 1], [1, 2], [1, 1]]]}
    query.matches_geometry(bowtie)  # an invalid target gives an answer, never an exception


# ---------------------------------------------------------------------------------------- bounding boxes


def test_bbox_of_geojson_and_collections():
    assert bbox_of({"type": "Point", "coordinates": [2, 48]}) == BBox(2, 48, 2, 48)
    assert bbox_of({"type": "Polygon", "coordinates": square(1, 2, 3, 4)}) == BBox(1, 2, 3, 4)
    assert bbox_of(
        {
            "type": "GeometryCollection",
            "geometries": [
                {"type": "Point", "coordinates": [0, 0]},
                {"type": "Point", "coordinates": [5, -3]},
            ],
        }
    ) == BBox(0, -3, 5, 0)
    assert bbox_of({"type": "Point"}) is None
    assert bbox_of("nothing") is None  # type: ignore[arg-type]


def test_prefilters_per_georel():
    point = list(TOWN_HALL)
    near = parse_geo_query("near;maxDistance==1000", "Point", point).prefilter()
    assert near.kind == "intersects"
    assert near.bbox.max_lat - TOWN_HALL[1] == pytest.approx(1005 * METRE_LAT, rel=0.01)
    assert parse_geo_query("near;minDistance==1000", "Point", point).prefilter() is None
    assert parse_geo_query("disjoint", "Point", point).prefilter() is None
    assert parse_geo_query("within", "Polygon", square(2, 48, 3, 49)).prefilter() == BBoxFilter(
        "within", BBox(2, 48, 3, 49)
    )
    assert parse_geo_query("contains", "Point", point).prefilter().kind == "contains"
    assert parse_geo_query("overlaps", "Polygon", square(2, 48, 3, 49)).prefilter().kind == "intersects"


def test_expanded_box_spans_all_longitudes_near_a_pole():
    box = BBox(10, 89.9, 10, 89.9).expanded_by_metres(50_000)
    assert (box.min_lon, box.max_lon, box.max_lat) == (-180.0, 180.0, 90.0)


@given(
    st.floats(-60, 60),
    st.floats(-170, 170),
    st.floats(-0.05, 0.05),
    st.floats(-0.05, 0.05),
    st.floats(1, 20_000),
)
@settings(max_examples=300)
def test_the_near_prefilter_never_drops_a_match(lat, lon, dlat, dlon, max_distance):
    query = parse_geo_query(f"near;maxDistance=={max_distance}", "Point", [lon, lat])
    target = {"type": "Point", "coordinates": [lon + dlon, lat + dlat]}
    if query.matches_geometry(target):
        assert query.prefilter().accepts(bbox_of(target))


@given(
    st.floats(-5, 5),
    st.floats(40, 50),
    st.floats(0.001, 0.05),
    st.floats(-0.2, 0.2),
    st.floats(-0.2, 0.2),
    st.sampled_from(["within", "contains", "intersects", "overlaps", "equals"]),
)
@settings(max_examples=300)
def test_topological_prefilters_never_drop_a_match(lon, lat, size, shift_lon, shift_lat, georel):
    reference = square(lon, lat, lon + 0.1, lat + 0.1)
    query = parse_geo_query(georel, "Polygon", reference)
    target = {
        "type": "Polygon",
        "coordinates": square(
            lon + shift_lon, lat + shift_lat, lon + shift_lon + size, lat + shift_lat + size
        ),
    }
    if query.matches_geometry(target):
        assert query.prefilter().accepts(bbox_of(target))


@given(st.floats(-89, 89), st.floats(-179, 179), st.floats(1, 100_000))
def test_expanded_box_contains_the_spherical_cap(lat, lon, metres):
    box = BBox(lon, lat, lon, lat).expanded_by_metres(metres)
    for bearing in range(0, 360, 15):
        # Destination point at `metres` along `bearing` (spherical formula).
        delta = metres / 6_371_008.8
        theta, phi1, lambda1 = math.radians(bearing), math.radians(lat), math.radians(lon)
        phi2 = math.asin(
            math.sin(phi1) * math.cos(delta) + math.cos(phi1) * math.sin(delta) * math.cos(theta)
        )
        lambda2 = lambda1 + math.atan2(
            math.sin(theta) * math.sin(delta) * math.cos(phi1),
            math.cos(delta) - math.sin(phi1) * math.sin(phi2),
        )
        dest_lon, dest_lat = math.degrees(lambda2), math.degrees(phi2)
        if -180 <= dest_lon <= 180:
            assert box.min_lat - 1e-9 <= dest_lat <= box.max_lat + 1e-9
            assert box.min_lon - 1e-9 <= dest_lon <= box.max_lon + 1e-9
