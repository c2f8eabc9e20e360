"""Time partitioning of the large fact tables on PostgreSQL (plain tables on SQLite)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from healthnet.core.orgs.models import Institution
from healthnet.modules.records import partitions
from healthnet.modules.records.models import KIND_ENCOUNTER, Encounter
from healthnet.modules.records.service import store

from .test_facts import _person


def _pg(db: Session) -> None:
    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("partitions exist on PostgreSQL only")


def test_the_migration_made_partitioned_tables_with_default_and_yearly_partitions(
    db: Session,
) -> None:
    _pg(db)
    parents = set(
        db.scalars(
            text("SELECT relname FROM pg_class WHERE relkind = 'p' AND relname LIKE 'records_%'")
        )
    )
    assert parents == {"records_encounter", "records_medication_order", "records_lab_result"}
    parts = set(
        db.scalars(
            text(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = 'records_encounter'::regclass"
            )
        )
    )
    year = datetime.now(UTC).year
    assert {"records_encounter_default", f"records_encounter_y{year}"} <= parts


def test_rows_land_in_their_year_and_a_late_partition_takes_its_rows_along(
    db: Session, hospital: Institution
) -> None:
    _pg(db)
    pid = _person(db)
    for n, when in enumerate((datetime(2025, 5, 1, tzinfo=UTC), datetime(2041, 2, 1, tzinfo=UTC))):
        store.upsert(
            session=db,
            kind=KIND_ENCOUNTER,
            person_id=pid,
            institution_id=hospital.id,
            source_id=f"P{n}",
            values={"start_at": when, "class_code": "outpatient"},
        )

    def where(source: str) -> str:
        return str(
            db.scalar(
                text("SELECT tableoid::regclass::text FROM records_encounter WHERE source_id = :s"),
                {"s": source},
            )
        )

    assert where("P0") == "records_part.records_encounter_y2025"
    assert where("P1") == "records_part.records_encounter_default"
    added = partitions.ensure_year_partitions(db.connection(), "records_encounter", [2041])
    assert added == [2041]
    assert where("P1") == "records_part.records_encounter_y2041"
    assert db.query(Encounter).filter(Encounter.person_id == pid).count() == 2
    # Resending with a corrected time moves the row to its new year, keeping its id.
    before = store.find_by_source(
        db, kind=KIND_ENCOUNTER, institution_id=hospital.id, source_id="P0"
    ).id
    store.upsert(
        session=db,
        kind=KIND_ENCOUNTER,
        person_id=pid,
        institution_id=hospital.id,
        source_id="P0",
        values={"start_at": datetime(2024, 12, 31, tzinfo=UTC), "class_code": "outpatient"},
    )
    assert where("P0") == "records_part.records_encounter_y2024"
    after = store.find_by_source(
        db, kind=KIND_ENCOUNTER, institution_id=hospital.id, source_id="P0"
    )
    assert after.id == before
