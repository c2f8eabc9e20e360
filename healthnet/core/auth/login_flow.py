"""The login, step by step: password → (forced password change) → second factor → session.

Each step runs in transactions it opens itself, in sequence, through a transaction factory
(``tx``): the per-IP rate limit, then the check, then — when the check failed — the failure
counter, the login log row and the audit record in a transaction of their own. So a failure
is counted and logged even though nothing else of the request is stored, and no step waits on
a lock held by an earlier step of the same request (SQLite has one writer at a time).

Failures answer identically whether or not the account exists (same code, same text, same
KDF work, and an unknown name locks after the same number of attempts as a real one).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Any, NoReturn

from fastapi import Depends
from sqlalchemy.orm import Session

from healthnet.config import get_settings
from healthnet.core.audit import service as audit
from healthnet.core.audit.context import AuditContext
from healthnet.core.auth import accounts, loginlog, ratelimit, sessions, totp
from healthnet.core.auth.models import KIND_STAFF, LoginTicket, User
from healthnet.core.crypto import sm3
from healthnet.core.db import transaction, utcnow
from healthnet.core.errors import DomainError, Unauthenticated
from healthnet.core.rbac import integrity
from healthnet.core.rbac.actor import Actor

STAGE_SECOND_FACTOR = "second_factor"
STAGE_CHANGE_PASSWORD = "change_password"
STAGE_DONE = "done"

TxFactory = Callable[[], AbstractContextManager[Session]]


def get_tx_factory() -> TxFactory:
    """The transactions a login step opens (tests run them as savepoints of their own)."""
    return transaction


TxFactoryDep = Annotated[TxFactory, Depends(get_tx_factory)]


class TooManyRequests(DomainError):
    status = 429
    default_code = "auth.rate_limited"


@dataclass(frozen=True)
class Client:
    """Where an attempt comes from."""

    ip: str | None = None
    user_agent: str | None = None
    request_id: str | None = None
    previous_token: str | None = None  # a session this browser already had: ended at login

    def audit_context(self) -> AuditContext:
        return AuditContext(
            client_ip=self.ip,
            user_agent=self.user_agent and self.user_agent[:255],
            request_id=self.request_id,
        )


@dataclass
class StepResult:
    stage: str
    ticket: str | None = None
    ticket_expires_at: datetime | None = None
    methods: list[str] = field(default_factory=list)
    reason: str | None = None
    token: str | None = None
    delivery: str = "bearer"
    session_expires_at: datetime | None = None
    recovery_codes: list[str] | None = None


@dataclass(frozen=True)
class _Failure:
    user: User | None
    lock_key: str | None  # None: do not count (e.g. an expired ticket)
    reason: str
    answer: str  # the error code the caller sees
    step: str


# --------------------------------------------------------------------------- helpers


def _audit(
    session: Session,
    client: Client,
    *,
    user: User | None,
    typed: str,
    outcome: str,
    step: str,
    reason: str | None,
    action: str = "auth.login",
) -> None:
    # Who the attempt was for; no permissions (the audit needs only identity and roles).
    who = (
        Actor(
            user.id,
            user.username,
            user.institution_id,
            None,
            frozenset(),
            role_codes=tuple(r.code for r in user.roles),
        )
        if user is not None
        else None
    )
    detail: dict[str, str] = {"step": step}
    if reason:
        detail["reason"] = reason
    audit.record(
        session=session,
        actor=who,
        username=None if who else accounts.mask_login_name(typed),
        action=action,
        resource_type="user",
        resource_id=user.id if user else None,
        purpose="ADMIN",
        outcome=outcome,
        detail=detail,
        request=client.audit_context(),
    )


def _log(
    session: Session,
    client: Client,
    *,
    user: User | None,
    typed: str,
    step: str,
    result: str,
    reason: str | None,
    now: datetime,
) -> None:
    loginlog.write(
        session=session,
        username=user.username if user else typed,
        step=step,
        result=result,
        reason=reason,
        user_id=user.id if user else None,
        client_ip=client.ip,
        user_agent=client.user_agent,
        now=now,
    )


def _rate_allowed(s: Session, client: Client, *, typed: str, step: str, now: datetime) -> bool:
    """Count the attempt for the client's IP; when over the limit, log and audit the refusal
    (the caller commits, then answers 429)."""
    if ratelimit.login_ip_hit(session=s, client_ip=client.ip, now=now).allowed:
        return True
    _log(
        s,
        client,
        user=None,
        typed=typed,
        step=step,
        result=loginlog.RATE_LIMITED,
        reason="auth.rate_limited",
        now=now,
    )
    _audit(
        s, client, user=None, typed=typed, outcome="denied", step=step, reason="auth.rate_limited"
    )
    return False


def _rate_check(tx: TxFactory, client: Client, *, typed: str, step: str, now: datetime) -> None:
    with tx() as s:
        allowed = _rate_allowed(s, client, typed=typed, step=step, now=now)
    if not allowed:
        raise TooManyRequests("auth.rate_limited")


def _fail(
    tx: TxFactory, client: Client, failure: _Failure, *, typed: str, now: datetime
) -> NoReturn:
    """Count, log and audit a failed attempt in a transaction of its own; then answer 401."""
    answer, result = failure.answer, loginlog.FAILURE
    with tx() as s:
        user = s.get(User, failure.user.id) if failure.user is not None else None
        if failure.lock_key is not None:
            until = ratelimit.register_failure(session=s, key=failure.lock_key, now=now)
            if until is not None:
                answer, result = "auth.account_locked", loginlog.LOCKED
        _log(
            s,
            client,
            user=user,
            typed=typed,
            step=failure.step,
            result=result,
            reason=failure.reason,
            now=now,
        )
        _audit(
            s,
            client,
            user=user,
            typed=typed,
            outcome="denied" if result == loginlog.LOCKED else "failure",
            step=failure.step,
            reason=failure.reason,
        )
    raise Unauthenticated(answer, minutes=get_settings().login_lockout_minutes)


def _new_ticket(
    session: Session, user: User, stage: str, delivery: str, now: datetime
) -> tuple[str, datetime]:
    ticket = secrets.token_urlsafe(32)
    expires = now + timedelta(minutes=get_settings().login_ticket_minutes)
    session.add(
        LoginTicket(
            ticket_hash=sm3(ticket.encode()).hex(),
            user_id=user.id,
            stage=stage,
            delivery=delivery,
            created_at=now,
            expires_at=expires,
        )
    )
    session.flush()
    return ticket, expires


def _load_ticket(
    session: Session, ticket: str, stage: str, now: datetime
) -> tuple[LoginTicket, User] | None:
    if not ticket or len(ticket) > 128:
        return None
    # Row lock: two requests racing with one ticket cannot both open a session.
    row = session.get(LoginTicket, sm3(ticket.encode()).hex(), with_for_update=True)
    if row is None or row.stage != stage or row.used_at is not None or row.expires_at <= now:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    return row, user


def _cert_login_available() -> bool:
    try:
        from healthnet.core.certs import service as certs
    except ImportError:
        return False
    return hasattr(certs, "new_login_challenge") and hasattr(certs, "verify_login_response")


def second_factor_methods(session: Session, user: User) -> list[str]:
    methods = []
    if totp.has_totp(session=session, user_id=user.id):
        methods.append("totp")
        if totp.remaining_recovery_codes(session=session, user_id=user.id):
            methods.append("recovery_code")
    elif get_settings().totp_enrol_at_first_login:
        methods.append("totp_enrolment")
    if _cert_login_available():
        methods.append("sm2_cert")
    return methods


def _finish(
    session: Session,
    client: Client,
    user: User,
    *,
    method: str,
    delivery: str,
    step: str,
    typed: str,
    now: datetime,
) -> StepResult:
    """Every factor passed: reset the failure counter, open a fresh session, log, audit."""
    ratelimit.clear(session=session, key=ratelimit.user_key(user.id))
    if client.previous_token:
        sessions.logout(session=session, token=client.previous_token, now=now)
    token, row = sessions.open_session(
        session=session,
        user=user,
        method=method,
        delivery=delivery,
        client_ip=client.ip,
        user_agent=client.user_agent,
        now=now,
    )
    _log(
        session,
        client,
        user=user,
        typed=typed,
        step=step,
        result=loginlog.SUCCESS,
        reason=None,
        now=now,
    )
    _audit(session, client, user=user, typed=typed, outcome="success", step=step, reason=None)
    return StepResult(
        stage=STAGE_DONE,
        token=token,
        delivery=delivery,
        session_expires_at=sessions.session_expiry(row),
    )


def _after_password(
    session: Session,
    client: Client,
    user: User,
    *,
    delivery: str,
    step: str,
    typed: str,
    now: datetime,
) -> StepResult:
    """The password is right (or was just changed): what comes next."""
    reason = None
    if user.must_change_password:
        reason = "auth.password_change_required"
    elif accounts.password_expired(user, now=now):
        reason = "auth.password_expired"
    if reason is not None:
        ticket, expires = _new_ticket(session, user, STAGE_CHANGE_PASSWORD, delivery, now)
        _log(
            session,
            client,
            user=user,
            typed=typed,
            step=step,
            result=loginlog.NEXT_STEP,
            reason=reason,
            now=now,
        )
        return StepResult(
            stage=STAGE_CHANGE_PASSWORD,
            ticket=ticket,
            ticket_expires_at=expires,
            reason=reason,
            delivery=delivery,
        )
    if user.kind == KIND_STAFF:
        # Two factors for staff (GB/T 39786-2021 8.4 a; SECURITY.md "two factors").
        ticket, expires = _new_ticket(session, user, STAGE_SECOND_FACTOR, delivery, now)
        _log(
            session,
            client,
            user=user,
            typed=typed,
            step=step,
            result=loginlog.NEXT_STEP,
            reason="auth.second_factor_required",
            now=now,
        )
        return StepResult(
            stage=STAGE_SECOND_FACTOR,
            ticket=ticket,
            ticket_expires_at=expires,
            methods=second_factor_methods(session, user),
            delivery=delivery,
        )
    return _finish(
        session, client, user, method="password", delivery=delivery, step=step, typed=typed, now=now
    )


def _ticket_failure(step: str) -> _Failure:
    return _Failure(None, None, "auth.ticket_invalid", "auth.ticket_invalid", step)


def _locked(session: Session, user: User, now: datetime) -> bool:
    key = ratelimit.user_key(user.id)
    return ratelimit.locked_until(session=session, key=key, now=now) is not None


# --------------------------------------------------------------------------- steps


def password_step(
    *,
    tx: TxFactory,
    client: Client,
    username: str,
    password: str,
    delivery: str = "bearer",
    now: datetime | None = None,
) -> StepResult:
    now = now or utcnow()
    step = "password"
    # Three short transactions around the slow KDF, so no database lock is held while it runs
    # (SQLite has one writer: a lock held for 0.2 s per login would serialise all logins).
    with tx() as s:
        allowed = _rate_allowed(s, client, typed=username, step=step, now=now)
        found = accounts.find_login_user(session=s, login_name=username) if allowed else None
        user_id = found.id if found is not None else None
        stored_hash = found.password_hash if found is not None else None
    if not allowed:
        raise TooManyRequests("auth.rate_limited")
    # The KDF runs whatever happens, so neither a missing account nor a lock shows in the time
    # taken.
    ok = accounts.verify_hash_or_burn(password, stored_hash)
    with tx() as s:
        user = s.get(User, user_id) if user_id is not None else None
        key = ratelimit.user_key(user.id) if user else ratelimit.name_key(username)
        locked = ratelimit.locked_until(session=s, key=key, now=now) is not None
        if locked:
            failure = _Failure(user, key, "auth.account_locked", "auth.account_locked", step)
        elif not ok or user is None or user.password_hash != stored_hash:
            # (a password changed between the two transactions counts as wrong)
            failure = _Failure(
                user,
                key,
                "auth.invalid_credentials" if user else "auth.unknown_user",
                "auth.invalid_credentials",
                step,
            )
        elif not user.is_active:
            failure = _Failure(user, key, "auth.account_disabled", "auth.invalid_credentials", step)
        elif not integrity.verify_row(user):
            # The account row was changed behind the application's back (e.g. a password hash
            # swapped in the database): no session for it (SECURITY.md, access-control data).
            failure = _Failure(user, key, "auth.integrity_failed", "auth.invalid_credentials", step)
        else:
            accounts.rehash_if_needed(user, password)
            return _after_password(
                s, client, user, delivery=delivery, step=step, typed=username, now=now
            )
    _fail(tx, client, failure, typed=username, now=now)


def change_password_step(
    *,
    tx: TxFactory,
    client: Client,
    ticket: str,
    new_password: str,
    now: datetime | None = None,
) -> StepResult:
    """The forced change (first login, after a reset, or an expired password). A password that
    breaks the policy answers 422 and the ticket stays usable for another try."""
    now = now or utcnow()
    step = "password_change"
    _rate_check(tx, client, typed="", step=step, now=now)
    with tx() as s:
        loaded = _load_ticket(s, ticket, STAGE_CHANGE_PASSWORD, now)
        if loaded is not None and not _locked(s, loaded[1], now):
            row, user = loaded
            accounts.change_password(session=s, user=user, new_password=new_password, now=now)
            row.used_at = now
            accounts.revoke_user_sessions(
                session=s, user_id=user.id, reason="password_changed", now=now
            )
            _audit(
                s,
                client,
                user=user,
                typed=user.username,
                outcome="success",
                step=step,
                reason=None,
                action="auth.password.change",
            )
            return _after_password(
                s, client, user, delivery=row.delivery, step=step, typed=user.username, now=now
            )
    _fail(tx, client, _ticket_failure(step), typed="", now=now)


def _second_factor(
    tx: TxFactory,
    client: Client,
    ticket: str,
    step: str,
    now: datetime,
    check: Callable[[Session, User], str | None],
) -> StepResult:
    """Run ``check`` (None = passed, else the failure reason) for the ticket's user."""
    _rate_check(tx, client, typed="", step=step, now=now)
    with tx() as s:
        loaded = _load_ticket(s, ticket, STAGE_SECOND_FACTOR, now)
        if loaded is None:
            failure = _ticket_failure(step)
        else:
            row, user = loaded
            key = ratelimit.user_key(user.id)
            if _locked(s, user, now):
                failure = _Failure(user, key, "auth.account_locked", "auth.account_locked", step)
            else:
                reason = check(s, user)
                if reason is None:
                    row.used_at = now
                    return _finish(
                        s,
                        client,
                        user,
                        method=step,
                        delivery=row.delivery,
                        step=step,
                        typed=user.username,
                        now=now,
                    )
                failure = _Failure(user, key, reason, reason, step)
    _fail(tx, client, failure, typed=failure.user.username if failure.user else "", now=now)


