"""Ranks, ties and tie-breakers (judging.core.ranking through judging.core.engine).

Competition ranks, every tie scope and every breaker (overtime incl. missing overtime marks,
panel:<id>, criterion:<id>, countback, givers, shared), tracks ranked separately.  Expected values
are worked out by hand in the comments.  No server.
"""

from __future__ import annotations

import pytest

from judging.core.engine import ProjectInfo
from judging.core.scoring import Mark

from .engine_kit import awards, marks, panel, ranks, rules, run, totals

TIERS_1_2 = '[[awards]]\nid = "first"\ncount = 1\n[[awards]]\nid = "second"\ncount = 2\n'


def two_panels(scope: str, breakers: str, tiers: str = TIERS_1_2, extra: str = "") -> str:
    return (panel("expert", weight=0.5) + panel("public", weight=0.5)
            + f'[ties]\nscope = "{scope}"\nbreakers = {breakers}\n{extra}' + tiers)


def ep_marks(expert: dict, public: dict, round: str = "final") -> list[Mark]:
    return marks(expert, "expert", round) + marks(public, "public", round)


# ------------------------------------------------------------------ competition ranks

@pytest.mark.parametrize("scores, expected", [
    ({"A": 90, "B": 85, "C": 85, "D": 80}, {"A": 1, "B": 2, "C": 2, "D": 4}),        # 1, 2, 2, 4
    ({"A": 70, "B": 70, "C": 70, "D": 60}, {"A": 1, "B": 1, "C": 1, "D": 4}),        # 1, 1, 1, 4
    ({"A": 50, "B": 60, "C": 60, "D": 60, "E": 40}, {"B": 1, "C": 1, "D": 1, "A": 4, "E": 5}),
])
def test_competition_ranks_while_a_tie_stands(scores, expected):
    res = run(rules('[ties]\nscope = "none"\n'), marks({p: [s] for p, s in scores.items()}))
    assert ranks(res) == expected
    # results come in rank order
    assert [r.rank for r in res.results] == sorted(r.rank for r in res.results)


def test_ties_are_equal_totals_after_the_published_rounding():
    # one judge, marks 85.554 / 85.551 / 85.546: rounded half up to 2 decimals all publish 85.55
    # -> one three-way tie at 85.55; 85.544 publishes 85.54 and is below it
    res = run(rules('[ties]\nscope = "none"\n'), marks({"A": [85.554], "B": [85.551], "C": [85.546],
                                                        "D": [85.544]}))
    assert ranks(res) == {"A": 1, "B": 1, "C": 1, "D": 4}
    assert [t.projects for t in res.ties] == [["A", "B", "C"]] and res.ties[0].total == 85.55


def test_ties_without_total_rounding_ignore_float_noise():
    # no rounding step: combine = sum of two panels.  A: 0.1 + 0.2, B: 0.3 + 0 -- in binary floats
    # 0.30000000000000004 vs 0.3, but both publish 0.3: a tie, rank 1 and 1
    r = rules(panel("a") + panel("b") + '[combine]\nmethod = "sum"\n[rounding]\nsteps = []\n'
              '[ties]\nscope = "none"\n')
    res = run(r, marks({"A": [0.1], "B": [0.3]}, "a") + marks({"A": [0.2], "B": [0]}, "b"))
    assert ranks(res) == {"A": 1, "B": 1}
    assert totals(res) == {"A": 0.3, "B": 0.3}


# ------------------------------------------------------------------ scopes

def test_scope_none_never_breaks_a_tie():
    # A and B tie on 80 at the top (first 1, second 2): they cross the first/second line, but
    # scope none leaves them tied; both get the best tier their places span (first)
    r = rules(two_panels("none", '["panel:expert", "shared"]'))
    res = run(r, ep_marks({"A": [90], "B": [70], "C": [50]}, {"A": [70], "B": [90], "C": [50]}))
    assert ranks(res) == {"A": 1, "B": 1, "C": 3}
    assert res.ties[0].crosses_boundary and res.ties[0].resolved_by == "shared"
    assert awards(res) == {"A": "first", "B": "first", "C": "second"}


def test_scope_all_breaks_every_tie():
    # B, C tie on 70 at places 2-3, both second prize: scope all still breaks it by the expert panel
    # (B expert 80 > C expert 60)
    r = rules(two_panels("all", '["panel:expert", "shared"]'))
    res = run(r, ep_marks({"A": [90], "B": [80], "C": [60]}, {"A": [90], "B": [60], "C": [80]}))
    assert ranks(res) == {"A": 1, "B": 2, "C": 3}
    assert res.ties[0].resolved_by == "panel:expert" and not res.ties[0].crosses_boundary


def test_award_boundary_leaves_a_tie_inside_one_tier_shared():
    # same marks, scope award_boundary: places 2-3 are both second prize -> nothing to break
    r = rules(two_panels("award_boundary", '["panel:expert", "shared"]'))
    res = run(r, ep_marks({"A": [90], "B": [80], "C": [60]}, {"A": [90], "B": [60], "C": [80]}))
    assert ranks(res) == {"A": 1, "B": 2, "C": 2}
    assert res.ties[0].resolved_by == "shared" and res.ties[0].crosses_boundary is False


