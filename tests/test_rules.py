"""Loading and validating rules files (judging.core.rules): defaults, every validation error as
``file: key: message``, and every shipped preset.  No server."""

from __future__ import annotations

from pathlib import Path

import pytest

from judging.core.rules import Rules, RulesError, parse_rules
from judging.inputs.rules_file import load_rules

PRESETS = sorted((Path(__file__).resolve().parents[1] / "scoring_rules").glob("*.toml"))
OK_PANEL = '[[panels]]\nid = "j"\n'
HEAD = 'name = "t"\n'


def parse(text: str) -> Rules:
    return parse_rules(text, "r.toml")


def test_defaults_of_a_minimal_file():
    r = parse(HEAD + OK_PANEL)
    assert (r.marks.min, r.marks.max, r.marks.step) == (0, 100, 0.01)
    assert r.criteria == () and len(r.panels) == 1
    p = r.panels[0]
    assert (p.id, p.label, p.weight, p.method, p.drop_high, p.drop_low, p.per, p.points) == \
        ("j", "j", 1.0, "mean", 0, 0, "judge", ())
    assert p.criterion_ids == ("",)                       # no rubric: one overall mark
    assert (r.combine, r.rounds_total, r.rounds_factor, r.use_entry_factor) == ("weighted_sum", "sum", 1.0, False)
    assert (r.rounding.digits, r.rounding.mode, r.rounding.steps) == (2, "half_up", ("panel", "total"))
    assert (r.ties.scope, r.ties.breakers, r.ties.max_overtime) == ("award_boundary", ("shared",), 1)
    assert r.awards == ()
    g = r.grants
    # grants never above the request unless the rules say cap = "none" (issue 9); amounts in yuan
    assert (g.mode, g.budget, g.cap, g.unit, g.tie, g.money_unit) == ("per_tier", None, "requested", 1.0, "pool", "yuan")
    assert (r.tracks.mode, r.tracks.split, r.tracks.budgets) == ("none", "equal", ())
    assert r.source == "r.toml" and r.text == HEAD + OK_PANEL


def test_panel_rubric_defaults_to_all_criteria_and_can_name_a_subset():
    r = parse(HEAD + '[[criteria]]\nid = "a"\nmax = 40\n[[criteria]]\nid = "b"\nweight = 2\n'
              '[[panels]]\nid = "x"\n[[panels]]\nid = "y"\ncriteria = ["b"]\n')
    assert [c.id for c in r.panel("x").criteria] == ["a", "b"]
    assert [c.id for c in r.panel("y").criteria] == ["b"]
    assert r.criteria[0].label == "a" and r.criteria[0].max == 40 and r.criteria[1].max == 100
    assert r.criteria[1].weight == 2
    assert r.bounds(r.panel("x"), "a") == (0, 40)


@pytest.mark.parametrize("value, problem", [
    (50, None), (0, None), (100, None), (33.33, None),
    (100.01, "超出范围 out of range 0–100"), (-1, "超出范围 out of range 0–100"),
    (33.333, "须为 0.01 的整数倍 must be a multiple of 0.01"),
    (float("nan"), "不是数字 not a number"),
])
def test_check_mark(value, problem):
    r = parse(HEAD + OK_PANEL)
    assert r.check_mark(r.panels[0], "", value) == problem


def test_check_mark_unknown_criterion_and_criterion_max():
    r = parse(HEAD + '[[criteria]]\nid = "a"\nmax = 40\n' + OK_PANEL)
    assert r.check_mark(r.panels[0], "a", 40) is None
    assert r.check_mark(r.panels[0], "a", 40.5) == "超出范围 out of range 0–40"
    assert "unknown criterion" in r.check_mark(r.panels[0], "zz", 1)


