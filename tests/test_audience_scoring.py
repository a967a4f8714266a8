"""The audience panel in the engine (judging/core/audience_scoring.py, scoring.py, engine.py): ballots are
aggregated by the panel's method (mean / median / trimmed mean), scaled × marks.max / stars, rounded; a
roadshow with fewer than min_ballots ballots falls back (reweight: the other panels scaled up to the whole;
zero: the audience part is 0) without an error; a project only the audience voted on is not scored.
Expected values are worked out by hand in the comments."""

from __future__ import annotations

import pytest

from judging.core.engine import compute
from judging.core.rules import parse_rules
from judging.core.scoring import Mark


def rules(audience: str = "", *, expert_w: float = 0.6, public_w: float = 0.3, audience_w: float = 0.1,
          extra: str = "", combine: str = "weighted_sum"):
    return parse_rules(f'''name = "t"
[marks]
min = 0
max = 100
step = 0.1
[[panels]]
id = "expert"
weight = {expert_w}
[[panels]]
id = "public"
weight = {public_w}
[[panels]]
id = "aud"
kind = "audience"
weight = {audience_w}
stars = 5
min_ballots = 3
{audience}
[combine]
method = "{combine}"
{extra}
''')


def marks(expert: dict[str, float], public: dict[str, float], ballots: dict[str, list[int]]) -> list[Mark]:
    out = [Mark(p, "final", "expert", "E1", "", v) for p, v in expert.items()]
    out += [Mark(p, "final", "public", "U1", "", v) for p, v in public.items()]
    out += [Mark(p, "final", "aud", f"v{k:03d}", "", float(s)) for p, row in ballots.items() for k, s in enumerate(row)]
    return out


def result(res, pid):
    return res.by_project()[pid]


def test_mean_of_ballots_scaled_to_the_marks_range():
    # ballots 4, 5, 3: mean 4 of 5 stars -> 4 / 5 × 100 = 80; total 0.6 × 80 + 0.3 × 70 + 0.1 × 80 = 77
    res = compute(rules(), marks({"A": 80}, {"A": 70}, {"A": [4, 5, 3]}))
    a = result(res, "A")
    assert a.panels == {"expert": 80.0, "public": 70.0, "aud": 80.0}
    assert a.total == 77.0
    assert a.audience == {"final": {"ballots": 3, "score": 80.0, "fallback": None}}
    assert a.to_json()["audience"] == {"final": {"ballots": 3, "score": 80.0, "fallback": None}}


def test_median_of_ballots():
    # 1, 2, 5, 5: median (2 + 5) / 2 = 3.5 -> 70; total 48 + 21 + 7 = 76
    res = compute(rules('method = "median"'), marks({"A": 80}, {"A": 70}, {"A": [5, 1, 5, 2]}))
    assert result(res, "A").panels["aud"] == 70.0 and result(res, "A").total == 76.0


def test_trimmed_mean_of_ballots():
    # 1, 3, 4, 5, 5: drop 1 and one 5 -> (3 + 4 + 5) / 3 = 4 -> 80
    res = compute(rules('method = "trimmed_mean"\ndrop_high = 1\ndrop_low = 1'),
                  marks({"A": 80}, {"A": 70}, {"A": [5, 1, 4, 3, 5]}))
    assert result(res, "A").panels["aud"] == 80.0


def test_scaling_is_rounded_as_the_rules_say():
    # 3 stars, ballots 1, 1, 2: mean 4/3 -> 4/3 / 3 × 100 = 44.444… -> 44.44 (panel step, 2 decimals half up)
    r = parse_rules('name = "t"\n[[panels]]\nid = "e"\nweight = 0.5\n[[panels]]\nid = "a"\nkind = "audience"\n'
                    'weight = 0.5\nstars = 3\n')
    res = compute(r, [Mark("A", "final", "e", "E1", "", 50.0)] +
                  [Mark("A", "final", "a", f"v{k}", "", s) for k, s in enumerate([1.0, 1.0, 2.0])])
    a = result(res, "A")
    assert a.panels["a"] == 44.44
    assert a.total == 47.22  # 0.5 × 50 + 0.5 × 44.44 = 47.22
    assert a.audience["final"] == {"ballots": 3, "score": 44.44, "fallback": None}


def test_too_few_ballots_reweight_scales_the_other_panels_to_the_whole():
    # B: 2 ballots < 3: (0.6 × 85 + 0.3 × 71) / 0.9 × 1.0 = 72.3 / 0.9 = 80.333… -> 80.33
    res = compute(rules(), marks({"A": 80, "B": 85}, {"A": 70, "B": 71}, {"A": [4, 5, 3], "B": [5, 5]}))
    b = result(res, "B")
    assert b.total == 80.33
    assert b.audience == {"final": {"ballots": 2, "score": None, "fallback": "reweight"}}
    assert "aud" not in b.panels and b.panels == {"expert": 85.0, "public": 71.0}
    assert [r.project for r in res.results] == ["B", "A"]  # 80.33 above 77


