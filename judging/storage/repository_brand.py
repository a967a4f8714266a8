"""The statements of a contest's branding (tables ``brands`` and ``brand_images``): load them all, save one.

What it does: :func:`load_brands` reads every contest's :class:`~judging.core.brand.Brand` at start;
:func:`save_brand` writes one contest's whole branding (its row and its images) inside the caller's write
transaction, so a refused or failed change leaves the stored one as it was.

What it does not do: check anything (:mod:`judging.app.brand` and :mod:`judging.core.brand` do) or decode
images (:mod:`judging.inputs.brand_image`).
"""

from __future__ import annotations

from judging.core.brand import Brand, BrandImage
from judging.storage.store import Store, Tx


async def load_brands(store: Store) -> dict[str, Brand]:
    brands: dict[str, Brand] = {}
    for cid, primary, accent, sponsors in await store.fetchall(
            "SELECT contest_id, primary_colour, accent_colour, sponsor_text FROM brands"):
        brands[cid] = Brand(primary, accent, sponsors)
    logos: dict[str, BrandImage] = {}
    sponsor_logos: dict[str, list[BrandImage]] = {}
    for cid, slot, sha, w, h, png in await store.fetchall(
            "SELECT contest_id, slot, sha256, width, height, png FROM brand_images ORDER BY contest_id, slot, seq"):
        image = BrandImage(sha, int(w), int(h), bytes(png))
        if slot == "logo":
            logos[cid] = image
        else:
            sponsor_logos.setdefault(cid, []).append(image)
    for cid in set(logos) | set(sponsor_logos):
        brands[cid] = brands.get(cid, Brand()).with_(logo=logos.get(cid), sponsors=tuple(sponsor_logos.get(cid, ())))
    return brands


async def save_brand(tx: Tx, cid: str, brand: Brand) -> None:
    """Replace the contest's stored branding by ``brand`` (an empty one leaves no row behind)."""
    await tx.execute("DELETE FROM brand_images WHERE contest_id = ?", (cid,))
    await tx.execute("DELETE FROM brands WHERE contest_id = ?", (cid,))
    if brand.is_empty():
        return
    await tx.execute("INSERT INTO brands (contest_id, primary_colour, accent_colour, sponsor_text) VALUES (?,?,?,?)",
                     (cid, brand.primary, brand.accent, brand.sponsor_text))
    images = ([("logo", 0, brand.logo)] if brand.logo else []) + [("sponsor", i, s) for i, s in enumerate(brand.sponsors)]
    await tx.executemany("INSERT INTO brand_images (contest_id, slot, seq, sha256, width, height, png) "
                         "VALUES (?,?,?,?,?,?,?)", [(cid, slot, seq, im.sha256, im.width, im.height, im.png)
                                                   for slot, seq, im in images])
