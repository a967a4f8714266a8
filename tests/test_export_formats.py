"""The export registry (judging/exports/formats.py) is the one list: the routes, ``run.py export``, the OpenAPI
document and the console's and audit page's export menus offer exactly its formats, and an unknown format is a
clear 404 JSON."""

from __future__ import annotations

import argparse
import re

import pytest

from judging.cli.main import build_parser
from judging.cli.main import main as run_py
from judging.exports import formats
from tests.helpers import EXPERT, ORG, Evening, console_sign_in, make_client

EXPORT_ROUTE = "/api/contests/{cid}/export/{format}"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """The demo contest with its first roadshow scored and shown: every format can be made."""
    db = tmp_path_factory.mktemp("formats") / "formats.db"
    with make_client(db) as c:
        ev = Evening(c)
        ev.act("start")
        ev.roadshow(ev.state["order"][0]["id"], lambda j: EXPERT if j["panel"] == "expert" else {"overall": 80},
                    confirm=True)
        c.db = db  # type: ignore[attr-defined]
        yield c


def test_the_registry_names_each_format_once_with_its_labels_and_cli_flags():
    names = [f.name for f in formats.FORMATS]
    assert len(names) == len(set(names)) and tuple(names) == formats.NAMES
    flags = [(f.cli_format, f.cli_what) for f in formats.FORMATS]
    assert len(flags) == len(set(flags)), "two formats behind the same run.py flags"
    for f in formats.FORMATS:
        assert re.search(r"[\u4e00-\u9fff]", f.zh) and f.en.isascii() and f.en, f
        assert re.search(r"[\u4e00-\u9fff]", f.file_label) and f.summary and "/" in f.media_type, f
        assert callable(f.render) and f.name.endswith("." + f.extension)
    assert {"results.xlsx", "results.csv", "marks.csv", "projects.csv", "scoresheets.pdf", "archive.json",
            "rules.toml", "results-machine.csv", "marks-machine.csv", "projects-machine.csv"} == set(names)


def test_the_app_has_one_export_route_and_it_serves_every_registry_format(client):
    paths = [r.path for r in client.app.routes if "/export/" in getattr(r, "path", "")]
    assert paths == [EXPORT_ROUTE]
    for f in formats.FORMATS:
        r = client.get(f.href("c1"), headers=ORG)
        assert r.status_code == 200, (f.name, r.status_code, r.text[:200])
        assert r.headers["content-type"].split(";")[0] == f.media_type.split(";")[0], f.name
        assert f'filename="c1-{f.name}"' in r.headers["content-disposition"], f.name
        assert r.headers["cache-control"] == "no-store" and r.content, f.name


@pytest.mark.parametrize("name", ["results.docx", "rules.toml.bak", "export", "Results.XLSX"])
def test_an_unknown_format_is_a_404_json_that_lists_the_known_ones(client, name):
    r = client.get(f"/api/contests/c1/export/{name}", headers=ORG)
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/json")
    message = r.json()["error"]
    assert "没有这种导出格式" in message and "unknown export format" in message
    assert all(n in message for n in formats.NAMES)


def test_an_unknown_format_still_needs_the_organizer_and_an_unknown_contest_is_a_404(client):
    assert client.get("/api/contests/c1/export/results.docx").status_code == 401
    r = client.get("/api/contests/nope/export/results.csv", headers=ORG)
    assert r.status_code == 404 and "error" in r.json()


def _export_parser() -> argparse.ArgumentParser:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices["export"]


def test_run_py_export_offers_exactly_the_registry_formats(client):
    options = {a.dest: a for a in _export_parser()._actions}
    assert list(options["format"].choices) == list(dict.fromkeys(f.cli_format for f in formats.FORMATS))
    assert set(options["what"].choices) == {f.cli_what for f in formats.FORMATS if f.cli_what}
    chosen = [formats.from_cli(f.cli_format, f.cli_what).name for f in formats.FORMATS]
    assert chosen == list(formats.NAMES), "each format is reached by its own flags"
    epilog = _export_parser().epilog
    assert all(f.name in epilog for f in formats.FORMATS)


@pytest.mark.parametrize("fmt", formats.FORMATS, ids=lambda f: f.name)
def test_run_py_export_writes_each_registry_format_and_the_texts_match_the_download(client, tmp_path, fmt, capsys):
    out = tmp_path / fmt.name
    flags = ["--format", fmt.cli_format] + (["--what", fmt.cli_what] if fmt.cli_what else [])
    assert run_py(["export", "--db", str(client.db), "--contest", "c1", *flags, "--out", str(out)]) == 0
    assert fmt.name in capsys.readouterr().err
    data = out.read_bytes()
    if fmt.media_type.startswith(("text/", "application/toml")):  # the binary formats carry their build time
        assert data == client.get(fmt.href("c1"), headers=ORG).content
    else:
        assert len(data) > 100


def test_the_openapi_document_lists_exactly_the_registry_formats(client):
    doc = client.get("/api/openapi.json").json()
    assert [p for p in doc["paths"] if "/export/" in p] == [EXPORT_ROUTE]
    op = doc["paths"][EXPORT_ROUTE]["get"]
    (param,) = [p for p in op["parameters"] if p["name"] == "format"]
    assert param["schema"]["enum"] == list(formats.NAMES)
    assert set(op["responses"]["200"]["content"]) == {f.media_type for f in formats.FORMATS}
    assert "404" in op["responses"]


def _menu_links(html: str, marker: str) -> list[str]:
    menu = html[html.index(marker):]
    menu = menu[:menu.index("</details>")]
    return re.findall(r'<a href="([^"]+)"', menu)


@pytest.mark.parametrize("page, marker", [("/console/c1", '<details class="menu" id="exports">'),
                                          ("/console/c1/audit", '<details class="menu">')])
def test_the_console_and_audit_export_menus_link_exactly_the_registry_formats(client, page, marker):
    console_sign_in(client)
    html = client.get(page).text
    assert _menu_links(html, marker) == [f.href("c1") for f in formats.FORMATS]
    for f in formats.FORMATS:
        assert f">{f.zh} <span class=\"en\">{f.en}</span></a>" in html, f.name
