"""Uplink messages of LoRaWAN network servers, normalised to one :class:`Uplink`.

Three input formats, each arriving over MQTT (topic + JSON) or an HTTP webhook (JSON only):

**The Things Stack v3** (``source="tts"``; lorawan-stack-docs ``integrations/data-formats``). MQTT topic
``v3/{application id}@{tenant id}/devices/{device id}/up`` (``@{tenant id}`` is absent on the open-source
edition). Fields read: ``end_device_ids.dev_eui``, ``end_device_ids.device_id``,
``end_device_ids.application_ids.application_id``, ``received_at``, ``uplink_message.f_port``,
``uplink_message.f_cnt``, ``uplink_message.frm_payload`` (base64), ``uplink_message.decoded_payload``,
``uplink_message.rx_metadata[].rssi|channel_rssi|snr``, ``uplink_message.session_key_id``,
``uplink_message.network_ids.tenant_id``, ``simulated``. TTS omits empty fields: a missing ``f_port`` or
``f_cnt`` is 0, a missing ``frm_payload`` is an empty payload.

**ChirpStack v4** (``source="chirpstack"``; chirpstack-docs ``integrations/events``). MQTT topic
``application/{application id}/device/{DevEUI}/event/up`` (HTTP: ``?event=up``). Fields read:
``deviceInfo.devEui``, ``deviceInfo.deviceName``, ``deviceInfo.applicationId``, ``deviceInfo.tenantId``,
``fCnt``, ``fPort``, ``data`` (base64), ``object`` (present when a codec is configured), ``time``,
``devAddr``, ``rxInfo[].rssi|snr``. Protobuf JSON omits zero values: missing ``fCnt``/``fPort`` are 0.

**Beffroi plain JSON** (``source="plain"``), for gateways and scripts that are not network servers. MQTT topic
``beffroi/{commune slug}/devices/{DevEUI}/up``; body::

    {
      "dev_eui": "70B3D57ED0001234",          # required: 16 hexadecimal digits (case-insensitive)
      "f_cnt": 42,                             # required: frame counter, integer >= 0 (replays are dropped)
      "f_port": 1,                             # optional: 0-255, default 1
      "received_at": "2024-05-01T10:00:00Z",   # optional: ISO 8601; default: the time the server received it
      "payload_hex": "0100e20229",             # optional: raw frame payload as hexadecimal…
      "payload_base64": "AQDiAik=",            # …or as base64 (not both)
      "decoded": {"temperature": 22.6}         # optional: measurements already decoded
    }

At least one of the payload or ``decoded`` must be given. Unknown keys are rejected, so typos surface.

Every function here raises only :class:`~beffroi.datahub.lorawan.errors.UplinkFormatError` (or its subclass
:class:`~beffroi.datahub.lorawan.errors.NotAnUplink` for join/status/… events) on bad input.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import orjson

from beffroi.datahub.lorawan.errors import NotAnUplink, UplinkFormatError
from beffroi.datahub.ngsild.query import parse_datetime_literal

Source = Literal["tts", "chirpstack", "plain"]

#: Larger messages are refused before JSON parsing (a TTS uplink with a dozen gateways is under 16 KiB).
MAX_MESSAGE_BYTES = 64 * 1024
MAX_FRAME_COUNTER = 2**32 - 1

_DEV_EUI_RE = re.compile(r"[0-9A-Fa-f]{16}")
_TTS_TOPIC_RE = re.compile(
    r"v3/(?P<app>[^/@]+)(?:@(?P<tenant>[^/]+))?/devices/(?P<device>[^/]+)/(?P<event>.+)"
)
_CHIRPSTACK_TOPIC_RE = re.compile(
    r"(?:.*/)?application/(?P<app>[^/]+)/device/(?P<device>[^/]+)/event/(?P<event>[^/]+)"
)
_PLAIN_TOPIC_RE = re.compile(r"beffroi/(?P<commune>[^/]+)/devices/(?P<device>[^/]+)/(?P<event>[^/]+)")
_PLAIN_KEYS = frozenset(
    {"dev_eui", "f_cnt", "f_port", "received_at", "payload_hex", "payload_base64", "decoded"}
)


@dataclass(frozen=True, slots=True)
class Uplink:
    """One uplink frame of one device, whatever network server or format it came through."""

    dev_eui: str  # 16 upper-case hexadecimal digits
    f_cnt: int
    f_port: int
    received_at: datetime  # aware, UTC
    raw: bytes
    decoded: dict[str, Any] | None = field(default=None, hash=False)
    source: Source = "plain"
    device_id: str | None = None
    application_id: str | None = None
    tenant_id: str | None = None
    commune: str | None = None  # from the plain-format topic
    session_id: str | None = None  # TTS session_key_id / ChirpStack devAddr: changes when the device rejoins
    rssi: float | None = None  # best gateway
    snr: float | None = None
    gateway_count: int = 0
    simulated: bool = False

    @property
    def replay_key(self) -> tuple[str, int]:
        """(DevEUI, frame counter): a second uplink with the same key is a replay (or a duplicate delivery)."""
        return self.dev_eui, self.f_cnt


@dataclass(frozen=True, slots=True)
class Topic:
    """What an MQTT topic says about the message it carries."""

    source: Source
    event: str
    device: str  # TTS device id; ChirpStack and plain: DevEUI
    application_id: str | None = None
    tenant_id: str | None = None
    commune: str | None = None


def parse_topic(topic: str) -> Topic | None:
    """Recognise a TTS v3, ChirpStack v4 or Beffroi plain topic; None for any other topic."""
    if not isinstance(topic, str):
        return None
    topic = topic.strip("/")
    if match := _TTS_TOPIC_RE.fullmatch(topic):
        return Topic("tts", match["event"], match["device"], match["app"], match["tenant"])
    if match := _CHIRPSTACK_TOPIC_RE.fullmatch(topic):
        return Topic("chirpstack", match["event"], match["device"], match["app"])
    if match := _PLAIN_TOPIC_RE.fullmatch(topic):
        return Topic("plain", match["event"], match["device"], commune=match["commune"])
    return None


# ----------------------------------------------------------------------------------------- field helpers


def _load(message: Any) -> dict[str, Any]:
    if isinstance(message, Mapping):
        return dict(message)
    if isinstance(message, bytes | bytearray | memoryview):
        if len(message) > MAX_MESSAGE_BYTES:
            raise UplinkFormatError(f"message larger than {MAX_MESSAGE_BYTES} bytes")
        try:
            message = bytes(message).decode("utf-8")
        except UnicodeDecodeError:
            raise UplinkFormatError("message is not UTF-8 text") from None
    if not isinstance(message, str):
        raise UplinkFormatError(f"message must be JSON text or an object, not {type(message).__name__}")
    if len(message) > MAX_MESSAGE_BYTES:
        raise UplinkFormatError(f"message larger than {MAX_MESSAGE_BYTES} bytes")
    try:
        # orjson: also refuses lone surrogates (which no database column can store) and deep nesting.
        data = orjson.loads(message)
    except orjson.JSONDecodeError:
        raise UplinkFormatError("message is not valid JSON") from None
    if not isinstance(data, dict):
        raise UplinkFormatError("message must be a JSON object")
    return data


def _object(data: Mapping[str, Any], key: str, *, required: bool = False) -> dict[str, Any]:
    value = data.get(key)
    if value is None:
        if required:
            raise UplinkFormatError(f"{key} is missing")
        return {}
    if not isinstance(value, Mapping):
        raise UplinkFormatError(f"{key} must be an object")
    return dict(value)


def _integer(value: Any, name: str, *, default: int | None = None, maximum: int) -> int:
    if value is None:
        if default is None:
            raise UplinkFormatError(f"{name} is missing")
        return default
    if isinstance(value, bool):
        raise UplinkFormatError(f"{name} must be an integer")
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int):
        raise UplinkFormatError(f"{name} must be an integer, got {value!r}")
    if not 0 <= value <= maximum:
        raise UplinkFormatError(f"{name} must be between 0 and {maximum}, got {value}")
    return value


def _dev_eui(value: Any, name: str) -> str:
    if not isinstance(value, str) or not _DEV_EUI_RE.fullmatch(value.strip()):
        raise UplinkFormatError(f"{name} must be a DevEUI of 16 hexadecimal digits, got {value!r}")
    return value.strip().upper()


def _timestamp(value: Any, name: str) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    parsed = parse_datetime_literal(value) if isinstance(value, str) else None
    if parsed is None:
        raise UplinkFormatError(f"{name} must be an ISO 8601 date-time, got {value!r}")
    return parsed


def _base64(value: Any, name: str) -> bytes:
    if value is None or value == "":
        return b""
    if not isinstance(value, str):
        raise UplinkFormatError(f"{name} must be base64 text")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise UplinkFormatError(f"{name} is not valid base64") from None


def _decoded(value: Any, name: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise UplinkFormatError(f"{name} must be an object")
    return dict(value)


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _best_gateway(gateways: Any, *, rssi_keys: tuple[str, ...]) -> tuple[float | None, float | None, int]:
    """(rssi, snr) of the gateway that heard the frame best, and the number of gateways."""
    if not isinstance(gateways, list):
        return None, None, 0
    best: tuple[float, float | None] | None = None
    for gateway in gateways:
        if not isinstance(gateway, Mapping):
            continue
        rssi = next((r for r in (_number(gateway.get(k)) for k in rssi_keys) if r is not None), None)
        if rssi is None:
            continue
        if best is None or rssi > best[0]:
            best = (rssi, _number(gateway.get("snr")))
    if best is None:
        return None, None, len(gateways)
    return best[0], best[1], len(gateways)


def _optional_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _check_topic(topic: str | None, source: Source) -> Topic | None:
    if topic is None:
        return None
    parsed = parse_topic(topic)
    if parsed is None or parsed.source != source:
        raise UplinkFormatError(f"topic {topic!r} is not a {source} uplink topic")
    if parsed.event != "up":
        raise NotAnUplink(f"topic {topic!r} carries a {parsed.event!r} event, not an uplink")
    return parsed


# ------------------------------------------------------------------------------------------------ parsers


def parse_tts_uplink(message: Any, *, topic: str | None = None) -> Uplink:
    """An uplink message of The Things Stack v3 (MQTT or webhook JSON)."""
    parsed_topic = _check_topic(topic, "tts")
    data = _load(message)
    ids = _object(data, "end_device_ids", required=True)
    up = data.get("uplink_message")
    if up is None:
        other = ", ".join(sorted(k for k in data if k.endswith(("_message", "_accept", "_ack", "_nack"))))
        raise NotAnUplink(f"not an uplink message ({other or 'no uplink_message'})")
    if not isinstance(up, Mapping):
        raise UplinkFormatError("uplink_message must be an object")
    device_id = _optional_str(ids.get("device_id"))
    if parsed_topic and device_id and device_id != parsed_topic.device:
        raise UplinkFormatError(f"device {device_id!r} does not match the topic's {parsed_topic.device!r}")
    application = ids.get("application_ids")
    application_id = (
        _optional_str(application.get("application_id")) if isinstance(application, Mapping) else None
    )
    network = up.get("network_ids")
    tenant_id = _optional_str(network.get("tenant_id")) if isinstance(network, Mapping) else None
    received = data.get("received_at") or up.get("received_at")
    if received is None:
        raise UplinkFormatError("received_at is missing")
    rssi, snr, gateways = _best_gateway(up.get("rx_metadata"), rssi_keys=("rssi", "channel_rssi"))
    return Uplink(
        dev_eui=_dev_eui(ids.get("dev_eui"), "end_device_ids.dev_eui"),
        f_cnt=_integer(up.get("f_cnt"), "uplink_message.f_cnt", default=0, maximum=MAX_FRAME_COUNTER),
        f_port=_integer(up.get("f_port"), "uplink_message.f_port", default=0, maximum=255),
        received_at=_timestamp(received, "received_at"),
        raw=_base64(up.get("frm_payload"), "uplink_message.frm_payload"),
        decoded=_decoded(up.get("decoded_payload"), "uplink_message.decoded_payload"),
        source="tts",
        device_id=device_id or (parsed_topic.device if parsed_topic else None),
        application_id=application_id or (parsed_topic.application_id if parsed_topic else None),
        tenant_id=tenant_id or (parsed_topic.tenant_id if parsed_topic else None),
        session_id=_optional_str(up.get("session_key_id")),
        rssi=rssi,
        snr=snr,
        gateway_count=gateways,
        simulated=data.get("simulated") is True,
    )


def parse_chirpstack_uplink(message: Any, *, topic: str | None = None, event: str | None = None) -> Uplink:
    """An ``up`` event of ChirpStack v4 (MQTT, or HTTP integration where ``event`` is the ``?event=`` value)."""
    parsed_topic = _check_topic(topic, "chirpstack")
    if event is not None and event != "up":
        raise NotAnUplink(f"ChirpStack {event!r} event, not an uplink")
    data = _load(message)
    info = _object(data, "deviceInfo", required=True)
    dev_eui = _dev_eui(info.get("devEui"), "deviceInfo.devEui")
    if parsed_topic and parsed_topic.device.upper() != dev_eui:
        raise UplinkFormatError(f"DevEUI {dev_eui} does not match the topic's {parsed_topic.device!r}")
    received = data.get("time")
    rx_info = data.get("rxInfo")
    if received is None and isinstance(rx_info, list):
        received = next(
            (g.get(k) for g in rx_info if isinstance(g, Mapping) for k in ("nsTime", "gwTime") if g.get(k)),
            None,
        )
    if received is None:
        raise UplinkFormatError("time is missing")
    rssi, snr, gateways = _best_gateway(rx_info, rssi_keys=("rssi",))
    return Uplink(
        dev_eui=dev_eui,
        f_cnt=_integer(data.get("fCnt"), "fCnt", default=0, maximum=MAX_FRAME_COUNTER),
        f_port=_integer(data.get("fPort"), "fPort", default=0, maximum=255),
        received_at=_timestamp(received, "time"),
        raw=_base64(data.get("data"), "data"),
        decoded=_decoded(data.get("object"), "object"),
        source="chirpstack",
        device_id=_optional_str(info.get("deviceName")),
        application_id=_optional_str(info.get("applicationId"))
        or (parsed_topic.application_id if parsed_topic else None),
        tenant_id=_optional_str(info.get("tenantId")),
        session_id=_optional_str(data.get("devAddr")),
        rssi=rssi,
        snr=snr,
        gateway_count=gateways,
    )


def parse_plain_uplink(
    message: Any, *, topic: str | None = None, received_at: datetime | None = None
) -> Uplink:
    """A message in Beffroi's plain JSON format (see the module docstring).

    ``received_at`` is the server's reception time, used when the message carries none.
    """
    parsed_topic = _check_topic(topic, "plain")
    data = _load(message)
    unknown = sorted(set(data) - _PLAIN_KEYS)
    if unknown:
        raise UplinkFormatError(
            f"unknown field(s) {', '.join(unknown)}; expected {', '.join(sorted(_PLAIN_KEYS))}"
        )
    dev_eui = _dev_eui(data.get("dev_eui"), "dev_eui")
    if parsed_topic and parsed_topic.device.upper() != dev_eui:
        raise UplinkFormatError(f"dev_eui {dev_eui} does not match the topic's {parsed_topic.device!r}")
    if "payload_hex" in data and "payload_base64" in data:
        raise UplinkFormatError("give payload_hex or payload_base64, not both")
    raw = b""
    if data.get("payload_hex") is not None:
        text = data["payload_hex"]
        if not isinstance(text, str):
            raise UplinkFormatError("payload_hex must be hexadecimal text")
        try:
            raw = bytes.fromhex(text.removeprefix("0x"))
        except ValueError:
            raise UplinkFormatError("payload_hex is not valid hexadecimal") from None
    elif data.get("payload_base64") is not None:
        raw = _base64(data["payload_base64"], "payload_base64")
    decoded = _decoded(data.get("decoded"), "decoded")
    if not raw and decoded is None:
        raise UplinkFormatError(
            "a payload (payload_hex or payload_base64) or decoded measurements are required"
        )
    if data.get("received_at") is not None:
        moment = _timestamp(data["received_at"], "received_at")
    elif received_at is not None:
        moment = _timestamp(received_at, "received_at")
    else:
        raise UplinkFormatError("received_at is missing")
    return Uplink(
        dev_eui=dev_eui,
        f_cnt=_integer(data.get("f_cnt"), "f_cnt", maximum=MAX_FRAME_COUNTER),
        f_port=_integer(data.get("f_port"), "f_port", default=1, maximum=255),
        received_at=moment,
        raw=raw,
        decoded=decoded,
        source="plain",
        commune=parsed_topic.commune if parsed_topic else None,
    )


def detect_source(data: Mapping[str, Any]) -> Source | None:
    """Guess the format of a decoded JSON message from its keys."""
    if "end_device_ids" in data:
        return "tts"
    if "deviceInfo" in data:
        return "chirpstack"
    if "dev_eui" in data:
        return "plain"
    return None


def parse_uplink(
    message: Any,
    *,
    topic: str | None = None,
    source: Source | None = None,
    received_at: datetime | None = None,
) -> Uplink:
    """Parse an uplink of any supported format: by ``source``, else by ``topic``, else by the JSON keys."""
    if source is None and topic is not None:
        parsed = parse_topic(topic)
        if parsed is None:
            raise UplinkFormatError(f"unrecognised topic {topic!r}")
        source = parsed.source
    data = _load(message)
    if source is None:
        source = detect_source(data)
    if source == "tts":
        return parse_tts_uplink(data, topic=topic)
    if source == "chirpstack":
        return parse_chirpstack_uplink(data, topic=topic)
    if source == "plain":
        return parse_plain_uplink(data, topic=topic, received_at=received_at)
    raise UplinkFormatError(
        "unrecognised uplink format (neither The Things Stack, ChirpStack nor plain JSON)"
    )
