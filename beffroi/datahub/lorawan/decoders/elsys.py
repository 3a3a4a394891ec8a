"""Elsys ERS family (ERS, ERS CO2, ERS Lite, ERS Eye, ERS Sound, EMS…): indoor climate sensors.

Common in schools, town halls and gymnasiums for CO2 (air renewal), temperature and humidity.

Source: Elsys "Sensor payload" specification (elsys.se/en/elsys-payload) and the vendor's reference decoder
published in TheThingsNetwork/lorawan-devices ``vendor/elsys/elsys.js``; example frames from that repository's
``vendor/elsys/ers-co2-codec.yaml``.

Byte layout: a sequence of TLV records, each a 1-byte type followed by a fixed-size big-endian value:

====  ======================  =====  ===============================================================
type  key(s)                  bytes  value
====  ======================  =====  ===============================================================
0x01  temperature             2      signed, 0.1 °C
0x02  humidity                1      unsigned, % RH
0x03  x, y, z                 3      acceleration, 3 signed bytes, 63 = 1 g
0x04  light                   2      unsigned, lux
0x05  motion                  1      unsigned, PIR motion count since last frame
0x06  co2                     2      unsigned, ppm
0x07  vdd                     2      unsigned, battery voltage in mV
0x08  analog1                 2      unsigned, mV
0x09  lat, long               6      GPS, 3 + 3 bytes, raw (as the reference decoder outputs them)
0x0A  pulse1                  2      unsigned, pulses since last frame
0x0B  pulseAbs                4      unsigned, absolute pulse count
0x0C  externalTemperature     2      signed, 0.1 °C
0x0D  digital                 1      0 or 1
0x0E  distance                2      unsigned, mm
0x0F  accMotion               1      unsigned, number of vibrations/motions
0x10  irInternalTemperature,  4      2 × signed, 0.1 °C
      irExternalTemperature
0x11  occupancy               1      0 free, 1 pending, 2 occupied
0x12  waterleak               1      0–255
0x13  grideye                 65     1 byte reference + 64 bytes, each ref + byte/10 °C
0x14  pressure                4      unsigned, hPa × 1000
0x15  soundPeak, soundAvg     2      1 + 1 byte, dB
0x16  pulse2                  2      unsigned
0x17  pulseAbs2               4      unsigned
0x18  analog2                 2      unsigned, mV
0x19  externalTemperature2    2      signed, 0.1 °C (a list when repeated)
0x1A  digital2                1      0 or 1
0x1B  analogUv                4      signed, µV
0x1C  tvoc                    2      unsigned, ppb
0x3D  debug                   4      unsigned
====  ======================  =====  ===============================================================

Example (ERS CO2): ``01 00E2 02 29 04 0027 05 06 06 0308`` → temperature 22.6, humidity 41, light 39,
motion 6, co2 776. Unlike the reference decoder, which stops silently at an unknown type, an unknown type
or a truncated record is an error here (the rest of the frame cannot be trusted).
"""

from __future__ import annotations

from typing import Any

from beffroi.datahub.lorawan.decoders.binary import ByteReader
from beffroi.datahub.lorawan.decoders.registry import DecoderProfile
from beffroi.datahub.lorawan.errors import PayloadDecodeError


def _temperature(reader: ByteReader, what: str) -> float:
    return reader.signed(2, what) / 10


