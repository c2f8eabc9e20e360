"""Accounts, login and sessions: the public API of the auth slice for other slices.

The login itself (password → forced change → second factor → session) lives in
:mod:`healthnet.core.auth.login_flow`; accounts and passwords in :mod:`.accounts`; sessions in
:mod:`.sessions`; TOTP and recovery codes in :mod:`.totp`; lockout and rate limits in
:mod:`.ratelimit`. This module re-exports what others call and holds the administrators'
operations (which write audit records).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from healthnet.config import get_settings
from healthnet.core.audit import service as audit
from healthnet.core.audit.context import AuditContext
from healthnet.core.auth import messages as _messages  # noqa: F401
from healthnet.core.auth import ratelimit, totp
from healthnet.core.auth.accounts import (
    admin_reset_password,
    change_password,
    check_password_policy,
    create_resident_account,
    create_user,
    find_login_user,
    generate_initial_password,
    get_user,
    has_users,
    password_expired,
    revoke_user_sessions,
    set_active,
    verify_or_burn,
)
from healthnet.core.auth.loginlog import page as _log_page
from healthnet.core.auth.loginlog import query as _log_query
from healthnet.core.auth.models import KIND_RESIDENT, LoginLog, LoginSession, User
from healthnet.core.auth.schemas import (
    LoginLogQuery,
    LoginLogRead,
    SessionRead,
    UserQuery,
    UserRead,
)
from healthnet.core.auth.sessions import (
    idle_timeout,
    logout,
    open_session,
    resolve_token,
    session_expiry,
    token_hash,
)
from healthnet.core.db import utcnow
from healthnet.core.errors import NotFound
from healthnet.core.rbac.actor import SYSTEM_ACTOR, Actor
from healthnet.core.rbac.service import actor_for, load_builtin_roles
from healthnet.core.schemas import Page

S = TypeVar("S", bound=Select[Any])

__all__ = [
    "SYSTEM_ACTOR",
    "Actor",
    "actor_for",
    "admin_reset_password",
    "change_password",
    "check_credentials",
    "check_password_policy",
    "create_resident_account",
    "create_user",
    "ensure_builtin_roles",
    "find_login_user",
    "generate_initial_password",
    "get_user",
    "has_users",
    "logout",
    "open_session",
    "password_expired",
    "resolve_token",
    "revoke_user_sessions",
    "session_expiry",
    "set_active",
]

# Actor, actor_for and the built-in roles belong to the rbac slice (re-exported above).


def ensure_builtin_roles(*, session: Session) -> None:
    """The built-in roles (三员 and business roles) of healthnet/core/rbac/metadata/roles.yaml."""
    load_builtin_roles(session=session)


def check_credentials(*, session: Session, login_name: str, password: str) -> User | None:
    """The account if ``password`` is right for ``login_name`` — the first factor only: no
    session, no counters, no log. For tools and tests; people log in through login_flow."""
    user = find_login_user(session=session, login_name=login_name)
    return user if verify_or_burn(password, user) else None


# --------------------------------------------------------------------------- administration
# Everything below acts on other users' accounts, so it is limited to the caller's data scope
# (a user outside it is "not found", never "forbidden": no existence oracle) and audited.


def _scope_filter(session: Session, actor: Actor) -> ColumnElement[bool] | None:
    """Which accounts ``actor`` may see (None = all): their own, and those of the institutions
    in their data scope (healthnet.core.rbac.scope). Resident accounts belong to no institution
    and are visible only city-wide."""
    from healthnet.core.rbac.scope import scope_condition

    return scope_condition(actor, institution_column=User.institution_id, owner_column=User.id)


def _visible(stmt: S, session: Session, actor: Actor) -> S:
    where = _scope_filter(session, actor)
    return stmt if where is None else stmt.where(where)


def user_for_admin(*, session: Session, actor: Actor, user_id: str) -> User:
    user: User | None = session.scalar(
        _visible(select(User).where(User.id == user_id), session, actor)
    )
    if user is None:
        raise NotFound("auth.user_not_found")
    return user


def user_read(user: User, *, session: Session | None = None) -> UserRead:
    locked = None
    enabled = False
    if session is not None:
        locked = ratelimit.locked_until(session=session, key=ratelimit.user_key(user.id))
        enabled = totp.has_totp(session=session, user_id=user.id)
    return UserRead(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        kind=user.kind,
        institution_id=user.institution_id,
        department_id=user.department_id,
        person_id=user.person_id,
        is_active=user.is_active,
        must_change_password=user.must_change_password,
        role_codes=[r.code for r in user.roles],
        last_login_at=user.last_login_at,
        password_changed_at=user.password_changed_at,
        locked_until=locked,
        totp_enabled=enabled,
    )


def list_users(*, session: Session, actor: Actor, query: UserQuery) -> Page[UserRead]:
    stmt = _visible(select(User), session, actor)
    if query.q:
        like = f"%{query.q.strip().lower()}%"
        stmt = stmt.where(
            func.lower(User.username).like(like) | func.lower(User.display_name).like(like)
        )
    if query.kind:
        stmt = stmt.where(User.kind == query.kind)
    if query.institution_id:
        stmt = stmt.where(User.institution_id == query.institution_id)
    if query.is_active is not None:
        stmt = stmt.where(User.is_active.is_(query.is_active))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(User.username).offset(query.offset).limit(query.page_size))
    return Page(
        items=[user_read(u, session=session) for u in rows],
        total=int(total),
        page=query.page,
        page_size=query.page_size,
    )


def _admin_audit(
    session: Session, actor: Actor, action: str, user: User, ctx: AuditContext | None
) -> None:
    audit.record(
        session=session,
        actor=actor,
        action=action,
        resource_type="user",
        resource_id=user.id,
        purpose="ADMIN",
        request=ctx,
    )


def create_staff_user(
    *, session: Session, actor: Actor, ctx: AuditContext | None = None, **data: Any
) -> User:
    user = create_user(session=session, granted_by=actor.user_id, **data)
    _admin_audit(session, actor, "auth.user.create", user, ctx)
    return user


def create_resident(
    *, session: Session, actor: Actor, ctx: AuditContext | None = None, **data: Any
) -> User:
    user = create_resident_account(session=session, granted_by=actor.user_id, **data)
    audit.record(
        session=session,
        actor=actor,
        action="auth.user.create",
        resource_type="user",
        resource_id=user.id,
        patient_id=user.person_id,
        purpose="ADMIN",
        request=ctx,
    )
    return user


def reset_password(
    *, session: Session, actor: Actor, user_id: str, ctx: AuditContext | None = None
) -> str:
    user = user_for_admin(session=session, actor=actor, user_id=user_id)
    password = admin_reset_password(session=session, user=user)
    _admin_audit(session, actor, "auth.password.reset", user, ctx)
    return password


def unlock(
    *, session: Session, actor: Actor, user_id: str, ctx: AuditContext | None = None
) -> UserRead:
    user = user_for_admin(session=session, actor=actor, user_id=user_id)
    ratelimit.clear(session=session, key=ratelimit.user_key(user.id))
    _admin_audit(session, actor, "auth.user.unlock", user, ctx)
    return user_read(user, session=session)


def set_user_active(
    *, session: Session, actor: Actor, user_id: str, active: bool, ctx: AuditContext | None = None
) -> UserRead:
    user = user_for_admin(session=session, actor=actor, user_id=user_id)
    set_active(session=session, user=user, active=active, by_user_id=actor.user_id)
    _admin_audit(session, actor, "auth.user.enable" if active else "auth.user.disable", user, ctx)
    return user_read(user, session=session)


def reset_second_factor(
    *, session: Session, actor: Actor, user_id: str, ctx: AuditContext | None = None
) -> UserRead:
    """Remove the user's authenticator and recovery codes (lost phone); they set up a new one
    at their next login. Their sessions end."""
    user = user_for_admin(session=session, actor=actor, user_id=user_id)
    totp.reset(session=session, user_id=user.id)
    revoke_user_sessions(session=session, user_id=user.id, reason="second_factor_reset")
    _admin_audit(session, actor, "auth.second_factor.reset", user, ctx)
    return user_read(user, session=session)


# --------------------------------------------------------------------------- own account


@dataclass(frozen=True)
class MeInfo:
    user: User
    totp_enabled: bool
    recovery_codes_left: int
    password_expires_at: datetime | None
    # A session opens only after a required change (login_flow), but a password can expire
    # while the session runs: then the UI sends the user to change it.
    must_change_password: bool
    session_expires_at: datetime | None
    institution_name: str | None
    district_name: str | None
    # Staff: the account's display name. Residents: their own name from the patient index (the
    # account row holds only "居民": personal data stays encrypted in the index).
    display_name: str = ""


def me(*, session: Session, actor: Actor, token: str | None = None) -> MeInfo:
    """The signed-in user's own account; ``token`` is the request's session (its expiry)."""
    from healthnet.core.orgs import service as orgs

    user = get_user(session=session, user_id=actor.user_id)
    days = get_settings().password_max_age_days
    row = session.get(LoginSession, token_hash(token)) if token else None
    institution = (
        orgs.get_institution(session=session, institution_id=actor.institution_id)
        if actor.institution_id
        else None
    )
    return MeInfo(
        user=user,
        totp_enabled=totp.has_totp(session=session, user_id=user.id),
        recovery_codes_left=totp.remaining_recovery_codes(session=session, user_id=user.id),
        password_expires_at=(user.password_changed_at + timedelta(days=days)) if days > 0 else None,
        must_change_password=user.must_change_password or password_expired(user),
        session_expires_at=session_expiry(row) if row is not None else None,
        # The actor's district is its institution's (rbac.actor_for).
        institution_name=institution.name if institution is not None else None,
        district_name=institution.district_name if institution is not None else None,
        display_name=_own_name(session, user),
    )


def _own_name(session: Session, user: User) -> str:
    """What the signed-in user is called on their own pages (residents: their real name)."""
    if user.kind != KIND_RESIDENT or user.person_id is None:
        return user.display_name
    from healthnet.core.patients.models import Person

    person = session.get(Person, user.person_id)
    return person.name if person is not None and person.name else user.display_name


def _current_session_id(session: Session, token: str | None) -> str | None:
    if not token:
        return None
    row = session.get(LoginSession, token_hash(token))
    return row.id if row is not None else None


def change_own_password(
    *,
    session: Session,
    actor: Actor,
    token: str | None,
    current_password: str,
    password: str,
    ctx: AuditContext | None = None,
) -> None:
    """Change one's own password; every other session of the account ends."""
    user = get_user(session=session, user_id=actor.user_id)
    change_password(
        session=session, user=user, new_password=password, current_password=current_password
    )
    revoke_user_sessions(
        session=session,
        user_id=user.id,
        reason="password_changed",
        keep_id=_current_session_id(session, token),
    )
    _admin_audit(session, actor, "auth.password.change", user, ctx)


