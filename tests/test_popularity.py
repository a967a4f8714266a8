"""The popularity vote (judging/core/popularity.py, through judging.core.engine.compute): places by votes, the
tier to the ``count`` best, a tie at the boundary broken by the scored total, a panel's score or shared, the
tier's amount on top of the scored grant, reserved from the [grants] budget first, exact money.
Expected values are worked out by hand in the comments."""

from __future__ import annotations

from fractions import Fraction

import pytest

from judging.core.engine import ProjectInfo, compute
from judging.core.rules import parse_rules
from judging.core.scoring import Mark, ScoringError


def rules(popularity: str = "", tail: str = ""):
    return parse_rules(f'''name = "t"
[[panels]]
id = "expert"
weight = 0.5
[[panels]]
id = "public"
weight = 0.5
[popularity]
amount = 5000
{popularity}
{tail}
''')


def marks(scores: dict[str, tuple[float, float]]) -> list[Mark]:
    """project -> (expert, public): total = (expert + public) / 2."""
    return [m for p, (e, u) in scores.items()
            for m in (Mark(p, "final", "expert", "E1", "", e), Mark(p, "final", "public", "U1", "", u))]


SCORES = {"A": (80, 80), "B": (90, 70), "C": (70, 70), "D": (60, 60)}  # totals A 80, B 80, C 70, D 60


def pop(res) -> dict:
    return res.to_json()["popularity"]


def test_places_and_the_best_gets_the_tier():
    res = compute(rules(), marks(SCORES), popularity={"A": 3, "B": 10, "C": 3})
    p = pop(res)
    assert p["held"] is True and (p["id"], p["label"], p["count"], p["amount"]) == ("popularity", "最佳人气奖", 1, 5000)
    assert [(e["project"], e["votes"], e["place"], e["award"], e["grant"]) for e in p["ranking"]] == [
        ("B", 10, 1, "popularity", 5000), ("A", 3, 2, None, 0), ("C", 3, 2, None, 0), ("D", 0, 4, None, 0)]
    assert p["ties"] == []  # A and C tie on place 2, not at the boundary
    b = res.by_project()["B"].to_json()
    assert b["popularity"] == {"votes": 10, "place": 1, "award": "popularity", "grant": 5000}
    assert b["grant"] == 5000 and b["grant_parts"] == {"scored": 0, "popularity": 5000}


def test_a_tie_at_the_boundary_goes_to_the_higher_total():
    # B and C 7 votes each for 1 tier: totals B 80 > C 70
    res = compute(rules(), marks(SCORES), popularity={"B": 7, "C": 7, "A": 2})
    p = pop(res)
    assert [(e["project"], e["place"], e["award"]) for e in p["ranking"][:2]] == [("B", 1, "popularity"), ("C", 2, None)]
    assert p["ties"] == [{"projects": ["B", "C"], "votes": 7, "breaker": "total", "winners": ["B"]}]


def test_a_tie_by_a_panel_score():
    # A and B both total 80 and 5 votes; panel:public: A 80 > B 70
    res = compute(rules('breakers = ["panel:public", "shared"]'), marks(SCORES), popularity={"A": 5, "B": 5})
    assert pop(res)["ties"] == [{"projects": ["A", "B"], "votes": 5, "breaker": "panel:public", "winners": ["A"]}]
    assert res.by_project()["A"].popularity["award"] == "popularity" and res.by_project()["B"].popularity["award"] is None


def test_equal_totals_fall_through_to_shared_and_each_gets_the_amount():
    # A and B: 5 votes, total 80 each -> "total" cannot split them -> shared, 5000 to each
    res = compute(rules(), marks(SCORES), popularity={"A": 5, "B": 5, "C": 1})
    p = pop(res)
    assert p["ties"] == [{"projects": ["A", "B"], "votes": 5, "breaker": "shared", "winners": ["A", "B"]}]
    assert [(e["project"], e["place"], e["grant"]) for e in p["ranking"]][:2] == [("A", 1, 5000), ("B", 1, 5000)]
    assert p["awarded"] == 10000 and res.to_json()["money"]["popularity"] == 10000


def test_shared_only():
    res = compute(rules('breakers = ["shared"]'), marks(SCORES), popularity={"B": 4, "C": 4})
    assert pop(res)["ties"][0]["winners"] == ["B", "C"]


def test_count_two_with_a_three_way_tie_for_the_second():
    # A 9 wins outright; B, C, D 5 votes for the one place left: totals 80, 70, 60 -> B
    res = compute(rules("count = 2"), marks(SCORES), popularity={"A": 9, "B": 5, "C": 5, "D": 5})
    p = pop(res)
    assert [e["project"] for e in p["ranking"] if e["award"]] == ["A", "B"]
    assert p["ties"] == [{"projects": ["B", "C", "D"], "votes": 5, "breaker": "total", "winners": ["B"]}]
    assert {e["project"]: e["place"] for e in p["ranking"]} == {"A": 1, "B": 2, "C": 3, "D": 3}


def test_no_vote_no_award():
    # nobody voted for anyone: nobody wins
    res = compute(rules(), marks(SCORES), popularity={})
    assert pop(res)["held"] is True and all(e["award"] is None for e in pop(res)["ranking"])


def test_before_the_vote():
    res = compute(rules(), marks(SCORES))
    p = pop(res)
    assert p["held"] is False and p["ranking"] == [] and p["ties"] == []
    assert res.by_project()["A"].to_json()["popularity"] is None
    assert res.by_project()["A"].to_json()["grant_parts"] == {"scored": 0, "popularity": 0}


TIERS = '[[awards]]\nid = "first"\ncount = 1\namount = 10000\n[[awards]]\nid = "second"\ncount = 2\namount = 5000\n'


