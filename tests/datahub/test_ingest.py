"""Ingestion: measurement batches with roll-ups (late data included), LoRaWAN uplinks, replays, rejects."""

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest

from beffroi.datahub import services
from beffroi.datahub.documents import observation_value
from beffroi.datahub.models import DailyRollup, HourlyRollup, LatestValue, Observation, RejectedUplink
from tests.datahub.helpers import headers, write_key

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def container(valbourg):
    return services.entity_create(
        commune=valbourg,
        entity={
            "id": "urn:ngsi-ld:WasteContainer:1",
            "type": "https://uri.etsi.org/ngsi-ld/default-context/WasteContainer",
            "https://uri.etsi.org/ngsi-ld/default-context/fillingLevel": {"type": "Property", "value": 0.1},
        },
    )


FILL = "https://uri.etsi.org/ngsi-ld/default-context/fillingLevel"


def _batch(client, key, items):
    return client.post(
        "/api/datahub/observations",
        data=json.dumps({"observations": items}),
        content_type="application/json",
        headers=headers(key),
    )


def test_batch_builds_rollups_and_latest_and_is_idempotent(client, valbourg, container):
    key = write_key(valbourg)
    items = [
        {
            "entity": container.entity_id,
            "attribute": "fillingLevel",
            "observedAt": (T0 + timedelta(minutes=10 * i)).isoformat(),
            "value": v,
        }
        for i, v in enumerate([0.2, 0.4, 0.6, 0.8, 0.5, 0.9, 0.3])
    ]
    first = _batch(client, key, items)
    assert first.status_code == 200
    assert first.json() == {"accepted": 7, "duplicates": 0, "rejected": []}
    again = _batch(client, key, items)
    assert again.json()["accepted"] == 0 and again.json()["duplicates"] == 7
    hour10 = HourlyRollup.objects.get(entity=container, attribute=FILL, bucket=T0)
    assert (hour10.minimum, hour10.maximum, hour10.count) == (0.2, 0.9, 6)
    assert hour10.total == pytest.approx(3.4)
    # A late, out-of-order measurement lands in its own bucket and in the day.
    late = _batch(
        client,
        key,
        [
            {
                "entity": container.entity_id,
                "attribute": "fillingLevel",
                "observedAt": (T0 - timedelta(hours=3)).isoformat(),
                "value": 0.05,
            }
        ],
    )
    assert late.json()["accepted"] == 1
    day = DailyRollup.objects.get(entity=container, attribute=FILL)
    assert day.count == 8 and day.minimum == 0.05
    latest = LatestValue.objects.get(entity=container, attribute=FILL)
    assert latest.value_num == 0.3  # the late value did not replace the newest one
    container.refresh_from_db()
    assert container.data[FILL]["value"] == 0.3


def test_batch_partly_stored_or_repeating_itself_counts_each_measurement_once(client, valbourg, container):
    key = write_key(valbourg)

    def item(minutes, value):
        return {
            "entity": container.entity_id,
            "attribute": "fillingLevel",
            "observedAt": (T0 + timedelta(minutes=minutes)).isoformat(),
            "value": value,
        }

    assert _batch(client, key, [item(0, 0.2), item(10, 0.4)]).json()["accepted"] == 2
    # Two already stored, one new twice in the batch, one new text value, one new number.
    mixed = _batch(
        client,
        key,
        [item(0, 0.2), item(20, 0.6), item(10, 0.4), item(20, 0.6), item(30, "plein"), item(40, 0.8)],
    )
    assert mixed.json() == {"accepted": 3, "duplicates": 3, "rejected": []}
    assert Observation.objects.filter(entity=container).count() == 5
    hour = HourlyRollup.objects.get(entity=container, attribute=FILL, bucket=T0)
    assert (hour.minimum, hour.maximum, hour.count) == (0.2, 0.8, 4)
    assert hour.total == pytest.approx(2.0)
    day = DailyRollup.objects.get(entity=container, attribute=FILL)
    assert (day.count, day.total) == (4, pytest.approx(2.0))
    assert LatestValue.objects.get(entity=container, attribute=FILL).value_num == 0.8


def test_batch_rejects_other_communes_entities_and_names_bad_fields(client, valbourg, hautmesnil, container):
    other = write_key(hautmesnil)
    r = _batch(
        client,
        other,
        [
            {
                "entity": container.entity_id,
                "attribute": "fillingLevel",
                "observedAt": T0.isoformat(),
                "value": 1,
            }
        ],
    )
    assert r.json()["accepted"] == 0 and "entité inconnue" in r.json()["rejected"][0]["reason"]
    assert not Observation.objects.exists()
    bad = _batch(
        client,
        write_key(valbourg),
        [{"entity": container.entity_id, "attribute": "fillingLevel", "observedAt": "soon", "value": 1}],
    )
    assert bad.status_code == 400
    assert "observations[0].observedAt" in bad.json()["detail"]