def test_award_boundary_tie_in_and_out_of_the_awards_is_broken():
    # first 1, second 2 = 3 awarded places; C and D tie on 70 at places 3-4 (second / nothing)
    r = rules(two_panels("award_boundary", '["panel:expert", "shared"]'))
    res = run(r, ep_marks({"A": [90], "B": [80], "C": [60], "D": [80]}, {"A": [90], "B": [80], "C": [80],
                                                                         "D": [60]}))
    assert ranks(res) == {"A": 1, "B": 2, "D": 3, "C": 4}        # D expert 80 > C expert 60
    assert awards(res) == {"A": "first", "B": "second", "D": "second", "C": None}
    assert res.ties[0].crosses_boundary and res.ties[0].resolved_by == "panel:expert"


# ------------------------------------------------------------------ overtime

OT = two_panels("award_boundary", '["overtime", "panel:expert", "shared"]')
REGULAR = ep_marks({"A": [80], "B": [80], "C": [60]}, {"A": [80], "B": [80], "C": [60]})  # A = B = 80, C 60


def test_missing_overtime_marks_put_the_tie_in_needs_overtime():
    res = run(rules(OT), REGULAR)
    assert res.needs_overtime == [["A", "B"]]
    assert res.ties[0].resolved_by is None and res.ties[0].crosses_boundary
    assert ranks(res) == {"A": 1, "B": 1, "C": 3}
    assert all(r.pending for r in res.results if r.project in "AB")


def test_overtime_orders_the_tied_projects_and_never_changes_their_totals():
    # overtime1: B 0.5 x 90 + 0.5 x 90 = 90 > A 0.5 x 85 + 0.5 x 85 = 85 -> B first
    ot = ep_marks({"A": [85], "B": [90]}, {"A": [85], "B": [90]}, round="overtime1")
    res = run(rules(OT), REGULAR + ot)
    assert ranks(res) == {"B": 1, "A": 2, "C": 3}
    assert totals(res) == {"A": 80, "B": 80, "C": 60}
    assert res.needs_overtime == [] and res.ties[0].resolved_by == "overtime"
    assert awards(res) == {"B": "first", "A": "second", "C": "second"}
    assert res.by_project()["B"].overtime == {"overtime1": 90}


def test_overtime_tied_again_falls_to_the_next_breaker():
    # overtime1 equal (85 = 85); max_overtime 1 -> panel:expert on the regular rounds: A 90 > B 70
    reg = ep_marks({"A": [90], "B": [70], "C": [60]}, {"A": [70], "B": [90], "C": [60]})
    ot = ep_marks({"A": [85], "B": [85]}, {"A": [85], "B": [85]}, round="overtime1")
    res = run(rules(OT), reg + ot)
    assert ranks(res) == {"A": 1, "B": 2, "C": 3}
    assert res.ties[0].resolved_by == "panel:expert" and res.ties[0].breakers_used == ["panel:expert"]


def test_second_overtime_when_max_overtime_allows_it():
    r = rules(two_panels("award_boundary", '["overtime", "shared"]', extra="max_overtime = 2\n"))
    ot1 = ep_marks({"A": [85], "B": [85]}, {"A": [85], "B": [85]}, round="overtime1")   # tied again
    res = run(r, REGULAR + ot1)
    assert res.needs_overtime == [["A", "B"]]           # a second overtime is due
    ot2 = ep_marks({"A": [88], "B": [86]}, {"A": [88], "B": [86]}, round="overtime2")   # A 88 > B 86
    res = run(r, REGULAR + ot1 + ot2)
    assert ranks(res) == {"A": 1, "B": 2, "C": 3} and res.ties[0].resolved_by == "overtime"


def test_overtime_splitting_part_of_a_tie_resolves_the_boundary():
    # A, B, C tie on 80 at places 1-3 (first | second, second): overtime1 A 90 > B = C 85 -> A first,
    # B and C share places 2-3, both second: the boundary is settled by the overtime
    reg = ep_marks({"A": [80], "B": [80], "C": [80], "D": [50]}, {"A": [80], "B": [80], "C": [80], "D": [50]})
    ot = ep_marks({"A": [90], "B": [85], "C": [85]}, {"A": [90], "B": [85], "C": [85]}, round="overtime1")
    res = run(rules(OT), reg + ot)
    assert ranks(res) == {"A": 1, "B": 2, "C": 2, "D": 4}
    assert res.ties[0].resolved_by == "overtime" and res.ties[0].order == [["A"], ["B", "C"]]


# ------------------------------------------------------------------ other breakers

