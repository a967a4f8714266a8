"""Branding commands: a contest's logo, colours, sponsor line and sponsor logos.

What it does: :class:`BrandCommands` (a part of :class:`judging.app.service.Service`) changes a contest's
:class:`~judging.core.brand.Brand` — checked first (colours and sponsor line by :mod:`judging.core.brand`;
an uploaded image decoded and re-encoded by :mod:`judging.inputs.brand_image`, in a worker thread so the
evening's sockets keep flowing), then written with its audit entry in one transaction, then kept on the
contest's :class:`~judging.app.runtime.Runtime` (``rt.brand``) and published to the big screen.  A refused
change stores nothing.  Branding may change in any phase: it never touches a mark or a result.

Also the archive's part: :func:`archive_json` (the branding with the images as base64) and
:func:`read_archived` (checks it and re-encodes every image again: an archive is as untrusted as an upload).

What it does not do: HTTP (:mod:`judging.web.brand_api`), SQL (:mod:`judging.storage.repository_brand`) or
drawing (the pages and :mod:`judging.exports.brand_sheets`).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from typing import Any

from judging.app.errors import Invalid, NotFound
from judging.app.runtime import Runtime
from judging.core.brand import MAX_SPONSOR_LOGOS, Brand, BrandImage, check_colour, check_sponsors
from judging.inputs.brand_image import ImageRefused, reencode, sha256
from judging.storage import repository_brand as repo_brand
from judging.storage.store import Store


async def load_brands(store: Store, runtimes: dict[str, Runtime]) -> None:
    """Every contest's branding onto its runtime (at start)."""
    for cid, brand in (await repo_brand.load_brands(store)).items():
        if cid in runtimes:
            runtimes[cid].brand = brand


def brand_of(rt: Runtime) -> Brand:
    return getattr(rt, "brand", None) or Brand()


def screen_json(rt: Runtime) -> dict | None:
    """The branding a big screen shows (None: the house look, nothing to draw)."""
    brand = brand_of(rt)
    return None if brand.is_empty() else brand.to_json(rt.contest.id)


def _image(data: bytes) -> BrandImage:
    try:
        png, w, h = reencode(data)
    except ImageRefused as e:
        raise Invalid(str(e), {"file": str(e)}) from None
    return BrandImage(sha256(png), w, h, png)


def _audit_image(im: BrandImage | None) -> dict | None:
    return {"sha256": im.sha256, "width": im.width, "height": im.height, "bytes": len(im.png)} if im else None


def _audit_brand(b: Brand) -> dict:
    return {"primary": b.primary, "accent": b.accent, "sponsor_text": b.sponsor_text,
            "logo": _audit_image(b.logo), "sponsors": [_audit_image(s) for s in b.sponsors]}


