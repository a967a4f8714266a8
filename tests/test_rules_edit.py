"""judging.core.rules_edit: new award tiers and budget in a rules text, everything else untouched (no server)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from judging.core.rules import parse_rules
from judging.core.rules_edit import KEEP, RulesEditError, edit_rules

PRESETS = sorted((Path(__file__).resolve().parents[1] / "scoring_rules").glob("*.toml"))
TIERS = [{"id": "gold", "label": "金奖", "count": 1, "amount": 30000},
         {"label": "银奖", "count": "2", "amount": "20,000"},
         {"id": "", "label": "入围奖", "min_score": 60, "amount": 0}]


def comments(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.lstrip().startswith("#")]


def others(text: str) -> dict:
    """Everything the parsed rules say except awards, the budget and the text itself."""
    r = parse_rules(text)
    return {**dataclasses.asdict(r), "awards": None, "text": None,
            "grants": {**dataclasses.asdict(r.grants), "budget": None}}


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.stem)
def test_new_tiers_and_budget_on_every_preset_change_nothing_else(preset: Path) -> None:
    text = preset.read_text(encoding="utf-8")
    new = edit_rules(text, preset.name, awards=TIERS, budget=90000)
    rules = parse_rules(new)
    assert [(a.id, a.label, a.count, a.min_score, a.amount) for a in rules.awards] == [
        ("gold", "金奖", 1, None, 30000), ("tier1", "银奖", 2, None, 20000), ("tier2", "入围奖", None, 60, 0)]
    assert rules.grants.budget == 90000
    assert others(new) == others(text)
    assert comments(new) == comments(text)          # the preset's provenance notes survive
    assert edit_rules(new, preset.name, awards=TIERS, budget=90000) == new  # stable


@pytest.mark.parametrize("awards, budget, expect_awards, expect_budget", [
    (KEEP, 500000, ["first", "second", "third", "merit"], 500000),
    (KEEP, None, ["first", "second", "third", "merit"], None),
    (KEEP, "", ["first", "second", "third", "merit"], None),
    ([], KEEP, [], 400000),
    ([{"id": "first", "label": "一等奖", "count": 3, "amount": 50000}], KEEP, ["first"], 400000),
    ([{"id": "merit", "label": "优秀奖", "count": 9}, {"id": "first", "label": "一等奖", "count": 1}], 300000,
     ["merit", "first"], 300000),
])
def test_expert_public_edits(awards, budget, expect_awards, expect_budget) -> None:
    text = (PRESETS[0].parent / "expert_public.toml").read_text(encoding="utf-8")
    new = edit_rules(text, awards=awards, budget=budget)
    rules = parse_rules(new)
    assert [a.id for a in rules.awards] == expect_awards
    assert rules.grants.budget == expect_budget
    assert others(new) == others(text)
    assert "[grants]\nmode = \"per_tier\"" in new  # the grants table stays where it was


def test_nothing_to_change_returns_the_text_unchanged() -> None:
    text = "# keep me\nname = 'x'\n"
    assert edit_rules(text) is text


TRICKY = '''# header comment
name = "tricky"
description = [
  """
[[awards]]
this is text, not a table
""",
  ["awards"]
]

[[panels]]
id = "p"
method = "rank_points"
points = [12, 10]

# the prizes
[[awards]]  # first tier
id = "a"
label = "A"
count = 1

# a comment between two tiers (kept)
[[awards]]
id = "b"
label = "B"
count = 1

# about the ties
[ties]
breakers = ["shared"]

[grants]
mode = "per_tier"
"budget" = 100  # quoted key
unit = 1
'''


def test_layout_with_lookalike_headers_comments_and_quoted_keys() -> None:
    # (no tab in the label since issue 9: control characters in a label are refused, see below)
    new = edit_rules(TRICKY, awards=[{"id": "z", "label": 'say "hi" \\ 你好\n', "count": 2, "amount": 5}], budget=50)
    rules = parse_rules(new)
    assert [(a.id, a.label, a.count) for a in rules.awards] == [("z", 'say "hi" \\ 你好', 2)]
    assert rules.grants.budget == 50
    assert others(new) == others(TRICKY)
    assert "this is text, not a table" in new and "# about the ties" in new and "# the prizes" in new
    assert new.index("[[awards]]\nid = \"z\"") < new.index("[ties]")  # written where the tiers were


def test_budget_is_added_to_an_existing_grants_table_without_one() -> None:
    text = 'name = "x"\n[[panels]]\nid = "p"\n\n[grants]\nmode = "per_tier"\n'
    new = edit_rules(text, budget=1000)
    assert new == 'name = "x"\n[[panels]]\nid = "p"\n\n[grants]\nbudget = 1000\nmode = "per_tier"\n'


@pytest.mark.parametrize("awards, budget, field", [
    ("一等奖", KEEP, "awards"),
    ([{"label": "", "count": 1}], KEEP, "awards[0].label"),
    ([{"label": "一等\t奖", "count": 1}], KEEP, "awards[0].label"),
    ([{"label": "A", "count": 0}], KEEP, "awards[0].count"),
    ([{"label": "A", "count": 1.5}], KEEP, "awards[0].count"),
    ([{"label": "A", "count": "三"}], KEEP, "awards[0].count"),
    ([{"label": "A", "count": 1, "min_score": 80}], KEEP, "awards[0].count"),
    ([{"label": "A"}], KEEP, "awards[0].count"),
    ([{"label": "A", "min_score": "high"}], KEEP, "awards[0].min_score"),
    ([{"label": "A", "count": 1, "amount": -1}], KEEP, "awards[0].amount"),
    ([{"label": "A", "count": 1, "amount": True}], KEEP, "awards[0].amount"),
    ([{"id": "a\tb", "label": "A", "count": 1}], KEEP, "awards[0].id"),  # "a b" is a fine id now
    ([{"id": "a", "label": "A", "count": 1}, {"id": "a", "label": "B", "count": 1}], KEEP, "awards[1].id"),
    ([{"label": "A", "min_score": 60}, {"label": "B", "min_score": 70}], KEEP, "awards[1].min_score"),
    (KEEP, -5, "budget"),
    (KEEP, "lots", "budget"),
    (KEEP, 100000, "budget"),   # the preset's tiers need 400000
    (KEEP, 400050, "budget"),   # not a multiple of grants.unit (100)
    ([{"label": "A", "count": 20, "amount": 50000}], KEEP, "budget"),
])
def test_bad_input_is_refused_per_field_in_chinese_first(awards, budget, field) -> None:
    text = (PRESETS[0].parent / "expert_public.toml").read_text(encoding="utf-8")
    with pytest.raises(RulesEditError) as err:
        edit_rules(text, awards=awards, budget=budget)
    assert field in err.value.errors, err.value.errors
    assert "\u4e00" <= str(err.value)[0] <= "\u9fff"  # message starts in Chinese
    assert "\u4e00" <= err.value.errors[field][0] <= "\u9fff"


def test_inline_awards_array_is_refused_not_mangled() -> None:
    text = 'name = "x"\nawards = [{id = "a", label = "A", count = 1}]\n[[panels]]\nid = "p"\n'
    with pytest.raises(RulesEditError) as err:
        edit_rules(text, awards=[{"label": "B", "count": 1}])
    assert "rules" in err.value.errors
