"""The database schema: the migrations, in order (storage layer).

What it does: :data:`MIGRATIONS` -- migration *n* (1-based) is ``MIGRATIONS[n - 1]``; :class:`judging.storage.store.Store`
runs those a database has not had yet at open and records the version in ``PRAGMA user_version``.  A new table
or column is one more entry at the end (never an edit of an old one); docs/STORAGE.md lists them.

What it does not do: run anything itself, or hold the statements of the application
(:mod:`judging.storage.repository` and its siblings).
"""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1: the first release
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE contests (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, rules_text TEXT NOT NULL, rules_source TEXT NOT NULL,
        timer_seconds INTEGER NOT NULL, running_order TEXT NOT NULL DEFAULT '[]', draw_seed TEXT,
        screen_token TEXT NOT NULL UNIQUE, state TEXT NOT NULL, created_at REAL NOT NULL);
    CREATE TABLE projects (
        contest_id TEXT NOT NULL REFERENCES contests(id), id TEXT NOT NULL, seq INTEGER NOT NULL,
        name TEXT NOT NULL, organization TEXT NOT NULL DEFAULT '', community TEXT NOT NULL DEFAULT '',
        track TEXT NOT NULL DEFAULT '', requested REAL, PRIMARY KEY (contest_id, id));
    CREATE TABLE judges (
        contest_id TEXT NOT NULL REFERENCES contests(id), id TEXT NOT NULL, seq INTEGER NOT NULL,
        name TEXT NOT NULL, panel TEXT NOT NULL, token TEXT NOT NULL UNIQUE, PRIMARY KEY (contest_id, id));
    CREATE TABLE recusals (
        contest_id TEXT NOT NULL, judge_id TEXT NOT NULL, project_id TEXT NOT NULL,
        PRIMARY KEY (contest_id, judge_id, project_id));
    CREATE TABLE marks (
        contest_id TEXT NOT NULL, project_id TEXT NOT NULL, round TEXT NOT NULL, judge_id TEXT NOT NULL,
        submission_id TEXT NOT NULL, marks TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'active',
        updated_at REAL NOT NULL, updated_by TEXT NOT NULL,
        PRIMARY KEY (contest_id, project_id, round, judge_id));
    CREATE TABLE submissions (
        submission_id TEXT PRIMARY KEY, contest_id TEXT NOT NULL, judge_id TEXT NOT NULL,
        project_id TEXT NOT NULL, round TEXT NOT NULL, marks TEXT NOT NULL, received_at REAL NOT NULL);
    CREATE TABLE audit (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, contest_id TEXT, at REAL NOT NULL, actor TEXT NOT NULL,
        action TEXT NOT NULL, detail TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '', client TEXT NOT NULL DEFAULT '',
        prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
    CREATE INDEX audit_contest ON audit(contest_id, seq);
    """,
    # console sessions the server can end (judging.app.sessions); IF NOT EXISTS: safe in any migration order
    """
    CREATE TABLE IF NOT EXISTS sessions (
        id_hash TEXT PRIMARY KEY, created_at REAL NOT NULL, last_seen REAL NOT NULL,
        client TEXT NOT NULL DEFAULT '', user_agent TEXT NOT NULL DEFAULT '',
        revoked_at REAL, ended TEXT NOT NULL DEFAULT '');
    CREATE INDEX IF NOT EXISTS sessions_live ON sessions(revoked_at, last_seen);
    """,
    # the evening's date and venue, printed on the exports
    """
    ALTER TABLE contests ADD COLUMN date TEXT NOT NULL DEFAULT '';
    ALTER TABLE contests ADD COLUMN venue TEXT NOT NULL DEFAULT '';
    """,
    # 4: a mark set's values packed (judging.storage.mark_columns.pack), loaded at start with numpy; old rows too
    "ALTER TABLE marks ADD COLUMN packed BLOB; ALTER TABLE marks ADD COLUMN packed_criteria TEXT; "
    "UPDATE marks SET packed = pack_values(marks), packed_criteria = pack_criteria(marks)",
    # the audience (docs/AUDIENCE.md): each contest's audience link token (filled at load where NULL: old rows
    # and new contests, see judging.app.audience) and its audience state; one ballot per voter per window;
    # the strict mode's ballot codes (bound to a voter hash, never a raw device id)
    """
    ALTER TABLE contests ADD COLUMN audience_token TEXT;
    ALTER TABLE contests ADD COLUMN audience TEXT NOT NULL DEFAULT '{}';
    CREATE UNIQUE INDEX IF NOT EXISTS contests_audience_token ON contests(audience_token);
    CREATE TABLE IF NOT EXISTS audience_ballots (
        contest_id TEXT NOT NULL, window TEXT NOT NULL, voter TEXT NOT NULL, kind TEXT NOT NULL,
        value TEXT NOT NULL, ballot_id TEXT NOT NULL, updated_at REAL NOT NULL, client TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (contest_id, window, voter));
    CREATE TABLE IF NOT EXISTS audience_codes (
        contest_id TEXT NOT NULL, code TEXT NOT NULL, voter TEXT, used_at REAL,
        PRIMARY KEY (contest_id, code));
    """,
]
