"""Domain errors and their one HTTP shape: problem+json with a stable code and Chinese text.

Business code raises these; it never raises HTTP errors. The app maps them in
:func:`install_handlers`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from healthnet.core import messages as _core_messages  # noqa: F401  (registers the catalogue)
from healthnet.core.i18n import has, t

log = logging.getLogger("healthnet.errors")
PROBLEM_JSON = "application/problem+json"


@dataclass(frozen=True)
class FieldError:
    field: str
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message}


class DomainError(Exception):
    status = 400
    default_code = "bad_request"

    def __init__(
        self,
        code: str | None = None,
        *,
        errors: list[FieldError] | None = None,
        **params: Any,
    ) -> None:
        self.code = code or self.default_code
        self.params = params
        self.errors = errors or []
        super().__init__(self.code)

    @property
    def detail(self) -> str:
        return t(self.code, **self.params)


class NotFound(DomainError):
    status = 404
    default_code = "not_found"


class Conflict(DomainError):
    status = 409
    default_code = "conflict"


class Forbidden(DomainError):
    status = 403
    default_code = "forbidden"


class Unauthenticated(DomainError):
    status = 401
    default_code = "unauthenticated"


class RuleViolation(DomainError):
    """A business rule said no (e.g. ``vaccines.slot_full``)."""

    status = 422
    default_code = "rule_violation"


class ValidationFailed(DomainError):
    """Input is wrong; ``errors`` names each field."""

    status = 422
    default_code = "validation_failed"

    @classmethod
    def field(cls, field: str, code: str, **params: Any) -> ValidationFailed:
        return cls(errors=[FieldError(field, code, t(code, **params))])


class ServiceUnavailable(DomainError):
    status = 503
    default_code = "service_unavailable"


def problem(
    status: int,
    code: str,
    detail: str,
    request: Request | None = None,
    errors: list[dict[str, str]] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"urn:healthnet:problem:{code}",
        "title": code,
        "status": status,
        "code": code,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    rid = getattr(request.state, "request_id", None) if request is not None else None
    if rid:
        body["requestId"] = rid
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def _loc_to_field(loc: tuple[Any, ...]) -> str:
    parts = [p for p in loc if p not in ("body", "query", "path", "header")]
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + str(p)
    return out or "body"


def pydantic_errors(errs: list[Any]) -> list[FieldError]:
    """Turn pydantic error dicts into field errors with Chinese messages."""
    result: list[FieldError] = []
    for e in errs:
        etype = str(e.get("type", "invalid"))
        ctx = dict(e.get("ctx") or {})
        if has(etype):  # our own PydanticCustomError codes, e.g. patients.id_number_invalid
            code, msg = etype, t(etype, **ctx)
        elif has(f"field.{etype}"):
            if "error" in ctx:
                ctx["error"] = str(ctx["error"]).removeprefix("Value error, ")
            code, msg = f"field.{etype}", t(f"field.{etype}", **ctx)
        else:
            code, msg = "field.invalid", t("field.invalid")
        result.append(FieldError(_loc_to_field(tuple(e.get("loc", ()))), code, msg))
    return result


def _validation_response(request: Request, errs: list[FieldError]) -> JSONResponse:
    if any(e.code == "field.json_invalid" for e in errs):
        return problem(400, "malformed_json", t("malformed_json"), request)
    summary = "；".join(f"{e.field}：{e.message}" for e in errs[:5])
    detail = f"{t('validation_failed')}（{summary}）"
    return problem(422, "validation_failed", detail, request, [e.as_dict() for e in errs])


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        if isinstance(exc, ValidationFailed) or exc.errors:
            if exc.code == "validation_failed":
                return _validation_response(request, exc.errors)
            errs = [e.as_dict() for e in exc.errors]
            return problem(exc.status, exc.code, exc.detail, request, errs)
        return problem(exc.status, exc.code, exc.detail, request)

    @app.exception_handler(RequestValidationError)
    async def _request_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _validation_response(request, pydantic_errors(list(exc.errors())))

    @app.exception_handler(ValidationError)
    async def _validation(request: Request, exc: ValidationError) -> JSONResponse:
        return _validation_response(request, pydantic_errors(list(exc.errors())))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {
            404: "route_not_found",
            405: "method_not_allowed",
            401: "unauthenticated",
            403: "forbidden",
            413: "body_too_large",
        }.get(exc.status_code, "bad_request")
        detail = t(code) if has(code) else str(exc.detail)
        return problem(exc.status_code, code, detail, request)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        rid = getattr(request.state, "request_id", "-")
        log.exception("unhandled error", extra={"request_id": rid})
        return problem(500, "internal_error", t("internal_error", request_id=rid), request)
