"""Strict mode (选票码): a phone must enter a ballot code once, the code is bound to the first device that
uses it, the same code on another phone is refused with the clear message; codes are unique, 8 characters
without 0/O/1/I."""

from __future__ import annotations

from tests.audience_kit import audience_contest, ballot, device, org_action
from tests.helpers import ORG, act, make_client


def _codes(c, cid: str, n: int) -> list[str]:
    r = c.post(f"/api/contests/{cid}/audience/codes", headers=ORG, json={"count": n})
    assert r.status_code == 201, r.text
    return r.json()["codes"]


def test_codes_unique_and_alphabet(tmp_path):
    with make_client(tmp_path / "t.db", demo=False) as c:
        cid, _ = audience_contest(c)
        codes = _codes(c, cid, 500) + _codes(c, cid, 500)
        assert len(set(codes)) == 1000
        assert all(len(x) == 8 and not set(x) & set("0O1I") and x.isalnum() and x.upper() == x for x in codes)
        listed = c.get(f"/api/contests/{cid}/audience/codes", headers=ORG).json()
        assert [x["code"] for x in listed["codes"]] == codes and not any(x["used"] for x in listed["codes"])
        for bad in (0, -1, 5001, "10", True, None):
            r = c.post(f"/api/contests/{cid}/audience/codes", headers=ORG, json={"count": bad})
            assert r.status_code == 422, bad


def test_strict_mode_needs_a_code_and_a_code_is_one_phone(tmp_path):
    with make_client(tmp_path / "t.db", demo=False) as c:
        cid, tok = audience_contest(c)
        codes = _codes(c, cid, 3)
        assert org_action(c, cid, "strict_on").status_code == 200
        act(c, "present", cid=cid, project="P01")
        a, b = device(c, tok), device(c, tok)
        r = ballot(c, tok, a, "score:final:P01", stars=3)
        assert r.status_code == 403 and r.json()["code"] == "code_required"
        r = c.post(f"/api/a/{tok}/code", headers={"x-audience-device": a}, json={"code": "ZZZZZZZZ"})
        assert r.status_code == 404 and r.json()["code"] == "code_unknown"
        typed = codes[0].lower()[:4] + "-" + codes[0].lower()[4:]  # as typed on a phone
        assert c.post(f"/api/a/{tok}/code", headers={"x-audience-device": a}, json={"code": typed}).json() == {"ok": True}
        assert c.post(f"/api/a/{tok}/code", headers={"x-audience-device": a}, json={"code": codes[0]}).status_code == 200
        r = c.post(f"/api/a/{tok}/code", headers={"x-audience-device": b}, json={"code": codes[0]})
        assert r.status_code == 409 and r.json()["code"] == "code_taken"
        assert r.json()["error"].startswith("选票码已在另一部手机上使用")
        assert ballot(c, tok, a, "score:final:P01", stars=3).status_code == 200
        snap = c.get(f"/api/contests/{cid}", headers=ORG).json()["audience"]
        assert snap["strict"] is True and snap["codes"] == {"issued": 3, "used": 1}
        listed = c.get(f"/api/contests/{cid}/audience/codes", headers=ORG).json()["codes"]
        assert [x["used"] for x in listed] == [True, False, False] and set(listed[0]) == {"code", "used"}
        # the voter is the code: its hash, not the device's
        import hashlib, sqlite3
        con = sqlite3.connect(tmp_path / "t.db")
        (voter,) = con.execute("SELECT voter FROM audience_ballots").fetchone()
        con.close()
        assert voter == hashlib.sha256(codes[0].encode()).hexdigest()[:16]
        assert org_action(c, cid, "strict_off").status_code == 200
        assert ballot(c, tok, b, "score:final:P01", stars=2).status_code == 200  # no code needed any more


def test_codes_pdf_prints_every_code(tmp_path):
    import subprocess

    with make_client(tmp_path / "t.db", demo=False) as c:
        cid, tok = audience_contest(c)
        codes = _codes(c, cid, 30)
        assert c.get(f"/api/contests/{cid}/audience/codes.pdf").status_code == 401
        r = c.get(f"/api/contests/{cid}/audience/codes.pdf", headers=ORG)
        assert r.status_code == 200 and r.content.startswith(b"%PDF")
        (tmp_path / "t.pdf").write_bytes(r.content)
        text = subprocess.run(["pdftotext", str(tmp_path / "t.pdf"), "-"], capture_output=True, text=True).stdout
        assert all(f"{x[:4]} {x[4:]}" in text for x in codes) and f"/a/{tok}" in text
        assert text.count("\f") == 2  # 30 tickets: two pages
