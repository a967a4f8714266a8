"""The ASGI application: wires store, service, hub, auth and routes together.

What it does: :func:`create_app` builds a Starlette app whose lifespan opens
the database, loads every contest, sets up the organizer key (printing a new
one once), loads the live console sessions and optionally creates the demo
contest.  What it does not do: handle requests itself (see ``api``, ``pages``,
``sessions_api``, ``sockets``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from typing import Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount

from judging.app.auth import OrganizerAuth
from judging.app.checkpoints import Checkpoints
from judging.app.demo import create_demo
from judging.live.hub import Hub
from judging.live.publisher import Publisher
from judging.app.service import Service
from judging.app.sessions import Sessions
from judging.app.staff import Staff
from judging.storage.store import StorageFull, Store
from judging.web import api
from judging.web import brand_api
from judging.web import audience_api
from judging.web import exports_api
from judging.web import lifecycle_api
from judging.web import openapi
from judging.web import pages
from judging.web import paper_api
from judging.web import sessions_api
from judging.web import stages_api
from judging.web import sockets
from judging.web import staff_api
from judging.web.fanout import RawSend
from judging.web.static_files import CachedStatic, VersionedStatic
from judging.web.security import SecurityMiddleware

log = logging.getLogger("judging")
ROOT = Path(__file__).resolve().parents[2]


class LazySessions:
    """SessionMiddleware whose secret is read from the database at start-up."""

    def __init__(self, app) -> None:
        self.app = app
        self._inner = None

    async def __call__(self, scope, receive, send):
        if self._inner is None and scope["type"] in ("http", "websocket"):
            secret = scope["app"].state.auth.session_secret
            self._inner = SessionMiddleware(self.app, secret_key=secret, session_cookie="judging_session",
                                            https_only=False, same_site="strict", max_age=14 * 24 * 3600)
        if self._inner is None:
            return await self.app(scope, receive, send)
        return await self._inner(scope, receive, send)


def create_app(db_path: str, *, organizer_key: str | None = None, rotate_key: bool = False,
               demo: bool = False, on_ready: Callable[[Starlette, str | None], None] | None = None,
               clock=None, public_url: str | None = None,
               socket_caps: tuple[int, int] | None = None) -> Starlette:
    """``public_url``: the base phones reach the server at (``serve --public-url`` or the LAN address), used
    for the QR cards' links; None: the address the console page was opened on.  ``socket_caps``: (sockets per
    screen link, per client address), default :data:`sockets.MAX_SCREEN_SOCKETS` and ``MAX_SOCKETS_PER_ADDRESS``."""
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        store = Store(db_path)
        await store.open()
        hub = Hub()
        publisher = Publisher(hub)
        service = Service(store, publisher, **({"clock": clock} if clock else {}))
        service.public_url = public_url  # the audience's join link on the big screen
        await service.load()
        auth = OrganizerAuth(store)
        new_key = await auth.setup(organizer_key, rotate=rotate_key)  # a new key ends every console session
        sessions = Sessions(store)
        await sessions.load()
        sessions.start_sweeping()
        staff = Staff(store, sessions)  # staff keys of each contest (judging.app.staff)
        await staff.load()
        app.state.staff = staff
        app.state.store, app.state.hub, app.state.service, app.state.auth = store, hub, service, auth
        app.state.publisher = publisher
        app.state.sessions = sessions
        if demo and not service.runtimes:
            await create_demo(service)
        if on_ready:
            on_ready(app, new_key)
        checkpoints = Checkpoints(service)  # a restart of a big contest reads one blob, not every mark row
        checkpointing = asyncio.create_task(checkpoints.run())
        try:
            yield
        finally:
            await sessions.close()
            await checkpoints.close(checkpointing)
            await store.close()

    routes = [*pages.routes(), *exports_api.routes(), *paper_api.routes(), *api.routes(), *lifecycle_api.routes(),
              *stages_api.routes(), *sessions_api.routes(), *staff_api.routes(), *brand_api.routes(), *openapi.routes(),
              *sockets.routes(), *audience_api.routes()]
    # a judge's phone's requests are matched first (Starlette tries routes in order; no other route serves these)
    routes.sort(key=lambda r: not r.path.startswith("/api/judge/"))
    app = Starlette(
        routes=[*routes,
                Mount("/static/v", VersionedStatic(directory=str(ROOT / "static"), version=pages.ASSETS.version)),
                Mount("/static", CachedStatic(directory=str(ROOT / "static")), name="static")],
        middleware=[Middleware(RawSend), Middleware(SecurityMiddleware), Middleware(LazySessions)],
        # an unknown address: the error page (JSON under /api/); any other refusal of Starlette's own the same way
        exception_handlers={404: pages.not_found, HTTPException: pages.http_error},
        lifespan=lifespan,
    )
    app.state.public_url = public_url
    app.state.socket_caps = socket_caps
    app.add_exception_handler(StorageFull, _storage_full)
    return app


async def _storage_full(request, exc: StorageFull) -> Response:
    """A full disk anywhere a handler did not answer it itself (the JSON API does): 503, never a 500."""
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": str(exc), "errors": {}, "code": "disk_full"}, status_code=503)
    return pages.error_page(request, 503, "存储空间已满，本次操作未保存",
                            "服务器的磁盘已满，请联系工作人员清理后重试。 / The server's disk is full: nothing was saved.")
