"""A contest's mark sets in columns: what the engine reads, kept up to date one mark set at a time.

What it does: :class:`MarkColumns` holds every mark set of one contest (one row per (project, round, judge))
as numpy columns -- project, round and judge codes, a status code, the values as a float64 matrix with one
column per criterion (NaN where the set has no mark) -- plus the few per-set strings (submission id, who
changed it last).  It is a ``MutableMapping[(project, round, judge), MarkSet]``: a submission, amendment,
correction or void replaces its row in place (a new key appends a row), and a :class:`MarkSet` is made
only when someone asks for that key.  :meth:`MarkColumns.table` gives the engine's
:class:`~judging.core.scoring.MarkTable` of the marks that count (status active, a judge of the contest, a
closed roadshow: a boolean matrix the caller computes from the live state) with numpy masks only -- no
Python object per mark.  Rows keep their first insertion order and a set's marks are listed by criterion
id, exactly the order the per-mark list had, so the engine's arithmetic gives the same bits.
:func:`pack` / :meth:`MarkColumns.from_rows` are the stored form (``marks.packed``: the values as
little-endian float64 in the order of ``marks.packed_criteria``, a JSON list) and the start-up load from it.

What it does not do: read or write the database (:mod:`judging.storage.repository`), decide which
roadshows are closed (:mod:`judging.app.runtime`), or validate marks (the engine and the commands do).
"""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from typing import Iterable, Iterator, Mapping, Sequence

import numpy as np

from judging.core.scoring import MarkTable
from judging.core.text import natural_key
from judging.storage.records import MarkSet

Key = tuple[str, str, str]


def pack(values: Mapping[str, float]) -> tuple[bytes, str]:
    """A mark set's values as stored: (float64 little-endian bytes, JSON list of the criterion ids)."""
    return np.asarray(list(values.values()), dtype="<f8").tobytes(), json.dumps(list(values), ensure_ascii=False)


async def sql_functions(db) -> None:
    """``pack_values(json)`` and ``pack_criteria(json)`` on an aiosqlite connection: :func:`pack` of a stored
    JSON mark set, for the migration that packs the rows stored before (:mod:`judging.storage.store`)."""
    for i, name in enumerate(("pack_values", "pack_criteria")):
        await db.create_function(name, 1, lambda text, i=i: pack(json.loads(text))[i], deterministic=True)


