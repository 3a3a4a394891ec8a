"""Multi-typed entities (CIM 009 §4.16) and the type selection language (§4.17): an entity of several types is
stored and returned with all of them, found by any of them, counted under each by /types."""

import json

import pytest

from beffroi.datahub.models import EntityTypeLink
from beffroi.datahub.ngsild.errors import BadRequestData
from beffroi.datahub.ngsild.types import matches, parse_type_selection
from tests.datahub.helpers import BASE, headers, post_json, write_key


@pytest.mark.parametrize(
    ("text", "groups"),
    [
        ("A", [{"A"}]),
        ("A,B", [{"A"}, {"B"}]),
        ("A|B", [{"A"}, {"B"}]),
        ("A;B", [{"A", "B"}]),
        ("(A;B),C", [{"A", "B"}, {"C"}]),
        ("A;(B|C)", [{"A", "B"}, {"A", "C"}]),
        ("((A))", [{"A"}]),
    ],
)
def test_type_selection_unfolds_to_groups(text, groups):
    assert parse_type_selection(text) == [frozenset(g) for g in groups]


@pytest.mark.parametrize("text", ["", "(A", "A,", ";A", "A)", "A B", "()"])
def test_a_bad_type_selection_is_bad_request_data(text):
    with pytest.raises(BadRequestData):
        parse_type_selection(text)


def test_matches_needs_every_type_of_one_group():
    groups = parse_type_selection("(A;B),C")
    assert matches(groups, ["A", "B", "D"]) and matches(groups, ["C"])
    assert not matches(groups, ["A"]) and not matches(groups, ["B", "D"])


@pytest.fixture
def h(valbourg):
    return headers(write_key(valbourg), "valbourg")


@pytest.fixture
def zoo(client, h):
    """A Building-and-Home, a Building, a Home and a Vehicle."""
    for entity_id, kind in (
        ("urn:ngsi-ld:E:bh", ["Building", "Home"]),
        ("urn:ngsi-ld:E:b", "Building"),
        ("urn:ngsi-ld:E:h", "Home"),
        ("urn:ngsi-ld:E:v", "Vehicle"),
    ):
        entity = {"id": entity_id, "type": kind, "name": {"type": "Property", "value": entity_id[-2:]}}
        assert post_json(client, f"{BASE}/entities", entity, **h).status_code == 201


def ids(client, h, selection):
    r = client.get(f"{BASE}/entities", {"type": selection}, headers=h)
    assert r.status_code == 200, r.content
    return sorted(e["id"].rsplit(":", 1)[1] for e in r.json())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        ("Building", ["b", "bh"]),
        ("Home", ["bh", "h"]),  # (found by its second type)
        ("Building;Home", ["bh"]),
        ("Home;Vehicle", []),
        ("(Building;Home),Vehicle", ["bh", "v"]),
        ("Home|Vehicle", ["bh", "h", "v"]),
        ("*", ["b", "bh", "h", "v"]),
    ],
)
def test_query_by_type_selection(client, h, zoo, selection, expected):
    """019 (query entities by type) on multi-typed entities: 'type=A' or 'type=B' finds an entity of both."""
    assert ids(client, h, selection) == expected


@pytest.mark.django_db
def test_a_bad_type_selection_in_a_query_is_400(client, h, zoo):
    r = client.get(f"{BASE}/entities", {"type": "(Building;"}, headers=h)
    assert r.status_code == 400 and r.json()["type"].endswith("BadRequestData")


@pytest.mark.django_db
def test_a_multi_typed_entity_is_returned_with_all_its_types(client, h, zoo):
    assert client.get(f"{BASE}/entities/urn:ngsi-ld:E:bh", headers=h).json()["type"] == ["Building", "Home"]


@pytest.mark.django_db
def test_types_count_a_multi_typed_entity_under_each_type(client, h, zoo):
    """/types lists every type, /types/{type} counts the entities of that type, second types included."""
    listed = client.get(f"{BASE}/types", headers=h).json()["typeList"]
    assert sorted(listed) == ["Building", "Home", "Vehicle"]
    assert client.get(f"{BASE}/types/Home", headers=h).json()["entityCount"] == 2
    assert client.get(f"{BASE}/types/Building", headers=h).json()["entityCount"] == 2
    details = client.get(f"{BASE}/attributes/name", headers=h).json()
    assert details["typeNames"] == ["Building", "Home", "Vehicle"]


@pytest.mark.django_db
def test_changing_types_moves_the_entity(client, h, zoo):
    """Replace (PUT) with one type: no longer found by the type it lost; with two again: found by both."""
    url = f"{BASE}/entities/urn:ngsi-ld:E:bh"
    r = client.put(url, data=json.dumps({"type": "Building"}), content_type="application/json", headers=h)
    assert r.status_code == 204, r.content
    assert ids(client, h, "Home") == ["h"]
    assert not EntityTypeLink.objects.exists()
    r = client.put(
        url, data=json.dumps({"type": ["Vehicle", "Home"]}), content_type="application/json", headers=h
    )
    assert r.status_code == 204, r.content
    assert ids(client, h, "Home") == ["bh", "h"] and ids(client, h, "Vehicle") == ["bh", "v"]
    assert ids(client, h, "Building") == ["b"]


@pytest.mark.django_db
def test_type_links_stay_in_their_commune(client, h, zoo, hautmesnil):
    other = headers(write_key(hautmesnil), "hautmesnil")
    assert ids(client, other, "Home") == []


@pytest.mark.django_db
def test_temporal_entity_names_all_its_types(client, h, zoo):
    r = client.get(f"{BASE}/temporal/entities/urn:ngsi-ld:E:bh", headers=h)
    assert r.status_code == 200, r.content
    assert r.json()["type"] == ["Building", "Home"]
