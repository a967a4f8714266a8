"""The one set of test helpers for the in-process tests: app and client, organizer auth, actions, marks, evenings.

What it does: :func:`make_client` opens a Starlette ``TestClient`` on a fresh app (a database file, the
test organizer key, the demo contest ``c1`` unless ``demo=False``); :data:`ORG` is the organizer's Bearer
header and :func:`console_sign_in` signs the client in as a console (the session cookie);
:func:`contest` / :func:`judges` read the console snapshot; :func:`act` drives the evening (asserts 200,
returns the console snapshot); :func:`submit` posts a judge's marks (the response) and
:func:`submit_ok` asserts they were acknowledged; :class:`Evening` runs a contest roadshow by roadshow
(present -> open -> submit -> close -> result) and then the ranking, overtime, reveal and lock.

Every helper takes any client with ``get`` / ``post`` (a ``TestClient``, or an ``httpx.Client`` of a live
server), so the browser tests use the same ones for their API side.  What it does not do: assert
anything a test is about (the helpers check only that a step they take succeeded), or drive a browser
(``tests/browser/helpers.py``).
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from tests.conftest import ORGANIZER_KEY

ORG = {"authorization": f"Bearer {ORGANIZER_KEY}"}
EXPERT = {"need": 20, "design": 25, "impact": 20, "team": 15}  # a valid expert mark set of the demo rubric


def bearer(token: str) -> dict:
    """The Authorization header of a judge's (or any) token."""
    return {"authorization": f"Bearer {token}"}


@contextmanager
def make_client(db: Any, *, demo: bool = True, clock: Callable[[], float] | None = None,
                **client_options: Any) -> Iterator[Any]:
    """A ``TestClient`` (lifespan started) on ``create_app(db)`` with the test organizer key (and the
    server's ``clock`` when given).  ``client_options`` go to the TestClient (``raise_server_exceptions=False``)."""
    from starlette.testclient import TestClient

    from judging.web.app import create_app

    app = create_app(str(db), organizer_key=ORGANIZER_KEY, demo=demo, clock=clock)
    with TestClient(app, **client_options) as client:
        yield client


def console_sign_in(client: Any, key: str = ORGANIZER_KEY, **headers: str) -> Any:
    """Sign ``client`` in on /login as a console (its cookie jar then holds the session); asserts the 303."""
    r = client.post("/login", data={"key": key}, headers=headers or None, follow_redirects=False)
    assert r.status_code == 303, r.text
    return r


def contest(client: Any, cid: str = "c1") -> dict:
    """The console snapshot of contest ``cid``."""
    r = client.get(f"/api/contests/{cid}", headers=ORG)
    assert r.status_code == 200, r.text
    return r.json()


def judges(client: Any, cid: str = "c1") -> dict[str, dict]:
    """The contest's judges by id (each with its ``token`` and ``panel``)."""
    return {j["id"]: j for j in contest(client, cid)["setup"]["judges"]}


def post_action(client: Any, action: str, cid: str = "c1", **kw: Any) -> Any:
    """POST one console action; the response as it is (for tests about refusals)."""
    return client.post(f"/api/contests/{cid}/actions", headers=ORG, json={"action": action, **kw})


def act(client: Any, *actions: str, cid: str = "c1", **kw: Any) -> dict:
    """Take the console ``actions`` in turn (each with ``kw``), each must answer 200; the last snapshot."""
    snap: dict = {}
    for action in actions:
        r = post_action(client, action, cid, **kw)
        assert r.status_code == 200, (action, r.status_code, r.text)
        snap = r.json()
    return snap


def submit(client: Any, judge: dict | str, project: str, marks: dict, /, round_name: str = "final",
           sid: str | None = None, **extra: Any) -> Any:
    """POST a judge's marks (``judge``: the judge dict or its token; ``extra``: more body fields, even a
    ``judge`` or ``contest`` a test forges); the response as it is."""
    token = judge if isinstance(judge, str) else judge["token"]
    return client.post("/api/judge/submit", headers=bearer(token),
                       json={"submission_id": sid or uuid.uuid4().hex, "project": project, "round": round_name,
                             "marks": marks, **extra})


