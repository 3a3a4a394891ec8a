"""Subscriptions: CRUD through the NGSI-LD API and HTTP notifications sent by the worker task."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from tests.datahub.helpers import BASE, headers, post_json, write_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/notify", received
    server.shutdown()


def test_subscription_crud_and_notification(
    client, valbourg, hautmesnil, receiver, django_capture_on_commit_callbacks
):
    url, received = receiver
    h = headers(write_key(valbourg), "valbourg")
    sub = {
        "id": "urn:ngsi-ld:Subscription:full",
        "type": "Subscription",
        "entities": [{"type": "WasteContainer"}],
        "q": "fillingLevel>0.8",
        "notification": {
            "attributes": ["fillingLevel"],
            "format": "keyValues",
            "endpoint": {"uri": url, "accept": "application/json"},
        },
    }
    created = post_json(client, f"{BASE}/subscriptions", sub, **h)
    assert created.status_code == 201 and created["Location"].endswith("urn:ngsi-ld:Subscription:full")
    assert post_json(client, f"{BASE}/subscriptions", sub, **h).status_code == 409
    listed = client.get(f"{BASE}/subscriptions", headers=h).json()
    assert [s["id"] for s in listed] == ["urn:ngsi-ld:Subscription:full"]
    other = headers(write_key(hautmesnil), "hautmesnil")
    assert client.get(f"{BASE}/subscriptions/urn:ngsi-ld:Subscription:full", headers=other).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        post_json(
            client,
            f"{BASE}/entities",
            {
                "id": "urn:ngsi-ld:WasteContainer:1",
                "type": "WasteContainer",
                "fillingLevel": {"type": "Property", "value": 0.5},
            },
            **h,
        )
    assert received == []  # q does not match
    with django_capture_on_commit_callbacks(execute=True):
        r = client.patch(
            f"{BASE}/entities/urn:ngsi-ld:WasteContainer:1/attrs",
            data=json.dumps({"fillingLevel": {"type": "Property", "value": 0.9}}),
            content_type="application/json",
            headers=h,
        )
        assert r.status_code == 204
    assert len(received) == 1
    notification = received[0]
    assert (
        notification["type"] == "Notification"
        and notification["subscriptionId"] == "urn:ngsi-ld:Subscription:full"
    )
    assert notification["data"] == [
        {"id": "urn:ngsi-ld:WasteContainer:1", "type": "WasteContainer", "fillingLevel": 0.9}
    ]
    got = client.get(f"{BASE}/subscriptions/urn:ngsi-ld:Subscription:full", headers=h).json()
    assert got["notification"]["timesSent"] == 1
    r = client.patch(
        f"{BASE}/subscriptions/urn:ngsi-ld:Subscription:full",
        data=json.dumps({"isActive": False}),
        content_type="application/json",
        headers=h,
    )
    assert r.status_code == 204
    assert (
        client.get(f"{BASE}/subscriptions/urn:ngsi-ld:Subscription:full", headers=h).json()["status"]
        == "paused"
    )
    assert client.delete(f"{BASE}/subscriptions/urn:ngsi-ld:Subscription:full", headers=h).status_code == 204
    assert client.get(f"{BASE}/subscriptions/urn:ngsi-ld:Subscription:full", headers=h).status_code == 404


def test_bad_subscription_names_the_field(client, valbourg):
    h = headers(write_key(valbourg), "valbourg")
    r = post_json(
        client,
        f"{BASE}/subscriptions",
        {
            "type": "Subscription",
            "entities": [{"type": "X"}],
            "notification": {"endpoint": {"uri": "ftp://x"}},
        },
        **h,
    )
    assert r.status_code == 400 and "notification.endpoint.uri" in r.json()["detail"]


def test_dead_endpoint_is_counted_as_failure(client, valbourg, django_capture_on_commit_callbacks):
    h = headers(write_key(valbourg), "valbourg")
    sub = {"entities": [{"type": "X"}], "notification": {"endpoint": {"uri": "http://127.0.0.1:9/nowhere"}}}
    post_json(client, f"{BASE}/subscriptions", sub, **h)
    with django_capture_on_commit_callbacks(execute=True):
        post_json(client, f"{BASE}/entities", {"id": "urn:ngsi-ld:X:1", "type": "X"}, **h)
    listed = client.get(f"{BASE}/subscriptions", headers=h).json()
    assert listed[0]["notification"]["timesFailed"] == 1
