"""Payload decoders per device profile, and their registry.

Built-in profiles: ``elsys-ers`` (room temperature/humidity/CO2), ``adeunis-pulse`` (water-meter pulse
counter), ``milesight-em400-udl`` (ultrasonic waste fill level); plus ``network-server`` for devices whose
network server decodes the payload itself.
"""

from beffroi.datahub.lorawan.decoders import adeunis, elsys, milesight
from beffroi.datahub.lorawan.decoders.milesight import fill_level
from beffroi.datahub.lorawan.decoders.registry import (
    NETWORK_SERVER_PROFILE,
    DecoderProfile,
    decode_payload,
    decode_uplink,
    get_profile,
    profiles,
    register,
)

for _module in (elsys, adeunis, milesight):
    register(_module.PROFILE)

__all__ = [
    "NETWORK_SERVER_PROFILE",
    "DecoderProfile",
    "decode_payload",
    "decode_uplink",
    "fill_level",
    "get_profile",
    "profiles",
    "register",
]
