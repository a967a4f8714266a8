"""The audience's snapshots (docs/AUDIENCE.md; pure functions of the runtime).

What it does: :func:`audience` -- the small snapshot of ``/ws/a/<token>`` (the roadshow on stage, the window
open now with its ballot count, the popularity vote; under 1.5 KB for 20 projects: the list's names are
cut to fit ``NAME_BYTES``, :func:`name_chars`); :func:`screen_part` / :func:`console_part` -- the ``audience`` part of the big screen's and
the console's snapshots (added by :mod:`judging.live.snapshots`; absent when the rules have no audience
part); :func:`codes_list` -- the ballot codes for the printed tickets.  Counts are read from committed ballots
only.  Phones connected is the hub's count of ``<cid>/audience`` clients.

What it does not do: send anything (the publisher and the hub), or show a ballot's voter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from judging.app.audience import BURST_ADDRESS
from judging.app.audience_model import POPULARITY, score_window

if TYPE_CHECKING:
    from judging.app.runtime import Runtime
    from judging.app.service import Service

NAME_BYTES = 1000  # the popularity list's budget: names are cut to fit it (20 projects: 9 characters, 10: 24)


def name_chars(n: int) -> int:
    """How many characters of each name a list of ``n`` projects carries (CJK: 3 bytes a character)."""
    return max(6, min(24, (NAME_BYTES // max(1, n) - 23) // 3))


def _name(rt: "Runtime", pid: str, cut: int | None = None) -> str:
    p = rt.contest.project(pid)
    name = p.name if p else pid
    return name[:cut] if cut else name


def phones(svc: "Service", rt: "Runtime") -> int:
    hub = getattr(svc.publisher, "hub", None)
    return hub.count(f"{rt.contest.id}/audience") if hub is not None else 0


def window(svc: "Service", rt: "Runtime") -> dict | None:
    """The roadshow's score window (open while presenting / scoring), or None without an audience panel."""
    s, panel = rt.state, rt.contest.rules.audience_panel
    if panel is None or not s.current or s.phase in ("setup", "idle", "ranking", "reveal", "locked"):
        return None
    wid = score_window(s.round, s.current)
    return {"id": wid, "kind": "score", "open": svc.open_windows(rt)["score"] == wid, "stars": panel.stars,
            "count": rt.audience.counts.get(wid, 0)}


def _popularity(rt: "Runtime", with_projects: bool) -> dict | None:
    pop = rt.contest.rules.popularity
    if pop is None:
        return None
    out = {"state": rt.audience.popularity, "choices": pop.choices, "count": rt.audience.counts.get(POPULARITY, 0)}
    if with_projects:
        cut = name_chars(len(rt.contest.order))
        out["projects"] = [{"id": pid, "name": _name(rt, pid, cut)} for pid in rt.contest.order]
    return out


def audience(svc: "Service", rt: "Runtime") -> dict:
    """The phones' snapshot (``type: "audience"``)."""
    s, rules = rt.state, rt.contest.rules
    on_stage = ({"project": s.current, "name": _name(rt, s.current), "round": s.round}
                if s.current and s.phase in ("presenting", "scoring", "closed", "result") else None)
    panel = rules.audience_panel
    labels = {"panel": panel.label if panel else None,
              "popularity": rules.popularity.label if rules.popularity else None}
    return {"type": "audience", "seq": svc.sequence.next(svc.clock()), "boot": svc.boot,
            "contest": {"name": rt.contest.name}, "on_stage": on_stage,
            "window": window(svc, rt), "popularity": _popularity(rt, True), "strict": rt.audience.strict,
            "labels": labels}


def _join(svc: "Service", rt: "Runtime") -> dict:
    base = (getattr(svc, "public_url", None) or "").rstrip("/")
    path = f"/a/{rt.audience.token}"
    return {"shown": rt.audience.join_shown, "url": base + path, "path": path,
            "short": (base.split("://", 1)[-1] + path) if base else path}


