"""The data hub's demo devices stand on Valbourg's streets and in its buildings, so the sensors' map looks like a
real town (they were scattered at random over fields before)."""

import math

from shapely.geometry import LineString, Point, Polygon

from beffroi.datahub import demo as datahub_demo
from beffroi.territory import demo_geography

TOWN = demo_geography.TOWNS["valbourg"]


def metres(lon: float, lat: float) -> Point:
    y = (lat - TOWN.latitude) * demo_geography.METRES_PER_DEGREE
    x = (lon - TOWN.longitude) * demo_geography.METRES_PER_DEGREE * math.cos(math.radians(TOWN.latitude))
    return Point(x, y)


def positions(kind: str) -> list[Point]:
    count = next(c for k, _d, c, _p in datahub_demo.KINDS if k == kind)
    return [metres(*datahub_demo.device_position(TOWN, kind, i, count)) for i in range(count)]


def test_every_demo_device_is_by_a_street_or_in_a_named_place():
    streets = [LineString(s.points) for s in TOWN.streets]
    places = [Polygon(m.shape) for m in TOWN.landmarks if m.geometry == "Polygon"]
    for kind, _domain, _count, _public in datahub_demo.KINDS:
        for point in positions(kind):
            nearest = min(g.distance(point) for g in [*streets, *places])
            assert nearest < 30, f"{kind} at {point} is {nearest:.0f} m from any street or place"


def test_lamp_posts_line_the_lit_streets_on_their_pavements_and_do_not_pile_up():
    lit = [LineString(s.points) for s in TOWN.streets if s.name in datahub_demo.LIGHTED_STREETS]
    lamps = positions("Streetlight")
    for lamp in lamps:
        assert 4 < min(line.distance(lamp) for line in lit) < 8  # beside the road, not in the middle of it
    closest = min(a.distance(b) for i, a in enumerate(lamps) for b in lamps[i + 1 :])
    assert closest > 40


def test_the_schools_air_sensor_is_at_the_school():
    school = Polygon(next(m.shape for m in TOWN.landmarks if m.name == "École élémentaire Jules-Ferry"))
    assert positions("AirQualityObserved")[0].distance(school.centroid) < 1
