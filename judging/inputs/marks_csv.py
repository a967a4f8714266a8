"""Read and write the marks CSV and the projects CSV (the ``run.py score`` formats).

Marks: ``project,round,panel,judge,criterion,score`` (+ optional ``factor``).
Projects: ``project,name,track,requested``.  UTF-8, with or without a BOM (Excel).
Audience ballots are marks too: rows of the audience panel (judge = the voter's hash, score = the stars,
criterion empty); popularity votes are rows with ``round = popularity`` (project = the voted project,
judge = the voter's hash, score 1; panel empty, the popularity tier's id or the audience panel's id) -- at most
``choices`` per voter -- and become :attr:`MarkFile.votes` (docs/AUDIENCE.md).

What it does: parses, checks every row against the rules (panel, criterion,
bounds, step) and reports problems as ``file:line: message``.  What it does not
do: score (see :mod:`judging.core.engine`).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from judging.core.engine import ProjectInfo
from judging.core.rules import Rules
from judging.core.scoring import Mark, ScoringError
from judging.core.text import LINE, text_problem

MARK_COLUMNS = ("project", "round", "panel", "judge", "criterion", "score")
PROJECT_COLUMNS = ("project", "name", "track", "requested")


class InputError(ValueError):
    """Bad input file; ``str(err)`` is ``file:line: message``."""

    def __init__(self, source: str, line: int | None, message: str) -> None:
        self.source, self.line, self.message = source, line, message
        super().__init__(f"{source}:{line}: {message}" if line else f"{source}: {message}")


POPULARITY_ROUND = "popularity"  # the round of a popularity vote's rows


@dataclass
class MarkFile:
    marks: list[Mark]
    lines: list[int]  # file line of each mark
    source: str
    votes: dict[str, int] | None = None  # popularity votes per project; None: no popularity rows

    def marks_projects(self) -> list[str]:
        """The projects that have at least one mark, in file order."""
        return list(dict.fromkeys(m.project for m in self.marks))

    def message_for(self, err: ScoringError) -> str:
        """The engine's message, with the line of the earlier, clashing mark when there is one."""
        first = err.where.get("first_row")
        return f"{err} (first at line {self.lines[first]})" if isinstance(first, int) else str(err)

    def line_for(self, err: ScoringError) -> int | None:
        """The file line an engine error is about (its row, or the first matching mark)."""
        w = err.where
        if isinstance(w.get("row"), int):
            return self.lines[w["row"]]
        for m, line in zip(self.marks, self.lines):
            if all(getattr(m, k) == w[k] for k in ("project", "round", "panel", "judge") if k in w):
                return line
        return None