def _tts(dev_eui, f_cnt, decoded, session="S1"):
    return {
        "end_device_ids": {
            "device_id": "c1",
            "application_ids": {"application_id": "app"},
            "dev_eui": dev_eui,
        },
        "received_at": (T0 + timedelta(minutes=f_cnt)).isoformat().replace("+00:00", "Z"),
        "uplink_message": {
            "session_key_id": session,
            "f_cnt": f_cnt,
            "f_port": 1,
            "frm_payload": base64.b64encode(b"\x01").decode(),
            "decoded_payload": decoded,
        },
    }


def test_uplink_webhook_ingests_and_ignores_replays(client, valbourg, container):
    services.device_register(commune=valbourg, dev_eui="70B3D57ED0001234", entity=container)
    key = write_key(valbourg)

    def send(body):
        return client.post(
            "/api/datahub/uplinks/tts",
            data=json.dumps(body),
            content_type="application/json",
            headers=headers(key),
        )

    assert send(_tts("70B3D57ED0001234", 5, {"fillingLevel": 0.7})).json() == {"result": "ingested"}
    assert send(_tts("70B3D57ED0001234", 5, {"fillingLevel": 0.99})).json() == {"result": "replay"}
    assert send(_tts("70B3D57ED0001234", 4, {"fillingLevel": 0.99})).json() == {"result": "replay"}
    assert list(Observation.objects.values_list("value_num", flat=True)) == [0.7]
    # After a rejoin (new session), the frame counter restarts and is accepted.
    assert send(_tts("70B3D57ED0001234", 1, {"fillingLevel": 0.2}, session="S2")).json() == {
        "result": "ingested"
    }
    assert Observation.objects.count() == 2


def test_malformed_uplink_is_kept_aside(client, valbourg, container):
    services.device_register(
        commune=valbourg, dev_eui="70B3D57ED0001234", entity=container, decoder_profile="milesight-em400-udl"
    )
    key = write_key(valbourg)
    r = client.post(
        "/api/datahub/uplinks/tts", data=b"{not json", content_type="application/json", headers=headers(key)
    )
    assert r.status_code == 202 and r.json()["result"] == "rejected"
    body = _tts("70B3D57ED0001234", 3, None)
    body["uplink_message"]["frm_payload"] = base64.b64encode(b"\xff\xff").decode()
    r = client.post(
        "/api/datahub/uplinks/tts",
        data=json.dumps(body),
        content_type="application/json",
        headers=headers(key),
    )
    assert r.json()["result"] == "rejected"
    rejected = list(RejectedUplink.objects.order_by("received_at"))
    assert len(rejected) == 2
    assert rejected[0].payload == "{not json"
    assert rejected[1].dev_eui == "70B3D57ED0001234"
    assert not Observation.objects.exists()


def test_unknown_device_and_other_commune_device_are_rejected(client, valbourg, hautmesnil, container):
    services.device_register(commune=valbourg, dev_eui="70B3D57ED0001234", entity=container)
    r = client.post(
        "/api/datahub/uplinks/tts",
        data=json.dumps(_tts("70B3D57ED0001234", 1, {"fillingLevel": 1})),
        content_type="application/json",
        headers=headers(write_key(hautmesnil)),
    )
    assert r.json()["result"] == "rejected"
    assert not Observation.objects.exists()


def test_chirpstack_and_plain_uplinks(client, valbourg, container):
    services.device_register(commune=valbourg, dev_eui="0101010101010101", entity=container)
    key = write_key(valbourg)
    chirp = {
        "deviceInfo": {"devEui": "0101010101010101", "deviceName": "c"},
        "fCnt": 9,
        "fPort": 1,
        "data": "qg==",
        "time": T0.isoformat(),
        "object": {"fillingLevel": 0.42},
    }
    r = client.post(
        "/api/datahub/uplinks/chirpstack?event=up",
        data=json.dumps(chirp),
        content_type="application/json",
        headers=headers(key),
    )
    assert r.json()["result"] == "ingested"
    plain = {
        "dev_eui": "0101010101010101",
        "f_cnt": 10,
        "decoded": {"fillingLevel": 0.5},
        "received_at": (T0 + timedelta(hours=1)).isoformat(),
    }
    r = client.post(
        "/api/datahub/uplinks/plain",
        data=json.dumps(plain),
        content_type="application/json",
        headers=headers(key),
    )
    assert r.json()["result"] == "ingested"
    assert LatestValue.objects.get(entity=container).value_num == 0.5


def test_uplink_ingest_never_raises(valbourg):
    assert services.uplink_ingest(payload=b"\x00\x01", topic="v3/app/devices/x/up") == "rejected"
    assert services.uplink_ingest(payload=None) == "rejected"