def start_totp_enrolment(*, session: Session, actor: Actor) -> totp.Enrolment:
    """Set up (or replace) one's authenticator app; the old one works until confirmed."""
    return totp.start_enrolment(
        session=session, user=get_user(session=session, user_id=actor.user_id)
    )


def confirm_totp_enrolment(
    *, session: Session, actor: Actor, code: str, ctx: AuditContext | None = None
) -> list[str]:
    from healthnet.core.errors import ValidationFailed

    user = get_user(session=session, user_id=actor.user_id)
    codes = totp.confirm_enrolment(session=session, user=user, code=code)
    if codes is None:
        raise ValidationFailed.field("code", "auth.second_factor_invalid")
    _admin_audit(session, actor, "auth.totp.enrol", user, ctx)
    return codes


def regenerate_recovery_codes(
    *, session: Session, actor: Actor, code: str, ctx: AuditContext | None = None
) -> list[str]:
    """New recovery codes (the old ones stop working); needs a current TOTP code."""
    from healthnet.core.errors import ValidationFailed

    totp.require_enrolled(session=session, user_id=actor.user_id)
    try:
        ok = totp.verify(session=session, user_id=actor.user_id, code=code)
    except totp.TotpReused:
        raise ValidationFailed.field("code", "auth.totp_reused") from None
    if not ok:
        raise ValidationFailed.field("code", "auth.second_factor_invalid")
    user = get_user(session=session, user_id=actor.user_id)
    codes = totp.new_recovery_codes(session=session, user_id=user.id)
    _admin_audit(session, actor, "auth.recovery_codes.renew", user, ctx)
    return codes


