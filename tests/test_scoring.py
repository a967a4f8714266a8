"""Scoring (judging.core.scoring through judging.core.engine): every aggregation method, per judge | criterion,
combine, rounds (sum | last | mean, factor, entry factor), every rounding mode at every step, and the
errors marks can cause.  Expected values are worked out by hand in the comments.  No server."""

from __future__ import annotations

import math

import numpy as np
import pytest

from judging.core.engine import compute
from judging.core.rules import parse_rules
from judging.core.panel_methods import explain_panel
from judging.core.scoring import Mark, MarkTable, ScoringError, aggregate, round_array, round_value

from .engine_kit import HEAD, marks, panel, rubric_marks, rules, run, totals

EXACT = '[rounding]\nsteps = []\n'   # no rounding: compare the raw aggregates


def panel_scores(method: str, scores: dict, **extra: object) -> dict[str, float]:
    res = run(rules(panel(method=method, **extra) + EXACT + '[ties]\nscope = "none"\n'), marks(scores))
    return {r.project: r.panels["j"] for r in res.results}


# ------------------------------------------------------------------ aggregation methods

AGGREGATION = [
    # method, extra keys, marks per project (judges J1..), expected panel score
    ("mean", {}, {"A": [80, 90, 70, 85, 75]}, {"A": 80}),                      # 400 / 5
    ("mean", {}, {"A": [80, None, 70]}, {"A": 75}),                            # recused J2: (80 + 70) / 2
    ("sum", {}, {"A": [80, 90, 70, 85, 75]}, {"A": 400}),                      # 80+90+70+85+75
    ("median", {}, {"A": [80, 90, 70, 85, 75]}, {"A": 80}),                    # 70 75 [80] 85 90
    ("median", {}, {"A": [80, 90, 70, 85]}, {"A": 82.5}),                      # 70 [80 85] 90 -> 82.5
    ("trimmed_mean", {"drop_high": 1, "drop_low": 1},
     {"A": [60, 90, 70, 85, 75]}, {"A": 230 / 3}),                             # drop 90, 60: (70+85+75)/3
    ("trimmed_mean", {"drop_high": 2, "drop_low": 1},
     {"A": [50, 60, 70, 80, 90, 100]}, {"A": 70}),                             # drop 100, 90 and 50: (60+70+80)/3
    ("trimmed_mean", {"drop_high": 1, "drop_low": 1},
     {"A": [None, 80, 90, 70, 85, 75]}, {"A": 80}),                            # J1 recused: drop 90, 70 -> 240/3
    ("trimmed_mean", {"drop_high": 1, "drop_low": 1},
     {"A": [80, 80, 70, 70, 90]}, {"A": 230 / 3}),                             # equal lowest marks: only one 70
    #                                                                            goes: drop 90, 70 -> (80+80+70)/3
    ("trimmed_mean", {"drop_high": 0, "drop_low": 0}, {"A": [80, 90, 70]}, {"A": 80}),   # no drop = mean
    ("trimmed_sum", {"drop_high": 2, "drop_low": 2},
     {"A": [6, 6.5, 7, 7, 7.5, 8, 9]}, {"A": 21.5}),                           # diving: 7 + 7 + 7.5
    ("trimmed_sum", {"drop_high": 1, "drop_low": 1},
     {"A": [6, 6.5, 7, 7, 7.5, 8, 9]}, {"A": 36}),                             # 6.5 + 7 + 7 + 7.5 + 8
    # zscore, two judges with different spreads.  J1: A 90 B 90 C 50 D 50 (mean 70, SD 20) -> z +1 +1 -1 -1;
    # J2: A 75 B 65 C 75 D 65 (mean 70, SD 5) -> z +1 -1 +1 -1.  Average z: A 1, B 0, C 0, D -1.
    # Rescaled to all 8 raw marks: mean 560 / 8 = 70, SD sqrt((4 x 400 + 4 x 25) / 8) = sqrt(212.5).
    # (A plain mean would give B 77.5 and C 62.5: J1's 40-point spread would decide alone.)
    ("zscore", {}, {"A": [90, 75], "B": [90, 65], "C": [50, 75], "D": [50, 65]},
     {"A": 70 + math.sqrt(212.5), "B": 70, "C": 70, "D": 70 - math.sqrt(212.5)}),
    # zscore where a judge gave every project the same mark: that judge's z is 0 for all.
    # J1: A 80 B 80 (SD 0 -> z 0, 0); J2: A 90 B 70 (mean 80, SD 10 -> +1, -1); avg z A 0.5, B -0.5;
    # raw 80 80 90 70: mean 80, SD sqrt((0+0+100+100)/4) = sqrt(50)
    ("zscore", {}, {"A": [80, 90], "B": [80, 70]}, {"A": 80 + 0.5 * math.sqrt(50), "B": 80 - 0.5 * math.sqrt(50)}),
    # rank_points [12, 10, 8]: J1 ranks A B C D -> 12 10 8 0; J2 ranks B A D C -> B 12, A 10, D 8, C 0;
    # J3 gives A and B 70 each (share places 1-2: (12+10)/2 = 11 each), C 8, D 0.
    # A 12+10+11 = 33, B 10+12+11 = 33, C 8+0+8 = 16, D 0+8+0 = 8
    ("rank_points", {"points": [12, 10, 8]},
     {"A": [90, 85, 70], "B": [80, 95, 70], "C": [70, 65, 60], "D": [60, 75, 50]},
     {"A": 33, "B": 33, "C": 16, "D": 8}),
]