def test_mqtt_batch_gives_each_message_its_own_outcome(valbourg, container):
    services.device_register(commune=valbourg, dev_eui="70B3D57ED0001234", entity=container)
    topic = "v3/app@ttn/devices/c1/up"
    results = services.uplinks_ingest(
        [
            (topic, json.dumps(_tts("70B3D57ED0001234", 5, {"fillingLevel": 0.7})).encode()),
            (topic, json.dumps(_tts("70B3D57ED0001234", 5, {"fillingLevel": 0.99})).encode()),  # replay
            (topic, b"{not json"),
            (topic, json.dumps(_tts("70B3D57ED0009999", 1, {"fillingLevel": 0.1})).encode()),  # unknown
            ("v3/app@ttn/devices/c1/join", b"{}"),  # not an uplink
            (topic, json.dumps(_tts("70B3D57ED0001234", 6, {"fillingLevel": 0.8})).encode()),
        ]
    )
    assert results == ["ingested", "replay", "rejected", "rejected", "ignored", "ingested"]
    assert sorted(Observation.objects.values_list("value_num", flat=True)) == [0.7, 0.8]
    assert LatestValue.objects.get(entity=container).value_num == 0.8
    assert RejectedUplink.objects.count() == 2
    # The device's frame counter moved on: the same frames sent again are replays.
    again = services.uplinks_ingest(
        [(topic, json.dumps(_tts("70B3D57ED0001234", 6, {"fillingLevel": 0.8})).encode())]
    )
    assert again == ["replay"]


def test_batch_mixing_rejects_texts_units_and_repeats_stores_each_known_measurement_once(
    client, valbourg, container
):
    key = write_key(valbourg)

    def item(minutes, value, **extra):
        return {
            "entity": container.entity_id,
            "attribute": "fillingLevel",
            "observedAt": (T0 + timedelta(minutes=minutes)).isoformat(),
            "value": value,
            **extra,
        }

    unknown = {**item(0, 1), "entity": "urn:ngsi-ld:WasteContainer:nope"}
    first = _batch(client, key, [item(0, 0.5, unitCode="P1"), unknown, item(10, "plein"), item(20, True)])
    assert first.json() == {
        "accepted": 3,
        "duplicates": 0,
        "rejected": [{"index": 1, "reason": "entité inconnue : urn:ngsi-ld:WasteContainer:nope"}],
    }
    stored = {o.observed_at: o for o in Observation.objects.filter(entity=container)}
    assert stored[T0].value_num == 0.5 and stored[T0].unit_code == "P1"
    assert observation_value(stored[T0 + timedelta(minutes=10)]) == "plein"
    assert observation_value(stored[T0 + timedelta(minutes=20)]) is True
    assert HourlyRollup.objects.get(entity=container, attribute=FILL).count == 1  # numbers only
    container.refresh_from_db()
    assert container.data[FILL]["value"] is True
    # The same batch again, with one new measurement: the repeats are counted, the reject still named.
    again = _batch(client, key, [item(0, 0.5, unitCode="P1"), unknown, item(10, "plein"), item(30, 0.7)])
    assert again.json()["accepted"] == 1 and again.json()["duplicates"] == 2
    assert again.json()["rejected"][0]["index"] == 1
    assert LatestValue.objects.get(entity=container, attribute=FILL).value_num == 0.7


@pytest.mark.parametrize(
    ("bad", "named"),
    [
        ("not an object", "observations[2] : un objet"),
        (
            {"attribute": "fillingLevel", "observedAt": "2026-03-02T10:00:00Z", "value": 1},
            "observations[2].entity",
        ),
        (
            {"entity": "E", "attribute": "fillingLevel", "observedAt": "2026-03-02T10:00:00Z"},
            "observations[2].value",
        ),
        (
            {"entity": "E", "attribute": "fillingLevel", "observedAt": "2026-03-02T10:00:00Z", "value": [1]},
            "value",
        ),
        (
            {"entity": "E", "attribute": "fillingLevel", "observedAt": "hier", "value": 1},
            "observations[2].observedAt",
        ),
    ],
)
def test_batch_with_one_bad_measurement_stores_nothing_and_names_it(client, valbourg, container, bad, named):
    good = {
        "entity": container.entity_id,
        "attribute": "fillingLevel",
        "observedAt": T0.isoformat(),
        "value": 1,
    }
    unknown = {**good, "entity": "urn:ngsi-ld:WasteContainer:nope"}
    if isinstance(bad, dict) and bad.get("entity") == "E":
        bad = {**bad, "entity": container.entity_id}
    r = _batch(client, write_key(valbourg), [good, unknown, bad])
    assert r.status_code == 400
    assert named in r.json()["detail"]
    assert not Observation.objects.exists() and not LatestValue.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_batch_outside_a_transaction_falls_back_to_the_careful_path_on_repeats(client, valbourg, container):
    # Outside a test transaction the fast path is its own transaction, rolled back whole on a repeat.
    key = write_key(valbourg)
    item = {"entity": container.entity_id, "attribute": "fillingLevel", "value": 0.4}
    assert _batch(client, key, [{**item, "observedAt": T0.isoformat()}]).json()["accepted"] == 1
    mixed = _batch(
        client,
        key,
        [
            {**item, "observedAt": T0.isoformat()},
            {**item, "observedAt": (T0 + timedelta(minutes=10)).isoformat()},
        ],
    )
    assert mixed.json() == {"accepted": 1, "duplicates": 1, "rejected": []}
    assert Observation.objects.filter(entity=container).count() == 2
    assert HourlyRollup.objects.get(entity=container, attribute=FILL, bucket=T0).count == 2
