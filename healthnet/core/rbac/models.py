"""Roles, their permissions and data scope, and who holds them.

Every row carries an HMAC-SM3 integrity tag (:mod:`healthnet.core.rbac.integrity`). A role's
tag also covers ``permissions_digest``, an SM3 digest of its whole permission and institution
set, so adding or deleting a permission row behind the application's back is detected too.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from healthnet.core import generations
from healthnet.core.db import Base, IdMixin, TimestampMixin, utcnow
from healthnet.core.rbac.integrity import IntegrityMixin

# 三员分立 duties of the built-in administrator roles.
DUTY_SYSTEM = "system"  # 系统管理员
DUTY_SECURITY = "security"  # 安全管理员
DUTY_AUDIT = "audit"  # 审计管理员
DUTIES = (DUTY_SYSTEM, DUTY_SECURITY, DUTY_AUDIT)


class Role(IntegrityMixin, IdMixin, TimestampMixin, Base):
    __tablename__ = "rbac_role"
    __table_args__ = (
        CheckConstraint(
            "data_scope IN ('own', 'institution', 'custom', 'district', 'city')",
            name="data_scope_known",
        ),
        CheckConstraint(
            "duty IS NULL OR duty IN ('system', 'security', 'audit')", name="duty_known"
        ),
    )
    __integrity_fields__ = ("code", "data_scope", "builtin", "duty", "permissions_digest")

    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(100), default="")
    description: Mapped[str | None] = mapped_column(Text)
    data_scope: Mapped[str] = mapped_column(String(16), default="institution")
    builtin: Mapped[bool] = mapped_column(default=False)
    duty: Mapped[str | None] = mapped_column(String(16))
    permissions_digest: Mapped[str] = mapped_column(String(64), default="")

    permission_rows: Mapped[list[RolePermission]] = relationship(
        back_populates="role",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="RolePermission.permission",
    )
    institution_rows: Mapped[list[RoleInstitution]] = relationship(
        back_populates="role",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="RoleInstitution.institution_id",
    )

    @property
    def permissions(self) -> list[str]:
        return [p.permission for p in self.permission_rows]

    @property
    def institution_ids(self) -> list[str]:
        return [r.institution_id for r in self.institution_rows]


class RolePermission(IntegrityMixin, Base):
    __tablename__ = "rbac_role_permission"

    role_id: Mapped[str] = mapped_column(
        ForeignKey("rbac_role.id", ondelete="CASCADE"), primary_key=True
    )
    permission: Mapped[str] = mapped_column(String(100), primary_key=True)

    role: Mapped[Role] = relationship(back_populates="permission_rows")


class RoleInstitution(IntegrityMixin, Base):
    """The institutions of a role with the ``custom`` data scope."""

    __tablename__ = "rbac_role_institution"

    role_id: Mapped[str] = mapped_column(
        ForeignKey("rbac_role.id", ondelete="CASCADE"), primary_key=True
    )
    institution_id: Mapped[str] = mapped_column(
        ForeignKey("orgs_institution.id"), primary_key=True, index=True
    )

    role: Mapped[Role] = relationship(back_populates="institution_rows")


class UserRole(IntegrityMixin, Base):
    __tablename__ = "rbac_user_role"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("auth_user.id", ondelete="CASCADE"), primary_key=True
    )
    role_id: Mapped[str] = mapped_column(ForeignKey("rbac_role.id"), primary_key=True, index=True)
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    granted_by: Mapped[str | None] = mapped_column(String(32))

    role: Mapped[Role] = relationship(lazy="joined")


# What an Actor is built from (core.auth.actor_cache): a change counts at once in every process.
generations.watch(
    "access", ("rbac_role", "rbac_role_permission", "rbac_role_institution", "rbac_user_role")
)