@pytest.mark.parametrize("method, extra, scores, expected", AGGREGATION,
                         ids=[f"{a[0]}-{i}" for i, a in enumerate(AGGREGATION)])
def test_aggregation(method, extra, scores, expected):
    got = panel_scores(method, scores, **extra)
    assert got == pytest.approx(expected, abs=1e-9)


def test_trimmed_mean_with_no_drop_equals_mean_on_an_array():
    x = np.array([[80, 90, np.nan, 70], [1, 2, 3, 4]], dtype=float)
    p = rules(panel(method="trimmed_mean", drop_high=0, drop_low=0)).panels[0]
    assert aggregate(x, p) == pytest.approx([80, 2.5])            # (80+90+70)/3, (1+2+3+4)/4


# ------------------------------------------------------------------ per judge | criterion

RUBRIC = ('[[criteria]]\nid = "c1"\nmax = 50\n[[criteria]]\nid = "c2"\nmax = 50\nweight = 2\n')
RUBRIC_MARKS = {"A": {"c1": [40, 45, 30, 50, 35], "c2": [20, 25, 30, 10, 50]}}


@pytest.mark.parametrize("per, expected", [
    # criterion: c1 drop 50, 30 -> (40+45+35)/3 = 40; c2 drop 50, 10 -> (20+25+30)/3 = 25;
    # weighted sum 40 x 1 + 25 x 2 = 90
    ("criterion", 90),
    # judge: totals c1 + 2 x c2 = J1 80, J2 95, J3 90, J4 70, J5 135; drop 135, 70 -> (80+95+90)/3
    ("judge", 265 / 3),
])
def test_per_judge_or_per_criterion(per, expected):
    r = rules(RUBRIC + panel(method="trimmed_mean", drop_high=1, drop_low=1, per=per) + EXACT)
    res = run(r, rubric_marks(RUBRIC_MARKS))
    assert res.results[0].total == pytest.approx(expected, abs=1e-9)


# ------------------------------------------------------------------ combine

@pytest.mark.parametrize("combine, expected", [
    ("weighted_sum", 83),   # 0.7 x mean(70, 90) + 0.3 x mean(90) = 0.7 x 80 + 0.3 x 90 = 56 + 27
    ("sum", 170),           # 80 + 90: weights ignored
])
def test_combine(combine, expected):
    r = rules(panel("expert", weight=0.7) + panel("public", weight=0.3) + f'[combine]\nmethod = "{combine}"\n')
    res = run(r, marks({"A": [70, 90]}, "expert") + marks({"A": [90]}, "public"))
    assert res.results[0].total == expected
    assert res.results[0].panels == {"expert": 80, "public": 90}


