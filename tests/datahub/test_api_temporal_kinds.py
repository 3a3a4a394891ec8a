"""Temporal history of every attribute type (CIM 009 §4.5.7–§4.5.9, §5.6.11): Relationship, LanguageProperty,
JsonProperty, VocabProperty, GeoProperty and structured Property instances are kept in the one observation
store and read back normalized and as temporalValues (objects, languageMaps, jsons, vocabs…), while the
numeric roll-ups and the dashboards' latest values keep to measurements."""

import json

import pytest

from beffroi.datahub.models import Entity, HourlyRollup, LatestValue
from beffroi.datahub.ngsild.temporal import read_instance, stored_instance
from beffroi.datahub.selectors import latest_values
from tests.datahub.helpers import BASE, headers, post_json, write_key

pytestmark = pytest.mark.django_db

EID = "urn:ngsi-ld:Vehicle:K1"
URL = f"{BASE}/temporal/entities/{EID}"
T1, T2 = "2020-09-01T12:03:00Z", "2020-09-01T12:05:00Z"

POINT_1 = {"type": "Point", "coordinates": [5.04, 47.32]}
POINT_2 = {"type": "Point", "coordinates": [5.05, 47.33]}

HISTORIES = {
    "speed": ("Property", "value", 120, 80),
    "isParked": ("Relationship", "object", "urn:ngsi-ld:Parking:1", "urn:ngsi-ld:Parking:2"),
    "label": ("LanguageProperty", "languageMap", {"fr": "garé", "en": "parked"}, {"fr": "roule"}),
    "settings": ("JsonProperty", "json", {"mode": "eco", "n": 1}, 7),
    "category": ("VocabProperty", "vocab", "municipalServices", "police"),
    "location": ("GeoProperty", "value", POINT_1, POINT_2),
    "address": ("Property", "value", {"street": "rue Haute"}, {"street": "rue Basse"}),
}


def vehicle():
    entity = {"id": EID, "type": "Vehicle"}
    for name, (kind, member, first, second) in HISTORIES.items():
        entity[name] = [
            {"type": kind, member: first, "observedAt": T1},
            {"type": kind, member: second, "observedAt": T2},
        ]
    return entity


@pytest.fixture
def h(valbourg):
    return headers(write_key(valbourg), "valbourg")


@pytest.fixture
def created(client, h):
    r = post_json(client, f"{BASE}/temporal/entities", vehicle(), **h)
    assert r.status_code == 201, r.content


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("Property", 3.5),
        ("Property", {"a": 1}),
        ("Relationship", "urn:x:1"),
        ("JsonProperty", 7),
        ("LanguageProperty", {"fr": "a"}),
        ("ListProperty", [1, 2]),
    ],
)
def test_the_stored_form_reads_back(kind, value):
    stored, unit = stored_instance(kind, value, "")
    assert read_instance(stored, unit) == (kind, value, "")
    if kind != "Property" or isinstance(value, dict):
        assert not isinstance(stored, int | float)  # (never a number: stays out of the numeric roll-ups)


def test_every_attribute_type_has_a_normalized_history(client, h, created):
    """007_01-style with every attribute type: each instance reads back with its type and value member."""
    body = client.get(URL, headers=h).json()
    for name, (kind, member, first, second) in HISTORIES.items():
        got = [{k: v for k, v in i.items() if k != "instanceId"} for i in body[name]]
        assert got == [
            {"type": kind, member: first, "observedAt": T1},
            {"type": kind, member: second, "observedAt": T2},
        ], name


@pytest.mark.parametrize(
    ("name", "values_member"),
    [
        ("isParked", "objects"),
        ("label", "languageMaps"),
        ("settings", "jsons"),
        ("category", "vocabs"),
        ("location", "values"),
    ],
)
def test_temporal_values_use_each_types_member(client, h, created, name, values_member):
    """020 (temporalValues): a Relationship's history is `objects`, a LanguageProperty's `languageMaps`…"""
    body = client.get(URL, {"options": "temporalValues"}, headers=h).json()
    kind, _member, first, second = HISTORIES[name]
    assert body[name] == {"type": kind, values_member: [[first, T1], [second, T2]]}


def test_the_entity_keeps_the_latest_instance_of_each(client, h, created):
    body = client.get(f"{BASE}/entities/{EID}", headers=h).json()
    assert body["isParked"]["object"] == "urn:ngsi-ld:Parking:2"
    assert body["label"]["languageMap"] == {"fr": "roule"}
    assert body["location"]["value"] == POINT_2


def test_only_measurements_feed_rollups_and_latest_values(client, h, created):
    """The JsonProperty 7 is not a measurement: no roll-up for it; the dashboards' latest values show speed
    only (the other histories are not measurements to chart)."""
    assert set(HourlyRollup.objects.values_list("attribute", flat=True)) == {
        "https://uri.etsi.org/ngsi-ld/default-context/speed"
    }
    assert LatestValue.objects.count() == len(HISTORIES)  # (each history's newest, kept for the API)
    shown = latest_values(entities=[Entity.objects.get(entity_id=EID)])
    assert set(next(iter(shown.values()))) == {"speed"}


def test_modify_a_relationship_instance(client, h, created):
    """016_01-style on a Relationship: PATCH …/attrs/isParked/{instanceId} changes its object."""
    first = client.get(URL, headers=h).json()["isParked"][0]
    r = client.patch(
        f"{URL}/attrs/isParked/{first['instanceId']}",
        data=json.dumps({"type": "Relationship", "object": "urn:ngsi-ld:Parking:9", "observedAt": T1}),
        content_type="application/json",
        headers=h,
    )
    assert r.status_code == 204, r.content
    after = client.get(URL, headers=h).json()["isParked"]
    assert [i["object"] for i in after] == ["urn:ngsi-ld:Parking:9", "urn:ngsi-ld:Parking:2"]


def test_delete_the_newest_relationship_instance_moves_the_entity_back(client, h, created):
    """015-style: deleting the newest instance leaves the entity with the one before, of its own type."""
    newest = client.get(URL, headers=h).json()["isParked"][1]
    r = client.delete(f"{URL}/attrs/isParked/{newest['instanceId']}", headers=h)
    assert r.status_code == 204, r.content
    body = client.get(f"{BASE}/entities/{EID}", headers=h).json()
    assert body["isParked"] == {"type": "Relationship", "object": "urn:ngsi-ld:Parking:1", "observedAt": T1}


def test_temporal_query_has_pagination_links(client, h):
    """Temporal query (§5.7.4) by pages of entities: Link rel="next"/"prev" as for entity queries."""
    for n in range(3):
        entity = {
            "id": f"urn:ngsi-ld:Vehicle:P{n}",
            "type": "Vehicle",
            "speed": [{"type": "Property", "value": n, "observedAt": T1}],
        }
        assert post_json(client, f"{BASE}/temporal/entities", entity, **h).status_code == 201
    first = client.get(f"{BASE}/temporal/entities", {"type": "Vehicle", "limit": 2}, headers=h)
    assert len(first.json()) == 2 and 'rel="next"' in first["Link"]
    last = client.get(f"{BASE}/temporal/entities", {"type": "Vehicle", "limit": 2, "offset": 2}, headers=h)
    assert 'rel="prev"' in last["Link"] and 'rel="next"' not in last["Link"]
