"""What other modules ask of the record: recent medication orders and tests of a resident.

No audit here: the caller audits what it shows. Records of residents merged into ``person_id``
count as theirs.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from healthnet.core.localtime import local_date
from healthnet.core.orgs.models import Institution
from healthnet.core.patients.models import Person
from healthnet.modules.records.models import ExamReport, LabResult, MedicationOrder

ABNORMAL_FLAGS = frozenset({"H", "L", "HH", "LL", "A", "AA", "HU", "LU", "POS"})


@dataclass(frozen=True)
class MedicationFact:
    order_id: str
    institution_id: str
    institution_name: str
    ordered_at: datetime
    drug_code: str
    generic_name: str
    ingredient_code: str | None
    ingredient_name: str | None
    atc_code: str | None
    days_supply: int | None
    supply_end: date | None
    # "mental", "hiv", "reproductive" … (records.sensitivity) or None: a caller showing the fact
    # to another institution says only that a protected record exists.
    sensitivity: str | None = None


@dataclass(frozen=True)
class TestFact:
    __test__ = False  # not a pytest test class

    kind: Literal["lab", "exam"]
    record_id: str
    institution_id: str
    institution_name: str
    performed_at: datetime
    item_code: str
    item_name: str
    result: str | None  # "5.6 mmol/L" for a lab, the conclusion for an exam
    abnormal: bool | None
    sensitivity: str | None = None


def person_ids(session: Session, person_id: str) -> list[str]:
    """The resident and every record merged into them (their facts count as the resident's)."""
    merged = session.scalars(select(Person.id).where(Person.merged_into_id == person_id)).all()
    return [person_id, *merged]


def supply_end(ordered_at: datetime, days_supply: int | None) -> date | None:
    """The last day covered, in the platform's time zone: an order of 7 days on 1 March lasts
    to 7 March (an order signed at 07:00 Shanghai time is on that Shanghai day, not the UTC day
    before)."""
    if days_supply is None or days_supply <= 0:
        return None
    return local_date(ordered_at) + timedelta(days=days_supply - 1)


def medications_since(
    *, session: Session, person_id: str, since: datetime, ids: Sequence[str] | None = None
) -> list[MedicationFact]:
    """Medication orders of the resident from ``since`` on, oldest first (cancelled and
    entered-in-error orders left out). ``ids``: :func:`person_ids` of ``person_id`` when the
    caller has them already (one look-up for several questions about the same resident)."""
    ids = ids or person_ids(session, person_id)
    rows = session.execute(
        select(MedicationOrder, Institution.name)
        .join(Institution, Institution.id == MedicationOrder.institution_id)
        .where(
            MedicationOrder.person_id.in_(ids),
            MedicationOrder.ordered_at >= since,
            MedicationOrder.status.not_in(("cancelled", "entered-in-error")),
        )
        .order_by(MedicationOrder.ordered_at, MedicationOrder.id)
    ).all()
    return [
        MedicationFact(
            order_id=m.id,
            institution_id=m.institution_id,
            institution_name=name,
            ordered_at=m.ordered_at,
            drug_code=m.drug_code,
            generic_name=m.generic_name,
            ingredient_code=m.ingredient_code,
            ingredient_name=m.ingredient_name,
            atc_code=m.atc_code,
            days_supply=m.days_supply,
            supply_end=supply_end(m.ordered_at, m.days_supply),
            sensitivity=m.sensitivity,
        )
        for m, name in rows
    ]


def format_number(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def lab_result_text(lab: LabResult) -> str | None:
    value = format_number(lab.value_numeric) if lab.value_numeric is not None else lab.value
    if value is None:
        return None
    return f"{value} {lab.unit}" if lab.unit else value


def lab_abnormal(flag: str | None) -> bool | None:
    if not flag:
        return None
    return flag.upper() in ABNORMAL_FLAGS


def tests_since(
    *,
    session: Session,
    person_id: str,
    since: datetime,
    item_codes: Collection[str] | None = None,
    ids: Sequence[str] | None = None,
) -> list[TestFact]:
    """Lab results (by collection time) and exam reports (by performed time) of the resident
    from ``since`` on, oldest first; only ``item_codes`` when given; ``ids`` as in
    :func:`medications_since`."""
    if item_codes is not None and not item_codes:
        return []
    ids = ids or person_ids(session, person_id)
    lab_q = (
        select(LabResult, Institution.name)
        .join(Institution, Institution.id == LabResult.institution_id)
        .where(
            LabResult.person_id.in_(ids),
            LabResult.collected_at >= since,
            LabResult.status != "entered-in-error",
        )
    )
    exam_q = (
        select(ExamReport, Institution.name)
        .join(Institution, Institution.id == ExamReport.institution_id)
        .where(
            ExamReport.person_id.in_(ids),
            ExamReport.performed_at >= since,
            ExamReport.status != "entered-in-error",
        )
    )
    if item_codes is not None:
        codes = list(item_codes)
        lab_q = lab_q.where(LabResult.item_code.in_(codes))
        exam_q = exam_q.where(ExamReport.item_code.in_(codes))
    facts = [
        TestFact(
            kind="lab",
            record_id=lab.id,
            institution_id=lab.institution_id,
            institution_name=name,
            performed_at=lab.collected_at,
            item_code=lab.item_code,
            item_name=lab.item_name,
            result=lab_result_text(lab),
            abnormal=lab_abnormal(lab.abnormal_flag),
            sensitivity=lab.sensitivity,
        )
        for lab, name in session.execute(lab_q).all()
    ]
    facts += [
        TestFact(
            kind="exam",
            record_id=exam.id,
            institution_id=exam.institution_id,
            institution_name=name,
            performed_at=exam.performed_at,
            item_code=exam.item_code,
            item_name=exam.item_name,
            result=exam.conclusion,
            abnormal=exam.abnormal,
            sensitivity=exam.sensitivity,
        )
        for exam, name in session.execute(exam_q).all()
    ]
    facts.sort(key=lambda f: (f.performed_at, f.record_id))
    return facts
