"""Hostile input sent WITH VALID credentials (issue 15): every other caller's key or token gets past the door, then
sends broken bodies, files, frames and query values.

The callers: a judge's token (the phone's submit and state, a review stage's submit), an audience phone (its
device credential and the audience link, ballots, popularity votes, ballot codes in strict mode), a staff key of
each role (hall operator, scorekeeper with the paper entries, viewer), and the organizer for what only it may send
(brand images, CSV/XLSX imports, JSON archives).  Each route such a caller may use gets the raw hostile bodies
(:data:`RAW_BODIES`: empty, truncated JSON, ``null``, arrays, 1e309, NUL, a lone surrogate, bytes that are not
UTF-8) and then its own valid body with each field in turn given each wrong value (:data:`WRONG`) or left out.

Asserted after every request: no 5xx; a refusal is JSON with a message (API) or a Chinese page; nothing the
request did not take changed in the database (every table but the sessions is dumped and compared); no
traceback in the app's log.  At the end of each test a valid request still works.  Sockets with valid tokens get
binary, huge, invalid-JSON and unknown frames and must still answer a ping.
"""

from __future__ import annotations

import copy
import io
import json
import logging
import sqlite3
import struct
import time
import uuid
import zlib
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from tests.audience_kit import audience_contest, device, org_action
from tests.helpers import EXPERT, ORG, act, bearer, create_contest, make_client, submit_ok

CID = "a1"
RAW_BODIES: list[bytes] = [
    b"", b"{", b'{"submission_id": "abc', b"null", b"[]", b"[{}]", b'[1, "x", null]', b'"text"', b"17", b"true",
    b"1e309", b'{"x": 1e309}', b'{"x": -1e309}', b'{"x": "a\\u0000b"}', b'{"x": "\\ud800"}', b'{"\\udfff": 1}',
    b"\xff\xfe\x00\x01", b'{"x": "\xc3\x28"}', b'{"a": 1, "a": [2]}', b"[" * 5000 + b"]" * 5000,
]
# raw JSON text of each wrong value a field gets in turn (1e309, NUL and lone surrogates are refused before any
# field is read, whatever the field: RAW_BODIES sends them to every route)
WRONG: list[str] = ["null", "true", "-1", "0", "1000000000000000", "0.123456789", '""', '"二十"',
                    '"' + "长" * 3000 + '"', "[]", "{}", '{"a": {"b": []}}']
# query strings: views, languages, page numbers and limits (negative, huge, not numbers), bytes that are no text
QUERIES: list[str] = [
    "", "?view=watch", "?view=%00", "?view=" + "w" * 5000, "?lang=en", "?lang=xx", "?lang=%ED%A0%80", "?lang=&lang=zh",
    "?page=-1", "?page=99999999999999999999", "?page=abc", "?limit=-5", "?limit=0", "?limit=1e309",
    "?limit=99999999999999999999999", "?offset=-1", "?offset=1e3", "?offset=99999999999999999999",
    "?after_seq=-1", "?before_seq=abc", "?after_seq=99999999999999999999999", "?order=sideways", "?kind=%FF",
    "?judge=%00&project=%ED%A0%80&round=%0B", "?code=%00", "?code=P:::", "?unused=%FF", "?part=%00",
    "?%FF=%FE", "?&&&=&", "?a=" + "%25" * 3000,
]
MISSING = object()
SKIP_TABLES = {"sessions", "mark_checkpoints", "mark_revs"}


# ---------------------------------------------------------------------- what "nothing changed" means

def db_dump(db: Path) -> dict[str, list]:
    """Every row of every table (but the sessions and the mark checkpoints, written by their own timers)."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {n: sorted(map(repr, con.execute(f'SELECT * FROM "{n}"'))) for n in names if n not in SKIP_TABLES}
    finally:
        con.close()


def db_counts(db: Path) -> dict[str, int]:
    """The rows of each table (but the sessions and checkpoints): a cheaper :func:`db_dump` for sweeps that
    add whole contests (an import inserts, a refused one must insert nothing)."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {n: con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names if n not in SKIP_TABLES}
    finally:
        con.close()


