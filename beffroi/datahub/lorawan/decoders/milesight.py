"""Milesight EM400-UDL: ultrasonic distance sensor, mounted under the lid of waste containers and bins.

It measures the distance to the waste surface; the container's fill level follows from its depth
(:func:`fill_level`), which is the device's configuration. It also reports temperature (a fire hint), battery,
and whether the sensor is tilted (the lid is open or the bin knocked over).

Source: Milesight-IoT/SensorDecoders ``em-series/em400-udl/README.md`` (payload definition and examples) and
the vendor decoder ``em400-udl-decoder.js`` in the same folder.

Byte layout: records of channel id (1 byte), channel type (1 byte) and data, numbers **little-endian**:

=======  =====  =====  ======================================================================
channel  type   bytes  value
=======  =====  =====  ======================================================================
0x01     0x75   1      battery, %                                       → ``battery``
0x03     0x67   2      temperature, signed, 0.1 °C                      → ``temperature``
0x04     0x82   2      distance, unsigned, mm                           → ``distance``
0x05     0x00   1      position: 0 normal, 1 tilt                       → ``position``
0x83     0x67   3      temperature (2) + alarm (1: 0 release, 1 alarm)  → ``temperature``, ``temperature_alarm``
0x84     0x82   3      distance (2) + alarm (1)                         → ``distance``, ``distance_alarm``
0xFF     0x01   1      IPSO version; 0x09 (2) hardware; 0x0A (2) firmware; 0xFF (2) TSL version;
                       0x16 (8) serial number; 0x0F (1) LoRaWAN class; 0xFE (1) reset event;
                       0x0B (1) device status (power on)
=======  =====  =====  ======================================================================

Example: ``01 75 5C  03 67 0101  04 82 4408  05 00 01`` → battery 92, temperature 25.7, distance 2116,
position "tilt". Answers to configuration commands (channel 0xFE, or 0xFF with another type) carry no
measurement and are rejected, as is any unknown channel.
"""

from __future__ import annotations

from typing import Any

from beffroi.datahub.lorawan.decoders.binary import ByteReader
from beffroi.datahub.lorawan.decoders.registry import DecoderProfile
from beffroi.datahub.lorawan.errors import PayloadDecodeError

_POSITIONS = {0: "normal", 1: "tilt"}
_ALARMS = {0: "threshold_alarm_release", 1: "threshold_alarm"}
_CLASSES = {0: "Class A", 1: "Class B", 2: "Class C", 3: "Class CtoB"}


def _version(raw: bytes, *, hexadecimal: bool) -> str:
    if hexadecimal:
        return f"v{raw[0]:x}.{raw[1]:x}"
    return f"v{raw[0]}.{raw[1]}"


def decode(payload: bytes, f_port: int | None = None) -> dict[str, Any]:
    """Decode an EM400-UDL uplink (see the module docstring for the layout)."""
    reader = ByteReader(payload)
    out: dict[str, Any] = {}
    while reader.remaining:
        at = reader.offset
        channel = reader.u8("channel id")
        kind = reader.u8("channel type")
        if (channel, kind) == (0x01, 0x75):
            out["battery"] = reader.u8("battery")
        elif (channel, kind) == (0x03, 0x67):
            out["temperature"] = reader.signed(2, "temperature", little=True) / 10
        elif (channel, kind) == (0x04, 0x82):
            out["distance"] = reader.unsigned(2, "distance", little=True)
        elif (channel, kind) == (0x05, 0x00):
            out["position"] = _POSITIONS.get(reader.u8("position"), "unknown")
        elif (channel, kind) == (0x83, 0x67):
            out["temperature"] = reader.signed(2, "temperature", little=True) / 10
            out["temperature_alarm"] = _ALARMS.get(reader.u8("temperature alarm"), "unknown")
        elif (channel, kind) == (0x84, 0x82):
            out["distance"] = reader.unsigned(2, "distance", little=True)
            out["distance_alarm"] = _ALARMS.get(reader.u8("distance alarm"), "unknown")
        elif channel == 0xFF and kind == 0x01:
            version = reader.u8("IPSO version")
            out["ipso_version"] = f"v{version >> 4}.{version & 0x0F}"
        elif channel == 0xFF and kind == 0x09:
            raw = reader.take(2, "hardware version")
            out["hardware_version"] = f"v{raw[0]:x}.{raw[1] >> 4}"
        elif channel == 0xFF and kind == 0x0A:
            out["firmware_version"] = _version(reader.take(2, "firmware version"), hexadecimal=True)
        elif channel == 0xFF and kind == 0xFF:
            out["tsl_version"] = _version(reader.take(2, "TSL version"), hexadecimal=False)
        elif channel == 0xFF and kind == 0x16:
            out["sn"] = reader.take(8, "serial number").hex()
        elif channel == 0xFF and kind == 0x0F:
            out["lorawan_class"] = _CLASSES.get(reader.u8("LoRaWAN class"), "unknown")
        elif channel == 0xFF and kind == 0xFE:
            reader.u8("reset event")
            out["reset_event"] = "reset"
        elif channel == 0xFF and kind == 0x0B:
            reader.u8("device status")
            out["device_status"] = "on"
        else:
            raise PayloadDecodeError(
                f"unknown EM400-UDL channel 0x{channel:02X} type 0x{kind:02X} at offset {at}"
            )
    return out


def fill_level(distance_mm: float, *, empty_distance_mm: float, full_distance_mm: float = 0.0) -> float:
    """The fill level of a container, 0 (empty) to 1 (full), as Smart Data Models ``fillingLevel`` wants it.

    ``empty_distance_mm`` is the distance the sensor reads over an empty container (its depth below the
    sensor); ``full_distance_mm`` the distance at which the container counts as full (the sensor's blind zone).
    """
    span = empty_distance_mm - full_distance_mm
    if span <= 0:
        raise ValueError("empty_distance_mm must be greater than full_distance_mm")
    level = (empty_distance_mm - distance_mm) / span
    return min(1.0, max(0.0, level))


PROFILE = DecoderProfile(
    name="milesight-em400-udl",
    vendor="Milesight",
    models="EM400-UDL",
    description="Ultrasonic distance under a container lid: distance to waste, temperature, tilt, battery",
    reference="Milesight-IoT/SensorDecoders em-series/em400-udl (README.md, em400-udl-decoder.js)",
    decode=decode,
    units={"battery": "P1", "temperature": "CEL", "distance": "MMT"},
)
