"""Hostile or broken input (issue 9, items 2-5): control characters, lone surrogates, marks off the
rubric's step, and compressed spreadsheets that expand to gigabytes.  Every case is a clear 4xx and
nothing stored; none is a 500.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from starlette.routing import Route, WebSocketRoute

from judging.inputs import tables as importing
from judging.inputs.marks_csv import InputError, parse_marks, parse_projects
from judging.core.rules import RulesError, parse_rules
from judging.core.text import DOCUMENT, LINE, LINES, bad_string, text_problem
from tests.conftest import ORGANIZER_KEY
from tests.helpers import EXPERT, ORG, act, contest, make_client, submit_ok


@pytest.fixture
def client(tmp_path):
    with make_client(tmp_path / "hygiene.db", raise_server_exceptions=False) as c:
        yield c


def raw(client, method: str, url: str, body: bytes, headers: dict | None = None):
    return client.request(method, url, content=body, headers={"content-type": "application/json", **(headers or ORG)})


def scoring_open(client) -> dict:
    act(client, "start", "present", "open_scoring")
    return contest(client)


def judge_headers(state: dict, jid: str = "E1") -> dict:
    token = next(j["token"] for j in state["setup"]["judges"] if j["id"] == jid)
    return {"authorization": f"Bearer {token}"}


# ------------------------------------------------------------------ item 2: control characters

def test_the_one_text_check():
    assert text_problem("阳光助老 · 社区食堂", LINE) is None
    for bad in ("A\x00B", "J\x0bV", "tab\there", "new\nline", "del\x7f", "c1\x85", "\ud800", "\ufffe", "\uffff",
                "\u202eevil", "line\u2028sep"):
        assert text_problem(bad, LINE, ("名称", "name")), bad
    assert "名称含有不可见的控制字符" in text_problem("A\x00B", LINE, ("名称", "name"))
    assert "name contains a control character (U+000B)" in text_problem("J\x0bV", LINE, ("名称", "name"))
    assert text_problem("第一行\n第二行\r\n第三行", LINES) is None  # a reason may have lines
    assert text_problem("制表\t符", LINES) and text_problem("A\x00", LINES) and text_problem("\ud800", LINES)
    assert text_problem('name = "x"\r\n\t# 注释\n', DOCUMENT) is None  # a TOML file from Windows
    assert text_problem("x\x0b", DOCUMENT) and text_problem("\ud800", DOCUMENT)
    assert bad_string({"marks": {"\ud800": 1}}) == "marks.(key)"
    assert bad_string({"projects": [{"name": "ok"}, {"name": "A\x00B"}]}) == "projects[1].name"
    assert bad_string({"name": "J\x0bV", "list": ["ok", 1, None]}) is None  # left to the field's own check


@pytest.mark.parametrize("field", ["name", "organization", "community", "track"])
@pytest.mark.parametrize("bad", ["J\x0bV", "A\tB", "A\x1bB", "A\x85B", "A\u202eB", "A\uffffB"])
def test_project_text_with_control_characters_is_refused_naming_the_field(client, field, bad):
    before = contest(client)["setup"]["projects"]
    projects = [dict(p) for p in before]
    projects[2][field] = bad
    r = client.patch("/api/contests/c1", headers=ORG, json={"projects": projects})
    assert r.status_code == 422, r.text
    message = r.json()["errors"][f"projects[2].{field}"]
    assert "字符" in message and "character" in message
    assert contest(client)["setup"]["projects"] == before


def test_judge_and_contest_names_with_control_characters_are_refused(client):
    before = contest(client)["setup"]
    judges = [dict(j) for j in before["judges"]]
    judges[0]["name"] = "J\x0bV"
    r = client.patch("/api/contests/c1", headers=ORG, json={"judges": judges})
    assert r.status_code == 422 and "评委姓名含有不可见的控制字符" in r.json()["errors"]["judges[0].name"]
    r = client.patch("/api/contests/c1", headers=ORG, json={"name": "决\x0b赛"})
    assert r.status_code == 422 and "大赛名称含有不可见的控制字符" in r.json()["errors"]["name"]
    r = client.post("/api/contests", headers=ORG, json={"name": "新\x1f大赛"})
    assert r.status_code == 422 and "name" in r.json()["errors"]
    assert contest(client)["setup"]["judges"] == before["judges"]
    assert len(client.get("/api/contests", headers=ORG).json()["contests"]) == 1


@pytest.mark.parametrize("bad", ["A\x00B", "\ud800", "x\udfff"])
def test_nul_and_lone_surrogates_are_refused_at_the_door(client, bad):
    projects = contest(client)["setup"]["projects"]
    projects[0]["name"] = bad
    body = json.dumps({"projects": projects})  # ensure_ascii: the lone surrogate travels as \ud800, as browsers send it
    r = raw(client, "PATCH", "/api/contests/c1", body.encode())
    assert r.status_code == 400 and "projects[0].name" in r.json()["error"]
    assert contest(client)["setup"]["projects"][0]["name"] != bad


def test_nul_in_rules_preset_and_control_characters_in_rules_text(client):
    r = client.patch("/api/contests/c1", headers=ORG, json={"rules_preset": "standard\x00.toml"})
    assert r.status_code == 400
    r = client.patch("/api/contests/c1", headers=ORG, json={"rules_preset": "standard\x0b.toml"})
    assert r.status_code == 422
    text = client.get("/api/contests/c1/rules.toml", headers=ORG).text
    evil = re.sub(r'^name = "(.*)"$', 'name = "\\1\u202e"', text, count=1, flags=re.M)
    assert evil != text
    r = client.patch("/api/contests/c1", headers=ORG, json={"rules_text": evil})
    assert r.status_code == 422 and "字符" in r.json()["error"]
    r = client.patch("/api/contests/c1", headers=ORG, json={"rules_text": text, "rules_name": "规则\x0b.toml"})
    assert r.status_code == 422 and "rules_name" in r.json()["errors"]
    assert client.get("/api/contests/c1/rules.toml", headers=ORG).text == text
    with pytest.raises(RulesError, match="control character"):
        parse_rules(text.replace("\n", "\n\x0c", 1))


def test_draw_seed_and_correction_reason(client):
    r = client.post("/api/contests/c1/draw", headers=ORG, json={"seed": "2026\x0b"})
    assert r.status_code == 422 and "seed" in r.json()["errors"]
    state = scoring_open(client)
    project = state["current"]["id"]
    for i, j in enumerate(state["setup"]["judges"]):
        marks = EXPERT if j["panel"] == "expert" else {"overall": 80}
        submit_ok(client, j, project, marks, "final", f"reason{i:04d}")
    act(client, "close_scoring", confirm=True)
    body = {"project": project, "judge": "E1", "round": "final", "marks": {**EXPERT, "need": 19}}
    r = client.post("/api/contests/c1/marks/correct", headers=ORG, json={**body, "reason": "录入\t错误"})
    assert r.status_code == 422 and "更正原因含有不可见的控制字符" in r.json()["errors"]["reason"]
    r = client.post("/api/contests/c1/marks/correct", headers=ORG, json={**body, "reason": "第一行\n第二行"})
    assert r.status_code == 200  # line breaks are what a reason is allowed


def test_login_key_with_control_characters_is_a_400_page(client):
    r = client.post("/login", content=b"key=abc%00def", headers={"content-type": "application/x-www-form-urlencoded"},
                    follow_redirects=False)
    assert r.status_code == 400 and "密钥含有不可见的控制字符" in r.text
    r = client.post("/login", data={"key": ORGANIZER_KEY, "next": "/console\x0b"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/console"


def test_imported_names_with_control_characters_are_row_errors(client):
    csv = "编号,项目名称,申报机构\nX1,正常项目,机构\nX2,J\x0bV,机构\nX3,项目,机\x1b构\n"
    r = client.post("/api/contests/c1/import/projects", headers=ORG,
                    files={"file": ("p.csv", csv.encode("utf-8"))}, data={"dry_run": "0"})
    assert r.status_code == 422
    errors = {(e["row"], e["field"]) for e in r.json()["errors"]}
    assert errors == {(3, "name"), (4, "organization")}
    assert all("控制字符" in e["message"] for e in r.json()["errors"])
    assert len(contest(client)["setup"]["projects"]) == 15


def test_xlsx_control_characters_are_row_errors(client):
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "评审团"])
    ws.append(["J\x85V", "专家"])   # C1 characters and tabs are valid XML: a spreadsheet can carry them
    ws.append(["王\t芳", "专家"])
    buf = io.BytesIO()
    wb.save(buf)
    r = client.post("/api/contests/c1/import/judges", headers=ORG,
                    files={"file": ("j.xlsx", buf.getvalue())}, data={"dry_run": "0"})
    assert r.status_code == 422
    assert [(e["row"], e["field"]) for e in r.json()["errors"]] == [(2, "name"), (3, "name")]


def test_cli_csv_files_with_control_characters(tmp_path):
    rules = parse_rules(Path("scoring_rules/standard.toml").read_text(encoding="utf-8"))
    panel = rules.panels[0]
    crit = panel.criterion_ids[0]
    good = f"project,round,panel,judge,criterion,score\nP1,final,{panel.id},J1,{crit},50\n"
    assert parse_marks(good, rules).marks
    with pytest.raises(InputError, match="control character"):
        parse_marks(good.replace("J1", "J\x0b1"), rules)
    with pytest.raises(InputError, match=":2: .*控制字符"):
        parse_projects("project,name\nP1,A\x00B\n", "p.csv")


def test_cli_archive_with_a_lone_surrogate(client):
    from judging.exports.archive import ArchiveError, read_archive
    data = client.get("/api/contests/c1/export/archive.json", headers=ORG).json()
    data["contest"]["name"] = "\ud800"
    with pytest.raises(ArchiveError, match="contest.name"):
        read_archive(data)


# ------------------------------------------------------------------ item 3: every route, hostile values

HOSTILE_PATH = ["%00", "%ED%A0%80", "%C0%80", "x%0By", "%FF%FE"]
HOSTILE_QUERY = "?project=%00&judge=%ED%A0%80&kind=%0B&order=%00&limit=%00&offset=%ED%A0%80&after_seq=%00" \
                "&before_seq=x&dry_run=%00&part=%00&as=%00&next=%00&x=%ED%A0%80"
HOSTILE_BODIES = [
    b'{"marks": {"\\ud800": 1}, "submission_id": "abcdefgh0001", "project": "P01", "round": "final"}',
    b'{"name": "\\ud800", "action": "\\ud800", "rules_preset": "a\\u0000b", "seed": "\\udfff", "order": ["\\ud800"]}',
    b'{"projects": [{"id": "P01", "name": "A\\u0000B"}], "judges": [{"id": "\\ud800", "name": "x", "panel": "expert"}]}',
    b'{"action": "start", "project": "\\ud800", "expect_version": 1}',
    b'{"csv": "name\\n\\ud800\\n", "dry_run": 0}',
    b'{"project": "\\u0000", "judge": "\\ud800", "round": "final", "marks": {"a": "\\ud800"}, "reason": "\\ud800"}',
    b'{"format": "roadshow-judging-archive", "contest": {"id": "\\ud800"}}',
    b'\xed\xa0\x80',  # a surrogate encoded as UTF-8 bytes: not valid UTF-8 at all
    b'"\\ud800"',
]


def _routes(app) -> list[tuple[str, str]]:
    out = []
    for route in app.routes:
        if isinstance(route, Route):
            for method in sorted(route.methods or {"GET"}):
                if method != "HEAD":
                    out.append((method, route.path))
    return out


def _fill(path: str, value: str, known: dict[str, str]) -> list[str]:
    """``path`` with every {param} set to ``value``, and with one param at a time hostile, the rest sensible."""
    params = re.findall(r"{(\w+)(?::\w+)?}", path)
    sub = lambda p, chosen: re.sub(r"{(\w+)(?::\w+)?}", lambda m: chosen.get(m.group(1), known.get(m.group(1), "x")), p)
    urls = [sub(path, {p: value for p in params})]
    urls += [sub(path, {p: value}) for p in params]
    return list(dict.fromkeys(urls))


def test_every_route_answers_hostile_values_without_a_500(client):
    state = scoring_open(client)
    jh = judge_headers(state)
    known = {"cid": "c1", "kind": "projects", "op": "correct", "token": jh["authorization"][7:]}
    routes = _routes(client.app)
    assert len(routes) >= 30 and ("POST", "/api/judge/submit") in routes and ("POST", "/login") in routes
    failures = []
    seen = 0
    for method, path in routes:
        for value in HOSTILE_PATH:
            for url in _fill(path, value, known):
                for headers in (ORG, jh):
                    if method in ("GET", "DELETE"):
                        attempts = [client.request(method, url + HOSTILE_QUERY, headers=headers,
                                                   follow_redirects=False)]
                    elif path in ("/login", "/logout"):
                        attempts = [client.request(method, url + HOSTILE_QUERY, content=b"key=%ED%A0%80%00&next=%00",
                                                   headers={"content-type": "application/x-www-form-urlencoded"},
                                                   follow_redirects=False)]
                    else:
                        attempts = [raw(client, method, url + HOSTILE_QUERY, body, headers) for body in HOSTILE_BODIES]
                    for r in attempts:
                        seen += 1
                        if r.status_code >= 500:
                            failures.append((method, url, r.status_code, r.text[:120]))
    assert seen > 500
    assert not failures, failures[:10]
    # and the evening goes on: the real contest is intact and still takes a valid submission
    r = client.post("/api/judge/submit", headers=jh, json={"submission_id": "afterfuzz01", "project": state["current"]["id"],
                                                          "round": "final", "marks": EXPERT})
    assert r.status_code == 200 and r.json()["status"] == "saved"


def test_upload_file_names_and_bodies_with_hostile_bytes(client):
    name = "项目\x00名单\udc80.csv".encode("utf-8", "surrogateescape")
    body = (b'--B\r\nContent-Disposition: form-data; name="file"; filename="' + name + b'"\r\n'
            b'Content-Type: text/csv\r\n\r\nname\nA\xed\xa0\x80B\n\r\n--B\r\n'
            b'Content-Disposition: form-data; name="dry_run"\r\n\r\n\xed\xa0\x80\r\n--B--\r\n')
    r = client.post("/api/contests/c1/import/projects", content=body,
                    headers={**ORG, "content-type": "multipart/form-data; boundary=B"})
    assert 400 <= r.status_code < 500, r.text
    assert len(contest(client)["setup"]["projects"]) == 15


def test_sockets_with_hostile_paths_and_messages(client):
    state = contest(client)
    token = judge_headers(state)["authorization"][7:]
    ws_routes = [r.path for r in client.app.routes if isinstance(r, WebSocketRoute)]
    assert len(ws_routes) == 4  # judge, screen, console, audience
    for path in ws_routes:
        for value in ("%00", "%ED%A0%80"):
            with client.websocket_connect(re.sub(r"{\w+}", value, path)) as ws:
                with pytest.raises(Exception):
                    ws.receive_text()  # accepted, then closed 4401
    with client.websocket_connect(f"/ws/j/{token}") as ws:
        json.loads(ws.receive_text())
        ws.send_text('{"type": "ping", "x": "\\ud800\\u0000"}')
        ws.send_bytes(b"\xed\xa0\x80")
        ws.send_text('{"type": "submit", "marks": {"\\ud800": 1}}')  # marks never travel by socket
        ws.send_text('{"type": "ping"}')
        assert json.loads(ws.receive_text())["type"] == "pong"


# ------------------------------------------------------------------ item 4: marks exactly on the rubric's step

def _preset(name: str):
    return parse_rules(Path(f"scoring_rules/{name}").read_text(encoding="utf-8"), name)


@pytest.mark.parametrize("value", [-1e-10, 100.0000000009, 100.00000000001, 17.700000000000003, 33.33, 0.05,
                                   "-0.0000000001", "17.75", "1e400", "NaN", "1_0", "0x10", True])
def test_marks_just_off_the_bounds_or_the_step_are_refused(value):
    from judging.core.model import check_mark_set
    rules = _preset("expert_public.toml")  # 0-100, step 0.1
    clean, errors = check_mark_set(rules, rules.panel("public"), {"overall": value})
    assert errors and not clean, value


@pytest.mark.parametrize("value, stored", [(-0.0, 0.0), ("-0", 0.0), (17.7, 17.7), ("17.70", 17.7), (" 17.7 ", 17.7),
                                           (0.3, 0.3), (100, 100), ("1e1", 10.0), (99.9, 99.9), (0.1 * 3, None)])
def test_marks_on_the_step_are_stored_canonically(value, stored):
    from judging.core.model import check_mark_set
    rules = _preset("expert_public.toml")
    clean, errors = check_mark_set(rules, rules.panel("public"), {"overall": value})
    if stored is None:  # 0.1 * 3 == 0.30000000000000004: a different double, not on the step
        assert errors
        return
    assert not errors and clean["overall"] == stored and repr(clean["overall"]) == repr(float(stored))


def test_steps_above_a_minimum_that_is_not_zero():
    rules = _preset("isu_pcs.toml")  # 0.25-10, step 0.25
    panel = rules.panels[0]
    crit = panel.criterion_ids[0]
    assert [rules.check_mark(panel, crit, v) is None for v in (0.25, 0.5, 9.75, 10, "7.00")] == [True] * 5
    assert [rules.check_mark(panel, crit, v) is None for v in (0, 0.3, 10.25, 0.2500000001)] == [False] * 4


def test_a_judge_posting_minus_zero_or_a_hair_outside_the_bounds(client, tmp_path):
    state = scoring_open(client)
    project = state["current"]["id"]
    headers = judge_headers(state)
    for i, need in enumerate(("-1e-10", "25.0000000009", "-0.0000000001")):
        body = ('{"submission_id": "hair%04d", "project": "%s", "round": "final", "marks": '
                '{"need": %s, "design": 25, "impact": 20, "team": 15}}' % (i, project, need)).encode()
        r = raw(client, "POST", "/api/judge/submit", body, headers)
        assert r.status_code == 422 and "need" in r.json()["errors"], need
    body = ('{"submission_id": "minuszero1", "project": "%s", "round": "final", "marks": '
            '{"need": -0.0, "design": 17.70, "impact": 20, "team": 15}}' % project).encode()
    r = raw(client, "POST", "/api/judge/submit", body, headers)
    assert r.status_code == 200 and r.json()["values"] == {"need": 0, "design": 17.7, "impact": 20, "team": 15}
    import sqlite3
    con = sqlite3.connect(tmp_path / "hygiene.db")
    stored = [json.loads(m) for (m,) in con.execute("SELECT marks FROM marks WHERE submission_id = 'minuszero1'")]
    text = [m for (m,) in con.execute("SELECT marks FROM submissions WHERE submission_id = 'minuszero1'")]
    con.close()
    assert stored == [{"need": 0.0, "design": 17.7, "impact": 20, "team": 15}]
    assert "-0" not in text[0] and "17.7," in text[0]


def test_marks_csv_goes_through_the_same_check():
    rules = _preset("expert_public.toml")
    head = "project,round,panel,judge,criterion,score\n"
    for score in ("-1e-10", "100.0000000009", "17.75", "1_0"):
        with pytest.raises(InputError, match=":2: "):
            parse_marks(head + f"P1,final,public,U1,overall,{score}\n", rules)
    marks = parse_marks(head + "P1,final,public,U1,overall,-0.0\nP1,final,public,U2,overall,17.70\n", rules).marks
    assert [repr(m.score) for m in marks] == ["0.0", "17.7"]


AWKWARD = ["0", "-0", "0.3", "24.9", "25", "25.0", "17.70", ".5", "12.", "-1e-10", "-0.0000000001", "25.0000000009",
           "25.1", "0.05", "22.45", "24.900000000000001", "0.30000000000000004", "abc", ""]  # no "1e1": not typed


@pytest.mark.browser
def test_the_phone_checks_marks_exactly_as_the_server_does(browser, live_server):
    """judge_marks.js and rules.mark_value agree on every awkward value, for a 0.1 and a 0.25 grid."""
    from judging.core.model import check_mark_set
    page = browser.new_page()
    page.goto(f"{live_server.url}/login")
    for preset in ("expert_public.toml", "isu_pcs.toml"):
        rules = _preset(preset)
        panel = rules.panels[0]
        crit = panel.criteria[0]
        rubric = {"min": rules.marks.min, "max": rules.marks.max, "step": rules.marks.step,
                  "criteria": [{"id": crit.id, "min": rules.marks.min, "max": crit.max, "weight": 1}]}
        values = AWKWARD + [repr(crit.max), repr(rules.marks.min), repr(rules.marks.min + rules.marks.step / 2)]
        phone = page.evaluate("""async ([rubric, values]) => {
          const m = await import('/static/judge_marks.js');
          return values.map((v) => {
            const e = m.checkMark(v, rubric.criteria[0], rubric);
            return e ? null : m.cleanValues({ [rubric.criteria[0].id]: v }, rubric)[rubric.criteria[0].id];
          });
        }""", [rubric, values])
        server = []
        for v in values:
            clean, errors = check_mark_set(rules, panel, {c.id: (v if c.id == crit.id else c.max) for c in panel.criteria})
            server.append(None if errors else clean[crit.id])
        assert phone == server, list(zip(values, phone, server))
        # what the phone sends is accepted by the server as the same value
        for v in [x for x in phone if x is not None]:
            clean, errors = check_mark_set(rules, panel, {c.id: (v if c.id == crit.id else c.max) for c in panel.criteria})
            assert not errors and clean[crit.id] == v
    page.close()


# ------------------------------------------------------------------ item 5: compressed spreadsheets

def bomb_xlsx(cell_bytes: int, state_size: int | None = None) -> bytes:
    """A valid judges .xlsx whose one name cell holds ``cell_bytes`` of 'A' (streamed: little memory here).
    ``state_size``: the uncompressed size the zip directory claims for that part (a lying header)."""
    from openpyxl import Workbook
    wb = Workbook()
    wb.active.append(["姓名", "评审团"])
    wb.active.append(["PLACEHOLDER", "专家"])
    first = io.BytesIO()
    wb.save(first)
    out = io.BytesIO()
    with zipfile.ZipFile(first) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for info in src.infolist():
            body = src.read(info)
            if b"PLACEHOLDER" not in body:  # the cell's text is in the sheet or in sharedStrings.xml
                dst.writestr(info.filename, body)
                continue
            part = info.filename
            head, tail = body.split(b"PLACEHOLDER")
            with dst.open(part, "w", force_zip64=True) as f:
                f.write(head)
                chunk = b"A" * (1 << 20)
                for _ in range(cell_bytes // len(chunk)):
                    f.write(chunk)
                f.write(b"A" * (cell_bytes % len(chunk)))
                f.write(tail)
    data = bytearray(out.getvalue())
    if state_size is not None:  # patch the central directory's "uncompressed size" of that part
        at = data.find(b"PK\x01\x02")
        while at >= 0:
            name_len = int.from_bytes(data[at + 28:at + 30], "little")
            extra_len = int.from_bytes(data[at + 30:at + 32], "little")
            name = bytes(data[at + 46:at + 46 + name_len])
            if name == part.encode():
                extra = at + 46 + name_len
                if data[at + 24:at + 28] == b"\xff\xff\xff\xff":  # zip64: the size lives in the extra field
                    data[extra + 4:extra + 12] = state_size.to_bytes(8, "little")
                else:
                    data[at + 24:at + 28] = state_size.to_bytes(4, "little")
            at = data.find(b"PK\x01\x02", at + 46 + name_len + extra_len)
    return bytes(data)


def test_a_compressed_spreadsheet_bomb_is_refused_before_it_is_unzipped(client):
    data = bomb_xlsx(50 * 1024 * 1024)
    assert len(data) < 200 * 1024  # 50 MB of one letter: ~50 KB zipped
    with pytest.raises(ValueError, match="解压后过大"):
        importing.read_table(data, "judges.xlsx")
    r = client.post("/api/contests/c1/import/judges", headers=ORG, files={"file": ("judges.xlsx", data)},
                    data={"dry_run": "0"})
    assert r.status_code == 422 and "20 MB" in r.json()["error"]
    assert len(contest(client)["setup"]["judges"]) == len(client.get("/api/contests/c1", headers=ORG)
                                                          .json()["setup"]["judges"])


def test_a_part_compressed_far_beyond_any_list_is_refused():
    data = bomb_xlsx(5 * 1024 * 1024)  # under the 20 MB cap, but 1000× compressed
    with pytest.raises(ValueError, match="压缩比异常"):
        importing.read_table(data, "judges.xlsx")


def test_a_part_that_lies_about_its_size_cannot_grow_past_it():
    data = bomb_xlsx(30 * 1024 * 1024, state_size=2000)
    with pytest.raises(ValueError, match="无法读取 Excel 文件"):
        importing.read_table(data, "judges.xlsx")  # zipfile stops at the stated size, then the CRC fails


def test_long_cells_are_refused_naming_row_and_column(client):
    data = bomb_xlsx(importing.MAX_CELL + 1)
    with pytest.raises(ValueError, match="第 2 行第 1 列的内容超过 1000 个字符"):
        importing.read_table(data, "judges.xlsx")
    assert importing.read_table(bomb_xlsx(importing.MAX_CELL), "judges.xlsx")[1][0] == "A" * importing.MAX_CELL
    csv = "姓名,评审团\n" + "王" * 1001 + ",专家\n"
    r = client.post("/api/contests/c1/import/judges", headers=ORG, json={"csv": csv})
    assert r.status_code == 422 and "第 2 行第 1 列" in r.json()["error"]


def test_a_csv_field_beyond_the_csv_modules_own_limit_is_a_422(client):
    body = b'name,panel\n"' + b"A" * 200_000 + b'",expert\n'
    r = client.post("/api/contests/c1/import/judges", headers=ORG, files={"file": ("j.csv", body)})
    assert r.status_code == 422 and "第" in r.json()["error"]
