"""Certificate login: single-use nonces and the check of their signature."""

from __future__ import annotations

import base64
import binascii
import secrets
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from healthnet.core.certs import x509
from healthnet.core.certs.models import PURPOSE_AUTHENTICATION, Certificate, LoginChallenge
from healthnet.core.certs.service.checks import _check
from healthnet.core.certs.service.common import CHALLENGE_BYTES, CHALLENGE_TTL, _Refused
from healthnet.core.db import new_id, utcnow
from healthnet.core.errors import Unauthenticated

# --------------------------------------------------------------------------- login


def new_login_challenge(*, session: Session, user_id: str) -> tuple[str, str]:
    """``(challenge id, base64 nonce)``: 32 random bytes the user's key must sign within
    two minutes, accepted once (SECURITY.md: a replayed or expired nonce → 401)."""
    now = utcnow()
    # Housekeeping: challenges a day past their expiry are of no use to anyone.
    stale = LoginChallenge.expires_at < now - timedelta(days=1)
    session.execute(delete(LoginChallenge).where(stale))
    nonce = base64.b64encode(secrets.token_bytes(CHALLENGE_BYTES)).decode("ascii")
    row = LoginChallenge(
        id=new_id(), user_id=user_id, nonce=nonce, created_at=now, expires_at=now + CHALLENGE_TTL
    )
    session.add(row)
    session.flush()
    return row.id, nonce


def _decode_signature(signature: bytes | str) -> bytes:
    if isinstance(signature, bytes):
        return signature
    try:
        return base64.b64decode("".join(signature.split()), validate=True)
    except (binascii.Error, ValueError):
        raise Unauthenticated("certs.signature_invalid") from None


def verify_login_response(
    *,
    session: Session,
    user_id: str,
    challenge_id: str,
    certificate_pem: str,
    signature: bytes | str,
) -> Certificate:
    """Check a signed login challenge; the certificate row on success.

    The challenge is marked used first, so it is spent even if a later check fails — provided
    the caller commits (the auth slice records failed logins in their own transaction; a
    rolled-back attempt leaves the challenge usable until it expires two minutes later).
    Every refusal is :class:`Unauthenticated` with its own ``certs.*`` code.
    """
    now = utcnow()
    challenge = session.get(LoginChallenge, challenge_id) if challenge_id else None
    if challenge is None or challenge.user_id != user_id:
        raise Unauthenticated("certs.challenge_unknown")
    if challenge.used_at is not None:
        raise Unauthenticated("certs.challenge_reused")
    if challenge.expires_at <= now:
        raise Unauthenticated("certs.challenge_expired")
    challenge.used_at = now
    session.flush()
    try:
        row = _check(session, certificate_pem, at=now, revoked_before_counts=False)
    except _Refused as refused:
        raise Unauthenticated(refused.code) from None
    if row.user_id != user_id:
        raise Unauthenticated("certs.certificate_not_owned")
    if row.purpose != PURPOSE_AUTHENTICATION:
        raise Unauthenticated("certs.certificate_invalid")
    public = x509.public_key_of(x509.load_certificate(row.certificate_pem))
    if not public.is_valid_signature(
        _decode_signature(signature), base64.b64decode(challenge.nonce)
    ):
        raise Unauthenticated("certs.signature_invalid")
    challenge.certificate_id = row.id
    row.last_used_at = now
    session.flush()
    return row
