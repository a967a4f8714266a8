"""The tie-breaker registry (judging.core.tiebreakers): each entry's validation, ordering key, label and
description -- and that a new tie-break rule is one entry: the rules parser, the ranking and the wording
pick it up without another change."""

from __future__ import annotations

import pytest

from judging.core import tiebreakers
from judging.core.rules import RulesError, parse_rules
from judging.core.tiebreakers import (BREAKERS, Breaker, breaker_description, breaker_label, breaker_problem,
                                      ordering)
from tests.engine_kit import HEAD, marks, panel, ranks, rules, run


class Facts:
    """Fixed facts about three tied projects."""

    panels = {("expert", "A"): 80.0, ("expert", "B"): 90.0, ("expert", "C"): 85.0}
    criteria = {("创新性", "A"): 9.0, ("创新性", "B"): 7.0, ("创新性", "C"): 8.0}
    judges = {"A": [10.0, 9.0, 0.0], "B": [10.0, 8.0, 8.0], "C": [10.0, 10.0, 0.0]}

    def panel_total(self, panel_id, project):
        return self.panels[(panel_id, project)]

    def criterion_mean(self, criterion_id, project):
        return self.criteria[(criterion_id, project)]

    def judge_totals(self, project):
        return self.judges[project]


@pytest.mark.parametrize("breaker, best_first", [
    ("panel:expert", ["B", "C", "A"]),
    ("criterion:创新性", ["A", "C", "B"]),
    ("countback", ["C", "A", "B"]),      # two 10s beat one 10 and a 9, which beats one 10 and two 8s
    ("givers", ["B", "A", "C"]),         # three judges above 0; A and C have two each (A before C by id)
])
def test_each_ordering_key(breaker, best_first):
    keys = ordering(breaker, Facts(), ["A", "B", "C"])
    neg = (lambda k: tuple(-x for x in k)) if isinstance(keys["A"], tuple) else (lambda k: -k)
    assert sorted(keys, key=lambda p: (neg(keys[p]), p)) == best_first


@pytest.mark.parametrize("breaker, problem", [
    ("overtime", None), ("shared", None), ("countback", None), ("givers", None),
    ("panel:expert", None), ("criterion:创新性", None), ("criterion:Skating Skills", None),
    ("panel:nobody", "unknown breaker 'panel:nobody'"), ("coin", "unknown breaker 'coin'"),
    ("overtime:1", "unknown breaker 'overtime:1'"), ("panel", "unknown breaker 'panel'"),
])
def test_validation(breaker, problem):
    found = breaker_problem(breaker, ["expert"], ["创新性", "Skating Skills"])
    assert (found is None) if problem is None else (problem in found and "panel:<id>" in found)


def test_labels_and_descriptions_in_both_languages():
    r = parse_rules(HEAD + '[[criteria]]\nid = "创新性"\nlabel = "创新性 Innovation"\n'
                    + panel("expert", label="专家评审团 Expert panel"))
    assert breaker_label("overtime") == ("加时赛决出", "Decided by an overtime roadshow")
    assert breaker_label("panel:expert", r) == ("专家评审团得分高者胜", "Higher 专家评审团 score wins")
    assert breaker_label("criterion:创新性", r)[0] == "“创新性”得分高者胜"
    assert breaker_description("countback") == ("比较各评委高分个数", "countback of top marks")
    assert all(b.label[0] and b.label[1] and b.description[0] and b.description[1] for b in BREAKERS.values())


def test_a_new_tie_break_rule_is_one_registry_entry(monkeypatch):
    """'fewest_zeros': fewer judges giving 0 wins -- added as one entry, used by the parser and the ranking."""
    entry = Breaker("fewest_zeros", None, ("零分少者胜", "Fewer zeros wins"), ("零分少者", "fewer zeros"),
                    key=lambda f, _arg, group: {p: -sum(1 for v in f.judge_totals(p) if v == 0) for p in group})
    text = panel("j") + '[ties]\nscope = "all"\nbreakers = ["fewest_zeros", "shared"]\n'
    with pytest.raises(RulesError):
        rules(text)  # not known yet
    monkeypatch.setitem(tiebreakers.BREAKERS, "fewest_zeros", entry)
    r = rules(text)
    res = run(r, marks({"A": [0, 90, 90], "B": [60, 60, 60]}))  # both 60 on the mean; A has a zero
    assert ranks(res) == {"B": 1, "A": 2}
    tie = res.ties[0]
    assert tie.resolved_by == "fewest_zeros" and tiebreakers.how_settled(tie, r) == "零分少者胜"
