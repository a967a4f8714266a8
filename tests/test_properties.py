"""Property tests (hypothesis) of the engine's invariants.

* ranks are a competition ranking consistent with the totals, whatever the scope and breakers;
* grants never exceed the budget or a cap, are whole units, sum exactly to the budget when
  uncapped (proportional) and to the tier amounts (per_tier);
* results do not depend on the order of the input rows (bit for bit);
* trimmed_mean with nothing dropped is the mean.

Kept small (few projects and judges, ~100 examples each) so the file runs in a few seconds.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from judging.core.awards import allocate
from judging.core.engine import ProjectInfo, compute
from judging.core.scoring import Mark, aggregate

from .engine_kit import panel, rules

SETTINGS = settings(max_examples=100, deadline=None)


@st.composite
def mark_sets(draw, max_projects: int = 7, max_judges: int = 5, lo: int = 0, hi: int = 10) -> list[Mark]:
    """Two panels (a: 3..5 judges, b: 1..3 judges), every judge marks every project, small integer
    marks so that ties are common; sometimes a second regular round."""
    n = draw(st.integers(2, max_projects))
    ja = draw(st.integers(3, max_judges))
    jb = draw(st.integers(1, 3))
    rounds = draw(st.sampled_from([["final"], ["r1", "r2"]]))
    out = []
    for rnd in rounds:
        for p in range(n):
            for pid, count in (("a", ja), ("b", jb)):
                for j in range(count):
                    out.append(Mark(f"P{p + 1}", rnd, pid, f"{pid}{j + 1}", "", float(draw(st.integers(lo, hi)))))
    return out


METHOD_A = st.sampled_from([
    panel("a", "mean", 0.6), panel("a", "median", 0.6), panel("a", "sum", 0.6),
    panel("a", "trimmed_mean", 0.6, drop_high=1, drop_low=1), panel("a", "trimmed_sum", 0.6, drop_high=1, drop_low=1),
    panel("a", "zscore", 0.6), panel("a", "rank_points", 0.6, points=[5, 3, 2, 1])])
TIES = st.sampled_from([
    '[ties]\nscope = "none"\n',
    '[ties]\nscope = "all"\nbreakers = ["panel:a", "countback", "givers", "shared"]\n',
    '[ties]\nscope = "award_boundary"\nbreakers = ["panel:b", "countback", "shared"]\n',
    '[ties]\nscope = "all"\nbreakers = ["overtime", "shared"]\n'])
AWARDS = '[[awards]]\nid = "first"\ncount = 1\namount = 500\n[[awards]]\nid = "second"\ncount = 2\namount = 300\n'


def competition_ranks(totals: dict[str, float]) -> dict[str, int]:
    return {p: 1 + sum(1 for q in totals.values() if q > t) for p, t in totals.items()}


@SETTINGS
@given(ms=mark_sets(), method=METHOD_A, ties=TIES)
def test_ranks_are_a_competition_ranking_consistent_with_the_totals(ms, method, ties):
    r = rules(method + panel("b", "mean", 0.4) + ties + AWARDS)
    res = compute(r, ms)
    totals = {x.project: x.total for x in res.results}
    ranks = {x.project: x.rank for x in res.results}
    assert sorted(totals) == sorted({m.project for m in ms})
    # results come in rank order
    assert [x.rank for x in res.results] == sorted(ranks.values())
    for p in totals:
        for q in totals:
            if totals[p] > totals[q]:
                assert ranks[p] < ranks[q]       # a higher total is never placed lower
            if ranks[p] == ranks[q]:
                assert totals[p] == totals[q]    # only equal totals share a rank
    # a shared rank k held by m projects is followed by rank k + m (1, 2, 2, 4)
    values = sorted(ranks.values())
    for k in set(values):
        following = [v for v in values if v > k]
        if following:
            assert min(following) == k + values.count(k)
    assert min(values) == 1
    if "none" in ties:
        assert ranks == competition_ranks(totals)
    # every tie is a set of equal published totals
    for t in res.ties:
        assert len({totals[p] for p in t.projects}) == 1 and totals[t.projects[0]] == t.total


@SETTINGS
@given(ms=mark_sets(), method=METHOD_A, ties=TIES, seed=st.randoms(use_true_random=False))
def test_results_do_not_depend_on_the_order_of_input_rows(ms, method, ties, seed):
    r = rules(method + panel("b", "mean", 0.4) + ties + AWARDS + '[rounding]\nsteps = ["total"]\n')
    shuffled = list(ms)
    seed.shuffle(shuffled)
    assert compute(r, shuffled).to_json() == compute(r, ms).to_json()


@SETTINGS
@given(weights=st.lists(st.integers(0, 1000), min_size=1, max_size=8),
       cap_list=st.lists(st.one_of(st.none(), st.integers(0, 5000)), min_size=8, max_size=8),
       unit=st.sampled_from([Fraction(1), Fraction(100), Fraction(1, 100), Fraction(50)]),
       units_in_pot=st.integers(0, 2000))
def test_allocation_respects_budget_caps_and_units(weights, cap_list, unit, units_in_pot):
    order = [f"p{i}" for i in range(len(weights))]
    w = {p: Fraction(x) for p, x in zip(order, weights)}
    caps = {p: (None if c is None else Fraction(c)) for p, c in zip(order, cap_list)}
    pot = unit * units_in_pot
    got = allocate(pot, w, caps, unit, order)
    total = sum(got.values(), Fraction(0))
    assert total <= pot
    for p in order:
        assert got[p] >= 0 and (got[p] / unit).denominator == 1          # whole units
        assert caps[p] is None or got[p] <= caps[p]                        # never above the cap
        if w[p] == 0:
            assert got[p] == 0
    if any(w.values()) and all(c is None for c in caps.values()):
        assert total == pot                                                # exact when uncapped
    if total < pot and any(w.values()):
        # money is left only when nobody with a weight could take one more unit
        assert all(caps[p] is not None and got[p] + unit > caps[p] for p in order if w[p] > 0)


@SETTINGS
@given(scores=st.lists(st.integers(0, 100), min_size=1, max_size=10),
       n_funded=st.integers(1, 6), budget_units=st.integers(1, 5000),
       requested=st.lists(st.one_of(st.none(), st.integers(0, 3000)), min_size=10, max_size=10))
def test_proportional_grants_through_the_engine(scores, n_funded, budget_units, requested):
    budget = budget_units * 100
    body = (f'[ties]\nscope = "none"\n[[awards]]\nid = "funded"\ncount = {n_funded}\n'
            f'[grants]\nmode = "proportional"\nbudget = {budget}\nunit = 100\ncap = "requested"\n')
    ms = [Mark(f"P{i}", "final", "j", "J1", "", float(s)) for i, s in enumerate(scores)]
    projects = {f"P{i}": ProjectInfo(f"P{i}", requested=requested[i]) for i in range(len(scores))}
    res = compute(rules(body), ms, projects)
    grants = {x.project: Fraction(x.to_json()["grant"]) for x in res.results}
    assert sum(grants.values()) <= budget
    for x in res.results:
        assert grants[x.project] % 100 == 0
        if x.award is None:
            assert grants[x.project] == 0
        req = projects[x.project].requested
        if req is not None:
            assert grants[x.project] <= req
    funded_scores = [x.total for x in res.results if x.award is not None]
    if all(projects[x.project].requested is None for x in res.results) and sum(funded_scores) > 0:
        assert sum(grants.values()) == budget                            # uncapped: the whole budget


@SETTINGS
@given(scores=st.lists(st.integers(0, 20), min_size=1, max_size=9),
       amounts=st.tuples(st.integers(0, 50), st.integers(0, 50), st.integers(0, 50)),
       unit=st.sampled_from([1, 100]))
def test_per_tier_grants_equal_the_tier_amounts(scores, amounts, unit):
    # tiers of 1, 2, 3 places; amounts in whole units.  Equal totals share (and pool) their places.
    a1, a2, a3 = (x * unit for x in amounts)
    body = ('[ties]\nscope = "none"\n'
            f'[[awards]]\nid = "t1"\ncount = 1\namount = {a1}\n[[awards]]\nid = "t2"\ncount = 2\namount = {a2}\n'
            f'[[awards]]\nid = "t3"\ncount = 3\namount = {a3}\n[grants]\nunit = {unit}\n')
    ms = [Mark(f"P{i}", "final", "j", "J1", "", float(s)) for i, s in enumerate(scores)]
    res = compute(rules(body), ms)
    by_place = [a1] + [a2] * 2 + [a3] * 3
    grants = {x.project: x.to_json()["grant"] for x in res.results}
    # the grants add up to the amounts of the places taken (places beyond 6 are worth 0)
    assert sum(grants.values()) == sum(by_place[:len(scores)])
    if len(set(scores)) == len(scores):   # no tie: every project gets exactly its place's amount
        for x in res.results:
            assert grants[x.project] == (by_place[x.rank - 1] if x.rank <= 6 else 0)
    for x in res.results:
        assert grants[x.project] % unit == 0


@SETTINGS
@given(data=st.lists(st.lists(st.one_of(st.none(), st.floats(0, 100, allow_nan=False)), min_size=1, max_size=8),
                     min_size=1, max_size=6))
def test_trimmed_mean_with_drop_zero_equals_mean(data):
    width = max(len(row) for row in data)
    x = np.array([[np.nan if v is None else v for v in row] + [np.nan] * (width - len(row)) for row in data])
    trimmed = rules(panel(method="trimmed_mean", drop_high=0, drop_low=0)).panels[0]
    mean = rules(panel(method="mean")).panels[0]
    a, b = aggregate(x, trimmed), aggregate(x, mean)
    assert np.array_equal(np.isnan(a), np.isnan(b))
    assert np.allclose(a[~np.isnan(a)], b[~np.isnan(b)], rtol=1e-12, atol=1e-9)