# every validation error: (rules text, "key: message" fragment expected after "r.toml: ")
ERRORS = [
    ("name = \n", "-: not valid TOML"),
    (OK_PANEL, "name: is required"),
    (HEAD + "colour = 1\n" + OK_PANEL, "colour: unknown key"),
    (HEAD + OK_PANEL + "[marks]\nmax = 0\n", "marks.max: must be above marks.min (0)"),
    (HEAD + OK_PANEL + "[marks]\nstep = -1\n", "marks.step: must be at least 0, got -1"),
    (HEAD + OK_PANEL + "[marks]\nmin = \"0\"\n", "marks.min: must be a number, got '0'"),
    (HEAD + OK_PANEL + "[marks]\nmax = nan\n", "marks.max: must be a finite number"),
    (HEAD + OK_PANEL + "[marks]\nmaximum = 5\n", "marks.maximum: unknown key"),
    (HEAD + "marks = 5\n" + OK_PANEL, "marks: must be a table"),
    (HEAD + "criteria = 5\n" + OK_PANEL, "criteria: must be an array of tables"),
    (HEAD + '[[criteria]]\nid = "a\\tb"\n' + OK_PANEL, "criteria[0].id: must be a short id"),  # "a b" is fine now
    (HEAD + '[[criteria]]\nid = "a"\n[[criteria]]\nid = "a"\n' + OK_PANEL,
     "criteria[1].id: duplicate criterion id 'a'"),
    (HEAD + '[[criteria]]\nid = "a"\nmax = 120\n' + OK_PANEL, "criteria[0].max: must be above marks.min and at most"),
    (HEAD + '[[criteria]]\nid = "a"\nweight = 0\n' + OK_PANEL, "criteria[0].weight: must be positive, got 0"),
    (HEAD + '[[criteria]]\nid = "a"\nmaxx = 5\n' + OK_PANEL, "criteria[0].maxx: unknown key"),
    (HEAD, "panels: at least one [[panels]] table is required"),
    (HEAD + '[[panels]]\nid = "j"\nmethod = "average"\n', "panels[0].method: unknown value 'average' (one of: mean"),
    (HEAD + '[[panels]]\nid = "j"\nweight = "0.7"\n', "panels[0].weight: must be a number, got '0.7'"),
    (HEAD + '[[panels]]\nid = "j"\nweight = -0.5\n', "panels[0].weight: must be at least 0, got -0.5"),
    (HEAD + '[[panels]]\nid = "j"\n[[panels]]\nid = "j"\n', "panels[1].id: duplicate panel id 'j'"),
    (HEAD + '[[panels]]\nmethod = "mean"\n', "panels[0].id: must be a short id"),
    (HEAD + '[[panels]]\nid = "j"\nmethod = "mean"\ndrop_high = 1\n',
     "panels[0].drop_high: only trimmed_mean and trimmed_sum drop marks, not mean"),
    (HEAD + '[[panels]]\nid = "j"\nmethod = "trimmed_mean"\ndrop_low = -1\n',
     "panels[0].drop_low: must be at least 0, got -1"),
    (HEAD + '[[panels]]\nid = "j"\nmethod = "trimmed_mean"\ndrop_low = 1.5\n',
     "panels[0].drop_low: must be a whole number, got 1.5"),
    (HEAD + '[[panels]]\nid = "j"\nper = "project"\n', "panels[0].per: unknown value 'project' (one of: judge"),
    (HEAD + '[[panels]]\nid = "j"\nmethod = "zscore"\nper = "criterion"\n',
     'panels[0].per: zscore ranks whole mark sets; use per = "judge"'),
    (HEAD + '[[panels]]\nid = "j"\nmethod = "rank_points"\n', "panels[0].points: rank_points needs points"),
    (HEAD + '[[panels]]\nid = "j"\nmethod = "rank_points"\npoints = [1, 2]\n',
     "panels[0].points: must not increase (best rank first)"),
    (HEAD + '[[panels]]\nid = "j"\nmethod = "rank_points"\npoints = ["12"]\n',
     "panels[0].points: must be a list of numbers"),
    (HEAD + '[[panels]]\nid = "j"\ncriteria = ["nope"]\n', "panels[0].criteria: unknown criterion 'nope'"),
    (HEAD + '[[panels]]\nid = "j"\ncriteria = "all"\n', "panels[0].criteria: must be a list of criterion ids"),
    (HEAD + '[[panels]]\nid = "j"\nweigth = 1\n', "panels[0].weigth: unknown key"),
    (HEAD + OK_PANEL + '[combine]\nmethod = "product"\n', "combine.method: unknown value 'product'"),
    (HEAD + OK_PANEL + '[rounds]\ntotal = "best"\n', "rounds.total: unknown value 'best' (one of: sum, last, mean)"),
    (HEAD + OK_PANEL + '[rounds]\nfactor = 0\n', "rounds.factor: must be positive, got 0"),
    (HEAD + OK_PANEL + '[rounds]\nuse_entry_factor = "yes"\n', "rounds.use_entry_factor: must be true or false"),
    (HEAD + OK_PANEL + '[rounding]\ndigits = 7\n', "rounding.digits: at most 6, got 7"),
    (HEAD + OK_PANEL + '[rounding]\ndigits = -1\n', "rounding.digits: must be at least 0, got -1"),
    (HEAD + OK_PANEL + '[rounding]\nmode = "half_down"\n', "rounding.mode: unknown value 'half_down'"),
    (HEAD + OK_PANEL + '[rounding]\nsteps = ["judge"]\n', "rounding.steps: must be a list of: criterion, panel"),
    (HEAD + OK_PANEL + '[ties]\nscope = "some"\n', "ties.scope: unknown value 'some' (one of: all, award_boundary"),
    (HEAD + OK_PANEL + '[ties]\nbreakers = ["coin"]\n', "ties.breakers: unknown breaker 'coin'"),
    (HEAD + OK_PANEL + '[ties]\nbreakers = ["panel:public"]\n', "ties.breakers: unknown breaker 'panel:public'"),
    (HEAD + OK_PANEL + '[ties]\nbreakers = ["criterion:x"]\n', "ties.breakers: unknown breaker 'criterion:x'"),
    (HEAD + OK_PANEL + '[ties]\nbreakers = "shared"\n', "ties.breakers: must be a list of strings"),
    (HEAD + OK_PANEL + '[ties]\nbreakers = ["shared", "overtime"]\n', 'ties.breakers: "shared" ends the list'),
    (HEAD + OK_PANEL + '[ties]\nmax_overtime = 0\n', "ties.max_overtime: must be at least 1, got 0"),
    (HEAD + 'awards = 3\n' + OK_PANEL, "awards: must be an array of tables"),
    (HEAD + OK_PANEL + '[[awards]]\nid = "a"\n', "awards[0]: needs exactly one of count = N or min_score = X"),
    (HEAD + OK_PANEL + '[[awards]]\nid = "a"\ncount = 1\nmin_score = 80\n',
     "awards[0]: needs exactly one of count = N or min_score = X"),
    (HEAD + OK_PANEL + '[[awards]]\nid = "a"\ncount = 0\n', "awards[0].count: must be at least 1, got 0"),
    (HEAD + OK_PANEL + '[[awards]]\nid = "a"\ncount = 1.5\n', "awards[0].count: must be a whole number, got 1.5"),
    (HEAD + OK_PANEL + '[[awards]]\nid = "a"\ncount = 1\n[[awards]]\nid = "a"\ncount = 2\n',
     "awards[1].id: duplicate award id 'a'"),
    (HEAD + OK_PANEL + '[[awards]]\nid = "a"\nmin_score = 80\n[[awards]]\nid = "b"\nmin_score = 90\n',
     "awards[1].min_score: threshold tiers go best first: must be below the previous one"),
    (HEAD + OK_PANEL + '[[awards]]\nid = "a"\nmin_score = 80\n[[awards]]\nid = "b"\ncount = 3\n',
     "awards[1].count: count tiers come before threshold (min_score) tiers"),
    (HEAD + OK_PANEL + '[[awards]]\nid = "a"\ncount = 1\namount = -5\n', "awards[0].amount: must be at least 0, got -5"),
    (HEAD + OK_PANEL + '[grants]\nmode = "lottery"\n', "grants.mode: unknown value 'lottery'"),
    (HEAD + OK_PANEL + '[grants]\nmode = "proportional"\n', "grants.budget: proportional grants need a budget"),
    (HEAD + OK_PANEL + '[grants]\nbudget = 1050\nunit = 100\n', "grants.budget: must be a whole multiple of grants.unit (100)"),
    (HEAD + OK_PANEL + '[grants]\nunit = 0\n', "grants.unit: must be positive, got 0"),
    (HEAD + OK_PANEL + '[grants]\ncap = "half"\n', "grants.cap: unknown value 'half' (one of: none, requested)"),
    (HEAD + OK_PANEL + '[grants]\ntie = "split"\n', "grants.tie: unknown value 'split' (one of: pool)"),
    (HEAD + OK_PANEL + '[grants]\nbudget = -1\n', "grants.budget: must be at least 0, got -1"),
    (HEAD + OK_PANEL + '[[awards]]\nid = "a"\ncount = 2\namount = 600\n[grants]\nbudget = 1000\n',
     "grants.budget: the award tiers need 1200, more than the budget 1000"),
]


