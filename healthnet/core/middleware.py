"""ASGI middleware: request id, access log, body size limit, content type, security headers."""

from __future__ import annotations

import json
import logging
import secrets
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from healthnet.core.i18n import t
from healthnet.core.logging import request_id_var

log = logging.getLogger("healthnet.access")

ALLOWED_BODY_TYPES = (
    "application/json",
    "application/fhir+json",
    "application/merge-patch+json",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "multipart/related",
    "text/csv",
    "application/dicom",
    "application/octet-stream",
)
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
        b"object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    ),
]
# The web console's HTML pages (healthnet.core.webui) send this one instead: the built SPA loads
# only its own scripts; Element Plus sets inline styles; ECharts and uploads use data:/blob:
# images; icon fonts may be inlined as data: URLs. A response's own CSP header wins over the
# default above.
SPA_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


class _TooLarge(Exception):
    pass


async def _send_problem(send: Send, status: int, code: str, detail: str, rid: str) -> None:
    body = json.dumps(
        {
            "type": f"urn:healthnet:problem:{code}",
            "title": code,
            "status": status,
            "code": code,
            "detail": detail,
            "requestId": rid,
        },
        ensure_ascii=False,
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
                (b"x-request-id", rid.encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class PlatformMiddleware:
    def __init__(self, app: ASGIApp, *, max_body: int, hsts: bool = False) -> None:
        self.app = app
        self.max_body = max_body
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        rid = headers.get("x-request-id", "")
        if not (0 < len(rid) <= 64 and rid.replace("-", "").isalnum()):
            rid = secrets.token_hex(8)
        token = request_id_var.set(rid)
        scope.setdefault("state", {})["request_id"] = rid
        start = time.perf_counter()
        status_holder = {"status": 500}
        try:
            method = scope["method"]
            if method in ("POST", "PUT", "PATCH"):
                length = headers.get("content-length")
                if length is not None and length.isdigit() and int(length) > self.max_body:
                    await _send_problem(
                        send, 413, "body_too_large", t("body_too_large", limit=self.max_body), rid
                    )
                    status_holder["status"] = 413
                    return
                ctype = headers.get("content-type", "").split(";")[0].strip().lower()
                has_body = length not in (None, "0") or "transfer-encoding" in headers
                if has_body and ctype not in ALLOWED_BODY_TYPES:
                    await _send_problem(
                        send,
                        415,
                        "unsupported_media_type",
                        t("unsupported_media_type", content_type=ctype or "无"),
                        rid,
                    )
                    status_holder["status"] = 415
                    return

            received = 0

            async def limited_receive() -> Message:
                nonlocal received
                message = await receive()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > self.max_body:
                        raise _TooLarge
                return message

            started = False

            async def send_wrapper(message: Message) -> None:
                nonlocal started
                if message["type"] == "http.response.start":
                    started = True
                    status_holder["status"] = message["status"]
                    extra: list[tuple[bytes, bytes]] = [(b"x-request-id", rid.encode())]
                    existing = {k.lower() for k, _ in message.get("headers", [])}
                    extra += [h for h in SECURITY_HEADERS if h[0] not in existing]
                    if self.hsts:
                        extra.append(
                            (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
                        )
                    message["headers"] = list(message.get("headers", [])) + extra
                await send(message)

            try:
                await self.app(scope, limited_receive, send_wrapper)
            except _TooLarge:
                status_holder["status"] = 413
                if not started:
                    await _send_problem(
                        send, 413, "body_too_large", t("body_too_large", limit=self.max_body), rid
                    )
        finally:
            extra_log: dict[str, Any] = {
                "method": scope["method"],
                "path": scope["path"],  # path only: query strings may hold identifiers
                "status": status_holder["status"],
                "duration_ms": round((time.perf_counter() - start) * 1000, 1),
            }
            log.info("request", extra=extra_log)
            request_id_var.reset(token)
