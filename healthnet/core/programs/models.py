"""Tables of the program engine.

Metadata: a program (code, kind, its current version) and its versions. A version holds the
whole validated program file (``definition``, the JSON of
:class:`healthnet.core.programs.definition.ProgramSpec`) and is never changed once stored, so
a record captured with version 3 is always read and validated against version 3 (decision
0015). Captured data: enrolments (a registration, or a report card of a single-event program),
their stage events, workflow history and transfers. Values are JSON keyed by element code.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from healthnet.core.db import Base, IdMixin, TimestampMixin, utcnow

EVENT_SCHEDULED = "scheduled"
EVENT_COMPLETED = "completed"
EVENT_SKIPPED = "skipped"
EVENT_STATUSES = (EVENT_SCHEDULED, EVENT_COMPLETED, EVENT_SKIPPED)

TRANSFER_REQUESTED = "requested"
TRANSFER_ACCEPTED = "accepted"
TRANSFER_REJECTED = "rejected"

DUPLICATE_STATUS = "duplicate"  # an enrolment that is a duplicate report of another


class Program(IdMixin, TimestampMixin, Base):
    __tablename__ = "programs_program"

    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    # The version new records are captured with (the latest loaded).
    current_version_id: Mapped[str | None] = mapped_column(String(32))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class ProgramVersion(IdMixin, Base):
    __tablename__ = "programs_version"
    __table_args__ = (UniqueConstraint("program_id", "version"),)

    program_id: Mapped[str] = mapped_column(ForeignKey("programs_program.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    fingerprint: Mapped[str] = mapped_column(String(64))
    definition: Mapped[dict[str, Any]] = mapped_column()
    source_file: Mapped[str | None] = mapped_column(String(255))
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    loaded_by: Mapped[str | None] = mapped_column(String(64))


class Enrolment(IdMixin, TimestampMixin, Base):
    """A person in a program: an enrolment with follow-up, or one report card.

    ``is_open`` is true while an enrolment-kind record is in a non-terminal state; the partial
    unique index makes "at most one open enrolment per person and program" hold under
    concurrent writes. Report cards (single-event programs) are never "open" that way;
    a second report of the same case is stored with ``duplicate_of_id`` and status
    ``duplicate``.
    """

    __tablename__ = "programs_enrolment"
    __table_args__ = (
        Index(
            "uq_programs_enrolment_open",
            "program_id",
            "person_id",
            unique=True,
            sqlite_where=text("is_open"),
            postgresql_where=text("is_open"),
        ),
        Index("ix_programs_enrolment_org_status", "org_unit_id", "program_id", "status"),
        Index("ix_programs_enrolment_program_person", "program_id", "person_id"),
    )

    program_id: Mapped[str] = mapped_column(ForeignKey("programs_program.id"))
    version_id: Mapped[str] = mapped_column(ForeignKey("programs_version.id"), index=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("patients_person.id"), index=True)
    org_unit_id: Mapped[str] = mapped_column(ForeignKey("orgs_institution.id"))
    assigned_user_id: Mapped[str | None] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(64))
    is_open: Mapped[bool] = mapped_column(Boolean, default=False)
    enrolled_on: Mapped[date] = mapped_column(Date, index=True)
    incident_on: Mapped[date | None] = mapped_column(Date)
    values: Mapped[dict[str, Any]] = mapped_column(default=dict)
    duplicate_of_id: Mapped[str | None] = mapped_column(
        ForeignKey("programs_enrolment.id"), index=True
    )
    sensitivity: Mapped[str] = mapped_column(String(16), default="normal")
    # Copied from the patient index at enrolment for rules (ages) and indicator breakdowns;
    # neither identifies a resident on its own (the patient index keeps them in clear too).
    birth_on: Mapped[date | None] = mapped_column(Date)
    sex_code: Mapped[str | None] = mapped_column(String(1))
    created_by: Mapped[str | None] = mapped_column(String(32))


class Event(IdMixin, TimestampMixin, Base):
    """One stage event: scheduled (a due date, no data yet), completed or skipped."""

    __tablename__ = "programs_event"
    __table_args__ = (
        # the work lists: per institution / per responsible user, by status and due date
        Index("ix_programs_event_org_status_due", "org_unit_id", "status", "due_on"),
        Index("ix_programs_event_user_status_due", "assigned_user_id", "status", "due_on"),
        Index("ix_programs_event_enrolment_stage", "enrolment_id", "stage"),
    )

    enrolment_id: Mapped[str] = mapped_column(ForeignKey("programs_enrolment.id"))
    program_id: Mapped[str] = mapped_column(ForeignKey("programs_program.id"), index=True)
    version_id: Mapped[str] = mapped_column(ForeignKey("programs_version.id"))
    stage: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    due_on: Mapped[date | None] = mapped_column(Date)
    event_on: Mapped[date | None] = mapped_column(Date)
    org_unit_id: Mapped[str] = mapped_column(ForeignKey("orgs_institution.id"))
    assigned_user_id: Mapped[str | None] = mapped_column(String(32))
    values: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_by: Mapped[str | None] = mapped_column(String(32))
    # the rule (code) that scheduled it, if a rule did
    scheduled_by_rule: Mapped[str | None] = mapped_column(String(64))
    skip_reason: Mapped[str | None] = mapped_column(Text)


class StateChange(IdMixin, Base):
    """Workflow history of an enrolment (one row per transition, and the initial state)."""

    __tablename__ = "programs_state_change"

    enrolment_id: Mapped[str] = mapped_column(ForeignKey("programs_enrolment.id"), index=True)
    transition: Mapped[str | None] = mapped_column(String(64))
    from_state: Mapped[str | None] = mapped_column(String(64))
    to_state: Mapped[str] = mapped_column(String(64))
    actor_user_id: Mapped[str] = mapped_column(String(32))
    actor_role: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Transfer(IdMixin, TimestampMixin, Base):
    """Moving an enrolment to another institution: requested by the sending side, accepted
    or rejected by the receiving one."""

    __tablename__ = "programs_transfer"
    __table_args__ = (Index("ix_programs_transfer_to_status", "to_org_unit_id", "status"),)

    enrolment_id: Mapped[str] = mapped_column(ForeignKey("programs_enrolment.id"), index=True)
    from_org_unit_id: Mapped[str] = mapped_column(ForeignKey("orgs_institution.id"))
    to_org_unit_id: Mapped[str] = mapped_column(ForeignKey("orgs_institution.id"))
    status: Mapped[str] = mapped_column(String(16), default=TRANSFER_REQUESTED)
    reason: Mapped[str | None] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(32))
    decided_by: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[datetime | None] = mapped_column()
    decision_note: Mapped[str | None] = mapped_column(Text)


class IndicatorValue(Base):
    """Pre-aggregated program indicators (issue #6 "Statistics"): numerator and denominator of
    one indicator, for one institution and one period (``2026-03``, ``2026Q1``, ``2026``).

    Filled only by the refresh job (healthnet.core.programs.indicators), which replaces a
    program's rows in one transaction; districts are sums of their institutions, so the read
    API is an indexed lookup, never a scan of enrolments or events. ``fingerprint`` is the hash
    of the indicator's definition the numbers were computed with.
    """

    __tablename__ = "programs_indicator_value"
    __table_args__ = (
        # the dashboard: one program, one period, every indicator, by district
        Index(
            "ix_programs_indicator_value_read",
            "program_id",
            "period_type",
            "period",
            "district_code",
        ),
    )

    program_id: Mapped[str] = mapped_column(ForeignKey("programs_program.id"), primary_key=True)
    indicator: Mapped[str] = mapped_column(String(64), primary_key=True)
    period_type: Mapped[str] = mapped_column(String(8), primary_key=True)
    period: Mapped[str] = mapped_column(String(8), primary_key=True)
    org_unit_id: Mapped[str] = mapped_column(ForeignKey("orgs_institution.id"), primary_key=True)
    district_code: Mapped[str] = mapped_column(String(6))
    version_id: Mapped[str] = mapped_column(String(32))
    fingerprint: Mapped[str] = mapped_column(String(16))
    numerator: Mapped[int] = mapped_column(Integer, default=0)
    denominator: Mapped[int | None] = mapped_column(Integer)
    refreshed_at: Mapped[datetime] = mapped_column(default=utcnow)


class IndicatorRun(Base):
    """The last indicator refresh of a program: when, with which version, which years."""

    __tablename__ = "programs_indicator_run"

    program_id: Mapped[str] = mapped_column(ForeignKey("programs_program.id"), primary_key=True)
    version_id: Mapped[str] = mapped_column(String(32))
    refreshed_at: Mapped[datetime] = mapped_column(default=utcnow)
    first_year: Mapped[int] = mapped_column(Integer)
    last_year: Mapped[int] = mapped_column(Integer)
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)


class Signature(IdMixin, Base):
    """An SM2 signature over an enrolment, made on a workflow transition marked ``sign``
    (e.g. the confirmation of a medical certificate of death). The signed content is the
    canonical JSON of the enrolment's values with its identity and these columns (signer,
    time, transition, state), rebuilt at verification: a value or column changed afterwards
    makes the signature fail. Rows are kept when a record is corrected and signed again."""

    __tablename__ = "programs_signature"

    enrolment_id: Mapped[str] = mapped_column(ForeignKey("programs_enrolment.id"), index=True)
    state_change_id: Mapped[str] = mapped_column(ForeignKey("programs_state_change.id"))
    transition: Mapped[str] = mapped_column(String(64))
    to_state: Mapped[str] = mapped_column(String(64))
    algorithm: Mapped[str] = mapped_column(String(32))  # SM2-with-SM3
    signer_user_id: Mapped[str] = mapped_column(String(32))
    certificate_id: Mapped[str] = mapped_column(String(32))
    certificate_serial: Mapped[str] = mapped_column(String(64))
    content_digest: Mapped[str] = mapped_column(String(64))  # SM3 hex of the signed content
    signature: Mapped[bytes] = mapped_column(LargeBinary)  # detached CMS SignedData (DER)
    signed_at: Mapped[datetime] = mapped_column()
