"""`beffroi mqtt` against a real Mosquitto broker (skipped when `mosquitto` is not installed)."""

import json
import shutil
import socket
import subprocess
import time
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from beffroi.datahub import services
from beffroi.datahub.models import Observation, RejectedUplink

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("mosquitto") is None, reason="mosquitto is not installed"),
]


@pytest.fixture
def broker(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = tmp_path / "mosquitto.conf"
    config.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    process = subprocess.Popen(
        ["mosquitto", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.05)
    yield port
    process.terminate()
    process.wait(timeout=5)


SHIPPED_CONFIG = Path(__file__).resolve().parents[2] / "docs" / "mosquitto" / "beffroi.conf"


def _start(config, port):
    process = subprocess.Popen(
        ["mosquitto", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.05)
    return process


@pytest.fixture
def shipped_broker(tmp_path):
    """Mosquitto with the configuration shipped in docs/, on a free local port and a private directory."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    local = ("listener", "allow_anonymous", "password_file", "persistence_location")
    lines = [line for line in SHIPPED_CONFIG.read_text().splitlines() if not line.startswith(local)]
    config = tmp_path / "beffroi.conf"
    config.write_text(
        "\n".join(
            [
                *lines,
                f"listener {port} 127.0.0.1",
                "allow_anonymous true",
                f"persistence_location {tmp_path}/",
            ]
        )
        + "\n"
    )
    process = _start(config, port)
    yield port
    process.terminate()
    process.wait(timeout=5)


def _publish(port, messages, *, retain=True):
    import paho.mqtt.client as mqtt

    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="test-publisher")
    client.connect("127.0.0.1", port)
    client.loop_start()
    for topic, payload in messages:
        client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(5)
    client.loop_stop()
    client.disconnect()


def test_mqtt_worker_ingests_tts_chirpstack_and_plain_and_keeps_malformed(broker, valbourg):
    entity = services.entity_create(
        commune=valbourg,
        entity={
            "id": "urn:ngsi-ld:WasteContainer:9",
            "type": "WasteContainer",
            "https://uri.etsi.org/ngsi-ld/default-context/fillingLevel": {"type": "Property", "value": 0},
        },
    )
    for eui in ("70B3D57ED0000001", "70B3D57ED0000002", "70B3D57ED0000003"):
        services.device_register(commune=valbourg, dev_eui=eui, entity=entity)
    now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC).isoformat()
    tts = {
        "end_device_ids": {
            "device_id": "c1",
            "dev_eui": "70B3D57ED0000001",
            "application_ids": {"application_id": "app"},
        },
        "received_at": now,
        "uplink_message": {"f_cnt": 1, "f_port": 1, "decoded_payload": {"fillingLevel": 0.1}},
    }
    chirp = {
        "deviceInfo": {"devEui": "70B3D57ED0000002"},
        "fCnt": 1,
        "fPort": 1,
        "time": "2026-03-02T08:01:00Z",
        "object": {"fillingLevel": 0.2},
    }
    plain = {
        "dev_eui": "70B3D57ED0000003",
        "f_cnt": 1,
        "decoded": {"fillingLevel": 0.3},
        "received_at": "2026-03-02T08:02:00Z",
    }
    _publish(
        broker,
        [
            ("v3/app@tenant/devices/c1/up", json.dumps(tts)),
            ("application/abc/device/70B3D57ED0000002/event/up", json.dumps(chirp)),
            ("beffroi/valbourg/devices/70B3D57ED0000003/up", json.dumps(plain)),
            ("beffroi/valbourg/devices/70B3D57ED0000004/up", "not json"),
        ],
    )
    call_command(
        "mqtt", "--host", "127.0.0.1", "--port", str(broker), "--max-messages", "4", "--timeout", "15"
    )
    assert sorted(Observation.objects.values_list("value_num", flat=True)) == [0.1, 0.2, 0.3]
    assert RejectedUplink.objects.get().payload == "not json"


def test_mqtt_worker_evaluates_no_data_rules_periodically(broker, valbourg, agent_valbourg):

    from beffroi.datahub.models import Alert
    from tests.datahub.test_alerts import silent_container_with_no_data_rule

    container = silent_container_with_no_data_rule(valbourg, agent_valbourg)
    assert not Alert.objects.exists()
    # No message arrives: the worker's periodic pass alone opens the alert on the silent sensor.
    call_command(
        "mqtt", "--host", "127.0.0.1", "--port", str(broker), "--timeout", "1.5", "--alerts-every", "0.5"
    )
    alert = Alert.objects.get()
    assert alert.entity == container and alert.state == Alert.State.OPEN
    assert "Aucune mesure" in alert.message


def test_shipped_broker_configuration_keeps_everything_sent_while_the_worker_is_stopped(
    shipped_broker, valbourg
):
    # Mosquitto's default (max_queued_messages 1000) dropped 423 and 274 of such messages in two runs.
    assert "max_queued_messages 0" in SHIPPED_CONFIG.read_text()
    entity = services.entity_create(
        commune=valbourg,
        entity={"id": "urn:ngsi-ld:WaterConsumptionObserved:1", "type": "WaterConsumptionObserved"},
    )
    services.device_register(commune=valbourg, dev_eui="70B3D57ED00000AA", entity=entity)
    worker = ["mqtt", "--host", "127.0.0.1", "--port", str(shipped_broker), "--alerts-every", "0"]
    call_command(*worker, "--timeout", "0.5", stdout=StringIO(), stderr=StringIO())  # its persistent session
    start = datetime(2026, 3, 2, tzinfo=UTC)
    count = 1200  # more than Mosquitto's default queue and in-flight window together
    _publish(
        shipped_broker,
        [
            (
                "beffroi/valbourg/devices/70B3D57ED00000AA/up",
                json.dumps(
                    {
                        "dev_eui": "70B3D57ED00000AA",
                        "f_cnt": i + 1,
                        "received_at": (start + timedelta(minutes=i)).isoformat(),
                        "decoded": {"waterConsumption": i},
                    }
                ),
            )
            for i in range(count)
        ],
        retain=False,
    )
    call_command(
        *worker, "--max-messages", str(count), "--timeout", "60", stdout=StringIO(), stderr=StringIO()
    )
    assert Observation.objects.filter(entity=entity).count() == count


def test_worker_warns_at_start_that_the_broker_may_drop_queued_messages(broker, valbourg, settings):
    err = StringIO()
    call_command(
        "mqtt", "--host", "127.0.0.1", "--port", str(broker), "--timeout", "1", stdout=StringIO(), stderr=err
    )
    warning = err.getvalue()
    assert "max_queued_messages" in warning and "docs/mosquitto/beffroi.conf" in warning
    assert "mosquitto version" in warning  # the broker named from $SYS/broker/version
    assert warning.count("max_queued_messages 0") == 1  # once per run
    settings.BEFFROI_MQTT_BROKER_QUEUE_UNLIMITED = True
    quiet = StringIO()
    call_command(
        "mqtt",
        "--host",
        "127.0.0.1",
        "--port",
        str(broker),
        "--timeout",
        "1",
        stdout=StringIO(),
        stderr=quiet,
    )
    assert quiet.getvalue() == ""


def test_worker_acknowledges_nothing_the_database_refused(broker, valbourg, monkeypatch):
    """The database refuses the write (unreachable): the uplink is neither acknowledged nor dropped; it is stored
    once the database answers again."""
    from django.db import OperationalError

    from beffroi.datahub.management.commands import mqtt as worker
    from beffroi.datahub.services import uplinks

    entity = services.entity_create(
        commune=valbourg, entity={"id": "urn:ngsi-ld:WasteContainer:7", "type": "WasteContainer"}
    )
    services.device_register(commune=valbourg, dev_eui="70B3D57ED0000007", entity=entity)
    outage = {"writes": 3}  # the batch, the same uplink alone, then the copy set aside: all refused
    ingest, reject = uplinks._uplinks_ingest, uplinks._reject

    def refused(real):
        def call(*args, **kwargs):
            if outage["writes"]:
                outage["writes"] -= 1
                raise OperationalError("database is locked")
            return real(*args, **kwargs)

        return call

    monkeypatch.setattr(uplinks, "_uplinks_ingest", refused(ingest))
    monkeypatch.setattr(uplinks, "_reject", refused(reject))
    monkeypatch.setattr(worker, "RETRY_WAIT", 0.01)
    plain = {"dev_eui": "70B3D57ED0000007", "f_cnt": 1, "decoded": {"fillingLevel": 0.7}}
    _publish(broker, [("beffroi/valbourg/devices/70B3D57ED0000007/up", json.dumps(plain))])
    call_command(
        "mqtt", "--host", "127.0.0.1", "--port", str(broker), "--max-messages", "1", "--timeout", "15"
    )
    assert outage["writes"] == 0
    assert list(Observation.objects.values_list("value_num", flat=True)) == [0.7]
    assert not RejectedUplink.objects.exists()
