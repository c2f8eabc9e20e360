"""Where a request came from (client IP, user agent, request id), for the audit record.

Routes take ``ctx: AuditContextDep`` and pass it as ``request=ctx``; middleware or jobs may
instead bind a context for the current task with :func:`bind_context`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from healthnet.core.logging import request_id_var


@dataclass(frozen=True)
class AuditContext:
    client_ip: str | None = None
    user_agent: str | None = None
    request_id: str | None = None


audit_context_var: ContextVar[AuditContext | None] = ContextVar("audit_context", default=None)


@contextmanager
def bind_context(ctx: AuditContext) -> Iterator[AuditContext]:
    token = audit_context_var.set(ctx)
    try:
        yield ctx
    finally:
        audit_context_var.reset(token)


def current_context() -> AuditContext:
    """The bound context, else just the request id the platform middleware set (or none)."""
    ctx = audit_context_var.get()
    if ctx is not None:
        return ctx
    rid = request_id_var.get()
    return AuditContext(request_id=None if rid == "-" else rid)


async def context_from_request(request: Request) -> AuditContext:
    # async: no I/O, so FastAPI runs it on the event loop instead of a worker thread.
    # request.client is the peer after uvicorn's proxy-header handling (trusted proxies only).
    return AuditContext(
        client_ip=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"),
        request_id=getattr(request.state, "request_id", None),
    )


AuditContextDep = Annotated[AuditContext, Depends(context_from_request)]
