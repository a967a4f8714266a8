"""Award tiers and grant allocation (judging.core.awards, through the engine where it matters).

Every expected value is worked out by hand in the table (arithmetic in the comments), never copied
from the engine's output.  No server.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from judging.core.awards import allocate, tier_at
from judging.core.engine import ProjectInfo
from judging.core.rules import Award

from .engine_kit import awards, grants, marks, panel, ranks, rules, run

F = Fraction


# ------------------------------------------------------------------ tiers

COUNT_TIERS = (Award("first", "一等奖", count=1), Award("second", "二等奖", count=2),
               Award("third", "三等奖", count=3))
STAR_TIERS = (Award("five", "五星", min_score=90), Award("four", "四星", min_score=80),
              Award("three", "三星", min_score=70))


@pytest.mark.parametrize("tiers, position, total, expected", [
    (COUNT_TIERS, 1, 50, "first"),      # place 1 -> the 1 first prize
    (COUNT_TIERS, 2, 99, "second"),     # places 2..3 -> second (the total does not matter)
    (COUNT_TIERS, 3, 0, "second"),
    (COUNT_TIERS, 4, 99, "third"),      # places 4..6 -> third
    (COUNT_TIERS, 6, 99, "third"),
    (COUNT_TIERS, 7, 99, None),         # 1 + 2 + 3 = 6 places only
    (STAR_TIERS, 1, 90, "five"),        # at the line counts (>=)
    (STAR_TIERS, 9, 89.99, "four"),     # the place does not matter
    (STAR_TIERS, 2, 80, "four"),
    (STAR_TIERS, 2, 70, "three"),
    (STAR_TIERS, 2, 69.99, None),
    # count tiers first, then a threshold for the rest: 一等奖 1, then 优秀 for >= 80
    ((Award("first", "一等奖", count=1), Award("merit", "优秀", min_score=80)), 1, 70, "first"),
    ((Award("first", "一等奖", count=1), Award("merit", "优秀", min_score=80)), 2, 85, "merit"),
    ((Award("first", "一等奖", count=1), Award("merit", "优秀", min_score=80)), 3, 79.5, None),
])
def test_tier_at(tiers, position, total, expected):
    got = tier_at(tiers, position, total)
    assert (got.id if got else None) == expected


def test_count_tiers_through_the_engine():
    # totals 95 > 90 > 85 > 80 > 75 > 70 > 65 (one judge, mean): places 1..7
    r = rules('[ties]\nscope = "none"\n' + "".join(
        f'[[awards]]\nid = "{i}"\ncount = {n}\namount = {a}\n'
        for i, n, a in (("first", 1, 50000), ("second", 2, 40000), ("third", 3, 30000))))
    res = run(r, marks({f"P{k}": [100 - 5 * k] for k in range(1, 8)}))
    assert awards(res) == {"P1": "first", "P2": "second", "P3": "second", "P4": "third", "P5": "third",
                           "P6": "third", "P7": None}
    assert grants(res) == {"P1": 50000, "P2": 40000, "P3": 40000, "P4": 30000, "P5": 30000, "P6": 30000,
                           "P7": 0}


def test_threshold_tiers_through_the_engine_and_ties_at_a_line():
    # star lines 90 / 80 / 70; A and B both exactly 90 -> both 五星, same rank 1, nothing to break
    r = rules('[ties]\nscope = "award_boundary"\nbreakers = ["overtime", "shared"]\n' + "".join(
        f'[[awards]]\nid = "{i}"\nmin_score = {m}\namount = {a}\n'
        for i, m, a in (("five", 90, 30000), ("four", 80, 20000), ("three", 70, 10000))))
    res = run(r, marks({"A": [90], "B": [90], "C": [85.5], "D": [70], "E": [69.994]}))  # E: 69.994 publishes as 69.99
    assert awards(res) == {"A": "five", "B": "five", "C": "four", "D": "three", "E": None}
    assert ranks(res) == {"A": 1, "B": 1, "C": 3, "D": 4, "E": 5}
    assert grants(res) == {"A": 30000, "B": 30000, "C": 20000, "D": 10000, "E": 0}
    assert res.needs_overtime == [] and res.ties[0].crosses_boundary is False


# ------------------------------------------------------------------ grants through the engine

def tiered(grant_toml: str, scope: str = "none", breakers: str = '["shared"]') -> str:
    return (f'[ties]\nscope = "{scope}"\nbreakers = {breakers}\n'
            '[[awards]]\nid = "first"\ncount = 1\namount = 50000\n'
            '[[awards]]\nid = "second"\ncount = 2\namount = 40000\n'
            '[[awards]]\nid = "third"\ncount = 3\namount = 30000\n' + grant_toml)


def proportional(n: int, budget: float, unit: float = 1, cap: str = "none", scope: str = "none") -> str:
    return (f'[ties]\nscope = "{scope}"\n[[awards]]\nid = "funded"\ncount = {n}\n'
            f'[grants]\nmode = "proportional"\nbudget = {budget}\nunit = {unit}\ncap = "{cap}"\n')


GRANT_CASES = [
    pytest.param(
        tiered('[grants]\nmode = "per_tier"\nunit = 100\n'),
        {"A": 90, "B": 85, "C": 85, "D": 80}, {},
        # B and C tie on places 2-3 (both second): 40000 each, pooled or not; D third
        {"A": 50000, "B": 40000, "C": 40000, "D": 30000}, id="per_tier-tie-inside-a-tier"),
    pytest.param(
        tiered('[grants]\nmode = "per_tier"\nunit = 100\n'),
        {"A": 90, "B": 85, "C": 80, "D": 80, "E": 70},
        {},
        # C and D share places 3-4 = second (40000) + third (30000): pooled 70000 / 2 = 35000 each,
        # both get the best tier they span (second)
        {"A": 50000, "B": 40000, "C": 35000, "D": 35000, "E": 30000}, id="per_tier-pool-across-tiers"),
    pytest.param(
        tiered('[grants]\nmode = "per_tier"\nunit = 100\n'),
        {"A": 90, "B": 80, "C": 80, "D": 80, "E": 70, "F": 60, "G": 50},
        {},
        # B, C, D share places 2-4 = 40000 + 40000 + 30000 = 110000 -> 36666.67 each; in units of 100:
        # 366 each (109800) + 2 units left by largest remainder (all .67) -> to B and C (project order):
        # 36700, 36700, 36600.  E, F: third (places 5, 6).  Sum stays 110000 + 60000.
        {"A": 50000, "B": 36700, "C": 36700, "D": 36600, "E": 30000, "F": 30000, "G": 0},
        id="per_tier-pool-with-unit-remainder"),
    pytest.param(
        proportional(3, 1000), {"A": 90, "B": 60, "C": 50, "D": 10}, {},
        # 1000 x 90/200 = 450, x 60/200 = 300, x 50/200 = 250; D not funded
        {"A": 450, "B": 300, "C": 250, "D": 0}, id="proportional"),
    pytest.param(
        proportional(3, 1000, unit=100), {"A": 40, "B": 35, "C": 25}, {},
        # exact 400, 350, 250 -> 4 + 3 + 2 = 9 units, 1 left; remainders 0, .5, .5 tie -> the earlier
        # project in rank order (B): 400, 400, 200 (sum 1000)
        {"A": 400, "B": 400, "C": 200}, id="proportional-unit-largest-remainder"),
    pytest.param(
        proportional(3, 100), {"A": 3, "B": 2, "C": 1}, {},
        # exact 50, 33.33, 16.67 -> 50 + 33 + 16 = 99, 1 left -> largest remainder .67 = C
        {"A": 50, "B": 33, "C": 17}, id="proportional-largest-remainder"),
    pytest.param(
        proportional(3, 1000, cap="requested"), {"A": 50, "B": 30, "C": 20}, {"A": 300},
        # A would get 1000 x 50/100 = 500 > 300: capped at 300; the other 700 split 30:20 -> 420, 280
        {"A": 300, "B": 420, "C": 280}, id="cap-requested-redistributed"),
    pytest.param(
        proportional(3, 1000, cap="requested"), {"A": 50, "B": 30, "C": 20}, {"A": 300, "B": 400},
        # after A's cap B would get 420 > 400: capped too; C takes the rest 1000 - 300 - 400 = 300
        {"A": 300, "B": 400, "C": 300}, id="cap-cascade"),
    pytest.param(
        proportional(3, 1000, unit=100, cap="requested"), {"A": 50, "B": 30, "C": 20}, {"A": 250},
        # a cap of 250 in units of 100 is 200: A 200; the other 800 split 30:20 -> 480, 320 -> 4 + 3
        # units, 1 left of 10 -> largest remainder B (.8 vs C .2): 500, 300
        {"A": 200, "B": 500, "C": 300}, id="cap-with-unit-room"),
    pytest.param(
        proportional(2, 2), {"A": 0.3, "B": 0.1}, {},
        # 2 x 0.3/0.4 = 1.5 and 2 x 0.1/0.4 = 0.5: equal remainders -> the better-placed A; a split by
        # binary floats (0.3 is 0.29999…, 0.1 is 0.1000…1) would hand the unit to B
        {"A": 2, "B": 0}, id="decimal-totals-not-binary"),
    pytest.param(
        proportional(1, 1, unit=0.01), {"A": 80}, {},
        # the whole budget 1.00 in cents: 100 units of 0.01 (0.01 as a binary float would give 99)
        {"A": 1}, id="unit-cent-exact"),
    pytest.param(
        proportional(3, 900, unit=1), {"A": 80, "B": 70, "C": 70, "D": 60}, {},
        # B and C tie on places 2-3: equal weights 70; 900 x 80/220 = 327.27, 70/220 = 286.36 each
        # -> 327 + 286 + 286 = 899, 1 left: largest remainder A .27 vs B, C .36 -> B (earlier)
        {"A": 327, "B": 287, "C": 286, "D": 0}, id="proportional-tie-equal-weights"),
]


@pytest.mark.parametrize("body, totals_, requested, expected", GRANT_CASES)
def test_grants(body, totals_, requested, expected):
    r = rules(body)
    projects = {p: ProjectInfo(p, requested=requested.get(p)) for p in totals_}
    res = run(r, marks({p: [t] for p, t in totals_.items()}), projects)
    assert grants(res) == expected
    budget = r.grants.budget
    if r.grants.mode == "proportional" and not requested:
        assert sum(F(str(g)) for g in grants(res).values()) == F(str(budget))


def test_every_funded_project_at_its_cap_leaves_money_with_a_warning():
    # caps 100 + 100 + 100 = 300 of 1000: 700 stay unallocated and the result says so
    r = rules(proportional(3, 1000, cap="requested"))
    res = run(r, marks({"A": [50], "B": [30], "C": [20]}),
              {p: ProjectInfo(p, requested=100) for p in "ABC"})
    assert grants(res) == {"A": 100, "B": 100, "C": 100}
    assert any("700" in w for w in res.warnings)


def test_per_tier_with_caps_keeps_the_excess_in_the_budget():
    # 3 places x 1000; A asked for 400: per tier, the 600 A cannot take stays in the budget, so no winner
    # gets more than its tier's amount (a 三等奖 never ends above a 二等奖)
    body = '[ties]\nscope = "none"\n[[awards]]\nid = "a"\ncount = 3\namount = 1000\n[grants]\ncap = "requested"\n'
    res = run(rules(body), marks({"A": [90], "B": [80], "C": [70]}),
              {"A": ProjectInfo("A", requested=400), "B": ProjectInfo("B"), "C": ProjectInfo("C")})
    assert grants(res) == {"A": 400, "B": 1000, "C": 1000}
    assert len(res.warnings) == 1 and "按申报额封顶" in res.warnings[0] and "多出的 ¥600 留在预算中" in res.warnings[0]
    assert res.money.tracks[0].capped == (("A", 400, 1000),) and res.money.to_json()["tracks"][0]["redistributed"] == 0
    assert res.money.to_json()["tracks"][0]["unallocated"] == 600


def test_per_tier_with_caps_redistributes_when_the_rules_say_so_and_warns_when_nobody_can_take_more():
    # excess = "redistribute": the 600 A cannot take goes to B and C by their tier amounts (1000 : 1000)
    # -> 1300 each, more than their tier's amount (documented in docs/RULES.md)
    body = ('[ties]\nscope = "none"\n[[awards]]\nid = "a"\ncount = 3\namount = 1000\n[grants]\ncap = "requested"\n'
            'excess = "redistribute"\n')
    res = run(rules(body), marks({"A": [90], "B": [80], "C": [70]}),
              {"A": ProjectInfo("A", requested=400), "B": ProjectInfo("B"), "C": ProjectInfo("C")})
    assert grants(res) == {"A": 400, "B": 1300, "C": 1300}
    # and the result says where A's 600 went (issue 9: the console and screen show it)
    assert len(res.warnings) == 1 and "按申报额封顶" in res.warnings[0] and "¥600 已按比例分给其他获奖项目" in res.warnings[0]
    assert res.money.tracks[0].capped == (("A", 400, 1000),) and res.money.to_json()["tracks"][0]["redistributed"] == 600
    # everyone capped (400 + 500 + 600 of 3000, no budget key): 1500 left, and the result says so
    res = run(rules(body), marks({"A": [90], "B": [80], "C": [70]}),
              {p: ProjectInfo(p, requested=r) for p, r in (("A", 400), ("B", 500), ("C", 600))})
    assert grants(res) == {"A": 400, "B": 500, "C": 600}
    assert any("¥1,500 未分配" in w for w in res.warnings), res.warnings


def test_money_in_warnings_is_printed_in_full():
    # budget 2,000,000 with caps 3 x 100: 1,999,700 left, printed as ¥1,999,700 (not 1.9997e+06)
    r = rules(proportional(3, 2000000, cap="requested"))
    res = run(r, marks({"A": [50], "B": [30], "C": [20]}), {p: ProjectInfo(p, requested=100) for p in "ABC"})
    assert any("¥1,999,700" in w for w in res.warnings), res.warnings
    # threshold tiers worth 3 x 600,000 = 1,800,000 > budget 1,500,000
    r = rules('[[awards]]\nid = "star"\nmin_score = 80\namount = 600000\n[grants]\nbudget = 1500000\n')
    res = run(r, marks({"A": [90], "B": [85], "C": [80]}))
    assert "¥1,800,000" in res.warnings[0] and "¥1,500,000" in res.warnings[0], res.warnings


def test_threshold_tier_amounts_above_the_budget_are_scaled_down_with_a_warning():
    # 3 projects reach the 80 line worth 500 each = 1500 > budget 1200: scaled by 1200/1500 -> 400 each
    r = rules('[[awards]]\nid = "star"\nmin_score = 80\namount = 500\n[grants]\nbudget = 1200\n')
    res = run(r, marks({"A": [90], "B": [85], "C": [80], "D": [50]}))
    assert grants(res) == {"A": 400, "B": 400, "C": 400, "D": 0}
    assert res.warnings and "exceed" in res.warnings[0]


def test_pending_overtime_tie_gets_no_award_until_it_is_settled():
    # A and B tie for the one first prize; overtime marks missing -> neither gets a tier yet
    r = rules(tiered('[grants]\nmode = "per_tier"\n', scope="award_boundary", breakers='["overtime", "shared"]'))
    res = run(r, marks({"A": [90], "B": [90], "C": [80]}))
    assert res.needs_overtime == [["A", "B"]]
    assert awards(res) == {"A": None, "B": None, "C": "second"}
    assert grants(res) == {"A": 0, "B": 0, "C": 40000}


# ------------------------------------------------------------------ allocate() directly

@pytest.mark.parametrize("pot, weights, caps, unit, expected", [
    # 10 split 1:1:1 in whole units: 3.33 each -> 3, 3, 3 + 1 left -> first in order
    (F(10), {"a": F(1), "b": F(1), "c": F(1)}, {}, F(1), {"a": 4, "b": 3, "c": 3}),
    # zero weight gets nothing; 7 split 2:1 -> 4.67, 2.33 -> 4, 2 + 1 -> a (remainder .67)
    (F(7), {"a": F(2), "b": F(1), "z": F(0)}, {}, F(1), {"a": 5, "b": 2, "z": 0}),
    # cap below one unit: a exact 0.5, b 4.5 -> 0 + 4 units, 1 left of floor(5) = 5; a has the
    # remainder .5 but no room under its cap (1 > 0.5), b has .5 and room -> b 5
    (F(5), {"a": F(1), "b": F(1)}, {"a": F(1, 2)}, F(1), {"a": 0, "b": 5}),
    # caps below one unit (1 and 99 in units of 100) count as 0: the whole 200 goes to a, the one
    # project without a cap (before: a got 100 and 100 was lost to the floors)
    (F(200), {"z": F(0), "a": F(1), "b": F(1), "c": F(1)}, {"b": F(1), "c": F(99)}, F(100),
     {"z": 0, "a": 200, "b": 0, "c": 0}),
])
def test_allocate(pot, weights, caps, unit, expected):
    got = allocate(pot, weights, {k: caps.get(k) for k in weights}, unit, list(weights))
    assert got == {k: F(v) for k, v in expected.items()}
