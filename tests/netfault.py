"""A TCP proxy for tests that breaks the network the way a crowded venue Wi-Fi does.

``freeze()`` turns every open connection into a black hole: bytes vanish, nothing is closed, no FIN,
no RST — the link just goes silent.  With ``hang_new`` set, new connections are accepted and then
never answered (a handshake that hangs).  Runs its own asyncio loop in a daemon thread.
"""

from __future__ import annotations

import asyncio
import socket
import threading


class FaultyLink:
    def __init__(self, target_port: int) -> None:
        self._sock = socket.socket()   # held from the start: no other server takes the port meanwhile
        self._sock.bind(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        self.target_port = target_port
        self.hang_new = False
        self._frozen = False
        self._conns: list[dict] = []
        self._lock = threading.Lock()
        self._writers: list[asyncio.StreamWriter] = []
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        if not self._ready.wait(5):
            raise RuntimeError("the test proxy did not start")

    def close(self) -> None:
        """Close every connection (frozen ones too) and stop the proxy."""
        async def shutdown() -> None:
            self._server.close()
            for w in self._writers:
                w.close()
            await asyncio.gather(*(w.wait_closed() for w in self._writers), return_exceptions=True)
            self._stop.set()
        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(10)
        self._thread.join(10)
        self._loop.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def freeze(self) -> None:
        """Every connection open now goes silent for good."""
        with self._lock:
            for c in self._conns:
                c["frozen"] = True

    def connections(self, request_line_prefix: str) -> int:
        """How many connections were opened whose first bytes start with e.g. ``GET /ws/s/``."""
        prefix = request_line_prefix.encode()
        with self._lock:
            return sum(1 for c in self._conns if c["head"].startswith(prefix))

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._serve())

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        self._server = await asyncio.start_server(self._handle, sock=self._sock)
        self._ready.set()
        await self._stop.wait()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        c = {"frozen": self.hang_new, "head": b""}
        with self._lock:
            self._conns.append(c)
        self._writers.append(writer)
        if c["frozen"]:  # accepted, never answered
            while data := await reader.read(65536):
                c["head"] = (c["head"] + data)[:200]
            return
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self._writers.append(up_writer)

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter, record: bool) -> None:
            try:
                while data := await src.read(65536):
                    if record and len(c["head"]) < 200:
                        c["head"] = (c["head"] + data)[:200]
                    if not c["frozen"]:
                        dst.write(data)
                        await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                if not c["frozen"]:
                    dst.close()

        await asyncio.gather(pump(reader, up_writer, True), pump(up_reader, writer, False))
