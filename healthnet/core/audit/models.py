"""Audit tables: the SM3 hash chain, its head, signed checkpoints, the archive, the signing key.

The chain (``audit_record`` then ``audit_record_archive``, ordered by ``seq``) is append-only for
the application: on PostgreSQL its role gets INSERT/SELECT only (:func:`..grants.pg_grants_sql`).
Every value that is hashed is stored as text or integer so it reads back byte for byte; the
``detail`` JSON is therefore kept as its canonical text, not as JSONB (JSONB re-orders keys and
re-formats numbers, which would break the hash).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from healthnet.core.db import Base, IdMixin, utcnow

# SQLite makes an INTEGER PRIMARY KEY the rowid (fast); PostgreSQL needs 64 bits for years of audit.
SeqType = BigInteger().with_variant(Integer(), "sqlite")

GENESIS_HASH = "0" * 64
HEAD_ID = 1


class _RecordColumns:
    """Columns shared by the live chain and its archive (same layout, so rows move verbatim)."""

    # Chain position, assigned by the writer under the head lock; never reused, never skipped.
    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    actor_id: Mapped[str | None] = mapped_column(String(32), index=True)
    actor_username: Mapped[str | None] = mapped_column(String(64))
    actor_roles: Mapped[str | None] = mapped_column(String(255))  # role codes, comma separated
    institution_id: Mapped[str | None] = mapped_column(String(32))
    client_ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(64), index=True)
    resource_type: Mapped[str] = mapped_column(String(64))
    resource_id: Mapped[str | None] = mapped_column(String(64))
    patient_id: Mapped[str | None] = mapped_column(String(32), index=True)
    purpose: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(8))
    detail: Mapped[str | None] = mapped_column(Text)  # canonical JSON text
    request_id: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    # SM3(prev_hash || canonical serialisation): anyone can recompute it (offline verification).
    hash: Mapped[str] = mapped_column(String(64))
    # HMAC-SM3 over ``hash`` with a key derived from the master key: a row forged by someone who
    # can write the database but not read the master key fails here even with a correct hash.
    mac: Mapped[str] = mapped_column(String(64))

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        name = cls.__tablename__  # type: ignore[attr-defined]
        return (Index(f"ix_{name}_resource", "resource_type", "resource_id"),)


class AuditRecord(_RecordColumns, Base):
    __tablename__ = "audit_record"


class AuditRecordArchive(_RecordColumns, Base):
    """Old ranges moved out of the live table by ``healthnet audit archive`` (never deleted)."""

    __tablename__ = "audit_record_archive"


class AuditChainHead(Base):
    """One row (id = 1): the last seq and hash. Writers lock it to append (one chain, no forks)."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(SeqType)
    last_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditCheckpoint(IdMixin, Base):
    """An SM2-with-SM3 signature over (seq, head hash, signed_at) of the chain at ``seq``."""

    __tablename__ = "audit_checkpoint"

    seq: Mapped[int] = mapped_column(SeqType, index=True)
    head_hash: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime]
    signature: Mapped[str] = mapped_column(Text)  # base64 DER SM2 signature
    signer_fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditSigningKey(Base):
    """The platform's SM2 checkpoint key. The private key is stored only SM4-GCM wrapped under
    a key derived from the master key; ``tag`` (HMAC-SM3) binds the row so a public key swapped
    in directly in the database is not trusted."""

    __tablename__ = "audit_signing_key"

    fingerprint: Mapped[str] = mapped_column(String(64), primary_key=True)  # SM3 of the point
    public_key_pem: Mapped[str] = mapped_column(Text)
    wrapped_private_key: Mapped[str] = mapped_column(Text)
    # 1 for the key in use, NULL for older ones: the unique constraint keeps one active key even
    # when two processes create it at once.
    active_slot: Mapped[int | None] = mapped_column(Integer, unique=True)
    tag: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditVerification(IdMixin, Base):
    """The result of one run of ``verify`` (API, command line or the nightly job)."""

    __tablename__ = "audit_verification"

    started_at: Mapped[datetime] = mapped_column(index=True)
    finished_at: Mapped[datetime]
    ok: Mapped[bool]
    records_checked: Mapped[int] = mapped_column(SeqType)
    archived_records: Mapped[int] = mapped_column(SeqType)
    checkpoints_checked: Mapped[int] = mapped_column(Integer)
    last_seq: Mapped[int] = mapped_column(SeqType)
    problems: Mapped[list[Any]] = mapped_column(default=list)
    triggered_by: Mapped[str] = mapped_column(String(64))
    duration_ms: Mapped[int] = mapped_column(Integer)
