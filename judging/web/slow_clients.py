"""Connections that hold a socket without sending a request (slowloris): closed with 408 after a time limit.

What it does: :func:`http_protocol` gives uvicorn an HTTP/1.1 protocol (its httptools one: a C parser, a
third of h11's cost per request on the judges' path) that starts a clock when a
connection opens and again after each response on a kept-alive connection, and answers ``408`` (JSON, Chinese
first) and closes the connection when the request line and headers have not all arrived within
``header_timeout`` seconds.  A phone on a poor hall Wi-Fi sends its headers (under 2 KB) in one or two
packets, so 10 s leaves room for many retransmissions at 400 ms round trip; a client that trickles one
header byte every few seconds to keep a socket (and a file descriptor) busy is cut off.  The body's time
limit (a stalled upload) is :class:`judging.web.security.SecurityMiddleware`'s.

What it does not do: limit WebSocket connections once upgraded (they have pings and the socket caps of
:mod:`judging.web.fanout`), or count connections per address.
"""

from __future__ import annotations

import asyncio
import json

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

HEADER_TIMEOUT = 10.0
_BODY = json.dumps({"error": "请求超时：请求头未在规定时间内发完 / request headers not received in time"},
                   ensure_ascii=False).encode()
_RESPONSE = (b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json; charset=utf-8\r\n"
             b"content-length: " + str(len(_BODY)).encode() + b"\r\nconnection: close\r\n\r\n" + _BODY)


class HeaderTimeoutProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a clock on the request line and headers."""

    header_timeout = HEADER_TIMEOUT
    _header_clock: asyncio.TimerHandle | None = None

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_clock()

    def on_headers_complete(self) -> None:
        self._stop_clock()  # the whole request head has been read
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        if self.cycle is not None and self.cycle.more_body and not self.transport.is_closing():
            # answered before the whole body came (a stalled or refused upload): what is left of it cannot be
            # told from a next request, so the connection ends here, as with h11
            self.transport.close()
        super().on_response_complete()
        if not self.transport.is_closing():
            self._start_clock()  # a kept-alive connection: the next request's head gets the same time

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_clock()
        super().connection_lost(exc)

    def _start_clock(self) -> None:
        self._stop_clock()
        self._header_clock = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _stop_clock(self) -> None:
        if self._header_clock is not None:
            self._header_clock.cancel()
            self._header_clock = None

    def _headers_too_slow(self) -> None:
        self._header_clock = None
        if self.transport.is_closing() or self.transport.get_protocol() is not self:  # closed, or now a WebSocket
            return
        if self.cycle is not None and not self.cycle.response_complete:  # a request is being answered: not ours
            return
        self.transport.write(_RESPONSE)
        self.transport.close()


def http_protocol(header_timeout: float = HEADER_TIMEOUT) -> type[HeaderTimeoutProtocol]:
    """The protocol class to pass to uvicorn as ``http=``."""
    return type("HeaderTimeoutProtocol", (HeaderTimeoutProtocol,), {"header_timeout": header_timeout})