class LogCatcher(logging.Handler):
    """Every record of level WARNING or above with a traceback, from any logger."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.tracebacks: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info or record.levelno >= logging.ERROR:
            self.tracebacks.append(f"{record.name}: {record.getMessage()[:300]}")


class World:
    """An audience contest ``a1`` mid-evening (first roadshow closed with every judge's marks, the second in
    scoring, the popularity vote open), a review stage ``rev`` open, and the valid credentials of every caller."""

    SAVED = ("audience_token", "judges", "first", "second", "version", "screen_token", "device", "staff",
             "review_token", "pending_entry")

    def __init__(self, client, db: Path, saved: dict | None = None) -> None:
        self.c, self.db = client, db
        self.accepted: list[str] = []
        self.fingerprint: Callable[[Path], Any] = db_dump
        self.baseline: Any = None  # the database as the last request left it
        self.failures: list[str] = []
        self.sent = 0
        if saved is not None:  # the same evening, built once and reopened from a copy of its database file
            self.__dict__.update(saved)
            return
        cid, self.audience_token = audience_contest(client, CID)
        snap = client.get(f"/api/contests/{cid}", headers=ORG).json()
        self.judges = {j["id"]: j for j in snap["setup"]["judges"]}
        order = [p if isinstance(p, str) else p["id"] for p in snap["order"]]
        self.first, self.second = order[0], order[1]
        act(client, "present", cid=cid, project=self.first)
        act(client, "open_scoring", cid=cid)
        for k, j in enumerate(self.judges.values()):
            submit_ok(client, j, self.first, EXPERT if j["panel"] == "expert" else {"overall": 70 + k})
        act(client, "close_scoring", cid=cid)
        act(client, "show_result", cid=cid)
        act(client, "next", cid=cid)
        act(client, "present", cid=cid, project=self.second)
        snap = act(client, "open_scoring", cid=cid)
        self.version = snap["version"]
        assert org_action(client, cid, "popularity_open").status_code == 200
        self.screen_token = snap["setup"]["screen_link"].rsplit("/", 1)[1]
        self.device = device(client, self.audience_token)
        self.staff = {role: self._issue(role) for role in ("operator", "scorekeeper", "viewer")}
        self.review_token = self._review_stage()
        self.pending_entry = self._pending_paper_entry()

    def _issue(self, role: str) -> dict:
        r = self.c.post(f"/api/contests/{CID}/staff", headers=ORG, json={"name": f"{role} 工作人员", "role": role})
        assert r.status_code == 201, r.text
        return bearer(r.json()["key"])

    def _review_stage(self) -> str:
        text = Path("scoring_rules/expert_public.toml").read_text(encoding="utf-8")
        snap = create_contest(self.c, {"id": "rev", "name": "书面评审", "rules_text": text, "rules_name": "r.toml",
                                       "projects": [{"id": f"A{i}", "name": f"申报{i}"} for i in range(1, 4)],
                                       "judges": [{"id": "R1", "name": "初审专家", "panel": "expert"}]})
        for path, body in (("stage", {"kind": "review", "label": "初审"}),
                           ("review", {"action": "open", "deadline": time.time() + 86400})):
            r = self.c.post(f"/api/contests/rev/{path}", headers=ORG, json=body)
            assert r.status_code == 200, r.text
        return snap["setup"]["judges"][0]["token"]

    def _pending_paper_entry(self) -> str:
        r = self.c.post(f"/api/contests/{CID}/paper/entries", headers=self.staff["scorekeeper"],
                        json={"code": f"P:E2:{self.first}:final", "entered_by": "录入员",
                              "marks": {**EXPERT, "need": 19}, "replace": True})
        assert r.status_code == 201 and r.json()["status"] == "pending", r.text
        return r.json()["entry"]["id"]

    # ------------------------------------------------------------------ sending and judging one request
    def send(self, label: str, method: str, url: str, headers: dict, body: bytes | None = None,
             content_type: str = "application/json", **kw: Any):
        before = self.baseline if self.baseline is not None else self.fingerprint(self.db)
        hdrs = {**headers, **({"content-type": content_type} if body is not None else {})}
        r = self.c.request(method, url, headers=hdrs, content=body, follow_redirects=False, **kw)
        self.sent += 1
        where = f"{label}: {method} {url[:80]} {(body or b'')[:60]!r} -> {r.status_code} {r.text[:160]}"
        if r.status_code >= 500:
            self.failures.append(where)
        elif r.status_code >= 400:
            if url.startswith("/api/"):
                try:
                    message = r.json().get("error")
                except ValueError:
                    message = None
                if not isinstance(message, str) or not message.strip():
                    self.failures.append("no JSON error message: " + where)
            elif not any("\u4e00" <= ch <= "\u9fff" for ch in r.text):
                self.failures.append("page without Chinese: " + where)
        else:
            self.accepted.append(f"{label} {r.status_code}")
        self.baseline = self.fingerprint(self.db)  # the next request's "before" (one dump a request)
        if 400 <= r.status_code < 500 and self.baseline != before:
            self.failures.append("refused, yet stored data changed: " + where)
        return r

    def sweep(self, label: str, method: str, url: str, headers: dict, template: dict | None = None,
              raw: bool = True) -> None:
        """The raw hostile bodies (unless ``raw`` is false), then ``template`` with each field (two levels into
        objects, the first item of lists) wrong or missing."""
        for body in RAW_BODIES if raw else ():
            self.send(f"{label} raw", method, url, headers, body)
        for path, variant in mutations(template or {}):
            self.send(f"{label} {path}", method, url, headers, variant)


def _paths(value: Any, prefix: tuple = (), depth: int = 2) -> Iterator[tuple]:
    """Where a field sits: every key ``depth`` objects deep, a list's first item and what that holds."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield prefix + (k,)
            if len(prefix) < depth:
                yield from _paths(v, prefix + (k,), depth)
    elif isinstance(value, list) and value and len(prefix) <= depth:
        yield prefix + (0,)
        yield from _paths(value[0], prefix + (0,), depth)


def mutations(template: dict) -> Iterator[tuple[str, bytes]]:
    """(where, body): ``template`` with one field set to each :data:`WRONG` value (or removed); every text a
    template holds that must stay unique across requests (``{uid}``) gets a new value each time."""
    def render(doc: Any) -> bytes:
        text = json.dumps(doc, ensure_ascii=False)
        while "{uid}" in text:
            text = text.replace("{uid}", uuid.uuid4().hex[:20], 1)
        return text.encode("utf-8")

    for path in _paths(template):
        for wrong in WRONG + [MISSING]:
            doc = copy.deepcopy(template)
            holder = doc
            for step in path[:-1]:
                holder = holder[step]
            marker = "@@WRONG@@"
            if wrong is MISSING:
                if isinstance(holder, list):
                    continue
                del holder[path[-1]]
                yield ".".join(map(str, path)) + " missing", render(doc)
            else:
                holder[path[-1]] = marker
                yield ".".join(map(str, path)) + f"={wrong[:12]}", render(doc).replace(f'"{marker}"'.encode(),
                                                                                        wrong.encode("utf-8"))


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, dict]:
    """The evening built once (a few seconds): its database file and the credentials."""
    db = tmp_path_factory.mktemp("hostile") / "world.db"
    with make_client(db) as client:
        w = World(client, db)
        saved = {k: getattr(w, k) for k in World.SAVED}
    return db, saved


