"""Accounts, credentials, login state and sessions.

Secrets never sit in the database in a usable form: passwords are PBKDF2-HMAC-SM3 hashes,
session tokens and login tickets are SM3 hashes, recovery codes are HMAC-SM3 (keyed outside the
database), TOTP secrets are SM4-GCM ciphertext.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from healthnet.core import generations
from healthnet.core.crypto import EncryptedText
from healthnet.core.db import Base, IdMixin, TimestampMixin, new_id, utcnow
from healthnet.core.rbac.integrity import IntegrityMixin
from healthnet.core.rbac.models import Role

KIND_STAFF = "staff"
KIND_RESIDENT = "resident"


class User(IntegrityMixin, IdMixin, TimestampMixin, Base):
    """A staff member (``kind='staff'``, belongs to an institution) or a resident
    (``kind='resident'``, linked to their master-patient-index person)."""

    __tablename__ = "auth_user"
    # HMAC-SM3 tag over what decides who may log in and what they reach (rbac.integrity);
    # change these only through the ORM so the tag follows.
    __integrity_fields__ = (
        "username",
        "password_hash",
        "kind",
        "is_active",
        "institution_id",
        "person_id",
    )

    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(256))
    kind: Mapped[str] = mapped_column(String(16), default=KIND_STAFF)
    institution_id: Mapped[str | None] = mapped_column(
        ForeignKey("orgs_institution.id"), index=True
    )
    department_id: Mapped[str | None] = mapped_column(ForeignKey("orgs_department.id"))
    # Residents: the platform id of their person, and the HMAC-SM3 index of the mobile number
    # they log in with (never the number itself).
    person_id: Mapped[str | None] = mapped_column(ForeignKey("patients_person.id"), unique=True)
    phone_index: Mapped[str | None] = mapped_column(String(64), unique=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    must_change_password: Mapped[bool] = mapped_column(default=True)
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(default=None)
    # Read-only view; roles are granted through healthnet.core.rbac.service.
    roles: Mapped[list[Role]] = relationship(
        secondary="rbac_user_role", lazy="selectin", viewonly=True, order_by="Role.code"
    )


class PasswordHistory(IdMixin, Base):
    """Earlier password hashes, so a new password cannot repeat one of the last N."""

    __tablename__ = "auth_password_history"

    user_id: Mapped[str] = mapped_column(ForeignKey("auth_user.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LoginLock(Base):
    """Consecutive login failures per account (``u:<user id>``) — or, for names that match no
    account, per HMAC of the typed name (``n:<hmac>``), so an unknown name locks exactly like a
    real one and the answers cannot tell them apart. One row per key, shared by every process."""

    __tablename__ = "auth_login_lock"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class RateLimitBucket(Base):
    """Sliding-window counter (current and previous fixed window), e.g. ``login:ip:10.0.0.1``."""

    __tablename__ = "auth_rate_limit"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    window_start: Mapped[datetime]
    count: Mapped[int] = mapped_column(Integer, default=0)
    prev_count: Mapped[int] = mapped_column(Integer, default=0)


class LoginTicket(Base):
    """Between login steps: after the password, before the second factor or the forced password
    change. Only the SM3 hash of the ticket is stored; it works only for its ``stage``."""

    __tablename__ = "auth_login_ticket"

    ticket_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("auth_user.id"), index=True)
    stage: Mapped[str] = mapped_column(String(24))  # second_factor | change_password
    delivery: Mapped[str] = mapped_column(String(8), default="bearer")  # bearer | cookie
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)


class TotpCredential(Base):
    """RFC 6238 secret of one user. ``pending_secret`` holds an enrolment not yet confirmed;
    ``last_step`` is the last accepted time step, so each code works once."""

    __tablename__ = "auth_totp"

    user_id: Mapped[str] = mapped_column(ForeignKey("auth_user.id"), primary_key=True)
    secret: Mapped[str | None] = mapped_column(EncryptedText("auth.totp.secret"))
    pending_secret: Mapped[str | None] = mapped_column(EncryptedText("auth.totp.pending_secret"))
    confirmed_at: Mapped[datetime | None] = mapped_column(default=None)
    last_step: Mapped[int | None] = mapped_column(BigInteger, default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class RecoveryCode(IdMixin, Base):
    __tablename__ = "auth_recovery_code"

    user_id: Mapped[str] = mapped_column(ForeignKey("auth_user.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(default=None)


class LoginSession(Base):
    """Server-side session; only the SM3 hash of the bearer token is stored. ``id`` is a public
    handle for the online-users list and forced logout, unrelated to the token."""

    __tablename__ = "auth_session"
    __table_args__ = (Index("ix_auth_session_active", "revoked", "expires_at"),)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(32), unique=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("auth_user.id"), index=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked: Mapped[bool] = mapped_column(default=False)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_reason: Mapped[str | None] = mapped_column(String(24), default=None)
    client_ip: Mapped[str | None] = mapped_column(String(45), default=None)
    user_agent: Mapped[str | None] = mapped_column(String(255), default=None)
    auth_method: Mapped[str] = mapped_column(String(24), default="password")
    delivery: Mapped[str] = mapped_column(String(8), default="bearer")


class LoginLog(IdMixin, Base):
    """Every login attempt, success or failure (MLPS 安全审计). Written in its own transaction."""

    __tablename__ = "auth_login_log"

    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[str | None] = mapped_column(String(32), index=True)
    username: Mapped[str] = mapped_column(String(64))  # as typed, truncated; numbers masked
    client_ip: Mapped[str | None] = mapped_column(String(45), index=True)
    user_agent: Mapped[str | None] = mapped_column(String(255))
    step: Mapped[str] = mapped_column(String(24))  # password | totp | recovery_code | sm2_cert...
    result: Mapped[str] = mapped_column(String(24))  # success | next_step | failure | locked ...
    reason: Mapped[str | None] = mapped_column(String(64))


# An Actor carries the account's identity, status and institution (core.auth.actor_cache); a
# sign-in stamping last_login_at or a password change does not count.
ACTOR_USER_FIELDS = ("username", "kind", "is_active", "institution_id", "person_id")
generations.watch("access", ("auth_user",), fields=ACTOR_USER_FIELDS)
