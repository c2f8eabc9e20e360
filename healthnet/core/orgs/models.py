"""Districts, institutions and departments: the organisation tree every other slice points at."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from healthnet.core import generations
from healthnet.core.db import Base, IdMixin, TimestampMixin


class District(Base):
    """A district (区) keyed by its GB/T 2260 administrative division code, e.g. 310101."""

    __tablename__ = "orgs_district"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(32))
    name_en: Mapped[str] = mapped_column(String(64), default="")
    # Rough centre for map views; not a boundary.
    longitude: Mapped[float | None] = mapped_column(Float)
    latitude: Mapped[float | None] = mapped_column(Float)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class Institution(IdMixin, TimestampMixin, Base):
    __tablename__ = "orgs_institution"
    __table_args__ = (CheckConstraint("beds IS NULL OR beds >= 0", name="beds_non_negative"),)

    # Registration code (登记号) used by hospitals' own systems; the natural key of imports.
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    short_name: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    level: Mapped[str] = mapped_column(String(16), default="ungraded", index=True)
    district_code: Mapped[str] = mapped_column(ForeignKey("orgs_district.code"), index=True)
    address: Mapped[str | None] = mapped_column(String(255))
    longitude: Mapped[float | None] = mapped_column(Float)
    latitude: Mapped[float | None] = mapped_column(Float)
    beds: Mapped[int | None] = mapped_column(Integer)
    # Not unique: branch campuses (多院区) are registered separately but share the legal
    # person's code.
    credit_code: Mapped[str | None] = mapped_column(String(18), index=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("orgs_institution.id"), index=True)

    district: Mapped[District] = relationship(lazy="joined", innerjoin=True)

    @property
    def district_name(self) -> str:
        return self.district.name


class Department(IdMixin, TimestampMixin, Base):
    __tablename__ = "orgs_department"
    __table_args__ = (UniqueConstraint("institution_id", "code"),)

    institution_id: Mapped[str] = mapped_column(ForeignKey("orgs_institution.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    # Top-level category of 医疗机构诊疗科目名录 (e.g. "03" 内科);
    # see metadata/department_categories.yaml.
    category: Mapped[str | None] = mapped_column(String(8))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


# An Actor carries its institution's district (core.auth.actor_cache).
generations.watch("access", ("orgs_institution",))
