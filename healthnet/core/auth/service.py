"""Accounts and sessions. Passwords and token hashes go through core.crypto."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from healthnet.core.auth import messages as _messages  # noqa: F401
from healthnet.core.auth.models import LoginSession, Role, User
from healthnet.core.crypto import sm3
from healthnet.core.crypto.passwords import hash_password, verify_password
from healthnet.core.db import utcnow
from healthnet.core.errors import Conflict, NotFound, Unauthenticated, ValidationFailed

IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_LIFETIME = timedelta(hours=12)

BUILTIN_ROLES = {
    # code: (name, permissions, data scope). The identity issue splits these per 三员分立.
    "city_admin": ("市级管理员", ["*"], "city"),
}


@dataclass(frozen=True)
class Actor:
    """Who is calling: resolved once per request from the session token."""

    user_id: str
    username: str
    institution_id: str | None
    district_code: str | None
    permissions: frozenset[str]

    def can(self, permission: str) -> bool:
        return "*" in self.permissions or permission in self.permissions


SYSTEM_ACTOR = Actor("system", "system", None, None, frozenset({"*"}))


def check_password_policy(password: str, username: str) -> None:
    classes = sum(bool(re.search(p, password)) for p in (r"[a-z]", r"[A-Z]", r"\d", r"[^\w]|_"))
    if len(password) < 8 or classes < 3 or password.lower() == username.lower():
        raise ValidationFailed.field("password", "auth.password_weak")


def _token_hash(token: str) -> str:
    return sm3(token.encode()).hex()


def ensure_builtin_roles(*, session: Session) -> None:
    existing = set(session.scalars(select(Role.code)))
    for code, (name, perms, scope) in BUILTIN_ROLES.items():
        if code not in existing:
            session.add(Role(code=code, name=name, permissions=perms, data_scope=scope,
                             builtin=True))
    session.flush()


def create_user(
    *,
    session: Session,
    username: str,
    display_name: str,
    password: str,
    institution_id: str | None = None,
    role_codes: list[str] | None = None,
    must_change_password: bool = True,
) -> User:
    check_password_policy(password, username)
    if session.scalar(select(User.id).where(User.username == username)):
        raise Conflict("auth.username_taken")
    roles = list(session.scalars(select(Role).where(Role.code.in_(role_codes or []))))
    if len(roles) != len(set(role_codes or [])):
        raise ValidationFailed.field("roleCodes", "field.invalid")
    user = User(
        username=username,
        display_name=display_name,
        password_hash=hash_password(password),
        institution_id=institution_id,
        must_change_password=must_change_password,
        roles=roles,
    )
    session.add(user)
    session.flush()
    return user


def login(*, session: Session, username: str, password: str) -> tuple[str, LoginSession, User]:
    user = session.scalar(select(User).where(User.username == username))
    # Unknown users cost the same KDF work as wrong passwords: the answer and its timing match.
    stored = user.password_hash if user else hash_password("timing-equaliser")
    if not verify_password(password, stored) or user is None or not user.is_active:
        raise Unauthenticated("auth.invalid_credentials")
    token = secrets.token_urlsafe(32)
    now = utcnow()
    row = LoginSession(token_hash=_token_hash(token), user_id=user.id, created_at=now,
                       last_seen_at=now, expires_at=now + ABSOLUTE_LIFETIME)
    session.add(row)
    session.flush()
    return token, row, user


def resolve_token(*, session: Session, token: str) -> Actor:
    row = session.get(LoginSession, _token_hash(token))
    now = utcnow()
    if row is None or row.revoked or row.expires_at <= now or row.last_seen_at + IDLE_TIMEOUT <= now:
        raise Unauthenticated("auth.session_expired")
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise Unauthenticated("auth.session_expired")
    if now - row.last_seen_at > timedelta(minutes=1):  # avoid a write on every request
        row.last_seen_at = now
    return actor_for(session=session, user=user)


def actor_for(*, session: Session, user: User) -> Actor:
    from healthnet.core.orgs.service import district_of_institution

    perms: set[str] = set()
    for role in user.roles:
        perms.update(str(p) for p in role.permissions)
    district = (district_of_institution(session=session, institution_id=user.institution_id)
                if user.institution_id else None)
    return Actor(user.id, user.username, user.institution_id, district, frozenset(perms))


def logout(*, session: Session, token: str) -> None:
    row = session.get(LoginSession, _token_hash(token))
    if row is not None:
        row.revoked = True
        session.flush()


def get_user(*, session: Session, user_id: str) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("auth.user_not_found")
    return user


def has_users(*, session: Session) -> bool:
    return session.scalar(select(User.id).limit(1)) is not None


def generate_initial_password() -> str:
    # Four classes guaranteed, 16 characters from a CSPRNG: no fixed default credential exists.
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
    core = "".join(secrets.choice(alphabet) for _ in range(13))
    return core + secrets.choice("ABCDEFGHJKLMN") + secrets.choice("23456789") + "#"


def user_read(user: User) -> dict[str, object]:
    return {
        "id": user.id, "username": user.username, "display_name": user.display_name,
        "institution_id": user.institution_id, "is_active": user.is_active,
        "must_change_password": user.must_change_password,
        "role_codes": [r.code for r in user.roles],
    }


def session_expiry(row: LoginSession) -> datetime:
    return min(row.expires_at, row.last_seen_at + IDLE_TIMEOUT)
