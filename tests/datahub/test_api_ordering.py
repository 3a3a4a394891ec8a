"""Entity ordering (CIM 009 V1.9.1 §4.23): ``orderBy`` on entity and temporal queries, by attribute values,
entity members and distance, with InvalidRequest for what is not an ordering."""

import pytest

from beffroi.datahub.ngsild.errors import InvalidRequest
from beffroi.datahub.ngsild.ordering import parse_order_by, sort_documents
from tests.datahub.helpers import BASE, headers, post_json, write_key


def doc(entity_id, **attrs):
    return {"id": entity_id, **{k: {"type": "Property", "value": v} for k, v in attrs.items()}}


def test_sort_by_value_missing_last_in_both_directions():
    docs = [doc("a", n=3), doc("b", n=1), doc("c"), doc("d", n=2)]
    assert sort_documents(docs, parse_order_by("n")) == [1, 3, 0, 2]
    assert sort_documents(docs, parse_order_by("n;desc")) == [0, 3, 1, 2]


def test_sort_by_several_keys_and_mixed_types():
    docs = [doc("a", k="x", n=2), doc("b", k="x", n=1), doc("c", k=5), doc("d", k=True)]
    assert sort_documents(docs, parse_order_by("k,n")) == [2, 1, 0, 3]  # numbers, texts, booleans


@pytest.mark.parametrize("text", ["", "n;up", "n,,m", "!n", "n==1", "n;asc;desc"])
def test_what_is_not_an_ordering_is_invalid_request(text):
    with pytest.raises(InvalidRequest):
        parse_order_by(text)


@pytest.fixture
def h(valbourg):
    return headers(write_key(valbourg), "valbourg")


@pytest.fixture
def bins(client, h):
    for suffix, level, lon in (("A", 0.5, 5.00), ("B", 0.9, 5.02), ("C", 0.1, 5.01), ("D", None, 5.03)):
        entity = {
            "id": f"urn:ngsi-ld:WasteContainer:{suffix}",
            "type": "WasteContainer",
            "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [lon, 47.3]}},
        }
        if level is not None:
            entity["fillingLevel"] = {
                "type": "Property",
                "value": level,
                "observedAt": "2026-01-01T00:00:00Z",
            }
        assert post_json(client, f"{BASE}/entities", entity, **h).status_code == 201


def order(client, h, path="/entities", **params):
    r = client.get(f"{BASE}{path}", {"type": "WasteContainer", **params}, headers=h)
    assert r.status_code == 200, r.content
    return "".join(e["id"][-1] for e in r.json())


@pytest.mark.django_db
def test_query_ordered_by_an_attribute(client, h, bins):
    assert order(client, h) == "ABCD"  # (default: by id)
    assert order(client, h, orderBy="fillingLevel") == "CABD"
    assert order(client, h, orderBy="fillingLevel;desc") == "BACD"
    assert order(client, h, orderBy="id;desc") == "DCBA"


@pytest.mark.django_db
def test_ordering_comes_before_the_page(client, h, bins):
    assert order(client, h, orderBy="fillingLevel;desc", limit=2) == "BA"
    assert order(client, h, orderBy="fillingLevel;desc", limit=2, offset=2) == "CD"


@pytest.mark.django_db
def test_query_ordered_by_distance(client, h, bins):
    near = {"geometry": "Point", "coordinates": "[5.024,47.3]"}
    assert order(client, h, orderBy="location;dist-asc", **near) == "BDCA"
    assert order(client, h, orderBy="location;dist-desc", **near) == "ACDB"


@pytest.mark.django_db
def test_bad_orderings_are_400(client, h, bins):
    r = client.get(f"{BASE}/entities", {"type": "WasteContainer", "orderBy": "fillingLevel;up"}, headers=h)
    assert r.status_code == 400 and r.json()["type"].endswith("InvalidRequest")
    r = client.get(f"{BASE}/entities", {"type": "WasteContainer", "orderBy": "location;dist-asc"}, headers=h)
    assert r.status_code == 400 and r.json()["type"].endswith("BadRequestData")


@pytest.mark.django_db
def test_temporal_query_ordered(client, h, bins):
    assert order(client, h, "/temporal/entities", orderBy="fillingLevel;desc") == "BACD"


def test_sort_a_language_property_in_one_language():
    def named(entity_id, fr, en):
        return {"id": entity_id, "label": {"type": "LanguageProperty", "languageMap": {"fr": fr, "en": en}}}

    docs = [named("a", "b", "z"), named("b", "a", "y"), named("c", "c", "x")]
    assert sort_documents(docs, parse_order_by("label[fr]")) == [1, 0, 2]
    assert sort_documents(docs, parse_order_by("label[en]")) == [2, 1, 0]
