"""Exceptions of the LoRaWAN ingestion path. Parsers and decoders raise nothing else on bad input."""

from __future__ import annotations


class LoRaWANError(ValueError):
    """Base of every LoRaWAN ingestion error (a ValueError, so generic handlers catch it too)."""


class UplinkFormatError(LoRaWANError):
    """A network-server message that is not valid JSON of the expected shape."""


class NotAnUplink(UplinkFormatError):
    """A well-formed message that is not an uplink (join, status, downlink ack…): to be skipped quietly."""


class PayloadDecodeError(LoRaWANError):
    """A frame payload that the device profile's decoder cannot read (truncated, unknown field…)."""


class UnknownDecoderProfile(LoRaWANError):
    """No payload decoder is registered under that profile name."""
