"""Fixtures of the registries tests: the ten shipped program files loaded exactly as
``healthnet setup`` loads them, the built-in roles of ``roles.yaml`` (so the tests also check
that the programs' workflow roles and the roles' ``programs:*`` permissions fit together), two
community health centres and a hospital, and an ICD-10 edition holding the codes used."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from healthnet.core.auth import service as auth
from healthnet.core.codes import service as codes
from healthnet.core.codes import sources
from healthnet.core.orgs import service as orgs
from healthnet.core.orgs.models import Institution
from healthnet.core.orgs.schemas import InstitutionCreate
from healthnet.core.patients import service as patients
from healthnet.core.patients.schemas import PersonCreate
from healthnet.core.rbac import service as rbac
from healthnet.core.rbac.actor import Actor
from healthnet.modules.registries.service import load_programs

BASE = "/api/v1/programs"

ICD10 = {
    "E11.9": "2型糖尿病不伴有并发症",
    "I10": "特发性（原发性）高血压",
    "I21.9": "急性心肌梗死",
    "I25.1": "动脉硬化性心脏病",
    "I61.9": "脑内出血",
    "I63.9": "脑梗死",
    "A15.0": "肺结核，经显微镜下痰检查证实",
    "A16.2": "肺结核，未提及细菌学或组织学证实",
    "C34.1": "上叶，支气管或肺恶性肿瘤",
    "C18.7": "乙状结肠恶性肿瘤",
    "D05.1": "导管原位癌",
    "F20.0": "偏执型精神分裂症",
    "J44.9": "慢性阻塞性肺病",
    "R99": "其他原因不明确和未特指的死亡原因",
    "S06.0": "脑震荡",
    "T14.9": "损伤",
    "W19": "跌倒",
    "V43.5": "小汽车乘员在与小汽车碰撞中的损伤，驾驶员",
    "X70": "故意自害，绞勒和窒息",
}


@dataclass
class Staff:
    user_id: str
    actor: Actor
    headers: dict[str, str]


@dataclass
class World:
    db: Session
    a: Institution  # community health centre A (Xuhui)
    b: Institution  # community health centre B (Xuhui)
    c: Institution  # hospital C (Xuhui)

    def user(self, role_code: str, institution: Institution | None) -> Staff:
        """A signed-in staff user holding the built-in role ``role_code`` of roles.yaml."""
        n = secrets.token_hex(4)
        user = auth.create_user(
            session=self.db,
            username=f"rg_{n}",
            display_name=f"测试{n}",
            password="Test-pass-123",
            institution_id=institution.id if institution else None,
            role_codes=[role_code],
            must_change_password=False,
        )
        token, _ = auth.open_session(session=self.db, user=user, method="test")
        actor = rbac.actor_for(session=self.db, user=user)
        return Staff(user.id, actor, {"Authorization": f"Bearer {token}"})

    def person(self, by: Staff, *, birth: date = date(1960, 5, 1), sex: str = "1") -> str:
        reg = patients.register_person(
            session=self.db,
            actor=by.actor,
            data=PersonCreate.model_validate(
                {
                    "name": "测试居民",
                    "sex_code": sex,
                    "birth_date": birth,
                    "district_code": "310104",
                }
            ),
        )
        self.db.commit()
        return reg.person.id


def _institution(db: Session, code: str, name: str, kind: str) -> Institution:
    return orgs.create_institution(
        session=db,
        data=InstitutionCreate.model_validate(
            {"code": code, "name": name, "kind": kind, "level": "1", "district_code": "310104"}
        ),
    )


@pytest.fixture
def world(db: Session) -> World:
    orgs.load_districts(session=db)
    auth.ensure_builtin_roles(session=db)
    w = World(
        db=db,
        a=_institution(db, "RG-A", "测试社区卫生服务中心甲", "community_health_centre"),
        b=_institution(db, "RG-B", "测试社区卫生服务中心乙", "community_health_centre"),
        c=_institution(db, "RG-C", "测试医院丙", "secondary_hospital"),
    )
    codes.load_source(
        session=db,
        source=sources.Source(
            system=sources.ICD10,
            version="test-registries-1",
            source="test",
            rows=[sources.Row(code, name) for code, name in ICD10.items()],
        ),
    )
    load_programs(session=db, loaded_by="test")
    db.commit()  # releases a savepoint only: a failing request keeps the set-up
    return w


def enrol(
    client: TestClient, staff: Staff, program: str, person: str, values: dict[str, Any], **body: Any
) -> Any:
    return client.post(
        f"{BASE}/{program}/enrolments",
        json={"personId": person, "values": values, **body},
        headers=staff.headers,
    )


def record(
    client: TestClient, staff: Staff, enrolment_id: str, stage: str, values: dict[str, Any]
) -> Any:
    return client.post(
        f"{BASE}/enrolments/{enrolment_id}/events",
        json={"stage": stage, "values": values},
        headers=staff.headers,
    )


def transition(client: TestClient, staff: Staff, enrolment_id: str, code: str, **body: Any) -> Any:
    return client.post(
        f"{BASE}/enrolments/{enrolment_id}/transitions",
        json={"transition": code, **body},
        headers=staff.headers,
    )


def field_errors(response: Any) -> dict[str, str]:
    return {e["field"]: e["message"] for e in response.json().get("errors", [])}
