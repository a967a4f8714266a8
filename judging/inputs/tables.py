"""Import projects or judges from a CSV or XLSX table typed by an organizer.

What it does: reads the first sheet / the CSV, maps Chinese or English headers
(项目名称 / name …), and returns clean rows plus per-row errors in Chinese and
English, so the console can show a preview before anything is saved.

What it does not do: save anything (the caller passes the rows to
:meth:`judging.app.service.Service.update_setup`).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field

from judging.core.money import money_text, parse_amount
from judging.core.rules import short_label
from judging.core.vocabulary import PANEL_WORDS
from judging.core.text import LINE, text_problem

PROJECT_HEADERS = {
    "id": ("id", "project", "编号", "项目编号", "序号"),
    "name": ("name", "项目名称", "项目", "名称"),
    "organization": ("organization", "org", "机构", "申报机构", "申报单位", "单位", "组织"),
    "community": ("community", "社区", "街道", "所属社区"),
    "track": ("track", "赛道", "组别"),
    "requested": ("requested", "申请金额", "申请资金", "金额"),
}
JUDGE_HEADERS = {
    "id": ("id", "judge", "编号", "评委编号", "序号"),
    "name": ("name", "姓名", "评委", "评委姓名"),
    "panel": ("panel", "评审团", "组别", "类别"),
}


@dataclass
class ImportResult:
    rows: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)  # {"row": n (file row), "field": f, "message": m}
    file_rows: list[int] = field(default_factory=list)  # rows[i] came from this row of the file / sheet
    notes: list[str] = field(default_factory=list)      # what was skipped (a title row above the header)

    def to_json(self) -> dict:
        return {"rows": self.rows, "errors": self.errors, "ok": not self.errors, "file_rows": self.file_rows,
                "notes": self.notes}


MAX_ROWS = 2000     # a final has 10-20 projects and a few dozen judges; a whole district's list still fits
MAX_COLUMNS = 50
MAX_CELL = 1000     # characters in one cell: a long project name is ~40, an organization ~30
MAX_EXPANDED = 20 * 1024 * 1024  # bytes of all the parts of an .xlsx once unzipped (a real list: well under 1 MB)
MAX_RATIO = 100     # unzipped / zipped for a part over 1 MB: typed lists compress ~5-20×, a bomb ~1000×
MAX_PARTS = 500
TOO_MANY = f"表格超过 {MAX_ROWS} 行，请只保留项目或评委名单 / more than {MAX_ROWS} rows: keep only the list itself"
TOO_BIG = (f"Excel 文件解压后过大（超过 {MAX_EXPANDED // 1024 // 1024} MB），请只保留名单本身 / the Excel file expands to more "
           f"than {MAX_EXPANDED // 1024 // 1024} MB once unzipped: keep only the list itself")
UNREADABLE = "无法读取 Excel 文件 / cannot read the Excel file"


def read_table(data: bytes, filename: str) -> list[list[str]]:
    """Rows of cells as text.  XLSX by extension (or zip magic), else CSV (UTF-8 or GB18030).

    Before a spreadsheet is parsed its zip directory is checked (:func:`_check_zip`): a 200 KB file
    that unzips to a 200 MB cell is refused without unzipping it.  At most ``MAX_ROWS`` rows and
    ``MAX_COLUMNS`` columns are read, and no cell may hold more than ``MAX_CELL`` characters."""
    if filename.lower().endswith(".xlsx") or data[:2] == b"PK":
        _check_zip(data)
        from openpyxl import load_workbook
        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as e:  # openpyxl raises many kinds for a bad file
            raise ValueError(f"{UNREADABLE} ({type(e).__name__})") from None
        try:
            ws = wb.worksheets[0]
            rows = []
            for row in ws.iter_rows(values_only=True, max_col=MAX_COLUMNS):  # streamed: a huge sheet stops early
                rows.append(_long_cells(["" if v is None else _cell(v) for v in row], len(rows) + 1))
                if len(rows) > MAX_ROWS:
                    raise ValueError(TOO_MANY)
        except ValueError:
            raise
        except Exception as e:  # a damaged sheet inside a valid zip
            raise ValueError(f"{UNREADABLE} ({type(e).__name__})") from None
        finally:
            wb.close()
        return rows
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValueError("无法识别文件编码，请另存为 UTF-8 CSV / cannot decode the file; save it as UTF-8 CSV")
    rows = []
    reader = csv.reader(io.StringIO(text))
    try:
        for row in reader:
            rows.append(_long_cells(row[:MAX_COLUMNS], reader.line_num))
            if len(rows) > MAX_ROWS:
                raise ValueError(TOO_MANY)
    except csv.Error:  # e.g. a field beyond csv's own limit (128 KB), which used to be a 500
        raise ValueError(f"第 {reader.line_num} 行无法读取（单元格过长或引号不配对） / line {reader.line_num} cannot be "
                         "read (a cell too long, or unbalanced quotes)") from None
    return rows


def _check_zip(data: bytes) -> None:
    """Refuse a spreadsheet whose parts would unzip to too much, from the sizes its zip directory states.

    Those sizes bind: Python's zipfile (which openpyxl reads through) stops inflating a part at its
    stated size and then fails its CRC check, so a part that lies about its size cannot grow past it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            parts = zf.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError, UnicodeDecodeError) as e:
        raise ValueError(f"{UNREADABLE} ({type(e).__name__})") from None
    if len(parts) > MAX_PARTS:
        raise ValueError(f"{UNREADABLE}（包含 {len(parts)} 个部件） / ({len(parts)} parts)")
    if sum(p.file_size for p in parts) > MAX_EXPANDED:
        raise ValueError(TOO_BIG)
    for p in parts:
        if p.file_size > 1024 * 1024 and p.file_size > MAX_RATIO * max(p.compress_size, 1):
            ratio = p.file_size // max(p.compress_size, 1)
            raise ValueError(f"{UNREADABLE}：其中 {p.filename[:60]!r} 的压缩比异常（{ratio} 倍） / {p.filename[:60]!r} is "
                             f"compressed {ratio}×, far beyond any typed list")


