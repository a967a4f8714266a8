"""The address judges' phones are sent to: what the QR cards encode and whether phones can reach it.

What it does: checks a ``--public-url`` (an http or https address with no path other than ``/``), picks
the base of the judge and screen links (the public URL when set, else the address the console was opened
on) and says when that base is loopback or localhost, which no phone can reach, with what to do.

What it does not do: find the machine's LAN address (:func:`judging.cli.serve._lan_address`) or render
anything (:mod:`judging.web.pages` puts the result on the cards page and the console).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}

UNREACHABLE = ("二维码中的地址 {base} 只能在本机打开，评委的手机无法访问。请用 ./scripts/serve --host 0.0.0.0 "
               "启动服务器（二维码将使用本机在局域网中的地址），或用 --public-url http://<会场网络中的地址>:8000 "
               "指定手机可访问的地址，然后重新打开本页。 / The QR codes encode {base}, which only this computer can "
               "open: no phone can reach it. Start the server with ./scripts/serve --host 0.0.0.0 (the cards then "
               "use this computer's LAN address) or with --public-url http://<address on the venue network>:8000, "
               "then reload this page.")


def parse_public_url(text: str) -> str:
    """``text`` as a link base without a trailing slash, e.g. ``http://192.168.1.20:8000``; ValueError (a
    message Chinese first, English after) for anything else: another scheme, no host, a path, query, fragment
    or user name, a bad port."""
    raw = (text or "").strip()
    try:
        parts = urlsplit(raw)
        port = parts.port  # raises on a port that is not a number or out of range
    except ValueError:
        raise ValueError(f"地址无效 / not a valid URL: {raw!r}") from None
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"地址须以 http:// 或 https:// 开头 / the URL must start with http:// or https://: {raw!r}")
    if not parts.hostname:
        raise ValueError(f"地址缺少主机名 / the URL has no host: {raw!r}")
    if parts.username is not None or parts.password is not None:
        raise ValueError(f"地址不能包含用户名或密码 / the URL must not carry a user name or password: {raw!r}")
    if parts.path not in ("", "/") or parts.query or parts.fragment or raw.endswith(("?", "#")):
        raise ValueError(f"地址只能是 http(s)://主机[:端口]，不能带路径 / the URL must be http(s)://host[:port] "
                         f"with no path, query or fragment: {raw!r}")
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")


def link_base(public_url: str | None, request_base: str) -> str:
    """The base of judge and screen links: the configured public URL, else the address the page was opened on."""
    return (public_url or request_base).rstrip("/")


def is_loopback(base: str) -> bool:
    """Can only this computer open ``base``?  (127.0.0.0/8, ::1, 0.0.0.0, localhost and its names.)"""
    host = (urlsplit(base).hostname or "").lower().rstrip(".")
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return ip.is_loopback or ip.is_unspecified


def unreachable_warning(base: str) -> str | None:
    """The warning for the cards page and the console when phones cannot reach ``base``, else None."""
    return UNREACHABLE.format(base=base) if is_loopback(base) else None