@pytest.fixture
def world(built, tmp_path) -> Iterator[World]:
    """A fresh copy of the built evening, its server restarted on it (the evening comes back as it was)."""
    import shutil

    source, saved = built
    db = tmp_path / "hostile.db"
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{db}{suffix}")
    catcher = LogCatcher()
    root = logging.getLogger()
    root.addHandler(catcher)
    try:
        with make_client(db, demo=False, raise_server_exceptions=False) as client:
            w = World(client, db, saved)
            w.catcher = catcher  # type: ignore[attr-defined]
            yield w
    finally:
        root.removeHandler(catcher)
    assert catcher.tracebacks == [], catcher.tracebacks[:5]


def not_text_taken(w: World, fields: set[str]) -> list[str]:
    """The accepted requests that gave one of the text ``fields`` a number, a list or an object."""
    not_text = {v[:12] for v in WRONG if not v.startswith('"') and v != "null"}
    out = []
    for a in w.accepted:
        head, _, value = a.rpartition(" ")[0].rpartition(" ")[2].partition("=")
        if head in fields and value in not_text:
            out.append(a)
    return out


def finish(w: World, accepted: set[str] | None = None) -> None:
    assert w.failures == [], f"{len(w.failures)} of {w.sent}:\n" + "\n".join(w.failures[:25])
    if accepted is not None:
        assert set(w.accepted) <= accepted, "\n".join(sorted(set(w.accepted) - accepted))


# ---------------------------------------------------------------------- a judge's token

def test_a_judges_token_with_hostile_bodies(world):
    w = world
    e1 = bearer(w.judges["E1"]["token"])
    submit = {"submission_id": "h{uid}", "project": w.second, "round": "final", "marks": EXPERT}
    w.sweep("judge submit", "POST", "/api/judge/submit", e1, submit)
    public = {"submission_id": "h{uid}", "project": w.second, "round": "final", "marks": {"overall": 80}}
    w.sweep("public judge submit", "POST", "/api/judge/submit", bearer(w.judges["U01"]["token"]), public)
    w.sweep("live judge on review submit", "POST", "/api/judge/review/submit", e1, submit)
    review = {"submission_id": "h{uid}", "project": "A1", "marks": EXPERT}
    w.sweep("review submit", "POST", "/api/judge/review/submit", bearer(w.review_token), review)
    w.sweep("review judge on live submit", "POST", "/api/judge/submit", bearer(w.review_token), submit)
    for path in ("/api/judge/state", "/api/judge/review"):
        for token in (w.judges["E1"]["token"], w.review_token):
            for q in QUERIES:
                w.send("judge read", "GET", path + q, bearer(token))
    # a 0 is a valid mark, and a submission without a round is for the round on stage (docs/API.md)
    finish(w, {"judge read 200", "judge submit round missing 200", "public judge submit round missing 200",
               "public judge submit marks.overall=0 200"} | {f"{who} submit marks.{c}=0 200" for who in ("judge", "review")
                                                            for c in EXPERT})
    # the evening goes on: a valid submission is stored
    ok = submit_ok(w.c, w.judges["E1"], w.second, EXPERT)
    assert ok["status"] == "saved" and not ok["duplicate"]


# ---------------------------------------------------------------------- an audience phone

def test_an_audience_phone_with_hostile_bodies_and_credentials(world):
    w = world
    base = f"/api/a/{w.audience_token}"
    phone = {"x-audience-device": w.device}
    w.sweep("device", "POST", f"{base}/device", phone, {"device": w.device})
    stars = {"ballot_id": "b{uid}", "window": f"score:final:{w.second}", "stars": 4}
    w.sweep("star ballot", "POST", f"{base}/ballot", phone, stars)
    w.sweep("popularity", "POST", f"{base}/ballot", phone, {"ballot_id": "b{uid}", "window": "popularity",
                                                           "projects": [w.first, w.second]})
    w.sweep("code (not strict)", "POST", f"{base}/code", phone, {"code": "K7PX3QWE"})
    for q in QUERIES:
        w.send("me", "GET", f"{base}/me{q}", phone)
    # credentials that are not quite one: another contest's, cut short, padded, forged, several at once
    forged = [w.device[:-1], w.device + "0", w.device.upper(), "d..", "d." + "0" * 16 + "." + "0" * 32,
              w.device + "," + w.device, "x" * 5000, " " + w.device]
    for cred in forged:
        w.send("forged ballot", "POST", f"{base}/ballot", {"x-audience-device": cred},
               json.dumps({**stars, "ballot_id": uuid.uuid4().hex}).encode())
        w.send("forged me", "GET", f"{base}/me", {"x-audience-device": cred})
        w.c.cookies.set(f"aud_{CID}", cred)
        w.send("forged cookie", "POST", f"{base}/ballot", {}, json.dumps({**stars, "ballot_id": uuid.uuid4().hex}).encode())
        w.c.cookies.clear()
    # strict mode: ballot codes
    codes = w.c.post(f"/api/contests/{CID}/audience/codes", headers=ORG, json={"count": 3}).json()["codes"]
    assert org_action(w.c, CID, "strict_on").status_code == 200
    w.baseline = None  # changed by the organizer, not by a request of the sweep
    w.sweep("code", "POST", f"{base}/code", phone, {"code": codes[0]})
    for typed in ("", " ", codes[0][:7], codes[0] + "X", codes[0].lower(), "-" * 8, "０" * 8, "码" * 8, "x" * 10000):
        w.send("typed code", "POST", f"{base}/code", phone, json.dumps({"code": typed}).encode())
    w.sweep("strict ballot", "POST", f"{base}/ballot", phone, stars)
    finish(w, None)
    # the phone still votes: bind a code, then a ballot
    assert w.c.post(f"{base}/code", headers=phone, json={"code": codes[1]}).status_code == 200
    time.sleep(1.05)  # one ballot change a second per voter
    r = w.c.post(f"{base}/ballot", headers=phone, json={**stars, "ballot_id": uuid.uuid4().hex})
    assert r.status_code == 200 and r.json()["ok"], r.text


