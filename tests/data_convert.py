"""Turn the real published judging data in ``tests/data/`` into marks CSVs.

What it does: pure functions that read one source CSV (see ``tests/data/README.md``)
and return, or write, marks in the ``run.py score`` format
``project,round,panel,judge,criterion,score[,factor]``.  Marks are copied as
published, with no cleaning.

What it does not do: compute any score.  The tests compare what the engine
makes of these marks with the official results.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Iterable, Sequence

DATA = Path(__file__).resolve().parent / "data"
DIVING_CSV = DATA / "diving_sydney2000_semis_finals.csv"
EUROVISION_CSV = DATA / "eurovision2017_final_votes.csv"
ISU_CSV = DATA / "isu_owg2018_ladies_free_components.csv"

MARKS_HEADER = ("project", "round", "panel", "judge", "criterion", "score")

# ISU program component (as named in the protocols) -> criterion id in scoring_rules/isu_pcs.toml
ISU_COMPONENTS = {
    "Skating Skills": "skating_skills",
    "Transitions": "transitions",
    "Performance": "performance",
    "Composition": "composition",
    "Interpretation of the Music": "interpretation",
}
ISU_JUDGES = tuple(f"J{i}" for i in range(1, 10))


def read_rows(path: str | Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def write_marks(path: str | Path, marks: Iterable[dict[str, str]], *, factor: bool = False) -> Path:
    """Write marks dicts (keys of MARKS_HEADER, plus ``factor`` if asked) as CSV; returns the path."""
    path = Path(path)
    header = MARKS_HEADER + (("factor",) if factor else ())
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=header, lineterminator="\n")
        w.writeheader()
        for m in marks:
            w.writerow({k: m.get(k, "") for k in header})
    return path


# ----------------------------------------------------------------- diving

def diving_round(row: dict[str, str]) -> str:
    """One scoring round per dive: ``Semi_dive1`` .. ``Final_dive6``."""
    return f"{row['Round']}_dive{row['DiveNo']}"


def diving_marks(rows: Sequence[dict[str, str]], event: str) -> list[dict[str, str]]:
    """Marks of one event (``M10mPF`` or ``W3mSB``): project = diver, one round per dive,
    one panel ``judges`` (a judge sits on one panel even when the semifinal and final
    panels differ), factor = degree of difficulty of that dive."""
    out = []
    for r in rows:
        if r["Event"] != event:
            continue
        out.append({"project": r["Diver"], "round": diving_round(r), "panel": "judges", "judge": r["Judge"],
                    "criterion": "", "score": r["JScore"], "factor": r["Difficulty"]})
    if not out:
        raise ValueError(f"no rows for event {event!r}")
    return out


def write_diving_marks(path: str | Path, event: str, source: str | Path = DIVING_CSV) -> Path:
    return write_marks(path, diving_marks(read_rows(source), event), factor=True)


# ----------------------------------------------------------------- ISU

def isu_marks(rows: Sequence[dict[str, str]], *, layout: str = "rubric",
              round_name: str = "free") -> list[dict[str, str]]:
    """Program component marks: project = skater, judges J1..J9, criterion = component id.

    ``layout="rubric"``: one panel ``judges`` scoring the five components as criteria
    (judge = ``J1``..``J9``), as on the judges' sheet.

    ``layout="component_panels"``: one panel per component (panel = criterion = component
    id).  A judge id belongs to one panel, so the judge column becomes
    ``<component>:J1``.  This is the layout ``scoring_rules/isu_pcs.toml`` needs to round
    each factored component score as the ISU does (see the header of that file).
    """
    if layout not in ("rubric", "component_panels"):
        raise ValueError(f"unknown layout {layout!r}")
    out = []
    for r in rows:
        cid = ISU_COMPONENTS[r["component"]]
        for j in ISU_JUDGES:
            if layout == "rubric":
                panel, judge = "judges", j
            else:
                panel, judge = cid, f"{cid}:{j}"
            out.append({"project": r["skater"], "round": round_name, "panel": panel, "judge": judge,
                        "criterion": cid, "score": r[j]})
    return out


def write_isu_marks(path: str | Path, *, layout: str = "rubric", source: str | Path = ISU_CSV) -> Path:
    return write_marks(path, isu_marks(read_rows(source), layout=layout))


def isu_official_pcs(rows: Sequence[dict[str, str]]) -> dict[str, str]:
    """skater -> official PCS as published (string, e.g. ``"75.03"``)."""
    out: dict[str, str] = {}
    for r in rows:
        pcs = out.setdefault(r["skater"], r["official_pcs_total"])
        if pcs != r["official_pcs_total"]:
            raise ValueError(f"{r['skater']}: two different official PCS {pcs} and {r['official_pcs_total']}")
    return out


def isu_official_components(rows: Sequence[dict[str, str]]) -> dict[tuple[str, str], str]:
    """(skater, component id) -> official panel score of that component (unfactored)."""
    return {(r["skater"], ISU_COMPONENTS[r["component"]]): r["official_component_score"] for r in rows}


# ----------------------------------------------------------------- Eurovision

def eurovision_marks(rows: Sequence[dict[str, str]], round_name: str = "final") -> list[dict[str, str]]:
    """Two marks per (voting country, finalist): jury points from judge ``jury:<country>``
    (panel ``jury``) and televote points from ``tele:<country>`` (panel ``televote``).
    Zero points are kept as marks of 0."""
    out = []
    for r in rows:
        frm, to = r["from_country"], r["to_country"]
        out.append({"project": to, "round": round_name, "panel": "jury", "judge": f"jury:{frm}",
                    "criterion": "", "score": r["jury_points"]})
        out.append({"project": to, "round": round_name, "panel": "televote", "judge": f"tele:{frm}",
                    "criterion": "", "score": r["tele_points"]})
    return out


def write_eurovision_marks(path: str | Path, source: str | Path = EUROVISION_CSV) -> Path:
    return write_marks(path, eurovision_marks(read_rows(source)))
