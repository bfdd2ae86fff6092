"""AWS event-stream message framing (`application/vnd.amazon.eventstream`), encode side only.

A message is: total length (u32 BE) · headers length (u32 BE) · prelude CRC32 of those 8 bytes ·
headers · payload · message CRC32 of everything before it. A header is: name length (u8) · name ·
value type (u8, 7 = string) · value length (u16 BE) · value.
"""

from __future__ import annotations

import struct
import zlib

_STRING = 7
_PRELUDE = struct.Struct(">II")
_CRC = struct.Struct(">I")


def encode_headers(headers: list[tuple[str, str]]) -> bytes:
    """Encode string-valued headers in order."""
    out = bytearray()
    for name, value in headers:
        name_bytes, value_bytes = name.encode(), value.encode()
        out += bytes((len(name_bytes),)) + name_bytes
        out += bytes((_STRING,)) + len(value_bytes).to_bytes(2, "big") + value_bytes
    return bytes(out)


def encode_message(encoded_headers: bytes, payload: bytes) -> bytes:
    """One complete event-stream message with valid prelude and message CRCs."""
    total = _PRELUDE.size + _CRC.size + len(encoded_headers) + len(payload) + _CRC.size
    prelude = _PRELUDE.pack(total, len(encoded_headers))
    message = prelude + _CRC.pack(zlib.crc32(prelude)) + encoded_headers + payload
    return message + _CRC.pack(zlib.crc32(message))


def event_headers(event_type: str) -> bytes:
    """The headers Bedrock puts on every stream event."""
    return encode_headers(
        [
            (":event-type", event_type),
            (":content-type", "application/json"),
            (":message-type", "event"),
        ]
    )


def break_message_crc(message: bytes) -> bytes:
    """The same message with its trailing CRC inverted, so decoders reject it."""
    if len(message) < _CRC.size:
        return message
    (crc,) = _CRC.unpack(message[-_CRC.size :])
    return message[: -_CRC.size] + _CRC.pack(crc ^ 0xFFFFFFFF)