def totp_step(
    *, tx: TxFactory, client: Client, ticket: str, code: str, now: datetime | None = None
) -> StepResult:
    at = now or utcnow()

    def check(s: Session, user: User) -> str | None:
        try:
            ok = totp.verify(session=s, user_id=user.id, code=code, now=at)
        except totp.TotpReused:
            return "auth.totp_reused"
        return None if ok else "auth.second_factor_invalid"

    return _second_factor(tx, client, ticket, "totp", at, check)


def recovery_code_step(
    *, tx: TxFactory, client: Client, ticket: str, code: str, now: datetime | None = None
) -> StepResult:
    at = now or utcnow()

    def check(s: Session, user: User) -> str | None:
        ok = totp.use_recovery_code(session=s, user_id=user.id, code=code, now=at)
        return None if ok else "auth.recovery_code_invalid"

    return _second_factor(tx, client, ticket, "recovery_code", at, check)


def cert_step(
    *,
    tx: TxFactory,
    client: Client,
    ticket: str,
    challenge_id: str,
    certificate_pem: str,
    signature: str,
    now: datetime | None = None,
) -> StepResult:
    """SM2 certificate login: the certificate authority checks the signature over its nonce,
    the certificate's validity and revocation, and that it belongs to this user."""
    at = now or utcnow()
    certs = _certs()

    def check(s: Session, user: User) -> str | None:
        try:
            certs.verify_login_response(
                session=s,
                user_id=user.id,
                challenge_id=challenge_id,
                certificate_pem=certificate_pem,
                signature=signature,
            )
        except Unauthenticated as exc:
            return exc.code
        return None

    return _second_factor(tx, client, ticket, "sm2_cert", at, check)


