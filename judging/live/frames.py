"""WebSocket text frames built once per snapshot, for every socket of a channel.

What it does: :class:`Message` holds one encoded snapshot and lazily builds, at most once each, the
server-to-client frame bytes (RFC 6455: FIN, opcode text, no mask) in plain form and, for sockets that
negotiated permessage-deflate (RFC 7692), in compressed form for a given window size.  The hub hands the
same :class:`Message` to every socket of a channel, so serialising, framing and compressing cost once per
snapshot, not once per socket.

Why a compressed frame made once is valid on every socket: each one is compressed by a fresh compressor
(no back-references to earlier messages), which any inflater accepts, whether or not it keeps its window
between messages ("context takeover").  This only holds while *every* data frame of that socket comes
from here — a per-socket compressor that kept its own history would then refer to bytes the client never
saw from it — which is why :mod:`judging.web.fanout` sends all data frames of a fast socket itself.
Uncompressed frames (RSV1 clear) never enter the client's inflater, so they mix with anything.

What it does not do: decide whether to compress (the caller passes the window or None) or write bytes.
"""

from __future__ import annotations

import struct
import zlib

COMPRESS_MIN = 512  # smaller payloads go out plain: deflate would save a few dozen bytes for its CPU


def frame(payload: bytes, opcode: int = 0x1, rsv1: bool = False) -> bytes:
    """One unmasked final frame (a server never masks)."""
    first = 0x80 | (0x40 if rsv1 else 0) | opcode
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", first, n)
    elif n < 1 << 16:
        head = struct.pack("!BBH", first, 126, n)
    else:
        head = struct.pack("!BBQ", first, 127, n)
    return head + payload


def deflate(payload: bytes, window_bits: int) -> bytes:
    """permessage-deflate body: raw deflate, sync-flushed, without the trailing 00 00 ff ff."""
    c = zlib.compressobj(6, zlib.DEFLATED, -max(9, min(15, window_bits)), 8)
    out = c.compress(payload) + c.flush(zlib.Z_SYNC_FLUSH)
    return out[:-4] if out.endswith(b"\x00\x00\xff\xff") else out


class Message:
    """One encoded snapshot (or any text message) and its frames, each built at most once."""

    __slots__ = ("text", "_data", "_plain", "_deflated", "builds")

    def __init__(self, text: str) -> None:
        self.text = text
        self._data: bytes | None = None
        self._plain: bytes | None = None
        self._deflated: dict[int, bytes] = {}
        self.builds = 0  # frames built (tests: once per message, not once per socket)

    @property
    def data(self) -> bytes:
        if self._data is None:
            self._data = self.text.encode("utf-8")
        return self._data

    def frame(self, window_bits: int | None = None) -> bytes:
        """The frame for a socket: compressed with ``window_bits`` when given and worth it, else plain."""
        if window_bits is not None and len(self.data) >= COMPRESS_MIN:
            got = self._deflated.get(window_bits)
            if got is None:
                self.builds += 1
                body = deflate(self.data, window_bits)
                got = frame(body, rsv1=True) if len(body) < len(self.data) else self.frame(None)
                self._deflated[window_bits] = got
            return got
        if self._plain is None:
            self.builds += 1
            self._plain = frame(self.data)
        return self._plain

    def __len__(self) -> int:
        return len(self.data)
