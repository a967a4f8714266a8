"""Every label people read, in one place: phases, console actions, audit actions, rounds, mark statuses,
panel methods, rounding modes, ties and tie-breakers, in Chinese and English (pure).

What it does: holds each vocabulary as ``id -> (zh, en)``; :func:`label` / :func:`zh` look one up (an
unknown id reads as itself); :func:`round_label` names a round (正式路演 / 加时赛1 in files, 决赛路演 /
加时赛 第 1 轮 on pages); :func:`for_pages` is the JSON every page embeds (``<script id="vocabulary">``,
read by ``static/shared/labels.js``), so pages never keep their own copy of a label.

The tie-breakers' labels and a tie's outcomes are defined with the breakers themselves, in the registry
:mod:`judging.core.tiebreakers` (one entry per rule); this module lists them for the pages.  Money is
written by :mod:`judging.core.money` (¥, 万), scores at the rules' digits by :func:`score_text`.

What it does not do: word how one particular tie was settled (:func:`judging.core.tiebreakers.tie_text`
builds those sentences from the rules), or choose the page language (the page does, from the user's switch).
"""

from __future__ import annotations

import re

from judging.core import tiebreakers

Pair = tuple[str, str]

PHASES: dict[str, Pair] = {
    "setup": ("准备中", "Setup"), "idle": ("等待上台", "Between roadshows"), "presenting": ("路演中", "Presenting"),
    "scoring": ("评分中", "Scoring open"), "closed": ("评分已结束", "Scoring closed"),
    "result": ("公布结果", "Result shown"), "ranking": ("排名", "Ranking"), "reveal": ("颁奖", "Awards"),
    "locked": ("已锁定", "Locked"),
}

# what the console's buttons say (the state machine's actions, judging.core.contest.ACTIONS)
ACTIONS: dict[str, Pair] = {
    "start": ("开始比赛", "Start"), "present": ("请上台", "Present"), "open_scoring": ("开放评分", "Open scoring"),
    "close_scoring": ("结束评分", "Close scoring"), "show_result": ("公布结果", "Show result"),
    "next": ("下一个", "Next"), "rank": ("生成排名", "Rank"), "start_overtime": ("开始加时赛", "Start overtime"),
    "start_reveal": ("颁奖", "Awards"), "reveal_next": ("揭晓下一奖项", "Reveal next tier"),
    "lock": ("锁定结果", "Lock"), "back": ("撤回上一步", "Back"),
    "timer_start": ("开始计时", "Start timer"), "timer_pause": ("暂停计时", "Pause timer"),
    "timer_reset": ("重置计时", "Reset timer"),
    "hold_screen": ("大屏切到等候画面", "Holding view"), "release_screen": ("大屏恢复", "Back to the evening"),
    "hide_marks": ("隐藏评委个人分", "Hide marks"), "show_marks": ("显示评委个人分", "Show marks"),
    "autostart_on": ("请上台时自动计时", "Timer starts on Present"),
    "autostart_off": ("手动开始计时", "Timer started by hand"),
}

# the console's switches (the state machine's OPTIONS): what each is called, on or off
OPTIONS: dict[str, Pair] = {
    "holding": ("大屏等候画面", "Holding view"), "hide_marks": ("隐藏评委个人分", "Hide individual marks"),
    "timer_autostart": ("请上台时自动计时", "Timer starts on Present"),
}

# what the audit trail calls each stored entry's action
AUDIT_ACTIONS: dict[str, Pair] = {
    "contest.create": ("创建大赛", "Contest created"), "contest.update": ("修改设置", "Setup changed"),
    "contest.import": ("从存档导入", "Imported from an archive"),
    "order.draw": ("抽签确定出场顺序", "Running order drawn"), "order.set": ("手动设置出场顺序", "Running order set"),
    "state.start": ("开始比赛", "Started"), "state.present": ("请项目上台", "Presenting"),
    "state.open_scoring": ("开放评分", "Scoring opened"), "state.close_scoring": ("结束评分", "Scoring closed"),
    "state.show_result": ("公布本项目结果", "Result shown"), "state.next": ("进入下一个", "Next"),
    "state.rank": ("生成排名", "Ranked"), "state.start_overtime": ("开始加时赛", "Overtime started"),
    "state.start_reveal": ("开始颁奖", "Awards started"), "state.reveal_next": ("揭晓下一奖项", "Next tier revealed"),
    "state.lock": ("锁定结果", "Locked"), "state.back": ("撤回上一步", "Step undone"),
    "state.hold_screen": ("大屏切到等候画面", "Screen on hold"), "state.release_screen": ("大屏恢复比赛画面", "Screen back"),
    "state.hide_marks": ("大屏隐藏评委个人分", "Marks hidden"), "state.show_marks": ("大屏显示评委个人分", "Marks shown"),
    "state.autostart_on": ("请上台时自动计时", "Timer starts on Present"),
    "state.autostart_off": ("改为手动开始计时", "Timer started by hand"),
    "mark.submit": ("评委提交评分", "Marks submitted"), "mark.amend": ("评委修改评分", "Marks amended"),
    "mark.correct": ("组织者更正评分", "Marks corrected"), "mark.void": ("组织者作废评分", "Marks voided"),
    "judge.nudge": ("提醒评委尽快提交", "Judge nudged"),
    "brand.update": ("修改配色或赞助单位", "Colours or sponsors changed"), "brand.logo": ("上传大赛标志", "Logo uploaded"),
    "brand.logo_remove": ("删除大赛标志", "Logo removed"), "brand.sponsor_logo": ("添加赞助单位标志", "Sponsor logo added"),
    "brand.sponsor_logo_remove": ("删除赞助单位标志", "Sponsor logo removed"),
}