def test_criterion_breaker_compares_the_mean_mark_of_that_criterion():
    # rubric x (max 50), y (max 50); 2 judges, mean of judge totals.  A: (30+20, 40+10) -> 50;
    # B: (20+30, 10+40) -> 50: tied.  criterion:x = mean of the x marks: A (30+40)/2 = 35 > B 15
    r = rules('[[criteria]]\nid = "x"\nmax = 50\n[[criteria]]\nid = "y"\nmax = 50\n'
              '[ties]\nscope = "all"\nbreakers = ["criterion:y", "criterion:x", "shared"]\n')
    ms = [Mark(p, "final", "j", j, c, s) for p, j, c, s in [
        ("A", "J1", "x", 30), ("A", "J1", "y", 20), ("A", "J2", "x", 40), ("A", "J2", "y", 10),
        ("B", "J1", "x", 20), ("B", "J1", "y", 30), ("B", "J2", "x", 10), ("B", "J2", "y", 40)]]
    res = run(r, ms)
    # criterion:y first: A (20+10)/2 = 15 < B (30+40)/2 = 35 -> B wins at the first breaker
    assert ranks(res) == {"B": 1, "A": 2} and res.ties[0].resolved_by == "criterion:y"


def test_countback_compares_counts_of_each_judge_total_from_the_top():
    # sum of 3 judges: A 10 + 8 + 8 = 26, B 10 + 10 + 6 = 26.  Values from the top: 10, 8, 6;
    # A has (one 10, two 8s, no 6), B (two 10s, …) -> B more 10s -> B first
    r = rules(panel(method="sum") + '[ties]\nscope = "all"\nbreakers = ["countback", "shared"]\n')
    res = run(r, marks({"A": [10, 8, 8], "B": [10, 10, 6]}))
    assert ranks(res) == {"B": 1, "A": 2} and res.ties[0].resolved_by == "countback"


def test_givers_counts_judges_giving_more_than_zero():
    # sum: A 0 + 5 + 5 = 10 from 2 givers, B 10 + 0 + 0 = 10 from 1 -> A first
    r = rules(panel(method="sum") + '[ties]\nscope = "all"\nbreakers = ["givers", "countback", "shared"]\n')
    res = run(r, marks({"A": [0, 5, 5], "B": [10, 0, 0]}))
    assert ranks(res) == {"A": 1, "B": 2} and res.ties[0].resolved_by == "givers"


def test_a_tie_no_breaker_can_split_is_shared():
    # A and B identical in every way: panel, countback and givers all equal -> shared, rank 1 and 1
    r = rules(panel(method="sum") + '[ties]\nscope = "all"\nbreakers = ["givers", "countback", "shared"]\n')
    res = run(r, marks({"A": [7, 9], "B": [9, 7], "C": [1, 1]}))
    assert ranks(res) == {"A": 1, "B": 1, "C": 3}
    assert res.ties[0].resolved_by == "shared" and res.ties[0].breakers_used == []


def test_breakers_apply_in_order_to_the_tied_projects_only():
    # A, B, C tie on 10 (sum).  givers: A 2, B 2, C 1 -> C third; A and B go on to countback:
    # A (5, 5) vs B (6, 4): values 6, 5, 4 -> B has one 6 -> B first.  D (9) is not in the tie.
    # Ranks B 1, A 2, C 3, D 4
    r = rules(panel(method="sum") + '[ties]\nscope = "all"\nbreakers = ["givers", "countback", "shared"]\n')
    res = run(r, marks({"A": [5, 5, 0], "B": [6, 4, 0], "C": [10, 0, 0], "D": [9, 0, 0]}))
    assert ranks(res) == {"B": 1, "A": 2, "C": 3, "D": 4}
    assert res.ties[0].breakers_used == ["givers", "countback"] and res.ties[0].resolved_by == "countback"


# ------------------------------------------------------------------ tracks

def test_tracks_are_ranked_and_awarded_separately_when_the_rules_say_so():
    # track 新锐: N1 90, N2 80; track 魅力: M1 70, M2 85.  first prize 1 per track
    r = rules('[ties]\nscope = "none"\n[[awards]]\nid = "first"\ncount = 1\namount = 1000\n'
              '[tracks]\nmode = "separate"\n')  # only when the rules say so (issue 9)
    projects = {"N1": ProjectInfo("N1", "新一", "新锐"), "N2": ProjectInfo("N2", "新二", "新锐"),
                "M1": ProjectInfo("M1", "魅一", "魅力"), "M2": ProjectInfo("M2", "魅二", "魅力")}
    res = run(r, marks({"N1": [90], "N2": [80], "M1": [70], "M2": [85]}), projects)
    assert ranks(res) == {"N1": 1, "N2": 2, "M2": 1, "M1": 2}
    assert awards(res) == {"N1": "first", "N2": None, "M2": "first", "M1": None}
    assert {r.project: r.track for r in res.results} == {"N1": "新锐", "N2": "新锐", "M1": "魅力", "M2": "魅力"}


def test_tie_ids_name_their_track():
    r = rules('[ties]\nscope = "none"\n[tracks]\nmode = "separate"\n')
    projects = {p: ProjectInfo(p, track=t) for p, t in (("A", "x"), ("B", "x"), ("C", "y"), ("D", "y"))}
    res = run(r, marks({"A": [5], "B": [5], "C": [6], "D": [6]}), projects)
    assert sorted(t.id for t in res.ties) == ["x:T1", "y:T1"]
