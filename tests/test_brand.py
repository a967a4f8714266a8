"""Branding: the logo upload (re-encoded, metadata stripped, bounded; refusals store nothing), the colours
(#rrggbb with WCAG AA contrast), the sponsor line and logos, the versioned image URL and its cache headers,
removal, the big screen's snapshot, and a restart keeping it all."""

from __future__ import annotations

import io
import sqlite3
import struct
import zlib

import pytest
from PIL import Image

from judging.core.brand import AA, ON_PRIMARY, STAGE, check_colour, contrast, nearest_usable, sponsor_names
from judging.inputs.brand_image import MAX_BYTES, MAX_PIXELS
from tests.helpers import ORG, make_client

LOGO = "/api/contests/c1/brand/logo"


def png_bytes(size=(1600, 600), colour=(200, 30, 30), **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG", **save)
    return out.getvalue()


def jpeg_with_exif(size=(640, 480)) -> bytes:
    im = Image.new("RGB", size, (20, 90, 200))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam Maker"      # Make
    exif[0x8298] = "Owner Name Copyright"  # Copyright
    out = io.BytesIO()
    im.save(out, format="JPEG", exif=exif, comment=b"hidden comment")
    return out.getvalue()


def bomb_png(w=30000, h=30000) -> bytes:
    """A small PNG whose header claims w×h pixels (its data is a few KB of zeros)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = zlib.compress(b"\x00" * (w // 8 + 1) * 64)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", raw) + chunk(b"IEND", b""))


def brand_rows(db) -> tuple[int, int]:
    con = sqlite3.connect(db)
    try:
        return (con.execute("SELECT COUNT(*) FROM brands").fetchone()[0],
                con.execute("SELECT COUNT(*) FROM brand_images").fetchone()[0])
    finally:
        con.close()


@pytest.fixture
def db(tmp_path):
    return tmp_path / "brand.db"


def test_png_is_reencoded_scaled_and_served_with_an_immutable_versioned_url(db):
    with make_client(db) as client:
        r = client.put(LOGO, headers={**ORG, "content-type": "image/png"}, content=png_bytes())
        assert r.status_code == 200, r.text
        logo = r.json()["brand"]["logo"]
        assert (logo["width"], logo["height"]) == (800, 300)  # fits 800×400, aspect kept
        assert logo["url"] == f"/brand/c1/{logo['sha256']}.png"
        got = client.get(logo["url"])
        assert got.status_code == 200 and got.headers["content-type"] == "image/png"
        assert "immutable" in got.headers["cache-control"] and "max-age=31536000" in got.headers["cache-control"]
        import hashlib
        assert hashlib.sha256(got.content).hexdigest() == logo["sha256"]
        assert client.get(logo["url"], headers={"if-none-match": got.headers["etag"]}).status_code == 304
        assert client.get(f"/brand/c1/{'0' * 64}.png").status_code == 404
        # the big screen's snapshot names it
        assert client.get("/api/contests/c1/brand", headers=ORG).json()["brand"]["logo"]["sha256"] == logo["sha256"]


def test_jpeg_metadata_is_stripped(db):
    data = jpeg_with_exif()
    assert b"SecretCam" in data and b"hidden comment" in data
    with make_client(db) as client:
        r = client.put(LOGO, headers={**ORG, "content-type": "image/jpeg"}, content=data)
        assert r.status_code == 200, r.text
        png = client.get(r.json()["brand"]["logo"]["url"]).content
    assert png.startswith(b"\x89PNG") and b"SecretCam" not in png and b"hidden comment" not in png
    im = Image.open(io.BytesIO(png))
    assert im.format == "PNG" and not im.getexif() and set(im.info) <= {"dpi", "gamma"}  # no text chunks, no exif
    assert b"tEXt" not in png and b"eXIf" not in png and b"iTXt" not in png


def test_a_polyglot_loses_what_follows_the_image(db):
    data = png_bytes((100, 50)) + b"<html><script>alert(1)</script></html>"
    with make_client(db) as client:
        r = client.put(LOGO, headers=ORG, content=data)
        assert r.status_code == 200
        assert b"<script>" not in client.get(r.json()["brand"]["logo"]["url"]).content


@pytest.mark.parametrize("name,data,status,words", [
    ("text", b"hello, this is not an image at all", 422, "不是 PNG"),
    ("svg", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', 422, "SVG"),
    ("html", b"<!doctype html><html><body>x</body></html>", 422, "SVG"),
    ("gif", b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00"
            b"\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;", 422, "不是 PNG"),
    ("truncated", png_bytes((400, 400), (1, 2, 3))[:200], 422, "损坏"),
    ("empty", b"", 422, "请选择"),
    ("bomb", bomb_png(), 422, "像素太多"),
])
def test_bad_uploads_are_refused_and_nothing_is_stored(db, name, data, status, words):
    with make_client(db) as client:
        r = client.put(LOGO, headers=ORG, content=data)
        assert r.status_code == status, (name, r.status_code, r.text)
        assert words in r.json()["error"]
        assert client.get("/api/contests/c1/brand", headers=ORG).json()["brand"]["logo"] is None
        audit = client.get("/api/contests/c1/audit", headers=ORG).json()
        assert not [e for e in audit["entries"] if e["action"].startswith("brand.")]
    assert brand_rows(db) == (0, 0)


def test_bomb_just_over_the_pixel_limit_is_refused_from_its_header(db):
    side = int(MAX_PIXELS ** 0.5) + 10
    with make_client(db) as client:
        r = client.put(LOGO, headers=ORG, content=bomb_png(side, side))
        assert r.status_code == 422 and "百万像素" in r.json()["error"]


def test_oversize_upload_is_refused_before_it_is_read(db):
    with make_client(db) as client:
        just_over = b"\x89PNG\r\n\x1a\n" + b"\x00" * MAX_BYTES  # over 2 MB, under the 2 MiB body limit
        r = client.put(LOGO, headers=ORG, content=just_over)
        assert r.status_code == 413 and r.json()["error"].startswith("图片太大：最大 2 MB"), r.text
        r = client.post("/api/contests/c1/brand/sponsors", headers=ORG, content=just_over)
        assert r.status_code == 413 and "图片太大" in r.json()["error"]
        r = client.put(LOGO, headers=ORG, content=b"\x00" * (3 * 1024 * 1024))  # the body limit answers first
        assert r.status_code == 413 and "请求太大" in r.json()["error"]
    assert brand_rows(db) == (0, 0)


async def test_the_size_is_judged_from_content_length_before_any_body_is_read(db):
    """The handler answers 413 from the header alone: it never asks for the body."""
    from starlette.requests import Request
    from judging.web import brand_api

    async def receive():
        raise AssertionError("the body was read")
    scope = {"type": "http", "method": "PUT", "path": LOGO, "headers": [(b"content-length", str(MAX_BYTES + 1).encode())],
             "query_string": b""}
    with pytest.raises(brand_api._TooLarge):
        await brand_api._image_body(Request(scope, receive))


def test_reencode_refuses_oversize_bytes_itself():
    from judging.inputs.brand_image import ImageRefused, reencode
    with pytest.raises(ImageRefused, match="图片太大"):
        reencode(png_bytes((10, 10)) + b"\x00" * MAX_BYTES)


def test_logo_removal_and_replacement(db):
    with make_client(db) as client:
        first = client.put(LOGO, headers=ORG, content=png_bytes((300, 100))).json()["brand"]["logo"]
        second = client.put(LOGO, headers=ORG, content=png_bytes((300, 100), (0, 128, 0))).json()["brand"]["logo"]
        assert first["sha256"] != second["sha256"]
        assert client.get(first["url"]).status_code == 404  # the old address no longer serves
        r = client.delete(LOGO, headers=ORG)
        assert r.status_code == 200 and r.json()["brand"]["logo"] is None
        assert client.get(second["url"]).status_code == 404
        assert client.delete(LOGO, headers=ORG).status_code == 404
        actions = [e["action"] for e in client.get("/api/contests/c1/audit", headers=ORG).json()["entries"]]
        assert actions.count("brand.logo") == 2 and "brand.logo_remove" in actions
    assert brand_rows(db) == (0, 0)


def test_uploads_need_the_organizer(db):
    with make_client(db) as client:
        assert client.put(LOGO, content=png_bytes((10, 10))).status_code == 401
        assert client.patch("/api/contests/c1/brand", json={"primary": "#123456"}).status_code == 401
        assert client.put("/api/contests/nope/brand/logo", headers=ORG, content=png_bytes((10, 10))).status_code == 404


# ------------------------------------------------------------------ colours

def test_colour_contrast_rule():
    assert contrast("#ffffff", "#000000") == pytest.approx(21.0)
    assert check_colour("primary", "#B3261E") == ("#b3261e", None)
    colour, problem = check_colour("primary", "#ffcc00")  # yellow under white text
    assert colour == "" and "4.5:1" in problem and "对比度" in problem
    near = nearest_usable("#ffcc00", ON_PRIMARY)
    assert near in problem and contrast(near, ON_PRIMARY) >= AA
    assert check_colour("accent", "#ffcf5a")[1] is None
    _, problem = check_colour("accent", "#202840")  # dark on the dark stage
    assert problem and contrast(nearest_usable("#202840", STAGE), STAGE) >= AA
    for bad in ("red", "#12345", "#1234567", "#gggggg", 123):
        assert check_colour("primary", bad)[1] and "#rrggbb" in check_colour("primary", bad)[1]


def test_colours_and_sponsor_line_through_the_api(db):
    with make_client(db) as client:
        url = "/api/contests/c1/brand"
        r = client.patch(url, headers=ORG, json={"primary": "#ffcc00"})
        assert r.status_code == 422 and "WCAG" in r.json()["error"] and "primary" in r.json()["errors"]
        assert client.patch(url, headers=ORG, json={"accent": "blue"}).status_code == 422
        assert client.patch(url, headers=ORG, json={}).status_code == 422
        assert brand_rows(db) == (0, 0)
        r = client.patch(url, headers=ORG, json={"primary": "#1F4E79", "accent": "#FFD166",
                                                 "sponsor_text": "主办：某某街道；承办：某某社会组织服务中心、某某基金会"})
        assert r.status_code == 200, r.text
        b = r.json()["brand"]
        assert (b["primary"], b["accent"], b["on_primary"]) == ("#1f4e79", "#ffd166", "#ffffff")
        screen = client.get("/api/contests/c1", headers=ORG)
        assert screen.status_code == 200
        # a key left out keeps its value; "" restores the house colour
        b = client.patch(url, headers=ORG, json={"accent": ""}).json()["brand"]
        assert b["primary"] == "#1f4e79" and b["accent"] == ""
        too_many = "、".join(f"单位{i}" for i in range(13))
        r = client.patch(url, headers=ORG, json={"sponsor_text": too_many})
        assert r.status_code == 422 and "12" in r.json()["error"]
        assert client.patch(url, headers=ORG, json={"sponsor_text": "主办\u202e某某"}).status_code == 422
        assert client.patch(url, headers=ORG, json={"sponsor_text": "x" * 201}).status_code == 422
        assert client.get(url, headers=ORG).json()["brand"]["sponsor_text"].startswith("主办：某某街道")


def test_sponsor_names_are_counted_without_their_roles():
    assert sponsor_names("主办：甲街道；承办：乙中心、丙基金会") == ["甲街道", "乙中心", "丙基金会"]
    assert sponsor_names("Tencent Foundation, 某某基金会") == ["Tencent Foundation", "某某基金会"]


def test_sponsor_logos_up_to_six(db):
    with make_client(db) as client:
        url = "/api/contests/c1/brand/sponsors"
        shas = []
        for i in range(6):
            r = client.post(url, headers=ORG, content=png_bytes((120, 60), (i * 30, 10, 10)))
            assert r.status_code == 200, r.text
            shas.append(r.json()["brand"]["sponsors"][-1]["sha256"])
        r = client.post(url, headers=ORG, content=png_bytes((120, 60), (1, 250, 1)))
        assert r.status_code == 422 and "最多 6" in r.json()["error"]
        r = client.delete(f"{url}/{shas[2]}", headers=ORG)
        assert r.status_code == 200 and [s["sha256"] for s in r.json()["brand"]["sponsors"]] == shas[:2] + shas[3:]
        assert client.delete(f"{url}/{shas[2]}", headers=ORG).status_code == 404
        assert client.get(f"/brand/c1/{shas[0]}.png").status_code == 200
    assert brand_rows(db) == (1, 5)


def test_branding_survives_a_restart_and_reaches_the_screen_snapshot(db):
    with make_client(db) as client:
        client.patch("/api/contests/c1/brand", headers=ORG, json={"primary": "#1f4e79", "sponsor_text": "支持单位：某某"})
        logo = client.put(LOGO, headers=ORG, content=png_bytes((200, 100))).json()["brand"]["logo"]
    with make_client(db) as client:
        assert client.get(logo["url"]).status_code == 200
        svc = client.app.state.service
        from judging.live import snapshots
        snap = snapshots.screen(svc, svc.get("c1"))
        assert snap["brand"]["primary"] == "#1f4e79" and snap["brand"]["logo"]["url"] == logo["url"]
        assert snap["brand"]["sponsor_text"] == "支持单位：某某"
        assert "png" not in str(snap["brand"]["logo"].keys())  # URLs, never bytes, in a snapshot
        assert snapshots.watch(svc, svc.get("c1"))["brand"] == snap["brand"]


def test_no_brand_screen_snapshot_says_none(db):
    with make_client(db) as client:
        svc = client.app.state.service
        from judging.live import snapshots
        assert snapshots.screen(svc, svc.get("c1"))["brand"] is None


def test_the_readable_audit_trail_tells_branding_changes(db):
    with make_client(db) as client:
        client.patch("/api/contests/c1/brand", headers=ORG, json={"primary": "#1f4e79"})
        client.put(LOGO, headers=ORG, content=png_bytes((1600, 600)))
        client.delete(LOGO, headers=ORG)
        r = client.get("/api/contests/c1/audit/entries", headers=ORG, params={"kind": "setup", "order": "oldest"})
        assert r.status_code == 200, r.text
        rows = [e for e in r.json()["entries"] if e["action"].startswith("brand.")]
    assert [e["what"] for e in rows] == ["修改配色或赞助单位", "上传大赛标志", "删除大赛标志"]
    assert rows[0]["before"] == "默认样式" and rows[0]["after"] == "主色 #1f4e79"
    assert "标志 800×300" in rows[1]["after"] and "标志" not in rows[2]["after"].replace("主色", "")
    assert all(e["kind"] == "setup" for e in rows)
