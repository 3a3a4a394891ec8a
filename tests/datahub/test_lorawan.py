"""LoRaWAN uplinks (The Things Stack v3, ChirpStack v4, plain JSON) and payload decoders."""

import base64
import contextlib
import copy
import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from beffroi.datahub.lorawan import (
    NETWORK_SERVER_PROFILE,
    DecoderProfile,
    LoRaWANError,
    NotAnUplink,
    PayloadDecodeError,
    UnknownDecoderProfile,
    UplinkFormatError,
    decode_payload,
    decode_uplink,
    fill_level,
    get_profile,
    parse_chirpstack_uplink,
    parse_plain_uplink,
    parse_topic,
    parse_tts_uplink,
    parse_uplink,
    profiles,
)
from beffroi.datahub.lorawan.decoders import registry

# The Things Stack v3 uplink of lorawan-stack-docs (integrations/data-formats), with the elided values filled in.
TTS_UPLINK = {
    "end_device_ids": {
        "device_id": "dev1",
        "application_ids": {"application_id": "app1"},
        "dev_eui": "0004A30B001C0530",
        "join_eui": "800000000000000C",
        "dev_addr": "00BCB929",
    },
    "correlation_ids": ["as:up:01E0WZGT6Y7657CPFPE5WEYDSQ"],
    "received_at": "2020-02-12T15:15:46.014773143Z",
    "uplink_message": {
        "session_key_id": "AXA50...",
        "f_cnt": 1,
        "f_port": 1,
        "frm_payload": "gkHe",
        "decoded_payload": {"temperature": 1.0, "luminosity": 0.64},
        "rx_metadata": [
            {
                "gateway_ids": {"gateway_id": "gtw1", "eui": "9C5C8E00001A05C4"},
                "time": "2020-02-12T15:15:45.787Z",
                "timestamp": 2463457000,
                "rssi": -35,
                "channel_rssi": -35,
                "snr": 5.2,
                "uplink_token": "ChIKEAoEZ3R3MRIIGlwJ",
                "channel_index": 2,
            },
            {"gateway_ids": {"gateway_id": "gtw2"}, "rssi": -110, "channel_rssi": -110, "snr": -3.1},
        ],
        "settings": {
            "data_rate": {"lora": {"bandwidth": 125000, "spreading_factor": 7}},
            "coding_rate": "4/6",
            "frequency": "868300000",
        },
        "received_at": "2020-02-12T15:15:45.794Z",
        "consumed_airtime": "0.056576s",
        "network_ids": {"net_id": "000013", "tenant_id": "tenant1", "cluster_id": "eu1"},
    },
    "simulated": True,
}

# ChirpStack v4 "up" event of chirpstack-docs (integrations/events), with the elided values filled in.
CHIRPSTACK_UP = {
    "deduplicationId": "3ac7e3c4-4401-4b8d-9386-a5c902f9202d",
    "time": "2022-07-18T09:34:15.775023242+00:00",
    "deviceInfo": {
        "tenantId": "52f14cd4-c6f1-4fbd-8f87-4025e1d49242",
        "tenantName": "ChirpStack",
        "applicationId": "17c82e96-be03-4f38-aef3-f83d48582d97",
        "applicationName": "Test application",
        "deviceProfileId": "14855bf7-d10d-4aee-b618-ebfcb64dc7ad",
        "deviceProfileName": "Test device-profile",
        "deviceName": "Test device",
        "devEui": "0101010101010101",
        "tags": {"key": "value"},
    },
    "devAddr": "00189440",
    "dr": 1,
    "fPort": 1,
    "data": "qg==",
    "rxInfo": [
        {
            "gatewayId": "0016c001f153a14c",
            "uplinkId": 4217106255,
            "rssi": -36,
            "snr": 10.5,
            "context": "E3OWOQ==",
            "metadata": {"region_name": "eu868", "region_common_name": "EU868"},
        }
    ],
    "txInfo": {
        "frequency": 867100000,
        "modulation": {"lora": {"bandwidth": 125000, "spreadingFactor": 11, "codeRate": "CR_4_5"}},
    },
}