def _long_cells(row: list[str], line: int) -> list[str]:
    for col, cell in enumerate(row, start=1):
        if len(cell) > MAX_CELL:
            raise ValueError(f"第 {line} 行第 {col} 列的内容超过 {MAX_CELL} 个字符（{len(cell):,} 个），请检查文件 / row {line}, "
                             f"column {col}: more than {MAX_CELL} characters ({len(cell):,})")
    return row


def _zh(names: tuple[str, ...], key: str) -> str:
    """The first Chinese header name of a column (申报机构 for organization), for messages."""
    return next((n for n in names if any("\u4e00" <= c <= "\u9fff" for c in n)), key)


def _cell(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def parse(rows: list[list[str]], kind: str, panels: Sequence | None = None) -> ImportResult:
    """Clean rows and errors numbered by the row the organizer sees (the file's / sheet's row: blank lines
    count).  A title row above the header (「2026年…评委名单」 in A1) is skipped and said in ``notes``.
    ``panels``: the rules' panels (``.id``, ``.label``); judges' 评审团 may then be named by id, label, the
    label's Chinese part or a common word (专家, 大众评审团 …); without them only ids and the common words."""
    headers = PROJECT_HEADERS if kind == "projects" else JUDGE_HEADERS
    required = ("name",) if kind == "projects" else ("name", "panel")
    result = ImportResult()
    lines = [(n, r) for n, r in enumerate(rows, start=1) if any(str(c).strip() for c in r)]  # n: the file row
    if not lines:
        result.errors.append({"row": 1, "field": "", "message": "文件是空的 / the file is empty"})
        return result
    at = _header_index(lines, headers, required)
    for n, raw in lines[:at]:
        text = " ".join(str(c).strip() for c in raw if str(c).strip())
        result.notes.append(f"第 {n} 行「{_clip(text)}」是标题，已跳过；表头在第 {lines[at][0]} 行 / "
                            f"row {n} is a title above the header (row {lines[at][0]}): skipped")
    header_row, header = lines[at][0], [_header_word(h) for h in lines[at][1]]
    col: dict[str, int] = {}
    for key, names in headers.items():
        for i, h in enumerate(header):
            if h in names:
                col[key] = i
                break
    cells = [str(c).strip() for c in lines[at][1] if str(c).strip()]
    looks_like_title = len(cells) == 1 and any(len([c for c in r if str(c).strip()]) > 1 for _, r in lines[1:])
    for key in required:
        if key not in col:
            names = "、".join(n for n in headers[key] if not n.isascii()) + "、" + key
            where = (f"第 {header_row} 行「{_clip(cells[0])}」像是标题，前 {HEADER_SEARCH} 行中都没有这一列" if looks_like_title
                     else f"表头（第 {header_row} 行）中没有这一列")
            result.errors.append({"row": header_row, "field": key, "message":
                                  f"缺少列「{headers[key][1]}」：{where}，列名可用：{names} / missing column {key!r} "
                                  f"in the header (row {header_row})"})
    if result.errors:
        return result
    words = panel_words(panels)
    seen: set[str] = set()
    for k, (n, raw) in enumerate(lines[at + 1:], start=1):
        row = {key: (str(raw[i]).strip() if i < len(raw) else "") for key, i in col.items()}
        row.setdefault("id", "")
        for key, value in row.items():  # the same check the setup makes, shown on the row it is in
            if problem := text_problem(value, LINE, (_zh(headers[key], key), key)):
                result.errors.append({"row": n, "field": key, "message": problem})
        if not row["id"]:
            row["id"] = f"{'P' if kind == 'projects' else 'J'}{k:02d}"
        if row["id"] in seen:
            result.errors.append({"row": n, "field": "id", "message": f"编号重复 / duplicate id {row['id']!r}"})
        seen.add(row["id"])
        if not row.get("name"):
            result.errors.append({"row": n, "field": "name", "message": "名称为空 / name is empty"})
        if kind == "projects":
            req = row.get("requested", "").strip()
            if req:
                try:
                    row["requested"] = parse_amount(req)
                    row["requested_text"] = money_text(row["requested"])  # how the preview shows what was read
                except ValueError as e:  # the reason names what is accepted: 50000, ¥30,000, 5万 …
                    result.errors.append({"row": n, "field": "requested", "message": f"申请金额「{req}」：{e}"})
            else:
                row["requested"] = None
        else:
            given = row.get("panel", "")
            found = words.get(_panel_key(given))
            if found is None and panels is None:
                found = given.lower()  # no rules at hand: the contest's check names what it lacks
            if found is None:
                result.errors.append({"row": n, "field": "panel", "message": _panel_problem(given, panels)})
            row["panel"] = found if found is not None else given
        result.rows.append(row)
        result.file_rows.append(n)
    return result


HEADER_SEARCH = 5   # a title, a date line, a note: the header is within the first few rows that have text


def _header_index(lines: list[tuple[int, list]], headers: dict, required: tuple[str, ...]) -> int:
    """Which of the first non-blank rows is the header: the first that names every required column
    (the first row when none does, so the error names that row)."""
    for i, (_, raw) in enumerate(lines[:HEADER_SEARCH]):
        words = {_header_word(c) for c in raw}
        if all(words & set(headers[key]) for key in required):
            return i
    return 0


def _header_word(cell) -> str:
    """「姓名*」「评审团（专家/大众）」「 Name 」 -> 姓名, 评审团, name."""
    text = str(cell).strip().lower().replace(" ", "").replace("\u3000", "")
    for bracket in ("（", "("):
        text = text.split(bracket, 1)[0]
    return text.strip("*＊:：")


def _clip(text: str, n: int = 30) -> str:
    return text if len(text) <= n else text[:n] + "…"


COMMON_PANEL_WORDS = {w: kind for kind, words in PANEL_WORDS.items() for w in words}  # core/vocabulary.py


def _panel_key(text: str) -> str:
    return " ".join(str(text).split()).lower()


def panel_words(panels: Sequence | None) -> dict[str, str]:
    """Every word a 评审团 cell may hold -> the panel id: the id, the rules' label and its Chinese part
    (「专家评审团 Expert panel」, 「专家评审团」), and the common words for the panels the rules have."""
    if panels is None:
        return {_panel_key(w): pid for w, pid in COMMON_PANEL_WORDS.items()}
    ids = {p.id for p in panels}
    words = {_panel_key(w): pid for w, pid in COMMON_PANEL_WORDS.items() if pid in ids}
    for p in panels:  # the rules' own words come last: they win over a common word
        for w in (p.id, p.label, short_label(p.label)):
            if w and w.strip():
                words[_panel_key(w)] = p.id
    return words


def panel_choices(panels: Sequence) -> str:
    """「专家评审团（或 专家、专家评委…）、大众评审团（…）」: the words accepted, per panel."""
    words = panel_words(panels)
    parts = []
    for p in panels:
        mine = [w for w, pid in words.items() if pid == p.id and w not in (p.id.lower(), _panel_key(p.label))]
        main = short_label(p.label) or p.id
        others = [w for w in mine if w != _panel_key(main)]
        parts.append(main + (f"（或 {'、'.join(others)}）" if others else ""))
    return "、".join(parts)


def _panel_problem(given: str, panels: Sequence | None) -> str:
    if not given:
        head = "请填写评审团"
    else:
        head = f"评审团「{given}」无法识别"
    choices = panel_choices(panels) if panels else "、".join(COMMON_PANEL_WORDS)
    ids = ", ".join(p.id for p in panels) if panels else "expert, public"
    return f"{head}，可填：{choices} / panel {given!r} is not known; write one of the words above (or the id: {ids})"
