"""Server-side sessions: open, resolve, expire, revoke; cookies and CSRF for browsers.

Tokens are 256-bit random values (``secrets.token_urlsafe(32)``); only their SM3 hash is stored,
so a copy of the database cannot be replayed. Every login opens a new session with a new token
(no fixation). Idle and absolute limits come from Settings (policy: 30 min / 12 h).

Browsers get the token in an HttpOnly cookie (``__Host-`` prefix and Secure in production) plus a
readable CSRF cookie whose value is an HMAC-SM3 of the token; unsafe cookie-authenticated requests
must echo it in ``X-CSRF-Token`` (OWASP "signed double-submit cookie"). Bearer requests are exempt:
a browser never attaches an Authorization header on its own.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from healthnet.config import get_settings
from healthnet.core import generations
from healthnet.core.auth import actor_cache
from healthnet.core.auth.models import LoginSession, User
from healthnet.core.crypto import hmac_sm3, sm3
from healthnet.core.db import utcnow
from healthnet.core.errors import Forbidden, NotFound, Unauthenticated

if TYPE_CHECKING:
    from healthnet.core.auth.service import Actor

CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Writing last_seen_at on every request would turn reads into writes; one minute is far below
# the idle limit.
TOUCH_INTERVAL = timedelta(minutes=1)


def token_hash(token: str) -> str:
    return sm3(token.encode()).hex()


def idle_timeout() -> timedelta:
    return timedelta(minutes=get_settings().session_idle_minutes)


def absolute_lifetime() -> timedelta:
    return timedelta(hours=get_settings().session_absolute_hours)


def session_cookie_name() -> str:
    return "__Host-hn_session" if get_settings().environment == "production" else "hn_session"


def csrf_cookie_name() -> str:
    return "__Host-hn_csrf" if get_settings().environment == "production" else "hn_csrf"


def csrf_token_for(token: str) -> str:
    # Bound to the session: an attacker who can plant a cookie still cannot compute this.
    return hmac_sm3(token.encode(), b"healthnet/v1/csrf").hex()


def open_session(
    *,
    session: Session,
    user: User,
    method: str,
    delivery: str = "bearer",
    client_ip: str | None = None,
    user_agent: str | None = None,
    now: datetime | None = None,
) -> tuple[str, LoginSession]:
    """A new session for ``user`` after every factor was checked; returns (token, row)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    row = LoginSession(
        token_hash=token_hash(token),
        user_id=user.id,
        created_at=now,
        last_seen_at=now,
        expires_at=now + absolute_lifetime(),
        client_ip=(client_ip or None) and client_ip[:45],
        user_agent=(user_agent or None) and user_agent[:255],
        auth_method=method,
        delivery=delivery,
    )
    session.add(row)
    user.last_login_at = now
    session.flush()
    return token, row


def session_expiry(row: LoginSession) -> datetime:
    return min(row.expires_at, row.last_seen_at + idle_timeout())


@lru_cache(maxsize=1)
def _live_row_stmt() -> Any:
    # Built once: every authenticated request runs it. Columns, not the ORM object: only these
    # are needed, and a request rarely writes the row.
    s = LoginSession
    return select(
        s.user_id,
        s.revoked,
        s.expires_at,
        s.last_seen_at,
        generations.column(actor_cache.GENERATION).label("generation"),
    ).where(s.token_hash == bindparam("hashed"))