TTS_TOPIC = "v3/app1@tenant1/devices/dev1/up"
CHIRPSTACK_TOPIC = "application/17c82e96-be03-4f38-aef3-f83d48582d97/device/0101010101010101/event/up"
NOW = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)


# ----------------------------------------------------------------------------------------- topics


@pytest.mark.parametrize(
    ("topic", "expected"),
    [
        (TTS_TOPIC, ("tts", "up", "dev1", "app1", "tenant1", None)),
        ("v3/app1/devices/dev1/up", ("tts", "up", "dev1", "app1", None, None)),
        ("v3/app1@tenant1/devices/dev1/down/queued", ("tts", "down/queued", "dev1", "app1", "tenant1", None)),
        (
            CHIRPSTACK_TOPIC,
            ("chirpstack", "up", "0101010101010101", "17c82e96-be03-4f38-aef3-f83d48582d97", None, None),
        ),
        (
            "application/a/device/0101010101010101/event/status",
            ("chirpstack", "status", "0101010101010101", "a", None, None),
        ),
        (
            "beffroi/valbourg/devices/70B3D57ED0001234/up",
            ("plain", "up", "70B3D57ED0001234", None, None, "valbourg"),
        ),
    ],
)
def test_topics(topic, expected):
    parsed = parse_topic(topic)
    assert (
        parsed.source,
        parsed.event,
        parsed.device,
        parsed.application_id,
        parsed.tenant_id,
        parsed.commune,
    ) == expected


@pytest.mark.parametrize("topic", ["", "v3/app1", "sensors/temperature", "application/a/device/x", 3])
def test_other_topics_are_not_recognised(topic):
    assert parse_topic(topic) is None


# ------------------------------------------------------------------------------------ The Things Stack


def test_tts_uplink_from_the_documentation():
    uplink = parse_tts_uplink(json.dumps(TTS_UPLINK).encode(), topic=TTS_TOPIC)
    assert uplink.dev_eui == "0004A30B001C0530"
    assert (uplink.f_cnt, uplink.f_port) == (1, 1)
    assert uplink.raw == bytes.fromhex("8241de")
    assert uplink.decoded == {"temperature": 1.0, "luminosity": 0.64}
    assert uplink.received_at == datetime(2020, 2, 12, 15, 15, 46, 14773, tzinfo=UTC)
    assert (uplink.device_id, uplink.application_id, uplink.tenant_id) == ("dev1", "app1", "tenant1")
    assert uplink.session_id == "AXA50..."
    assert (uplink.rssi, uplink.snr, uplink.gateway_count) == (-35, 5.2, 2)
    assert uplink.simulated
    assert uplink.source == "tts"
    assert uplink.replay_key == ("0004A30B001C0530", 1)


def test_tts_omits_zero_values():
    message = copy.deepcopy(TTS_UPLINK)
    for key in ("f_cnt", "f_port", "frm_payload", "decoded_payload", "rx_metadata"):
        del message["uplink_message"][key]
    uplink = parse_tts_uplink(message)
    assert (uplink.f_cnt, uplink.f_port, uplink.raw, uplink.decoded) == (0, 0, b"", None)
    assert uplink.rssi is None


def test_tts_falls_back_to_the_network_receive_time_and_topic_ids():
    message = copy.deepcopy(TTS_UPLINK)
    del message["received_at"]
    del message["end_device_ids"]["application_ids"]
    del message["uplink_message"]["network_ids"]
    uplink = parse_tts_uplink(message, topic=TTS_TOPIC)
    assert uplink.received_at == datetime(2020, 2, 12, 15, 15, 45, 794000, tzinfo=UTC)
    assert (uplink.application_id, uplink.tenant_id) == ("app1", "tenant1")


