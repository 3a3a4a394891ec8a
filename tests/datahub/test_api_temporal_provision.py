"""Temporal provision (CIM 009 §5.6.11–§5.6.16), after the ETSI conformance suite's TemporalEntity and
TemporalEntityAttributes cases: writes go through the observation store, so the roll-ups and the dashboards'
latest values follow them."""

import pytest

from beffroi.datahub.models import DailyRollup, HourlyRollup, LatestValue, Observation
from tests.datahub.helpers import BASE, headers, post_json, write_key

pytestmark = pytest.mark.django_db

EID = "urn:ngsi-ld:Vehicle:T1"
URL = f"{BASE}/temporal/entities/{EID}"
VOCAB = "https://uri.etsi.org/ngsi-ld/default-context/"


def vehicle():
    return {
        "id": EID,
        "type": "Vehicle",
        "speed": [
            {"type": "Property", "value": 120, "observedAt": "2020-09-01T12:03:00Z"},
            {"type": "Property", "value": 80, "observedAt": "2020-09-01T12:05:00Z"},
        ],
        "fuelLevel": [
            {"type": "Property", "value": 67, "observedAt": "2020-09-01T12:03:00Z"},
            {"type": "Property", "value": 53, "observedAt": "2020-09-01T13:05:00Z"},
            {
                "type": "Property",
                "value": 40,
                "observedAt": "2020-09-01T14:07:00Z",
                "datasetId": "urn:ngsi-ld:Vehicle:12345-fuel",
            },
        ],
    }


@pytest.fixture
def h(valbourg):
    return headers(write_key(valbourg), "valbourg")


@pytest.fixture
def created(client, h):
    r = post_json(client, f"{BASE}/temporal/entities", vehicle(), **h)
    assert r.status_code == 201, r.content
    return r


def strip(attribute):
    return [{k: v for k, v in i.items() if k != "instanceId"} for i in attribute]


def test_create_then_retrieve_every_instance(client, h, created):
    """007_01_01/02: POST /temporal/entities answers 201 with an empty body; the history reads back whole,
    datasetId included, each instance with its instanceId."""
    assert created.content == b""
    assert created["Location"] == URL
    body = client.get(URL, headers=h).json()
    assert body["type"] == "Vehicle"
    assert strip(body["speed"]) == vehicle()["speed"]
    assert strip(body["fuelLevel"]) == vehicle()["fuelLevel"]
    assert all(i["instanceId"].startswith("urn:ngsi-ld:Instance:") for i in body["speed"])


def test_temporal_writes_feed_the_rollups_and_latest_values(client, h, created):
    """One store: what the temporal API wrote is in the hourly/daily roll-ups and the latest values."""
    hourly = HourlyRollup.objects.get(attribute=VOCAB + "speed")
    assert (hourly.count, hourly.total) == (2, 200)
    assert DailyRollup.objects.get(attribute=VOCAB + "fuelLevel").count == 3
    assert LatestValue.objects.get(attribute=VOCAB + "fuelLevel").value_num == 40
    entity = client.get(f"{BASE}/entities/{EID}", headers=h).json()
    assert entity["speed"]["value"] == 80  # the entity holds the most recent instance


def test_create_again_adds_instances_and_answers_204(client, h, created):
    """008_01_01: posting the same temporal entity again adds its new instances (204)."""
    more = {
        "id": EID,
        "type": "Vehicle",
        "speed": [{"type": "Property", "value": 30, "observedAt": "2020-09-01T12:07:00Z"}],
    }
    r = post_json(client, f"{BASE}/temporal/entities", more, **h)
    assert r.status_code == 204
    speeds = client.get(URL, headers=h).json()["speed"]
    assert [i["value"] for i in speeds] == [120, 80, 30]


@pytest.mark.parametrize("body", [{}, [1, 2]])
def test_create_with_an_empty_or_invalid_body_is_invalid_request(client, h, body):
    """007_02_01/02: an empty or non-object body is 400 InvalidRequest."""
    r = post_json(client, f"{BASE}/temporal/entities", body, content_type="application/ld+json", **h)
    assert r.status_code == 400
    assert r.json()["type"].endswith("InvalidRequest")


def test_create_with_invalid_json_is_invalid_request(client, h):
    """007_02_01: a body that is not JSON."""
    r = client.post(f"{BASE}/temporal/entities", data="{ nope", content_type="application/json", headers=h)
    assert r.status_code == 400
    assert r.json()["type"].endswith("InvalidRequest")


def test_append_attributes(client, h, created):
    """014_01_01: POST …/attrs adds an attribute's instances (204)."""
    r = post_json(
        client,
        f"{URL}/attrs",
        {"brake": [{"type": "Property", "value": 0.5, "observedAt": "2020-09-01T12:04:00Z"}]},
        **h,
    )
    assert r.status_code == 204
    assert client.get(URL, headers=h).json()["brake"][0]["value"] == 0.5


@pytest.mark.parametrize(("entity_id", "status"), [("thisIsAninvalidId", 400), ("", 400)])
def test_append_to_an_invalid_id(client, h, created, entity_id, status):
    """014_02_01/02: an empty or non-URI entity id in the path is 400."""
    r = post_json(client, f"{BASE}/temporal/entities/{entity_id}/attrs", {"speed": []}, **h)
    assert r.status_code == status