# a judge's marks for one roadshow, as the sheets and the console list them
STATUSES: dict[str, Pair] = {
    "recused": ("回避", "Recused"), "missing": ("未评分", "Not scored"), "voided": ("作废", "Voided"),
    "open": ("评分中", "Scoring open"), "pending": ("未路演", "Not yet presented"),
}

# rounds: the regular round and overtime round N ("{n}" is filled in)
ROUNDS: dict[str, Pair] = {
    "final": ("决赛路演", "Final"), "overtime": ("加时赛 第 {n} 轮", "Overtime {n}"),
    "final_file": ("正式路演", "Regular round"), "overtime_file": ("加时赛{n}", "Overtime {n}"),
}

# the panel kinds most contests have (a rules file names its own panels; these are the common ones), and the
# other words people write for them in a 评审团 column (judging.inputs.tables reads them)
PANEL_KINDS: dict[str, Pair] = {"expert": ("专家评审团", "Expert panel"), "public": ("大众评审团", "Public panel")}
PANEL_WORDS: dict[str, tuple[str, ...]] = {"expert": ("专家", "专家评审", "专家评审团", "专家评委", "专家组"),
                                           "public": ("大众", "大众评审", "大众评审团", "大众评委", "大众组")}

# a mark: the one overall mark of a panel without criteria
MARKS: dict[str, Pair] = {"overall": ("总分", "Overall")}

# how a panel turns its judges' marks into its score (the rules' [[panels]] method)
METHODS: dict[str, Pair] = {
    "mean": ("平均分", "mean"), "sum": ("总和", "sum"), "median": ("中位数", "median"),
    "trimmed_mean": ("去掉最高最低后平均", "trimmed mean"), "trimmed_sum": ("去掉最高最低后求和", "trimmed sum"),
    "zscore": ("标准分", "z-score"), "rank_points": ("名次积分", "rank points"),
}

# how scores are rounded (the rules' [rounding] mode)
ROUNDING: dict[str, Pair] = {"half_up": ("四舍五入", "half up"), "half_even": ("银行家舍入", "half to even"),
                             "down": ("截断", "truncated")}

_OVERTIME = re.compile(r"^overtime(\d+)$")

VOCABULARIES: dict[str, dict[str, Pair]] = {
    "phase": PHASES, "action": ACTIONS, "audit": AUDIT_ACTIONS, "status": STATUSES, "round": ROUNDS, "option": OPTIONS,
    "panel": PANEL_KINDS, "mark": MARKS,
    "method": METHODS, "rounding": ROUNDING, "tie": tiebreakers.OUTCOMES, "tiebreaker": tiebreakers.labels(),
}


def label(kind: str, key: str) -> Pair:
    """``label("phase", "scoring")`` -> ``("评分中", "Scoring open")``; an unknown key reads as itself."""
    return VOCABULARIES[kind].get(key, (key, key))


def zh(kind: str, key: str) -> str:
    return label(kind, key)[0]


def both(kind: str, key: str) -> str:
    """'评分中 Scoring open' -- for the places that show both languages at once."""
    z, e = label(kind, key)
    return z if z == e else f"{z} {e}"


def round_label(round_name: str, *, in_files: bool = False) -> Pair:
    """'final' -> 决赛路演 (files: 正式路演); 'overtime1' -> 加时赛 第 1 轮 (files: 加时赛1)."""
    m = _OVERTIME.match(round_name)
    key = ("overtime" if m else "final") + ("_file" if in_files else "")
    if not m and round_name != "final":
        return (round_name, round_name)
    z, e = ROUNDS[key]
    n = m.group(1) if m else ""
    return z.format(n=n), e.format(n=n)


def score_text(x: float | None, digits: int) -> str:
    """A published score at the rules' digits: 88.50 (empty for None) -- the one rule pages and files follow."""
    return "" if x is None else f"{x:.{digits}f}"


def file_round(round_name: str) -> str:
    """A round as the exports write it: 'overtime2' -> 加时赛2, any other round -> 正式路演."""
    return round_label(round_name if _OVERTIME.match(round_name) else "final", in_files=True)[0]


def for_pages() -> dict[str, dict[str, dict[str, str]]]:
    """The JSON every page embeds: ``{"phase": {"setup": {"zh": "准备中", "en": "Setup"}, ...}, ...}``."""
    return {kind: {k: {"zh": z, "en": e} for k, (z, e) in vocab.items()} for kind, vocab in VOCABULARIES.items()}
