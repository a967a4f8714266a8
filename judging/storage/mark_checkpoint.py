"""A contest's mark columns as one blob: what a restart reads instead of every mark set's row.

What it does: :func:`encode` turns :meth:`MarkColumns.parts` into bytes (a short header, a JSON block of the
names and per-set strings, the numpy columns as raw little-endian arrays, a CRC-32 of it all) and
:func:`decode` turns them back (:meth:`MarkColumns.from_parts`), raising ValueError on anything that does not
fit.  Which checkpoint is still current -- the one whose ``rev`` equals the contest's mark revision, bumped by
a trigger on every change of its ``marks`` rows (docs/STORAGE.md) -- is the repository's business.

What it does not do: read or write the database (:mod:`judging.storage.repository_checkpoint`), or decide when
a checkpoint is worth writing (:mod:`judging.app.checkpoints`).
"""

from __future__ import annotations

import json
import struct
import zlib

import numpy as np

from judging.storage.mark_columns import MarkColumns

MAGIC = b"JMCK\x00\x01\r\n"  # format 1
_ARRAYS = (("_p", "<i4"), ("_r", "<i4"), ("_j", "<i4"), ("_s", "<i4"), ("_l", "<i4"), ("_at", "<f8"), ("_v", "<f8"))


def encode(marks: MarkColumns) -> bytes:
    names, arrays = marks.parts()
    text = json.dumps(names, ensure_ascii=False, separators=(",", ":")).encode()
    n, width = arrays["_v"].shape
    blocks = [np.ascontiguousarray(arrays[name], dtype=dtype).tobytes() for name, dtype in _ARRAYS]
    body = b"".join([struct.pack("<QQQ", n, width, len(text)), text, *blocks])
    return MAGIC + struct.pack("<I", zlib.crc32(body)) + body


def decode(blob: bytes) -> MarkColumns:
    if not isinstance(blob, (bytes, bytearray, memoryview)) or bytes(blob[:len(MAGIC)]) != MAGIC:
        raise ValueError("checkpoint: not a mark checkpoint of this format")
    view = memoryview(blob)[len(MAGIC):]
    if len(view) < 28:
        raise ValueError("checkpoint: truncated")
    (crc,), body = struct.unpack("<I", view[:4]), view[4:]
    if zlib.crc32(body) != crc:
        raise ValueError("checkpoint: damaged (checksum)")
    n, width, text_len = struct.unpack("<QQQ", body[:24])
    at = 24 + text_len
    names = json.loads(bytes(body[24:at]))
    arrays = {}
    for name, dtype in _ARRAYS:
        count = n * width if name == "_v" else n
        size = count * 8 if dtype == "<f8" else count * 4
        if at + size > len(body):
            raise ValueError("checkpoint: truncated")
        a = np.frombuffer(body[at:at + size], dtype=dtype)
        arrays[name] = a.reshape(n, width) if name == "_v" else a
        at += size
    if at != len(body):
        raise ValueError("checkpoint: trailing bytes")
    return MarkColumns.from_parts(names, arrays)
