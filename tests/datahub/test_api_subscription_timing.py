"""Subscriptions acting on their timing and change options (CIM 009 §5.2.12, §5.8): timeInterval (periodic
notification), throttling (no two notifications closer than that) and showChanges (previous values)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from beffroi.datahub.models import Subscription
from beffroi.datahub.services.subscriptions import subscriptions_periodic_notify
from tests.datahub.helpers import BASE, headers, post_json, write_key

pytestmark = pytest.mark.django_db

EID = "urn:ngsi-ld:WasteContainer:T"


@pytest.fixture
def h(valbourg):
    return headers(write_key(valbourg), "valbourg")


def subscribe(client, h, url, **extra):
    notification = extra.pop("notification", {})
    body = {
        "type": "Subscription",
        "entities": [{"type": "WasteContainer"}],
        "notification": {"endpoint": {"uri": url, "accept": "application/json"}, **notification},
        **extra,
    }
    return post_json(client, f"{BASE}/subscriptions", body, **h)


def set_level(client, h, level, name="fillingLevel"):
    r = post_json(client, f"{BASE}/entities/{EID}/attrs", {name: {"type": "Property", "value": level}}, **h)
    assert r.status_code == 204, r.content


@pytest.fixture
def container(client, h):
    entity = {"id": EID, "type": "WasteContainer", "fillingLevel": {"type": "Property", "value": 0.1}}
    assert post_json(client, f"{BASE}/entities", entity, **h).status_code == 201


@pytest.mark.parametrize(
    "extra",
    [
        {"timeInterval": 0},
        {"timeInterval": "10"},
        {"throttling": -1},
        {"timeInterval": 10, "watchedAttributes": ["fillingLevel"]},
        {"timeInterval": 10, "throttling": 5},
        {"notification": {"showChanges": "yes"}},
    ],
)
def test_bad_timing_options_are_bad_request_data(client, h, receiver, extra):
    url, _ = receiver
    r = subscribe(client, h, url, **extra)
    assert r.status_code == 400
    assert r.json()["type"].endswith("BadRequestData")


def test_throttling_keeps_notifications_apart(
    client,
    h,
    container,
    receiver,
    django_capture_on_commit_callbacks,
):
    """A change within `throttling` seconds of the last notification is not notified; one after it is."""
    url, received = receiver
    assert subscribe(client, h, url, throttling=60).status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        set_level(client, h, 0.5)
        set_level(client, h, 0.6)
    assert [n["data"][0]["fillingLevel"]["value"] for n in received] == [0.5]
    Subscription.objects.update(last_notification=timezone.now() - timedelta(seconds=61))
    with django_capture_on_commit_callbacks(execute=True):
        set_level(client, h, 0.7)
    assert [n["data"][0]["fillingLevel"]["value"] for n in received] == [0.5, 0.7]


def test_time_interval_notifies_on_its_clock_not_on_changes(
    client,
    h,
    container,
    receiver,
    django_capture_on_commit_callbacks,
):
    """A periodic subscription: changes notify nothing; the periodic pass notifies the entities as they are,
    then not again before the interval has passed."""
    url, received = receiver
    assert subscribe(client, h, url, timeInterval=300).status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        set_level(client, h, 0.4)
    assert received == []
    with django_capture_on_commit_callbacks(execute=True):
        assert subscriptions_periodic_notify() == 1
    assert [n["data"][0]["fillingLevel"]["value"] for n in received] == [0.4]
    with django_capture_on_commit_callbacks(execute=True):
        assert subscriptions_periodic_notify(now=timezone.now() + timedelta(seconds=100)) == 0
        assert subscriptions_periodic_notify(now=timezone.now() + timedelta(seconds=301)) == 1
    assert len(received) == 2


def test_show_changes_carries_the_previous_values(
    client,
    h,
    container,
    receiver,
    django_capture_on_commit_callbacks,
):
    """showChanges: each changed attribute carries its value before the change (previousValue for a Property,
    previousObject for a Relationship), as of that change."""
    url, received = receiver
    assert subscribe(client, h, url, notification={"showChanges": True}).status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        set_level(client, h, 0.5)
        set_level(client, h, 0.8)
        r = post_json(
            client,
            f"{BASE}/entities/{EID}/attrs",
            {"servedBy": {"type": "Relationship", "object": "urn:ngsi-ld:Truck:1"}},
            **h,
        )
        assert r.status_code == 204
        r = post_json(
            client,
            f"{BASE}/entities/{EID}/attrs",
            {"servedBy": {"type": "Relationship", "object": "urn:ngsi-ld:Truck:2"}},
            **h,
        )
    levels = [n["data"][0]["fillingLevel"] for n in received[:2]]
    assert [(a["value"], a["previousValue"]) for a in levels] == [(0.5, 0.1), (0.8, 0.5)]
    assert "previousObject" not in received[2]["data"][0]["servedBy"]  # (a new attribute: nothing before)
    assert received[3]["data"][0]["servedBy"]["previousObject"] == "urn:ngsi-ld:Truck:1"


def test_without_show_changes_no_previous_value(
    client,
    h,
    container,
    receiver,
    django_capture_on_commit_callbacks,
):
    url, received = receiver
    assert subscribe(client, h, url).status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        set_level(client, h, 0.5)
    assert "previousValue" not in received[0]["data"][0]["fillingLevel"]


def test_entity_selectors_with_id_and_id_pattern(client, h, receiver, django_capture_on_commit_callbacks):
    """Subscription EntitySelector (§5.2.33): a selector naming an id or an idPattern notifies only those
    entities of its type."""
    url, received = receiver
    r = subscribe(
        client,
        h,
        url,
        entities=[
            {"type": "WasteContainer", "id": "urn:ngsi-ld:WasteContainer:A"},
            {"type": "WasteContainer", "idPattern": "^urn:ngsi-ld:WasteContainer:B.*"},
        ],
    )
    assert r.status_code == 201, r.content
    with django_capture_on_commit_callbacks(execute=True):
        for suffix in ("A", "B1", "C"):
            entity = {"id": f"urn:ngsi-ld:WasteContainer:{suffix}", "type": "WasteContainer"}
            assert post_json(client, f"{BASE}/entities", entity, **h).status_code == 201
    assert sorted(n["data"][0]["id"] for n in received) == [
        "urn:ngsi-ld:WasteContainer:A",
        "urn:ngsi-ld:WasteContainer:B1",
    ]


@pytest.mark.parametrize(
    "selector", [{"type": "WasteContainer", "id": "not a uri"}, {"type": "W", "idPattern": "(["}]
)
def test_bad_entity_selectors_are_bad_request_data(client, h, receiver, selector):
    url, _ = receiver
    r = subscribe(client, h, url, entities=[selector])
    assert r.status_code == 400 and r.json()["type"].endswith("BadRequestData")


def test_subscription_list_has_pagination_links(client, h, receiver):
    """Query subscriptions with limit/offset (§6.3.13): Link rel="next" names the next page."""
    url, _ = receiver
    for _n in range(3):
        assert subscribe(client, h, url).status_code == 201
    first = client.get(f"{BASE}/subscriptions", {"limit": 2}, headers=h)
    assert len(first.json()) == 2 and 'rel="next"' in first["Link"] and "offset=2" in first["Link"]
    last = client.get(f"{BASE}/subscriptions", {"limit": 2, "offset": 2}, headers=h)
    assert 'rel="prev"' in last["Link"] and 'rel="next"' not in last["Link"]


def test_json_notifications_carry_link_and_tenant_headers(
    client, h, container, receiver, django_capture_on_commit_callbacks
):
    """Found beside the suite: an application/json notification names its @context in a Link header (§6.3.5)
    and its tenant in NGSILD-Tenant."""
    url, received = receiver
    assert subscribe(client, h, url).status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        set_level(client, h, 0.5)
    sent = received.headers[0]
    assert sent["Content-Type"] == "application/json"
    assert (
        "ngsi-ld-core-context-v1.9.jsonld" in sent["Link"]
        and 'rel="http://www.w3.org/ns/json-ld#context"' in sent["Link"]
    )
    assert sent["NGSILD-Tenant"] == "valbourg"