def test_no_ballot_at_all_falls_back_without_error():
    # (0.6 × 90 + 0.3 × 60) / 0.9 = 72 / 0.9 = 80
    res = compute(rules(), marks({"B": 90}, {"B": 60}, {}))
    assert result(res, "B").total == 80.0
    assert result(res, "B").audience == {"final": {"ballots": 0, "score": None, "fallback": "reweight"}}


def test_exactly_min_ballots_counts():
    # 3 ballots = min_ballots: counted, 5, 5, 5 -> 100; 54 + 18 + 10 = 82
    res = compute(rules(), marks({"B": 90}, {"B": 60}, {"B": [5, 5, 5]}))
    assert result(res, "B").total == 82.0 and result(res, "B").audience["final"]["fallback"] is None


def test_too_few_ballots_zero_counts_the_audience_part_as_zero():
    # 0.6 × 90 + 0.3 × 60 + 0.1 × 0 = 72
    res = compute(rules('fallback = "zero"'), marks({"B": 90}, {"B": 60}, {"B": [5]}))
    b = result(res, "B")
    assert b.total == 72.0 and b.panels["aud"] == 0.0
    assert b.audience == {"final": {"ballots": 1, "score": None, "fallback": "zero"}}


def test_reweight_with_weights_not_summing_to_one():
    # weights 2, 1, 1: (2 × 90 + 1 × 60) / 3 × 4 = 240 / 3 × 4 = 320
    res = compute(rules(expert_w=2, public_w=1, audience_w=1), marks({"B": 90}, {"B": 60}, {"B": [5]}))
    assert result(res, "B").total == 320.0
    # counted: 2 × 90 + 60 + 1 × (4 / 5 × 100) = 320 as well, by a different road: 180 + 60 + 80
    res = compute(rules(expert_w=2, public_w=1, audience_w=1), marks({"B": 90}, {"B": 60}, {"B": [4, 4, 4]}))
    assert result(res, "B").total == 320.0


def test_reweight_with_combine_sum():
    # weights ignored: 90 + 60 = 150 over 2 panels, scaled to 3: 225
    res = compute(rules(combine="sum"), marks({"B": 90}, {"B": 60}, {"B": [5]}))
    assert result(res, "B").total == 225.0


def test_trimmed_with_too_few_ballots_to_drop_falls_back_instead_of_failing():
    # min_ballots 0 but drop 1 + 1 needs 3 ballots: 2 ballots -> reweight, (54 + 18) / 0.9 = 80
    res = compute(parse_rules('name = "t"\n[[panels]]\nid = "expert"\nweight = 0.6\n[[panels]]\nid = "public"\n'
                              'weight = 0.3\n[[panels]]\nid = "aud"\nkind = "audience"\nweight = 0.1\nstars = 5\n'
                              'method = "trimmed_mean"\ndrop_high = 1\ndrop_low = 1\n'),
                  marks({"B": 90}, {"B": 60}, {"B": [5, 1]}))
    assert result(res, "B").total == 80.0
    assert result(res, "B").audience["final"] == {"ballots": 2, "score": None, "fallback": "reweight"}


def test_a_project_with_only_audience_ballots_is_not_scored():
    res = compute(rules(), marks({"A": 80}, {"A": 70}, {"A": [4, 5, 3], "C": [5, 5, 5, 5]}))
    assert [r.project for r in res.results] == ["A"]
    assert res.to_json()["results"][0]["rank"] == 1


def test_a_judges_panel_still_must_mark_a_present_project():
    # the audience's fallback never hides a judges' panel that did not mark
    from judging.core.scoring import ScoringError
    with pytest.raises(ScoringError, match="no marks from panel 'public'"):
        compute(rules(), marks({"A": 80}, {}, {"A": [4, 5, 3]}))


def test_ballots_are_not_judges_for_the_givers_breaker():
    # A and B tie at 80 (A: 54 + 18 reweighted = 80; B: 48 + 24 + 8 with 3 ballots 4, 4, 4 = 80).  "givers" counts
    # judges with a total above 0: one expert and one public judge each -- the ballots do not count -- so it
    # cannot split them and the place is shared.
    r = rules(extra='[ties]\nscope = "all"\nbreakers = ["givers", "shared"]\n')
    res = compute(r, marks({"A": 90, "B": 80}, {"A": 60, "B": 80}, {"B": [4, 4, 4]}))
    assert {x.project: x.total for x in res.results} == {"A": 80.0, "B": 80.0}
    assert [x.rank for x in res.results] == [1, 1]


def test_the_json_has_no_audience_keys_without_an_audience_panel():
    r = parse_rules('name = "t"\n[[panels]]\nid = "e"\n')
    j = compute(r, [Mark("A", "final", "e", "E1", "", 50.0)]).to_json()
    assert "audience" not in j["results"][0] and "popularity" not in j and "grant_parts" not in j["results"][0]
