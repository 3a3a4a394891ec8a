"""GET /entities queries (q, geo, pagination, count) and POST entityOperations/query."""

import pytest

from tests.datahub.helpers import BASE, headers, post_json, write_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def h(valbourg):
    key = write_key(valbourg)
    hh = headers(key, "valbourg")
    from django.test import Client

    c = Client()
    for i in range(6):
        body = {
            "id": f"urn:ngsi-ld:WasteContainer:{i}",
            "type": "WasteContainer",
            "fillingLevel": {"type": "Property", "value": i / 5},
            "status": {"type": "Property", "value": "ok" if i % 2 else "lidOpen"},
            "location": {
                "type": "GeoProperty",
                "value": {"type": "Point", "coordinates": [5.0 + i * 0.01, 47.3]},
            },
        }
        assert post_json(c, f"{BASE}/entities", body, **hh).status_code == 201
    return hh


def ids(response):
    return [e["id"].rsplit(":", 1)[1] for e in response.json()]


def test_q_language(client, h):
    get = lambda q: client.get(f"{BASE}/entities", {"type": "WasteContainer", "q": q}, headers=h)  # noqa: E731
    assert ids(get("fillingLevel>0.5")) == ["3", "4", "5"]
    assert ids(get('fillingLevel>=0.4;status=="ok"')) == ["3", "5"]
    assert ids(get('fillingLevel==0.2..0.6|status=="lidOpen"')) == ["0", "1", "2", "3", "4"]
    assert ids(get('status~="^lid"')) == ["0", "2", "4"]
    assert ids(get("!fillingLevel")) == []
    bad = get("(fillingLevel>1")
    assert bad.status_code == 400 and bad.json()["type"].endswith("/BadRequestData")


def test_geo_query_and_pagination(client, h):
    near = client.get(
        f"{BASE}/entities",
        {
            "type": "WasteContainer",
            "georel": "near;maxDistance==1600",
            "geometry": "Point",
            "coordinates": "[5.0,47.3]",
        },
        headers=h,
    )
    assert ids(near) == ["0", "1", "2"]
    within = client.get(
        f"{BASE}/entities",
        {
            "type": "WasteContainer",
            "georel": "within",
            "geometry": "Polygon",
            "coordinates": "[[[5.025,47.2],[5.1,47.2],[5.1,47.4],[5.025,47.4],[5.025,47.2]]]",
        },
        headers=h,
    )
    assert ids(within) == ["3", "4", "5"]
    partial = client.get(f"{BASE}/entities", {"type": "WasteContainer", "georel": "within"}, headers=h)
    assert partial.status_code == 400 and "geometry" in partial.json()["detail"]
    page = client.get(
        f"{BASE}/entities", {"type": "WasteContainer", "limit": 2, "offset": 2, "count": "true"}, headers=h
    )
    assert ids(page) == ["2", "3"] and page["NGSILD-Results-Count"] == "6"
    count_only = client.get(
        f"{BASE}/entities", {"type": "WasteContainer", "limit": 0, "count": "true"}, headers=h
    )
    assert count_only.json() == [] and count_only["NGSILD-Results-Count"] == "6"
    assert (
        client.get(f"{BASE}/entities", {"type": "WasteContainer", "limit": 5000}, headers=h).status_code
        == 403
    )
    assert client.get(f"{BASE}/entities", headers=h).status_code == 400


def test_post_query_and_attrs_and_keyvalues(client, h):
    body = {
        "type": "Query",
        "entities": [{"type": "WasteContainer"}],
        "q": "fillingLevel>0.7",
        "attrs": ["fillingLevel"],
    }
    r = post_json(client, f"{BASE}/entityOperations/query", body, **h)
    assert r.status_code == 200
    assert [set(e) for e in r.json()] == [{"id", "type", "fillingLevel"}] * 2
    kv = client.get(
        f"{BASE}/entities", {"id": "urn:ngsi-ld:WasteContainer:1", "options": "keyValues"}, headers=h
    ).json()
    assert kv[0]["fillingLevel"] == 0.2
    assert (
        client.get(f"{BASE}/entities", {"type": "WasteContainer", "options": "bogus"}, headers=h).status_code
        == 400
    )
    assert ids(client.get(f"{BASE}/entities", {"idPattern": "Container:[45]$"}, headers=h)) == ["4", "5"]
