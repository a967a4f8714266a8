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
from dataclasses import dataclass, field

from .model import parse_amount
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
TOO_MANY = f"表格超过 {MAX_ROWS} 行，请只保留项目或评委名单 / more than {MAX_ROWS} rows: keep only the list itself"


def read_table(data: bytes, filename: str) -> list[list[str]]:
    """Rows of cells as text.  XLSX by extension (or zip magic), else CSV (UTF-8 or GB18030)."""
    if filename.lower().endswith(".xlsx") or data[:2] == b"PK":
        from openpyxl import load_workbook
        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as e:  # openpyxl raises many kinds for a bad file
            raise ValueError(f"无法读取 Excel 文件 / cannot read the Excel file ({type(e).__name__})") from None
        try:
            ws = wb.worksheets[0]
            rows = []
            for row in ws.iter_rows(values_only=True, max_col=MAX_COLUMNS):  # streamed: a huge sheet stops early
                rows.append(["" if v is None else _cell(v) for v in row])
                if len(rows) > MAX_ROWS:
                    raise ValueError(TOO_MANY)
        except ValueError:
            raise
        except Exception as e:  # a damaged sheet inside a valid zip
            raise ValueError(f"无法读取 Excel 文件 / cannot read the Excel file ({type(e).__name__})") from None
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
    for row in csv.reader(io.StringIO(text)):
        rows.append(row[:MAX_COLUMNS])
        if len(rows) > MAX_ROWS:
            raise ValueError(TOO_MANY)
    return rows


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
            if problem := text_problem(value, LINE, (headers[key][1], key)):
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
                except ValueError:
                    result.errors.append({"row": n, "field": "requested", "message":
                                          f"申请金额「{req}」不是有效金额（如 50000、5万） / requested {req!r} is not "
                                          "a valid amount"})
            else:
                row["requested"] = None
        else:
            row["panel"] = PANEL_ALIASES.get(row.get("panel", ""), row.get("panel", "")).lower()
        result.rows.append(row)
    return result
