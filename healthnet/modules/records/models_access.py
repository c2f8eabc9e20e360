"""Tables of record retrieval (调阅): residents' hidden categories and break-the-glass grants.

The clinical rows themselves are in :mod:`healthnet.modules.records.models`; who may read them is
decided by :mod:`healthnet.modules.records.access` (see ``docs/decisions/0013-record-access.md``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from healthnet.core.db import Base, IdMixin, TimestampMixin, utcnow
from healthnet.core.rbac.integrity import IntegrityMixin

REVIEW_PENDING = "pending"
REVIEW_APPROVED = "approved"
REVIEW_QUESTIONED = "questioned"
REVIEW_STATUSES = (REVIEW_PENDING, REVIEW_APPROVED, REVIEW_QUESTIONED)


class Consent(IntegrityMixin, IdMixin, TimestampMixin, Base):
    """A resident's choice for one sensitivity category (``mental``, ``hiv``, ...): while
    ``hidden`` is true, rows of that category are withheld from every institution except the
    one that produced them. No row means "not hidden".

    The choice is access-control data: it carries the HMAC-SM3 integrity tag of
    :mod:`healthnet.core.rbac.integrity` (SECURITY.md "integrity of access-control data"). A row
    changed in the database behind the application's back fails its tag; the readers then
    treat its category as hidden (records.access.hidden_categories) and
    ``healthnet rbac verify-integrity`` names the row."""

    __tablename__ = "records_consent"
    __table_args__ = (UniqueConstraint("person_id", "category"),)
    __integrity_fields__ = ("person_id", "category", "hidden", "changed_by")

    person_id: Mapped[str] = mapped_column(ForeignKey("patients_person.id"))
    category: Mapped[str] = mapped_column(String(24))
    hidden: Mapped[bool] = mapped_column(Boolean, default=True)
    # The account that made the choice (the resident, or staff on their written request).
    changed_by: Mapped[str | None] = mapped_column(String(32))


class BreakGlass(IdMixin, Base):
    """One emergency access (破窗调阅): one user, one resident, a written reason, an expiry.

    While it has not expired the same user reads the same resident's record without giving the
    reason again; every view is audited with the grant's id. Every grant waits on the review list
    (``records:breakglass:review``) until medical affairs approve or question it."""

    __tablename__ = "records_break_glass"
    __table_args__ = (
        CheckConstraint(
            "review_status IN ('pending', 'approved', 'questioned')", name="review_status_known"
        ),
        Index("ix_records_break_glass_user_person", "user_id", "person_id", "expires_at"),
        Index("ix_records_break_glass_review", "review_status", "created_at"),
    )

    person_id: Mapped[str] = mapped_column(ForeignKey("patients_person.id"), index=True)
    user_id: Mapped[str] = mapped_column(String(32))
    institution_id: Mapped[str | None] = mapped_column(ForeignKey("orgs_institution.id"))
    role_codes: Mapped[str | None] = mapped_column(String(255))
    purpose: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    # How many times the record was viewed under this grant, and whether a view revealed
    # categories the resident had hidden (only an emergency grant does).
    views: Mapped[int] = mapped_column(default=0)
    revealed_hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    review_status: Mapped[str] = mapped_column(String(16), default=REVIEW_PENDING)
    reviewed_by: Mapped[str | None] = mapped_column(String(32))
    reviewed_at: Mapped[datetime | None] = mapped_column()
    review_note: Mapped[str | None] = mapped_column(Text)
