"""The audience half of a rules file (judging/core/rules_audience.py): an audience panel (kind = "audience",
stars, min_ballots, fallback) and [popularity] -- the defaults, every error as ``file: key: message``
(table-driven), the popularity tier's money against [grants], and the preset expert_public_audience.toml."""

from __future__ import annotations

from pathlib import Path

import pytest

from judging.core.rules import RulesError, parse_rules
from judging.inputs.rules_file import load_rules

HEAD = 'name = "t"\n'
JURY = '[[panels]]\nid = "jury"\nweight = 0.9\n'
AUD = '[[panels]]\nid = "aud"\nkind = "audience"\nweight = 0.1\n'
POP = '[popularity]\n'


def parse(text: str):
    return parse_rules(text, "r.toml")


def test_audience_panel_defaults_and_keys():
    r = parse(HEAD + JURY + AUD)
    p = r.audience_panel
    assert p is not None and p.id == "aud" and p.audience
    assert (p.stars, p.min_ballots, p.fallback, p.method, p.criteria) == (10, 0, "reweight", "mean", ())
    assert r.panel("jury").kind == "judges" and not r.panel("jury").audience
    assert r.has_audience and r.popularity is None
    r = parse(HEAD + JURY + AUD + 'stars = 5\nmin_ballots = 20\nfallback = "zero"\nmethod = "median"\n')
    p = r.audience_panel
    assert (p.stars, p.min_ballots, p.fallback, p.method) == (5, 20, "zero", "median")


def test_popularity_defaults_and_keys():
    r = parse(HEAD + JURY + POP)
    t = r.popularity
    assert (t.id, t.label, t.count, t.amount, t.choices, t.breakers) == \
        ("popularity", "最佳人气奖", 1, 0.0, 1, ("total", "shared"))
    assert r.has_audience and r.audience_panel is None
    r = parse(HEAD + JURY + POP + 'id = "pop"\nlabel = "人气奖"\ncount = 2\namount = 3000\nchoices = 3\n'
                                  'breakers = ["panel:jury", "total", "shared"]\n')
    t = r.popularity
    assert (t.id, t.label, t.count, t.amount, t.choices, t.breakers) == \
        ("pop", "人气奖", 2, 3000.0, 3, ("panel:jury", "total", "shared"))
    assert not parse(HEAD + JURY).has_audience


TIERS = '[[awards]]\nid = "first"\ncount = 1\namount = 10000\n[[awards]]\nid = "second"\ncount = 2\namount = 5000\n'

