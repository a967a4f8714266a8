"""The live state machine of one evening (pure).

Phases::

    setup -> idle -> presenting -> scoring -> closed -> result -> (idle | presenting) ...
          -> ranking -> [overtime: idle -> presenting -> ... -> result -> ranking]* -> reveal -> locked

What it does: :func:`apply` takes a state, an action and the facts it needs
(:class:`Facts`, supplied by the caller from the engine) and returns the next
state, or raises :class:`Refused` with a message in Chinese and English.
``back`` undoes the last step.  :func:`next_step` says what the console's one
big button should do, :func:`allowed_actions` which buttons can do something and
:func:`refused_actions` why each other one cannot (both from :func:`decide`).
The screen and timer options (:data:`OPTIONS`: holding view, hidden marks,
timer started by 请上台) never change the phase.  The timer counts past zero
(:meth:`Timer.overrun`).  Time is passed in, never read.

What it does not do: store anything, score anything, or check who is asking.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Sequence

PHASES = ("setup", "idle", "presenting", "scoring", "closed", "result", "ranking", "reveal", "locked")
ACTIONS = ("start", "present", "open_scoring", "close_scoring", "show_result", "next", "rank", "start_overtime",
           "start_reveal", "reveal_next", "lock", "back", "timer_start", "timer_pause", "timer_reset",
           *("hold_screen", "release_screen", "hide_marks", "show_marks", "autostart_on", "autostart_off"))
# Screen and timer options: they change what the big screen shows or how the timer starts, never the phase;
# allowed at any phase (also once locked), not steps ``back`` undoes.
OPTIONS = {"hold_screen": ("holding", True), "release_screen": ("holding", False),
           "hide_marks": ("hide_marks", True), "show_marks": ("hide_marks", False),
           "autostart_on": ("timer_autostart", True), "autostart_off": ("timer_autostart", False)}
HISTORY_LIMIT = 30


class Refused(ValueError):
    """An action that is not allowed now.  ``str()`` is Chinese / English."""


class Stale(Refused):
    """The action named a state version that is no longer current (a retry, or another console acted)."""


@dataclass(frozen=True)
class Timer:
    duration: float
    started_at: float | None = None  # epoch seconds while running
    remaining: float | None = None   # seconds left while paused (None = full duration)

    def raw(self, now: float) -> float:
        """Seconds left; negative once the time is up (the speaker ran over by that much)."""
        base = self.duration if self.remaining is None else self.remaining
        if self.started_at is None:
            return base
        return base - (now - self.started_at)

    def left(self, now: float) -> float:
        return max(0.0, self.raw(now))

    def overrun(self, now: float) -> float:
        """Seconds past 时间到 (0 before): counted up while the timer runs, kept while it is paused."""
        return max(0.0, -self.raw(now))

    @property
    def running(self) -> bool:
        return self.started_at is not None


@dataclass(frozen=True)
class Facts:
    """What the machine needs to know about the contest, from the caller."""

    projects: tuple[str, ...]                          # running order of the regular round
    needs_overtime: tuple[tuple[str, ...], ...] = ()   # from the engine, on the closed roadshows
    unresolved_ties: bool = False                      # a tie across a boundary still undecided
    tiers: int = 0                                     # award tiers to reveal
    now: float = 0.0
    timer_seconds: float = 300.0
    missing_ok: bool = True                            # close_scoring: caller confirmed missing judges


@dataclass(frozen=True)
class LiveState:
    phase: str = "setup"
    round: str = "final"
    order: tuple[str, ...] = ()       # roadshows of the current round, in running order
    current: str | None = None        # project on stage (presenting .. result)
    done: tuple[str, ...] = ()        # roadshows of the current round whose scoring has closed
    timer: Timer = field(default_factory=lambda: Timer(300.0))
    overtime: int = 0                 # number of the current overtime round (0 = regular round)
    overtime_groups: tuple[tuple[str, ...], ...] = ()
    reveal_step: int = 0              # tiers revealed so far, lowest first
    holding: bool = False             # the big screen shows the holding view (title, date, venue), any phase
    hide_marks: bool = False          # the screen's result shows panel scores and the total, not each mark
    timer_autostart: bool = False     # 请上台 starts the presentation timer
    version: int = 0                  # grows with every change (also with ``back``): a client can say which
                                      # state it acted on, so a retried or crossed request is refused
    history: tuple["LiveState", ...] = ()

    # -------------------------------------------------------------- derived
    @property
    def pending(self) -> tuple[str, ...]:
        return tuple(p for p in self.order if p not in self.done)

    @property
    def is_overtime(self) -> bool:
        return self.overtime > 0

    def to_json(self, now: float) -> dict:
        d = asdict(self)
        d.pop("history")
        d["timer"] = {"duration": self.timer.duration, "running": self.timer.running,
                      "left": round(self.timer.left(now), 1), "overrun": round(self.timer.overrun(now), 1),
                      "started_at": self.timer.started_at}
        d["pending"] = list(self.pending)
        d["can_go_back"] = bool(self.history)
        return d

    def dump(self) -> dict:
        """Everything, history included, for storage."""
        d = asdict(self)
        d["history"] = [h.dump() for h in self.history]
        return d

    @classmethod
    def load(cls, d: dict) -> "LiveState":
        t = d.get("timer") or {}
        return cls(phase=d["phase"], round=d["round"], order=tuple(d["order"]), current=d.get("current"),
                   done=tuple(d.get("done", ())), timer=Timer(t.get("duration", 300.0), t.get("started_at"),
                                                               t.get("remaining")),
                   overtime=d.get("overtime", 0),
                   overtime_groups=tuple(tuple(g) for g in d.get("overtime_groups", ())),
                   reveal_step=d.get("reveal_step", 0), version=d.get("version", 0),
                   holding=bool(d.get("holding", False)), hide_marks=bool(d.get("hide_marks", False)),
                   timer_autostart=bool(d.get("timer_autostart", False)),
                   history=tuple(cls.load(h) for h in d.get("history", ())))


def _refuse(zh: str, en: str, kind: type[Refused] = Refused) -> Refused:
    return kind(f"{zh} / {en}")


def _step(old: LiveState, **changes) -> LiveState:
    """A step the organizer can undo with ``back``."""
    history = (*old.history, replace(old, history=()))[-HISTORY_LIMIT:]
    return replace(old, history=history, **changes)


def apply(state: LiveState, action: str, facts: Facts, project: str | None = None,
          expect_version: int | None = None) -> LiveState:
    """The state after ``action``.  With ``expect_version``, the action applies only to that exact state:
    a request retried after a lost answer, or one crossing another console's, is refused instead of
    being applied twice."""
    if expect_version is not None and expect_version != state.version:
        raise _refuse("状态已经变化（可能另一台控制台刚刚操作过），请看清当前状态后再操作",
                      "the state changed since this was pressed (perhaps on another console); check it and try again",
                      Stale)
    if action not in ACTIONS:
        raise _refuse(f"未知操作 {action}", f"unknown action {action!r}")
    if state.phase == "locked" and action != "timer_pause" and action not in OPTIONS:
        raise _refuse("结果已锁定，不能再更改", "the results are locked; nothing can change any more")
    if action in OPTIONS:
        name, value = OPTIONS[action]
        new = replace(state, **{name: value})
    else:
        new = globals()[f"_{action}"](state, facts, project)
    return state if new == state else replace(new, version=state.version + 1)


# ------------------------------------------------------------------ actions

def _start(s: LiveState, f: Facts, _: str | None) -> LiveState:
    if s.phase != "setup":
        raise _refuse("比赛已经开始", "the contest has already started")
    if not f.projects:
        raise _refuse("还没有项目或出场顺序", "there are no projects or no running order yet")
    return _step(s, phase="idle", order=tuple(f.projects), round="final", timer=Timer(f.timer_seconds))


def _present(s: LiveState, f: Facts, project: str | None) -> LiveState:
    if s.phase not in ("idle", "result"):
        raise _refuse("只能在两个路演之间请下一个项目上台", "a project can only be called up between roadshows")
    if not s.pending:
        raise _refuse("本轮所有项目都已路演", "every project of this round has presented")
    project = project or s.pending[0]
    if project not in s.order:
        raise _refuse("该项目不在本轮出场名单中", f"project {project!r} is not in this round")
    if project in s.done:
        raise _refuse("该项目本轮已经评分结束", f"project {project!r} has already been scored in this round")
    timer = Timer(f.timer_seconds, f.now if s.timer_autostart else None)
    return _step(s, phase="presenting", current=project, timer=timer)


def _open_scoring(s: LiveState, f: Facts, _: str | None) -> LiveState:
    if s.phase != "presenting":
        raise _refuse("只能为正在路演的项目开放评分", "scoring can only be opened for the project presenting")
    return _step(s, phase="scoring", timer=_paused(s.timer, f.now))


def _close_scoring(s: LiveState, f: Facts, _: str | None) -> LiveState:
    if s.phase != "scoring":
        raise _refuse("当前没有开放的评分", "no scoring is open")
    if not f.missing_ok:
        raise _refuse("还有评委未提交，请确认后再结束评分", "some judges have not submitted; confirm to close anyway")
    return _step(s, phase="closed", done=(*s.done, s.current))


def _show_result(s: LiveState, f: Facts, _: str | None) -> LiveState:
    if s.phase != "closed":
        raise _refuse("评分结束后才能公布结果", "the result can be shown only after scoring has closed")
    return _step(s, phase="result")


def _next(s: LiveState, f: Facts, _: str | None) -> LiveState:
    if s.phase != "result":
        raise _refuse("请先公布本项目结果", "show this project's result first")
    return _step(s, phase="idle", current=None)


def _rank(s: LiveState, f: Facts, _: str | None) -> LiveState:
    if s.phase not in ("idle", "result"):
        raise _refuse("请先完成当前路演", "finish the current roadshow first")
    if s.pending:
        raise _refuse(f"还有 {len(s.pending)} 个项目未路演", f"{len(s.pending)} project(s) have not presented yet")
    return _step(s, phase="ranking", current=None)


def _start_overtime(s: LiveState, f: Facts, _: str | None) -> LiveState:
    if s.phase != "ranking":
        raise _refuse("排名产生后才能开始加时赛", "overtime can start only once the ranking is out")
    if not f.needs_overtime:
        raise _refuse("没有需要加时赛的并列", "no tie needs an overtime round")
    n = s.overtime + 1
    order = tuple(p for g in f.needs_overtime for p in g)
    return _step(s, phase="idle", round=f"overtime{n}", overtime=n, order=order, done=(),
                 overtime_groups=tuple(tuple(g) for g in f.needs_overtime), current=None)


def _start_reveal(s: LiveState, f: Facts, _: str | None) -> LiveState:
    if s.phase != "ranking":
        raise _refuse("排名产生后才能颁奖", "the awards can be revealed only once the ranking is out")
    if f.needs_overtime or f.unresolved_ties:
        raise _refuse("还有未决的并列，请先进行加时赛", "a tie across a prize boundary is undecided; hold overtime first")
    return _step(s, phase="reveal", reveal_step=0)


def _reveal_next(s: LiveState, f: Facts, _: str | None) -> LiveState:
    if s.phase != "reveal":
        raise _refuse("还没有进入颁奖环节", "the awards reveal has not started")
    if s.reveal_step >= f.tiers:
        raise _refuse("所有奖项都已揭晓", "every award tier has been revealed")
    return _step(s, reveal_step=s.reveal_step + 1)


def _lock(s: LiveState, f: Facts, _: str | None) -> LiveState:
    if s.phase not in ("ranking", "reveal"):
        raise _refuse("排名产生后才能锁定结果", "the results can be locked only once the ranking is out")
    if f.needs_overtime or f.unresolved_ties:
        raise _refuse("还有未决的并列，不能锁定", "a tie across a prize boundary is undecided; cannot lock")
    return _step(s, phase="locked", timer=_paused(s.timer, f.now))


def _back(s: LiveState, f: Facts, _: str | None) -> LiveState:
    if not s.history:
        raise _refuse("没有可以撤回的步骤", "there is no step to go back to")
    prev = s.history[-1]  # the screen and timer options are not steps: they stay as they are
    return replace(prev, history=s.history[:-1], holding=s.holding, hide_marks=s.hide_marks,
                   timer_autostart=s.timer_autostart)


def _timer_start(s: LiveState, f: Facts, _: str | None) -> LiveState:
    if s.phase != "presenting":
        raise _refuse("只有路演进行中才能计时", "the timer runs only while a project is presenting")
    if s.timer.running:
        return s
    return replace(s, timer=replace(s.timer, started_at=f.now))


def _timer_pause(s: LiveState, f: Facts, _: str | None) -> LiveState:
    if not s.timer.running:
        return s
    return replace(s, timer=_paused(s.timer, f.now))


def _timer_reset(s: LiveState, f: Facts, _: str | None) -> LiveState:
    if s.phase != "presenting":
        raise _refuse("只有路演进行中才能重置计时", "the timer can be reset only while a project is presenting")
    return replace(s, timer=Timer(f.timer_seconds))


def _paused(t: Timer, now: float) -> Timer:
    return Timer(t.duration, None, t.raw(now)) if t.running else t


# ------------------------------------------------------------------ guidance

def next_step(s: LiveState, facts: Facts) -> tuple[str, str | None] | None:
    """The obvious next action (and project) for the console's big button, or None."""
    if s.phase == "setup":
        return ("start", None) if facts.projects else None
    if s.phase in ("idle", "result"):
        if s.phase == "result" and not s.pending:
            return ("rank", None)
        if s.pending:
            return ("present", s.pending[0])
        return ("rank", None)
    if s.phase == "presenting":
        return ("open_scoring", None)
    if s.phase == "scoring":
        return ("close_scoring", None)
    if s.phase == "closed":
        return ("show_result", None)
    if s.phase == "ranking":
        if facts.needs_overtime:
            return ("start_overtime", None)
        return ("start_reveal", None)
    if s.phase == "reveal":
        return ("reveal_next", None) if s.reveal_step < facts.tiers else ("lock", None)
    return None


