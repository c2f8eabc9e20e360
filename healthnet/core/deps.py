"""Annotated dependencies every route uses: one session (one transaction) per request."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

import anyio
import anyio.to_thread
from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from healthnet.core.db import transaction
from healthnet.core.errors import Forbidden
from healthnet.core.rbac.actor import Actor

__all__ = ["Actor", "CurrentActor", "SessionDep", "require"]

SESSION_COOKIE = "hn_session"


# Sync routes and the commit after them run on AnyIO's worker threads (40 by default). If every
# thread held a request waiting for a lock (the audit chain head, SQLite's write lock) while the
# request holding that lock waited for a thread to commit on, the process would hang: measured
# at 300 users in bench/records_load.py. So fewer transactions may be open at once than there
# are threads, and the spare threads are always there for commits.
SPARE_THREADS = 8
_open_transactions: anyio.Semaphore | None = None


def _transaction_slots() -> anyio.Semaphore:
    global _open_transactions
    if _open_transactions is None:
        threads = int(anyio.to_thread.current_default_thread_limiter().total_tokens)
        _open_transactions = anyio.Semaphore(max(1, threads - SPARE_THREADS))
    return _open_transactions


async def get_session() -> AsyncIterator[Session]:
    # scope="function": the commit happens before the response is sent, so a client never
    # sees success for work that was not stored. The commit appends the request's queued audit
    # records (core.audit.service): the chain head is locked and released in this one thread
    # call.
    async with _transaction_slots():
        cm = transaction()
        session = cm.__enter__()  # a Session object only: no I/O, so no thread hop
        try:
            yield session
        except BaseException as exc:
            await run_in_threadpool(cm.__exit__, type(exc), exc, exc.__traceback__)
            raise
        await run_in_threadpool(cm.__exit__, None, None, None)


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.cookies.get(SESSION_COOKIE)


def get_current_actor(request: Request, session: SessionDep) -> Actor:
    # Bearer header or browser cookie (with its CSRF check): healthnet.core.auth.http.
    from healthnet.core.auth.http import authenticate

    actor = authenticate(request=request, session=session)
    request.state.actor = actor
    return actor


CurrentActor = Annotated[Actor, Depends(get_current_actor)]


def require(permission: str) -> Callable[[Actor], Awaitable[Actor]]:
    """Dependency factory: the caller must hold ``permission`` (403 otherwise)."""

    async def _check(actor: CurrentActor) -> Actor:  # no I/O: on the event loop, no thread
        if not actor.can(permission):
            raise Forbidden()
        return actor

    _check.__name__ = f"require_{permission.replace(':', '_')}"
    return _check
