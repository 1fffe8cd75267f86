"""Length-prefixed JSON frames: the only thing that crosses the sandbox boundary.

A frame is a 4-byte big-endian length followed by that many bytes of UTF-8 JSON holding one object.
No pickling, no object references: the host parses what it reads with ``json.loads`` and validates
the shape before it acts on it.
"""

from __future__ import annotations

import json
import struct
from typing import Any, BinaryIO

HEADER = struct.Struct(">I")
MAX_FRAME = 1 << 30


class FrameError(Exception):
    """A frame is oversized, truncated or not a JSON object."""


def encode(message: dict[str, Any]) -> bytes:
    """One frame; ``allow_nan=False`` keeps it valid JSON for any reader."""
    body = json.dumps(message, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    data = body.encode("utf-8")
    if len(data) > MAX_FRAME:
        raise FrameError(f"frame of {len(data)} bytes exceeds {MAX_FRAME}")
    return HEADER.pack(len(data)) + data


def decode(body: bytes) -> dict[str, Any]:
    """Parse one frame body; anything but a JSON object is a protocol error."""
    try:
        value = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise FrameError(f"malformed frame: {type(exc).__name__}") from exc
    if not isinstance(value, dict):
        raise FrameError("frame is not a JSON object")
    return value


def read_frame(stream: BinaryIO, limit: int = MAX_FRAME) -> dict[str, Any] | None:
    """Blocking read of one frame; ``None`` at a clean end of stream."""
    header = _read_exactly(stream, HEADER.size)
    if header is None:
        return None
    (size,) = HEADER.unpack(header)
    if size > limit:
        raise FrameError(f"frame of {size} bytes exceeds the limit of {limit}")
    body = _read_exactly(stream, size)
    if body is None:
        raise FrameError("stream ended inside a frame")
    return decode(body)


def _read_exactly(stream: BinaryIO, size: int) -> bytes | None:
    chunks: list[bytes] = []
    remaining = size
    while remaining:
        chunk = stream.read(remaining)
        if not chunk:
            if remaining == size:
                return None
            raise FrameError("stream ended inside a frame")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)
