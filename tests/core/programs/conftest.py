"""Fixtures of the program-engine tests: three institutions (two communities in Xuhui, a
hospital in Changning), a tiny ICD-10 edition, the two example programs, staff users with the
role codes the programs' workflows name, and residents registered by them."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from healthnet.core.auth import service as auth
from healthnet.core.codes import service as codes
from healthnet.core.codes import sources
from healthnet.core.orgs import service as orgs
from healthnet.core.orgs.models import Institution
from healthnet.core.orgs.schemas import InstitutionCreate
from healthnet.core.patients import service as patients
from healthnet.core.patients.schemas import PersonCreate
from healthnet.core.programs.loader import load_files
from healthnet.core.rbac import service as rbac
from healthnet.core.rbac.actor import Actor
from healthnet.core.rbac.models import Role

FIXTURES = Path(__file__).parent / "fixtures"
ALL = (
    "programs:enrolment:read",
    "programs:enrolment:write",
    "programs:event:write",
    "programs:workflow:transition",
    "patients:person:read",
    "patients:person:write",
)


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
    c: Institution  # hospital C (Changning)
    staff: dict[str, Staff] = field(default_factory=dict)

    def user(
        self,
        role_code: str,
        institution: Institution | None,
        *,
        scope: str = "institution",
        permissions: tuple[str, ...] = ALL,
    ) -> Staff:
        """A signed-in staff user holding the role ``role_code`` (created with
        ``permissions`` and ``scope`` on first use)."""
        db = self.db
        role = db.scalar(select(Role).where(Role.code == role_code))
        role = rbac.define_role(
            session=db,
            code=role_code,
            name=f"测试{role_code}",
            permissions=permissions,
            data_scope=scope,
            role=role,
        )
        n = secrets.token_hex(4)
        user = auth.create_user(
            session=db,
            username=f"pg_{n}",
            display_name=f"测试{n}",
            password="Test-pass-123",
            institution_id=institution.id if institution else None,
            role_codes=[role.code],
            must_change_password=False,
        )
        token, _ = auth.open_session(session=db, user=user, method="test")
        actor = rbac.actor_for(session=db, user=user)
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
        return reg.person.id


def _institution(db: Session, code: str, name: str, kind: str, district: str) -> Institution:
    return orgs.create_institution(
        session=db,
        data=InstitutionCreate.model_validate(
            {"code": code, "name": name, "kind": kind, "level": "1", "district_code": district}
        ),
    )


def tiny_icd10(db: Session) -> None:
    rows = [
        sources.Row("I10", "特发性（原发性）高血压"),
        sources.Row("I61.9", "脑内出血"),
        sources.Row("I63.9", "脑梗死"),
        sources.Row("E11.9", "2型糖尿病不伴有并发症"),
    ]
    codes.load_source(
        session=db,
        source=sources.Source(system=sources.ICD10, version="test-1", source="test", rows=rows),
    )


@pytest.fixture
def world(db: Session) -> World:
    orgs.load_districts(session=db)
    kinds = {
        "a": "community_health_centre",
        "b": "community_health_centre",
        "c": "secondary_hospital",
    }
    w = World(
        db=db,
        a=_institution(db, "PG-A", "测试社区卫生服务中心甲", kinds["a"], "310104"),
        b=_institution(db, "PG-B", "测试社区卫生服务中心乙", kinds["b"], "310104"),
        c=_institution(db, "PG-C", "测试医院丙", kinds["c"], "310105"),
    )
    tiny_icd10(db)
    load_files(session=db, paths=[FIXTURES])
    db.commit()  # releases a savepoint only: a failing request keeps the set-up
    return w


def settle(db: Session) -> None:
    db.commit()


Json = dict[str, Any]
Post = Callable[..., Any]
