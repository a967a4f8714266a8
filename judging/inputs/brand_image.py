"""An uploaded logo, made safe: decoded with Pillow and re-encoded as a fresh PNG of bounded size.

Why re-encode: an uploaded file is untrusted.  Serving it as sent would serve whatever it hides — EXIF (GPS,
the camera owner), an ICC profile, text chunks, a second file appended to the image (a "polyglot" that is
also HTML or a ZIP), or an SVG that is a script.  Here only PNG, JPEG and WebP are accepted, by what the
bytes are (Pillow's own detection, not the file name or the Content-Type); the pixels are decoded in full
(a truncated file fails here) and written into a new PNG with no metadata at all, scaled down to fit
:data:`MAX_BOX` (800×400).

Bounds: at most :data:`MAX_BYTES` (2 MB) in; at most :data:`MAX_PIXELS` (20 megapixels) decoded — a
"decompression bomb" (a tiny file that claims 30000×30000 pixels) is refused from its header, before any
pixel is decoded.

What it does not do: store or serve the image (:mod:`judging.app.brand`, :mod:`judging.web.brand_api`).
"""

from __future__ import annotations

import hashlib
import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 2_000_000  # "2 MB"; under the 2 MiB body limit of every request, so an image in between gets this message
MAX_PIXELS = 20_000_000
MAX_BOX = (800, 400)
FORMATS = ("PNG", "JPEG", "WEBP")
Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow's own bomb guard, for any other caller in this process too


class ImageRefused(ValueError):
    """Why an upload is not stored (a Chinese-first message)."""


def _sniff_text(data: bytes) -> bool:
    """SVG, HTML or XML: text that starts with a tag (an image file never does)."""
    head = data[:512].lstrip()
    return head.startswith((b"<", b"\xef\xbb\xbf<"))


def reencode(data: bytes) -> tuple[bytes, int, int]:
    """(PNG bytes, width, height) of the uploaded image ``data``; raises :class:`ImageRefused`."""
    if not data:
        raise ImageRefused("请选择图片文件 / the upload is empty: choose an image file")
    if len(data) > MAX_BYTES:
        raise ImageRefused(f"图片太大：最大 {MAX_BYTES / 1e6:g} MB（现有 {len(data) / 1e6:.1f} MB） / "
                           f"the image is larger than {MAX_BYTES / 1e6:g} MB")
    if _sniff_text(data):
        raise ImageRefused("只接受 PNG、JPEG 或 WebP 图片，不接受 SVG 或网页文件 / only PNG, JPEG or WebP images: "
                           "SVG and HTML files are not accepted")
    try:
        # Pillow warns above MAX_IMAGE_PIXELS and raises above twice that; the size check refuses both before
        # a pixel is decoded.  Its other warnings are about metadata ("Corrupt EXIF data": a JPEG whose EXIF
        # block is cut short; the pixels are fine): they are caught for this decode, and such a JPEG is kept
        # as it is, not turned by an orientation read from broken EXIF.  (catch_warnings is process-wide: a
        # warning another thread raises in these milliseconds is caught here too; uploads are rare.)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with Image.open(io.BytesIO(data), formats=FORMATS) as im:
                if im.width * im.height > MAX_PIXELS:
                    raise ImageRefused(_too_many(im.width, im.height))
                im.load()  # every pixel decoded: a truncated file fails here
                exif_broken = any("EXIF" in str(w.message) for w in caught)
                return _png(ImageOps.exif_transpose(im) if im.format == "JPEG" and not exif_broken else im)
    except ImageRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRefused(_too_many()) from None
    except UnidentifiedImageError:
        raise ImageRefused("不是 PNG、JPEG 或 WebP 图片 / not a PNG, JPEG or WebP image") from None
    except (OSError, ValueError, SyntaxError, EOFError) as e:  # truncated or damaged
        raise ImageRefused(f"图片文件已损坏或不完整，请重新导出后上传 / the image is damaged or truncated ({type(e).__name__})") from None


def _too_many(w: int | None = None, h: int | None = None) -> str:
    size = f"（{w}×{h}）" if w else ""
    return (f"图片像素太多{size}：最多 {MAX_PIXELS // 1_000_000} 百万像素 / the image has too many pixels "
            f"{f'({w}×{h}) ' if w else ''}: at most {MAX_PIXELS // 1_000_000} megapixels")


def _png(im: Image.Image) -> tuple[bytes, int, int]:
    mode = "RGBA" if im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info else "RGB"
    clean = Image.new(mode, im.size)  # a new image: nothing of the upload but its pixels
    clean.paste(im.convert(mode))
    clean.thumbnail(MAX_BOX, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    clean.save(out, format="PNG", optimize=True)
    return out.getvalue(), clean.width, clean.height


def sha256(png: bytes) -> str:
    return hashlib.sha256(png).hexdigest()
