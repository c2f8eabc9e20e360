"""Fixtures of the duplicate-order prompt tests: the built-in rules, two hospitals in two
districts, a resident, and a small factory that puts clinical history in through the record's
own write path (``records.service.store.upsert``)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from healthnet.core.orgs import service as orgs
from healthnet.core.orgs.models import Institution
from healthnet.core.orgs.schemas import InstitutionCreate
from healthnet.core.patients import service as patients
from healthnet.core.patients.models import Person
from healthnet.core.patients.schemas import PersonCreate
from healthnet.core.rbac.actor import SCOPE_INSTITUTION, Actor
from healthnet.modules.alerts import service
from healthnet.modules.alerts.models import Check
from healthnet.modules.alerts.schemas import CheckRequest
from healthnet.modules.records.models import KIND_EXAM, KIND_LAB, KIND_MEDICATION
from healthnet.modules.records.service.store import upsert

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The day the doctor orders in most tests (a fixed date keeps the arithmetic readable).
ORDER_DAY = date(2026, 11, 25)

# The contract's demo drugs: code → (generic name, ingredient code, ATC).
DRUGS: dict[str, tuple[str, str, str]] = {
    "atorvastatin": ("阿托伐他汀钙片", "ING-ATORVASTATIN", "C10AA05"),
    "rosuvastatin": ("瑞舒伐他汀钙片", "ING-ROSUVASTATIN", "C10AA07"),
    "amlodipine": ("苯磺酸氨氯地平片", "ING-AMLODIPINE", "C08CA01"),
    "nifedipine": ("硝苯地平控释片", "ING-NIFEDIPINE", "C08CA05"),
    "valsartan": ("缬沙坦胶囊", "ING-VALSARTAN", "C09CA03"),
    "omeprazole": ("奥美拉唑肠溶胶囊", "ING-OMEPRAZOLE", "A02BC01"),
    "aspirin": ("阿司匹林肠溶片", "ING-ASPIRIN", "B01AC06"),
    "clopidogrel": ("硫酸氢氯吡格雷片", "ING-CLOPIDOGREL", "B01AC04"),
    "cefuroxime": ("头孢呋辛酯片", "ING-CEFUROXIME", "J01DC02"),
    "levofloxacin": ("左氧氟沙星片", "ING-LEVOFLOXACIN", "J01MA12"),
    "saline": ("0.9%氯化钠注射液", "ING-NACL", "B05XA03"),
    # An antipsychotic: records labels the order "mental" when it is ingested.
    "olanzapine": ("奥氮平片", "ING-OLANZAPINE", "N05AH03"),
}


def at(day: date, hour: int = 9) -> datetime:
    """``hour`` o'clock on ``day`` in Shanghai."""
    return datetime.combine(day, time(hour), tzinfo=SHANGHAI)


def drug_line(key: str, **extra: Any) -> dict[str, Any]:
    """A new drug line as the workstation sends it (camelCase)."""
    name, ingredient, atc = DRUGS[key]
    line: dict[str, Any] = {
        "drugCode": f"D-{key}",
        "genericName": name,
        "ingredientCode": ingredient,
        "atcCode": atc,
        "daysSupply": 30,
    }
    line.update(extra)
    return line


@dataclass
class World:
    hospital_a: Institution  # the ordering hospital (徐汇)
    hospital_b: Institution  # another hospital (浦东): its history must count
    person: Person