def resolve_token(*, session: Session, token: str, now: datetime | None = None) -> Actor:
    """The actor behind a session token (401 if unknown, revoked, idle or too old).

    The session row is read every time (with the access generation, one statement); the Actor
    built from the account and its roles is reused while none of those rows changed
    (:mod:`healthnet.core.auth.actor_cache`)."""
    from healthnet.core.auth.service import actor_for

    now = now or utcnow()
    hashed = token_hash(token)
    row = session.execute(_live_row_stmt(), {"hashed": hashed}).one_or_none()
    if (
        row is None
        or row.revoked
        or row.expires_at <= now
        or (row.last_seen_at + idle_timeout() <= now)
    ):
        raise Unauthenticated("auth.session_expired")
    generation = int(row.generation)
    actor = actor_cache.get(hashed, row.user_id, generation)
    if actor is None:
        built_at = actor_cache.local_generation()
        user = session.get(User, row.user_id)
        if user is None or not user.is_active:
            raise Unauthenticated("auth.session_expired")
        actor = actor_for(session=session, user=user)
        if not generations.pending(session, actor_cache.GENERATION):
            actor_cache.put(hashed, actor, generation, built_at)
    if now - row.last_seen_at > TOUCH_INTERVAL:
        touched = session.get(LoginSession, hashed)  # at most once a minute per session
        if touched is not None:
            touched.last_seen_at = now
    return actor


@dataclass(frozen=True)
class RequestCredentials:
    token: str | None
    from_cookie: bool


def credentials(headers: dict[str, str] | object, cookies: dict[str, str]) -> RequestCredentials:
    """The session token of a request: ``Authorization: Bearer`` first, else the cookie."""
    get = getattr(headers, "get", None)
    header = str(get("authorization", "") if get else "")
    if header.lower().startswith("bearer "):
        return RequestCredentials(header[7:].strip() or None, False)
    token = cookies.get(session_cookie_name())
    return RequestCredentials(token or None, token is not None)


def check_csrf(*, method: str, token: str, header_value: str | None) -> None:
    """Cookie-authenticated unsafe requests must carry the session's CSRF token."""
    if method.upper() in SAFE_METHODS:
        return
    expected = csrf_token_for(token)
    if not header_value or not hmac.compare_digest(expected, header_value.strip()):
        raise Forbidden("auth.csrf_failed")


def end_single_sign_on(*, session: Session, session_token_hashes: list[str]) -> None:
    """Revoke the OIDC tokens other subsystems hold under these login sessions (single logout)."""
    from healthnet.core.oidc import service as oidc

    if session_token_hashes:
        oidc.revoke_session_tokens(
            session=session, sids=[oidc.sid_of_session_hash(h) for h in session_token_hashes]
        )


def logout(*, session: Session, token: str, now: datetime | None = None) -> LoginSession | None:
    row = session.get(LoginSession, token_hash(token))
    if row is not None and not row.revoked:
        row.revoked, row.revoked_at, row.revoked_reason = True, now or utcnow(), "logout"
        session.flush()
        actor_cache.forget(row.token_hash)
        end_single_sign_on(session=session, session_token_hashes=[row.token_hash])
    return row


def active_sessions_query(now: datetime) -> object:
    """Sessions that still work: not revoked, not past the absolute or the idle limit."""
    return (
        select(LoginSession, User)
        .join(User, User.id == LoginSession.user_id)
        .where(
            LoginSession.revoked.is_(False),
            LoginSession.expires_at > now,
            LoginSession.last_seen_at > now - idle_timeout(),
            User.is_active.is_(True),
        )
    )


def count_active(*, session: Session, now: datetime | None = None) -> int:
    now = now or utcnow()
    return int(
        session.scalar(
            select(func.count())
            .select_from(LoginSession)
            .where(
                LoginSession.revoked.is_(False),
                LoginSession.expires_at > now,
                LoginSession.last_seen_at > now - idle_timeout(),
            )
        )
        or 0
    )


def get_session_row(*, session: Session, session_id: str) -> LoginSession:
    row = session.scalar(select(LoginSession).where(LoginSession.id == session_id))
    if row is None:
        raise NotFound("auth.session_not_found")
    return row


def force_logout(*, session: Session, row: LoginSession, now: datetime | None = None) -> None:
    if row.revoked:
        raise NotFound("auth.session_not_found")
    row.revoked, row.revoked_at, row.revoked_reason = True, now or utcnow(), "forced"
    session.flush()
    actor_cache.forget(row.token_hash)
    end_single_sign_on(session=session, session_token_hashes=[row.token_hash])
