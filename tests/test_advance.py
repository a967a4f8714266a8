"""Who advances to the next stage (judging.core.advance), table-driven: the top N, a minimum score, per
track, ties at the line broken by the registry's breakers, by an overtime, or shared (all tied advance);
and the [advance] table of a rules file."""

from __future__ import annotations

import pytest

from judging.core.advance import Entry, decide
from judging.core.rules import RulesError, parse_rules
from judging.core.rules_model import Advance
from judging.core.rules_stages import check_for_kind


class Facts:
    """The expert panel's totals and judge totals of the projects (what the breakers read)."""

    expert = {"A": 80.0, "B": 90.0, "C": 85.0, "D": 85.0, "E": 70.0, "F": 60.0}
    judges = {**{p: [v, v - 1] for p, v in expert.items()}, "D": [86.0, 83.0]}  # C, D: equal expert, D wins countback

    def panel_total(self, panel_id, project):
        assert panel_id == "expert"
        return self.expert[project]

    def criterion_mean(self, criterion_id, project):
        return 0.0

    def judge_totals(self, project):
        return self.judges[project]


def E(spec: str) -> list[Entry]:
    """'A:90 B:88/x' -> entries (project:total[/track])."""
    out = []
    for item in spec.split():
        pid, rest = item.split(":")
        total, _, track = rest.partition("/")
        out.append(Entry(pid, float(total), track))
    return out


CASES = [
    # (rule, entries, overtime, advancing (sorted), ties [(projects, resolved_by, advanced)], pending)
    (Advance(count=3), "A:90 B:80 C:70 D:60", None, "A B C", [], []),
    (Advance(count=5), "A:90 B:80", None, "A B", [], []),                              # fewer than places
    (Advance(min_score=75), "A:90 B:75 C:74.99", None, "A B", [], []),
    (Advance(count=1, min_score=85), "A:80 B:84", None, "", [], []),                  # nobody reaches the score
    (Advance(count=2), "A:90 B:80 C:80 D:70", None, "A B C",                           # shared: all tied advance
     [(["B", "C"], "shared", ["B", "C"])], []),
    (Advance(count=2), "A:90 B:90 C:80", None, "A B", [], []),                         # tie above the line: nothing
    (Advance(count=3, breakers=("panel:expert", "shared")), "A:90 B:80 C:80 D:80 E:60", None, "A B C D",
     [(["B", "C", "D"], "shared", ["B", "C", "D"])], []),                      # B first on expert, C = D: shared
    (Advance(count=2, breakers=("panel:expert", "shared")), "A:95 B:80 C:80 D:80", None, "A B",
     [(["B", "C", "D"], "panel:expert", ["B"])], []),                                   # B has the higher expert
    (Advance(count=3, breakers=("panel:expert", "countback", "shared")), "A:95 B:80 C:80 D:80 E:10", None,
     "A B D", [(["B", "C", "D"], "countback", ["B", "D"])], []),                        # C, D tied on expert, countback
    (Advance(count=2, breakers=("overtime", "shared")), "A:95 B:80 C:80", None, "A",
     [(["B", "C"], None, [])], [["B", "C"]]),                                           # overtime pending
    (Advance(count=2, breakers=("overtime", "shared")), "A:95 B:80 C:80", {"B": 70.0, "C": 75.0}, "A C",
     [(["B", "C"], "overtime", ["C"])], []),
    (Advance(count=1, per_track=True), "A:90/x B:80/x C:85/y D:85/y E:60/z", None, "A C D E",
     [(["C", "D"], "shared", ["C", "D"])], []),
    (Advance(count=1, per_track=True, breakers=("panel:expert",)), "A:90/x B:80/x C:85/y D:85/y", None, "A C D",
     [(["C", "D"], "shared", ["C", "D"])], []),                                         # list runs out: shared
]


@pytest.mark.parametrize("rule, entries, overtime, advancing, ties, pending", CASES)
def test_who_advances(rule, entries, overtime, advancing, ties, pending):
    out = decide(rule, E(entries), Facts(), overtime)
    assert sorted(out.advancing) == sorted(advancing.split())
    assert [(t.projects, t.resolved_by, sorted(t.advanced)) for t in out.ties] == ties
    assert out.pending == pending
    assert out.decided == (not pending)
    for e in E(entries):  # every project is told why, in Chinese first
        reason = out.reasons[e.project]
        assert ("晋级" in reason) and " / " in reason
        assert ("未晋级" in reason or "待加时赛" in reason) == (e.project not in out.advancing)


def test_a_shared_line_says_so():
    out = decide(Advance(count=2), E("A:90 B:80 C:80"), Facts())
    assert "并列晋级" in out.reasons["B"] and "并列晋级" in out.reasons["C"]
    assert "前 2 名" in out.reasons["A"]


def test_the_tie_on_the_line_split_by_a_breaker_names_it():
    out = decide(Advance(count=2, breakers=("panel:expert",)), E("A:95 B:80 C:80"), Facts())
    assert out.advancing == ["A", "B"]
    assert "得分高者胜" in out.reasons["B"] and "未晋级" in out.reasons["C"]


RULES = '''name = "r"
[[panels]]
id = "expert"
label = "专家"
weight = 1
'''


@pytest.mark.parametrize("table, message", [
    ("[advance]\nper_track = true", "needs count"),
    ("[advance]\ncount = 0", "at least 1"),
    ("[advance]\ncount = 2\nbreakers = [\"panel:nobody\"]", "unknown breaker"),
    ("[advance]\ncount = 2\nbreakers = [\"shared\", \"countback\"]", "ends the list"),
    ("[advance]\ncount = 2\nper_track = 1", "true or false"),
    ("[advance]\ncount = 2\nlimit = 3", "unknown key"),
    ("[carry]\nweight = 1", "below 1"),
    ("[carry]\nweight = -0.1", "at least 0"),
])
def test_bad_stage_tables_are_refused(table, message):
    with pytest.raises(RulesError, match=message):
        parse_rules(RULES + table)


def test_the_tables_parse_and_a_review_stage_refuses_overtime():
    rules = parse_rules(RULES + "[advance]\ncount = 5\nper_track = true\nbreakers = [\"overtime\", \"panel:expert\"]\n"
                        "[carry]\nweight = 0.3\n")
    assert rules.advance == Advance(5, None, True, ("overtime", "panel:expert"))
    assert rules.carry.weight == 0.3
    check_for_kind(rules, "live")
    with pytest.raises(RulesError, match="书面评审阶段没有加时赛"):
        check_for_kind(rules, "review")
    assert parse_rules(RULES).advance is None and parse_rules(RULES).carry is None