NOTHING_TO_DO = _refuse("现在按下不会改变任何状态", "pressing it now would change nothing")


def decide(s: LiveState, facts: Facts) -> tuple[list[str], dict[str, str]]:
    """Every action tried on the pure machine: the ones that would change the state now, and for each other
    one why not (Chinese / English, the message :func:`apply` would refuse it with, or that it would change
    nothing, e.g. pausing a timer that is not running).  ``close_scoring`` counts as allowed with judges
    missing (the console asks first)."""
    trial = replace(facts, missing_ok=True)
    allowed: list[str] = []
    refused: dict[str, str] = {}
    for action in ACTIONS:
        try:
            changed = apply(s, action, trial) != s
        except Refused as e:
            refused[action] = str(e)
            continue
        if changed:
            allowed.append(action)
        else:
            refused[action] = str(NOTHING_TO_DO)
    return allowed, refused


def allowed_actions(s: LiveState, facts: Facts) -> list[str]:
    """The actions that would change the state now, for the console's buttons (:func:`decide`)."""
    return decide(s, facts)[0]


def refused_actions(s: LiveState, facts: Facts) -> dict[str, str]:
    """Why each other action would not do anything now: action -> "原因 / reason" (:func:`decide`)."""
    return decide(s, facts)[1]


def roadshow_key(s: LiveState) -> tuple[str, str] | None:
    """(project, round) whose scoring is open, or None."""
    return (s.current, s.round) if s.phase == "scoring" and s.current else None


def closed_roadshows(s: LiveState) -> Sequence[tuple[str, str]]:
    """(project, round) pairs of the current round whose scoring has closed."""
    return [(p, s.round) for p in s.done]
