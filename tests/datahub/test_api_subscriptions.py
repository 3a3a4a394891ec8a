"""Subscriptions: CRUD through the NGSI-LD API and HTTP notifications sent by the worker task."""

import json

import pytest
from django.db import models

from tests.datahub.helpers import BASE, headers, post_json, write_key
from tests.local_http import fake_dns

pytestmark = pytest.mark.django_db


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


def test_dead_endpoint_is_counted_as_failure(client, valbourg, settings, django_capture_on_commit_callbacks):
    settings.OUTBOUND_ALLOWED_PRIVATE_HOSTS = ["127.0.0.1"]
    h = headers(write_key(valbourg), "valbourg")
    sub = {"entities": [{"type": "X"}], "notification": {"endpoint": {"uri": "http://127.0.0.1:9/nowhere"}}}
    post_json(client, f"{BASE}/subscriptions", sub, **h)
    with django_capture_on_commit_callbacks(execute=True):
        post_json(client, f"{BASE}/entities", {"id": "urn:ngsi-ld:X:1", "type": "X"}, **h)
    listed = client.get(f"{BASE}/subscriptions", headers=h).json()
    assert listed[0]["notification"]["timesFailed"] == 1


# ---------------------------------------------------------------------------------- internal endpoints
# Subscriptions must not make the server post to its own network, nor tell whether something answers there.

REFUSAL = (
    "notification.endpoint.uri is not allowed: only public Internet addresses can be notified "
    "(or hosts the operator allowed)"
)


def subscription(uri, sub_id=None):
    body = {"type": "Subscription", "entities": [{"type": "X"}], "notification": {"endpoint": {"uri": uri}}}
    return {**body, "id": sub_id} if sub_id else body


@pytest.mark.parametrize(
    "uri",
    [
        "http://127.0.0.1:8080/notify",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:8080/notify",
        "http://localhost:5432/",
        "http://0.0.0.0:8000/",
        "http://10.1.2.3/",
        "http://[::ffff:127.0.0.1]:8080/",
    ],
)
def test_a_subscription_to_an_internal_address_is_refused(client, valbourg, uri):
    h = headers(write_key(valbourg), "valbourg")
    response = post_json(client, f"{BASE}/subscriptions", subscription(uri), **h)
    assert response.status_code == 400
    assert response.json()["type"].endswith("/BadRequestData") and response.json()["detail"] == REFUSAL
    assert client.get(f"{BASE}/subscriptions", headers=h).json() == []


def test_a_name_resolving_to_an_internal_address_or_to_nothing_is_refused_alike(
    client, valbourg, monkeypatch
):
    fake_dns(monkeypatch, {"db.mairie.example": "10.0.0.3"})
    h = headers(write_key(valbourg), "valbourg")
    internal = post_json(client, f"{BASE}/subscriptions", subscription("http://db.mairie.example/"), **h)
    unknown = post_json(client, f"{BASE}/subscriptions", subscription("http://nowhere.invalid/"), **h)
    assert internal.status_code == unknown.status_code == 400
    assert internal.json()["detail"] == unknown.json()["detail"] == REFUSAL


def test_an_update_to_an_internal_address_is_refused(client, valbourg, monkeypatch):
    fake_dns(monkeypatch, {"hooks.example.org": "93.184.216.34"})
    h = headers(write_key(valbourg), "valbourg")
    sub_id = "urn:ngsi-ld:Subscription:moved"
    created = post_json(
        client, f"{BASE}/subscriptions", subscription("http://hooks.example.org/n", sub_id), **h
    )
    assert created.status_code == 201
    response = client.patch(
        f"{BASE}/subscriptions/{sub_id}",
        data=json.dumps({"notification": {"endpoint": {"uri": "http://169.254.169.254/latest/"}}}),
        content_type="application/json",
        headers=h,
    )
    assert response.status_code == 400 and response.json()["detail"] == REFUSAL
    kept = client.get(f"{BASE}/subscriptions/{sub_id}", headers=h).json()
    assert kept["notification"]["endpoint"]["uri"] == "http://hooks.example.org/n"


def test_a_name_that_turns_internal_after_creation_is_not_notified_and_tells_nothing(
    client, valbourg, receiver, monkeypatch, settings, django_capture_on_commit_callbacks
):
    """At creation both names are public; when the notification is sent they resolve to the loopback, one to
    a live port and one to a closed port: nothing is sent, and both subscriptions read the same."""
    url, received = receiver
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    settings.OUTBOUND_ALLOWED_PRIVATE_HOSTS = []
    answer = {"now": "93.184.216.34"}
    fake_dns(
        monkeypatch, {"live.example.org": lambda: answer["now"], "closed.example.org": lambda: answer["now"]}
    )
    h = headers(write_key(valbourg), "valbourg")
    for name, target in (("live", f"live.example.org:{port}"), ("closed", "closed.example.org:9")):
        sub = subscription(f"http://{target}/notify", f"urn:ngsi-ld:Subscription:{name}")
        assert post_json(client, f"{BASE}/subscriptions", sub, **h).status_code == 201
    answer["now"] = "127.0.0.1"
    with django_capture_on_commit_callbacks(execute=True):
        post_json(client, f"{BASE}/entities", {"id": "urn:ngsi-ld:X:1", "type": "X"}, **h)
    assert received == []
    statuses = []
    for name in ("live", "closed"):
        notification = client.get(f"{BASE}/subscriptions/urn:ngsi-ld:Subscription:{name}", headers=h).json()[
            "notification"
        ]
        assert notification["timesSent"] == 0 and "lastSuccess" not in notification
        statuses.append({k: v for k, v in notification.items() if k in ("timesSent", "timesFailed")})
    assert statuses[0] == statuses[1] == {"timesSent": 0, "timesFailed": 1}