def test_append_to_an_unknown_entity_is_404(client, h):
    """014_03: the entity must exist."""
    r = post_json(
        client,
        f"{BASE}/temporal/entities/urn:ngsi-ld:Vehicle:none/attrs",
        {"speed": [{"type": "Property", "value": 1, "observedAt": "2020-09-01T12:04:00Z"}]},
        **h,
    )
    assert r.status_code == 404


def test_modify_an_instance_keeps_its_instance_id(client, h, created):
    """016_01_01: PATCH …/attrs/speed/{instanceId} changes that instance; the roll-up follows."""
    first = client.get(URL, headers=h).json()["speed"][0]
    r = client.patch(
        f"{URL}/attrs/speed/{first['instanceId']}",
        data='{"type": "Property", "value": 129, "observedAt": "2020-09-01T12:03:00Z"}',
        content_type="application/json",
        headers=h,
    )
    assert r.status_code == 204, r.content
    after = client.get(URL, headers=h).json()["speed"]
    assert after[0]["instanceId"] == first["instanceId"]
    assert [i["value"] for i in after] == [129, 80]
    assert HourlyRollup.objects.get(attribute=VOCAB + "speed").total == 209


@pytest.mark.parametrize(
    ("entity_id", "attr", "instance", "status"),
    [
        ("invalidId", "speed", "urn:ngsi-ld:Instance:1", 400),  # 016_02_01
        ("", "speed", "urn:ngsi-ld:Instance:1", 400),  # 016_02_02
        (EID, "speed", "invalidId", 400),  # 016_02_03
        (EID, "invalid(Id", "urn:ngsi-ld:Instance:1", 400),  # 016_02_05
        (EID, "speed", "urn:ngsi-ld:Instance:999999", 404),  # 016_03
    ],
)
def test_modify_an_instance_with_wrong_ids(client, h, created, entity_id, attr, instance, status):
    """016_02_01–05, 016_03: invalid ids and names are 400, an unknown instance 404."""
    r = client.patch(
        f"{BASE}/temporal/entities/{entity_id}/attrs/{attr}/{instance}",
        data='{"type": "Property", "value": 1}',
        content_type="application/json",
        headers=h,
    )
    assert r.status_code == status


def test_modify_without_instance_id_is_405(client, h, created):
    """016_02_04: no instanceId in the path: PATCH is not a method of the attribute's resource."""
    r = client.patch(f"{URL}/attrs/speed/", data="{}", content_type="application/json", headers=h)
    assert r.status_code == 405


def test_delete_an_instance(client, h, created):
    """017_01_01: DELETE …/attrs/speed/{instanceId}; the latest value falls back to the one before."""
    speeds = client.get(URL, headers=h).json()["speed"]
    r = client.delete(f"{URL}/attrs/speed/{speeds[1]['instanceId']}", headers=h)
    assert r.status_code == 204
    assert [i["value"] for i in client.get(URL, headers=h).json()["speed"]] == [120]
    assert LatestValue.objects.get(attribute=VOCAB + "speed").value_num == 120
    assert client.get(f"{BASE}/entities/{EID}", headers=h).json()["speed"]["value"] == 120


@pytest.mark.parametrize(
    ("query", "left"),
    [
        ("", [40]),  # 015_01_01: the default instances go, the dataset's stays
        ("?datasetId=urn:ngsi-ld:Vehicle:12345-fuel", [67, 53]),  # 015_01_02
        ("?deleteAll=true", None),  # 015_01_03
    ],
)
def test_delete_an_attribute_history(client, h, created, query, left):
    """015_01_01/02/03: DELETE …/attrs/fuelLevel with datasetId or deleteAll deletes only those instances."""
    r = client.delete(f"{URL}/attrs/fuelLevel{query}", headers=h)
    assert r.status_code == 204
    body = client.get(URL, headers=h).json()
    if left is None:
        assert "fuelLevel" not in body
        assert not DailyRollup.objects.filter(attribute=VOCAB + "fuelLevel").exists()
    else:
        assert [i["value"] for i in body["fuelLevel"]] == left
        assert DailyRollup.objects.get(attribute=VOCAB + "fuelLevel").count == len(left)


def test_delete_an_unknown_attribute_is_404(client, h, created):
    """015_02: an attribute the entity does not have."""
    assert client.delete(f"{URL}/attrs/unknownAttr", headers=h).status_code == 404


def test_delete_the_temporal_entity(client, h, created):
    """009_01_01: DELETE /temporal/entities/{id} (204), then it is gone with its history."""
    r = client.delete(URL, headers=h)
    assert r.status_code == 204
    assert client.get(URL, headers=h).status_code == 404
    assert not Observation.objects.exists()


@pytest.mark.parametrize(("entity_id", "status"), [("", 405), ("invalidId", 400)])
def test_delete_with_an_empty_or_invalid_id(client, h, entity_id, status):
    """009_02_01/02: no id is 405 (the collection cannot be deleted), a non-URI id 400 BadRequestData."""
    r = client.delete(f"{BASE}/temporal/entities/{entity_id}", headers=h)
    assert r.status_code == status
    if status == 400:
        assert r.json()["type"].endswith("BadRequestData")


def test_temporal_writes_stay_in_their_tenant(client, h, created, hautmesnil):
    """Tenancy: another commune does not see the history written in this one."""
    other = headers(write_key(hautmesnil), hautmesnil.slug)
    assert client.get(URL, headers=other).status_code == 404
    assert client.delete(URL, headers=other).status_code == 404
