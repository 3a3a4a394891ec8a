"""LoRaWAN ingestion, pure part: uplink parsing (The Things Stack v3, ChirpStack v4, plain JSON) and decoders."""

from beffroi.datahub.lorawan.decoders import (
    NETWORK_SERVER_PROFILE,
    DecoderProfile,
    decode_payload,
    decode_uplink,
    fill_level,
    get_profile,
    profiles,
    register,
)
from beffroi.datahub.lorawan.errors import (
    LoRaWANError,
    NotAnUplink,
    PayloadDecodeError,
    UnknownDecoderProfile,
    UplinkFormatError,
)
from beffroi.datahub.lorawan.uplink import (
    Topic,
    Uplink,
    detect_source,
    parse_chirpstack_uplink,
    parse_plain_uplink,
    parse_topic,
    parse_tts_uplink,
    parse_uplink,
)

__all__ = [
    "NETWORK_SERVER_PROFILE",
    "DecoderProfile",
    "LoRaWANError",
    "NotAnUplink",
    "PayloadDecodeError",
    "Topic",
    "UnknownDecoderProfile",
    "Uplink",
    "UplinkFormatError",
    "decode_payload",
    "decode_uplink",
    "detect_source",
    "fill_level",
    "get_profile",
    "parse_chirpstack_uplink",
    "parse_plain_uplink",
    "parse_topic",
    "parse_tts_uplink",
    "parse_uplink",
    "profiles",
    "register",
]
