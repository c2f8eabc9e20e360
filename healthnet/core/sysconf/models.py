"""System parameters, dictionary types and their items."""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from healthnet.core.db import Base, IdMixin, TimestampMixin

VALUE_TYPES = ("string", "int", "bool", "json")
# Element Plus <el-tag> types; '' is the default (primary) look.
TAG_TYPES = ("", "success", "info", "warning", "danger")


class Parameter(IdMixin, TimestampMixin, Base):
    __tablename__ = "sysconf_parameter"
    __table_args__ = (
        CheckConstraint("value_type IN ('string', 'int', 'bool', 'json')", name="value_type_known"),
    )

    # Dotted, e.g. "ui.system_name"; keys under "ui." are public (shown before sign-in).
    key: Mapped[str] = mapped_column(String(64), unique=True)
    # Always text; ``value_type`` says how to read it (healthnet.core.sysconf.service.typed).
    value: Mapped[str] = mapped_column(Text, default="")
    value_type: Mapped[str] = mapped_column(String(8), default="string")
    name: Mapped[str] = mapped_column(String(100))  # Chinese
    description: Mapped[str | None] = mapped_column(Text)
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    # False: only the deployment (metadata, command line) sets it, not the console.
    editable: Mapped[bool] = mapped_column(Boolean, default=True)


class DictType(IdMixin, TimestampMixin, Base):
    __tablename__ = "sysconf_dict_type"

    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class DictItem(IdMixin, TimestampMixin, Base):
    __tablename__ = "sysconf_dict_item"
    __table_args__ = (
        UniqueConstraint("type_code", "value"),
        CheckConstraint(
            "tag_type IN ('', 'success', 'info', 'warning', 'danger')", name="tag_type_known"
        ),
    )

    type_code: Mapped[str] = mapped_column(
        ForeignKey("sysconf_dict_type.code", ondelete="CASCADE"), index=True
    )
    # What records store; never changes once created (deactivate instead).
    value: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(100))
    label_en: Mapped[str] = mapped_column(String(100), default="")
    sort: Mapped[int] = mapped_column(Integer, default=0)
    tag_type: Mapped[str] = mapped_column(String(8), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)