# --------------------------------------------------------------------------- sessions, log


def list_sessions(
    *, session: Session, actor: Actor, page: int, page_size: int, now: datetime | None = None
) -> Page[SessionRead]:
    """Online users: sessions that still work, newest activity first."""
    now = now or utcnow()
    stmt = _visible(  # type: ignore[type-var]
        select(LoginSession, User)
        .join(User, User.id == LoginSession.user_id)
        .where(
            LoginSession.revoked.is_(False),
            LoginSession.expires_at > now,
            LoginSession.last_seen_at > now - idle_timeout(),
            User.is_active.is_(True),
        ),
        session,
        actor,
    )
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(
        stmt.order_by(LoginSession.last_seen_at.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    items = [
        SessionRead(
            id=s.id,
            user_id=u.id,
            username=u.username,
            display_name=u.display_name,
            institution_id=u.institution_id,
            client_ip=s.client_ip,
            user_agent=s.user_agent,
            auth_method=s.auth_method,
            created_at=s.created_at,
            last_seen_at=s.last_seen_at,
            expires_at=session_expiry(s),
        )
        for s, u in rows
    ]
    return Page(items=items, total=int(total), page=page, page_size=page_size)


def force_logout(
    *, session: Session, actor: Actor, session_id: str, ctx: AuditContext | None = None
) -> None:
    """End another user's session now (its token answers 401 from the next request)."""
    from healthnet.core.auth import sessions

    row = sessions.get_session_row(session=session, session_id=session_id)
    user = user_for_admin(session=session, actor=actor, user_id=row.user_id)
    sessions.force_logout(session=session, row=row)
    audit.record(
        session=session,
        actor=actor,
        action="auth.session.revoke",
        resource_type="session",
        resource_id=row.id,
        purpose="ADMIN",
        request=ctx,
        detail={"userId": user.id},
    )


def list_login_log(*, session: Session, actor: Actor, query: LoginLogQuery) -> Page[LoginLogRead]:
    where = _scope_filter(session, actor)
    user_ids: Select[Any] | None = select(User.id).where(where) if where is not None else None
    stmt = _log_query(
        user_id=query.user_id,
        user_ids=user_ids,
        client_ip=query.client_ip,
        result=query.result,
        since=query.since,
        until=query.until,
    )
    rows, total = _log_page(session=session, stmt=stmt, offset=query.offset, limit=query.page_size)
    return Page(
        items=[LoginLogRead.model_validate(r) for r in rows],
        total=total,
        page=query.page,
        page_size=query.page_size,
    )


def login_log_rows(*, session: Session, user_id: str) -> list[LoginLog]:
    return list(
        session.scalars(
            select(LoginLog).where(LoginLog.user_id == user_id).order_by(LoginLog.occurred_at)
        )
    )
