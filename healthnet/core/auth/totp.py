"""Time-based one-time passwords (RFC 6238) and one-time recovery codes.

TOTP uses the parameters every authenticator app understands (30 s steps, 6 digits, HMAC-SHA-1,
RFC 6238 §4 and the Google Authenticator key-URI format). SHA-1 here is the HOTP construction's
MAC (RFC 4226), not a signature or a stored hash; the cryptographic factor required by
GB/T 39786 is the SM2 certificate login, which staff may use instead.

Each code works once: the accepted time step is stored and a code from that step or an earlier
one is refused (RFC 6238 §5.2). Recovery codes are stored as HMAC-SM3 under a key outside the
database, so a copy of the database does not let anyone test guesses offline.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

import pyotp
import segno
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from healthnet.config import get_settings
from healthnet.core.auth.models import RecoveryCode, TotpCredential, User
from healthnet.core.crypto import blind_index
from healthnet.core.db import utcnow
from healthnet.core.errors import Conflict, RuleViolation

STEP_SECONDS = 30
DIGITS = 6
# Accept the previous and next step too: phone clocks drift and people type slowly.
VALID_WINDOW = 1
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


@dataclass(frozen=True)
class Enrolment:
    secret: str
    uri: str
    qr_svg: str  # data: URI of an SVG QR code


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)


def time_step(now: datetime) -> int:
    return int(now.timestamp()) // STEP_SECONDS


def has_totp(*, session: Session, user_id: str) -> bool:
    return (
        session.scalar(select(TotpCredential.confirmed_at).where(TotpCredential.user_id == user_id))
        is not None
    )


def start_enrolment(*, session: Session, user: User) -> Enrolment:
    """A new secret waiting for confirmation; an already confirmed one stays in force until the
    new one is confirmed."""
    secret = pyotp.random_base32()  # 160 bits (RFC 4226 §4 R6 recommends ≥ 160)
    cred = session.get(TotpCredential, user.id)
    if cred is None:
        cred = TotpCredential(user_id=user.id)
        session.add(cred)
    cred.pending_secret = secret
    cred.updated_at = utcnow()
    session.flush()
    uri = _totp(secret).provisioning_uri(name=user.username, issuer_name=get_settings().totp_issuer)
    qr = segno.make(uri, error="m").svg_data_uri(scale=4)
    return Enrolment(secret=secret, uri=uri, qr_svg=qr)


def _match_step(secret: str, code: str, now: datetime) -> int | None:
    code = code.strip().replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return None
    totp = _totp(secret)
    current = time_step(now)
    found = None
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        # Compare every candidate (no early exit): the time taken does not depend on the match.
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step
    return found


def confirm_enrolment(
    *, session: Session, user: User, code: str, now: datetime | None = None
) -> list[str] | None:
    """Make the pending secret the user's TOTP secret if ``code`` matches it; returns fresh
    recovery codes (shown once), or None when the code is wrong."""
    now = now or utcnow()
    cred = session.get(TotpCredential, user.id)
    if cred is None or cred.pending_secret is None:
        raise RuleViolation("auth.totp_enrolment_not_started")
    step = _match_step(cred.pending_secret, code, now)
    if step is None:
        return None
    cred.secret, cred.pending_secret = cred.pending_secret, None
    cred.confirmed_at = now
    cred.last_step = step  # the confirming code cannot be used again to log in
    cred.updated_at = now
    session.flush()
    return new_recovery_codes(session=session, user_id=user.id)


class TotpReused(Exception):
    """The code matched a time step that was already used."""


def verify(*, session: Session, user_id: str, code: str, now: datetime | None = None) -> bool:
    """True if ``code`` is valid now and not used before (then it is marked used); raises
    :class:`TotpReused` for a replayed code, False for a wrong one."""
    now = now or utcnow()
    cred = session.get(TotpCredential, user_id)
    if cred is None or cred.secret is None or cred.confirmed_at is None:
        return False
    step = _match_step(cred.secret, code, now)
    if step is None:
        return False
    # Conditional update: of two concurrent requests with the same code only one wins.
    result = session.execute(
        update(TotpCredential)
        .where(
            TotpCredential.user_id == user_id,
            or_(TotpCredential.last_step.is_(None), TotpCredential.last_step < step),
        )
        .values(last_step=step, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if not getattr(result, "rowcount", 0):
        raise TotpReused
    session.expire(cred)
    return True


def _normalise_recovery(code: str) -> str:
    return code.strip().lower().replace("-", "").replace(" ", "")


def _recovery_hash(user_id: str, code: str) -> str:
    return blind_index(f"{user_id}:{_normalise_recovery(code)}", purpose="auth.recovery_code")


def new_recovery_codes(*, session: Session, user_id: str) -> list[str]:
    """Replace the user's recovery codes with 10 new ones (50 bits each) and return them."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    for code in codes:
        session.add(RecoveryCode(user_id=user_id, code_hash=_recovery_hash(user_id, code)))
    session.flush()
    return codes


def remaining_recovery_codes(*, session: Session, user_id: str) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


def use_recovery_code(
    *, session: Session, user_id: str, code: str, now: datetime | None = None
) -> bool:
    if not code or len(code) > 32:
        return False
    result = session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user_id,
            RecoveryCode.code_hash == _recovery_hash(user_id, code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def reset(*, session: Session, user_id: str) -> None:
    """Remove the user's TOTP secret and recovery codes (an administrator's 2FA reset)."""
    session.execute(delete(TotpCredential).where(TotpCredential.user_id == user_id))
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    session.flush()


def require_enrolled(*, session: Session, user_id: str) -> None:
    if not has_totp(session=session, user_id=user_id):
        raise Conflict("auth.totp_not_enrolled")