def test_tts_messages_other_than_uplinks_are_skipped():
    join = {"end_device_ids": TTS_UPLINK["end_device_ids"], "join_accept": {"session_key_id": "x"}}
    with pytest.raises(NotAnUplink, match="join_accept"):
        parse_tts_uplink(join)
    with pytest.raises(NotAnUplink):
        parse_tts_uplink(TTS_UPLINK, topic="v3/app1@tenant1/devices/dev1/down/ack")


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        (lambda m: m["end_device_ids"].pop("dev_eui"), "dev_eui"),
        (lambda m: m["end_device_ids"].update(dev_eui="0004A30B001C05"), "16 hexadecimal"),
        (lambda m: m["uplink_message"].update(frm_payload="not base64!"), "base64"),
        (lambda m: m["uplink_message"].update(f_port=300), "between 0 and 255"),
        (lambda m: m["uplink_message"].update(f_cnt=-1), "between 0"),
        (lambda m: m["uplink_message"].update(f_cnt="ten"), "integer"),
        (lambda m: m["uplink_message"].update(decoded_payload=[1, 2]), "decoded_payload"),
        (lambda m: m.update(received_at="yesterday"), "ISO 8601"),
        (lambda m: m.update(uplink_message="up"), "uplink_message must be an object"),
        (lambda m: m.pop("end_device_ids"), "end_device_ids is missing"),
        (lambda m: m["end_device_ids"].update(device_id="dev2"), "does not match the topic"),
    ],
)
def test_malformed_tts_uplinks(mutate, fragment):
    message = copy.deepcopy(TTS_UPLINK)
    mutate(message)
    with pytest.raises(UplinkFormatError, match=fragment):
        parse_tts_uplink(message, topic=TTS_TOPIC)


# ------------------------------------------------------------------------------------------ ChirpStack


def test_chirpstack_up_event_from_the_documentation():
    uplink = parse_chirpstack_uplink(json.dumps(CHIRPSTACK_UP), topic=CHIRPSTACK_TOPIC)
    assert uplink.dev_eui == "0101010101010101"
    assert (uplink.f_cnt, uplink.f_port) == (0, 1)  # fCnt 0 is omitted by the protobuf JSON mapping
    assert uplink.raw == b"\xaa"
    assert uplink.decoded is None
    assert uplink.received_at == datetime(2022, 7, 18, 9, 34, 15, 775023, tzinfo=UTC)
    assert uplink.application_id == "17c82e96-be03-4f38-aef3-f83d48582d97"
    assert uplink.device_id == "Test device"
    assert uplink.session_id == "00189440"
    assert (uplink.rssi, uplink.snr) == (-36, 10.5)
    assert uplink.source == "chirpstack"


def test_chirpstack_object_and_time_fallback():
    message = copy.deepcopy(CHIRPSTACK_UP)
    message["object"] = {"co2": 776}
    message["fCnt"] = 42
    del message["time"]
    message["rxInfo"][0]["nsTime"] = "2022-07-18T09:34:15.8Z"
    uplink = parse_chirpstack_uplink(message, event="up")
    assert uplink.decoded == {"co2": 776}
    assert uplink.f_cnt == 42
    assert uplink.received_at == datetime(2022, 7, 18, 9, 34, 15, 800000, tzinfo=UTC)


def test_chirpstack_other_events_and_errors():
    with pytest.raises(NotAnUplink):
        parse_chirpstack_uplink(CHIRPSTACK_UP, event="status")
    with pytest.raises(NotAnUplink):
        parse_chirpstack_uplink(CHIRPSTACK_UP, topic=CHIRPSTACK_TOPIC.replace("/up", "/join"))
    with pytest.raises(UplinkFormatError, match="does not match"):
        parse_chirpstack_uplink(CHIRPSTACK_UP, topic="application/a/device/0202020202020202/event/up")
    with pytest.raises(UplinkFormatError, match="not a chirpstack uplink topic"):
        parse_chirpstack_uplink(CHIRPSTACK_UP, topic=TTS_TOPIC)
    no_time = copy.deepcopy(CHIRPSTACK_UP)
    del no_time["time"]
    with pytest.raises(UplinkFormatError, match="time is missing"):
        parse_chirpstack_uplink(no_time)


