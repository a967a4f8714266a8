"""Shared fixtures: an in-process app, a real uvicorn server on loopback, headless Debian Chromium.

Also the order the tests run in (:func:`pytest_collection_modifyitems`): browser tests last, the longest
browser files first among them, and each file's tests kept together on one pytest-xdist worker when the
suite runs in parallel (``scripts/test`` runs it with ``-n 2 --dist loadgroup``)."""

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


# The browser files whose tests run longest, longest first: started first, so that in a parallel run
# (pytest-xdist) no worker is left with a long test at the end while the other has finished.  Only the
# order depends on this list; a file not named runs after these, in its usual place.
LONG_BROWSER_FILES = ("test_screen_console_smoothed.py", "test_evening_ui.py", "test_screen.py",
                      "test_language_switch.py", "test_pages_a11y.py", "test_brand_screen.py",
                      "test_audience_evening.py", "test_two_stages.py", "test_judge_app.py", "test_console.py")


def _is_browser(item) -> bool:
    return "browser" in getattr(item, "fixturenames", ())


def _shares_state(item) -> bool:
    """The test uses a fixture wider than one test and narrower than the session (a module's server …)."""
    info = getattr(item, "_fixtureinfo", None)
    return info is not None and any(d.scope not in ("function", "session")
                                    for defs in info.name2fixturedefs.values() for d in defs)


# Files whose tests must not run at the same time as each other on two workers: test_layout.py writes a
# probe module into judging/ for a moment, which test_vocabulary.py's walk over judging/ would read.
SOURCE_TREE_FILES = ("test_layout.py", "test_vocabulary.py")


def _group(item) -> str | None:
    """The xdist group of a test (None: it can run on any worker, alone).  Non-browser tests run with
    the rest of their file, as before (module globals, a file's own order); a browser test only when it
    shares the module's fixtures, since its file's other tests take seconds each."""
    file = item.nodeid.split("::")[0]
    if item.path.name in SOURCE_TREE_FILES:
        return "source-tree"
    if not _is_browser(item):
        return file
    return file + "::browser" if _shares_state(item) else None


@pytest.hookimpl(tryfirst=True)   # before pytest-xdist reads the groups
def pytest_collection_modifyitems(session, config, items):
    """Browser tests run last.  Playwright's sync API keeps an asyncio loop running in the main
    thread for as long as the session's browser lives, and then ``asyncio.run`` (run.py commands
    called in-process) and pytest-asyncio tests cannot start: they must all come before it.

    Among the browser tests the files of LONG_BROWSER_FILES come first.  For pytest-xdist's
    ``--dist loadgroup`` each test gets a group (:func:`_group`): the tests of one group run on one
    worker, in this order.  A worker runs what it is given in this order too, so on every worker the
    browser tests come last (a group's place is that of its first test)."""
    def key(pair):
        index, item = pair
        if not _is_browser(item):
            return (0, 0, index)
        name = item.path.name
        rank = LONG_BROWSER_FILES.index(name) if name in LONG_BROWSER_FILES else len(LONG_BROWSER_FILES)
        return (1, rank, index)

    items[:] = [item for _, item in sorted(enumerate(items), key=key)]
    for item in items:
        group = _group(item)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))
