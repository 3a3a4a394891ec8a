"""Adeunis Pulse (ARF8230, "Pulse 4" firmware): a two-channel pulse counter for water, gas and electricity meters.

Adeunis (Grenoble) is a usual choice of French water utilities and communes to read the pulse (reed or
inductive) output of existing water meters over LoRaWAN. The water volume is the pulse count times the
meter's pulse weight (e.g. 1 L or 10 L a pulse), which belongs to the device's configuration, not to the frame:
the decoder returns raw counts.

Source: Adeunis "Pulse 4 — technical reference manual" and the vendor codec published in
TheThingsNetwork/lorawan-devices ``vendor/adeunis/pulse_lib.js`` (example frame from ``pulse-codec.yaml``).

Byte layout (big-endian):

- byte 0: frame code; byte 1: status
  (bits 7–5 frame counter, bit 2 a timestamp ends the frame, bit 1 low battery, bit 0 configuration done).
- Timestamps are seconds since 2013-01-01T00:00:00Z (uint32).
- ``0x46`` data: bytes 2–5 channel A index, 6–9 channel B index (uint32); [10–13 timestamp].
- ``0x5A`` / ``0x5B`` channel A / B history: bytes 2–5 the current index; then uint16 decrements giving the
  indexes of the previous sampling periods, newest first; [last 4 bytes: timestamp].
- ``0x30`` keep-alive: byte 2 alarms (bit 0/1 flow alarm A/B, bit 2/3 tamper A/B, bit 4/5 leak A/B), bytes 3–4
  and 5–6 the maximum flow of the last 24 h on A and B, 7–8 and 9–10 the minimum; [11–14 timestamp].
- ``0x47`` alarm: bytes 2–3 and 4–5 the flows on A and B that raised it; [6–9 timestamp].
- ``0x10``, ``0x11``, ``0x12`` (configuration), ``0x20`` (network configuration), ``0x33`` (register set
  response): acknowledged with their type only; they carry no measurement.

Example: ``5A 67 00000127 0001 0002 0003 0004 14ABA3E9`` → channel A index 295, history [295, 294, 292, 289,
285], low battery, timestamp 2023-12-28T19:22:17Z.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from beffroi.datahub.lorawan.decoders.binary import ByteReader
from beffroi.datahub.lorawan.decoders.registry import DecoderProfile
from beffroi.datahub.lorawan.errors import PayloadDecodeError

ADEUNIS_EPOCH = 1356998400  # 2013-01-01T00:00:00Z

_CONFIGURATION_FRAMES = {
    0x10: "configuration",
    0x11: "configuration",
    0x12: "configuration",
    0x20: "network configuration",
    0x33: "register set response",
}


def _timestamp(seconds: int) -> str:
    moment = datetime.fromtimestamp(seconds + ADEUNIS_EPOCH, UTC)
    return moment.isoformat().replace("+00:00", "Z")


def _status(status: int) -> dict[str, Any]:
    return {
        "frameCounter": (status & 0xE0) >> 5,
        "lowBattery": bool(status & 0x02),
        "configurationDone": bool(status & 0x01),
    }


def decode(payload: bytes, f_port: int | None = None) -> dict[str, Any]:
    """Decode an Adeunis Pulse 4 frame (see the module docstring for the layout)."""
    reader = ByteReader(payload)
    code = reader.u8("frame code")
    status = reader.u8("status byte")
    has_timestamp = bool(status & 0x04)
    out: dict[str, Any] = {"frame": f"0x{code:02x}", **_status(status)}
    if code == 0x46:
        out["counterA"] = reader.unsigned(4, "channel A index")
        out["counterB"] = reader.unsigned(4, "channel B index")
        if has_timestamp:
            out["timestamp"] = _timestamp(reader.unsigned(4, "timestamp"))
    elif code in (0x5A, 0x5B):
        channel = "A" if code == 0x5A else "B"
        end = len(reader.data) - (4 if has_timestamp else 0)
        if end < 6 or (end - 6) % 2:
            raise PayloadDecodeError(
                f"history frame 0x{code:02x} of {len(reader.data)} bytes: expected 6 + 2n bytes"
                + (" + 4 (timestamp)" if has_timestamp else "")
            )
        index = reader.unsigned(4, f"channel {channel} index")
        history = [index]
        while reader.offset < end:
            index -= reader.unsigned(2, "index decrement")
            if index < 0:
                raise PayloadDecodeError("history decrements exceed the current index")
            history.append(index)
        out[f"counter{channel}"] = history[0]
        out[f"counter{channel}History"] = history
        if has_timestamp:
            out["timestamp"] = _timestamp(reader.unsigned(4, "timestamp"))
    elif code == 0x30:
        alarms = reader.u8("alarm flags")
        out["flowAlarmA"] = bool(alarms & 0x01)
        out["flowAlarmB"] = bool(alarms & 0x02)
        out["tamperAlarmA"] = bool(alarms & 0x04)
        out["tamperAlarmB"] = bool(alarms & 0x08)
        out["leakageAlarmA"] = bool(alarms & 0x10)
        out["leakageAlarmB"] = bool(alarms & 0x20)
        out["flowMaxA"] = reader.unsigned(2, "channel A maximum flow")
        out["flowMaxB"] = reader.unsigned(2, "channel B maximum flow")
        out["flowMinA"] = reader.unsigned(2, "channel A minimum flow")
        out["flowMinB"] = reader.unsigned(2, "channel B minimum flow")
        if has_timestamp:
            out["timestamp"] = _timestamp(reader.unsigned(4, "timestamp"))
    elif code == 0x47:
        out["flowA"] = reader.unsigned(2, "channel A flow")
        out["flowB"] = reader.unsigned(2, "channel B flow")
        if has_timestamp:
            out["timestamp"] = _timestamp(reader.unsigned(4, "timestamp"))
    elif code in _CONFIGURATION_FRAMES:
        out["frameType"] = _CONFIGURATION_FRAMES[code]
        return out
    else:
        raise PayloadDecodeError(f"unknown Adeunis Pulse frame code 0x{code:02x}")
    if reader.remaining:
        raise PayloadDecodeError(
            f"frame 0x{code:02x} has {reader.remaining} unexpected trailing byte(s) (payload {payload.hex()})"
        )
    return out


PROFILE = DecoderProfile(
    name="adeunis-pulse",
    vendor="Adeunis",
    models="Pulse (ARF8230) with Pulse 4 firmware",
    description="Water/gas/electricity meter pulse counter, two channels (raw indexes, alarms, flows)",
    reference="Adeunis Pulse 4 technical reference manual; TheThingsNetwork/lorawan-devices vendor/adeunis/pulse_lib.js",
    decode=decode,
    units={},
)
