"""The OpenAPI 3.1 document served at /api/openapi.json (written by hand, kept next to the routes).

What it does: describes every JSON endpoint of :mod:`judging.web.api`, its
authentication and its error shape.  tests/test_api.py checks that every API
route is described here and nothing else is.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from judging.exports import formats

ERROR = {"type": "object", "required": ["error"], "properties": {
    "error": {"type": "string", "description": "message, Chinese / English"},
    "errors": {"type": "object", "additionalProperties": {"type": "string"}, "description": "per field"},
    "code": {"type": "string", "description": "on some 409s: 'stale' = the action named a state version that "
                                             "has moved on; nothing was done"}}}
OBJ = {"type": "object"}


def _op(summary: str, auth: str = "organizer", body: dict | None = None, ok: int = 200,
        params: list[str] = (), content: str = "application/json") -> dict:
    op: dict = {"summary": summary, "responses": {
        str(ok): {"description": "OK", "content": {content: {"schema": OBJ if content.endswith("json") else {"type": "string"}}}},
        "401": {"description": "no or wrong credentials", "content": {"application/json": {"schema": ERROR}}},
        "409": {"description": "not allowed in the current phase", "content": {"application/json": {"schema": ERROR}}},
        "422": {"description": "invalid input, per-field errors", "content": {"application/json": {"schema": ERROR}}},
        "400": {"description": "not JSON, or a lone UTF-16 surrogate / NUL in a string", "content": {
            "application/json": {"schema": ERROR}}},
        "503": {"description": "disk full (code 'disk_full'): nothing was stored; send it again later", "content": {
            "application/json": {"schema": ERROR}}},
    }}
    op["security"] = [{"organizerKey": []}, {"consoleCookie": []}] if auth == "organizer" else [{"judgeToken": []}]
    if auth == "organizer":
        op["responses"]["429"] = {"description": "too many wrong organizer keys from this address within a minute "
                                                 "(code 'too_many_attempts', Retry-After header); the key was not "
                                                 "checked", "content": {"application/json": {"schema": ERROR}}}
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if params:
        op["parameters"] = [{"name": p, "in": "path", "required": True, "schema": {"type": "string"}} for p in params]
    return op


def _props(**props: dict) -> dict:
    return {"type": "object", "properties": props}


S, N, B = {"type": "string"}, {"type": "number"}, {"type": "boolean"}
LIST = {"type": "array", "items": OBJ}
C = ["cid"]


def _export_op() -> dict:
    """GET /api/contests/{cid}/export/{format}: one operation whose format enum is the export registry."""
    op = _op("Download an export of the contest; format is one of the registry's (judging/exports/formats.py): "
             + "; ".join(f"{f.name}: {f.summary}" for f in formats.FORMATS), params=["cid", "format"])
    op["parameters"][1]["schema"] = {"type": "string", "enum": list(formats.NAMES)}
    op["responses"]["200"]["content"] = {media: {"schema": {"type": "string"}}
                                         for media in dict.fromkeys(f.media_type for f in formats.FORMATS)}
    op["responses"]["404"] = {"description": "no such contest, judge, or export format (the message lists the "
                                             "formats)", "content": {"application/json": {"schema": ERROR}}}
    return op


PATHS = {
    "/api/presets": {"get": _op("List the rules presets in scoring_rules/")},
    "/api/contests": {
        "get": _op("List contests"),
        "post": _op("Create a contest", body=_props(name=S, rules_preset=S, rules_text=S, timer_seconds=N,
                                                      projects=LIST, judges=LIST, recusals=LIST,
                                                      order={"type": "array", "items": S}), ok=201)},
    "/api/contests/{cid}": {
        "get": _op("The contest's full console state (setup, live state, results)", params=C),
        "patch": _op("Change the setup (only before the contest starts); awards (tiers) and budget rewrite those "
                     "parts of the contest's rules TOML and nothing else", params=C,
                     body=_props(name=S, rules_preset=S, rules_text=S, timer_seconds=N, projects=LIST, judges=LIST,
                                 recusals=LIST, awards=LIST, budget={"type": ["number", "null"]}))},
    "/api/contests/{cid}/import/{kind}": {"post": _op(
        "Preview (dry_run, default) or apply a CSV/XLSX table of projects or judges (multipart 'file', or JSON "
        "{csv, dry_run}); answers {rows, errors, ok, applied, notices} -- notices: what the 赛道 column gives under "
        "the rules", params=["cid", "kind"], body=_props(csv=S, dry_run=B))},
    "/api/contests/{cid}/order": {"post": _op("Set the running order by hand", params=C,
                                              body=_props(order={"type": "array", "items": S}))},
    "/api/contests/{cid}/draw": {"post": _op("Draw the running order; the seed is recorded (random if omitted)",
                                             params=C, body=_props(seed=S))},
    "/api/contests/{cid}/actions": {"post": _op(
        "Drive the evening: start, present, open_scoring, close_scoring, show_result, next, rank, start_overtime, "
        "start_reveal, reveal_next, lock, back, timer_start, timer_pause, timer_reset; the screen and timer options "
        "hold_screen, release_screen, hide_marks, show_marks, autostart_on, autostart_off (any phase). With "
        "expect_version (the snapshot's version when the button was pressed) the action applies only to that state: "
        "a retry or a request crossing another console's gets 409 instead of acting twice. tab names the console tab; "
        "a change by another console or tab less than 1.5 s ago gets 409 code recent_change unless confirm_recent",
        params=C, body=_props(action=S, project=S, confirm=B, expect_version={"type": "integer"}, tab=S,
                              confirm_recent=B))},
    "/api/contests/{cid}/marks/{op}": {"post": _op(
        "Correct (op=correct, with marks) or void (op=void) a closed roadshow's mark set; reason required",
        params=["cid", "op"], body=_props(project=S, round=S, judge=S, marks=OBJ, reason=S))},
    "/api/contests/{cid}/nudge": {"post": _op(
        "请尽快提交: while scoring is open, remind judges who have not submitted (judges=[ids], or judge=id; "
        "neither: every missing judge). Audited (judge.nudge, one entry per judge); pushed to those judges' "
        "phones only, which show a banner until they submit. {nudged: [ids], contest: console snapshot}; 409 "
        "when scoring is not open or a named judge is not missing", params=C,
        body=_props(judges={"type": "array", "items": S}, judge=S))},
    "/api/contests/{cid}/results": {"get": _op("Results of the closed roadshows (same shape as run.py score "
                                               "--format json)", params=C)},
    "/api/contests/{cid}/marks.csv": {"get": _op("Counted marks in the run.py score CSV format", params=C,
                                                 content="text/csv")},
    "/api/contests/{cid}/rules.toml": {"get": _op("The contest's own copy of its rules", params=C,
                                                  content="application/toml")},
    "/api/contests/{cid}/audit": {"get": _op(
        "The stored audit entries as they are, filtered in the database: ?project=&judge=&kind=setup|order|state|"
        "mark|correction|import|nudge|paper&order=oldest (default)|newest&limit= (default 1000, max 5000); next page: "
        "?after_seq= (oldest first) or ?before_seq= (newest first) from the answer's next. {entries, total (all "
        "matching), limit, order, more (entries left beyond this page), next} — order=newest&limit=N gives the "
        "newest N", params=C)},
    "/api/contests/{cid}/audit/entries": {"get": _op(
        "One page of the readable audit trail (Chinese): ?project=&judge=&kind=setup|order|state|mark|correction|"
        "import|nudge|paper&order=newest|oldest&offset=&limit= (max 500); {entries, total, offset, limit, order}", params=C)},
    "/api/contests/{cid}/audit/verify": {"get": _op(
        "Check the database's audit hash chain: {ok, message, contest_entries, last_seq, last_hash}", params=C)},
    "/api/contests/{cid}/export/{format}": {"get": _export_op()},
    "/api/contests/import": {"post": _op(
        "Import a contest archive (the body is the archive JSON); ?as=ID imports under another id. Never "
        "overwrites a contest (409); judges get new links. Answers the console snapshot and import_warnings (a "
        "stage of a season: its other stages not here, or imported on its own; docs/SEASON.md)",
        body={"type": "object"}, ok=201)},
    "/api/contests/{cid}/paper": {"get": _op(
        "Paper fallback overview: {contest, phase, roadshows [{round, round_label, projects}], judges, paper "
        "{sheets (pending entries and mismatches per sheet), mismatches, agreed, entries}}", params=C)},
    "/api/contests/{cid}/paper/sheet": {"get": _op(
        "One paper sheet by ?code=P:<judge>:<project>:<round> (typed or scanned) or ?judge=&project=&round=: "
        "{code, judge, project, round, criteria, current (with source phone|paper), pending, mismatches}; 404 "
        "for an unknown sheet", params=C)},
    "/api/contests/{cid}/paper/entries": {"post": _op(
        "One typed entry of a paper sheet. Two entries that agree on every criterion become the judge's mark "
        "set (source paper); disagreeing entries never count. replace=true is needed when the judge already "
        "has a mark set (it becomes a correction, reason 纸质评分表). 409 codes: locked, recused, not_open, "
        "has_marks. {status: pending|mismatch|agreed, entry, total, sheet}", params=C, ok=201,
        body=_props(code=S, judge=S, project=S, round=S, marks=OBJ, entered_by=S, replace=B))},
    "/api/contests/{cid}/paper/entries/{eid}/discard": {"post": _op(
        "Set a pending paper entry aside (it never counts; the record stays); reason required",
        params=["cid", "eid"], body=_props(reason=S))},
    "/api/contests/{cid}/paper/sheets.pdf": {"get": _op(
        "Blank A4 paper score sheets, one page per judge x roadshow (overtime rounds too; recused pairs left "
        "out), each with the rubric, boxes, signature line and a QR code of its sheet code; ?judge=ID "
        "(repeatable), ?round=, ?project=", params=C, content="application/pdf")},
    "/api/sessions": {"get": _op("The live console sessions (signed-in devices): {sessions: [{id, current, device, "
                                 "client, user_agent, created_at, last_seen, created_label, seen_label}]}")},
    "/api/sessions/{sid}": {"delete": _op("End one console session (its cookie stops working, its console socket "
                                          "closes); ending your own signs you out. 404 if not live",
                                          params=["sid"])},
    "/api/sessions/others": {"delete": _op("End every console session but the caller's (with a Bearer key: all); "
                                           "{ended, sessions}")},
    "/api/contests/{cid}/staff": {
        "get": _op("The contest's staff (hall operators, scorekeepers, viewers): {staff: [{id, name, role, role_label, "
                   "created_at, sessions}]}; organizer only", params=C),
        "post": _op("Add a staff member {name, role: operator|scorekeeper|viewer}: {member, key, link, qr, staff}; the "
                    "key and login link are shown this once (stored hashed); organizer only", params=C,
                    body=_props(name=S, role=S), ok=201)},
    "/api/contests/{cid}/staff/{sid}": {"delete": _op(
        "Revoke a staff member: its key stops working, its console sessions end and its sockets close; "
        "{revoked, sessions_ended, staff}; organizer only", params=["cid", "sid"])},
    "/api/judge/state": {"get": _op("The judge's own state", auth="judge")},
    "/api/judge/submit": {"post": _op(
        "Submit or amend the judge's marks for the open roadshow; acknowledged after commit; idempotent on "
        "submission_id", auth="judge", body={"type": "object", "required": ["submission_id", "project", "marks"],
                                             "properties": {"submission_id": S, "project": S, "round": S,
                                                            "marks": {"type": "object",
                                                                      "additionalProperties": N}}})},
}

# the contest lifecycle (judging/web/lifecycle_api.py; docs/API.md "Contest lifecycle")
PATHS["/api/contests/{cid}"]["delete"] = _op(
    "Delete the contest: confirm = the contest id typed; with marks only once its JSON archive was exported "
    "after its last change (else 409 code archive_first). Its rows go, its audit entries stay (the chain), its "
    "links answer 404, its sockets close, its id stays taken. {deleted, removed}", params=C, body=_props(confirm=S))
PATHS.update({
    "/api/contests/{cid}/duplicate": {"post": _op(
        "Duplicate the contest (last year's setup): rules, projects, judges, recusals, order, timer; new judge and "
        "screen links, no marks, phase setup; name defaults to the source's + （副本）, date and venue cleared "
        "unless given, id derived (<cid>-copy) unless given", params=C,
        body=_props(id=S, name=S, date=S, venue=S), ok=201)},
    "/api/contests/{cid}/rehearsal": {"post": _op(
        "Rehearsal mode (彩排) on (only in setup) or off (409 code reset_first while a test mark is left)",
        params=C, body=_props(on=B))},
    "/api/contests/{cid}/reset": {"post": _op(
        "Reset to setup: removes marks, submissions and the live state, keeps setup, rules and links (new judge "
        "links with new_judge_tokens); confirm = the contest id typed; a contest with marks only in rehearsal "
        "mode; audited as contest.reset with the counts removed", params=C,
        body=_props(confirm=S, new_judge_tokens=B))},
    "/api/contests/{cid}/lifecycle": {"get": _op(
        "{rehearsal, has_marks, archive_export: {at, last_seq, last_hash} | null, archive_current, deletable}",
        params=C)},
})
PATHS.update({  # a season's stages (judging.web.stages_api, docs/SEASON.md)
    "/api/contests/{cid}/stages": {
        "get": _op("The contest's stage: its series, a review's progress and deadline, who would advance and why, "
                   "where its projects came from", params=C),
        "post": _op("Add the next stage (a new contest): kind live|review, label, name, id, rules_preset/rules_text "
                    "(else this stage's rules), judges; no projects (the advancement fills them)", params=C, ok=201,
                    body=_props(kind=S, label=S, name=S, id=S, rules_preset=S, rules_text=S, judges=LIST))},
    "/api/contests/{cid}/stage": {"post": _op("Set the contest's stage kind (live|review) and label, before it starts",
                                              params=C, body=_props(kind=S, label=S))},
    "/api/contests/{cid}/review": {"post": _op(
        "A review stage: action open (with deadline, epoch seconds), deadline (a new one) or close", params=C,
        body=_props(action=S, deadline=N))},
    "/api/contests/{cid}/advance": {"post": _op(
        "Fill the next stage's projects with those advancing (rules [advance]); answers the next stage's console "
        "snapshot", params=C)},
    "/api/judge/review": {"get": _op("A review judge's applications (已评 / 未评, own marks), rubric and deadline",
                                     auth="judge")},
    "/api/judge/review/submit": {"post": _op(
        "A review judge's marks for one application while the review takes them; idempotent on submission_id",
        auth="judge", body={"type": "object", "required": ["submission_id", "project", "marks"],
                            "properties": {"submission_id": S, "project": S, "marks": OBJ}})},
})
_IMAGE = " The body is the image itself (PNG, JPEG or WebP, at most 2 MB; 413 above, from Content-Length); the " \
         "server decodes it and stores a re-encoded PNG (no metadata, at most 800x400, at most 20 megapixels " \
         "decoded); anything else is a 422 and nothing is stored. Answers {brand}"
PATHS.update({  # branding (judging/web/brand_api.py; docs/API.md "Branding")
    "/api/contests/{cid}/brand": {
        "get": _op("The contest's branding: {brand: {primary, accent, on_primary, sponsor_text, logo: {url, sha256, "
                   "width, height, bytes} | null, sponsors: [...]}}; images at /brand/<cid>/<sha256>.png "
                   "(public, cached immutable)", params=C),
        "patch": _op("Colours (#rrggbb, or '' for the house colour; refused below WCAG AA 4.5:1 against white text "
                     "(primary) or the screen's stage (accent), with the nearest usable colour in the message) and "
                     "the sponsor line (one line, at most 200 characters and 12 names); any phase", params=C,
                     body=_props(primary=S, accent=S, sponsor_text=S))},
    "/api/contests/{cid}/brand/logo": {
        "put": _op("Upload the contest's logo." + _IMAGE, params=C, body={"type": "string", "format": "binary"}),
        "delete": _op("Remove the logo (404 when there is none)", params=C)},
    "/api/contests/{cid}/brand/sponsors": {
        "post": _op("Add a sponsor logo (at most 6)." + _IMAGE, params=C, body={"type": "string", "format": "binary"})},
    "/api/contests/{cid}/brand/sponsors/{sha}": {
        "delete": _op("Remove a sponsor logo by its sha256", params=["cid", "sha"])},
})

def _phone(summary: str, body: dict | None = None, method_get: bool = False) -> dict:
    """An audience route (docs/AUDIENCE.md): the audience token in the path, the device in X-Audience-Device."""
    op = _op(summary, auth="audience", body=body, params=["token"])
    op["security"] = [{"audienceDevice": []}]
    for status, what in (("403", "bad or foreign device credential (code bad_device / code_required)"),
                         ("404", "unknown audience link (code unknown_link) or ballot code (code_unknown)"),
                         ("429", "too fast (code too_fast, Retry-After)")):
        op["responses"][status] = {"description": what, "content": {"application/json": {"schema": ERROR}}}
    return op


PATHS.update({
    "/api/a/{token}/device": {"post": _phone("A device credential d.<16 hex>.<signature> (also the aud_<contest> "
                                             "cookie); {device: old} back if it is valid", body=_props(device=S))},
    "/api/a/{token}/code": {"post": _phone("Strict mode: bind a ballot code to this device; 409 code_taken",
                                           body=_props(code=S))},
    "/api/a/{token}/ballot": {"post": _phone(
        "A ballot for the open window (score:<round>:<project> with stars, or popularity with projects); "
        "acknowledged after commit; a re-vote replaces it, the same ballot_id again is acknowledged unchanged; "
        "409 window_closed (nothing stored), 422 bad_stars / not_on_stage / bad_project / too_many_choices / "
        "duplicate", body=_props(ballot_id=S, window=S, stars={"type": "integer"},
                                 projects={"type": "array", "items": S}))},
    "/api/a/{token}/me": {"get": _phone("This device's ballots: {ballots: {window: ballot}, strict, code}")},
    "/api/contests/{cid}/audience": {"post": _op(
        "Audience actions: popularity_open, popularity_close, join_show, join_hide, strict_on, strict_off "
        "(audited); {ok, audience: the console's audience part}", params=C, body=_props(action=S))},
    "/api/contests/{cid}/audience/codes": {
        "post": _op("Generate ballot codes ({count: 1-5000}; 8 characters, no 0/O/1/I): {ok, codes}", params=C,
                    body=_props(count={"type": "integer"}), ok=201),
        "get": _op("Every ballot code, used or not, for the printed tickets: {codes: [{code, used}], link}",
                   params=C)},
    "/api/contests/{cid}/audience/codes.pdf": {"get": _op(
        "The ballot tickets to print, 24 to an A4 page (?unused=1: only codes not used yet)", params=C,
        content="application/pdf")},
})

DOCUMENT = {
    "openapi": "3.1.0",
    "info": {"title": "路演评审 Live roadshow judging API", "version": "1"},
    "paths": PATHS,
    "components": {"securitySchemes": {
        "organizerKey": {"type": "http", "scheme": "bearer", "description": "the organizer key printed on first start, "
                         "or a staff member's key (its role decides what it may do: docs/API.md, Staff roles)"},
        "consoleCookie": {"type": "apiKey", "in": "cookie", "name": "judging_session",
                          "description": "console session; writes also need the X-CSRF-Token header"},
        "judgeToken": {"type": "http", "scheme": "bearer", "description": "the token of the judge's personal link"},
        "audienceDevice": {"type": "apiKey", "in": "header", "name": "X-Audience-Device",
                           "description": "the device credential from POST /api/a/{token}/device (or its cookie)"},
    }},
}


async def openapi_json(request: Request) -> JSONResponse:
    return JSONResponse(DOCUMENT)


def routes() -> list[Route]:
    return [Route("/api/openapi.json", openapi_json)]