class _Names:
    """Distinct names in order of first appearance, and each one's code."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.index: dict[str, int] = {}

    def code(self, name: str) -> int:
        c = self.index.get(name)
        if c is None:
            c = self.index[name] = len(self.names)
            self.names.append(name)
        return c

    def codes(self, names: Iterable[str]) -> np.ndarray:
        """The code of each name (new ones added in order of first appearance), looped over in C."""
        names = names if isinstance(names, (list, tuple)) else list(names)
        for name in dict.fromkeys(names):
            self.code(name)
        return np.fromiter(map(self.index.__getitem__, names), dtype=np.int32, count=len(names))

    def copy(self) -> "_Names":
        other = _Names()
        other.names, other.index = list(self.names), dict(self.index)
        return other


class MarkColumns(MutableMapping):
    """One contest's mark sets as columns (see the module docstring)."""

    def __init__(self, sets: Mapping[Key, MarkSet] | Iterable[MarkSet] = ()) -> None:
        self.projects, self.rounds, self.judges, self.criteria = _Names(), _Names(), _Names(), _Names()
        self.statuses, self.layouts = _Names(), _Names()   # layouts: JSON lists of a set's criterion ids
        self._layout_cols: list[np.ndarray] = []            # layout code -> criterion codes, in its order
        self._n = 0
        self._count = 0
        self._p = self._r = self._j = self._s = self._l = np.zeros(0, dtype=np.int32)
        self._live = np.zeros(0, dtype=bool)
        self._at = np.zeros(0)
        self._v = np.zeros((0, 0))
        self._sid: list[str] = []
        self._by: list[str] = []
        self._slot = np.full((0, 0, 0), -1, dtype=np.int64)  # [project, round, judge] -> row, -1: none
        items = sets.items() if isinstance(sets, Mapping) else (((m.project, m.round, m.judge), m) for m in sets)
        for key, m in items:
            self[key] = m

    # ------------------------------------------------------------ the start-up load
    @classmethod
    def from_rows(cls, projects: Sequence[str], rounds: Sequence[str], judges: Sequence[str],
                  submission_ids: list[str], packed: Sequence[bytes], packed_criteria: Sequence[str],
                  statuses: Sequence[str], updated_at: Sequence[float], updated_by: list[str]) -> "MarkColumns":
        """The columns of stored rows (one per mark set, keys distinct), values decoded with numpy a layout
        at a time.  ValueError when a row's bytes do not fit its criteria."""
        mc = cls()
        n = len(submission_ids)
        mc._p, mc._r, mc._j = mc.projects.codes(projects), mc.rounds.codes(rounds), mc.judges.codes(judges)
        mc._s = mc.statuses.codes(statuses)
        mc._l = mc.layouts.codes(packed_criteria)
        for text in mc.layouts.names:
            mc._layout_cols.append(mc.criteria.codes(json.loads(text)))
        mc._v = np.full((n, len(mc.criteria.names)), np.nan)
        for code, cols in enumerate(mc._layout_cols):
            rows = np.flatnonzero(mc._l == code)
            buf = b"".join(packed if rows.size == n else [packed[i] for i in rows.tolist()])
            if len(buf) != rows.size * cols.size * 8:
                raise ValueError(f"stored marks do not match their criteria {mc.layouts.names[code]}")
            mc._v[rows[:, None], cols[None, :]] = np.frombuffer(buf, dtype="<f8").reshape(rows.size, cols.size)
        mc._at = np.asarray(updated_at, dtype=float)
        mc._sid, mc._by = submission_ids, updated_by
        mc._index_rows(n, "stored marks name one roadshow and judge twice")
        return mc

    def _index_rows(self, n: int, twice: str) -> None:
        """After a bulk load of ``n`` live rows (codes, values, strings set): the counts and the slot cube;
        ValueError(``twice``) when two rows name one (project, round, judge)."""
        self._live = np.ones(n, dtype=bool)
        self._n = self._count = n
        self._slot = np.full((len(self.projects.names), len(self.rounds.names), len(self.judges.names)), -1,
                             dtype=np.int64)
        self._slot[self._p, self._r, self._j] = np.arange(n)
        if int((self._slot >= 0).sum()) != n:
            raise ValueError(twice)

    # ------------------------------------------------------------ the mapping
    def _row(self, key: Key) -> int:
        p, r, j = key
        pc, rc, jc = self.projects.index.get(p), self.rounds.index.get(r), self.judges.index.get(j)
        if pc is None or rc is None or jc is None:
            return -1
        return int(self._slot[pc, rc, jc])

    def __getitem__(self, key: Key) -> MarkSet:
        row = self._row(key)
        if row < 0:
            raise KeyError(key)
        cols = self._layout_cols[self._l[row]]
        names = self.criteria.names
        values = {names[c]: v for c, v in zip(cols.tolist(), self._v[row, cols].tolist())}
        return MarkSet(key[0], key[1], key[2], values, self._sid[row], self.statuses.names[self._s[row]],
                       float(self._at[row]), self._by[row])

    def __contains__(self, key: object) -> bool:
        return isinstance(key, tuple) and len(key) == 3 and self._row(key) >= 0  # type: ignore[arg-type]

    def __setitem__(self, key: Key, m: MarkSet) -> None:
        p, r, j = self.projects.code(key[0]), self.rounds.code(key[1]), self.judges.code(key[2])
        layout = self.layouts.code(json.dumps(list(m.values), ensure_ascii=False))
        if layout == len(self._layout_cols):
            self._layout_cols.append(self.criteria.codes(m.values))
        cols = self._layout_cols[layout]
        self._fit(p, r, j)
        row = int(self._slot[p, r, j])
        if row < 0:
            row = self._append()
            self._p[row], self._r[row], self._j[row] = p, r, j
            self._slot[p, r, j] = row
            self._live[row] = True
            self._count += 1
            self._sid.append(m.submission_id)
            self._by.append(m.updated_by)
        else:
            self._sid[row], self._by[row] = m.submission_id, m.updated_by
        self._v[row] = np.nan
        self._v[row, cols] = list(m.values.values())
        self._l[row] = layout
        self._s[row] = self.statuses.code(m.status)
        self._at[row] = m.updated_at

    def __delitem__(self, key: Key) -> None:
        row = self._row(key)
        if row < 0:
            raise KeyError(key)
        self._live[row] = False
        self._slot[self._p[row], self._r[row], self._j[row]] = -1
        self._count -= 1

    def __iter__(self) -> Iterator[Key]:
        p, r, j = self.projects.names, self.rounds.names, self.judges.names
        for row in np.flatnonzero(self._live[:self._n]).tolist():
            yield p[self._p[row]], r[self._r[row]], j[self._j[row]]

    def __len__(self) -> int:
        return self._count

    def copy(self) -> "MarkColumns":
        """An independent copy (numpy copies of the columns; a trial change does not touch the original)."""
        other = MarkColumns()
        for name in ("projects", "rounds", "judges", "criteria", "statuses", "layouts"):
            setattr(other, name, getattr(self, name).copy())
        other._layout_cols = list(self._layout_cols)
        other._n, other._count = self._n, self._count
        for name in ("_p", "_r", "_j", "_s", "_l", "_live", "_at", "_v", "_slot"):
            setattr(other, name, getattr(self, name).copy())
        other._sid, other._by = list(self._sid), list(self._by)
        return other

    # ------------------------------------------------------------ the checkpoint form
    def parts(self) -> tuple[dict, dict[str, np.ndarray]]:
        """The live rows as plain data for a checkpoint (:mod:`judging.storage.mark_checkpoint`): the names
        and per-set strings, and the code and value columns (deleted rows left out, insertion order kept)."""
        live = np.flatnonzero(self._live[:self._n])
        rows = live.tolist()
        names = {name: list(getattr(self, name).names)
                 for name in ("projects", "rounds", "judges", "criteria", "statuses", "layouts")}
        names["sid"] = [self._sid[i] for i in rows]
        names["by"] = [self._by[i] for i in rows]
        arrays = {name: getattr(self, name)[live] for name in ("_p", "_r", "_j", "_s", "_l", "_at")}
        arrays["_v"] = self._v[live][:, :len(self.criteria.names)]
        return names, arrays

    @classmethod
    def from_parts(cls, names: dict, arrays: dict[str, np.ndarray]) -> "MarkColumns":
        """:meth:`parts` back into columns.  ValueError when they do not fit together (a damaged checkpoint)."""
        mc = cls()
        for name in ("projects", "rounds", "judges", "criteria", "statuses", "layouts"):
            target = getattr(mc, name)
            for n in names[name]:
                target.code(n)
            if len(target.names) != len(names[name]):
                raise ValueError(f"checkpoint: {name} repeat a name")
        for text in mc.layouts.names:
            mc._layout_cols.append(mc.criteria.codes(json.loads(text)))
        n = len(names["sid"])
        if len(names["by"]) != n or any(a.shape[0] != n for a in arrays.values()):
            raise ValueError("checkpoint: columns of different lengths")
        if arrays["_v"].shape[1:] != (len(mc.criteria.names),):
            raise ValueError("checkpoint: values do not match the criteria")
        for name, coded in (("_p", mc.projects), ("_r", mc.rounds), ("_j", mc.judges), ("_s", mc.statuses),
                            ("_l", mc.layouts)):
            a = arrays[name]
            if n and (int(a.min()) < 0 or int(a.max()) >= len(coded.names)):
                raise ValueError(f"checkpoint: {name} codes out of range")
            setattr(mc, name, a.astype(np.int32, copy=True))
        mc._at = arrays["_at"].astype(float, copy=True)
        mc._v = np.array(arrays["_v"], dtype=float)
        mc._sid, mc._by = list(names["sid"]), list(names["by"])
        mc._index_rows(n, "checkpoint: one roadshow and judge twice")
        return mc

    # ------------------------------------------------------------ growth
    def _append(self) -> int:
        row = self._n
        if row == len(self._p):
            cap = max(16, 2 * row)
            for name in ("_p", "_r", "_j", "_s", "_l", "_live", "_at"):
                old = getattr(self, name)
                new = np.zeros(cap, dtype=old.dtype)
                new[:row] = old[:row]
                setattr(self, name, new)
            v = np.full((cap, self._v.shape[1]), np.nan)
            v[:row] = self._v[:row]
            self._v = v
        self._n += 1
        return row

    def _fit(self, p: int, r: int, j: int) -> None:
        """Room in the slot cube for these codes, and a value column for every criterion."""
        if self._v.shape[1] < len(self.criteria.names):
            v = np.full((self._v.shape[0], len(self.criteria.names)), np.nan)
            v[:, :self._v.shape[1]] = self._v
            self._v = v
        shape = self._slot.shape
        if p < shape[0] and r < shape[1] and j < shape[2]:
            return
        grown = tuple(s if c < s else max(2 * s, c + 1, 4) for c, s in zip((p, r, j), shape))
        slot = np.full(grown, -1, dtype=np.int64)
        slot[:shape[0], :shape[1], :shape[2]] = self._slot
        self._slot = slot

    # ------------------------------------------------------------ what the engine reads
    def project_index(self) -> dict[str, int]:
        return self.projects.index

    def round_names(self) -> list[str]:
        return self.rounds.names

    def table(self, judge_panel: Mapping[str, str], closed: np.ndarray) -> MarkTable:
        """The engine's table of the marks that count: active sets of the contest's judges (``judge_panel``:
        judge id -> panel) in roadshows where ``closed[round code, project code]`` holds.  Same rows, in the
        same order, as a list of one ``Mark`` per mark would give (sets in insertion order, a set's marks by
        criterion id), with names numbered in natural order (:meth:`MarkTable.canonical`)."""
        n = self._n
        known = np.asarray([jid in judge_panel for jid in self.judges.names], dtype=bool)
        active = self.statuses.index.get("active", -1)
        p, r, j = self._p[:n], self._r[:n], self._j[:n]
        mask = self._live[:n] & (self._s[:n] == active)
        if known.size:
            mask &= known[j]
        if closed.size:
            mask &= closed[r, p]
        else:
            mask &= False
        sel = np.flatnonzero(mask)
        names = self.criteria.names
        by_id = np.asarray(sorted(range(len(names)), key=names.__getitem__), dtype=np.int64)
        sub = self._v[sel] if sel.size else np.zeros((0, len(names)))
        if not np.array_equal(by_id, np.arange(len(names))):
            sub = sub[:, by_id]
        have = ~np.isnan(sub)
        ri, ci = np.nonzero(have)
        score = sub[have]
        # names renumbered on the sets (few), then each mark takes its set's number (one gather per column)
        ps, rs, js = p[sel], r[sel], j[sel]
        projects, pnew = _canonical(self.projects.names, ps)
        rounds, rnew = _canonical(self.rounds.names, rs)
        judges, jnew = _canonical(self.judges.names, js)
        criteria, cnew = _canonical(names, by_id[have.any(axis=0)])
        return MarkTable(projects=projects, rounds=rounds, judges=judges,
                         judge_panel=[judge_panel[jid] for jid in judges], criteria=criteria,
                         p=pnew[ps][ri], r=rnew[rs][ri], j=jnew[js][ri], c=cnew[by_id][ci], score=score, factors={})


def _canonical(names: list[str], codes: np.ndarray) -> tuple[list[str], np.ndarray]:
    """The names ``codes`` use, in natural order, and the new number of every code (-1: unused)."""
    used = np.zeros(len(names), dtype=bool)
    used[codes] = True
    order = sorted(np.flatnonzero(used).tolist(), key=lambda i: (natural_key(names[i]), names[i]))
    new = np.full(len(names), -1, dtype=np.int32)
    new[np.asarray(order, dtype=np.int64)] = np.arange(len(order), dtype=np.int32)
    return [names[i] for i in order], new
