"""Annotated dependencies every route uses: one session (one transaction) per request."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from healthnet.core.db import transaction
from healthnet.core.errors import Forbidden
from healthnet.core.rbac.actor import Actor

__all__ = ["Actor", "CurrentActor", "SessionDep", "require"]

SESSION_COOKIE = "hn_session"


def get_session() -> Iterator[Session]:
    # scope="function": the commit happens before the response is sent, so a client never
    # sees success for work that was not stored.
    with transaction() as session:
        yield session


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


def require(permission: str) -> Callable[[Actor], Actor]:
    """Dependency factory: the caller must hold ``permission`` (403 otherwise)."""

    def _check(actor: CurrentActor) -> Actor:
        if not actor.can(permission):
            raise Forbidden()
        return actor

    _check.__name__ = f"require_{permission.replace(':', '_')}"
    return _check