def _result(rt: "Runtime") -> dict | None:
    """The audience panel's score of the roadshow whose result is shown."""
    s, res, panel = rt.state, rt.results, rt.contest.rules.audience_panel
    if panel is None or s.phase != "result" or not s.current or res is None or s.round not in res.rounds:
        return None
    scored = res.rounds[s.round]
    try:
        i = res.table.projects.index(s.current)
    except ValueError:
        return None
    if scored.audience is None:
        return None
    report = scored.audience.report(i)  # the engine's word on it: ballots, score, the fallback the rules chose
    return {"project": s.current, "score": report["score"], "ballots": report["ballots"],
            "fallback": report["fallback"] is not None, "fallback_mode": report["fallback"]}


def screen_part(svc: "Service", rt: "Runtime", snap: dict) -> dict:
    """``snap`` (the screen's snapshot) with its ``audience`` part, when the rules have one."""
    if getattr(rt, "audience", None) is None or not rt.contest.rules.has_audience:
        return snap
    chart, leader = None, None
    if rt.contest.rules.popularity is not None and rt.audience.popularity != "idle":
        chart = [{"project": pid, "name": _name(rt, pid), "votes": rt.audience.votes.get(pid, 0)}
                 for pid in rt.contest.order]
        top = max((c["votes"] for c in chart), default=0)
        leaders = [c["project"] for c in chart if c["votes"] == top]
        leader = leaders[0] if top > 0 and len(leaders) == 1 else None
    snap["audience"] = {"join": _join(svc, rt), "phones": phones(svc, rt), "window": window(svc, rt),
                        "popularity": _popularity(rt, False), "chart": chart, "leader": leader,
                        "result": _result(rt)}
    return snap


def warnings(svc: "Service", rt: "Runtime", connected: int) -> list[str]:
    """The console's burst warnings: more new devices in a minute than phones connected, or many devices
    from one address in a minute."""
    now = svc.clock()
    recent = [(t, a) for t, a in rt.audience.issued if t > now - 60.0]
    out = []
    if len(recent) > max(50, 2 * connected):
        out.append(f"一分钟内新增 {len(recent)} 部设备，多于在线手机（{connected}） / {len(recent)} new devices in a "
                   f"minute, more than the phones connected ({connected})")
    per: dict[str, int] = {}
    for _, a in recent:
        per[a] = per.get(a, 0) + 1
    for address, n in sorted(per.items(), key=lambda x: -x[1]):
        if n > BURST_ADDRESS:
            out.append(f"一分钟内同一地址 {address} 新增 {n} 部设备，可能是脚本 / {n} new devices from {address} in "
                       "a minute: a script, not a hall?")
    return out


def console_part(svc: "Service", rt: "Runtime", connected: int | None = None) -> dict:
    aud = rt.audience
    connected = phones(svc, rt) if connected is None else connected
    pop = _popularity(rt, False)
    return {"phones": connected, "devices": len(aud.voters), "window": window(svc, rt),
            "popularity": {"state": pop["state"], "count": pop["count"]} if pop else None,
            "strict": aud.strict, "codes": {"issued": len(aud.codes), "used": aud.codes_used()},
            "join_shown": aud.join_shown, "link": _join(svc, rt), "warnings": warnings(svc, rt, connected),
            "allowed": svc.audience_allowed(rt)}


def console_with(svc: "Service", rt: "Runtime", snap: dict) -> dict:
    """``snap`` (the console's snapshot) with its ``audience`` part, when the rules have one."""
    if getattr(rt, "audience", None) is not None and rt.contest.rules.has_audience:
        snap["audience"] = console_part(svc, rt)
    return snap


def codes_list(rt: "Runtime") -> dict:
    """Every ballot code, used or not (never which device used it), for the printed tickets."""
    return {"codes": [{"code": c.code, "used": c.voter is not None} for c in rt.audience.codes.values()],
            "link": f"/a/{rt.audience.token}"}