# ------------------------------------------------------------------ rounds

def rounds_marks() -> list[Mark]:
    # A: r1 80, r2 90; B: r1 70 only
    return marks({"A": [80], "B": [70]}, round="r1") + marks({"A": [90]}, round="r2")


@pytest.mark.parametrize("how, expected", [
    ("sum", {"A": 170, "B": 70}),       # 80 + 90; B only took part in r1
    ("last", {"A": 90, "B": 70}),       # the last round each project took part in
    ("mean", {"A": 85, "B": 70}),       # (80 + 90) / 2
])
def test_rounds_total(how, expected):
    res = run(rules(f'[rounds]\ntotal = "{how}"\n[ties]\nscope = "none"\n'), rounds_marks())
    assert totals(res) == expected
    assert res.by_project()["A"].rounds == {"r1": 80, "r2": 90}


def test_last_round_is_by_natural_name_order():
    # dive2 (70) comes before dive10 (60): "last" is dive10, not the string-sorted dive2
    ms = marks({"A": [70]}, round="dive2") + marks({"A": [60]}, round="dive10")
    assert totals(run(rules('[rounds]\ntotal = "last"\n'), ms)) == {"A": 60}


def test_round_factor_and_entry_factor_diving_style():
    # pre-2009 diving: 7 marks, drop 1 + 1, sum of 5 = 6.5+7+7+7.5+8 = 36, x DD 3.2 x 0.6 = 69.12
    r = rules(panel(method="trimmed_sum", drop_high=1, drop_low=1)
              + '[rounds]\nfactor = 0.6\nuse_entry_factor = true\n[rounding]\nsteps = ["round", "total"]\n')
    res = run(r, marks({"A": [6, 6.5, 7, 7, 7.5, 8, 9]}, round="dive1", factor=3.2))
    assert res.results[0].total == 69.12
    # without the entry factor column: 36 x 0.6 = 21.6
    r2 = rules(panel(method="trimmed_sum", drop_high=1, drop_low=1) + '[rounds]\nfactor = 0.6\n')
    assert run(r2, marks({"A": [6, 6.5, 7, 7, 7.5, 8, 9]}, round="dive1", factor=3.2)).results[0].total == 21.6


def test_entry_factor_missing_is_an_error():
    r = rules('[rounds]\nuse_entry_factor = true\n')
    with pytest.raises(ScoringError, match="factor per entry"):
        run(r, marks({"A": [5]}))


def test_overtime_rounds_never_add_to_the_total():
    ms = marks({"A": [80], "B": [80]}) + marks({"A": [99], "B": [10]}, round="overtime1")
    res = run(rules('[ties]\nscope = "all"\nbreakers = ["overtime", "shared"]\n'), ms)
    assert totals(res) == {"A": 80, "B": 80}
    assert res.by_project()["A"].rounds == {"final": 80} and res.by_project()["A"].overtime == {"overtime1": 99}


# ------------------------------------------------------------------ rounding

@pytest.mark.parametrize("x, digits, mode, expected", [
    (2.675, 2, "half_up", 2.68),     # binary 2.67499999… would give 2.67 with naive rounding
    (2.675, 2, "half_even", 2.68),   # 7 is odd -> up to 8
    (2.675, 2, "down", 2.67),
    (0.125, 2, "half_up", 0.13),
    (0.125, 2, "half_even", 0.12),   # 2 is even -> stays
    (0.125, 2, "down", 0.12),
    (1.005, 2, "half_up", 1.01),     # binary 1.00499999…
    (0.285, 2, "half_up", 0.29),     # binary 0.28499999…
    (8.345, 2, "half_even", 8.34),
    (8.355, 2, "half_even", 8.36),
    (99.995, 2, "half_up", 100.0),
    (1.0049, 2, "half_up", 1.0),
    (2.5, 0, "half_up", 3.0),
    (2.5, 0, "half_even", 2.0),
    (3.5, 0, "half_even", 4.0),
    (-2.5, 0, "half_up", -3.0),      # half up is symmetric (away from zero)
    (-2.5, 0, "half_even", -2.0),
    (-2.7, 0, "down", -2.0),         # down = towards zero
    (724.525, 2, "half_up", 724.53),
    (0.1 + 0.2, 2, "down", 0.3),     # 0.30000000000000004 is 0.3 to a person
    (0.7 * 3, 1, "down", 2.1),       # 2.0999999999999996 -> 2.1, not 2.0
    (85.6666666, 6, "half_up", 85.666667),
])
def test_round_value(x, digits, mode, expected):
    assert round_value(x, digits, mode) == expected
    assert round_array(np.array([x]), digits, mode)[0] == expected