def test_a_named_on_premise_host_allowed_by_the_operator_is_notified(
    client, valbourg, receiver, monkeypatch, settings, django_capture_on_commit_callbacks
):
    url, received = receiver
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    settings.OUTBOUND_ALLOWED_PRIVATE_HOSTS = ["supervision.mairie.internal"]
    fake_dns(monkeypatch, {"supervision.mairie.internal": "127.0.0.1"})
    h = headers(write_key(valbourg), "valbourg")
    sub = subscription(f"http://supervision.mairie.internal:{port}/notify", "urn:ngsi-ld:Subscription:onprem")
    assert post_json(client, f"{BASE}/subscriptions", sub, **h).status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        post_json(client, f"{BASE}/entities", {"id": "urn:ngsi-ld:X:1", "type": "X"}, **h)
    assert [n["subscriptionId"] for n in received] == ["urn:ngsi-ld:Subscription:onprem"]
    got = client.get(f"{BASE}/subscriptions/urn:ngsi-ld:Subscription:onprem", headers=h).json()
    assert got["notification"]["timesSent"] == 1
    # The same host is refused once the operator no longer allows it.
    settings.OUTBOUND_ALLOWED_PRIVATE_HOSTS = []
    other = subscription(f"http://supervision.mairie.internal:{port}/notify", "urn:ngsi-ld:Subscription:no")
    assert post_json(client, f"{BASE}/subscriptions", other, **h).status_code == 400


def test_times_sent_counts_notifications_that_finish_together(client, valbourg, receiver, monkeypatch):
    """Two notifications of one subscription in flight at once: each success counts (no lost update)."""
    from beffroi.core import outbound
    from beffroi.datahub.models import Subscription
    from beffroi.datahub.services import notification_send

    url, _ = receiver
    h = headers(write_key(valbourg), "valbourg")
    assert (
        post_json(
            client, f"{BASE}/subscriptions", subscription(url, "urn:ngsi-ld:Subscription:c"), **h
        ).status_code
        == 201
    )
    post_json(client, f"{BASE}/entities", {"id": "urn:ngsi-ld:X:1", "type": "X"}, **h)
    row = Subscription.objects.get(subscription_id="urn:ngsi-ld:Subscription:c")
    real_request = outbound.request

    def request_while_another_finishes(*args, **kwargs):
        response = real_request(*args, **kwargs)
        Subscription.objects.filter(pk=row.pk).update(times_sent=models.F("times_sent") + 1)  # the other one
        return response

    monkeypatch.setattr(outbound, "request", request_while_another_finishes)
    entity_pk = valbourg.datahub_entities.get(entity_id="urn:ngsi-ld:X:1").pk
    assert notification_send(subscription_pk=row.pk, entity_pks=[entity_pk])
    row.refresh_from_db()
    assert row.times_sent == 2


def test_two_quick_changes_give_two_notifications_with_their_own_values(
    client, valbourg, receiver, django_capture_on_commit_callbacks
):
    """Found beside the suite: the notification is rendered when the change is written, not when the worker
    sends it — two PATCHes before the worker runs give 0.6 then 0.9, not 0.9 twice."""
    url, received = receiver
    h = headers(write_key(valbourg), "valbourg")
    sub = {
        "type": "Subscription",
        "entities": [{"type": "WasteContainer"}],
        "notification": {"endpoint": {"uri": url, "accept": "application/json"}},
    }
    assert post_json(client, f"{BASE}/subscriptions", sub, **h).status_code == 201
    with django_capture_on_commit_callbacks() as sent_later:
        post_json(
            client,
            f"{BASE}/entities",
            {"id": "urn:ngsi-ld:WasteContainer:Q", "type": "WasteContainer"},
            **h,
        )
        for level in (0.6, 0.9):
            r = post_json(
                client,
                f"{BASE}/entities/urn:ngsi-ld:WasteContainer:Q/attrs",
                {"fillingLevel": {"type": "Property", "value": level}},
                **h,
            )
            assert r.status_code == 204
    assert received == []  # nothing sent yet: the worker's turn comes after both changes
    for callback in sent_later:
        callback()
    levels = [n["data"][0].get("fillingLevel", {}).get("value") for n in received]
    assert levels == [None, 0.6, 0.9]


def test_a_subscription_reads_back_as_created(client, valbourg, receiver):
    """028_01_01 (Create Subscription): read back in application/ld+json, it is what was sent plus its status
    and default notificationTrigger (timesSent/timesFailed aside), with its own @context."""
    url, _received = receiver
    h = headers(write_key(valbourg), "valbourg")
    context = ["https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.9.jsonld"]
    sub = {
        "id": "urn:ngsi-ld:Subscription:028-01",
        "type": "Subscription",
        "timeInterval": 5,
        "entities": [{"type": "Building"}],
        "notification": {"format": "keyValues", "endpoint": {"uri": url, "accept": "application/json"}},
        "@context": context,
    }
    r = post_json(client, f"{BASE}/subscriptions", sub, content_type="application/ld+json", **h)
    assert r.status_code == 201, r.content
    got = client.get(
        f"{BASE}/subscriptions/urn:ngsi-ld:Subscription:028-01",
        headers={**h, "Accept": "application/ld+json"},
    ).json()
    for key in ("timesSent", "timesFailed"):
        got["notification"].pop(key)
    assert got == {
        **sub,
        "status": "active",
        "notificationTrigger": ["attributeCreated", "attributeUpdated"],
    }