# ------------------------------------------------------------------------------------------ plain JSON


def test_plain_uplink_with_every_field():
    message = {
        "dev_eui": "70b3d57ed0001234",
        "f_cnt": 42,
        "f_port": 5,
        "received_at": "2024-05-01T12:00:00+02:00",
        "payload_hex": "0100E202290400270506060308",
        "decoded": {"battery": 97},
    }
    uplink = parse_plain_uplink(json.dumps(message), topic="beffroi/valbourg/devices/70B3D57ED0001234/up")
    assert uplink.dev_eui == "70B3D57ED0001234"
    assert (uplink.f_cnt, uplink.f_port) == (42, 5)
    assert uplink.received_at == NOW
    assert uplink.raw == bytes.fromhex("0100e202290400270506060308")
    assert uplink.decoded == {"battery": 97}
    assert uplink.commune == "valbourg"


def test_plain_uplink_defaults():
    uplink = parse_plain_uplink(
        {"dev_eui": "70B3D57ED0001234", "f_cnt": 0, "payload_base64": "AQDi"}, received_at=NOW
    )
    assert (uplink.f_port, uplink.received_at, uplink.raw) == (1, NOW, b"\x01\x00\xe2")
    decoded_only = parse_plain_uplink(
        {"dev_eui": "70B3D57ED0001234", "f_cnt": 1, "decoded": {"fillingLevel": 0.4}}, received_at=NOW
    )
    assert decoded_only.raw == b"" and decoded_only.decoded == {"fillingLevel": 0.4}


@pytest.mark.parametrize(
    ("message", "fragment"),
    [
        ({"f_cnt": 1, "payload_hex": "01"}, "dev_eui"),
        ({"dev_eui": "70B3D57ED0001234", "payload_hex": "01"}, "f_cnt is missing"),
        ({"dev_eui": "70B3D57ED0001234", "f_cnt": 1}, "payload"),
        ({"dev_eui": "70B3D57ED0001234", "f_cnt": 1, "payload_hex": "0g"}, "hexadecimal"),
        (
            {"dev_eui": "70B3D57ED0001234", "f_cnt": 1, "payload_hex": "01", "payload_base64": "AQ=="},
            "not both",
        ),
        ({"dev_eui": "70B3D57ED0001234", "f_cnt": 1, "payload_hex": "01", "fport": 2}, "unknown field"),
        ({"dev_eui": "70B3D57ED0001234", "f_cnt": True, "payload_hex": "01"}, "integer"),
        ({"dev_eui": "70B3D57ED0001234", "f_cnt": 2**32, "payload_hex": "01"}, "between"),
    ],
)
def test_malformed_plain_uplinks(message, fragment):
    with pytest.raises(UplinkFormatError, match=fragment):
        parse_plain_uplink(message, received_at=NOW)


def test_plain_uplink_needs_a_time():
    with pytest.raises(UplinkFormatError, match="received_at"):
        parse_plain_uplink({"dev_eui": "70B3D57ED0001234", "f_cnt": 1, "payload_hex": "01"})


# ------------------------------------------------------------------------------------------- dispatch


def test_parse_uplink_recognises_each_format():
    assert parse_uplink(TTS_UPLINK).source == "tts"
    assert parse_uplink(CHIRPSTACK_UP).source == "chirpstack"
    assert (
        parse_uplink({"dev_eui": "70B3D57ED0001234", "f_cnt": 1, "payload_hex": "01"}, received_at=NOW).source
        == "plain"
    )
    assert parse_uplink(json.dumps(TTS_UPLINK), topic=TTS_TOPIC).dev_eui == "0004A30B001C0530"
    assert parse_uplink(CHIRPSTACK_UP, source="chirpstack").dev_eui == "0101010101010101"
    with pytest.raises(UplinkFormatError, match="unrecognised uplink format"):
        parse_uplink({"hello": "world"})
    with pytest.raises(UplinkFormatError, match="unrecognised topic"):
        parse_uplink(TTS_UPLINK, topic="sensors/x")