# marks whose mean is a rounding trap: (2.6 + 2.75) / 2 = 2.675 (binary 2.67499…), (0.1 + 0.15) / 2 = 0.125
@pytest.mark.parametrize("scores, mode, expected", [
    ([2.6, 2.75], "half_up", 2.68), ([2.6, 2.75], "half_even", 2.68), ([2.6, 2.75], "down", 2.67),
    ([0.1, 0.15], "half_up", 0.13), ([0.1, 0.15], "half_even", 0.12), ([0.1, 0.15], "down", 0.12),
])
def test_rounding_mode_through_the_engine(scores, mode, expected):
    r = rules(f'[rounding]\ndigits = 2\nmode = "{mode}"\nsteps = ["total"]\n')
    assert run(r, marks({"A": scores})).results[0].total == expected


# each step rounds at 1 decimal; the marks average 31 / 3 = 10.333… so rounding early loses 0.033
TWO_PANELS = panel("a") + panel("b") + '[combine]\nmethod = "sum"\n'


@pytest.mark.parametrize("body, ms, steps, expected", [
    # criterion: per-criterion means 10.333 and 10.333 -> rounded 10.3 + 10.3 = 20.6; unrounded 20.667 -> 20.7
    ('[[criteria]]\nid = "x"\n[[criteria]]\nid = "y"\n' + panel(per="criterion"),
     "rubric", ["criterion", "total"], 20.6),
    ('[[criteria]]\nid = "x"\n[[criteria]]\nid = "y"\n' + panel(per="criterion"),
     "rubric", ["total"], 20.7),
    # panel: 10.333 + 10.333 -> 10.3 + 10.3 = 20.6 vs 20.7
    (TWO_PANELS, "two_panels", ["panel", "total"], 20.6),
    (TWO_PANELS, "two_panels", ["total"], 20.7),
    # round: r1 10.333 + r2 10.333 -> 10.3 + 10.3 = 20.6 vs 20.7
    ("", "two_rounds", ["round", "total"], 20.6),
    ("", "two_rounds", ["total"], 20.7),
    # total only vs nothing: 10.333… -> 10.3 / 10.333333333 (float noise dropped at 9 decimals)
    ("", "one", ["total"], 10.3),
    ("", "one", [], 10.333333333),
])
def test_rounding_steps(body, ms, steps, expected):
    r = rules(body + f'[rounding]\ndigits = 1\nsteps = {steps!r}\n'.replace("'", '"'))
    three = [10, 10, 11]
    data = {
        "rubric": rubric_marks({"A": {"x": three, "y": three}}),
        "two_panels": marks({"A": three}, "a") + marks({"A": three}, "b"),
        "two_rounds": marks({"A": three}, round="r1") + marks({"A": three}, round="r2"),
        "one": marks({"A": three}),
    }[ms]
    assert run(r, data).results[0].total == expected


