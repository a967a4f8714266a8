"""Who may do what: the organizer and the staff roles of a contest, and the one table of operations (pure).

What it does: :data:`ALLOWED` is the only place that says which role may perform which operation; every
handler asks :func:`allows` (through :func:`judging.web.deps.require`) with the operation its route performs.
The organizer (the organizer key) may do everything, in every contest.  A staff member (a key or login link
issued by the organizer: :mod:`judging.app.staff`) has one role in one contest:

* 运行员 hall operator: drives that contest's evening (live actions, timer, nudges, screen options), reads its
  console, results, exports, audit and links (QR cards, big screen); never setup, rules or other contests;
* 记分员 scorekeeper: corrects or voids mark sets (paper marks) of that contest and reads its console and results;
* 观察员 viewer: reads that contest's console, results and audit; changes nothing.

:func:`console_for` filters the console snapshot by role: ``allowed`` keeps only the actions the role may
press (the others say why in ``refused``), the big button's ``next_step`` goes when the role cannot press it,
judges' and the screen's link tokens go when the role may not read links, and ``access`` tells the page which
controls to show at all (the server decides; the page only hides).

What it does not do: check keys or sessions (:mod:`judging.app.staff`, :mod:`judging.app.sessions`), or HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass

from judging.core import vocabulary
from judging.core.contest import ACTIONS

ORGANIZER, OPERATOR, SCOREKEEPER, VIEWER = "organizer", "operator", "scorekeeper", "viewer"
STAFF_ROLES = (OPERATOR, SCOREKEEPER, VIEWER)

# operations not about one contest: a staff member's contest is the one it may see of them (contests.list)
GLOBAL_OPERATIONS = frozenset({"contests.list", "contests.create", "archive.import", "presets.read",
                               "sessions.manage"})
# operations on one contest (the route's {cid}); a staff member may perform them only in its own contest
CONTEST_OPERATIONS = frozenset({"console.read", "results.read", "audit.read", "exports.read", "links.read",
                                "live.act", "marks.correct", "setup.change", "staff.manage"})
OPERATIONS = GLOBAL_OPERATIONS | CONTEST_OPERATIONS

# role -> the operations it may perform (the organizer: all of them)
ALLOWED: dict[str, frozenset[str]] = {
    ORGANIZER: OPERATIONS,
    OPERATOR: frozenset({"contests.list", "console.read", "results.read", "exports.read", "audit.read",
                         "links.read", "live.act"}),
    SCOREKEEPER: frozenset({"contests.list", "console.read", "results.read", "marks.correct"}),
    VIEWER: frozenset({"contests.list", "console.read", "results.read", "audit.read"}),
}

# what the console page's controls need (role block of the snapshot, and the page templates)
_CAN = {"act": "live.act", "correct": "marks.correct", "setup": "setup.change", "exports": "exports.read",
        "audit": "audit.read", "links": "links.read", "staff": "staff.manage"}


@dataclass(frozen=True)
class Principal:
    """Who is asking: the organizer (``contest`` None) or a staff member of one contest."""

    role: str
    actor: str                      # as the audit log names it: 'organizer', 'organizer:api', 'staff:<id>'
    contest: str | None = None
    staff_id: str | None = None
    name: str = ""

    @property
    def is_organizer(self) -> bool:
        return self.role == ORGANIZER


def organizer(actor: str = "organizer") -> Principal:
    return Principal(ORGANIZER, actor)


def staff_actor(staff_id: str, name: str = "") -> str:
    """How the audit log names a staff member: 'staff:<id>:<name>' (the name as it was when the key was issued)."""
    return f"staff:{staff_id}:{name}" if name else f"staff:{staff_id}"


def allows(p: Principal, operation: str, cid: str | None = None) -> bool:
    """May ``p`` perform ``operation`` (in contest ``cid``, for a contest operation)?"""
    if operation not in OPERATIONS:
        raise KeyError(f"unknown operation {operation!r}")
    if operation not in ALLOWED.get(p.role, frozenset()):
        return False
    if p.is_organizer or operation in GLOBAL_OPERATIONS:
        return True
    return cid is not None and cid == p.contest


def role_label(role: str) -> str:
    z, e = vocabulary.label("role", role)
    return f"{z} / {e}"


def refusal(p: Principal, operation: str, cid: str | None = None) -> str:
    """Why ``p`` may not perform ``operation``: Chinese / English."""
    z, e = vocabulary.label("role", p.role)
    if operation in CONTEST_OPERATIONS and operation in ALLOWED.get(p.role, ()) and cid != p.contest:
        return f"{z}只能操作自己负责的大赛 / a {e.lower()} may only work on its own contest"
    return f"{z}没有这个权限 / a {e.lower()} may not do this"


def can(role: str) -> dict[str, bool]:
    """Which console controls the role may use: act, correct, setup, exports, audit, links, staff."""
    allowed = ALLOWED.get(role, frozenset())
    return {name: op in allowed for name, op in _CAN.items()}


def role_block(role: str) -> dict:
    z, e = vocabulary.label("role", role)
    return {"id": role, "label": f"{z} {e}", "can": can(role),
            "actions": list(ACTIONS) if "live.act" in ALLOWED.get(role, ()) else []}


def console_for(role: str, snap: dict) -> dict:
    """The console snapshot as ``role`` sees it (a shallow copy; the organizer's keeps everything)."""
    out = dict(snap)
    out["access"] = role_block(role)
    if role == ORGANIZER:
        return out
    rights = can(role)
    if not rights["act"]:
        why = refusal(Principal(role, ""), "live.act", None)
        out["allowed"] = []
        out["refused"] = {a: why for a in ACTIONS}
        out["next_step"] = None
        out["can_go_back"] = False
        if isinstance(snap.get("audience"), dict):  # the audience's buttons are live actions too
            out["audience"] = {**snap["audience"], "allowed": []}
    if not rights["links"] and isinstance(snap.get("setup"), dict):
        setup = dict(snap["setup"])
        setup["judges"] = [{k: v for k, v in j.items() if k not in ("token", "link")} for j in setup.get("judges", [])]
        setup["screen_link"] = None
        out["setup"] = setup
    return out
