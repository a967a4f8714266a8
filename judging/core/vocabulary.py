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
    "contest.duplicate": ("复制大赛（沿用设置）", "Contest duplicated"),
    "contest.rehearsal": ("彩排模式开关", "Rehearsal mode switched"),
    "contest.reset": ("彩排后重置到准备阶段", "Reset to setup"), "contest.delete": ("删除大赛", "Contest deleted"),
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
    "paper.entry": ("录入纸质评分表", "Paper sheet entered"), "paper.agreed": ("纸质评分两次录入一致，计入", "Paper entries agree"),
    "paper.mismatch": ("纸质评分两次录入不一致", "Paper entries differ"),
    "paper.discard": ("作废一次纸质录入", "Paper entry discarded"),
    "staff.create": ("添加工作人员", "Staff member added"), "staff.revoke": ("撤销工作人员", "Staff member revoked"),
    "session.login": ("登录控制台", "Console sign-in"), "session.logout": ("退出控制台", "Console sign-out"),
    "session.revoke": ("结束登录会话", "Console session ended"),
    "stage.set": ("设置比赛阶段", "Stage set"), "stage.next": ("添加下一阶段", "Next stage added"),
    "stage.advance": ("晋级到下一阶段", "Advanced to the next stage"),
    "stage.link": ("与导入的阶段关联", "Linked to an imported stage"),
    "review.open": ("开放书面评审", "Review opened"), "review.deadline": ("更改评审截止时间", "Review deadline changed"),
    "review.close": ("截止书面评审", "Review closed"),
    "brand.update": ("修改配色或赞助单位", "Colours or sponsors changed"), "brand.logo": ("上传大赛标志", "Logo uploaded"),
    "brand.logo_remove": ("删除大赛标志", "Logo removed"), "brand.sponsor_logo": ("添加赞助单位标志", "Sponsor logo added"),
    "brand.sponsor_logo_remove": ("删除赞助单位标志", "Sponsor logo removed"),
}

# stages of a season (judging.core.stages, judging.core.review): kinds, a review's phases, an application's status
STAGE_WORDS: dict[str, Pair] = {
    "live": ("现场路演", "Live roadshow"), "review": ("书面评审", "Document review"),
    "review_setup": ("未开放", "Not open yet"), "review_open": ("评审中", "Review open"),
    "review_closed": ("已截止", "Closed"), "review_advanced": ("已晋级", "Advanced"),
    "scored": ("已评", "Scored"), "unscored": ("未评", "Not scored"), "advanced": ("晋级", "Advances"),
    "not_advanced": ("未晋级", "Does not advance"), "stage": ("第 {n} 阶段", "Stage {n}"),
    "previous_total": ("上一阶段得分", "Previous stage"), "stage_total": ("本阶段得分", "This stage"),
}

# who works a contest's console: the organizer (every contest) and the staff roles (judging.core.roles)
ROLES: dict[str, Pair] = {
    "organizer": ("组织者", "Organizer"), "operator": ("运行员", "Hall operator"),
    "scorekeeper": ("记分员", "Scorekeeper"), "viewer": ("观察员", "Viewer"),
}

# where a mark set came from (the exports' 来源 column; judging.app.paper.source_of)
SOURCES: dict[str, Pair] = {"phone": ("手机", "Phone"), "paper": ("纸质", "Paper")}

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

# the audience (docs/AUDIENCE.md): its panel kind, what too few ballots do, the popularity vote's states,
# the two kinds of voting window, and the words for counts; pages read them as labels.audience.<key>
AUDIENCE: dict[str, Pair] = {
    "kind_audience": ("现场观众", "Audience"), "kind_judges": ("评审团", "Judges' panel"),
    "fallback_reweight": ("票数不足，按其他评审团折算", "Too few ballots: other panels reweighted"),
    "fallback_zero": ("票数不足，观众分计 0 分", "Too few ballots: audience part counts 0"),
    "popularity_idle": ("未开始", "Not started"), "popularity_open": ("投票中", "Voting open"),
    "popularity_closed": ("已结束", "Voting closed"),
    "window_score": ("观众评分", "Audience score"), "window_popularity": ("人气投票", "Popularity vote"),
    "ballots": ("票", "ballots"), "votes": ("票数", "Votes"), "stars": ("星", "stars"),
    "not_counted": ("按规则不计入", "not counted under the rules"),
    "audience_score": ("观众评分", "Audience score"), "place": ("名次", "Place"),
}

# the contest lifecycle (judging.app.lifecycle): the rehearsal badge and banners, the contest list's words
LIFECYCLE: dict[str, Pair] = {
    "rehearsal": ("彩排", "REHEARSAL"),
    "rehearsal_banner": ("彩排模式：评分为测试数据，正式比赛前须重置", "Rehearsal: test marks only, reset before the real evening"),
    "rehearsal_judge": ("彩排：本次评分为测试，不计入正式成绩", "Rehearsal: these marks are a test and will not count"),
    "archived": ("已导出存档", "Archive exported"), "not_archived": ("未导出存档", "No archive exported"),
}

_OVERTIME = re.compile(r"^overtime(\d+)$")

VOCABULARIES: dict[str, dict[str, Pair]] = {
    "phase": PHASES, "action": ACTIONS, "audit": AUDIT_ACTIONS, "status": STATUSES, "round": ROUNDS, "option": OPTIONS,
    "panel": PANEL_KINDS, "mark": MARKS, "audience": AUDIENCE, "source": SOURCES, "lifecycle": LIFECYCLE, "role": ROLES,
    "method": METHODS, "rounding": ROUNDING, "tie": tiebreakers.OUTCOMES, "tiebreaker": tiebreakers.labels(),
}


VOCABULARIES["stage"] = STAGE_WORDS  # a season's stages (judging.core.stages)


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
