"""Branding routes (thin): the contest's colours, sponsor line, logo and sponsor logos; the images themselves.

GET    /api/contests/{cid}/brand                      the branding (colours, sponsor line, image URLs)
PATCH  /api/contests/{cid}/brand                      {"primary", "accent", "sponsor_text"} (each optional)
PUT    /api/contests/{cid}/brand/logo                 the body is the image (PNG, JPEG or WebP, at most 2 MB)
DELETE /api/contests/{cid}/brand/logo
POST   /api/contests/{cid}/brand/sponsors             the body is a sponsor's logo (at most 6)
DELETE /api/contests/{cid}/brand/sponsors/{sha256}
GET    /brand/{cid}/{sha256}.png                      an image as the server re-encoded it: public (the big
                                                      screen shows it), addressed by its content hash, so it is
                                                      cached for a year ("immutable"); a new logo is a new URL

Organizer only (Bearer key, or the console cookie + X-CSRF-Token), except the images.  An upload larger than
the limit is refused from its Content-Length, before its body is read (and the body limit of
:mod:`judging.web.security` stops one that sends more than it said).  What it does not do: decide or decode
anything (:mod:`judging.app.brand`, :mod:`judging.inputs.brand_image`).
"""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from judging.app.brand import brand_of
from judging.app.runtime import Runtime
from judging.inputs.brand_image import MAX_BYTES
from judging.web.api import api, body_json, json_error, svc
from judging.web.deps import client_of, require_organizer

_SHA = re.compile(r"[0-9a-f]{64}")
TOO_LARGE = (f"图片太大：最大 {MAX_BYTES / 1e6:g} MB，请压缩后再上传 / the image is larger than "
             f"{MAX_BYTES / 1e6:g} MB: make it smaller and upload it again")


def _json(rt: Runtime) -> JSONResponse:
    return JSONResponse({"brand": brand_of(rt).to_json(rt.contest.id)})


class _TooLarge(Exception):
    pass


async def _image_body(request: Request) -> bytes:
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_BYTES:
        raise _TooLarge()  # refused before a byte of the body is read
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > MAX_BYTES:
            raise _TooLarge()
    return bytes(data)


def _upload(handler):
    @api
    async def wrapper(request: Request) -> Response:
        try:
            return await handler(request)
        except _TooLarge:
            return json_error(413, TOO_LARGE, {"file": "too large"})
    wrapper.__name__ = handler.__name__
    return wrapper


@api
async def get_brand(request: Request) -> Response:
    await require_organizer(request)
    return _json(svc(request).get(request.path_params["cid"]))


@api
async def patch_brand(request: Request) -> Response:
    actor = await require_organizer(request)
    rt = await svc(request).set_brand(request.path_params["cid"], await body_json(request), actor, client_of(request))
    return _json(rt)


@_upload
async def put_logo(request: Request) -> Response:
    actor = await require_organizer(request)
    svc(request).get(request.path_params["cid"])  # an unknown contest: 404 before the upload is read
    rt = await svc(request).set_logo(request.path_params["cid"], await _image_body(request), actor, client_of(request))
    return _json(rt)


@api
async def delete_logo(request: Request) -> Response:
    actor = await require_organizer(request)
    return _json(await svc(request).remove_logo(request.path_params["cid"], actor, client_of(request)))


@_upload
async def add_sponsor(request: Request) -> Response:
    actor = await require_organizer(request)
    svc(request).get(request.path_params["cid"])
    rt = await svc(request).add_sponsor_logo(request.path_params["cid"], await _image_body(request), actor,
                                             client_of(request))
    return _json(rt)


@api
async def delete_sponsor(request: Request) -> Response:
    actor = await require_organizer(request)
    rt = await svc(request).remove_sponsor_logo(request.path_params["cid"], request.path_params["sha"], actor,
                                                client_of(request))
    return _json(rt)


async def image(request: Request) -> Response:
    """The PNG the server made; 404 for an address that is not one of the contest's images now."""
    rt = svc(request).runtimes.get(request.path_params["cid"])
    sha = request.path_params["sha"]
    found = None
    if rt is not None and _SHA.fullmatch(sha):
        b = brand_of(rt)
        found = next((im for im in ([b.logo] if b.logo else []) + list(b.sponsors) if im.sha256 == sha), None)
    if found is None:
        return Response("没有这个图片 / no such image", status_code=404, media_type="text/plain; charset=utf-8")
    etag = f'"{sha}"'
    headers = {"cache-control": "public, max-age=31536000, immutable", "etag": etag,
               "content-disposition": "inline", "cross-origin-resource-policy": "same-origin"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(found.png, media_type="image/png", headers=headers)


def routes() -> list[Route]:
    return [
        Route("/api/contests/{cid}/brand", get_brand, methods=["GET"]),
        Route("/api/contests/{cid}/brand", patch_brand, methods=["PATCH"]),
        Route("/api/contests/{cid}/brand/logo", put_logo, methods=["PUT"]),
        Route("/api/contests/{cid}/brand/logo", delete_logo, methods=["DELETE"]),
        Route("/api/contests/{cid}/brand/sponsors", add_sponsor, methods=["POST"]),
        Route("/api/contests/{cid}/brand/sponsors/{sha}", delete_sponsor, methods=["DELETE"]),
        Route("/brand/{cid}/{sha}.png", image, methods=["GET"]),
    ]