class History:
    """Earlier clinical records of a resident, written the way records ingests them."""

    def __init__(self, db: Session) -> None:
        self.db = db

    def medication(
        self,
        person: Person,
        institution: Institution,
        key: str,
        *,
        ordered_at: datetime,
        days_supply: int | None = 30,
        status: str = "active",
    ) -> str:
        name, ingredient, atc = DRUGS[key]
        stored = upsert(
            session=self.db,
            kind=KIND_MEDICATION,
            person_id=person.id,
            institution_id=institution.id,
            source_id=secrets.token_hex(8),
            values={
                "ordered_at": ordered_at,
                "drug_code": f"{institution.code}-{key}",  # hospitals' own drug codes differ
                "generic_name": name,
                "ingredient_code": ingredient,
                "ingredient_name": name,
                "atc_code": atc,
                "days_supply": days_supply,
                "status": status,
            },
        )
        return str(stored.row.id)

    def lab(
        self,
        person: Person,
        institution: Institution,
        item_code: str,
        item_name: str,
        *,
        collected_at: datetime,
        value: str = "5.6",
        unit: str | None = "mmol/L",
        flag: str | None = "N",
    ) -> str:
        stored = upsert(
            session=self.db,
            kind=KIND_LAB,
            person_id=person.id,
            institution_id=institution.id,
            source_id=secrets.token_hex(8),
            values={
                "collected_at": collected_at,
                "item_code": item_code,
                "item_name": item_name,
                "value": value,
                "value_numeric": Decimal(value),
                "unit": unit,
                "abnormal_flag": flag,
            },
        )
        return str(stored.row.id)

    def exam(
        self,
        person: Person,
        institution: Institution,
        item_code: str,
        item_name: str,
        *,
        performed_at: datetime,
        conclusion: str = "未见明显异常",
        abnormal: bool | None = False,
    ) -> str:
        stored = upsert(
            session=self.db,
            kind=KIND_EXAM,
            person_id=person.id,
            institution_id=institution.id,
            source_id=secrets.token_hex(8),
            values={
                "performed_at": performed_at,
                "item_code": item_code,
                "item_name": item_name,
                "conclusion": conclusion,
                "abnormal": abnormal,
            },
        )
        return str(stored.row.id)


def _institution(db: Session, code: str, name: str, district: str) -> Institution:
    return orgs.create_institution(
        session=db,
        data=InstitutionCreate.model_validate(
            {
                "code": code,
                "name": name,
                "kind": "tertiary_hospital",
                "level": "3A",
                "district_code": district,
            }
        ),
    )


@pytest.fixture
def rules(db: Session) -> None:
    service.load_rules(session=db)
    db.commit()


@pytest.fixture
def world(db: Session, rules: None) -> World:
    orgs.load_districts(session=db)
    a = _institution(db, "AL-A", "上海市徐汇区中心医院", "310104")
    b = _institution(db, "AL-B", "上海市第六人民医院", "310115")
    registrar = Actor("u-registrar", "registrar", None, None, frozenset({"patients:person:write"}))
    person = patients.register_person(
        session=db,
        actor=registrar,
        data=PersonCreate.model_validate(
            {
                "name": "赵阿姨",
                "sex_code": "2",
                "birth_date": "1956-04-02",
                "district_code": "310115",
            }
        ),
    ).person
    db.commit()
    return World(hospital_a=a, hospital_b=b, person=person)


@pytest.fixture
def history(db: Session) -> History:
    return History(db)


def staff(db: Session, institution: Institution | None, *perms: str, scope: str) -> Actor:
    """A real account (prompts and checks point at it) and its actor, as the service sees it."""
    from healthnet.core.auth import service as auth

    user = auth.create_user(
        session=db,
        username=f"doc_{secrets.token_hex(4)}",
        display_name="测试医生",
        password="Test-pass-123",
        institution_id=institution.id if institution else None,
        must_change_password=False,
    )
    return Actor(
        user.id,
        user.username,
        institution.id if institution else None,
        institution.district_code if institution else None,
        frozenset(perms),
        role_codes=("doctor",),
        scopes=frozenset({scope}),
    )


@pytest.fixture
def doctor(db: Session, world: World) -> Actor:
    """A doctor of hospital A (institution scope)."""
    actor = staff(db, world.hospital_a, "alerts:check:run", scope=SCOPE_INSTITUTION)
    db.commit()
    return actor


def run(
    db: Session,
    actor: Actor,
    world: World,
    *,
    drugs: list[dict[str, Any]] | None = None,
    items: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> Check:
    """A check of ``world.person`` on ORDER_DAY through the service."""
    body = {
        "personId": world.person.id,
        "orderDate": ORDER_DAY.isoformat(),
        "drugs": drugs or [],
        "items": items or [],
        **fields,
    }
    return service.run_check(session=db, actor=actor, data=CheckRequest.model_validate(body))


def lab(code: str, name: str) -> dict[str, Any]:
    return {"kind": "lab", "itemCode": code, "itemName": name}


def exam(code: str, name: str) -> dict[str, Any]:
    return {"kind": "exam", "itemCode": code, "itemName": name}
