"""Money and tracks (赛道): one money format, amounts as organizers write them, grants never above the
request, tracks that never multiply the budget, and tie notes the big screen shows.

Each test failed on the code before issue 9 (items 10-13 and 18): 10 tracks gave 10 一等奖 and twice
the budget, a project that asked ¥80,000.5 got ¥250,000, ``#,##0`` showed it as 80,001, ``¥30000``
was refused, and the screen never said how a tie was settled.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from starlette.testclient import TestClient

from judging.demo import demo_setup
from judging.model import parse_amount
from judging.money import money_text, xlsx_money_format
from judging.web.app import create_app
from tests.conftest import ORGANIZER_KEY

ORG = {"authorization": f"Bearer {ORGANIZER_KEY}"}


@pytest.fixture
def client(tmp_path):
    with TestClient(create_app(str(tmp_path / "money.db"), organizer_key=ORGANIZER_KEY, demo=True)) as c:
        yield c


def contest(client, cid: str = "c1") -> dict:
    return client.get(f"/api/contests/{cid}", headers=ORG).json()


# ------------------------------------------------------------------ item 13: amounts as organizers write them

@pytest.mark.parametrize("text, value", [
    ("¥30000", 30000), ("￥30000", 30000), ("¥30,000", 30000), ("￥３００００", 30000), ("30,000元", 30000),
    ("3万元", 30000), ("￥3万", 30000), ("RMB 30000", 30000), ("人民币 2万元", 20000), ("80,000.5", 80000.5),
    ("３万", 30000), ("30，000", 30000), (" 4.5 万元 ", 45000),
])
def test_amounts_with_currency_signs_and_full_width_digits_are_read(text, value):
    assert parse_amount(text) == value


@pytest.mark.parametrize("text", ["三万", "¥", "30000 40000", "1e5", "0x10", "1,2,3", "30000.123", "¥-5", "abc元",
                                  "nan", "万"])
def test_garbage_amounts_are_refused_with_a_reason(text):
    with pytest.raises(ValueError) as e:
        parse_amount(text)
    assert "/" in str(e.value) and any("\u4e00" <= ch <= "\u9fff" for ch in str(e.value)), "Chinese first, English"


def test_import_preview_reads_yen_signs_and_refuses_words(client):
    csv = "编号,项目名称,申请金额\nX1,甲,¥30000\nX2,乙,￥30000\nX3,丙,\"30,000元\"\nX4,丁,３万\n"
    r = client.post("/api/contests/c1/import/projects", headers=ORG, json={"csv": csv})
    assert r.status_code == 200, r.text
    assert [row["requested"] for row in r.json()["rows"]] == [30000, 30000, 30000, 30000]
    r = client.post("/api/contests/c1/import/projects", headers=ORG,
                    json={"csv": "编号,项目名称,申请金额\nX1,甲,三万\n", "dry_run": 0})
    assert r.status_code == 422
    err = r.json()["errors"][0]
    assert err["field"] == "requested" and "三万" in err["message"] and "¥30,000" in err["message"]
    assert len(contest(client)["setup"]["projects"]) == 15, "nothing applied"


# ------------------------------------------------------------------ item 12: one money format

@pytest.mark.parametrize("x, yuan, wan", [
    (80000.5, "¥80,000.50", "¥8.00005万"), (250000, "¥250,000", "¥25万"), (Fraction(160001, 2), "¥80,000.50", "¥8.00005万"),
    (0, "¥0", "¥0"), (1234567.89, "¥1,234,567.89", "¥123.456789万"), (45000, "¥45,000", "¥4.5万"),
    (None, "", ""),
])
def test_money_text(x, yuan, wan):
    assert money_text(x) == yuan
    assert money_text(x, "wan") == wan


def test_xlsx_money_format_keeps_cents_only_when_there_are_any():
    assert xlsx_money_format([250000, 0, None]) == '"¥"#,##0'
    assert xlsx_money_format([250000, 80000.5]) == '"¥"#,##0.00'