def test_same_marks_in_any_row_order_give_the_same_bits():
    # zscore and rank_points add floats across projects and judges; the table numbers them in
    # natural order, so a shuffled marks file gives bit-identical results (rounds included)
    import random
    r = rules(panel("a", "zscore", 0.6) + panel("b", "rank_points", 0.4, points=[5, 3, 2, 1])
              + '[rounding]\nsteps = ["total"]\n')
    rng = random.Random(7)
    ms = [Mark(f"P{p}", "final", pid, f"{pid}{j}", "", float(rng.randint(0, 10)))
          for p in range(1, 7) for pid, n in (("a", 4), ("b", 3)) for j in range(1, n + 1)]
    expected = compute(r, ms).to_json()
    for _ in range(30):
        rng.shuffle(ms)
        assert compute(r, ms).to_json() == expected


# every mode at every step.  Two parts, one averaging 10.25 ((10.2 + 10.3) / 2, exact in binary) and
# one 10.35 ((10.3 + 10.4) / 2, binary 10.350000000000001; 10.35 itself is 10.3499999…), added up,
# rounded to 1 decimal at the step:
#   half_up   10.3 + 10.4 = 20.7
#   half_even 10.2 + 10.4 = 20.6   (2 even stays; 3 odd goes up to 4)
#   down      10.2 + 10.3 = 20.5
# Without the step the sum 20.6 is already at 1 decimal, in any mode.
PARTS = {
    "criterion": ('[[criteria]]\nid = "x"\n[[criteria]]\nid = "y"\n' + panel(per="criterion"),
                  lambda: rubric_marks({"A": {"x": [10.2, 10.3], "y": [10.3, 10.4]}})),
    "panel": (TWO_PANELS, lambda: marks({"A": [10.2, 10.3]}, "a") + marks({"A": [10.3, 10.4]}, "b")),
    "round": ("", lambda: marks({"A": [10.2, 10.3]}, round="r1") + marks({"A": [10.3, 10.4]}, round="r2")),
}


@pytest.mark.parametrize("step", ["criterion", "panel", "round"])
@pytest.mark.parametrize("mode, expected", [("half_up", 20.7), ("half_even", 20.6), ("down", 20.5)])
def test_every_mode_at_every_step(step, mode, expected):
    body, make = PARTS[step]
    with_step = rules(body + f'[rounding]\ndigits = 1\nmode = "{mode}"\nsteps = ["{step}", "total"]\n')
    assert run(with_step, make()).results[0].total == expected
    without = rules(body + f'[rounding]\ndigits = 1\nmode = "{mode}"\nsteps = ["total"]\n')
    assert run(without, make()).results[0].total == 20.6


@pytest.mark.parametrize("mode, expected", [
    ("half_up", {"A": 10.3, "B": 10.4}),     # 10.25 -> 10.3, 10.35 -> 10.4
    ("half_even", {"A": 10.2, "B": 10.4}),   # 10.25 -> 10.2 (2 even), 10.35 -> 10.4 (3 odd)
    ("down", {"A": 10.2, "B": 10.3}),
])
def test_every_mode_at_the_total_step(mode, expected):
    r = rules(f'[rounding]\ndigits = 1\nmode = "{mode}"\nsteps = ["total"]\n[ties]\nscope = "none"\n')
    assert totals(run(r, marks({"A": [10.2, 10.3], "B": [10.3, 10.4]}))) == expected


# ------------------------------------------------------------------ errors

def test_too_few_judges_for_the_trimming():
    # drop 1 + 1 needs at least 3 judges; B has 2
    r = rules(panel(method="trimmed_mean", drop_high=1, drop_low=1))
    with pytest.raises(ScoringError, match="'B': panel 'j' has 2 judges, too few to drop 1 highest and 1 lowest") as e:
        run(r, marks({"A": [1, 2, 3], "B": [1, 2]}))
    assert e.value.where == {"project": "B", "round": "final", "panel": "j"}


def test_unknown_panel():
    with pytest.raises(ScoringError, match="judge 'X1': unknown panel 'jury'") as e:
        compute(rules(), [Mark("A", "final", "j", "J1", "", 5), Mark("A", "final", "jury", "X1", "", 5)])
    assert e.value.where["row"] == 1


