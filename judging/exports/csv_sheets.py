"""The organizer CSVs: results, marks and projects with Chinese headers and names, for Excel and WPS.

What it does: :func:`results_csv` (rank, project, organization, panel scores, total and every
overtime score in the rules' rounding digits, the tie / overtime note, award, grant; with an audience
part the audience's ballots and the popularity votes, place and award),
:func:`marks_csv` (every counted mark with the project's, the judge's, the panel's and the
criterion's names, at the digits of the rules' mark step, and its 来源: 手机 or 纸质, a paper sheet entered twice) and :func:`projects_csv` (running
order, names, track, requested grant).  Every file starts with a UTF-8 BOM, so Excel on a Chinese
Windows reads it as UTF-8 instead of GBK; every text cell goes through
:func:`judging.exports.text.csv_text` (cleaned, and ``'`` in front of text a spreadsheet would run
as a formula).  Numbers are written plainly (``50000``, ``88.50``) and never prefixed.

What it does not do: the machine formats that ``run.py score`` reads (``*-machine.csv``, in
:mod:`judging.exports.snapshot`), or compute anything (the engine's results are copied).
"""

from __future__ import annotations

import csv
import io

from judging.exports.audience_rows import audience_cells, audience_header
from judging.exports.rows import summary_rows
from judging.exports.text import csv_text
from judging.exports.snapshot import BOM, Snapshot, fmt_mark, fmt_score, fmt_step, money_text, sorted_marks, step_digits
from judging.core.rules import short_label
from judging.core.paper import source_of
from judging.core.vocabulary import file_round, zh
from judging.core.scoring import natural_key


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")  # what Excel writes and expects
    w.writerow([csv_text(h) for h in header])
    w.writerows(rows)
    return (BOM + buf.getvalue()).encode("utf-8")


def results_csv(snap: Snapshot) -> bytes:
    """成绩: the summary in rank order, scores at the rules' digits, one column per overtime round."""
    rt = snap.rt
    if rt.results is None:
        raise ValueError(f"成绩无法计算 / the results cannot be computed: {rt.results_error or 'no marks yet'}")
    rules = rt.contest.rules
    digits = rules.rounding.digits
    panels = list(rules.panels)
    tracks = any(p.track for p in rt.contest.projects)
    overtime = sorted({name for r in rt.results.results for name in r.overtime}, key=natural_key)
    by_id = {r.project: r for r in rt.results.results}
    header = ["名次", "项目编号", "项目名称", "申报机构", "社区", *(["赛道"] if tracks else []),
              *(f"{short_label(p.label)}得分" for p in panels), "总分", *(f"{file_round(n)}得分" for n in overtime),
              "并列 / 加时赛", "奖项", "创投资金（元）", *audience_header(rules)]
    rows = []
    for r in summary_rows(rt):
        ot = by_id[r.project].overtime
        extra = audience_cells(rules, by_id[r.project])
        rows.append([str(r.rank), csv_text(r.project), csv_text(r.name), csv_text(r.organization),
                     csv_text(r.community), *([csv_text(r.track)] if tracks else []),
                     *(fmt_score(r.panels.get(p.id), digits) for p in panels), fmt_score(r.total, digits),
                     *(fmt_score(ot.get(n), digits) for n in overtime), csv_text(r.note), csv_text(r.award),
                     money_text(r.grant), *extra])
    return _csv(header, rows)


def marks_csv(snap: Snapshot) -> bytes:
    """评分明细: every counted mark, one line per criterion, with names (stable order as the machine file)."""
    c = snap.rt.contest
    rules = c.rules
    digits = step_digits(rules.marks.step)
    projects = {p.id: p.name for p in c.projects}
    judges = {j.id: j.name for j in c.judges}
    panels = {p.id: short_label(p.label) for p in rules.panels}
    crits = {cr.id: short_label(cr.label) for cr in rules.criteria}
    position = {pid: i for i, pid in enumerate(c.order, start=1)}
    marks = sorted_marks(snap)
    with_factor = any(m.factor is not None for m in marks)
    sets = snap.rt.marks
    source = {k: zh("source", source_of(sets.get(k).submission_id)) for k in {(m.project, m.round, m.judge) for m in marks}}
    header = ["轮次", "出场顺序", "项目编号", "项目名称", "评审团", "评委编号", "评委姓名", "评分项", "分数",
              *(["系数"] if with_factor else []), "来源"]
    rows = [[file_round(m.round), str(position.get(m.project, "")), csv_text(m.project),
             csv_text(projects.get(m.project, "")), csv_text(panels.get(m.panel, m.panel)), csv_text(m.judge),
             csv_text(judges.get(m.judge, "")), csv_text(crits.get(m.criterion, m.criterion) or "总分"),
             fmt_step(m.score, digits), *([fmt_mark(m.factor) if m.factor is not None else ""]
                                          if with_factor else []), source[(m.project, m.round, m.judge)]]
            for m in marks]
    return _csv(header, rows)


def projects_csv(snap: Snapshot) -> bytes:
    """项目: running order, id, names, track and the grant asked for."""
    c = snap.rt.contest
    position = {pid: i for i, pid in enumerate(c.order, start=1)}
    ordered = sorted(c.projects, key=lambda p: position.get(p.id, len(position) + 1))
    header = ["出场顺序", "项目编号", "项目名称", "申报机构", "社区", "赛道", "申请金额（元）"]
    rows = [[str(position.get(p.id, "")), csv_text(p.id), csv_text(p.name), csv_text(p.organization),
             csv_text(p.community), csv_text(p.track), "" if p.requested is None else money_text(p.requested)]
            for p in ordered]
    return _csv(header, rows)
