"""The audience in a contest's JSON archive: written (:func:`archive_part`) and read back with every check
(:func:`read_part`) -- the audience state, every ballot (the voter's hash, never a raw device id, no client
address) and every ballot code (used or not, and the hash of the phone it is bound to).

What it does not do: write the archive or the database (:mod:`judging.exports.archive`,
:mod:`judging.app.archive_import`), or carry the audience link token (the importing server derives its own).
"""

from __future__ import annotations

import re
from typing import Any

from judging.app.audience_model import POPULARITY, AudienceRuntime, parse_window
from judging.core.model import Contest
from judging.storage.records import AudienceBallot, AudienceCode

_VOTER = re.compile(r"[0-9a-f]{16}")
_CODE = re.compile(r"[A-Z0-9]{4,16}")


class AudienceArchiveError(ValueError):
    def __init__(self, where: str, message: str) -> None:
        super().__init__(message)
        self.where = where


def archive_part(aud: AudienceRuntime | None) -> dict | None:
    if aud is None:
        return None
    return {"state": aud.state_json(),
            "ballots": [b.to_json() for b in sorted(aud.ballots.values(), key=lambda b: (b.window, b.voter))],
            "codes": [{"code": c.code, "used": c.voter is not None, "voter": c.voter, "used_at": c.used_at}
                      for c in aud.codes.values()]}


def _need(cond: bool, where: str, message: str) -> None:
    if not cond:
        raise AudienceArchiveError(where, message)


def read_part(data: Any, contest: Contest) -> AudienceRuntime:
    """The archived audience (an empty one if the archive has none); raises :class:`AudienceArchiveError`."""
    aud = AudienceRuntime(token="")
    if data is None:
        return aud
    _need(isinstance(data, dict), "audience", "须为对象 / must be an object")
    state = data.get("state") or {}
    _need(isinstance(state, dict), "audience.state", "须为对象 / must be an object")
    aud.load_state(state)
    rules = contest.rules
    ballots = data.get("ballots") or []
    _need(isinstance(ballots, list), "audience.ballots", "须为列表 / must be a list")
    for i, b in enumerate(ballots):
        where = f"audience.ballots[{i}]"
        _need(isinstance(b, dict), where, "须为对象 / must be an object")
        window, voter, value = b.get("window"), b.get("voter"), b.get("value")
        _need(isinstance(voter, str) and bool(_VOTER.fullmatch(voter)), where, "投票人无效 / bad voter hash")
        _need(isinstance(b.get("ballot_id"), str) and isinstance(b.get("updated_at"), (int, float)), where,
              "缺少选票编号或时间 / ballot_id or updated_at missing")
        _need(isinstance(value, dict), where, "缺少选票内容 / value missing")
        if window == POPULARITY:
            _need(rules.popularity is not None, where, "规则没有人气投票 / the rules have no popularity vote")
            projects = value.get("projects")
            _need(isinstance(projects, list) and 0 < len(projects) <= rules.popularity.choices
                  and len(set(projects)) == len(projects) and all(p in contest.order for p in projects),
                  where, "人气投票无效 / bad popularity ballot")
            kind = POPULARITY
        else:
            parsed = parse_window(window) if isinstance(window, str) else None
            panel = rules.audience_panel
            _need(parsed is not None and panel is not None and contest.project(parsed[1]) is not None, where,
                  "投票窗口无效 / bad window")
            stars, problem = rules.mark_value(panel, "", value.get("stars"))
            _need(problem is None and not isinstance(value.get("stars"), bool), where, f"星数无效 / bad stars: {problem}")
            value = {"stars": int(stars)}
            kind = "score"
        _need((window, voter) not in aud.ballots, where, "同一投票人在同一窗口有两张选票 / two ballots of one voter")
        aud.put(AudienceBallot(window, voter, kind, value, b["ballot_id"], float(b["updated_at"])))
    codes = data.get("codes") or []
    _need(isinstance(codes, list), "audience.codes", "须为列表 / must be a list")
    for i, c in enumerate(codes):
        where = f"audience.codes[{i}]"
        _need(isinstance(c, dict) and isinstance(c.get("code"), str) and bool(_CODE.fullmatch(c["code"])), where,
              "选票码无效 / bad code")
        voter = c.get("voter")
        _need(voter is None or (isinstance(voter, str) and bool(_VOTER.fullmatch(voter))), where, "bad voter hash")
        _need(c["code"] not in aud.codes, where, "选票码重复 / a code twice")
        aud.put_code(AudienceCode(c["code"], voter, c.get("used_at") if voter else None))
    return aud
