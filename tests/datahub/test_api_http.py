"""NGSI-LD over HTTP itself (CIM 009 §6.3): a write whose body comes chunked without Content-Length is refused
with 411, through a real HTTP server (the test client always sends a length)."""

import http.client
import json
import urllib.parse

import pytest

from beffroi.datahub.models import Entity
from tests.datahub.helpers import BASE, write_key


def _send(live_server, method, path, body, headers, *, chunked):
    url = urllib.parse.urlsplit(live_server.url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    data = json.dumps(body).encode()
    try:
        if chunked:
            connection.putrequest(method, path)
            for name, value in {**headers, "Transfer-Encoding": "chunked"}.items():
                connection.putheader(name, value)
            connection.endheaders()
            connection.send(f"{len(data):x}\r\n".encode() + data + b"\r\n0\r\n\r\n")
        else:
            connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type"), response.read()
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_a_chunked_write_without_length_is_411(live_server, valbourg):
    """CommonBehaviours (length required): a chunked body without Content-Length → 411 ProblemDetails, nothing
    written; the same body with its length is created."""
    headers = {
        "Authorization": f"Bearer {write_key(valbourg)}",
        "NGSILD-Tenant": "valbourg",
        "Content-Type": "application/json",
    }
    entity = {"id": "urn:ngsi-ld:Building:B1", "type": "Building", "name": {"type": "Property", "value": "A"}}
    status, content_type, body = _send(live_server, "POST", f"{BASE}/entities", entity, headers, chunked=True)
    assert status == 411
    assert content_type.startswith("application/json")
    assert json.loads(body)["type"] == "https://uri.etsi.org/ngsi-ld/errors/LengthRequired"
    assert not Entity.objects.exists()
    status, _, _ = _send(live_server, "POST", f"{BASE}/entities", entity, headers, chunked=False)
    assert status == 201
    assert Entity.objects.filter(entity_id="urn:ngsi-ld:Building:B1").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/entities?type=Building",
        "/entities/urn:ngsi-ld:Building:B1",
        "/types",
        "/attributes",
        "/subscriptions",
        "/temporal/entities?type=Building",
        "/temporal/entities/urn:ngsi-ld:Building:B1",
    ],
)
def test_every_endpoint_answers_406_when_nothing_acceptable(client, valbourg, path):
    """CommonBehaviours (Accept): an Accept naming nothing the API produces is 406 NotAcceptable on every
    endpoint; with q-values the most wanted acceptable type wins."""
    h = {"Authorization": f"Bearer {write_key(valbourg)}", "NGSILD-Tenant": "valbourg"}
    r = client.get(f"{BASE}{path}", headers={**h, "Accept": "text/html, image/png;q=0.5"})
    assert r.status_code == 406, (path, r.status_code)
    assert r.json()["type"].endswith("NotAcceptable")
    r = client.get(f"{BASE}{path}", headers={**h, "Accept": "text/html, application/json;q=0.1"})
    assert r.status_code != 406
