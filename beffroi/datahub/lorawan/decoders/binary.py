"""A bounds-checked byte reader for payload decoders: truncation raises PayloadDecodeError, never IndexError."""

from __future__ import annotations

from beffroi.datahub.lorawan.errors import PayloadDecodeError


class ByteReader:
    """Reads integers from a payload, big- or little-endian, tracking the offset for error messages."""

    __slots__ = ("data", "offset")

    def __init__(self, data: bytes):
        self.data = bytes(data)
        self.offset = 0

    @property
    def remaining(self) -> int:
        return len(self.data) - self.offset

    def take(self, size: int, what: str) -> bytes:
        if self.remaining < size:
            raise PayloadDecodeError(
                f"payload truncated: {what} needs {size} byte(s) at offset {self.offset}, "
                f"{self.remaining} left (payload {self.data.hex()})"
            )
        chunk = self.data[self.offset : self.offset + size]
        self.offset += size
        return chunk

    def unsigned(self, size: int, what: str, *, little: bool = False) -> int:
        return int.from_bytes(self.take(size, what), "little" if little else "big", signed=False)

    def signed(self, size: int, what: str, *, little: bool = False) -> int:
        return int.from_bytes(self.take(size, what), "little" if little else "big", signed=True)

    def u8(self, what: str) -> int:
        return self.unsigned(1, what)
