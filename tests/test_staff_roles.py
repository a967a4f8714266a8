"""Staff roles (issue 14, several halls): EVERY cell of the role x endpoint matrix.

The app's routing table is enumerated, so a route nobody classified here fails
:func:`test_every_route_of_the_app_has_a_row`; a new route is one row of :data:`MATRIX`.  Each row says, for
each of seven callers in :data:`CALLERS` order, what it gets:

    a  allowed (authorisation passed: never 401/403; the row's status when it names one)
    f  forbidden (403; a page: the 403 page; a socket: closed with 4403)
    u  not signed in (401; a page: redirected to /login; a socket: closed with 4401)

Callers: the organizer; a hall operator, a scorekeeper and a viewer of contest c1 (the contest every row is
about); an operator of ANOTHER contest (c2); a revoked operator of c1; nobody.  API rows are requested twice,
with the caller's key as a Bearer token and with its console session cookie (+ CSRF header); pages and
sockets with the cookie.  Writes send a body the command refuses (422 / 404) or one that changes nothing,
so an allowed cell proves the role check let it through without changing the contest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

import pytest
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.websockets import WebSocketDisconnect

from judging.app.demo import demo_setup
from tests.helpers import ORG, create_contest, judges, make_client

CALLERS = ("organizer", "operator", "scorekeeper", "viewer", "other_contest", "revoked", "nobody")


@dataclass
class Caller:
    name: str
    key: str | None = None            # Bearer key (None: nobody)
    cookies: dict = field(default_factory=dict)
    csrf: str = ""


@dataclass
class Ctx:
    judge_token: str
    screen_token: str
    staff_link: str
    asset: str


def _api(method: str, path: str, body: dict | None = None) -> Callable:
    def call(client, headers: dict) -> Any:
        return client.request(method, path, headers=headers, **({"json": body} if body is not None else {}))
    return call


# (route key) -> (request, expected per caller, status of an allowed cell or None)
Row = tuple[str, Any, str, int | None]
API: dict[str, tuple[Callable, str, int | None]] = {
    "GET /api/presets": (_api("GET", "/api/presets"), "affffuu", 200),
    "GET /api/contests": (_api("GET", "/api/contests"), "aaaaauu", 200),
    "POST /api/contests": (_api("POST", "/api/contests", {"name": "", "rules_preset": "no-such-preset"}),
                           "affffuu", 422),
    "GET /api/contests/{cid}": (_api("GET", "/api/contests/c1"), "aaaafuu", 200),
    "PATCH /api/contests/{cid}": (_api("PATCH", "/api/contests/c1", {"timer_seconds": "soon"}), "affffuu", 422),
    "POST /api/contests/{cid}/import/{kind}": (_api("POST", "/api/contests/c1/import/nothing", {}), "affffuu", 404),
    "POST /api/contests/{cid}/order": (_api("POST", "/api/contests/c1/order", {"order": "P1"}), "affffuu", 422),
    "POST /api/contests/{cid}/draw": (_api("POST", "/api/contests/c1/draw", {"seed": 5}), "affffuu", 422),
    "POST /api/contests/{cid}/actions": (_api("POST", "/api/contests/c1/actions", {}), "aafffuu", 422),
    "POST /api/contests/{cid}/marks/{op:str}": (_api("POST", "/api/contests/c1/marks/nothing", {}), "afaffuu", 404),
    "POST /api/contests/{cid}/nudge": (_api("POST", "/api/contests/c1/nudge", {"judges": 5}), "aafffuu", 422),
    "GET /api/contests/{cid}/results": (_api("GET", "/api/contests/c1/results"), "aaaafuu", 200),
    "GET /api/contests/{cid}/marks.csv": (_api("GET", "/api/contests/c1/marks.csv"), "aafffuu", 200),
    "GET /api/contests/{cid}/rules.toml": (_api("GET", "/api/contests/c1/rules.toml"), "aaaafuu", 200),
    "GET /api/contests/{cid}/audit": (_api("GET", "/api/contests/c1/audit"), "aafafuu", 200),
    "GET /api/contests/{cid}/export/{format}": (_api("GET", "/api/contests/c1/export/results.csv"), "aafffuu", 200),
    "POST /api/contests/import": (_api("POST", "/api/contests/import", {}), "affffuu", 422),
    "GET /api/contests/{cid}/audit/entries": (_api("GET", "/api/contests/c1/audit/entries"), "aafafuu", 200),
    "GET /api/contests/{cid}/audit/verify": (_api("GET", "/api/contests/c1/audit/verify"), "aafafuu", 200),
    "GET /api/judge/state": (_api("GET", "/api/judge/state"), "uuuuuuu", None),     # judges' tokens only
    "POST /api/judge/submit": (_api("POST", "/api/judge/submit", {}), "uuuuuuu", None),
    "GET /api/sessions": (_api("GET", "/api/sessions"), "affffuu", 200),
    "DELETE /api/sessions/{sid}": (_api("DELETE", "/api/sessions/0123456789abcdef"), "affffuu", 404),
    "GET /api/contests/{cid}/staff": (_api("GET", "/api/contests/c1/staff"), "affffuu", 200),
    "POST /api/contests/{cid}/staff": (_api("POST", "/api/contests/c1/staff", {"name": "x", "role": "boss"}),
                                       "affffuu", 422),
    "DELETE /api/contests/{cid}/staff/{sid}": (_api("DELETE", "/api/contests/c1/staff/st00000000"), "affffuu", 404),
    # paper entry (issue 14, paper fallback): the scorekeeper's work
    "GET /api/contests/{cid}/paper": (_api("GET", "/api/contests/c1/paper"), "afaffuu", 200),
    "GET /api/contests/{cid}/paper/sheet": (_api("GET", "/api/contests/c1/paper/sheet?code=P:nobody:P1"), "afaffuu",
                                            404),
    "POST /api/contests/{cid}/paper/entries": (_api("POST", "/api/contests/c1/paper/entries", {"code": "P:x:y"}),
                                               "afaffuu", 404),
    "POST /api/contests/{cid}/paper/entries/{eid}/discard": (
        _api("POST", "/api/contests/c1/paper/entries/pe-none/discard", {"reason": "x"}), "afaffuu", 404),
    "GET /api/contests/{cid}/paper/sheets.pdf": (_api("GET", "/api/contests/c1/paper/sheets.pdf?judge=nobody"),
                                                 "afaffuu", 404),
    # the contest lifecycle (issue 14): the organizer's alone
    "POST /api/contests/{cid}/duplicate": (_api("POST", "/api/contests/c1/duplicate", {"id": "bad id!"}),
                                           "affffuu", 422),
    "POST /api/contests/{cid}/rehearsal": (_api("POST", "/api/contests/c1/rehearsal", {"on": "maybe"}), "affffuu",
                                           422),
    "POST /api/contests/{cid}/reset": (_api("POST", "/api/contests/c1/reset", {}), "affffuu", 422),
    "DELETE /api/contests/{cid}": (_api("DELETE", "/api/contests/c1", {}), "affffuu", 422),
    "GET /api/contests/{cid}/lifecycle": (_api("GET", "/api/contests/c1/lifecycle"), "affffuu", 200),
    # a season's stages (issue 14): the organizer's; review judges use their judge tokens
    "GET /api/contests/{cid}/stages": (_api("GET", "/api/contests/c1/stages"), "affffuu", 200),
    "POST /api/contests/{cid}/stages": (_api("POST", "/api/contests/c1/stages", {"kind": "bogus"}), "affffuu", 422),
    "POST /api/contests/{cid}/stage": (_api("POST", "/api/contests/c1/stage", {"kind": "bogus"}), "affffuu", 422),
    "POST /api/contests/{cid}/review": (_api("POST", "/api/contests/c1/review", {}), "affffuu", 422),
    "POST /api/contests/{cid}/advance": (_api("POST", "/api/contests/c1/advance", {}), "affffuu", 409),
    "GET /api/judge/review": (_api("GET", "/api/judge/review"), "uuuuuuu", None),
    "POST /api/judge/review/submit": (_api("POST", "/api/judge/review/submit", {}), "uuuuuuu", None),
    # branding (issue 14): the organizer's
    "GET /api/contests/{cid}/brand": (_api("GET", "/api/contests/c1/brand"), "affffuu", 200),
    "PATCH /api/contests/{cid}/brand": (_api("PATCH", "/api/contests/c1/brand", {"primary": "nope"}), "affffuu", 422),
    "PUT /api/contests/{cid}/brand/logo": (_api("PUT", "/api/contests/c1/brand/logo", {}), "affffuu", 422),
    "DELETE /api/contests/{cid}/brand/logo": (_api("DELETE", "/api/contests/c1/brand/logo"), "affffuu", 404),
    "POST /api/contests/{cid}/brand/sponsors": (_api("POST", "/api/contests/c1/brand/sponsors", {}), "affffuu", 422),
    "DELETE /api/contests/{cid}/brand/sponsors/{sha}": (_api("DELETE", "/api/contests/c1/brand/sponsors/00"),
                                                        "affffuu", 404),
    # the audience (issue 12): phones use the audience link and their device credential, never a staff key
    "POST /api/a/{token}/device": (_api("POST", "/api/a/no-such-link/device", {}), "aaaaaaa", 404),
    "POST /api/a/{token}/code": (_api("POST", "/api/a/no-such-link/code", {}), "aaaaaaa", 404),
    "POST /api/a/{token}/ballot": (_api("POST", "/api/a/no-such-link/ballot", {}), "aaaaaaa", 404),
    "GET /api/a/{token}/me": (_api("GET", "/api/a/no-such-link/me"), "aaaaaaa", 404),
    # the audience's part of the evening is the operator's; codes are made by the organizer, printed by the hall
    "POST /api/contests/{cid}/audience": (_api("POST", "/api/contests/c1/audience", {"action": "nothing"}),
                                          "aafffuu", None),
    "POST /api/contests/{cid}/audience/codes": (_api("POST", "/api/contests/c1/audience/codes", {"count": "x"}),
                                                "affffuu", None),
    "GET /api/contests/{cid}/audience/codes": (_api("GET", "/api/contests/c1/audience/codes"), "aafffuu", None),
    "GET /api/contests/{cid}/audience/codes.pdf": (_api("GET", "/api/contests/c1/audience/codes.pdf"), "aafffuu",
                                                   None),
    "GET /api/openapi.json": (_api("GET", "/api/openapi.json"), "aaaaaaa", 200),
    # last of the API rows: the organizer's cookie call ends every other session (its Bearer call every one)
    "DELETE /api/sessions/others": (_api("DELETE", "/api/sessions/others"), "affffuu", 200),
}

# pages: requested with the caller's session cookie (a page never reads a Bearer key)
PAGES: dict[str, tuple[Callable[[Ctx], tuple[str, str, dict]], str]] = {
    "GET /": (lambda x: ("GET", "/", {}), "aaaaaaa"),
    "GET /login": (lambda x: ("GET", "/login", {}), "aaaaaaa"),
    "POST /login": (lambda x: ("POST", "/login", {"data": {"key": "bad\x07"}}), "aaaaaaa"),  # 400: not a key
    # without the page's CSRF token nobody is signed out: refused (403) to anyone signed in
    "POST /logout": (lambda x: ("POST", "/logout", {}), "fffffuu"),
    "GET /console": (lambda x: ("GET", "/console", {}), "aaaaauu"),   # staff: to its own contest's console
    "GET /console/{cid}": (lambda x: ("GET", "/console/c1", {}), "aaaafuu"),
    "GET /console/{cid}/setup": (lambda x: ("GET", "/console/c1/setup", {}), "affffuu"),
    "GET /console/{cid}/audit": (lambda x: ("GET", "/console/c1/audit", {}), "aafafuu"),
    "GET /console/{cid}/cards": (lambda x: ("GET", "/console/c1/cards", {}), "aafffuu"),
    "GET /console/{cid}/paper": (lambda x: ("GET", "/console/c1/paper", {}), "afaffuu"),
    "GET /k/{key}": (lambda x: ("GET", x.staff_link, {}), "aaaaaaa"),
    "GET /console/{cid}/tickets": (lambda x: ("GET", "/console/c1/tickets", {}), "aafffuu"),
    "GET /a/{token}": (lambda x: ("GET", "/a/no-such-link", {}), "aaaaaaa"),  # public (404 here)
    "GET /a/{token}/qr.svg": (lambda x: ("GET", "/a/no-such-link/qr.svg", {}), "aaaaaaa"),
    "GET /brand/{cid}/{sha}.png": (lambda x: ("GET", "/brand/c1/00.png", {}), "aaaaaaa"),  # public (404 here)
    "GET /s/{token}": (lambda x: ("GET", f"/s/{x.screen_token}", {}), "aaaaaaa"),
    "GET /j/{token}": (lambda x: ("GET", f"/j/{x.judge_token}", {}), "aaaaaaa"),
    "MOUNT /static/v": (lambda x: ("GET", x.asset, {}), "aaaaaaa"),
    "MOUNT /static": (lambda x: ("GET", "/static/live.js", {}), "aaaaaaa"),
}

SOCKETS: dict[str, tuple[Callable[[Ctx], str], str]] = {
    "WS /ws/j/{token}": (lambda x: f"/ws/j/{x.judge_token}", "aaaaaaa"),
    "WS /ws/s/{token}": (lambda x: f"/ws/s/{x.screen_token}", "aaaaaaa"),
    "WS /ws/console/{cid}": (lambda x: "/ws/console/c1", "aaaafuu"),
    "WS /ws/a/{token}": (lambda x: "/ws/a/no-such-link", "uuuuuuu"),  # an unknown link: 4401 to anyone
}


def app_routes(app) -> set[str]:
    out = set()
    for r in app.routes:
        if isinstance(r, Mount):
            out.add(f"MOUNT {r.path}")
        elif isinstance(r, WebSocketRoute):
            out.add(f"WS {r.path}")
        elif isinstance(r, Route):
            out.update(f"{m} {r.path}" for m in r.methods - {"HEAD"})
    return out


# ---------------------------------------------------------------------- the hall: two contests and their staff
def issue(client, cid: str, role: str, name: str) -> dict:
    r = client.post(f"/api/contests/{cid}/staff", headers=ORG, json={"name": name, "role": role})
    assert r.status_code == 201, r.text
    return r.json()


def cookie_session(client, key: str, cid: str) -> tuple[dict, str]:
    """Sign in with ``key`` (the login form), read the CSRF token off the contest's console page."""
    client.cookies.clear()
    r = client.post("/login", data={"key": key}, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = client.get("/console" if cid == "" else f"/console/{cid}")
    assert page.status_code == 200, page.text
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
    cookies = dict(client.cookies)
    client.cookies.clear()
    return cookies, csrf


def make_caller(client, who: str) -> Caller:
    from tests.conftest import ORGANIZER_KEY

    if who == "nobody":
        return Caller(who)
    if who == "organizer":
        return Caller(who, ORGANIZER_KEY, *cookie_session(client, ORGANIZER_KEY, ""))
    role, cid = {"other_contest": ("operator", "c2"), "revoked": ("operator", "c1")}.get(who, (who, "c1"))
    issued = issue(client, cid, role, f"{who} 工作人员")
    caller = Caller(who, issued["key"], *cookie_session(client, issued["key"], cid))
    if who == "revoked":
        r = client.delete(f"/api/contests/c1/staff/{issued['member']['id']}", headers=ORG)
        assert r.status_code == 200 and r.json()["sessions_ended"] == 1, r.text
    return caller


@pytest.fixture(params=CALLERS)
def hall(request, tmp_path):
    with make_client(tmp_path / "roles.db") as client:
        client.app.state.auth.failed.limit = 10 ** 6  # revoked keys fall through to the organizer key check
        assert create_contest(client, demo_setup("第二会场"))["contest"]["id"] == "c2"
        j = next(iter(judges(client).values()))
        screen = client.get("/api/contests/c1", headers=ORG).json()["setup"]["screen_link"].rsplit("/", 1)[1]
        link = issue(client, "c1", "viewer", "链接检查")["link"]
        from judging.web.pages import ASSETS
        ctx = Ctx(j["token"], screen, link[link.index("/k/"):], ASSETS.url("live.js"))
        yield client, make_caller(client, request.param), ctx, CALLERS.index(request.param)


def outcome_api(r) -> str:
    assert r.status_code < 500 and r.status_code != 429, (r.status_code, r.text)
    return {401: "u", 403: "f"}.get(r.status_code, "a")


def outcome_page(r) -> str:
    assert r.status_code < 500, (r.status_code, r.text[:300])
    if r.status_code == 303 and r.headers["location"].startswith("/login"):
        return "u"
    return {401: "u", 403: "f"}.get(r.status_code, "a")


def outcome_socket(client, path: str) -> str:
    try:
        with client.websocket_connect(path) as ws:
            first = ws.receive_json()
            assert first.get("type") == "state", first
            return "a"
    except WebSocketDisconnect as closed:
        return {4401: "u", 4403: "f"}[closed.code]


def test_every_route_of_the_app_has_a_row(tmp_path):
    with make_client(tmp_path / "routes.db") as client:
        routes = app_routes(client.app)
    rows = set(API) | set(PAGES) | set(SOCKETS)
    assert routes - rows == set(), f"routes nobody classified (add a row to the matrix): {sorted(routes - rows)}"
    assert rows - routes == set(), f"rows for routes the app does not have: {sorted(rows - routes)}"
    for key, spec in {**API, **PAGES, **SOCKETS}.items():
        assert len(spec[1]) == len(CALLERS) and set(spec[1]) <= set("afu"), key


def test_every_cell_of_the_role_by_endpoint_matrix(hall):
    client, caller, ctx, col = hall
    seen: dict[str, str] = {}
    client.cookies.clear()
    for name, value in caller.cookies.items():
        client.cookies.set(name, value)
    for key, (make, expected) in PAGES.items():        # the cookie first: pages, sockets, API
        method, path, extra = make(ctx)
        seen[f"page {key}"] = outcome_page(client.request(method, path, follow_redirects=False, **extra))
        assert seen[f"page {key}"] == expected[col], (caller.name, key)
        client.cookies.clear()
        for name, value in caller.cookies.items():
            client.cookies.set(name, value)
    for key, (make, expected) in SOCKETS.items():
        assert outcome_socket(client, make(ctx)) == expected[col], (caller.name, key)
    modes = [("cookie", {"x-csrf-token": caller.csrf} if caller.csrf else {})]
    modes.append(("bearer", {"authorization": f"Bearer {caller.key}"} if caller.key else {}))
    for mode, headers in modes:
        if mode == "bearer":
            client.cookies.clear()
        for key, (call, expected, status) in API.items():
            r = call(client, headers)
            got = outcome_api(r)
            assert got == expected[col], (caller.name, mode, key, r.status_code, r.text[:200])
            if got == "a" and status is not None:
                assert r.status_code == status, (caller.name, mode, key, r.status_code, r.text[:200])


def test_a_staff_member_lists_only_its_own_contest_and_reads_no_link_tokens(tmp_path):
    with make_client(tmp_path / "own.db") as client:
        create_contest(client, demo_setup("第二会场"))
        viewer = issue(client, "c1", "viewer", "观察员甲")["key"]
        operator = issue(client, "c1", "operator", "运行员甲")["key"]
        listed = client.get("/api/contests", headers={"authorization": f"Bearer {viewer}"}).json()["contests"]
        assert [c["id"] for c in listed] == ["c1"]
        assert {c["id"] for c in client.get("/api/contests", headers=ORG).json()["contests"]} == {"c1", "c2"}
        seen = client.get("/api/contests/c1", headers={"authorization": f"Bearer {viewer}"}).json()
        tokens = [j["token"] for j in judges(client).values()]
        text = str(seen)
        assert not any(t in text for t in tokens) and seen["setup"]["screen_link"] is None
        assert seen["allowed"] == [] and seen["next_step"] is None and seen["access"]["actions"] == []
        assert seen["access"]["id"] == "viewer" and not seen["access"]["can"]["setup"]
        ops = client.get("/api/contests/c1", headers={"authorization": f"Bearer {operator}"}).json()
        assert ops["allowed"] and ops["access"]["can"]["act"] and not ops["access"]["can"]["setup"]
        assert ops["setup"]["judges"][0]["token"] in tokens


def test_a_hall_operator_drives_its_evening_but_cannot_change_rules_or_touch_another_contest(tmp_path):
    with make_client(tmp_path / "op.db") as client:
        create_contest(client, demo_setup("第二会场"))
        op = {"authorization": f"Bearer {issue(client, 'c1', 'operator', '运行员乙')['key']}"}
        r = client.post("/api/contests/c1/actions", headers=op, json={"action": "start"})
        assert r.status_code == 200 and r.json()["phase"] != "setup"
        assert client.post("/api/contests/c1/actions", headers=op, json={"action": "timer_start"}).status_code in (200, 409)
        rules = client.get("/api/contests/c1/rules.toml", headers=ORG).text
        r = client.patch("/api/contests/c1", headers=op, json={"rules_text": rules + "\n# changed"})
        assert r.status_code == 403 and "运行员" in r.json()["error"]
        r = client.post("/api/contests/c2/actions", headers=op, json={"action": "start"})
        assert r.status_code == 403 and "自己负责的大赛" in r.json()["error"]
        assert client.get("/api/contests/c2", headers=ORG).json()["phase"] == "setup"
        assert client.get("/api/contests/c2", headers=op).status_code == 403
