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
    # 5: a contest's mark columns as one blob (judging.storage.mark_checkpoint), current while its ``rev`` equals
    # the contest's mark revision, which every insert, update or delete of its marks rows bumps (triggers: no
    # code path can change marks and leave a stale checkpoint behind)
    """
    CREATE TABLE IF NOT EXISTS mark_revs (contest_id TEXT PRIMARY KEY, rev INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS mark_checkpoints (
        contest_id TEXT PRIMARY KEY, rev INTEGER NOT NULL, sets INTEGER NOT NULL, at REAL NOT NULL,
        data BLOB NOT NULL);
    INSERT OR IGNORE INTO mark_revs (contest_id, rev) SELECT DISTINCT contest_id, 1 FROM marks;
    CREATE TRIGGER IF NOT EXISTS marks_rev_insert AFTER INSERT ON marks BEGIN
        INSERT INTO mark_revs (contest_id, rev) VALUES (NEW.contest_id, 1)
            ON CONFLICT (contest_id) DO UPDATE SET rev = rev + 1;
    END;
    CREATE TRIGGER IF NOT EXISTS marks_rev_update AFTER UPDATE ON marks BEGIN
        INSERT INTO mark_revs (contest_id, rev) VALUES (NEW.contest_id, 1)
            ON CONFLICT (contest_id) DO UPDATE SET rev = rev + 1;
        INSERT INTO mark_revs (contest_id, rev) VALUES (OLD.contest_id, 1)
            ON CONFLICT (contest_id) DO UPDATE SET rev = rev + 1;
    END;
    CREATE TRIGGER IF NOT EXISTS marks_rev_delete AFTER DELETE ON marks BEGIN
        INSERT INTO mark_revs (contest_id, rev) VALUES (OLD.contest_id, 1)
            ON CONFLICT (contest_id) DO UPDATE SET rev = rev + 1;
    END;
    """,
    # 6: the paper fallback: every typed entry of a paper score sheet (judging.storage.repository_paper); a pair of
    # agreeing entries becomes the judge's mark set.  IF NOT EXISTS: safe in any migration order
    """
    CREATE TABLE IF NOT EXISTS paper_entries (
        contest_id TEXT NOT NULL, id TEXT NOT NULL, project_id TEXT NOT NULL, round TEXT NOT NULL,
        judge_id TEXT NOT NULL, marks TEXT NOT NULL, entered_by TEXT NOT NULL, actor TEXT NOT NULL,
        client TEXT NOT NULL DEFAULT '', entered_at REAL NOT NULL, replacing INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL DEFAULT 'pending', settled_at REAL, settled_by TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (contest_id, id));
    CREATE INDEX IF NOT EXISTS paper_entries_sheet ON paper_entries(contest_id, project_id, round, judge_id);
    """,
    # 7: issue 14, the contest lifecycle (judging.app.lifecycle): the rehearsal flag (彩排), and the last JSON archive
    # export ({at, last_seq, last_hash} of the contest's audit then; NULL: never) that a delete of a contest with
    # marks needs
    "ALTER TABLE contests ADD COLUMN rehearsal INTEGER NOT NULL DEFAULT 0; "
    "ALTER TABLE contests ADD COLUMN archive_export TEXT",
    # 8: staff of one contest (hall operator, scorekeeper, viewer: judging.app.staff); only a hash of each key is
    # stored; a console session signed in with a staff key names its staff member
    """
    CREATE TABLE IF NOT EXISTS staff (
        id TEXT PRIMARY KEY, contest_id TEXT NOT NULL, name TEXT NOT NULL, role TEXT NOT NULL,
        key_hash TEXT NOT NULL UNIQUE, created_at REAL NOT NULL, created_by TEXT NOT NULL DEFAULT '',
        revoked_at REAL);
    CREATE INDEX IF NOT EXISTS staff_contest ON staff(contest_id);
    ALTER TABLE sessions ADD COLUMN staff_id TEXT;
    """,
    # 9: the contest's branding (judging.app.brand): colours and sponsor line, and its images -- the logo (slot
    # 'logo') and the sponsor logos ('sponsor', in seq order) -- as the re-encoded PNGs the server made
    """
    CREATE TABLE IF NOT EXISTS brands (
        contest_id TEXT PRIMARY KEY, primary_colour TEXT NOT NULL DEFAULT '', accent_colour TEXT NOT NULL DEFAULT '',
        sponsor_text TEXT NOT NULL DEFAULT '');
    CREATE TABLE IF NOT EXISTS brand_images (
        contest_id TEXT NOT NULL, slot TEXT NOT NULL, seq INTEGER NOT NULL, sha256 TEXT NOT NULL,
        width INTEGER NOT NULL, height INTEGER NOT NULL, png BLOB NOT NULL, PRIMARY KEY (contest_id, slot, seq));
    """,
    # 10: the audience (docs/AUDIENCE.md): each contest's audience link token (filled at load where NULL: old rows
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
MIGRATIONS.append(
    # 11: stages of a season (judging.storage.repository_stages): a contest's series, place, label and kind, with its
    # review state and what it brought from the stage before in ``detail`` (JSON); a lone contest has no row
    """
    CREATE TABLE IF NOT EXISTS stages (
        contest_id TEXT PRIMARY KEY, series TEXT NOT NULL, stage INTEGER NOT NULL, label TEXT NOT NULL DEFAULT '',
        kind TEXT NOT NULL DEFAULT 'live', detail TEXT NOT NULL DEFAULT '{}');
    CREATE INDEX IF NOT EXISTS stages_series ON stages(series, stage);
    """)