@pytest.mark.parametrize(
    "message", [b"\xff\xfe", "not json", "[1, 2]", "null", 42, b"{" * 100_000, "[" * 5000]
)
def test_garbage_messages_are_format_errors(message):
    with pytest.raises(UplinkFormatError):
        parse_uplink(message)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)


def _mutations(base):
    """Messages close to a real one: some keys replaced by random JSON values."""
    keys = list(base)
    return st.dictionaries(st.sampled_from(keys), JSON_VALUES, max_size=3).map(
        lambda changes: {**base, **changes}
    )


@given(st.one_of(st.binary(max_size=200), st.text(max_size=200), JSON_VALUES))
@settings(max_examples=300)
def test_random_input_only_raises_lorawan_errors(message):
    for parse in (parse_uplink, parse_tts_uplink, parse_chirpstack_uplink, parse_plain_uplink):
        with contextlib.suppress(LoRaWANError):
            parse(message)


@given(
    st.one_of(
        _mutations(TTS_UPLINK),
        _mutations(CHIRPSTACK_UP),
        _mutations(
            {
                "dev_eui": "70B3D57ED0001234",
                "f_cnt": 1,
                "payload_hex": "01",
                "received_at": "2024-05-01T10:00:00Z",
            }
        ),
        _mutations(TTS_UPLINK["uplink_message"]).map(lambda up: {**TTS_UPLINK, "uplink_message": up}),
        _mutations(CHIRPSTACK_UP["deviceInfo"]).map(lambda info: {**CHIRPSTACK_UP, "deviceInfo": info}),
    )
)
@settings(max_examples=500)
def test_nearly_valid_messages_only_raise_lorawan_errors(message):
    try:
        uplink = parse_uplink(message)
    except LoRaWANError:
        return
    assert len(uplink.dev_eui) == 16 and 0 <= uplink.f_port <= 255 and uplink.received_at.tzinfo is not None


# ------------------------------------------------------------------------------------------- decoders


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        # TheThingsNetwork/lorawan-devices vendor/elsys/ers-co2-codec.yaml
        (
            "0100E202290400270506060308",
            {"temperature": 22.6, "humidity": 41, "light": 39, "motion": 6, "co2": 776},
        ),
        (
            base64.b64decode("AQDnAiEEACQFAgYBsAcOTQ==").hex(),
            {"temperature": 23.1, "humidity": 33, "light": 36, "motion": 2, "co2": 432, "vdd": 3661},
        ),
        ("01FF38", {"temperature": -20.0}),
        ("0C0064190050190064", {"externalTemperature": 10.0, "externalTemperature2": [8.0, 10.0]}),
        ("0300C13F", {"x": 0, "y": -63, "z": 63}),
        ("14000F7A24", {"pressure": 1014.308}),
        ("1550321C00C8", {"soundPeak": 80, "soundAvg": 50, "tvoc": 200}),
        ("0B0001E240170000000A", {"pulseAbs": 123456, "pulseAbs2": 10}),
        ("1000FA00C8", {"irInternalTemperature": 25.0, "irExternalTemperature": 20.0}),
        ("1102120D1A00", {"occupancy": 2, "waterleak": 13, "digital2": 0}),
        ("1BFFFFFFFE3D00000001", {"analogUv": -2, "debug": 1}),
    ],
)
def test_elsys_frames(payload, expected):
    assert decode_payload("elsys-ers", bytes.fromhex(payload)) == expected