class BrandCommands:
    """The branding commands of the service (``self`` is the service)."""

    async def set_brand(self, cid: str, data: dict, actor: str, client: str = "") -> Runtime:
        """Colours and the sponsor line: ``{"primary": "#rrggbb" | "", "accent": …, "sponsor_text": …}`` (a key
        left out keeps its value; "" or null restores the house colour / clears the line)."""
        rt = self.get(cid)
        changes, errors = {}, {}
        for key in ("primary", "accent"):
            if key in data:
                changes[key], problem = check_colour(key, data[key])
                if problem:
                    errors[key] = problem
        if "sponsor_text" in data:
            changes["sponsor_text"], problem = check_sponsors(data["sponsor_text"])
            if problem:
                errors["sponsor_text"] = problem
        if errors:
            raise Invalid(next(iter(errors.values())), errors)
        if not changes:
            raise Invalid("没有要修改的内容（primary、accent 或 sponsor_text） / nothing to change: send primary, accent "
                          "or sponsor_text", {"body": "empty"})
        return await self._save_brand(rt, lambda b: b.with_(**changes), "brand.update", actor, client)

    async def set_logo(self, cid: str, data: bytes, actor: str, client: str = "") -> Runtime:
        rt = self.get(cid)
        image = await asyncio.to_thread(_image, data)  # decoding a 20-megapixel JPEG takes a while
        return await self._save_brand(rt, lambda b: b.with_(logo=image), "brand.logo", actor, client)

    async def remove_logo(self, cid: str, actor: str, client: str = "") -> Runtime:
        rt = self.get(cid)
        if brand_of(rt).logo is None:
            raise NotFound("这个大赛没有标志 / this contest has no logo")
        return await self._save_brand(rt, lambda b: b.with_(logo=None), "brand.logo_remove", actor, client)

    async def add_sponsor_logo(self, cid: str, data: bytes, actor: str, client: str = "") -> Runtime:
        rt = self.get(cid)
        self._room_for_sponsor(brand_of(rt))  # refused before the work of decoding
        image = await asyncio.to_thread(_image, data)

        def change(b: Brand) -> Brand:
            self._room_for_sponsor(b)  # checked again under the writer's lock
            if any(s.sha256 == image.sha256 for s in b.sponsors):
                return b
            return b.with_(sponsors=(*b.sponsors, image))
        return await self._save_brand(rt, change, "brand.sponsor_logo", actor, client)

    async def remove_sponsor_logo(self, cid: str, sha: str, actor: str, client: str = "") -> Runtime:
        rt = self.get(cid)

        def change(b: Brand) -> Brand:
            if not any(s.sha256 == sha for s in b.sponsors):
                raise NotFound("没有这个赞助单位标志 / no such sponsor logo")
            return b.with_(sponsors=tuple(s for s in b.sponsors if s.sha256 != sha))
        return await self._save_brand(rt, change, "brand.sponsor_logo_remove", actor, client)

    @staticmethod
    def _room_for_sponsor(b: Brand) -> None:
        if len(b.sponsors) >= MAX_SPONSOR_LOGOS:
            raise Invalid(f"赞助单位标志最多 {MAX_SPONSOR_LOGOS} 个，请先删除一个 / at most {MAX_SPONSOR_LOGOS} sponsor "
                          "logos: remove one first", {"file": "too many sponsor logos"})

    async def _save_brand(self, rt: Runtime, change, action: str, actor: str, client: str) -> Runtime:
        cid = rt.contest.id
        async with self.store.write() as tx:
            before = brand_of(rt)
            after = change(before)
            await repo_brand.save_brand(tx, cid, after)
            await tx.audit(cid, actor, action, {"before": _audit_brand(before), "after": _audit_brand(after)},
                           client=client)
            tx.on_commit(lambda: setattr(rt, "brand", after))
        self.publish_screen(cid)
        self.publish_console(cid)
        return rt


# ------------------------------------------------------------------ the archive's part

def archive_json(rt: Runtime) -> dict | None:
    """The branding as an archive holds it (images as base64 PNG), or None when there is none."""
    b = brand_of(rt)
    if b.is_empty():
        return None
    pic = (lambda im: {"png_base64": base64.b64encode(im.png).decode("ascii"), "sha256": im.sha256})
    return {"primary": b.primary, "accent": b.accent, "sponsor_text": b.sponsor_text,
            "logo": pic(b.logo) if b.logo else None, "sponsors": [pic(s) for s in b.sponsors]}


def read_archived(data: Any) -> Brand | None:
    """An archive's branding, checked like an upload (raises :class:`ValueError` saying what is wrong)."""
    if data is None:
        return None
    if not isinstance(data, dict):
        raise ValueError("brand: 须为对象 / must be an object")
    fields: dict[str, Any] = {}
    for key in ("primary", "accent"):
        fields[key], problem = check_colour(key, data.get(key))
        if problem:
            raise ValueError(f"brand.{key}: {problem}")
    fields["sponsor_text"], problem = check_sponsors(data.get("sponsor_text"))
    if problem:
        raise ValueError(f"brand.sponsor_text: {problem}")

    def pic(d: Any, where: str) -> BrandImage:
        if not isinstance(d, dict) or not isinstance(d.get("png_base64"), str):
            raise ValueError(f"{where}: 须有 png_base64 / needs png_base64")
        try:
            raw = base64.b64decode(d["png_base64"], validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(f"{where}: base64 有误 / not valid base64") from None
        try:
            png, w, h = reencode(raw)
        except ImageRefused as e:
            raise ValueError(f"{where}: {e}") from None
        return BrandImage(sha256(png), w, h, png)
    logo = data.get("logo")
    sponsors = data.get("sponsors") or []
    if not isinstance(sponsors, list) or len(sponsors) > MAX_SPONSOR_LOGOS:
        raise ValueError(f"brand.sponsors: 最多 {MAX_SPONSOR_LOGOS} 个 / at most {MAX_SPONSOR_LOGOS}")
    return Brand(**fields, logo=pic(logo, "brand.logo") if logo is not None else None,
                 sponsors=tuple(pic(s, f"brand.sponsors[{i}]") for i, s in enumerate(sponsors)))
