"""A contest's branding as data: its colours, its sponsor line and the images it shows (pure).

What it does: :class:`Brand` (primary and accent colour, the sponsor line, the logo and the sponsor logos as
:class:`BrandImage` — a content hash, a size and PNG bytes), :func:`check_colour` (a ``#rrggbb`` colour that
keeps the WCAG AA contrast of 4.5:1 with what is drawn on or around it, or a Chinese-first message offering
the nearest colour that does), :func:`check_sponsors` (the sponsor line: one line of text, at most
:data:`MAX_SPONSOR_NAMES` names), and :func:`contrast` (the WCAG 2 contrast ratio of two colours).

Where the colours go: the *primary* colour is the big screen's banner and the phone headers, with white
text on it (:data:`ON_PRIMARY`); the *accent* colour is the screen's highlight (the holding view's title,
the banner's mark and rule), drawn on the screen's dark navy stage (:data:`STAGE`).  So primary is checked
against white and accent against the stage.

What it does not do: decode images (:mod:`judging.inputs.brand_image`), store anything
(:mod:`judging.storage.repository_brand`) or decide who may change it (:mod:`judging.app.brand`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from judging.core.text import LINE, text_problem

ON_PRIMARY = "#ffffff"   # the text on the primary colour (banner, phone header)
STAGE = "#0c1424"        # the big screen's stage, behind the accent colour (static/screen.css --stage)
AA = 4.5                 # WCAG 2.x AA for normal text
MAX_SPONSOR_NAMES = 12   # names on the sponsor line (主办 / 承办 / 支持单位 … count as their names)
MAX_SPONSOR_TEXT = 200   # characters of the sponsor line
MAX_SPONSOR_LOGOS = 6
_HEX = re.compile(r"#[0-9a-fA-F]{6}")
_NAME_SPLIT = re.compile(r"[、，,／/]+")
_ROLE = re.compile(r"^[^：:]{1,8}[：:]")  # "主办：" / "支持单位:" before the names


@dataclass(frozen=True)
class BrandImage:
    sha256: str      # of ``png``: the image's address (/brand/<cid>/<sha256>.png)
    width: int
    height: int
    png: bytes = field(repr=False)

    def to_json(self, cid: str) -> dict:
        return {"sha256": self.sha256, "width": self.width, "height": self.height, "bytes": len(self.png),
                "url": image_url(cid, self.sha256)}


@dataclass(frozen=True)
class Brand:
    primary: str = ""                    # "" = the house colours
    accent: str = ""
    sponsor_text: str = ""
    logo: BrandImage | None = None
    sponsors: tuple[BrandImage, ...] = ()

    def is_empty(self) -> bool:
        return self == Brand()

    def with_(self, **changes) -> "Brand":
        return replace(self, **changes)

    def to_json(self, cid: str) -> dict:
        """What the setup page, the big screen and the API show (no image bytes: their URLs)."""
        return {"primary": self.primary, "accent": self.accent, "on_primary": ON_PRIMARY if self.primary else "",
                "sponsor_text": self.sponsor_text, "logo": self.logo.to_json(cid) if self.logo else None,
                "sponsors": [s.to_json(cid) for s in self.sponsors]}


def image_url(cid: str, sha256: str) -> str:
    return f"/brand/{cid}/{sha256}.png"


# ------------------------------------------------------------------ colours

def _channel(c: int) -> float:
    s = c / 255
    return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(a: str, b: str) -> float:
    """The WCAG 2 contrast ratio of two ``#rrggbb`` colours (1 … 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _toward(colour: str, target: int, t: float) -> str:
    parts = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c + (target - c) * t):02x}" for c in parts)


def nearest_usable(colour: str, against: str) -> str:
    """The colour closest to ``colour`` (mixed towards black or white, whichever moves away from ``against``)
    whose contrast with ``against`` is at least AA."""
    target = 0 if luminance(against) > 0.18 else 255
    lo, hi = 0.0, 1.0
    for _ in range(30):  # the least mix that passes
        mid = (lo + hi) / 2
        if contrast(_toward(colour, target, mid), against) >= AA:
            hi = mid
        else:
            lo = mid
    return _toward(colour, target, hi)


ROLES = {"primary": ("主色", "primary colour", ON_PRIMARY, "白色文字", "white text on it"),
         "accent": ("强调色", "accent colour", STAGE, "大屏深色背景", "the big screen's dark stage")}


def check_colour(role: str, value: object) -> tuple[str, str | None]:
    """(the colour as stored: ``#rrggbb`` lower case or "" for the house colour, a problem or None)."""
    zh_name, en_name, against, zh_against, en_against = ROLES[role]
    if value is None or value == "":
        return "", None
    if not isinstance(value, str) or not _HEX.fullmatch(value.strip()):
        return "", f"{zh_name}须为 #rrggbb 格式（如 #b3261e） / the {en_name} must be #rrggbb (e.g. #b3261e)"
    colour = value.strip().lower()
    ratio = contrast(colour, against)
    if ratio < AA:
        near = nearest_usable(colour, against)
        return "", (f"{zh_name} {colour} 与{zh_against}的对比度只有 {ratio:.2f}:1，低于 WCAG AA 的 4.5:1，投影上看不清；"
                    f"最接近的可用颜色是 {near} / the {en_name} {colour} has a contrast of {ratio:.2f}:1 with "
                    f"{en_against}, below WCAG AA 4.5:1; the nearest usable colour is {near}")
    return colour, None


# ------------------------------------------------------------------ the sponsor line

def sponsor_names(text: str) -> list[str]:
    """The names of a sponsor line ("主办：甲街道；承办：乙中心、丙基金会" -> 甲街道, 乙中心, 丙基金会)."""
    names = []
    for part in re.split(r"[；;|]+", text):
        part = _ROLE.sub("", part.strip())
        names += [n.strip() for n in _NAME_SPLIT.split(part) if n.strip()]
    return names


def check_sponsors(value: object) -> tuple[str, str | None]:
    """(the sponsor line, trimmed, a problem or None)."""
    if value is None:
        return "", None
    if not isinstance(value, str):
        return "", "赞助单位须为文本 / the sponsor line must be text"
    text = value.strip()
    if len(text) > MAX_SPONSOR_TEXT:
        return "", (f"赞助单位一行最多 {MAX_SPONSOR_TEXT} 个字（现有 {len(text)} 个） / the sponsor line may hold at most "
                    f"{MAX_SPONSOR_TEXT} characters ({len(text)} given)")
    if problem := text_problem(text, LINE, ("赞助单位", "the sponsor line")):
        return "", problem
    if len(names := sponsor_names(text)) > MAX_SPONSOR_NAMES:
        return "", (f"赞助单位最多 {MAX_SPONSOR_NAMES} 个名称（现有 {len(names)} 个） / at most {MAX_SPONSOR_NAMES} "
                    f"names on the sponsor line ({len(names)} given)")
    return text, None
