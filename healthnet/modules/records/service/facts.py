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
    m = MedicationOrder
    rows = session.execute(
        select(
            m.id,
            m.institution_id,
            Institution.name,
            m.ordered_at,
            m.drug_code,
            m.generic_name,
            m.ingredient_code,
            m.ingredient_name,
            m.atc_code,
            m.days_supply,
            m.sensitivity,
        )
        .join(Institution, Institution.id == m.institution_id)
        .where(
            m.person_id.in_(ids),
            m.ordered_at >= since,
            m.status.not_in(("cancelled", "entered-in-error")),
        )
        .order_by(m.ordered_at, m.id)
    ).all()
    return [
        MedicationFact(
            order_id=r.id,
            institution_id=r.institution_id,
            institution_name=r.name,
            ordered_at=r.ordered_at,
            drug_code=r.drug_code,
            generic_name=r.generic_name,
            ingredient_code=r.ingredient_code,
            ingredient_name=r.ingredient_name,
            atc_code=r.atc_code,
            days_supply=r.days_supply,
            supply_end=supply_end(r.ordered_at, r.days_supply),
            sensitivity=r.sensitivity,
        )
        for r in rows
    ]


def format_number(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def lab_result_text(
    value_numeric: Decimal | None, value: str | None, unit: str | None
) -> str | None:
    text = format_number(value_numeric) if value_numeric is not None else value
    if text is None:
        return None
    return f"{text} {unit}" if unit else text


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
    kinds: Collection[str] = ("lab", "exam"),
    ids: Sequence[str] | None = None,
) -> list[TestFact]:
    """Lab results (by collection time) and exam reports (by performed time) of the resident
    from ``since`` on, oldest first; only ``item_codes`` and ``kinds`` (lab, exam) when given;
    ``ids`` as in :func:`medications_since`."""
    if item_codes is not None and not item_codes:
        return []
    ids = ids or person_ids(session, person_id)
    codes = list(item_codes) if item_codes is not None else None
    facts: list[TestFact] = []
    if "lab" in kinds:
        lab = LabResult
        lab_q = (
            select(
                lab.id,
                lab.institution_id,
                Institution.name,
                lab.collected_at,
                lab.item_code,
                lab.item_name,
                lab.value_numeric,
                lab.value,
                lab.unit,
                lab.abnormal_flag,
                lab.sensitivity,
            )
            .join(Institution, Institution.id == lab.institution_id)
            .where(
                lab.person_id.in_(ids),
                lab.collected_at >= since,
                lab.status != "entered-in-error",
            )
        )
        if codes is not None:
            lab_q = lab_q.where(lab.item_code.in_(codes))
        facts += [
            TestFact(
                kind="lab",
                record_id=r.id,
                institution_id=r.institution_id,
                institution_name=r.name,
                performed_at=r.collected_at,
                item_code=r.item_code,
                item_name=r.item_name,
                result=lab_result_text(r.value_numeric, r.value, r.unit),
                abnormal=lab_abnormal(r.abnormal_flag),
                sensitivity=r.sensitivity,
            )
            for r in session.execute(lab_q)
        ]
    if "exam" in kinds:
        exam = ExamReport
        exam_q = (
            select(
                exam.id,
                exam.institution_id,
                Institution.name,
                exam.performed_at,
                exam.item_code,
                exam.item_name,
                exam.conclusion,
                exam.abnormal,
                exam.sensitivity,
            )
            .join(Institution, Institution.id == exam.institution_id)
            .where(
                exam.person_id.in_(ids),
                exam.performed_at >= since,
                exam.status != "entered-in-error",
            )
        )
        if codes is not None:
            exam_q = exam_q.where(exam.item_code.in_(codes))
        facts += [
            TestFact(
                kind="exam",
                record_id=r.id,
                institution_id=r.institution_id,
                institution_name=r.name,
                performed_at=r.performed_at,
                item_code=r.item_code,
                item_name=r.item_name,
                result=r.conclusion,
                abnormal=r.abnormal,
                sensitivity=r.sensitivity,
            )
            for r in session.execute(exam_q)
        ]
    facts.sort(key=lambda f: (f.performed_at, f.record_id))
    return facts