def test_the_popularity_grant_comes_on_top_of_the_scored_grant():
    # no budget: B (total 85) first, A (80) and C (70) second
    s = {"A": (80, 80), "B": (90, 80), "C": (70, 70), "D": (60, 60)}  # totals 80, 85, 70, 60
    res = compute(rules(tail=TIERS), marks(s), popularity={"B": 12, "A": 3})
    b = res.by_project()["B"].to_json()
    assert (b["award"], b["grant"], b["grant_parts"]) == ("first", 15000, {"scored": 10000, "popularity": 5000})
    assert res.to_json()["money"]["awarded"] == 10000 + 5000 + 5000 + 5000  # first + 2 × second + popularity


def test_with_a_budget_popularity_is_paid_first():
    # budget 25000 = 20000 for the tiers + 5000 popularity.  A shared popularity tie pays 2 × 5000 = 10000, so
    # the scored tiers share 15000 instead of 20000: 10000, 5000, 5000 scaled × 3/4 -> 7500, 3750, 3750
    s = {"A": (80, 80), "B": (90, 80), "C": (70, 70), "D": (60, 60)}  # B 85, A 80, C 70, D 60
    r = rules(tail=TIERS + "[grants]\nbudget = 25000\n")
    res = compute(r, marks({**s, "C": (80, 80)}), popularity={"C": 4, "A": 4})  # C = A = 80: shared
    got = {x.project: x.to_json() for x in res.results}
    assert got["B"]["grant_parts"] == {"scored": 7500, "popularity": 0}
    assert got["A"]["grant_parts"] == {"scored": 3750, "popularity": 5000} and got["A"]["grant"] == 8750
    assert got["C"]["grant_parts"] == {"scored": 3750, "popularity": 5000}
    m = res.to_json()["money"]
    assert (m["budget"], m["awarded"], m["unallocated"], m["popularity"]) == (25000, 25000, 0, 10000)
    assert m["tracks"][0]["budget"] == 15000
    # one winner: the tiers get their 20000 in full
    res = compute(r, marks(s), popularity={"C": 9})
    got = {x.project: x.to_json() for x in res.results}
    assert (got["B"]["grant"], got["A"]["grant"], got["C"]["grant"]) == (10000, 5000, 10000)


def test_proportional_budget_keeps_its_share_before_and_after_the_vote():
    # budget 10000, popularity 2000 reserved: 8000 split by total 80 : 70 -> 4266.67, 3733.33 -> whole yuan by
    # largest remainder: 4267, 3733
    r = parse_rules('name = "t"\n[[panels]]\nid = "e"\n[[awards]]\nid = "funded"\ncount = 2\n'
                    '[grants]\nmode = "proportional"\nbudget = 10000\n[popularity]\namount = 2000\n')
    ms = [Mark("A", "final", "e", "E1", "", 80.0), Mark("B", "final", "e", "E1", "", 70.0)]
    before = {x.project: x.to_json()["grant"] for x in compute(r, ms).results}
    assert before == {"A": 4267, "B": 3733}
    after = {x.project: x.to_json()["grant_parts"] for x in compute(r, ms, popularity={"B": 30, "A": 2}).results}
    assert after == {"A": {"scored": 4267, "popularity": 0}, "B": {"scored": 3733, "popularity": 2000}}


def test_a_shared_tie_beyond_the_whole_budget_splits_it_equally():
    # budget 12000, amount 10000: a 3-way shared tie would need 30000 -> 4000 each, a warning
    r = parse_rules('name = "t"\n[[panels]]\nid = "e"\n[grants]\nbudget = 12000\n'
                    '[popularity]\namount = 10000\nbreakers = ["shared"]\n')
    ms = [Mark(p, "final", "e", "E1", "", 50.0) for p in "ABC"]
    res = compute(r, ms, popularity={"A": 1, "B": 1, "C": 1})
    assert [e["grant"] for e in pop(res)["ranking"]] == [4000, 4000, 4000]
    assert any("超出预算" in w for w in res.warnings)
    assert res.to_json()["money"]["awarded"] == 12000


def test_money_is_exact():
    # 33.33 to each of 3 shared winners: exactly 99.99, never 99.99000000000001
    r = parse_rules('name = "t"\n[[panels]]\nid = "e"\n[grants]\nunit = 0.01\n'
                    '[popularity]\namount = 33.33\nbreakers = ["shared"]\n')
    ms = [Mark(p, "final", "e", "E1", "", 50.0) for p in "ABC"]
    res = compute(r, ms, popularity={"A": 2, "B": 2, "C": 2})
    assert res.popularity.awarded == Fraction(9999, 100)
    assert res.to_json()["money"]["popularity"] == 99.99
    assert [x.grant for x in res.results] == [Fraction(3333, 100)] * 3


def test_votes_for_an_unscored_project_are_left_out_with_a_warning():
    res = compute(rules(), marks(SCORES), popularity={"Z": 50, "A": 1})
    assert [e["project"] for e in pop(res)["ranking"] if e["award"]] == ["A"]
    assert any("Z" in w and "未评分" in w for w in res.warnings)


def test_bad_votes_are_a_scoring_error():
    with pytest.raises(ScoringError, match="votes for 'A' must be a whole number"):
        compute(rules(), marks(SCORES), popularity={"A": -1})
    infos = {p: ProjectInfo(p) for p in SCORES}
    with pytest.raises(ScoringError, match="not in the project list"):
        compute(rules(), marks(SCORES), infos, popularity={"Q": 3})


def test_no_popularity_section_without_popularity_rules():
    r = parse_rules('name = "t"\n[[panels]]\nid = "e"\n')
    j = compute(r, [Mark("A", "final", "e", "E1", "", 50.0)], popularity={"A": 3}).to_json()
    assert "popularity" not in j and "popularity" not in j["money"]