def test_duplicate_mark():
    ms = [Mark("A", "final", "j", "J1", "", 5), Mark("A", "final", "j", "J2", "", 6),
          Mark("A", "final", "j", "J1", "", 7)]
    with pytest.raises(ScoringError, match="duplicate mark: judge 'J1', project 'A', round 'final' given twice") as e:
        MarkTable.from_marks(ms)
    assert e.value.where["row"] == 2 and e.value.where["first_row"] == 0


def test_several_problems_report_the_earliest_row():
    r = rules(panel("a") + panel("b"))
    ms = [Mark("A", "final", "a", "J1", "", 5), Mark("B", "final", "b", "J1", "", 5),   # row 1: J1 in b too
          Mark("A", "final", "a", "J2", "", 5), Mark("A", "final", "a", "J2", "", 6)]   # row 3: duplicate
    with pytest.raises(ScoringError, match="judge 'J1' is in panel 'a' and also in 'b'") as e:
        compute(r, ms)
    assert e.value.where["row"] == 1
    with pytest.raises(ScoringError, match="duplicate mark") as e:
        compute(r, [ms[0], ms[2], ms[3], ms[1]])                                         # now the duplicate is first
    assert e.value.where == {"row": 2, "first_row": 1, "project": "A", "round": "final", "judge": "J2"}


def test_clashing_factors():
    ms = [Mark("A", "d1", "j", "J1", "", 5, 2.0), Mark("A", "d1", "j", "J2", "", 5, 2.0),
          Mark("A", "d1", "j", "J3", "", 5, 2.4)]
    with pytest.raises(ScoringError, match="factor 2.4 differs from 2 given earlier") as e:
        MarkTable.from_marks(ms)
    assert e.value.where == {"row": 2, "first_row": 1}


def test_judge_in_two_panels():
    r = rules(panel("a") + panel("b"))
    with pytest.raises(ScoringError, match="judge 'J1' is in panel 'a' and also in 'b'"):
        compute(r, [Mark("A", "final", "a", "J1", "", 5), Mark("B", "final", "b", "J1", "", 5)])


def test_out_of_bounds_mark_is_refused_by_the_rules():
    r = rules('[[criteria]]\nid = "x"\nmax = 20\n')
    assert r.check_mark(r.panels[0], "x", 20.5) == "超出范围 out of range 0–20"


def test_missing_criterion_mark():
    r = rules('[[criteria]]\nid = "x"\n[[criteria]]\nid = "y"\n')
    with pytest.raises(ScoringError, match="judge 'J1' gave no mark for y"):
        run(r, [Mark("A", "final", "j", "J1", "x", 5)])


def test_a_project_without_marks_from_one_panel():
    r = rules(panel("a") + panel("b"))
    with pytest.raises(ScoringError, match="project 'B': no marks from panel 'b'"):
        run(r, marks({"A": [5], "B": [5]}, "a") + marks({"A": [5]}, "b"))


def test_overtime_marks_without_a_regular_round():
    with pytest.raises(ScoringError, match="project 'B' has overtime marks but no regular round"):
        run(rules(), marks({"A": [5]}) + marks({"B": [5]}, round="overtime1"))


def test_marks_for_a_project_not_in_the_project_list():
    from judging.core.engine import ProjectInfo
    with pytest.raises(ScoringError, match="project 'B' has marks but is not in the project list"):
        run(rules(), marks({"A": [5], "B": [5]}), {"A": ProjectInfo("A")})


# ------------------------------------------------------------------ explanation for the big screen

def test_explain_panel_strikes_the_dropped_marks_in_judge_order():
    p = parse_rules(HEAD + panel(method="trimmed_mean", drop_high=1, drop_low=1), "t").panels[0]
    lines = explain_panel(p, {"J1": 80, "J2": 90, "J3": 70, "J4": 90, "J5": 70})
    # equal lowest 70s: J3 is struck (first in judge order); equal highest 90s: J4 (the last one)
    assert [(x.judge, x.dropped) for x in lines] == [("J3", "low"), ("J5", None), ("J1", None), ("J2", None),
                                                      ("J4", "high")]
