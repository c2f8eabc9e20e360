"""The demo refreshes the program indicators after creating its registry data, so the
statistics pages of a fresh `make run` show numbers."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from healthnet.core.codes import service as codes
from healthnet.core.codes import sources
from healthnet.core.programs.models import IndicatorRun, IndicatorValue, Program
from healthnet.demo.loader import load_demo


def test_the_demo_shows_indicator_numbers(db: Session) -> None:
    # the program forms check diagnoses against ICD-10 (`healthnet setup` loads the full list)
    rows = [sources.Row("I10", "特发性（原发性）高血压"), sources.Row("E11.9", "2型糖尿病")]
    codes.load_source(
        session=db,
        source=sources.Source(system=sources.ICD10, version="demo-test", source="test", rows=rows),
    )
    report = load_demo(session=db, size="tiny", seed=7)
    assert report.registry_enrolments > 0
    programs = db.scalars(select(Program).where(Program.is_active.is_(True))).all()
    runs = {r.program_id for r in db.scalars(select(IndicatorRun))}
    assert programs and {p.id for p in programs} <= runs  # every program was refreshed
    managed = db.scalar(
        select(func.sum(IndicatorValue.numerator))
        .join(Program, Program.id == IndicatorValue.program_id)
        .where(
            Program.code.in_(["hypertension", "diabetes"]),
            IndicatorValue.indicator == "managed_patients",
            IndicatorValue.period_type == "year",
        )
    )
    assert managed and managed > 0
