"""One vocabulary (judging/core/vocabulary.py, the tie-breaker registry judging/core/tiebreakers.py): every
label mapping -- phases, console actions, audit actions, statuses, rounds, tie-breakers -- is defined in exactly
one source file of judging/, and the Python consumers read it from there."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from judging.core import tiebreakers, vocabulary

ROOT = Path(__file__).resolve().parents[1] / "judging"

# vocabulary -> the one file that defines it
HOMES = {
    "phase": "core/vocabulary.py", "action": "core/vocabulary.py", "audit": "core/vocabulary.py",
    "status": "core/vocabulary.py", "round": "core/vocabulary.py", "tiebreaker": "core/tiebreakers.py",
    "tie": "core/tiebreakers.py",
}


def _words(kind: str) -> tuple[set[str], set[str]]:
    """The ids and the Chinese labels of one vocabulary (round labels without their '{n}' tail)."""
    vocab = vocabulary.VOCABULARIES[kind]
    labels = {z.split("{")[0].strip() or z for z, _ in vocab.values()}
    return set(vocab), {w for w in labels if len(w) >= 2}


def _wording(node: ast.AST) -> bool:
    """A literal that reads as a label: text with a Chinese character, or a tuple starting with one."""
    if isinstance(node, ast.Tuple) and node.elts:
        node = node.elts[0]
    if isinstance(node, ast.JoinedStr):
        return any(_wording(v) for v in node.values)
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and any("\u4e00" <= c <= "\u9fff"
                                                                                  for c in node.value)


def literal_maps(tree: ast.AST, kind: str) -> list[int]:
    """Lines of dict/list/tuple/set literals holding two or more of ``kind``'s Chinese labels, or a dict whose
    keys are two or more of its ids with text values (a copy of the map, in either direction)."""
    ids, labels = _words(kind)
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            keys = [k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)]
            texts = [v for v in node.values if _wording(v)]
            if len([k for k in keys if k in ids]) >= 2 and len(texts) >= 2:
                out.append(node.lineno)
                continue
            items = node.values
        elif isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            items = node.elts
        else:
            continue
        found = {v.value.strip() for v in items if isinstance(v, ast.Constant) and isinstance(v.value, str)}
        found = {w for text in found for w in labels if text == w or text.startswith(w + " ")}
        if len(found) >= 2:
            out.append(node.lineno)
    return out


def test_the_scanner_finds_a_copied_map():
    """The check can fail: the old exports' phase map and the old tie wording are found."""
    old_phases = ast.parse('PHASE_LABELS = {"setup": "准备中", "idle": "进行中", "scoring": "评分中"}')
    old_ties = ast.parse('X = {"overtime": "加时赛决出", "shared": "名次并列"}')
    old_actions = ast.parse('A = ["开始比赛 Start", "请上台 Present"]')
    assert literal_maps(old_phases, "phase") and literal_maps(old_ties, "tiebreaker")
    assert literal_maps(old_actions, "action")
    assert not literal_maps(ast.parse('x = {"a": "准备中"}'), "phase")


@pytest.mark.parametrize("kind", sorted(HOMES))
def test_each_vocabulary_is_defined_in_one_python_file(kind):
    copies = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel == HOMES[kind]:
            continue
        lines = literal_maps(ast.parse(path.read_text(encoding="utf-8")), kind)
        copies += [f"judging/{rel}:{n}" for n in lines]
    assert not copies, f"{kind} labels are mapped again outside judging/{HOMES[kind]}: {copies}"


def test_the_homes_do_define_them():
    home = ast.parse((ROOT / "core/vocabulary.py").read_text(encoding="utf-8"))
    for kind in ("phase", "action", "audit", "status"):
        assert literal_maps(home, kind), kind
    assert literal_maps(ast.parse((ROOT / "core/tiebreakers.py").read_text(encoding="utf-8")), "tie")


def test_one_phase_label_everywhere():
    """The exports called idle 进行中 while the console said 等待上台: one label now."""
    from judging.exports import audit_trail

    assert vocabulary.zh("phase", "idle") == "等待上台"
    entry = {"seq": 1, "at": 0.0, "actor": "organizer", "action": "state.next",
             "detail": {"from": "result", "to": "idle"}, "reason": "", "client": "", "hash": ""}
    from judging.core.model import Contest
    from tests.engine_kit import panel, rules

    described = audit_trail.describe(entry, Contest("c1", "t", rules(panel())))
    assert (described["before"], described["after"]) == ("公布结果", "等待上台")
    assert described["what"] == vocabulary.zh("audit", "state.next") == "进入下一个"


def test_pages_get_tie_breakers_and_outcomes():
    pages = vocabulary.for_pages()
    assert pages["tiebreaker"]["overtime"] == {"zh": "加时赛决出", "en": "Decided by an overtime roadshow"}
    assert pages["tiebreaker"]["panel"]["zh"] == "{name}得分高者胜"
    assert pages["tie"]["pending"]["zh"] == "待加时赛"
    assert set(pages["tiebreaker"]) == set(tiebreakers.BREAKERS)


def test_file_and_page_round_labels():
    assert vocabulary.file_round("final") == "正式路演" and vocabulary.file_round("overtime2") == "加时赛2"
    assert vocabulary.round_label("overtime2") == ("加时赛 第 2 轮", "Overtime 2")


def test_panel_kinds_and_their_words_have_one_home():
    """The spreadsheet import's common 评审团 words come from the vocabulary; the pages get the kinds."""
    from judging.inputs.tables import panel_words

    words = panel_words(None)
    assert words["专家评委"] == "expert" and words["大众组"] == "public"
    assert set(words) == {w for kind in vocabulary.PANEL_WORDS.values() for w in kind}
    assert vocabulary.for_pages()["panel"]["public"] == {"zh": "大众评审团", "en": "Public panel"}
    assert vocabulary.both("mark", "overall") == "总分 Overall"