def test_elsys_grideye_frame():
    payload = bytes([0x13, 20]) + bytes(range(64))
    decoded = decode_payload("elsys-ers", payload)
    assert len(decoded["grideye"]) == 64
    assert decoded["grideye"][0] == 20 and decoded["grideye"][10] == 21


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ("0100", "truncated"),
        ("FF", "unknown Elsys record type 0xFF"),
        ("0100E202", "humidity"),
        ("", "empty"),
    ],
)
def test_elsys_errors(payload, fragment):
    with pytest.raises(PayloadDecodeError, match=fragment):
        decode_payload("elsys-ers", bytes.fromhex(payload))


def test_adeunis_pulse_history_frame_from_the_vendor_codec():
    payload = bytes(
        [
            0x5A,
            0x67,
            0x00,
            0x00,
            0x01,
            0x27,
            0x00,
            0x01,
            0x00,
            0x02,
            0x00,
            0x03,
            0x00,
            0x04,
            0x14,
            0xAB,
            0xA3,
            0xE9,
        ]
    )
    assert decode_payload("adeunis-pulse", payload) == {
        "frame": "0x5a",
        "frameCounter": 3,
        "lowBattery": True,
        "configurationDone": True,
        "counterA": 295,
        "counterAHistory": [295, 294, 292, 289, 285],
        "timestamp": "2023-12-28T19:22:17Z",
    }


def test_adeunis_pulse_frames():
    data = decode_payload("adeunis-pulse", bytes.fromhex("4620" + "0001E240" + "00000007"))
    assert (data["counterA"], data["counterB"], data["frameCounter"], data["lowBattery"]) == (
        123456,
        7,
        1,
        False,
    )
    assert "timestamp" not in data
    stamped = decode_payload("adeunis-pulse", bytes.fromhex("4605" + "00000010" + "00000000" + "14ABA3E9"))
    assert stamped["timestamp"] == "2023-12-28T19:22:17Z"
    channel_b = decode_payload("adeunis-pulse", bytes.fromhex("5B00" + "00000064" + "000A"))
    assert channel_b["counterBHistory"] == [100, 90]
    keep_alive = decode_payload(
        "adeunis-pulse", bytes.fromhex("3000" + "11" + "0064" + "0000" + "0002" + "0000")
    )
    assert keep_alive["flowAlarmA"] and keep_alive["leakageAlarmA"] and not keep_alive["tamperAlarmB"]
    assert (keep_alive["flowMaxA"], keep_alive["flowMinA"]) == (100, 2)
    alarm = decode_payload("adeunis-pulse", bytes.fromhex("4700" + "01F4" + "0000"))
    assert (alarm["flowA"], alarm["flowB"]) == (500, 0)
    configuration = decode_payload("adeunis-pulse", bytes.fromhex("1001" + "00" * 26))
    assert configuration["frameType"] == "configuration"


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ("46000000", "truncated"),
        ("4600" + "00" * 8 + "FF", "trailing"),
        ("5A00000001", "expected 6 \\+ 2n bytes"),
        ("5A00" + "00000001" + "0005", "exceed"),
        ("9900", "unknown Adeunis Pulse frame code 0x99"),
        ("46", "status byte"),
    ],
)
def test_adeunis_pulse_errors(payload, fragment):
    with pytest.raises(PayloadDecodeError, match=fragment):
        decode_payload("adeunis-pulse", bytes.fromhex(payload))


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        # Milesight-IoT/SensorDecoders em-series/em400-udl/README.md
        (
            "01755C03670101048244080500 01",
            {"battery": 92, "temperature": 25.7, "distance": 2116, "position": "tilt"},
        ),
        (
            "8367e800018482410601",
            {
                "temperature": 23.2,
                "temperature_alarm": "threshold_alarm",
                "distance": 1601,
                "distance_alarm": "threshold_alarm",
            },
        ),
        (
            "01756403670b0104823b01050001",
            {"battery": 100, "temperature": 26.7, "distance": 315, "position": "tilt"},
        ),
        ("0367F6FF", {"temperature": -1.0}),
        (
            "FF0110FF090110FF0A0114FF0F00FF166749D19054690031FF0B01",
            {
                "ipso_version": "v1.0",
                "hardware_version": "v1.1",
                "firmware_version": "v1.14",
                "lorawan_class": "Class A",
                "sn": "6749d19054690031",
                "device_status": "on",
            },
        ),
    ],
)
def test_milesight_em400_udl_frames(payload, expected):
    assert decode_payload("milesight-em400-udl", bytes.fromhex(payload.replace(" ", ""))) == expected


