"""Tables of the master patient index (主索引).

Name, phone, address and every identifier value are SM4-GCM ciphertext (``EncryptedText``);
exact search goes through HMAC-SM3 blind indexes (``*_index`` columns). Birth date, sex code,
district and ethnicity stay in clear: they are needed for matching and statistics and do not
identify a resident on their own.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from healthnet.core.crypto import EncryptedText
from healthnet.core.db import Base, IdMixin, TimestampMixin, utcnow

STATUS_ACTIVE = "active"
STATUS_MERGED = "merged"

CANDIDATE_OPEN = "open"
CANDIDATE_MERGED = "merged"
CANDIDATE_DISMISSED = "dismissed"

EVENT_REGISTER = "register"
EVENT_MERGE = "merge"
EVENT_UNMERGE = "unmerge"
EVENT_LINK = "identifier_link"
EVENT_UNLINK = "identifier_unlink"


class Person(IdMixin, TimestampMixin, Base):
    """One resident. ``id`` is the platform id; ``master_id`` is the readable 主索引号."""

    __tablename__ = "patients_person"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'merged')", name="status_known"),
        CheckConstraint("sex_code IN ('0', '1', '2', '9')", name="sex_code_known"),
        CheckConstraint(
            "(status = 'merged') = (merged_into_id IS NOT NULL)", name="merged_has_target"
        ),
        # Candidate search: same name and same birth date (see matching.py).
        Index("ix_patients_person_name_birth", "name_index", "birth_date"),
    )

    master_id: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(EncryptedText("patients.person.name"))
    name_index: Mapped[str] = mapped_column(String(64))
    sex_code: Mapped[str] = mapped_column(String(1))
    birth_date: Mapped[date | None] = mapped_column(Date)
    phone: Mapped[str | None] = mapped_column(EncryptedText("patients.person.phone"))
    phone_index: Mapped[str | None] = mapped_column(String(64), index=True)
    address: Mapped[str | None] = mapped_column(EncryptedText("patients.person.address"))
    district_code: Mapped[str | None] = mapped_column(String(6), index=True)
    ethnicity_code: Mapped[str | None] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(16), default=STATUS_ACTIVE)
    merged_into_id: Mapped[str | None] = mapped_column(ForeignKey("patients_person.id"), index=True)
    created_by: Mapped[str | None] = mapped_column(String(32))
    # The resident's contracted family doctor (家庭医生), a staff account: their visits to other
    # institutions are handed over to this doctor (B3, healthnet.modules.records.handover).
    # An auth_user id, checked by the service (exists, active staff), without a database
    # foreign key: auth_user already refers to patients_person (a resident's account), and the
    # one generated initial revision cannot create a cycle of keys on PostgreSQL.
    family_doctor_user_id: Mapped[str | None] = mapped_column(String(32), index=True)

    identifiers: Mapped[list[Identifier]] = relationship(
        back_populates="person",
        order_by="Identifier.created_at",
        foreign_keys="Identifier.person_id",
    )


class Identifier(IdMixin, TimestampMixin, Base):
    """One identifier of a person. At most one *active* row per (type, value): the partial
    unique index makes "same identifier → same person" hold even under concurrent writes."""

    __tablename__ = "patients_identifier"
    __table_args__ = (
        Index(
            "uq_patients_identifier_active",
            "id_type",
            "value_index",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
        Index("ix_patients_identifier_value_index", "value_index"),
    )

    person_id: Mapped[str] = mapped_column(ForeignKey("patients_person.id"), index=True)
    id_type: Mapped[str] = mapped_column(String(40))
    value: Mapped[str] = mapped_column(EncryptedText("patients.identifier.value"))
    value_index: Mapped[str] = mapped_column(String(64))
    # Issuing country (ISO 3166-1 alpha-3) for passports; free text for other documents.
    issuer: Mapped[str | None] = mapped_column(String(64))
    # Issuing institution of a hospital card.
    institution_id: Mapped[str | None] = mapped_column(
        ForeignKey("orgs_institution.id"), index=True
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    person: Mapped[Person] = relationship(back_populates="identifiers", foreign_keys=[person_id])


class LinkEvent(IdMixin, Base):
    """History of registrations, identifier links and unlinks, merges and unmerges.

    ``snapshot`` holds ids only (never values): for a merge, the identifier ids moved from the
    merged person to the survivor and the review candidates closed, so unmerge puts back exactly
    those. ``undone_by_id`` marks a merge that an unmerge reversed.
    """

    __tablename__ = "patients_link_event"

    kind: Mapped[str] = mapped_column(String(24))
    person_id: Mapped[str] = mapped_column(ForeignKey("patients_person.id"), index=True)
    other_person_id: Mapped[str | None] = mapped_column(
        ForeignKey("patients_person.id"), index=True
    )
    identifier_id: Mapped[str | None] = mapped_column(ForeignKey("patients_identifier.id"))
    actor_user_id: Mapped[str] = mapped_column(String(32))
    actor_username: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    snapshot: Mapped[dict[str, Any]] = mapped_column(default=dict)
    undone_by_id: Mapped[str | None] = mapped_column(ForeignKey("patients_link_event.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class MatchCandidate(IdMixin, TimestampMixin, Base):
    """A pair of persons the rules think may be one resident, waiting for review.

    ``person_a_id < person_b_id`` so each pair has one row whichever was registered first.
    """

    __tablename__ = "patients_match_candidate"
    __table_args__ = (
        UniqueConstraint("person_a_id", "person_b_id"),
        CheckConstraint("person_a_id < person_b_id", name="ordered_pair"),
        CheckConstraint("status IN ('open', 'merged', 'dismissed')", name="status_known"),
        CheckConstraint("band IN ('match', 'possible_match')", name="band_known"),
    )

    person_a_id: Mapped[str] = mapped_column(ForeignKey("patients_person.id"), index=True)
    person_b_id: Mapped[str] = mapped_column(ForeignKey("patients_person.id"), index=True)
    score: Mapped[float] = mapped_column(Float)
    band: Mapped[str] = mapped_column(String(16))
    # Which fields agreed, e.g. ["name", "birthDate"]; field names only, never values.
    agreeing: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(16), default=CANDIDATE_OPEN, index=True)
    reviewed_by: Mapped[str | None] = mapped_column(String(32))
    reviewed_at: Mapped[datetime | None] = mapped_column()
    review_note: Mapped[str | None] = mapped_column(Text)


class CareGrant(IdMixin, Base):
    """An institution outside a resident's usual data scope that takes care of them, e.g. the
    community a registrant moved to (a registry transfer): while the grant is open
    (``ended_at`` empty) the resident is in the data scope of that institution's staff
    (decision 0018). ``source`` / ``source_id`` say what gave it (``programs.transfer`` and the
    enrolment id); the giving and the ending are audited."""

    __tablename__ = "patients_care_grant"
    __table_args__ = (
        Index("ix_patients_care_grant_institution_person", "institution_id", "person_id"),
    )

    person_id: Mapped[str] = mapped_column(ForeignKey("patients_person.id"), index=True)
    institution_id: Mapped[str] = mapped_column(ForeignKey("orgs_institution.id"))
    source: Mapped[str] = mapped_column(String(64))
    source_id: Mapped[str] = mapped_column(String(32), index=True)
    granted_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column()
    ended_by: Mapped[str | None] = mapped_column(String(32))
