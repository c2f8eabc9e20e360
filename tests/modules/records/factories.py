"""Small factories for clinical rows of the shared health record (tests only).

Rows are added straight through the records models (no FHIR round trip) so that a test can set
exactly the times, institutions and sensitivity labels it is about.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from healthnet.core.orgs import service as orgs
from healthnet.core.orgs.models import Institution
from healthnet.core.orgs.schemas import InstitutionCreate
from healthnet.core.patients import service as patients
from healthnet.core.patients.models import Person
from healthnet.core.patients.schemas import PersonCreate
from healthnet.core.rbac.actor import Actor
from healthnet.modules.records.models import (
    Diagnosis,
    Document,
    Encounter,
    ExamReport,
    LabResult,
    MedicationOrder,
)

REGISTRAR = Actor("u-registrar", "registrar", None, None, frozenset({"patients:person:write"}))


def _source() -> str:
    return secrets.token_hex(8)


def institution(
    db: Session, code: str, *, name: str | None = None, district: str = "310104"
) -> Institution:
    orgs.load_districts(session=db)
    return orgs.create_institution(
        session=db,
        data=InstitutionCreate.model_validate(
            {
                "code": code,
                "name": name or f"测试医院{code}",
                "kind": "tertiary_hospital",
                "level": "3A",
                "district_code": district,
            }
        ),
    )


def person(db: Session, *, name: str = "王小明", district: str = "310104", **fields: Any) -> Person:
    values: dict[str, Any] = {
        "name": name,
        "sex_code": "1",
        "birth_date": "1970-03-0" + str(secrets.randbelow(9) + 1),
        "district_code": district,
    }
    values.update(fields)
    reg = patients.register_person(
        session=db, actor=REGISTRAR, data=PersonCreate.model_validate(values)
    )
    return reg.person


def _add(db: Session, row: Any) -> Any:
    db.add(row)
    db.flush()
    return row


def encounter(
    db: Session,
    *,
    person_id: str,
    institution_id: str,
    start_at: datetime,
    class_code: str = "outpatient",
    department_name: str = "内科",
    sensitivity: str | None = None,
) -> Encounter:
    return _add(
        db,
        Encounter(
            person_id=person_id,
            institution_id=institution_id,
            source_id=_source(),
            sensitivity=sensitivity,
            start_at=start_at,
            class_code=class_code,
            department_name=department_name,
            attending_name="李医生",
        ),
    )


def diagnosis(
    db: Session,
    enc: Encounter,
    *,
    code: str = "I10",
    name: str = "高血压",
    sensitivity: str | None = None,
) -> Diagnosis:
    return _add(
        db,
        Diagnosis(
            person_id=enc.person_id,
            institution_id=enc.institution_id,
            source_id=_source(),
            sensitivity=sensitivity,
            encounter_id=enc.id,
            icd10_code=code,
            name=name,
            recorded_at=enc.start_at,
        ),
    )


def medication(
    db: Session, enc: Encounter, *, name: str = "氨氯地平", atc: str = "C08CA01"
) -> MedicationOrder:
    return _add(
        db,
        MedicationOrder(
            person_id=enc.person_id,
            institution_id=enc.institution_id,
            source_id=_source(),
            encounter_id=enc.id,
            ordered_at=enc.start_at,
            drug_code=atc,
            generic_name=name,
            atc_code=atc,
            days_supply=30,
        ),
    )


def lab(
    db: Session,
    *,
    person_id: str,
    institution_id: str,
    collected_at: datetime,
    item_code: str = "FBG",
    item_name: str = "空腹血糖",
    value: float = 5.6,
    unit: str = "mmol/L",
    encounter_id: str | None = None,
    sensitivity: str | None = None,
) -> LabResult:
    return _add(
        db,
        LabResult(
            person_id=person_id,
            institution_id=institution_id,
            source_id=_source(),
            sensitivity=sensitivity,
            encounter_id=encounter_id,
            collected_at=collected_at,
            item_code=item_code,
            item_name=item_name,
            value=str(value),
            value_numeric=Decimal(str(value)),
            unit=unit,
            reference_low=Decimal("3.9"),
            reference_high=Decimal("6.1"),
            abnormal_flag="H" if value > 6.1 else "N",
        ),
    )


def exam(
    db: Session, enc: Encounter, *, item_code: str = "CT-CHEST", conclusion: str = "未见明显异常"
) -> ExamReport:
    return _add(
        db,
        ExamReport(
            person_id=enc.person_id,
            institution_id=enc.institution_id,
            source_id=_source(),
            encounter_id=enc.id,
            modality="CT",
            item_code=item_code,
            item_name="胸部CT",
            conclusion=conclusion,
            performed_at=enc.start_at,
        ),
    )


def document(
    db: Session,
    *,
    person_id: str,
    institution_id: str,
    authored_at: datetime,
    title: str = "出院小结",
    content: str = "患者住院期间病情平稳。",
    encounter_id: str | None = None,
    sensitivity: str | None = None,
) -> Document:
    return _add(
        db,
        Document(
            person_id=person_id,
            institution_id=institution_id,
            source_id=_source(),
            sensitivity=sensitivity,
            encounter_id=encounter_id,
            type_code="discharge_summary",
            type_name="出院小结",
            title=title,
            content=content,
            authored_at=authored_at,
        ),
    )