def _csv_rows(reader, source: str) -> Iterable[list[str]]:
    """The reader's rows; a line the csv module cannot read (a field beyond its 128 KB limit) as an InputError."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error:
            raise InputError(source, reader.line_num, "无法读取（单元格过长或引号不配对） / cannot be read (a cell "
                             "too long, or unbalanced quotes)") from None


def _rows(text: str, source: str, required: Sequence[str]) -> Iterable[tuple[int, dict[str, str]]]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    rows = _csv_rows(reader, source)
    try:
        header = [h.strip().lower() for h in next(rows)]
    except StopIteration:
        raise InputError(source, None, "文件是空的 / the file is empty") from None
    missing = [c for c in required if c not in header]
    if missing:
        raise InputError(source, 1, f"缺少列 / missing column(s): {', '.join(missing)} (header must be {','.join(required)})")
    line = reader.line_num
    for row in rows:
        start, line = line + 1, reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise InputError(source, start, f"列数不符 / {len(row)} fields, the header has {len(header)}")
        for h, cell in zip(header, row):
            if problem := text_problem(cell.strip(), LINE, (h, h)):
                raise InputError(source, start, problem)
        yield start, {h: cell.strip() for h, cell in zip(header, row)}


def _number(value: str, source: str, line: int, column: str) -> float:
    try:
        x = float(value)
    except ValueError:
        raise InputError(source, line, f"{column}: 不是数字 / {value!r} is not a number") from None
    if x != x or x in (float("inf"), float("-inf")):
        raise InputError(source, line, f"{column}: 不是有效数字 / {value!r} is not a finite number")
    return x


def parse_marks(text: str, rules: Rules, source: str = "<marks>",
                projects: dict[str, ProjectInfo] | None = None) -> MarkFile:
    marks: list[Mark] = []
    lines: list[int] = []
    panels = {p.id: p for p in rules.panels}
    audience = _Audience(rules, source)
    for line, row in _rows(text, source, MARK_COLUMNS):
        if row["round"] == POPULARITY_ROUND:
            if projects is not None and row["project"] not in projects:
                raise InputError(source, line, f"项目不在名单中 / project {row['project']!r} is not in the project list")
            audience.vote(line, row)
            continue
        for col in ("project", "round", "panel", "judge"):
            if not row[col]:
                raise InputError(source, line, f"{col} 为空 / {col} is empty")
        panel = panels.get(row["panel"])
        if panel is None:
            raise InputError(source, line, f"未知评审团 / unknown panel {row['panel']!r} for judge {row['judge']!r} "
                                           f"(the rules have: {', '.join(panels)})")
        if projects is not None and row["project"] not in projects:
            raise InputError(source, line, f"项目不在名单中 / project {row['project']!r} is not in the project list")
        _number(row["score"], source, line, "score")
        score, problem = rules.mark_value(panel, row["criterion"], row["score"])  # the text itself, exactly
        if problem or score is None:
            what = f"criterion {row['criterion']!r}" if row["criterion"] else "mark"
            raise InputError(source, line, f"{what} {row['score']}: {problem}")
        factor = _number(row["factor"], source, line, "factor") if row.get("factor") else None
        if factor is not None and factor <= 0:
            raise InputError(source, line, f"factor: 系数须为正数 / {row['factor']!r} must be positive")
        if panel.audience:
            audience.ballot(line, row)
        marks.append(Mark(row["project"], row["round"], row["panel"], row["judge"], row["criterion"], score, factor))
        lines.append(line)
    if not marks:
        raise InputError(source, None, "没有评分 / no marks in the file (only the header)")
    return MarkFile(marks, lines, source, audience.votes())


class _Audience:
    """The audience's rows of one marks file: one ballot per voter per roadshow, at most ``choices``
    popularity votes per voter, each for a different project."""

    def __init__(self, rules: Rules, source: str) -> None:
        self.rules, self.source = rules, source
        self.ballot_at: dict[tuple[str, str, str], int] = {}
        self.vote_at: dict[tuple[str, str], int] = {}
        self.per_voter: dict[str, int] = {}
        self.count: dict[str, int] | None = None

    def ballot(self, line: int, row: dict[str, str]) -> None:
        key = (row["project"], row["round"], row["judge"])
        if key in self.ballot_at:
            raise InputError(self.source, line, f"同一观众对同一路演投了两票 / voter {row['judge']!r} has two ballots for "
                                                f"project {row['project']!r}, round {row['round']!r} (first at line "
                                                f"{self.ballot_at[key]})")
        self.ballot_at[key] = line

    def vote(self, line: int, row: dict[str, str]) -> None:
        tier, source = self.rules.popularity, self.source
        if tier is None:
            raise InputError(source, line, "评分规则没有人气投票 [popularity]，不能有 round = popularity 的行 / the rules have no "
                                           "popularity vote ([popularity]): a row of round 'popularity' is not allowed")
        for col in ("project", "judge"):
            if not row[col]:
                raise InputError(source, line, f"{col} 为空 / {col} is empty")
        audience = self.rules.audience_panel
        allowed = {"", tier.id} | ({audience.id} if audience else set())
        if row["panel"] not in allowed:
            raise InputError(source, line, f"人气投票行的 panel 须为空或 {tier.id!r} / a popularity vote's panel must be "
                                           f"empty or {tier.id!r}, got {row['panel']!r}")
        if row["score"] not in ("1", "1.0"):
            raise InputError(source, line, f"人气投票的 score 须为 1 / a popularity vote's score must be 1, got "
                                           f"{row['score']!r}")
        voter, project = row["judge"], row["project"]
        if (voter, project) in self.vote_at:
            raise InputError(source, line, f"同一观众两次投给同一项目 / voter {voter!r} voted for project {project!r} "
                                           f"twice (first at line {self.vote_at[(voter, project)]})")
        if self.per_voter.get(voter, 0) >= tier.choices:
            raise InputError(source, line, f"每位观众最多投 {tier.choices} 个项目 / voter {voter!r} has more than "
                                           f"{tier.choices} popularity votes")
        self.vote_at[(voter, project)] = line
        self.per_voter[voter] = self.per_voter.get(voter, 0) + 1
        self.count = self.count or {}
        self.count[project] = self.count.get(project, 0) + 1

    def votes(self) -> dict[str, int] | None:
        return self.count


def read_marks(path: str | Path, rules: Rules, projects: dict[str, ProjectInfo] | None = None) -> MarkFile:
    return parse_marks(_read(path), rules, str(path), projects)


def parse_projects(text: str, source: str = "<projects>") -> dict[str, ProjectInfo]:
    out: dict[str, ProjectInfo] = {}
    for line, row in _rows(text, source, ("project",)):
        pid = row["project"]
        if not pid:
            raise InputError(source, line, "project 为空 / project is empty")
        if pid in out:
            raise InputError(source, line, f"项目重复 / project {pid!r} is listed twice")
        req = row.get("requested", "")
        requested = _number(req, source, line, "requested") if req else None
        if requested is not None and requested < 0:
            raise InputError(source, line, "requested: 不能为负数 / must not be negative")
        out[pid] = ProjectInfo(pid, row.get("name", ""), row.get("track", ""), requested)
    return out


def read_projects(path: str | Path) -> dict[str, ProjectInfo]:
    return parse_projects(_read(path), str(path))


def _read(path: str | Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(str(path), None, "不是 UTF-8 文本，请另存为 UTF-8 / not UTF-8 text (save the CSV as UTF-8)") from None
    except OSError as e:
        raise InputError(str(path), None, f"无法读取文件 / cannot read file ({e.strerror})") from None


def write_marks(marks: Iterable[Mark], votes: Iterable[tuple[str, str]] = ()) -> str:
    """Marks as CSV text in exactly the format :func:`parse_marks` reads; ``votes``: the popularity vote's
    ``(voter hash, project)`` pairs, written as rows of round ``popularity`` after the marks."""
    marks = list(marks)
    with_factor = any(m.factor is not None for m in marks)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(MARK_COLUMNS + (("factor",) if with_factor else ()))
    for m in marks:
        row = [m.project, m.round, m.panel, m.judge, m.criterion, _fmt(m.score)]
        if with_factor:
            row.append("" if m.factor is None else _fmt(m.factor))
        w.writerow(row)
    for voter, project in votes:
        w.writerow([project, POPULARITY_ROUND, "", voter, "", "1"] + ([""] if with_factor else []))
    return buf.getvalue()


def _fmt(x: float) -> str:
    return repr(int(x)) if float(x).is_integer() else repr(float(x))
