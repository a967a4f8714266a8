"""[carry]: a later stage's total = (1 - w) x its own + w x the previous stage's, rounded as the rules round
a total (judging.core.carry), ranked and awarded on the carried total by the engine; a contest of one stage
gets exactly the results it got before (no new keys)."""

from __future__ import annotations

import numpy as np
import pytest

from judging.core.carry import carried, carried_total
from judging.core.engine import compute
from tests.engine_kit import marks, rules

AWARDS = '[[awards]]\nid = "first"\nlabel = "一等奖"\ncount = 1\n'


@pytest.mark.parametrize("body, own, previous, expected", [
    ("[carry]\nweight = 0.3\n", 80.0, 90.0, 83.0),
    ("[carry]\nweight = 0.3\n", 81.11, 90.0, 83.78),      # 83.777 -> 83.78 (half up at 2 digits)
    ("[carry]\nweight = 0.25\n[rounding]\ndigits = 1\n", 80.0, 90.1, 82.5),   # 82.525 -> 82.5
    ("[carry]\nweight = 0.25\n[rounding]\ndigits = 1\nmode = \"down\"\n", 80.0, 90.3, 82.5),  # 82.575 -> 82.5
    ("", 80.0, 90.0, 80.0),                               # no [carry]: the own total stands
    ("[carry]\nweight = 0.5\n", 80.0, None, 80.0),        # no previous total: the own total stands
])
def test_the_carried_total(body, own, previous, expected):
    assert carried_total(rules(body), own, previous) == expected


def test_carried_keeps_nan_and_is_the_same_bits_as_one_value():
    r = rules("[carry]\nweight = 0.3\n")
    out = carried(r, np.array([80.0, np.nan, 81.11]), [90.0, 70.0, 90.0])
    assert out[0] == 83.0 and np.isnan(out[1]) and out[2] == carried_total(r, 81.11, 90.0)


def test_the_engine_ranks_and_awards_the_carried_total():
    r = rules("[carry]\nweight = 0.5\n" + AWARDS)
    m = marks({"A": [80, 80], "B": [70, 70]})
    alone = compute(r, m)
    assert [x.project for x in alone.results] == ["A", "B"]
    res = compute(r, m, previous={"A": 60.0, "B": 90.0})   # A: 70, B: 80 -> B first
    by = res.by_project()
    assert [x.project for x in res.results] == ["B", "A"]
    assert (by["B"].total, by["B"].stage_total, by["B"].previous) == (80.0, 70.0, 90.0)
    assert by["B"].award.id == "first"
    d = res.to_json()
    assert d["carry_weight"] == 0.5
    assert d["results"][0]["previous_total"] == 90.0 and d["results"][0]["stage_total"] == 70.0


def test_a_carried_tie_is_a_tie():
    r = rules("[carry]\nweight = 0.5\n" + AWARDS + '[ties]\nbreakers = ["shared"]\n')
    res = compute(r, marks({"A": [80, 80], "B": [70, 70]}), previous={"A": 70.0, "B": 80.0})
    assert [x.total for x in res.results] == [75.0, 75.0] and len(res.ties) == 1


def test_previous_without_carry_shows_both_totals_with_weight_zero():
    res = compute(rules(), marks({"A": [80, 82]}), previous={"A": 90.0})
    assert res.results[0].total == 81.0 and res.to_json()["carry_weight"] == 0.0
    assert res.results[0].previous == 90.0


def test_a_lone_contest_has_no_new_keys():
    d = compute(rules("[carry]\nweight = 0.3\n"), marks({"A": [80, 82]})).to_json()
    assert "carry_weight" not in d
    assert "previous_total" not in d["results"][0] and "stage_total" not in d["results"][0]
    assert d["results"][0]["total"] == 81.0
