"""Serving ``web/dist``: hashed assets cached for a year, pages revalidated on every load.

The Vite build writes ``index.html`` (staff console), ``h5.html`` (resident H5 pages), hashed
files under ``assets/`` and precompressed ``.br`` / ``.gz`` siblings. Only these static files
are compressed; API responses stay uncompressed (BREACH: compressing secrets next to
attacker-influenced text leaks them through the length).
"""

from __future__ import annotations

import html
import mimetypes
from pathlib import Path

from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from healthnet.config import ROOT, get_settings
from healthnet.core.i18n import t
from healthnet.core.middleware import SPA_CSP
from healthnet.core.webui import messages as _messages  # noqa: F401  (registers the catalogue)

# First path segments that belong to the server, never to the SPA: unknown paths there are 404.
RESERVED = frozenset({"api", "fhir", "oidc", ".well-known", "healthz", "readyz", "dicomweb"})
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
# Preferred first. The build writes a sibling ``<file>.br`` / ``<file>.gz`` next to a file.
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))
# mimetypes depends on the host's tables; the types a Vite build produces are fixed here.
MEDIA_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".wasm": "application/wasm",
    ".webmanifest": "application/manifest+json",
    ".txt": "text/plain",
}


def dist_dir() -> Path:
    path = Path(get_settings().web_dist_dir)
    return path if path.is_absolute() else ROOT / path


def accepted_encodings(header: str) -> set[str]:
    """Codings the client accepts (RFC 9110 §12.5.3): listed with q > 0, or covered by ``*``."""
    named: dict[str, float] = {}
    for part in header.split(","):
        token, _, params = part.strip().partition(";")
        token = token.strip().lower()
        if not token:
            continue
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        named[token] = q
    wildcard = named.get("*", 0.0)
    return {enc for enc, _ in ENCODINGS if named.get(enc, wildcard) > 0}


def safe_file(root: Path, relative: str) -> Path | None:
    """The regular file ``relative`` (a URL path, '/'-separated) inside ``root``, or None.

    Refuses '.', '..', empty segments, backslashes and NUL before touching the disk, and then
    anything that resolves (through symbolic links, too) outside ``root``."""
    parts = relative.split("/")
    if any(p in ("", ".", "..") or "\\" in p or "\x00" in p for p in parts):
        return None
    base = root.resolve()
    try:
        candidate = base.joinpath(*parts).resolve()
    except (OSError, ValueError):
        return None
    if not candidate.is_relative_to(base) or not candidate.is_file():
        return None
    return candidate


def _media_type(path: Path) -> str:
    return MEDIA_TYPES.get(path.suffix.lower()) or (
        mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    )


def _etag_matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag in tags


def file_response(path: Path, request: Headers, cache_control: str) -> Response:
    """``path`` with its cache policy; its precompressed sibling when the client accepts it."""
    headers = {"cache-control": cache_control}
    if path.suffix.lower() == ".html":
        headers["content-security-policy"] = SPA_CSP
    siblings = [
        (enc, path.with_name(path.name + suffix))
        for enc, suffix in ENCODINGS
        if path.with_name(path.name + suffix).is_file()
    ]
    chosen = path
    if siblings:
        headers["vary"] = "Accept-Encoding"
        accepted = accepted_encodings(request.get("accept-encoding", ""))
        for enc, sibling in siblings:
            if enc in accepted:
                chosen = sibling
                headers["content-encoding"] = enc
                break
    response = FileResponse(
        chosen, media_type=_media_type(path), headers=headers, stat_result=chosen.stat()
    )
    etag = response.headers["etag"]
    if _etag_matches(request.get("if-none-match"), etag):
        kept = {k: v for k, v in headers.items() if k != "content-encoding"}
        return Response(status_code=304, headers={**kept, "etag": etag})
    return response


def not_built_page() -> HTMLResponse:
    title, body = t("webui.not_built.title"), t("webui.not_built.body")
    page = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head>"
        f"<body><h1>{html.escape(title)}</h1><p>{html.escape(body)}</p></body></html>"
    )
    return HTMLResponse(
        page,
        status_code=503,
        headers={"cache-control": "no-store", "content-security-policy": SPA_CSP},
    )


def respond(path: str, request: Headers) -> Response | None:
    """The answer for a GET of ``path`` that no route matched; None means 404."""
    root = dist_dir()
    relative = path.lstrip("/")
    if relative == "assets" or relative.startswith("assets/"):
        # Hashed names never change content: a missing one is a 404, not the SPA.
        asset = safe_file(root, relative)
        return file_response(asset, request, IMMUTABLE) if asset is not None else None
    if not (root / "index.html").is_file():
        return not_built_page()
    if relative:
        found = safe_file(root, relative)
        if found is not None:
            return file_response(found, request, REVALIDATE)
    page = root / "index.html"
    if (relative == "h5" or relative.startswith("h5/")) and (root / "h5.html").is_file():
        page = root / "h5.html"
    return file_response(page, request, REVALIDATE)


class WebUI:
    """The router's default: called only when no route matched the request at all."""

    def __init__(self, fallback: ASGIApp) -> None:
        self.fallback = fallback

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            path: str = scope["path"]
            root_path: str = scope.get("root_path", "")
            if root_path and path.startswith(root_path):  # behind a proxy prefix
                path = path[len(root_path) :]
            if path.lstrip("/").split("/", 1)[0] not in RESERVED:
                response = respond(path, Headers(scope=scope))
                if response is not None:
                    await response(scope, receive, send)
                    return
        await self.fallback(scope, receive, send)


def install(app: FastAPI) -> None:
    """Serve the web console for every request that no route of ``app`` matches."""
    app.router.default = WebUI(app.router.default)
