"""Shared fixtures: an in-process app, a real uvicorn server on loopback, headless Debian Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts"          # screenshots and rendered pages for review (not committed)
ORGANIZER_KEY = "test-organizer-key-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """uvicorn serving create_app() in a background thread."""

    def __init__(self, db: str, demo: bool = True) -> None:
        import uvicorn

        from judging.web.app import create_app
        from judging.web.slow_clients import http_protocol

        self.db = db
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.key = ORGANIZER_KEY
        self.app = create_app(db, organizer_key=ORGANIZER_KEY, demo=demo)
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False,
                                ws_ping_interval=20, ws_ping_timeout=20, http=http_protocol())
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.time() + 20
        while not self.server.started:
            if time.time() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    @property
    def service(self):
        return self.app.state.service

    def api(self):
        import httpx
        return httpx.Client(base_url=self.url, headers={"authorization": f"Bearer {self.key}"}, timeout=10)


@pytest.fixture
def live_server(tmp_path):
    with LiveServer(str(tmp_path / "live.db")) as server:
        yield server


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("Debian chromium is not installed: run scripts/test (it installs it) or apt-get install chromium")
    return path


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
                 "--no-first-run", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def pytest_configure(config):
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")


def pytest_collection_modifyitems(session, config, items):
    """Browser tests run last.  Playwright's sync API keeps an asyncio loop running in the main
    thread for as long as the session's browser lives, and then ``asyncio.run`` (run.py commands
    called in-process) and pytest-asyncio tests cannot start: they must all come before it."""
    items.sort(key=lambda item: "browser" in getattr(item, "fixturenames", ()))  # stable: keeps file order
