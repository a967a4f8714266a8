"""Import projects or judges from a CSV or XLSX table typed by an organizer.

What it does: reads the first sheet / the CSV, maps Chinese or English headers
(项目名称 / name …), and returns clean rows plus per-row errors in Chinese and
English, so the console can show a preview before anything is saved.

What it does not do: save anything (the caller passes the rows to
:meth:`judging.service.Service.update_setup`).
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field

from .money import money_text, parse_amount
from .text import LINE, text_problem

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
PANEL_ALIASES = {"专家": "expert", "专家评审团": "expert", "专家评委": "expert", "大众": "public",
                 "大众评审团": "public", "大众评委": "public"}


@dataclass
class ImportResult:
    rows: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)  # {"row": n (file row), "field": f, "message": m}

    def to_json(self) -> dict:
        return {"rows": self.rows, "errors": self.errors, "ok": not self.errors}


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


def parse(rows: list[list[str]], kind: str) -> ImportResult:
    headers = PROJECT_HEADERS if kind == "projects" else JUDGE_HEADERS
    result = ImportResult()
    rows = [r for r in rows if any(str(c).strip() for c in r)]
    if not rows:
        result.errors.append({"row": 1, "field": "", "message": "文件是空的 / the file is empty"})
        return result
    header = [str(h).strip().lower() for h in rows[0]]
    col: dict[str, int] = {}
    for key, names in headers.items():
        for i, h in enumerate(header):
            if h in names:
                col[key] = i
                break
    required = ("name",) if kind == "projects" else ("name", "panel")
    for key in required:
        if key not in col:
            result.errors.append({"row": 1, "field": key, "message": f"缺少列「{headers[key][1]}」/ missing column "
                                                                     f"{key!r}"})
    if result.errors:
        return result
    seen: set[str] = set()
    for n, raw in enumerate(rows[1:], start=2):
        row = {key: (str(raw[i]).strip() if i < len(raw) else "") for key, i in col.items()}
        row.setdefault("id", "")
        for key, value in row.items():  # the same check the setup makes, shown on the row it is in
            if problem := text_problem(value, LINE, (_zh(headers[key], key), key)):
                result.errors.append({"row": n, "field": key, "message": problem})
        if not row["id"]:
            row["id"] = f"{'P' if kind == 'projects' else 'J'}{n - 1:02d}"
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
            row["panel"] = PANEL_ALIASES.get(row.get("panel", ""), row.get("panel", "")).lower()
        result.rows.append(row)
    return result
