"""Tables of the shared health record (共享健康档案): what hospitals send about a resident.

Every clinical row names the resident (``person_id``, the master patient index), the sending
institution and the sender's business identifier (``source_id``). ``records_source_key`` keeps
``(institution_id, kind, source_id)`` unique across all kinds — resending a record updates it
instead of adding a copy — in one plain table, because a unique constraint on a partitioned table
would have to include the partition column.

Encounter, medication order and lab result are range-partitioned by time on PostgreSQL
(:mod:`healthnet.modules.records.partitions`): their primary key is ``(id, <time>)`` and no
foreign key points into them (``encounter_id`` columns are plain indexed columns).
``sensitivity`` is set at ingest by :mod:`healthnet.modules.records.sensitivity`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from healthnet.core.db import Base, IdMixin, TimestampMixin, new_id
from healthnet.modules.records import partitions as _partitions  # noqa: F401  (DDL listener)

KIND_ENCOUNTER = "encounter"
KIND_DIAGNOSIS = "diagnosis"
KIND_MEDICATION = "medication_order"
KIND_LAB = "lab_result"
KIND_EXAM = "exam_report"
KIND_DOCUMENT = "document"
KIND_IMMUNIZATION = "immunization"
KINDS = (
    KIND_ENCOUNTER,
    KIND_DIAGNOSIS,
    KIND_MEDICATION,
    KIND_LAB,
    KIND_EXAM,
    KIND_DOCUMENT,
    KIND_IMMUNIZATION,
)

ENCOUNTER_CLASSES = ("outpatient", "emergency", "inpatient")


class _Clinical(TimestampMixin):
    """Columns every clinical row has (the id column is declared by each table)."""

    person_id: Mapped[str] = mapped_column(ForeignKey("patients_person.id"))
    institution_id: Mapped[str] = mapped_column(ForeignKey("orgs_institution.id"))
    source_id: Mapped[str] = mapped_column(String(128))
    # "mental", "hiv", "reproductive", ... or None (see sensitivity.py).
    sensitivity: Mapped[str | None] = mapped_column(String(24))


class _PartitionedId:
    # The primary key is (id, <partition column>): PostgreSQL requires the partition column in
    # it; ``id`` first so a look-up by id uses the key's index in every partition.
    id: Mapped[str] = mapped_column(String(32), default=new_id)


class SourceKey(IdMixin, Base):
    """The one row per (sending institution, kind, business identifier) → the stored record."""

    __tablename__ = "records_source_key"
    __table_args__ = (UniqueConstraint("institution_id", "kind", "source_id"),)

    institution_id: Mapped[str] = mapped_column(ForeignKey("orgs_institution.id"))
    kind: Mapped[str] = mapped_column(String(24))
    source_id: Mapped[str] = mapped_column(String(128))
    record_id: Mapped[str] = mapped_column(String(32), index=True)


class Encounter(_PartitionedId, _Clinical, Base):
    __tablename__ = "records_encounter"
    __table_args__ = (
        CheckConstraint(
            "class_code IN ('outpatient', 'emergency', 'inpatient')", name="class_known"
        ),
        Index("ix_records_encounter_person_time", "person_id", "start_at"),
        Index("ix_records_encounter_institution_time", "institution_id", "start_at"),
        PrimaryKeyConstraint("id", "start_at"),
        {"postgresql_partition_by": "RANGE (start_at)"},
    )

    start_at: Mapped[datetime] = mapped_column()
    end_at: Mapped[datetime | None] = mapped_column()
    class_code: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="finished")
    department_code: Mapped[str | None] = mapped_column(String(32))
    department_name: Mapped[str | None] = mapped_column(String(100))
    attending_name: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(255))


class Diagnosis(IdMixin, _Clinical, Base):
    __tablename__ = "records_diagnosis"
    __table_args__ = (Index("ix_records_diagnosis_person_time", "person_id", "recorded_at"),)

    encounter_id: Mapped[str | None] = mapped_column(String(32), index=True)
    icd10_code: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="primary")  # primary | secondary
    clinical_status: Mapped[str | None] = mapped_column(String(16))
    recorded_at: Mapped[datetime] = mapped_column()


class MedicationOrder(_PartitionedId, _Clinical, Base):
    __tablename__ = "records_medication_order"
    __table_args__ = (
        Index("ix_records_medication_order_person_time", "person_id", "ordered_at"),
        PrimaryKeyConstraint("id", "ordered_at"),
        {"postgresql_partition_by": "RANGE (ordered_at)"},
    )

    ordered_at: Mapped[datetime] = mapped_column()
    encounter_id: Mapped[str | None] = mapped_column(String(32), index=True)
    drug_code: Mapped[str] = mapped_column(String(64))
    generic_name: Mapped[str] = mapped_column(String(200))
    ingredient_code: Mapped[str | None] = mapped_column(String(64))
    ingredient_name: Mapped[str | None] = mapped_column(String(200))
    atc_code: Mapped[str | None] = mapped_column(String(16))
    dose: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    dose_unit: Mapped[str | None] = mapped_column(String(32))
    route: Mapped[str | None] = mapped_column(String(64))
    frequency: Mapped[str | None] = mapped_column(String(64))
    days_supply: Mapped[int | None] = mapped_column(Integer)
    quantity: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    quantity_unit: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="active")


class LabResult(_PartitionedId, _Clinical, Base):
    __tablename__ = "records_lab_result"
    __table_args__ = (
        Index("ix_records_lab_result_person_time", "person_id", "collected_at"),
        Index("ix_records_lab_result_person_item", "person_id", "item_code", "collected_at"),
        PrimaryKeyConstraint("id", "collected_at"),
        {"postgresql_partition_by": "RANGE (collected_at)"},
    )

    # When the specimen was taken (Observation.effective[x]); the partition column.
    collected_at: Mapped[datetime] = mapped_column()
    reported_at: Mapped[datetime | None] = mapped_column()
    encounter_id: Mapped[str | None] = mapped_column(String(32), index=True)
    item_code: Mapped[str] = mapped_column(String(64))
    item_name: Mapped[str] = mapped_column(String(200))
    value: Mapped[str | None] = mapped_column(String(255))
    value_numeric: Mapped[Decimal | None] = mapped_column(Numeric(18, 6))
    unit: Mapped[str | None] = mapped_column(String(32))
    reference_range: Mapped[str | None] = mapped_column(String(100))
    reference_low: Mapped[Decimal | None] = mapped_column(Numeric(18, 6))
    reference_high: Mapped[Decimal | None] = mapped_column(Numeric(18, 6))
    # HL7 v2 table 0078 style: N normal, H high, L low, HH/LL critical, A abnormal.
    abnormal_flag: Mapped[str | None] = mapped_column(String(4))
    specimen: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="final")


class ExamReport(IdMixin, _Clinical, Base):
    __tablename__ = "records_exam_report"
    __table_args__ = (
        Index("ix_records_exam_report_person_time", "person_id", "performed_at"),
        Index("ix_records_exam_report_person_item", "person_id", "item_code", "performed_at"),
    )

    encounter_id: Mapped[str | None] = mapped_column(String(32), index=True)
    modality: Mapped[str | None] = mapped_column(String(32))  # CT, MR, US, DX, ECG ...
    item_code: Mapped[str] = mapped_column(String(64))
    item_name: Mapped[str] = mapped_column(String(200))
    body_part: Mapped[str | None] = mapped_column(String(100))
    findings: Mapped[str | None] = mapped_column(Text)
    conclusion: Mapped[str | None] = mapped_column(Text)
    abnormal: Mapped[bool | None] = mapped_column()
    performed_at: Mapped[datetime] = mapped_column()
    reported_at: Mapped[datetime | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="final")


class Document(IdMixin, _Clinical, Base):
    __tablename__ = "records_document"
    __table_args__ = (Index("ix_records_document_person_time", "person_id", "authored_at"),)

    encounter_id: Mapped[str | None] = mapped_column(String(32), index=True)
    type_code: Mapped[str] = mapped_column(String(64))
    type_name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100), default="text/plain")
    content: Mapped[str | None] = mapped_column(Text)
    # SM3 (or SHA-256) digest of an attachment kept outside the database.
    attachment_hash: Mapped[str | None] = mapped_column(String(128))
    attachment_url: Mapped[str | None] = mapped_column(String(500))
    authored_at: Mapped[datetime] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="current")


class Immunization(IdMixin, _Clinical, Base):
    __tablename__ = "records_immunization"
    __table_args__ = (Index("ix_records_immunization_person_time", "person_id", "occurred_at"),)

    encounter_id: Mapped[str | None] = mapped_column(String(32), index=True)
    vaccine_code: Mapped[str] = mapped_column(String(64))
    vaccine_name: Mapped[str] = mapped_column(String(200))
    dose_number: Mapped[int | None] = mapped_column(Integer)
    occurred_at: Mapped[datetime] = mapped_column()
    lot_number: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="completed")


MODELS: dict[str, type[Base]] = {
    KIND_ENCOUNTER: Encounter,
    KIND_DIAGNOSIS: Diagnosis,
    KIND_MEDICATION: MedicationOrder,
    KIND_LAB: LabResult,
    KIND_EXAM: ExamReport,
    KIND_DOCUMENT: Document,
    KIND_IMMUNIZATION: Immunization,
}
