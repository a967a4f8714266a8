"""Helpers of the audience tests (docs/AUDIENCE.md): a contest with an audience panel and a popularity vote,
device credentials and ballots over the API.

What it does: :func:`audience_rules` (the demo's 70/30 rules as 60/30/10 with an audience panel of
``stars`` and a ``[popularity]`` vote), :func:`audience_contest` (the demo setup with those rules, started:
returns the contest id and its audience token), :func:`device` / :func:`ballot` / :func:`org_action`.
What it does not do: assert what a test is about.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from tests.helpers import ORG, act, create_contest

ROOT = Path(__file__).resolve().parents[1]


def audience_rules(stars: int = 5, min_ballots: int = 0, choices: int = 2, panel: bool = True,
                   popularity: bool = True) -> str:
    text = (ROOT / "scoring_rules" / "expert_public.toml").read_text(encoding="utf-8")
    if panel:
        text = text.replace("weight = 0.7", "weight = 0.6")
        text += (f'\n[[panels]]\nid = "audience"\nlabel = "现场观众 Audience"\nkind = "audience"\nweight = 0.1\n'
                 f'method = "mean"\nstars = {stars}\nmin_ballots = {min_ballots}\n')
    if popularity:  # the budget holds the tiers and the popularity tier (judging.core.rules_audience)
        text = text.replace("budget = 400000", "budget = 405000")
        text += f'\n[popularity]\nlabel = "最佳人气奖"\ncount = 1\namount = 5000\nchoices = {choices}\n'
    return text


def audience_contest(client: Any, cid: str = "a1", start: bool = True, **rules: Any) -> tuple[str, str]:
    """(contest id, audience token) of the demo setup under :func:`audience_rules`."""
    from judging.app.demo import demo_setup

    body = {**demo_setup(), "id": cid, "rules_text": audience_rules(**rules), "rules_name": "aud.toml",
            "order": [f"P{i:02d}" for i in range(1, 16)]}
    body.pop("rules_preset", None)
    snap = create_contest(client, body)
    if start:
        act(client, "start", cid=cid)
    return cid, token_of(client, cid, snap)


def token_of(client: Any, cid: str, snap: dict | None = None) -> str:
    snap = snap or client.get(f"/api/contests/{cid}", headers=ORG).json()
    return snap["audience"]["link"]["path"].rsplit("/", 1)[1]


def device(client: Any, token: str, old: str | None = None) -> str:
    """A device credential (``old`` checked); the client's cookies are cleared first: each call is a new phone."""
    client.cookies.clear()
    r = client.post(f"/api/a/{token}/device", json={"device": old} if old else {})
    assert r.status_code == 200, r.text
    return r.json()["device"]


def ballot(client: Any, token: str, dev: str | None, window: str, bid: str | None = None, **value: Any) -> Any:
    headers = {"x-audience-device": dev} if dev else {}
    return client.post(f"/api/a/{token}/ballot", headers=headers,
                       json={"ballot_id": bid or uuid.uuid4().hex, "window": window, **value})


def org_action(client: Any, cid: str, action: str) -> Any:
    return client.post(f"/api/contests/{cid}/audience", headers=ORG, json={"action": action})


def judges_mark(client: Any, cid: str, project: str, level: float = 0.8) -> None:
    """Every judge of the contest marks ``project`` (scoring must be open)."""
    from tests.helpers import judges, spread_marks, submit_ok

    for k, j in enumerate(judges(client, cid).values()):
        submit_ok(client, j, project, spread_marks(j, level, k))


def roadshow(client: Any, cid: str, token: str, project: str, stars: list[int], level: float = 0.8,
             show: bool = True) -> list[str]:
    """present -> a ballot of each of ``stars`` (new devices) -> open -> judges mark -> close (-> result);
    the devices that voted."""
    act(client, "present", cid=cid, project=project)
    devices = []
    for s in stars:
        devices.append(device(client, token))
        r = ballot(client, token, devices[-1], f"score:final:{project}", stars=s)
        assert r.status_code == 200, r.text
    act(client, "open_scoring", cid=cid)
    judges_mark(client, cid, project, level)
    act(client, "close_scoring", cid=cid)
    if show:
        act(client, "show_result", cid=cid)
    return devices