@pytest.mark.parametrize("text, expected", ERRORS, ids=[e[1].split(":")[0] for e in ERRORS])
def test_validation_error_names_file_and_key(text, expected):
    with pytest.raises(RulesError) as info:
        parse(text)
    assert str(info.value).startswith("r.toml: " + expected), str(info.value)
    key = expected.split(": ")[0]
    assert info.value.source == "r.toml" and info.value.key == key


def test_load_rules_reads_a_file_and_reports_a_missing_one(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(HEAD + OK_PANEL, encoding="utf-8")
    assert load_rules(path).source == str(path)
    with pytest.raises(RulesError, match=r"nope\.toml: -: cannot read file"):
        load_rules(tmp_path / "nope.toml")


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.stem)
def test_every_shipped_preset_loads_and_says_where_its_rule_comes_from(preset):
    rules = load_rules(preset)
    assert rules.name.strip()
    head = preset.read_text(encoding="utf-8").splitlines()
    assert head[0].startswith("# "), "a preset starts with a comment header"
    header = [line for line in head[:head.index(next(x for x in head if x.startswith("name")))]
              if line.startswith("#")]
    assert len(header) >= 4, f"{preset.name}: the header says where the rule comes from and what it does"


def test_the_three_product_presets_have_what_they_promise():
    root = PRESETS[0].parent
    std = load_rules(root / "standard.toml")
    assert len(std.panels) == 1 and std.panels[0].method == "trimmed_mean"
    assert (std.panels[0].drop_high, std.panels[0].drop_low) == (1, 1)
    vg = load_rules(root / "venture_grants.toml")
    assert (vg.grants.mode, vg.grants.cap, vg.grants.budget) == ("proportional", "requested", 1000000)
    star = load_rules(root / "star_rating.toml")
    assert [(a.label.split()[0], a.min_score) for a in star.awards] == [("五星", 90), ("四星", 80), ("三星", 70)]
    assert all(a.count is None for a in star.awards)
