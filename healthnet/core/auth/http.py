"""HTTP side of sessions: who the request is, cookies for browsers, CSRF for cookie requests."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import Request, Response
from sqlalchemy.orm import Session

from healthnet.config import get_settings
from healthnet.core.auth import sessions
from healthnet.core.auth.login_flow import Client
from healthnet.core.errors import Unauthenticated

if TYPE_CHECKING:
    from healthnet.core.auth.service import Actor


def client_of(request: Request) -> Client:
    # request.client is the peer after uvicorn's proxy-header handling (trusted proxies only).
    creds = sessions.credentials(request.headers, request.cookies)
    return Client(
        ip=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"),
        request_id=getattr(request.state, "request_id", None),
        previous_token=creds.token if creds.from_cookie else None,
    )


def request_token(request: Request) -> str | None:
    return sessions.credentials(request.headers, request.cookies).token


def authenticate(*, request: Request, session: Session) -> Actor:
    """The actor of a request's session token (bearer header or browser cookie); 401 without
    a live session, 403 for a cookie-authenticated unsafe request without its CSRF token."""
    creds = sessions.credentials(request.headers, request.cookies)
    if not creds.token:
        raise Unauthenticated()
    actor = sessions.resolve_token(session=session, token=creds.token)
    if creds.from_cookie:
        sessions.check_csrf(
            method=request.method,
            token=creds.token,
            header_value=request.headers.get(sessions.CSRF_HEADER),
        )
    return actor


def set_session_cookies(response: Response, token: str) -> str:
    """HttpOnly session cookie plus the readable CSRF cookie; returns the CSRF token."""
    secure = get_settings().environment == "production"
    max_age = int(sessions.absolute_lifetime().total_seconds())
    csrf = sessions.csrf_token_for(token)
    # __Host- cookies must be Secure, Path=/ and carry no Domain (RFC 6265bis §4.1.3.2).
    response.set_cookie(
        sessions.session_cookie_name(),
        token,
        max_age=max_age,
        path="/",
        secure=secure,
        httponly=True,
        samesite="lax",
    )
    response.set_cookie(
        sessions.csrf_cookie_name(),
        csrf,
        max_age=max_age,
        path="/",
        secure=secure,
        httponly=False,
        samesite="lax",
    )
    return csrf


def clear_session_cookies(response: Response) -> None:
    secure = get_settings().environment == "production"
    for name, http_only in (
        (sessions.session_cookie_name(), True),
        (sessions.csrf_cookie_name(), False),
    ):
        response.delete_cookie(name, path="/", secure=secure, httponly=http_only, samesite="lax")
