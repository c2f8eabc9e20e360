"""OperationOutcome: how every FHIR error answers (FHIR R4 §3.1.0.4), with Chinese diagnostics.

Routes and the bundle processor raise :class:`FhirError`; the router's route class
(:class:`FhirRoute`) also turns the platform's own errors (401/403 from the token check, 404,
validation) into OperationOutcome, and anything unexpected into a 500 outcome without details.
A failed request's transaction is rolled back before the outcome is sent.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from healthnet.core.errors import DomainError
from healthnet.core.i18n import t
from healthnet.modules.records import messages as _messages  # noqa: F401  (catalogue)

log = logging.getLogger("healthnet.records.fhir")
FHIR_JSON = "application/fhir+json"

# DomainError status → OperationOutcome issue code (FHIR value set issue-type).
_ISSUE_CODE = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    409: "conflict",
    422: "processing",
    503: "transient",
}


@dataclass
class Issue:
    code: str  # FHIR issue-type: invalid, required, value, not-supported, not-found, ...
    diagnostics: str
    expression: list[str] = field(default_factory=list)
    severity: str = "error"

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "severity": self.severity,
            "code": self.code,
            "diagnostics": self.diagnostics,
        }
        if self.expression:
            out["expression"] = self.expression
        return out


def issue(code: str, message_code: str, *expression: str, **params: Any) -> Issue:
    return Issue(code, t(message_code, **params), list(expression))


class FhirError(Exception):
    """A FHIR request that fails as a whole: answered with an OperationOutcome.

    Raise it only when the request has written nothing that must be undone (before writing, or
    after rolling back a savepoint): it is answered inside the request's transaction, which then
    commits. Any other exception rolls the transaction back."""

    def __init__(self, status: int, issues: list[Issue]) -> None:
        self.status = status
        self.issues = issues
        super().__init__(issues[0].diagnostics if issues else "fhir error")


def outcome(issues: list[Issue]) -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "issue": [i.as_dict() for i in issues]}


def fhir_response(body: dict[str, Any], status: int = 200, **headers: str) -> JSONResponse:
    return JSONResponse(body, status_code=status, media_type=FHIR_JSON, headers=headers or None)


def error_response(status: int, issues: list[Issue]) -> JSONResponse:
    return fhir_response(outcome(issues), status)


def domain_issues(exc: DomainError) -> list[Issue]:
    code = _ISSUE_CODE.get(exc.status, "processing")
    if exc.errors:
        return [Issue(code, e.message, [e.field]) for e in exc.errors]
    return [Issue(code, exc.detail)]


class FhirRoute(APIRoute):
    """Every answer of a FHIR route that is an error is an OperationOutcome with
    ``application/fhir+json`` — including its dependencies' (token, scope).

    :class:`FhirError` is answered by the route handler. The platform's own errors (and any
    unexpected exception, after its transaction was rolled back) come out as problem+json
    responses; the route's ``handle`` rewrites those into OperationOutcome on their way out.
    """

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await _outcome_app(super().handle)(scope, receive, send)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await original(request)
            except FhirError as exc:
                # Raised only with nothing left to roll back (see FhirError).
                return error_response(exc.status, exc.issues)

        return handler


def _problem_to_outcome(status: int, body: bytes) -> bytes:
    try:
        problem = json.loads(body)
    except ValueError:
        problem = {}
    code = _ISSUE_CODE.get(status, "exception" if status >= 500 else "processing")
    errors = problem.get("errors") or []
    if errors:
        issues = [
            Issue(code, f"{e.get('field')}：{e.get('message')}", [str(e.get("field"))])
            for e in errors
        ]
    else:
        issues = [Issue(code, str(problem.get("detail") or problem.get("code") or status))]
    return json.dumps(outcome(issues), ensure_ascii=False).encode()


def _outcome_app(inner: ASGIApp) -> ASGIApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        started = False
        held: Message | None = None
        chunks: list[bytes] = []

        async def send_wrapper(message: Message) -> None:
            nonlocal started, held
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers") or [])
                ctype = headers.get(b"content-type", b"").decode().split(";")[0]
                if ctype == "application/problem+json":
                    held = message
                    return
                started = True
                await send(message)
                return
            if message["type"] == "http.response.body" and held is not None:
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                status = int(held["status"])
                body = _problem_to_outcome(status, b"".join(chunks))
                out = [
                    (k, v)
                    for k, v in held.get("headers") or []
                    if k not in (b"content-type", b"content-length", b"www-authenticate")
                ]
                out += [
                    (b"content-type", FHIR_JSON.encode()),
                    (b"content-length", str(len(body)).encode()),
                ]
                if status == 401:
                    out.append((b"www-authenticate", b'Bearer realm="fhir"'))
                started = True
                await send({"type": "http.response.start", "status": status, "headers": out})
                await send({"type": "http.response.body", "body": body})
                return
            await send(message)

        await inner(scope, receive, send_wrapper)

    return app
