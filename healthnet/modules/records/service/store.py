"""Writing clinical records: one upsert per record, keyed by the sender's business identifier.

Used by the FHIR endpoint, the bulk import and the demo data. ``values`` are the row's columns
except the keys; sensitivity is derived here (see :mod:`..sensitivity`) unless given.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from healthnet.core.db import new_id, utcnow
from healthnet.modules.records import handover, sensitivity
from healthnet.modules.records.models import (
    KIND_DIAGNOSIS,
    KIND_ENCOUNTER,
    KIND_LAB,
    KIND_MEDICATION,
    MODELS,
    Encounter,
    SourceKey,
)


@dataclass
class Stored:
    kind: str
    row: Any
    created: bool


def derive_sensitivity(kind: str, values: dict[str, Any]) -> str | None:
    if kind == KIND_DIAGNOSIS:
        return sensitivity.for_icd10(values.get("icd10_code"))
    if kind == KIND_MEDICATION:
        return sensitivity.for_atc(values.get("atc_code"))
    if kind == KIND_LAB:
        return sensitivity.for_lab_item(values.get("item_code"))
    if kind == KIND_ENCOUNTER:
        return sensitivity.for_department(values.get("department_name"))
    return None


def find_record(session: Session, kind: str, record_id: str) -> Any | None:
    model: Any = MODELS[kind]
    return session.scalars(select(model).where(model.id == record_id)).one_or_none()


def find_by_source(
    session: Session, *, kind: str, institution_id: str, source_id: str
) -> Any | None:
    key = session.scalars(
        select(SourceKey).where(
            SourceKey.institution_id == institution_id,
            SourceKey.kind == kind,
            SourceKey.source_id == source_id,
        )
    ).one_or_none()
    return None if key is None else find_record(session, kind, key.record_id)


def upsert(
    *,
    session: Session,
    kind: str,
    person_id: str,
    institution_id: str,
    source_id: str,
    values: dict[str, Any],
) -> Stored:
    """Create the record, or update the one this institution sent before under ``source_id``.

    An ingested encounter is handed to :func:`handover.on_encounter` after the flush."""
    values = dict(values)
    if "sensitivity" not in values:
        values["sensitivity"] = derive_sensitivity(kind, values)
    model: Any = MODELS[kind]
    row: Any = find_by_source(
        session, kind=kind, institution_id=institution_id, source_id=source_id
    )
    created = row is None
    if row is None:
        row = model(
            person_id=person_id, institution_id=institution_id, source_id=source_id, **values
        )
        session.add(row)
        session.flush()
        session.add(
            SourceKey(
                institution_id=institution_id, kind=kind, source_id=source_id, record_id=row.id
            )
        )
    else:
        row.person_id = person_id
        for name, value in values.items():
            setattr(row, name, value)
        row.updated_at = utcnow()
    session.flush()
    if kind == KIND_ENCOUNTER:
        handover.on_encounter(session=session, encounter=row)
    return Stored(kind, row, created)


def mark_encounter_sensitive(session: Session, encounter_id: str, category: str) -> None:
    """A sensitive diagnosis makes its encounter sensitive too (if not already)."""
    enc = session.scalars(select(Encounter).where(Encounter.id == encounter_id)).one_or_none()
    if enc is not None and enc.sensitivity is None:
        enc.sensitivity = category
        session.flush()


def bulk_insert(*, session: Session, kind: str, rows: list[dict[str, Any]]) -> int:
    """Insert new records in one statement per table (backfills, demo data).

    Each row has ``id``, ``person_id``, ``institution_id``, ``source_id`` and the kind's
    columns; sensitivity is derived as for :func:`upsert`. The caller guarantees the source ids
    are new (a repeated one fails on the unique key). No handover: this is history.
    """
    if not rows:
        return 0
    now = utcnow()
    model: Any = MODELS[kind]
    for row in rows:
        if "sensitivity" not in row:
            row["sensitivity"] = derive_sensitivity(kind, row)
        row.setdefault("created_at", now)
        row.setdefault("updated_at", now)
    session.execute(insert(model), rows)
    session.execute(
        insert(SourceKey),
        [
            {
                "id": new_id(),
                "institution_id": r["institution_id"],
                "kind": kind,
                "source_id": r["source_id"],
                "record_id": r["id"],
            }
            for r in rows
        ],
    )
    return len(rows)