# ---------------------------------------------------------------------- staff keys of each role

def staff_routes(w: World) -> list[tuple[str, str, str, dict | None]]:
    """(route key, method, path, valid body) of every API route a staff member of ``a1`` may be allowed."""
    c = f"/api/contests/{CID}"
    correct = {"project": w.first, "round": "final", "judge": "E3", "marks": {**EXPERT, "team": 14},
               "reason": "录入错误"}
    paper = {"code": f"P:E4:{w.first}:final", "entered_by": "录入员", "marks": {**EXPERT, "need": 18}, "replace": True}
    return [
        ("GET /api/contests", "GET", "/api/contests", None),
        ("GET /api/contests/{cid}", "GET", c, None),
        ("POST /api/contests/{cid}/actions", "POST", f"{c}/actions",
         {"action": "lock", "project": w.second, "expect_version": w.version, "tab": "tab-1", "confirm": False,
          "confirm_recent": False}),
        ("POST /api/contests/{cid}/nudge", "POST", f"{c}/nudge", {"judges": ["E2", "E3"]}),
        ("POST /api/contests/{cid}/marks/{op:str}", "POST", f"{c}/marks/correct", correct),
        ("POST /api/contests/{cid}/marks/{op:str}", "POST", f"{c}/marks/void",
         {k: v for k, v in correct.items() if k != "marks"}),
        ("GET /api/contests/{cid}/results", "GET", f"{c}/results", None),
        ("GET /api/contests/{cid}/marks.csv", "GET", f"{c}/marks.csv", None),
        ("GET /api/contests/{cid}/rules.toml", "GET", f"{c}/rules.toml", None),
        ("GET /api/contests/{cid}/audit", "GET", f"{c}/audit", None),
        ("GET /api/contests/{cid}/export/{format}", "GET", f"{c}/export/results.csv", None),
        ("GET /api/contests/{cid}/export/{format}", "GET", f"{c}/export/scoresheets.pdf", None),
        ("GET /api/contests/{cid}/audit/entries", "GET", f"{c}/audit/entries", None),
        ("GET /api/contests/{cid}/audit/verify", "GET", f"{c}/audit/verify", None),
        ("GET /api/contests/{cid}/paper", "GET", f"{c}/paper", None),
        ("GET /api/contests/{cid}/paper/sheet", "GET", f"{c}/paper/sheet", None),
        ("POST /api/contests/{cid}/paper/entries", "POST", f"{c}/paper/entries", paper),
        ("POST /api/contests/{cid}/paper/entries/{eid}/discard", "POST", f"{c}/paper/entries/{w.pending_entry}/discard",
         {"reason": "录入笔误"}),
        # one judge's sheet of one roadshow: the whole pile (every judge x every roadshow) takes seconds to lay out
        ("GET /api/contests/{cid}/paper/sheets.pdf", "GET", f"{c}/paper/sheets.pdf?judge=E1&project={w.first}", None),
        ("POST /api/contests/{cid}/audience", "POST", f"{c}/audience", {"action": "join_show"}),
        ("GET /api/contests/{cid}/audience/codes", "GET", f"{c}/audience/codes", None),
        ("GET /api/contests/{cid}/audience/codes.pdf", "GET", f"{c}/audience/codes.pdf", None),
    ]


STAFF_COLUMN = {"operator": 1, "scorekeeper": 2, "viewer": 3}


@pytest.mark.parametrize("role", list(STAFF_COLUMN))
def test_a_staff_key_with_hostile_bodies_and_queries(world, role):
    from tests.test_staff_roles import API

    w = world
    key = w.staff[role]
    swept = 0
    for route, method, path, body in staff_routes(w):
        if API[route][1][STAFF_COLUMN[role]] != "a":
            continue
        swept += 1
        if method == "GET":
            queries = QUERIES if ".pdf" not in path else QUERIES[::4]
            for q in queries:
                w.send(route, method, path + ("&" + q[1:] if "?" in path and q else q), key)
        else:
            w.sweep(route, method, path, key, body)
    assert swept >= {"operator": 15, "scorekeeper": 11, "viewer": 6}[role]
    finish(w, None)
    assert not_text_taken(w, {"reason", "entered_by", "project", "judge", "round", "code", "action", "tab"}) == []
    assert w.c.get(f"/api/contests/{CID}/results", headers=key).status_code == 200


# ---------------------------------------------------------------------- the organizer's files: brand images