def decode(payload: bytes, f_port: int | None = None) -> dict[str, Any]:
    """Decode an Elsys TLV payload (see the module docstring for the layout)."""
    reader = ByteReader(payload)
    out: dict[str, Any] = {}
    while reader.remaining:
        at = reader.offset
        kind = reader.u8("record type")
        if kind == 0x01:
            out["temperature"] = _temperature(reader, "temperature")
        elif kind == 0x02:
            out["humidity"] = reader.u8("humidity")
        elif kind == 0x03:
            out["x"] = reader.signed(1, "acceleration x")
            out["y"] = reader.signed(1, "acceleration y")
            out["z"] = reader.signed(1, "acceleration z")
        elif kind == 0x04:
            out["light"] = reader.unsigned(2, "light")
        elif kind == 0x05:
            out["motion"] = reader.u8("motion")
        elif kind == 0x06:
            out["co2"] = reader.unsigned(2, "co2")
        elif kind == 0x07:
            out["vdd"] = reader.unsigned(2, "vdd")
        elif kind == 0x08:
            out["analog1"] = reader.unsigned(2, "analog1")
        elif kind == 0x09:
            out["lat"] = reader.unsigned(3, "GPS latitude")
            out["long"] = reader.unsigned(3, "GPS longitude")
        elif kind == 0x0A:
            out["pulse1"] = reader.unsigned(2, "pulse1")
        elif kind == 0x0B:
            out["pulseAbs"] = reader.unsigned(4, "pulseAbs")
        elif kind == 0x0C:
            out["externalTemperature"] = _temperature(reader, "external temperature")
        elif kind == 0x0D:
            out["digital"] = reader.u8("digital input")
        elif kind == 0x0E:
            out["distance"] = reader.unsigned(2, "distance")
        elif kind == 0x0F:
            out["accMotion"] = reader.u8("acc motion")
        elif kind == 0x10:
            out["irInternalTemperature"] = _temperature(reader, "IR internal temperature")
            out["irExternalTemperature"] = _temperature(reader, "IR external temperature")
        elif kind == 0x11:
            out["occupancy"] = reader.u8("occupancy")
        elif kind == 0x12:
            out["waterleak"] = reader.u8("water leak")
        elif kind == 0x13:
            reference = reader.u8("grideye reference")
            out["grideye"] = [reference + b / 10 for b in reader.take(64, "grideye pixels")]
        elif kind == 0x14:
            out["pressure"] = reader.unsigned(4, "pressure") / 1000
        elif kind == 0x15:
            out["soundPeak"] = reader.u8("sound peak")
            out["soundAvg"] = reader.u8("sound average")
        elif kind == 0x16:
            out["pulse2"] = reader.unsigned(2, "pulse2")
        elif kind == 0x17:
            out["pulseAbs2"] = reader.unsigned(4, "pulseAbs2")
        elif kind == 0x18:
            out["analog2"] = reader.unsigned(2, "analog2")
        elif kind == 0x19:
            value = _temperature(reader, "external temperature 2")
            previous = out.get("externalTemperature2")
            if previous is None:
                out["externalTemperature2"] = value
            elif isinstance(previous, list):
                previous.append(value)
            else:
                out["externalTemperature2"] = [previous, value]
        elif kind == 0x1A:
            out["digital2"] = reader.u8("digital input 2")
        elif kind == 0x1B:
            out["analogUv"] = reader.signed(4, "analog µV")
        elif kind == 0x1C:
            out["tvoc"] = reader.unsigned(2, "tvoc")
        elif kind == 0x3D:
            out["debug"] = reader.unsigned(4, "debug")
        else:
            raise PayloadDecodeError(f"unknown Elsys record type 0x{kind:02X} at offset {at}")
    return out


PROFILE = DecoderProfile(
    name="elsys-ers",
    vendor="Elsys",
    models="ERS, ERS CO2, ERS Lite, ERS Eye, ERS Sound, ERS VOC, EMS",
    description="Indoor climate: temperature, humidity, CO2, light, motion, battery (Elsys TLV format)",
    reference="https://www.elsys.se/en/elsys-payload/ ; TheThingsNetwork/lorawan-devices vendor/elsys/elsys.js",
    decode=decode,
    units={
        "temperature": "CEL",
        "externalTemperature": "CEL",
        "humidity": "P1",
        "light": "LUX",
        "co2": "59",
        "vdd": "2Z",
        "analog1": "2Z",
        "analog2": "2Z",
        "distance": "MMT",
        "pressure": "A97",
        "soundPeak": "2N",
        "soundAvg": "2N",
        "tvoc": "61",
    },
)
