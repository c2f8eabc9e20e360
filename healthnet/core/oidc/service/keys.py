"""ID-token signing keys: created on first use, rotated, retired from the JWKS."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from joserfc.jwk import ECKey, RSAKey
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from healthnet.core.crypto import jose_signing_key
from healthnet.core.db import utcnow
from healthnet.core.oidc.models import OidcSigningKey

SIGNING_ALG = "RS256"  # OpenID Connect Core §15.1: every OP must support RS256


@dataclass(frozen=True)
class SigningKey:
    kid: str
    alg: str
    key: RSAKey | ECKey


def _new_signing_row(alg: str = SIGNING_ALG) -> OidcSigningKey:
    pem = jose_signing_key(alg)
    key_cls = RSAKey if alg.startswith("RS") else ECKey
    probe = key_cls.import_key(pem)
    kid = probe.thumbprint()  # RFC 7638 thumbprint: stable, derived from the public key
    key = key_cls.import_key(pem, parameters={"kid": kid, "alg": alg, "use": "sig"})
    return OidcSigningKey(
        kid=kid,
        alg=alg,
        public_jwk=dict(key.as_dict(private=False)),
        private_pem=pem.decode("ascii"),
        active_slot=1,
        created_at=utcnow(),
    )


def active_signing_key(*, session: Session) -> SigningKey:
    """The key that signs ID tokens, created on first use."""
    stmt = select(OidcSigningKey).where(OidcSigningKey.active_slot == 1)
    row = session.scalar(stmt)
    if row is None:
        new = _new_signing_row()
        try:
            with session.begin_nested():
                session.add(new)
        except IntegrityError:
            pass  # another process created it first; use theirs
        row = session.scalar(stmt)
        assert row is not None
    key_cls = RSAKey if row.alg.startswith("RS") else ECKey
    key = key_cls.import_key(
        row.private_pem, parameters={"kid": row.kid, "alg": row.alg, "use": "sig"}
    )
    return SigningKey(kid=row.kid, alg=row.alg, key=key)


def public_jwks(*, session: Session) -> dict[str, list[dict[str, Any]]]:
    """RFC 7517 JWK set of every key not yet retired (so older ID tokens still verify)."""
    active_signing_key(session=session)
    rows = session.scalars(
        select(OidcSigningKey)
        .where(OidcSigningKey.retired_at.is_(None))
        .order_by(OidcSigningKey.created_at.desc())
    )
    return {"keys": [dict(r.public_jwk) for r in rows]}


def rotate_signing_key(*, session: Session) -> str:
    """Sign with a new key from now on; the old one stays in the JWKS until retired."""
    session.execute(
        update(OidcSigningKey).where(OidcSigningKey.active_slot == 1).values(active_slot=None)
    )
    row = _new_signing_row()
    session.add(row)
    session.flush()
    return row.kid


def retire_signing_keys(*, session: Session, older_than: timedelta) -> list[str]:
    """Drop inactive keys from the JWKS once no ID token they signed can still be in use."""
    cutoff = utcnow() - older_than
    rows = list(
        session.scalars(
            select(OidcSigningKey).where(
                OidcSigningKey.active_slot.is_(None),
                OidcSigningKey.retired_at.is_(None),
                OidcSigningKey.created_at < cutoff,
            )
        )
    )
    for row in rows:
        row.retired_at = utcnow()
    session.flush()
    return [r.kid for r in rows]