ERRORS = [
    (HEAD + JURY + '[[panels]]\nid = "a"\nkind = "crowd"\n',
     "panels[1].kind: unknown value 'crowd' (one of: judges, audience)"),
    (HEAD + JURY + 'stars = 5\n', 'panels[0].stars: only an audience panel (kind = "audience") has this key'),
    (HEAD + JURY + 'min_ballots = 5\n', 'panels[0].min_ballots: only an audience panel (kind = "audience") has this key'),
    (HEAD + JURY + 'fallback = "zero"\n', 'panels[0].fallback: only an audience panel (kind = "audience") has this key'),
    (HEAD + JURY + AUD + '[[panels]]\nid = "aud2"\nkind = "audience"\n', "panels[2].kind: only one panel can be the audience"),
    (HEAD + JURY + AUD + 'method = "sum"\n',
     "panels[1].method: an audience panel's score is its ballots' mean, median or trimmed_mean"),
    (HEAD + JURY + AUD + 'method = "zscore"\n',
     "panels[1].method: an audience panel's score is its ballots' mean, median or trimmed_mean"),
    (HEAD + '[[criteria]]\nid = "c"\n' + JURY + AUD + 'per = "criterion"\n',
     'panels[1].per: an audience panel has one mark per ballot: per = "judge"'),
    (HEAD + '[[criteria]]\nid = "c"\n' + JURY + AUD + 'criteria = ["c"]\n',
     "panels[1].criteria: an audience ballot is one overall mark: no criteria"),
    (HEAD + JURY + AUD + 'stars = 11\n', "panels[1].stars: at most 10 stars fit a phone's row"),
    (HEAD + JURY + AUD + 'stars = 0\n', "panels[1].stars: must be at least 1, got 0"),
    (HEAD + JURY + AUD + 'stars = 4.5\n', "panels[1].stars: must be a whole number, got 4.5"),
    (HEAD + JURY + AUD + 'min_ballots = -1\n', "panels[1].min_ballots: must be at least 0, got -1"),
    (HEAD + JURY + AUD + 'fallback = "drop"\n', "panels[1].fallback: unknown value 'drop' (one of: reweight, zero)"),
    (HEAD + JURY + POP + 'id = " "\n', "popularity.id: must be a non-empty text"),
    (HEAD + JURY + POP + 'id = 3\n', "popularity.id: must be a non-empty text"),
    (HEAD + JURY + TIERS + POP + 'id = "first"\n', "popularity.id: 'first' is already an award tier's id"),
    (HEAD + JURY + POP + 'breakers = "total"\n', 'popularity.breakers: must be a list, e.g. ["total", "shared"]'),
    (HEAD + JURY + POP + 'breakers = []\n', 'popularity.breakers: must be a list, e.g. ["total", "shared"]'),
    (HEAD + JURY + POP + 'breakers = ["overtime", "shared"]\n',
     "popularity.breakers: unknown breaker 'overtime': use total, shared or panel:<panel id>"),
    (HEAD + JURY + POP + 'breakers = ["panel:nope", "shared"]\n',
     "popularity.breakers: unknown breaker 'panel:nope': use total, shared or panel:<panel id>"),
    (HEAD + JURY + POP + 'breakers = ["total"]\n',
     'popularity.breakers: must end with "shared" (a tie nothing else breaks is shared)'),
    (HEAD + JURY + POP + 'count = 0\n', "popularity.count: must be at least 1, got 0"),
    (HEAD + JURY + POP + 'choices = 0\n', "popularity.choices: must be at least 1, got 0"),
    (HEAD + JURY + POP + 'amount = -5\n', "popularity.amount: must be at least 0, got -5"),
    (HEAD + JURY + POP + 'label = ""\n', "popularity.label: must not be empty (leave the key out to use the id)"),
    (HEAD + JURY + POP + 'votes = 3\n', "popularity.votes: unknown key"),
    # the popularity tier's money (new with the popularity vote's grants)
    (HEAD + JURY + POP + 'amount = 150\n[grants]\nunit = 100\n',
     "popularity.amount: must be a whole multiple of grants.unit (100)"),
    # per tier: 10000 + 2 × 5000 = 20000 for the scored tiers, + 2 × 3000 popularity = 26000 > 25000
    (HEAD + JURY + TIERS + POP + 'count = 2\namount = 3000\n[grants]\nbudget = 25000\n',
     "grants.budget: the award tiers and the popularity tier need 26000, more than the budget 25000"),
    # a budget split by score: only the popularity tier's 3 × 5000 = 15000 is fixed, > 10000
    (HEAD + JURY + TIERS + POP + 'count = 3\namount = 5000\n[grants]\nmode = "proportional"\nbudget = 10000\n',
     "grants.budget: the popularity tier needs 15000, more than the budget 10000"),
]


@pytest.mark.parametrize("text, expected", ERRORS, ids=[f"{i}-{e[1].split(':')[0]}" for i, e in enumerate(ERRORS)])
def test_every_audience_rules_error_names_file_and_key(text, expected):
    with pytest.raises(RulesError) as info:
        parse(text)
    assert str(info.value).startswith("r.toml: " + expected), str(info.value)
    assert info.value.key == expected.split(": ")[0]


def test_a_budget_that_holds_tiers_and_popularity_is_fine():
    # 20000 + 2 × 3000 = 26000 exactly
    r = parse(HEAD + JURY + TIERS + POP + 'count = 2\namount = 3000\n[grants]\nbudget = 26000\n')
    assert r.grants.budget == 26000 and r.popularity.amount == 3000


def test_preset_expert_public_audience():
    r = load_rules(Path(__file__).resolve().parents[1] / "scoring_rules" / "expert_public_audience.toml")
    assert [(p.id, p.weight, p.method, p.kind) for p in r.panels] == [
        ("expert", 0.6, "trimmed_mean", "judges"), ("public", 0.3, "trimmed_mean", "judges"),
        ("audience", 0.1, "trimmed_mean", "audience")]
    a = r.audience_panel
    assert (a.stars, a.min_ballots, a.fallback) == (10, 20, "reweight")
    t = r.popularity
    assert (t.count, t.amount, t.choices, t.label) == (1, 5000, 3, "最佳人气奖")
    fixed = sum(x.amount * x.count for x in r.awards)
    assert fixed + t.amount * t.count <= r.grants.budget  # 400000 + 5000 <= 405000


def test_the_rules_in_words_name_the_audience_and_the_popularity_vote():
    from judging.core.rules_words import summary
    r = parse(HEAD + JURY + AUD + 'stars = 5\nmin_ballots = 20\n' + POP + 'amount = 5000\nchoices = 3\n')
    lines = summary(r, False)
    assert "aud：每部手机每场路演 1–5 星，平均分，折算为 100 分制；权重 0.1；少于 20 票时不计入，按其他评审团权重折算" in lines
    assert "最佳人气奖：观众每部手机最多投 3 个项目，得票最多的 1 个项目获奖，每项 ¥5,000，另加于评分奖金；同票时：总分高者 → 并列" in lines
