"""Registry of payload decoders by device-profile name."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from beffroi.datahub.lorawan.errors import PayloadDecodeError, UnknownDecoderProfile
from beffroi.datahub.lorawan.uplink import Uplink

#: The profile for devices whose network server already decodes the payload (TTS ``decoded_payload``,
#: ChirpStack ``object``): the measurements are that object.
NETWORK_SERVER_PROFILE = "network-server"

Decoder = Callable[[bytes, int | None], dict[str, Any]]


@dataclass(frozen=True)
class DecoderProfile:
    """A payload format: who makes the devices, where the byte layout is specified, and how to read it."""

    name: str
    vendor: str
    models: str
    description: str
    reference: str  # the vendor document or reference decoder the layout comes from
    decode: Decoder
    #: UN/CEFACT common codes (the NGSI-LD ``unitCode``) of the numeric measurements the decoder returns.
    units: Mapping[str, str] = field(default_factory=dict)


_REGISTRY: dict[str, DecoderProfile] = {}


def register(profile: DecoderProfile) -> DecoderProfile:
    """Add a decoder under ``profile.name`` (a later registration under the same name replaces it)."""
    if profile.name == NETWORK_SERVER_PROFILE:
        raise ValueError(f"{NETWORK_SERVER_PROFILE!r} is reserved")
    _REGISTRY[profile.name] = profile
    return profile


def get_profile(name: str) -> DecoderProfile:
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise UnknownDecoderProfile(f"no payload decoder named {name!r} (known: {known})") from None


def profiles() -> list[DecoderProfile]:
    """All registered decoders, by name."""
    return [_REGISTRY[name] for name in sorted(_REGISTRY)]


def decode_payload(profile: str, payload: bytes, *, f_port: int | None = None) -> dict[str, Any]:
    """Decode a raw frame payload with a registered decoder.

    Only :class:`PayloadDecodeError` (or :class:`UnknownDecoderProfile`) can come out: a decoder bug on a
    strange frame is reported as a decoding error, so one bad device never stops the ingestion worker.
    """
    decoder = get_profile(profile)
    if not isinstance(payload, bytes | bytearray | memoryview):
        raise PayloadDecodeError(f"{profile}: the payload must be bytes, not {type(payload).__name__}")
    data = bytes(payload)
    if not data:
        raise PayloadDecodeError(f"{profile}: empty payload")
    try:
        result = decoder.decode(data, f_port)
    except PayloadDecodeError as exc:
        raise PayloadDecodeError(f"{profile}: {exc}") from None
    except Exception as exc:  # any decoder failure is a malformed payload for the caller
        raise PayloadDecodeError(f"{profile}: cannot decode payload {data.hex()}: {exc!r}") from exc
    return result


def decode_uplink(uplink: Uplink, profile: str) -> dict[str, Any]:
    """The measurements of an uplink under a device profile (the network server's object, or our decoder)."""
    if profile == NETWORK_SERVER_PROFILE:
        if uplink.decoded is None:
            raise PayloadDecodeError(
                "the network server sent no decoded object (configure its payload formatter, "
                "or give the device a raw-payload profile)"
            )
        return dict(uplink.decoded)
    return decode_payload(profile, uplink.raw, f_port=uplink.f_port)
