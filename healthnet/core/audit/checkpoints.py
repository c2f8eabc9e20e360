"""The platform's SM2 checkpoint key and the signed checkpoints over the chain head.

Re-exported by :mod:`healthnet.core.audit.service`; other slices import from there.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from healthnet.core.audit import chain
from healthnet.core.audit.models import HEAD_ID, AuditChainHead, AuditCheckpoint, AuditSigningKey
from healthnet.core.crypto import (
    CryptoIntegrityError,
    SM2PrivateKey,
    sm4_gcm_decrypt,
    sm4_gcm_encrypt,
)
from healthnet.core.db import utcnow

log = logging.getLogger("healthnet.audit")

_head: Table = AuditChainHead.__table__  # type: ignore[assignment]


# --------------------------------------------------------------------------- signing key


@dataclass(frozen=True)
class SigningKeyInfo:
    fingerprint: str
    public_key_pem: str
    active: bool
    created_at: datetime


def _wrap_aad(fingerprint: str) -> bytes:
    return b"healthnet/v1/audit/signing-key/" + fingerprint.encode()


def _new_signing_key_row() -> AuditSigningKey:
    key = SM2PrivateKey.generate()
    public = key.public_key()
    fp = chain.fingerprint_of(public)
    pem = public.to_pem().decode()
    blob = sm4_gcm_encrypt(chain.signing_key_wrap_key(), key.to_pem(), _wrap_aad(fp))
    wrapped = base64.b64encode(blob).decode()
    return AuditSigningKey(
        fingerprint=fp,
        public_key_pem=pem,
        wrapped_private_key=wrapped,
        active_slot=1,
        tag=chain.signing_key_tag(fp, pem, wrapped),
        created_at=utcnow(),
    )


def _active_signing_key(session: Session) -> tuple[SM2PrivateKey, str]:
    stmt = select(AuditSigningKey).where(AuditSigningKey.active_slot == 1)
    row = session.scalar(stmt)
    if row is None:
        new = _new_signing_key_row()
        try:
            with session.begin_nested():
                session.add(new)
        except IntegrityError:
            pass  # another process created the key first; use theirs
        row = session.scalar(stmt)
        assert row is not None
        log.info("created the audit checkpoint signing key %s", row.fingerprint[:16])
    if not chain.key_row_trusted(
        row.fingerprint, row.public_key_pem, row.wrapped_private_key, row.tag
    ):
        raise CryptoIntegrityError("the audit signing key was changed outside HealthNet")
    pem = sm4_gcm_decrypt(
        chain.signing_key_wrap_key(),
        base64.b64decode(row.wrapped_private_key),
        _wrap_aad(row.fingerprint),
    )
    key = SM2PrivateKey.from_pem(pem)
    if chain.fingerprint_of(key.public_key()) != row.fingerprint:
        raise CryptoIntegrityError("the audit signing key does not match its public key")
    return key, row.fingerprint


def signing_keys(*, session: Session) -> list[SigningKeyInfo]:
    """Every checkpoint key (public halves), newest first, for auditors' offline verification."""
    _active_signing_key(session)  # created on first use
    rows = session.scalars(select(AuditSigningKey).order_by(AuditSigningKey.created_at.desc()))
    return [
        SigningKeyInfo(r.fingerprint, r.public_key_pem, r.active_slot == 1, r.created_at)
        for r in rows
    ]


def rotate_signing_key(*, session: Session) -> SigningKeyInfo:
    """Start signing with a new key; old checkpoints still verify with the old public key."""
    _active_signing_key(session)
    session.execute(
        update(AuditSigningKey).where(AuditSigningKey.active_slot == 1).values(active_slot=None)
    )
    new = _new_signing_key_row()
    session.add(new)
    session.flush()
    return SigningKeyInfo(new.fingerprint, new.public_key_pem, True, new.created_at)


# --------------------------------------------------------------------------- checkpoints


def checkpoint(*, session: Session, force: bool = False) -> AuditCheckpoint | None:
    """Sign the current chain head (SM2-with-SM3); None when nothing was added since the last.

    Reads the committed head, so the checkpoint never covers records that might roll back.
    """
    head = session.execute(
        select(_head.c.last_seq, _head.c.last_hash).where(_head.c.id == HEAD_ID)
    ).one_or_none()
    if head is None or head[0] == 0:
        return None
    seq, head_hash = int(head[0]), str(head[1])
    last = session.scalar(select(func.max(AuditCheckpoint.seq)))
    if not force and last is not None and last >= seq:
        return None
    key, fp = _active_signing_key(session)
    signed_at = utcnow()
    signature = key.sign(chain.checkpoint_message(seq, head_hash, signed_at))
    row = AuditCheckpoint(
        seq=seq,
        head_hash=head_hash,
        signed_at=signed_at,
        signature=base64.b64encode(signature).decode(),
        signer_fingerprint=fp,
        created_at=signed_at,
    )
    session.add(row)
    session.flush()
    return row


def list_checkpoints(
    *, session: Session, offset: int = 0, limit: int = 20
) -> tuple[list[AuditCheckpoint], int]:
    total = session.scalar(select(func.count()).select_from(AuditCheckpoint)) or 0
    rows = session.scalars(
        select(AuditCheckpoint)
        .order_by(AuditCheckpoint.seq.desc(), AuditCheckpoint.signed_at.desc())
        .offset(offset)
        .limit(limit)
    )
    return list(rows), int(total)
