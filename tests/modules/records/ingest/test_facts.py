"""medications_since / tests_since: what the alerts ask of the record."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from healthnet.core.orgs.models import Institution
from healthnet.core.patients import service as patients
from healthnet.core.patients.schemas import PersonCreate
from healthnet.core.rbac.actor import SYSTEM_ACTOR
from healthnet.modules.records import service as records
from healthnet.modules.records.models import KIND_EXAM, KIND_LAB, KIND_MEDICATION
from healthnet.modules.records.service import MedicationFact, TestFact
from healthnet.modules.records.service.store import upsert

from .conftest import id_card


def _person(db: Session) -> str:
    reg = patients.register_person(
        session=db,
        actor=SYSTEM_ACTOR,
        data=PersonCreate.model_validate(
            {"name": "孙五", "identifiers": [{"type": "resident_id_card", "value": id_card()}]}
        ),
    )
    return reg.person.id


def _at(day: str) -> datetime:
    return datetime.fromisoformat(day + "T02:00:00").replace(tzinfo=UTC)


def test_medications_since_lists_orders_with_their_supply_end(
    db: Session, hospital: Institution, other_hospital: Institution
) -> None:
    pid = _person(db)
    for n, (inst, day, status) in enumerate(
        [
            (hospital, "2025-01-10", "active"),
            (other_hospital, "2025-03-01", "completed"),
            (hospital, "2025-03-05", "cancelled"),
            (hospital, "2024-12-31", "active"),
        ]
    ):
        upsert(
            session=db,
            kind=KIND_MEDICATION,
            person_id=pid,
            institution_id=inst.id,
            source_id=f"M{n}",
            values={
                "ordered_at": _at(day),
                "drug_code": "D-MET",
                "generic_name": "二甲双胍片",
                "ingredient_code": "MET",
                "ingredient_name": "二甲双胍",
                "atc_code": "A10BA02",
                "days_supply": 30,
                "status": status,
            },
        )
    facts = records.medications_since(session=db, person_id=pid, since=_at("2025-01-01"))
    assert [f.institution_name for f in facts] == ["上海市第六人民医院", "上海市第十人民医院"]
    first = facts[0]
    assert isinstance(first, MedicationFact)
    assert (first.atc_code, first.ingredient_code, first.days_supply) == ("A10BA02", "MET", 30)
    assert first.supply_end == date(2025, 2, 8)  # 30 days from 10 January, inclusive
    assert records.medications_since(session=db, person_id=pid, since=_at("2025-06-01")) == []


def test_tests_since_merges_labs_and_exams_in_time_order(
    db: Session, hospital: Institution
) -> None:
    pid = _person(db)
    upsert(
        session=db,
        kind=KIND_LAB,
        person_id=pid,
        institution_id=hospital.id,
        source_id="L1",
        values={
            "collected_at": _at("2025-03-02"),
            "item_code": "FBG",
            "item_name": "空腹血糖",
            "value": "5.6",
            "value_numeric": Decimal("5.6"),
            "unit": "mmol/L",
            "abnormal_flag": "N",
        },
    )
    upsert(
        session=db,
        kind=KIND_EXAM,
        person_id=pid,
        institution_id=hospital.id,
        source_id="E1",
        values={
            "performed_at": _at("2025-03-01"),
            "modality": "CT",
            "item_code": "CT-CHEST",
            "item_name": "胸部CT",
            "conclusion": "右肺上叶小结节，建议随访",
            "abnormal": True,
        },
    )
    facts = records.tests_since(session=db, person_id=pid, since=_at("2025-01-01"))
    assert [(f.kind, f.item_code) for f in facts] == [("exam", "CT-CHEST"), ("lab", "FBG")]
    lab = facts[1]
    assert isinstance(lab, TestFact)
    assert (lab.result, lab.abnormal) == ("5.6 mmol/L", False)
    assert facts[0].result == "右肺上叶小结节，建议随访" and facts[0].abnormal is True
    only_ct = records.tests_since(
        session=db, person_id=pid, since=_at("2025-01-01"), item_codes=["CT-CHEST"]
    )
    assert [f.item_code for f in only_ct] == ["CT-CHEST"]
    assert records.tests_since(session=db, person_id=pid, since=_at("2025-03-02")) == [facts[1]]
