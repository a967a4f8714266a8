"""The audience's commands (docs/AUDIENCE.md): device credentials, ballots, the popularity window, the join
card, strict mode and ballot codes.

What it does: :class:`AudienceCommands` (a part of :class:`judging.app.service.Service`: ``self`` is the
service) issues and checks the device credential ``d.<16 hex>.<signature>`` (HMAC-SHA256 of contest id and
device id under the audience secret kept in ``meta``), finds the window open now (the roadshow on stage while
``presenting`` / ``scoring``: ``score:<round>:<project>``; ``popularity`` while the organizer has it open),
casts a ballot (checked under the writer's lock, one per voter per window, a re-vote replaces it, the same
``ballot_id`` again is acknowledged unchanged, stored in a group commit and acknowledged only after it),
limits each voter to one change a second and new devices to 500 a second server-wide, runs the organizer's
actions with their audit entries, generates and binds ballot codes, and writes each window's closing counts
into the audit chain (the score window inside the same transaction as ``close_scoring``:
:meth:`AudienceCommands.audience_step`, called from :meth:`judging.app.evening.EveningCommands.act`).

What it does not do: HTTP (:mod:`judging.web.audience_api`), build snapshots
(:mod:`judging.live.audience_views`), score ballots (the engine does, from :mod:`judging.app.audience_marks`),
or SQL (:mod:`judging.storage.repository_audience`).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
from collections import deque
from typing import TYPE_CHECKING, Any

from judging.app.audience_model import (POPULARITY, AudienceRefused, AudienceRuntime, new_code, normal_code,
                                        parse_window, score_window, voter_hash)
from judging.app.errors import Conflict, Invalid
from judging.storage import repository_audience as repo
from judging.storage.records import AudienceBallot, AudienceCode

if TYPE_CHECKING:
    from judging.app.runtime import Runtime

_BALLOT_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
_CREDENTIAL = re.compile(r"d\.([0-9a-f]{16})\.([0-9a-f]{32})")
ACTIONS = ("popularity_open", "popularity_close", "join_show", "join_hide", "strict_on", "strict_off")
BALLOT_SECONDS = 1.0          # a voter changes its ballot in a window at most once a second
NEW_DEVICES_PER_SECOND = 500  # new device credentials a second, over the whole server
MAX_CODES = 20000             # ballot codes of one contest
BURST_ADDRESS = 300           # new devices from one address in a minute: warn (a script, not a hall)


def _refuse(status: int, zh: str, en: str, code: str, **kw: Any) -> AudienceRefused:
    return AudienceRefused(status, f"{zh} / {en}", code, **kw)


class AudienceCommands:
    """The audience commands of the service (see the module docstring)."""

    audience_secret: str = ""

    # ------------------------------------------------------------ loading
    async def load_audience(self) -> None:
        """The audience secret (created once), and every loaded contest's audience as committed; a contest
        whose token is not stored yet gets its derived one stored now."""
        secret = await repo.audience_secret(self.store)
        stored = await repo.load_audience(self.store)
        missing = [cid for cid in self.runtimes if stored.get(cid) is None or stored[cid].token is None]
        if secret is None or missing:
            secret = secret or secrets.token_hex(32)
            async with self.store.write() as tx:
                await repo.save_audience_secret(tx, secret)
                for cid in missing:
                    await repo.save_token(tx, cid, await self._free_token(tx, cid, secret))
            stored = await repo.load_audience(self.store)
        self.audience_secret = secret
        for cid, rt in self.runtimes.items():
            s = stored[cid]
            rt.audience = aud = AudienceRuntime(token=s.token or self._derived_token(cid))
            aud.load_state(s.state)
            for b in s.ballots:
                aud.put(b)
            for c in s.codes:
                aud.put_code(c)
            if aud.ballots:
                self._recompute(rt)
        self._index_audience()

    def _derived_token(self, cid: str, secret: str | None = None) -> str:
        key = (secret or self.audience_secret).encode()
        return hmac.new(key, f"token:{cid}".encode("utf-8"), hashlib.sha256).hexdigest()[:24]

    async def _free_token(self, tx, cid: str, secret: str) -> str:
        token = self._derived_token(cid, secret)
        while await repo.token_taken(tx, token, cid):
            token = secrets.token_hex(12)
        return token

    async def store_imported_audience(self, tx, rt: "Runtime") -> None:
        """Inside an archive import's transaction: the contest's archived audience under a link of its own."""
        aud, cid = rt.audience, rt.contest.id
        if aud is None:
            return
        aud.token = await self._free_token(tx, cid, self.audience_secret)
        await repo.save_token(tx, cid, aud.token)
        await repo.save_state(tx, cid, aud.state_json())
        await repo.save_ballots(tx, cid, aud.ballots.values())
        await repo.insert_codes(tx, cid, aud.codes.values())

    def adopt_audience(self, rt: "Runtime", state: dict | None = None) -> AudienceRuntime:
        """A contest new to this run (created or imported): its audience, token derived from its id until a
        start-up stores it."""
        if getattr(rt, "audience", None) is None:
            rt.audience = AudienceRuntime(token=self._derived_token(rt.contest.id))
            if state:
                rt.audience.load_state(state)
        self._index_audience()
        return rt.audience

    def _index_audience(self) -> None:
        self._audience_tokens = {rt.audience.token: cid for cid, rt in self.runtimes.items()
                                 if getattr(rt, "audience", None) is not None}

    def by_audience_token(self, token: str) -> "Runtime | None":
        cid = getattr(self, "_audience_tokens", {}).get(token)
        rt = self.runtimes.get(cid) if cid else None
        return rt if rt is not None and secrets.compare_digest(rt.audience.token, token) else None

    # ------------------------------------------------------------ device credentials
    def _signature(self, cid: str, device: str) -> str:
        return hmac.new(self.audience_secret.encode(), f"{cid}\n{device}".encode("utf-8"),
                        hashlib.sha256).hexdigest()[:32]

    def check_device(self, rt: "Runtime", credential: str | None) -> str:
        """The device id of a valid credential for this contest, else 403 ``bad_device``."""
        m = _CREDENTIAL.fullmatch(credential or "")
        if m is None or not hmac.compare_digest(m.group(2), self._signature(rt.contest.id, m.group(1))):
            raise _refuse(403, "设备凭证无效，请刷新页面", "this phone's credential is not valid here; reload the page",
                          "bad_device")
        return m.group(1)

    def issue_device(self, rt: "Runtime", old: str | None, client: str = "") -> str:
        """``old`` back if it is valid for this contest; else a new credential (at most
        NEW_DEVICES_PER_SECOND a second over the server: 429 beyond)."""
        if old:
            try:
                self.check_device(rt, old)
                return old
            except AudienceRefused:
                pass
        now = self.clock()
        times = self.__dict__.setdefault("_new_devices", deque())
        while times and times[0] <= now - 1.0:
            times.popleft()
        if len(times) >= NEW_DEVICES_PER_SECOND:
            raise _refuse(429, "加入的手机太多，请稍后再试", "too many phones joining at once; try again shortly",
                          "too_fast", retry_after=1)
        times.append(now)
        issued = rt.audience.issued
        issued.append((now, client))
        while issued and issued[0][0] <= now - 60.0:
            issued.popleft()
        device = secrets.token_hex(8)
        return f"d.{device}.{self._signature(rt.contest.id, device)}"

    def voter_of(self, rt: "Runtime", device: str) -> str:
        """Who votes: the device, or in strict mode the ballot code bound to it (403 ``code_required``)."""
        aud = rt.audience
        if not aud.strict:
            return voter_hash(device)
        code = aud.code_of.get(voter_hash(device))
        if code is None:
            raise _refuse(403, "请先输入选票码", "enter your ballot code first", "code_required")
        return voter_hash(code)

    # ------------------------------------------------------------ windows and ballots
    def open_windows(self, rt: "Runtime") -> dict[str, str | None]:
        """{"score": the score window open now or None, "popularity": "popularity" while open, else None}."""
        s, rules = rt.state, rt.contest.rules
        score = (score_window(s.round, s.current)
                 if rules.audience_panel is not None and s.phase in ("presenting", "scoring") and s.current else None)
        pop = POPULARITY if rules.popularity is not None and rt.audience.popularity == "open" else None
        return {"score": score, "popularity": pop}

    def _check_window(self, rt: "Runtime", window: str) -> str:
        """The kind of an open window, else 409 window_closed (or 422 for a roadshow not on stage)."""
        open_now = self.open_windows(rt)
        if window == open_now["score"]:
            return "score"
        if window == POPULARITY:
            if open_now["popularity"]:
                return POPULARITY
            raise _refuse(409, "人气投票未开放", "the popularity vote is not open", "window_closed")
        parsed = parse_window(window)
        known = parsed is not None and rt.contest.project(parsed[1]) is not None if parsed else False
        if parsed and known and rt.closed(parsed[1], parsed[0]):
            raise _refuse(409, "该项目的观众评分已结束，本票未计入", "audience scoring for this roadshow has closed; "
                          "this ballot was not counted", "window_closed")
        raise _refuse(422, "该项目不在台上，不能评分", "that project is not on stage", "not_on_stage",
                      errors={"window": "not open"})

    def _ballot_value(self, rt: "Runtime", kind: str, body: dict) -> dict:
        rules = rt.contest.rules
        if kind == "score":
            raw = body.get("stars")
            panel = rules.audience_panel
            value, problem = ((None, "须为整数 must be a whole number") if isinstance(raw, bool) or raw is None
                              else rules.mark_value(panel, "", raw))
            if problem or value is None:
                raise _refuse(422, f"星数无效：{problem}", f"bad stars: {problem}", "bad_stars",
                              errors={"stars": problem or "required"})
            return {"stars": int(value)}
        projects = body.get("projects")
        if not isinstance(projects, list) or not projects or not all(isinstance(p, str) for p in projects):
            raise _refuse(422, "请选择项目", "projects must be a non-empty list of project ids", "bad_project",
                          errors={"projects": "required"})
        choices = rules.popularity.choices
        if len(projects) > choices:
            raise _refuse(422, f"最多选 {choices} 个项目", f"at most {choices} projects", "too_many_choices",
                          errors={"projects": f"at most {choices}"})
        if len(set(projects)) != len(projects):
            raise _refuse(422, "同一项目不能重复选择", "a project is chosen twice", "duplicate",
                          errors={"projects": "duplicate"})
        running = set(rt.contest.order)
        for p in projects:
            if p not in running:
                raise _refuse(422, f"没有这个项目：{p[:40]}", f"no project {p[:40]!r} in the running order",
                              "bad_project", errors={"projects": p[:40]})
        return {"projects": list(projects)}

    async def cast_ballot(self, rt: "Runtime", credential: str | None, body: dict, client: str = "") -> dict:
        """One ballot; acknowledged only after the commit that contains it (group commit)."""
        aud, cid = rt.audience, rt.contest.id
        voter = self.voter_of(rt, self.check_device(rt, credential))
        bid, window = body.get("ballot_id"), body.get("window")
        if not isinstance(bid, str) or not _BALLOT_ID.fullmatch(bid):
            raise _refuse(422, "缺少选票编号", "ballot_id (8-64 letters, digits, - or _) is required", "bad_ballot",
                          errors={"ballot_id": "required"})
        if not isinstance(window, str) or not window or len(window) > 200:
            raise _refuse(422, "缺少投票窗口", "window is required", "bad_window", errors={"window": "required"})
        async with self.store.write(batch=True) as tx:
            grouped = tx.shared.setdefault(("audience", cid), {})
            before = grouped.get((window, voter)) or aud.ballot(window, voter)
            if before is not None and before.ballot_id == bid:  # a resend: acknowledged, nothing changes
                return self._ack(aud, before, duplicate=True)
            kind = self._check_window(rt, window)
            value = self._ballot_value(rt, kind, body)
            now = self.clock()
            wait = aud.last_change.get((window, voter), -math.inf) + BALLOT_SECONDS - now
            if wait > 0:
                raise _refuse(429, "改票太快，请稍后再试", "changing your ballot too fast; try again in a moment",
                              "too_fast", retry_after=max(1, math.ceil(wait)))
            aud.last_change[(window, voter)] = now
            ballot = AudienceBallot(window, voter, kind, value, bid, now, client)
            await repo.save_ballots(tx, cid, [ballot])
            grouped[(window, voter)] = ballot
            tx.on_commit(lambda: aud.put(ballot))
        ballot_published = getattr(self.publisher, "ballot", None)
        if ballot_published is not None:
            ballot_published(self, cid)  # coalesced: the screen and consoles at most 4 times a second
        else:
            self.publish_audience(cid)
        return self._ack(aud, ballot)

    def _ack(self, aud: AudienceRuntime, b: AudienceBallot, duplicate: bool = False) -> dict:
        return {"ok": True, "ballot": b.to_json() | {"voter": None}, "window": b.window,
                "count": aud.counts.get(b.window, 0), "duplicate": duplicate, "seq": self._seq(), "boot": self.boot}

    def my_ballots(self, rt: "Runtime", credential: str | None) -> dict:
        device = self.check_device(rt, credential)
        aud = rt.audience
        code = aud.code_of.get(voter_hash(device))
        if aud.strict and code is None:
            return {"ballots": {}, "strict": True, "code": False}
        voter = voter_hash(code) if aud.strict else voter_hash(device)
        return {"ballots": {w: b.to_json() | {"voter": None} for w, b in aud.of_voter(voter).items()},
                "strict": aud.strict, "code": code is not None}

    # ------------------------------------------------------------ codes
    async def bind_code(self, rt: "Runtime", credential: str | None, code_text: Any) -> dict:
        device = self.check_device(rt, credential)
        aud, cid = rt.audience, rt.contest.id
        code = normal_code(code_text) if isinstance(code_text, str) else ""
        mine = voter_hash(device)
        async with self.store.write() as tx:
            found = aud.codes.get(code)
            if found is None:
                raise _refuse(404, "没有这个选票码，请核对", "no such ballot code; check it", "code_unknown")
            if found.voter is not None and found.voter != mine:
                raise _refuse(409, "选票码已在另一部手机上使用", "this ballot code is already used on another phone",
                              "code_taken")
            if found.voter == mine:
                return {"ok": True}
            bound = AudienceCode(code, mine, self.clock())
            await repo.bind_code(tx, cid, code, mine, bound.used_at)
            tx.on_commit(lambda: aud.put_code(bound))
        self.publish_audience(cid)
        return {"ok": True}

    async def generate_codes(self, cid: str, count: Any, actor: str, client: str = "") -> list[str]:
        rt = self.get(cid)
        aud = rt.audience
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 5000:
            raise Invalid("数量须为 1–5000 的整数 / count must be a whole number 1-5000", {"count": "1-5000"})
        async with self.store.write() as tx:
            if len(aud.codes) + count > MAX_CODES:
                raise Conflict(f"选票码最多 {MAX_CODES} 个 / at most {MAX_CODES} ballot codes per contest",
                               "too_many_codes")
            taken: set[str] = set(aud.codes)
            fresh = []
            for _ in range(count):
                code = new_code(taken)
                taken.add(code)
                fresh.append(AudienceCode(code))
            await repo.insert_codes(tx, cid, fresh)
            await tx.audit(cid, actor, "audience.codes", {"count": count, "total": len(taken)}, client=client)

            def commit() -> None:
                for c in fresh:
                    aud.put_code(c)
            tx.on_commit(commit)
        self.publish_console(cid)
        return [c.code for c in fresh]

    # ------------------------------------------------------------ the organizer's actions
    def audience_allowed(self, rt: "Runtime") -> list[str]:
        aud, rules = rt.audience, rt.contest.rules
        out = []
        if rules.popularity is not None:
            out += ["popularity_open"] if aud.popularity in ("idle", "closed") else ["popularity_close"]
        out.append("join_hide" if aud.join_shown else "join_show")
        out.append("strict_off" if aud.strict else "strict_on")
        return out

    async def audience_action(self, cid: str, action: Any, actor: str, client: str = "") -> "Runtime":
        rt = self.get(cid)
        aud = rt.audience
        if action not in ACTIONS:
            raise Invalid(f"未知操作 / unknown action {str(action)[:40]!r}", {"action": "unknown"})
        async with self.store.write() as tx:
            if action not in self.audience_allowed(rt):
                if rt.contest.rules.popularity is None and action.startswith("popularity"):
                    raise Conflict("本场规则没有人气投票 / these rules have no popularity vote", "no_popularity")
                raise Conflict("现在不能这样操作 / not possible now", "not_now")
            now = self.clock()
            new = {"popularity_open": {"popularity": "open", "opened_at": now, "closed_at": None},
                   "popularity_close": {"popularity": "closed", "closed_at": now},
                   "join_show": {"join_shown": True}, "join_hide": {"join_shown": False},
                   "strict_on": {"strict": True}, "strict_off": {"strict": False}}[action]
            state = aud.with_state(**new)
            await repo.save_state(tx, cid, state)
            await repo.save_token(tx, cid, aud.token)
            await tx.audit(cid, actor, f"audience.{action}", new, client=client)
            if action == "popularity_close":
                await tx.audit(cid, actor, "audience.close", aud.closing(POPULARITY), client=client)

            def commit() -> None:
                aud.load_state(state)
                if action.startswith("popularity"):
                    self._recompute(rt)
            tx.on_commit(commit)
        self.publish_audience(cid)
        self.publish(cid)
        return rt

    async def audience_step(self, tx, rt: "Runtime", action: str, actor: str, client: str = "") -> None:
        """Inside :meth:`act`'s transaction: closing a roadshow's scoring closes its audience window, whose
        counts go into the audit chain with it."""
        s = rt.state
        if action == "close_scoring" and s.current and rt.contest.rules.audience_panel is not None:
            aud = getattr(rt, "audience", None)
            if aud is not None:
                await tx.audit(rt.contest.id, actor, "audience.close", aud.closing(score_window(s.round, s.current)),
                               client=client)

    # ------------------------------------------------------------ publishing
    def publish_audience(self, cid: str) -> None:
        """The phones of the audience, the big screen and the consoles (each coalesced by the publisher)."""
        if self.publisher is None:
            return
        audience = getattr(self.publisher, "audience", None)
        if audience is not None:
            audience(self, cid)
        self.publish_screen(cid)
        self.publish_console(cid)