def submit_ok(client: Any, judge: dict | str, project: str, marks: dict, /, round_name: str = "final",
              sid: str | None = None, **extra: Any) -> dict:
    """:func:`submit`, and the marks must be acknowledged (200); the answer."""
    r = submit(client, judge, project, marks, round_name, sid, **extra)
    assert r.status_code == 200, r.text
    return r.json()


def spread_marks(judge: dict, level: float, k: int) -> dict:
    """A demo-rubric mark set at ``level`` (0-1 of each maximum) with a small spread by judge number ``k``:
    the expert criteria scaled from :data:`EXPERT`, the public panel's one overall mark."""
    if judge["panel"] == "expert":
        return {c: round(m * level + (k % 3) * 0.5, 1) for c, m in EXPERT.items()}
    return {"overall": round(100 * level + (k % 5) - 2, 1)}


def create_contest(client: Any, body: dict) -> dict:
    """POST /api/contests (must be 201); the new contest's console snapshot."""
    r = client.post("/api/contests", headers=ORG, json=body)
    assert r.status_code == 201, r.text
    return r.json()


class Evening:
    """One contest driven from the console over the API: ``act``, ``submit`` and whole roadshows.

    ``state`` is the latest console snapshot; ``judges`` the judges in setup order (dicts with tokens)."""

    def __init__(self, client: Any, cid: str = "c1", state: dict | None = None) -> None:
        self.c, self.cid = client, cid
        self.state = state if state is not None else contest(client, cid)
        self.judges: list[dict] = self.state["setup"]["judges"]

    @property
    def screen_token(self) -> str:
        return self.state["setup"]["screen_link"].rsplit("/", 1)[1]

    def act(self, *actions: str, **kw: Any) -> dict:
        self.state = act(self.c, *actions, cid=self.cid, **kw)
        return self.state

    def submit(self, judge: dict, project: str, round_name: str, marks: dict, sid: str | None = None) -> Any:
        """The judge's marks posted; the response as it is."""
        return submit(self.c, judge, project, marks, round_name, sid)

    def submit_ok(self, judge: dict, project: str, round_name: str, marks: dict, sid: str | None = None) -> dict:
        """The judge's marks posted and acknowledged (200)."""
        return submit_ok(self.c, judge, project, marks, round_name, sid)

    def roadshow(self, project: str, marks: Callable[[dict], dict | None], round_name: str = "final",
                 confirm: bool | None = None) -> dict:
        """present -> open -> every judge for whom ``marks(judge)`` is not None submits -> close -> result."""
        self.act("present", project=project)
        self.act("open_scoring")
        for j in self.judges:
            m = marks(j)
            if m is not None:
                self.submit_ok(j, project, round_name, m)
        self.act("close_scoring", **({} if confirm is None else {"confirm": confirm}))
        return self.act("show_result")

    def run(self, projects: list[str], marks: Callable[[dict, str], dict | None], round_name: str = "final",
            confirm: bool | None = None) -> dict:
        """A roadshow for each project in turn (``next`` between them; ``start`` first on the final round)."""
        if round_name == "final" and self.state["phase"] == "setup":
            self.act("start")
        for n, pid in enumerate(projects):
            self.roadshow(pid, lambda j, pid=pid: marks(j, pid), round_name, confirm)
            if n < len(projects) - 1:
                self.act("next")
        return self.state

    def reveal_and_lock(self) -> dict:
        """From the ranking: the awards revealed tier by tier, then the lock."""
        snap = self.act("start_reveal")
        while snap["reveal"]["step"] < snap["reveal"]["total_tiers"]:
            snap = self.act("reveal_next")
        return self.act("lock")


def edit_db(path: Any, *statements: str | tuple[str, tuple]) -> None:
    """Change a database file behind the program's back (tampering, old schemas, hostile names): the
    statements (text, or text with parameters) run in one transaction with the sqlite3 module."""
    import sqlite3

    con = sqlite3.connect(str(path))
    try:
        with con:
            for st in statements:
                sql, params = (st, ()) if isinstance(st, str) else st
                con.execute(sql, params)
    finally:
        con.close()
