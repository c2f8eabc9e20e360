from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from healthnet.core.db import Base, IdMixin, TimestampMixin


class Role(IdMixin, TimestampMixin, Base):
    __tablename__ = "auth_role"

    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    # "*" grants every permission; the identity issue replaces this with role–permission rows.
    permissions: Mapped[list[Any]] = mapped_column(default=list)
    data_scope: Mapped[str] = mapped_column(String(16), default="institution")
    builtin: Mapped[bool] = mapped_column(default=False)


class User(IdMixin, TimestampMixin, Base):
    __tablename__ = "auth_user"

    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(256))
    institution_id: Mapped[str | None] = mapped_column(
        ForeignKey("orgs_institution.id"), index=True
    )
    is_active: Mapped[bool] = mapped_column(default=True)
    must_change_password: Mapped[bool] = mapped_column(default=True)
    roles: Mapped[list[Role]] = relationship(secondary="auth_user_role", lazy="selectin")


class UserRole(Base):
    __tablename__ = "auth_user_role"

    user_id: Mapped[str] = mapped_column(ForeignKey("auth_user.id"), primary_key=True)
    role_id: Mapped[str] = mapped_column(ForeignKey("auth_role.id"), primary_key=True)


class LoginSession(Base):
    """Server-side session; only the SM3 hash of the bearer token is stored."""

    __tablename__ = "auth_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("auth_user.id"), index=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked: Mapped[bool] = mapped_column(default=False)
