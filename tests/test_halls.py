"""One hall never holds up another (issue 14, several halls): while contest c1's slow export or archive import
is being built, a judge of contest c2 submits and is acknowledged first.

The builders are made slow by blocking them on a threading.Event (not by timing): if one ran on the event
loop, the loop would stop and c2's judge would get no answer until it is released -- the test then fails on
the judge's time-out.  What is asserted is the order of completion: the judge's acknowledgement, then the file.
"""

from __future__ import annotations

import dataclasses
import threading
import uuid

import httpx
import pytest

from judging.app import archive_import
from judging.app.demo import demo_setup
from judging.exports import formats
from judging.exports import snapshot as export_snapshot
from tests.conftest import LiveServer
from tests.helpers import ORG, Evening, create_contest, spread_marks

JUDGE_WAIT = 8.0  # seconds c2's judge waits for the acknowledgement (the blocked builder waits far longer)


class Gate:
    """A function made slow: it waits (in whatever thread runs it) until the test opens the gate."""

    def __init__(self, real) -> None:
        self.real, self.entered, self.opened = real, threading.Event(), threading.Event()

    def __call__(self, *args, **kwargs):
        self.entered.set()
        self.opened.wait(60)
        return self.real(*args, **kwargs)


def slow_marks_csv(monkeypatch) -> Gate:
    gate = Gate(export_snapshot.marks_machine_csv)
    monkeypatch.setattr(export_snapshot, "marks_machine_csv", gate)
    return gate


def slow_export(monkeypatch) -> Gate:
    real_get = formats.get
    gate = Gate(real_get("results.xlsx").render)
    monkeypatch.setattr(formats, "get", lambda name: dataclasses.replace(real_get(name), render=gate))
    return gate


def slow_rows(monkeypatch) -> Gate:
    """The export's read of the contest's audit log and submissions (a big contest's thousands of rows)."""
    from judging.storage import repository_halls
    gate = Gate(repository_halls.export_rows)
    monkeypatch.setattr(repository_halls, "export_rows", gate)
    return gate


def slow_import(monkeypatch) -> Gate:
    gate = Gate(archive_import.read_archive)
    monkeypatch.setattr(archive_import, "read_archive", gate)
    return gate


def slow_request(http: httpx.Client, kind: str, archive: dict) -> httpx.Response:
    if kind == "import":
        return http.post("/api/contests/import?as=c9", headers=ORG, json=archive)
    path = "/api/contests/c1/marks.csv" if kind == "marks.csv" else "/api/contests/c1/export/results.xlsx"
    return http.get(path, headers=ORG)


@pytest.mark.parametrize("kind, make_slow", [("marks.csv", slow_marks_csv), ("export", slow_export),
                                             ("export rows", slow_rows), ("import", slow_import)])
def test_a_judge_of_another_hall_is_acknowledged_while_a_slow_file_is_built(tmp_path, monkeypatch, kind, make_slow):
    with LiveServer(str(tmp_path / "halls.db")) as server, \
            httpx.Client(base_url=server.url, timeout=60) as http:
        archive = http.get("/api/contests/c1/export/archive.json", headers=ORG).json()
        create_contest(http, demo_setup("第二会场"))
        drawn = http.post("/api/contests/c2/draw", headers=ORG, json={"seed": "halls"})
        assert drawn.status_code == 200, drawn.text
        evening = Evening(http, "c2", drawn.json())
        first = evening.state["order"][0]["id"]
        evening.act("start")
        evening.act("present", project=first)
        evening.act("open_scoring")
        gate = make_slow(monkeypatch)
        done: list[str] = []
        answers: dict[str, httpx.Response] = {}

        def hall_one() -> None:
            answers["slow"] = slow_request(http, kind, archive)
            done.append("slow file")

        worker = threading.Thread(target=hall_one)
        worker.start()
        try:
            assert gate.entered.wait(20), "the slow builder was never reached"
            judge = evening.judges[0]
            with httpx.Client(base_url=server.url, timeout=JUDGE_WAIT) as phone:
                r = phone.post("/api/judge/submit", headers={"authorization": f"Bearer {judge['token']}"},
                               json={"submission_id": uuid.uuid4().hex, "project": first, "round": "final",
                                     "marks": spread_marks(judge, 0.8, 0)})
            assert r.status_code == 200, r.text
            done.append("judge acknowledged")
        finally:
            gate.opened.set()
            worker.join(60)
        assert done == ["judge acknowledged", "slow file"]
        assert answers["slow"].status_code in (200, 201), answers["slow"].text[:300]