@pytest.mark.parametrize(
    ("payload", "fragment"), [("0175", "truncated"), ("0699000000", "unknown EM400-UDL channel 0x06")]
)
def test_milesight_errors(payload, fragment):
    with pytest.raises(PayloadDecodeError, match=fragment):
        decode_payload("milesight-em400-udl", bytes.fromhex(payload))


def test_fill_level_from_distance():
    assert fill_level(1200, empty_distance_mm=1200) == 0
    assert fill_level(300, empty_distance_mm=1200, full_distance_mm=300) == 1
    assert fill_level(750, empty_distance_mm=1200, full_distance_mm=300) == pytest.approx(0.5)
    assert fill_level(100, empty_distance_mm=1200, full_distance_mm=300) == 1
    assert fill_level(2116, empty_distance_mm=1200) == 0
    with pytest.raises(ValueError):
        fill_level(10, empty_distance_mm=100, full_distance_mm=200)


@pytest.mark.parametrize("profile", ["elsys-ers", "adeunis-pulse", "milesight-em400-udl"])
@given(payload=st.binary(max_size=80))
@settings(max_examples=300)
def test_decoders_never_raise_anything_but_decode_errors(profile, payload):
    try:
        result = decode_payload(profile, payload)
    except PayloadDecodeError:
        return
    assert isinstance(result, dict)


# ------------------------------------------------------------------------------------------- registry


def test_registry_lists_the_built_in_profiles():
    names = [p.name for p in profiles()]
    assert names == ["adeunis-pulse", "elsys-ers", "milesight-em400-udl"]
    for profile in profiles():
        assert profile.reference and profile.vendor and profile.description
    assert get_profile("elsys-ers").units["co2"] == "59"
    with pytest.raises(UnknownDecoderProfile, match="elsys-ers"):
        get_profile("acme-9000")
    with pytest.raises(UnknownDecoderProfile):
        decode_payload("acme-9000", b"\x01")
    with pytest.raises(ValueError):
        registry.register(DecoderProfile(NETWORK_SERVER_PROFILE, "x", "x", "x", "x", lambda b, p: {}))


def test_a_crashing_decoder_is_reported_as_a_decode_error(monkeypatch):
    def broken(payload, f_port):
        return {"ratio": 1 / 0}

    monkeypatch.setitem(
        registry._REGISTRY, "broken", DecoderProfile("broken", "Acme", "X", "buggy", "none", broken)
    )
    with pytest.raises(PayloadDecodeError, match="ZeroDivisionError"):
        decode_payload("broken", b"\x01")
    with pytest.raises(PayloadDecodeError, match="bytes"):
        decode_payload("elsys-ers", "0100e2")  # type: ignore[arg-type]


def test_decode_uplink_with_raw_and_network_server_profiles():
    message = copy.deepcopy(TTS_UPLINK)
    message["uplink_message"]["frm_payload"] = base64.b64encode(
        bytes.fromhex("0100E202290400270506060308")
    ).decode()
    uplink = parse_tts_uplink(message)
    assert decode_uplink(uplink, "elsys-ers")["co2"] == 776
    assert decode_uplink(uplink, NETWORK_SERVER_PROFILE) == {"temperature": 1.0, "luminosity": 0.64}
    without_object = parse_chirpstack_uplink(CHIRPSTACK_UP)
    with pytest.raises(PayloadDecodeError, match="no decoded object"):
        decode_uplink(without_object, NETWORK_SERVER_PROFILE)
    with pytest.raises(PayloadDecodeError):
        decode_uplink(without_object, "elsys-ers")  # 0xAA is no Elsys record