def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _png_claiming(width: int, height: int, depth: int = 8, color: int = 2) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` and whose data is a few bytes."""
    ihdr = struct.pack(">IIBBBBB", width, height, depth, color, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + _png_chunk(b"IEND", b""))


def _image(fmt: str, mode: str = "RGB", size: tuple[int, int] = (40, 20), **save: Any) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new(mode, size).save(out, format=fmt, **save)
    return out.getvalue()


def hostile_images() -> dict[str, bytes]:
    png, jpeg = _image("PNG"), _image("JPEG")
    exif_garbage = jpeg[:2] + b"\xff\xe1" + struct.pack(">H", 40) + b"Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\xff\xff" \
        + b"\x01" * 22 + jpeg[2:]
    return {
        "empty": b"", "one byte": b"\x89", "truncated PNG": png[: len(png) // 2], "PNG header only": png[:8],
        "PNG with a bad CRC": png[:29] + b"\x00\x00\x00\x00" + png[33:], "truncated JPEG": jpeg[: len(jpeg) // 2],
        "huge dimensions": _png_claiming(100_000, 100_000), "widest PNG": _png_claiming(2 ** 31 - 1, 1),
        "zero size PNG": _png_claiming(0, 0), "16-bit PNG": _image("PNG", "I;16"), "1-bit PNG": _image("PNG", "1"),
        "CMYK JPEG": _image("JPEG", "CMYK"), "palette PNG": _image("PNG", "P", transparency=0),
        "EXIF garbage": exif_garbage, "GIF": _image("GIF", "P"), "BMP": _image("BMP"), "TIFF": _image("TIFF"),
        "animated WebP": _image("WEBP", save_all=True), "ICO": _image("ICO", size=(16, 16)),
        "SVG": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "SVG after a BOM and spaces": b"\xef\xbb\xbf  \n<svg/>", "HTML": b"<!doctype html><p>hi",
        "text": "赞助商名单\n".encode("utf-8"), "PNG then a ZIP": png + b"PK\x03\x04" + b"\x00" * 30,
        "JSON": b'{"logo": 1}', "NUL bytes": b"\x00" * 1000, "PDF": b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n",
    }


def test_brand_uploads_of_hostile_files(world):
    w = world
    c = f"/api/contests/{CID}/brand"
    refused = {}
    for name, data in hostile_images().items():
        for method, path in (("PUT", f"{c}/logo"), ("POST", f"{c}/sponsors")):
            for ctype in ("image/png", "image/jpeg", "application/octet-stream", "text/plain"):
                r = w.send(f"{name} {ctype}", method, path, ORG, data, content_type=ctype)
                refused[name] = r.status_code
        files = {"file": (f"{name}.png", data, "image/png")}
        w.send(f"{name} as a form", "PUT", f"{c}/logo", ORG, None, files=files)
    w.sweep("brand", "PATCH", c, ORG, {"primary": "#1a5fb4", "accent": "#e66100", "sponsor_text": "鸣谢 · 某基金会"})
    finish(w, None)
    kept = {k for k, v in refused.items() if v < 400}
    assert kept <= {"16-bit PNG", "1-bit PNG", "CMYK JPEG", "palette PNG", "EXIF garbage", "animated WebP",
                    "PNG then a ZIP"}, kept
    r = w.c.put(f"{c}/logo", headers={**ORG, "content-type": "image/png"}, content=_image("PNG"))
    assert r.status_code == 200 and r.json()["brand"]["logo"], r.text


# ---------------------------------------------------------------------- the organizer's files: CSV / XLSX imports

def _xlsx(rows: list[list[Any]], **extra_sheets: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    for name, sheet in extra_sheets.items():
        ws = wb.create_sheet(name)
        for row in sheet:
            ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _zip(parts: dict[str, bytes]) -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return out.getvalue()


def hostile_tables() -> dict[str, tuple[str, bytes]]:
    """(file name, bytes) of tables that are broken, misnamed or strange."""
    import datetime

    good = _xlsx([["编号", "项目名称"], ["X1", "测试项目"]])
    weird_cells = _xlsx([["编号", "项目名称", "申请金额", "姓名", "评审团"],
                         [datetime.datetime(2026, 5, 1), True, -1e308, 3.5, None],
                         [1e308, "=HYPERLINK(\"http://x\")", "5万", "王芳", "专家"], [None, None, None]])
    csv_text = "编号,项目名称,申请金额,姓名,评审团\nX1,测试项目,5万,王芳,专家\n"
    return {
        "empty csv": ("p.csv", b""), "empty xlsx": ("p.xlsx", b""), "BOM only": ("p.csv", b"\xef\xbb\xbf"),
        "header only": ("p.csv", "编号,项目名称\n".encode()), "blank lines": ("p.csv", b"\n\n\r\n,,,\n"),
        "UTF-16": ("p.csv", csv_text.encode("utf-16")), "GBK": ("p.csv", csv_text.encode("gbk")),
        "bytes that are no text": ("p.csv", b"\x80\x81\xfe\xff" * 50), "NUL in a cell": ("p.csv", b"id,name\nX1,A\x00B\n"),
        "CR only": ("p.csv", csv_text.replace("\n", "\r").encode()), "open quote": ("p.csv", b'id,name\nX1,"abc\n'),
        "formula": ("p.csv", "编号,项目名称,姓名,评审团\n=1+1,@SUM(A1),-2,+3\n".encode()),
        "51 columns": ("p.csv", (",".join(f"c{i}" for i in range(60)) + "\n" + ",".join("x" * 60) + "\n").encode()),
        "2001 rows": ("p.csv", ("编号,项目名称\n" + "".join(f"X{i},项目{i}\n" for i in range(2001))).encode()),
        "duplicate ids": ("p.csv", "编号,项目名称,姓名,评审团\nX1,甲,王芳,专家\nX1,乙,王芳,专家\n".encode()),
        "duplicate headers": ("p.csv", "项目名称,项目名称,姓名,姓名\n甲,乙,王芳,李明\n".encode()),
        "truncated xlsx": ("p.xlsx", good[: len(good) // 2]), "xlsx named csv": ("p.csv", good),
        "csv named xlsx": ("p.xlsx", csv_text.encode()), "zip of nothing": ("p.xlsx", _zip({"a.txt": b"hi"})),
        "xlsx without sheets": ("p.xlsx", _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})),
        "xlsx with broken XML": ("p.xlsx", _zip({"[Content_Types].xml": b"<Types", "xl/workbook.xml": b"<<<"})),
        "old xls": ("p.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500), "PNG": ("p.xlsx", _image("PNG")),
        "weird cells": ("p.xlsx", weird_cells), "second sheet only": ("p.xlsx", _xlsx([], 名单=[["编号", "项目名称"]])),
        "no extension": ("projects", csv_text.encode()), "hostile name": ("../../etc/passwd\u202e.csv", csv_text.encode()),
    }


def test_csv_and_xlsx_imports_of_hostile_files(world):
    w = world
    for kind in ("projects", "judges"):
        url = f"/api/contests/c1/import/{kind}"
        for name, (filename, data) in hostile_tables().items():
            for dry in ("1", "0", "\u0000", "否"):
                w.send(f"{kind} {name} dry={dry}", "POST", url, ORG, None, files={"file": (filename, data)},
                       data={"dry_run": dry})
            w.send(f"{kind} {name} as text", "POST", url, ORG,
                   json.dumps({"csv": data.decode("utf-8", "replace"), "dry_run": 0}).encode())
        w.send(f"{kind} no file", "POST", url, ORG, None, files={"other": ("x.csv", b"a")})
        w.send(f"{kind} file is text", "POST", url, ORG, None, data={"file": "编号,项目名称\nX1,甲\n"})
        w.send(f"{kind} two files", "POST", url, ORG, None,
               files=[("file", ("a.csv", b"\xff\xfe")), ("file", ("b.csv", b"id,name\n"))])
        w.send(f"{kind} multipart without boundary", "POST", url, ORG, b"--x\r\n\r\n", content_type="multipart/form-data")
        w.sweep(f"{kind} as json", "POST", url, ORG, {"csv": "编号,项目名称,姓名,评审团\nX1,测试,王芳,专家\n", "dry_run": 1})
    finish(w, None)
    r = w.c.post("/api/contests/c1/import/judges", headers=ORG, json={"csv": "姓名,评审团\n王芳,专家\n", "dry_run": 1})
    assert r.status_code == 200 and r.json()["rows"][0]["name"] == "王芳", r.text


# ---------------------------------------------------------------------- the organizer's files: JSON archives

ARCHIVE_WRONG = ["null", "-1", '"二十"', "[]"]


def resealed(doc: Any) -> bytes:
    from judging.exports.archive import checksum

    if isinstance(doc, dict):
        try:
            doc["sha256"] = checksum(doc)
        except Exception:  # a shape checksum() cannot read: sent as it is
            pass
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def archive_variants(good: dict) -> Iterator[tuple[str, bytes]]:
    """The archive with each field (two levels into objects, the first item of lists) wrong or missing, the
    checksum recomputed so the import reads past it; then duplicate ids, other versions, other shapes."""
    deeper = [("contest", "projects", 0), ("contest", "judges", 0), ("contest", "rules"), ("contest", "recusals", 0),
              ("audience", "ballots", 0), ("audience", "codes", 0), ("state", "history", 0)]
    paths = list(_paths(good, depth=1))
    for where in deeper:
        holder: Any = good
        try:
            for step in where:
                holder = holder[step]
        except (KeyError, IndexError, TypeError):
            continue
        paths += list(_paths(holder, where, depth=len(where)))
    for path in paths:
        if path[0] == "sha256":
            continue
        for wrong in ARCHIVE_WRONG + [MISSING]:
            doc = copy.deepcopy(good)
            holder = doc
            for step in path[:-1]:
                holder = holder[step]
            if wrong is MISSING:
                if isinstance(holder, list):
                    continue
                del holder[path[-1]]
            else:
                holder[path[-1]] = json.loads(wrong)
            yield ".".join(map(str, path)) + f"={'missing' if wrong is MISSING else wrong}", resealed(doc)
    for key in ("projects", "judges", "marks", "audit", "submissions", "recusals"):
        for where in (good, good.get("contest", {})):
            if isinstance(where.get(key), list) and where[key]:
                doc = copy.deepcopy(good)
                holder = doc if where is good else doc["contest"]
                holder[key] = holder[key] + holder[key][:1]
                yield f"duplicate {key}", resealed(doc)
    for version in (0, 2, 99, -1, "1", 1.5, None, 10 ** 15):
        yield f"version {version}", resealed({**copy.deepcopy(good), "version": version})
    raw = json.dumps(good, ensure_ascii=False).encode("utf-8")
    for cut in (1, 100, len(raw) // 2, len(raw) - 1):
        yield f"truncated at {cut}", raw[:cut]
    for shape in ([good], {"archive": good}, {"format": "roadshow-judging-archive"}, {"format": 5, "version": 1},
                  {"format": "roadshow-judging-archive", "version": 1, "contest": []},
                  {**good, "contest": {**good["contest"], "id": "a1 / ../"}}):
        yield "shape", resealed(copy.deepcopy(shape))


def test_json_archive_imports_of_hostile_archives(world):
    w = world
    good = json.loads(w.c.get(f"/api/contests/{CID}/export/archive.json", headers=ORG).content)
    w.fingerprint, w.baseline = db_counts, None  # the accepted variants add a contest each: a full dump would grow
    n = 0
    for label, body in archive_variants(good):
        n += 1
        w.send(f"archive {label}", "POST", f"/api/contests/import?as=imp{n}", ORG, body)
    for q in ("?as=%00", "?as=" + "x" * 300, "?as=a1", "?as=", "?as=%ED%A0%80", "?as=imp&as=imp2"):
        w.send("archive as", "POST", "/api/contests/import" + q, ORG, resealed(copy.deepcopy(good)))
    assert n > 200
    finish(w, None)
    # fields the import reads are refused when of the wrong type; fields it ignores (exported_at …) may be anything
    assert not {"contest.regular_round=-1", "state.round=null", "state.version=null", "state.holding=-1"} & \
        {a.split(" ")[1] for a in w.accepted}, w.accepted
    r = w.c.post("/api/contests/import?as=fine1", headers=ORG, content=resealed(copy.deepcopy(good)))
    assert r.status_code == 201, r.text


# ---------------------------------------------------------------------- sockets with valid tokens, garbage frames

GARBAGE_FRAMES: list[str | bytes] = [
    b"\x00\x01binary", b"\xed\xa0\x80", b"\xff" * 70_000, "", " ", "{", "null", "[]", "[1,2,3]", '"ping"', "17",
    '{"type": null}', '{"type": ["ping"]}', '{"type": "submit", "marks": {"need": 1e309}}', '{"type": "hello"}',
    '{"type": "' + "x" * 100_000 + '"}', "x" * 1_000_000, '{"type": "ping", "x": "\\ud800\\u0000"}',
    "[" * 10_000 + "]" * 10_000, '{"type": "subscribe", "channel": "a1/console"}', "\u0000",
]


def _garbage_then_ping(client, path: str) -> None:
    with client.websocket_connect(path) as ws:
        first = ws.receive_json()
        assert first.get("type") in ("state", "audience", "review"), (path, str(first)[:200])
        for frame in GARBAGE_FRAMES:
            if isinstance(frame, bytes):
                ws.send_bytes(frame)
            else:
                ws.send_text(frame)
        ws.send_text('{"type": "ping"}')
        for _ in range(len(GARBAGE_FRAMES) + 5):  # pongs for frames that mention "ping", newer snapshots, then ours
            message = ws.receive_json()
            assert message.get("type") in ("pong", "state", "audience", "ping"), (path, str(message)[:200])
            if message.get("type") == "pong":
                break
        else:
            raise AssertionError(f"{path}: no pong after the garbage")


def test_sockets_with_valid_tokens_take_garbage_frames_and_stay_up(world):
    from tests.test_staff_roles import cookie_session

    w = world
    consoles = [cookie_session(w.c, key["authorization"][7:], "" if role == "organizer" else CID)[0]
                for role, key in [("organizer", ORG), *w.staff.items()]]  # signing in is an audit entry
    before = db_dump(w.db)
    paths = [f"/ws/j/{w.judges['E1']['token']}", f"/ws/j/{w.review_token}", f"/ws/s/{w.screen_token}",
             f"/ws/s/{w.screen_token}?view=watch", f"/ws/s/{w.screen_token}?view=%00&lang=%FF",
             f"/ws/a/{w.audience_token}"]
    for path in paths:
        _garbage_then_ping(w.c, path)
    for cookies in consoles:
        for name, value in cookies.items():
            w.c.cookies.set(name, value)
        _garbage_then_ping(w.c, f"/ws/console/{CID}")
        w.c.cookies.clear()
    assert db_dump(w.db) == before, "frames changed stored data"
    # a socket after all that still opens, and the evening's submit still works
    with w.c.websocket_connect(f"/ws/j/{w.judges['E2']['token']}") as ws:
        assert ws.receive_json()["type"] == "state"
    assert submit_ok(w.c, w.judges["E2"], w.second, EXPERT)["status"] == "saved"


# ---------------------------------------------------------------------- pages and query strings, signed in

def test_pages_with_hostile_query_strings_for_each_caller(world):
    from tests.test_staff_roles import cookie_session

    w = world
    link = w.c.post(f"/api/contests/{CID}/staff", headers=ORG, json={"name": "链接", "role": "viewer"}).json()["link"]
    consoles = {role: cookie_session(w.c, key["authorization"][7:], "" if role == "organizer" else CID)[0]
                for role, key in [("organizer", ORG), *w.staff.items()]}
    w.baseline = None
    public = [f"/s/{w.screen_token}", f"/j/{w.judges['E1']['token']}", f"/j/{w.review_token}", f"/a/{w.audience_token}",
              f"/a/{w.audience_token}/qr.svg", link[link.index("/k/"):], "/", "/login"]
    signed_in = ["/console", f"/console/{CID}", f"/console/{CID}/setup", f"/console/{CID}/audit",
                 f"/console/{CID}/cards", f"/console/{CID}/paper", f"/console/{CID}/tickets"]
    pages = [""] + [q for q in QUERIES if q.startswith(("?view", "?lang", "?page", "?%FF", "?&", "?a="))]
    for q in pages:
        for path in public:
            w.send("public page", "GET", path + q, {})
    for role, cookies in consoles.items():
        for name, value in cookies.items():
            w.c.cookies.set(name, value)
        for q in pages if role == "organizer" else pages[::3]:
            for path in signed_in:
                w.send(f"{role} page", "GET", path + q, {})
        # methods an address does not take, and forms that are not forms
        for method, path in (("POST", f"/console/{CID}"), ("PUT", "/login"), ("DELETE", f"/s/{w.screen_token}"),
                             ("PATCH", f"/api/contests/{CID}/results"), ("PUT", "/api/judge/submit")):
            w.send(f"{role} wrong method", method, path, {"x-csrf-token": "x"})
        for body, ctype in ((b"--x\r\n\r\n", "multipart/form-data"), (b"--B\r\nbroken", "multipart/form-data; boundary=B"),
                            (b"key=%ZZ&next=%00", "application/x-www-form-urlencoded"), (b"\xff\xfe", "text/plain")):
            w.send(f"{role} bad form", "POST", "/login", {}, body, content_type=ctype)
            w.send(f"{role} bad logout", "POST", "/logout", {}, body, content_type=ctype)
        w.c.cookies.clear()
    finish(w, None)
    assert w.c.get(f"/s/{w.screen_token}?view=watch&lang=en").status_code == 200


# ---------------------------------------------------------------------- the organizer's own routes, field by field

def test_the_organizers_routes_with_each_field_of_the_wrong_type(world):
    w = world
    c1 = "/api/contests/c1"
    project = {"id": "P1", "name": "甲项目", "organization": "机构", "community": "社区", "track": "", "requested": 1000}
    judge = {"id": "E1", "name": "王芳", "panel": "expert"}
    new = {"id": "n{uid}", "name": "新大赛", "rules_preset": "expert_public.toml", "projects": [project],
           "judges": [judge, {"id": "U1", "name": "李明", "panel": "public"}], "recusals": [{"judge": "U1", "project": "P1"}],
           "order": ["P1"], "timer_seconds": 300, "date": "2026-05-01", "venue": "礼堂"}
    rules = w.c.get(f"{c1}/rules.toml", headers=ORG).text
    routes = [
        ("POST", "/api/contests", new),
        ("PATCH", c1, {"name": "决赛", "timer_seconds": 240, "date": "2026-05-01", "venue": "礼堂",
                       "recusals": [{"judge": "U03", "project": "P03"}], "rules_name": "r.toml", "rules_text": rules}),
        ("PATCH", c1, {"projects": [project, {**project, "id": "P2"}], "judges": [judge]}),
        ("POST", f"{c1}/order", {"order": ["P01", "P02"]}),
        ("POST", f"{c1}/draw", {"seed": "2026"}),
        ("POST", f"{c1}/staff", {"name": "新同事", "role": "viewer"}),
        ("POST", f"{c1}/duplicate", {"id": "d{uid}", "name": "副本", "date": "2026-06-01", "venue": "礼堂"}),
        ("POST", f"{c1}/rehearsal", {"on": True}),
        ("POST", f"{c1}/reset", {"confirm": "c1", "new_judge_tokens": False}),
        ("DELETE", "/api/contests/rev", {"confirm": "rev"}),
        ("POST", "/api/contests/rev/review", {"action": "deadline", "deadline": time.time() + 3600}),
        ("POST", "/api/contests/rev/stages", {"id": "s{uid}", "kind": "live", "label": "决赛", "rules_text": rules,
                                               "judges": [judge]}),
        ("POST", f"/api/contests/{CID}/audience/codes", {"count": 3}),
        ("POST", f"/api/contests/{CID}/audience", {"action": "join_show"}),
        ("POST", f"/api/contests/{CID}/marks/correct", {"project": w.first, "round": "final", "judge": "E3",
                                                       "marks": {**EXPERT, "team": 14}, "reason": "录入错误"}),
        ("POST", f"{c1}/stage", {"kind": "review", "label": "初审"}),
    ]
    w.fingerprint, w.baseline = db_counts, None  # accepted variants add contests: a full dump would grow with them
    for method, path, body in routes:  # the raw hostile bodies with the organizer key: tests/test_input_hygiene.py
        w.sweep(f"organizer {method} {path}", method, path, ORG, body, raw=False)
    assert w.sent > 1000
    for path in ("/api/sessions/%00", "/api/sessions/" + "f" * 5000, f"/api/contests/{CID}/staff/%ED%A0%80",
                 f"/api/contests/{CID}/brand/sponsors/{'0' * 64}", f"/api/contests/{CID}/brand/sponsors/..%2F..%2F"):
        w.send("organizer delete", "DELETE", path, ORG)
    finish(w, None)
    # a text field given a number, a list or an object is refused, never stored as the text "[]" or "7"
    text_fields = {"name", "id", "rules_name", "venue", "date", "role"} | {f"projects.0.{k}" for k in (
        "id", "name", "organization", "community", "track")} | {f"judges.0.{k}" for k in ("id", "name", "panel")}
    assert not_text_taken(w, text_fields) == []
    assert w.c.get("/api/contests", headers=ORG).status_code == 200


# ---------------------------------------------------------------------- marks and projects files (run.py score)

MARKS_HEADER = "project,round,panel,judge,criterion,score"


@pytest.mark.parametrize("name, marks", [
    ("empty", b""), ("header only", MARKS_HEADER.encode()), ("not UTF-8", b"\xff\xfe\x00p\x00r"),
    ("UTF-16", (MARKS_HEADER + "\nP1,final,public,U1,overall,80\n").encode("utf-16")),
    ("NUL", (MARKS_HEADER + "\nP1,final,public,U\x001,overall,80\n").encode()),
    ("huge score", (MARKS_HEADER + "\nP1,final,public,U1,overall,1e309\n").encode()),
    ("nan", (MARKS_HEADER + "\nP1,final,public,U1,overall,nan\n").encode()),
    ("short row", (MARKS_HEADER + "\nP1,final\n").encode()), ("open quote", (MARKS_HEADER + '\n"P1,final').encode()),
    ("long cell", (MARKS_HEADER + "\n" + "P" * 200_000 + ",final,public,U1,overall,80\n").encode()),
    ("factor text", (MARKS_HEADER + ",factor\nP1,final,public,U1,overall,80,x\n").encode()),
    ("xlsx", _xlsx([[MARKS_HEADER]])), ("binary", bytes(range(256)) * 20),
])
def test_run_py_score_refuses_hostile_marks_files_with_code_2(tmp_path, capsys, name, marks):
    from judging.cli.main import main

    path = tmp_path / "marks.csv"
    path.write_bytes(marks)
    projects = tmp_path / "projects.csv"
    projects.write_bytes(marks)  # the same bytes as the projects file too
    rules = Path("scoring_rules/expert_public.toml")
    for extra in ([], ["--projects", str(projects)]):
        code = main(["score", "--rules", str(rules), "--marks", str(path), *extra])
        err = capsys.readouterr().err
        assert code == 2 and err.strip() and "Traceback" not in err, (name, extra, code, err[-300:])


@pytest.mark.parametrize("body", [b"[]", b"null", b'{"format": "roadshow-judging-archive", "version": 1, "contest": NaN}',
                                  b'{"x": 1e400}', b'{"x": "\\ud800"}', b"[" * 100_000 + b"]" * 100_000, b"\xff\xfe",
                                  b'{"format": "roadshow-judging-archive", "version": 1, "contest": {"id": []}}'])
def test_run_py_import_refuses_hostile_archives_with_code_2(tmp_path, capsys, body):
    from judging.cli.main import main

    path = tmp_path / "archive.json"
    path.write_bytes(body)
    code = main(["import", "--db", str(tmp_path / "cli.db"), str(path)])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and "Traceback" not in err, (code, err[-300:])
