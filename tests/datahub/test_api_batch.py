"""Batch operations: create / upsert / update / delete with 201, 204 and 207 bodies."""

import pytest

from tests.datahub.helpers import BASE, headers, post_json, write_key

pytestmark = pytest.mark.django_db


def _e(i, **more):
    return {
        "id": f"urn:ngsi-ld:ParkingSpot:{i}",
        "type": "ParkingSpot",
        "status": {"type": "Property", "value": "free"},
        **more,
    }


def test_batch_lifecycle(client, valbourg):
    h = headers(write_key(valbourg), "valbourg")
    created = post_json(client, f"{BASE}/entityOperations/create", [_e(1), _e(2)], **h)
    assert created.status_code == 201 and created.json() == [
        "urn:ngsi-ld:ParkingSpot:1",
        "urn:ngsi-ld:ParkingSpot:2",
    ]
    partial = post_json(client, f"{BASE}/entityOperations/create", [_e(2), _e(3), {"id": "bad"}], **h)
    assert partial.status_code == 207
    body = partial.json()
    assert body["success"] == ["urn:ngsi-ld:ParkingSpot:3"]
    errors = {e["entityId"]: e["error"]["type"] for e in body["errors"]}
    assert set(errors) == {"bad", "urn:ngsi-ld:ParkingSpot:2"}
    assert errors["urn:ngsi-ld:ParkingSpot:2"].endswith("/AlreadyExists")
    upsert = post_json(client, f"{BASE}/entityOperations/upsert", [_e(3), _e(4)], **h)
    assert upsert.status_code == 201 and upsert.json() == ["urn:ngsi-ld:ParkingSpot:4"]
    again = post_json(
        client,
        f"{BASE}/entityOperations/upsert?options=update",
        [_e(3, status={"type": "Property", "value": "occupied"})],
        **h,
    )
    assert again.status_code == 204
    assert (
        client.get(f"{BASE}/entities/urn:ngsi-ld:ParkingSpot:3", headers=h).json()["status"]["value"]
        == "occupied"
    )
    update = post_json(client, f"{BASE}/entityOperations/update", [_e(1), _e(99)], **h)
    assert (
        update.status_code == 207 and update.json()["errors"][0]["entityId"] == "urn:ngsi-ld:ParkingSpot:99"
    )
    delete = post_json(
        client,
        f"{BASE}/entityOperations/delete",
        ["urn:ngsi-ld:ParkingSpot:1", "urn:ngsi-ld:ParkingSpot:2"],
        **h,
    )
    assert delete.status_code == 204
    assert post_json(client, f"{BASE}/entityOperations/create", {"not": "a list"}, **h).status_code == 400
