"""A lean HTTP/1.1 keep-alive client for the closed-loop write benchmarks: pre-encoded requests over a pool of
plain asyncio connections, only the status line, ``Content-Length`` and body read back.

Why: on this 2-core box the load generator shares the cores with the server it measures, and httpx spends
about as much CPU per request as the server does -- a closed loop driven by it measures the client.  This
one costs a small fraction of that, so the figure is the server's.  Both servers of a comparison are driven
by it.  What it does not do: TLS, chunked responses, redirects, cookies -- nothing the benchmarks need.
"""

from __future__ import annotations

import asyncio
import json


class LeanClient:
    def __init__(self, port: int, connections: int) -> None:
        self.port, self.size = port, connections
        self._idle: asyncio.Queue = asyncio.Queue()
        self._all: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def __aenter__(self) -> "LeanClient":
        for _ in range(self.size):
            pair = await asyncio.open_connection("127.0.0.1", self.port)
            self._all.append(pair)
            self._idle.put_nowait(pair)
        return self

    async def __aexit__(self, *exc) -> None:
        for _, writer in self._all:
            writer.close()

    async def post_json(self, path: str, body: dict, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        """POST ``body`` as JSON on an idle connection of the pool; (status, response body)."""
        data = json.dumps(body, ensure_ascii=False).encode()
        head = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        request = (f"POST {path} HTTP/1.1\r\nhost: 127.0.0.1:{self.port}\r\ncontent-type: application/json\r\n"
                   f"{head}content-length: {len(data)}\r\n\r\n").encode() + data
        reader, writer = pair = await self._idle.get()
        try:
            writer.write(request)
            status_line = await reader.readline()
            status = int(status_line.split()[1])
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            answer = await reader.readexactly(length) if length else b""
        except BaseException:
            writer.close()  # a half-read answer: this connection cannot be reused
            self._all.remove(pair)
            pair = await asyncio.open_connection("127.0.0.1", self.port)
            self._all.append(pair)
            raise
        finally:
            self._idle.put_nowait(pair)
        return status, answer