def _certs() -> Any:
    from healthnet.core.errors import ServiceUnavailable

    if not _cert_login_available():
        raise ServiceUnavailable("auth.cert_login_unavailable")
    from healthnet.core.certs import service as certs

    return certs


@dataclass(frozen=True)
class Challenge:
    challenge_id: str
    nonce: str


def cert_challenge_step(
    *, tx: TxFactory, client: Client, ticket: str, now: datetime | None = None
) -> Challenge:
    at = now or utcnow()
    certs = _certs()
    _rate_check(tx, client, typed="", step="sm2_cert", now=at)
    with tx() as s:
        loaded = _load_ticket(s, ticket, STAGE_SECOND_FACTOR, at)
        if loaded is not None and not _locked(s, loaded[1], at):
            challenge_id, nonce = certs.new_login_challenge(session=s, user_id=loaded[1].id)
            return Challenge(str(challenge_id), str(nonce))
    _fail(tx, client, _ticket_failure("sm2_cert"), typed="", now=at)


def enrolment_start_step(
    *, tx: TxFactory, client: Client, ticket: str, now: datetime | None = None
) -> totp.Enrolment:
    """Staff without any second factor set up their authenticator app during their first
    login (policy ``totp_enrol_at_first_login``); the code they confirm it with finishes the
    login. An account that has TOTP cannot replace it here."""
    at = now or utcnow()
    with tx() as s:
        loaded = _load_ticket(s, ticket, STAGE_SECOND_FACTOR, at)
        if loaded is not None and not _locked(s, loaded[1], at):
            user = loaded[1]
            if "totp_enrolment" not in second_factor_methods(s, user):
                raise DomainError("auth.totp_enrolment_not_allowed")
            return totp.start_enrolment(session=s, user=user)
    _fail(tx, client, _ticket_failure("totp_enrolment"), typed="", now=at)


def enrolment_confirm_step(
    *, tx: TxFactory, client: Client, ticket: str, code: str, now: datetime | None = None
) -> StepResult:
    at = now or utcnow()
    codes: list[str] = []

    def check(s: Session, user: User) -> str | None:
        if "totp_enrolment" not in second_factor_methods(s, user):
            return "auth.totp_enrolment_not_allowed"
        fresh = totp.confirm_enrolment(session=s, user=user, code=code, now=at)
        if fresh is None:
            return "auth.second_factor_invalid"
        codes.extend(fresh)
        return None

    result = _second_factor(tx, client, ticket, "totp_enrolment", at, check)
    result.recovery_codes = codes
    return result
