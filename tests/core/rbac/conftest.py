"""Fixtures of the access-control tests: two districts, institutions in each, and staff.

District A is 黄浦区 (310101), district B is 徐汇区 (310104).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.orm import Session

from healthnet.core.auth import service as auth
from healthnet.core.auth.models import User
from healthnet.core.orgs import service as orgs
from healthnet.core.orgs.models import Institution
from healthnet.core.orgs.schemas import InstitutionCreate
from healthnet.core.rbac import service as rbac
from healthnet.core.rbac.actor import Actor

DISTRICT_A, DISTRICT_B = "310101", "310104"
PASSWORD = "Test-pass-123"


@dataclass
class Staff:
    user: User
    headers: dict[str, str]
    actor: Actor


@dataclass
class World:
    db: Session
    inst_a: Institution  # district A
    inst_a2: Institution  # another institution of district A
    inst_b: Institution  # district B
    staff: Callable[..., Staff]

    def settle(self) -> None:
        """Keep set-up data when a request of the same test fails (see tests/core/orgs)."""
        self.db.commit()


def _institution(db: Session, code: str, district: str) -> Institution:
    return orgs.create_institution(
        session=db,
        data=InstitutionCreate.model_validate(
            {
                "code": code,
                "name": f"测试机构{code}",
                "kind": "tertiary_hospital",
                "level": "3A",
                "district_code": district,
            }
        ),
    )


def login(db: Session, user: User) -> dict[str, str]:
    # Both factors are taken as given (tests/core/auth covers the real login).
    token, _ = auth.open_session(session=db, user=user, method="test")
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def world(db: Session) -> World:
    orgs.load_districts(session=db)
    rbac.load_builtin_roles(session=db)
    n = secrets.token_hex(3)
    inst_a = _institution(db, f"RA{n}", DISTRICT_A)
    inst_a2 = _institution(db, f"RC{n}", DISTRICT_A)
    inst_b = _institution(db, f"RB{n}", DISTRICT_B)

    def staff(
        *permissions: str,
        institution: Institution | None = None,
        scope: str = "institution",
        roles: tuple[str, ...] = (),
        custom: tuple[str, ...] = (),
    ) -> Staff:
        """A logged-in user holding ``permissions`` (a custom role with ``scope``) and the
        built-in ``roles``."""
        k = secrets.token_hex(4)
        codes = list(roles)
        if permissions or not roles:
            role = rbac.define_role(
                session=db,
                code=f"t_{k}",
                name=f"测试{k}",
                permissions=permissions,
                data_scope=scope,
                institution_ids=custom,
            )
            codes.append(role.code)
        user = auth.create_user(
            session=db,
            username=f"u_{k}",
            display_name=f"测试{k}",
            password=PASSWORD,
            institution_id=institution.id if institution else None,
            role_codes=codes,
            must_change_password=False,
        )
        headers = login(db, user)
        return Staff(user, headers, rbac.actor_for(session=db, user=user))

    w = World(db, inst_a, inst_a2, inst_b, staff)
    w.settle()
    return w


def all_permissions() -> tuple[str, ...]:
    return tuple(sorted(rbac.permission_codes()))


def body(r: Any) -> Any:
    """The JSON body without the per-request id (to compare two answers)."""
    data = r.json()
    if isinstance(data, dict):
        data.pop("requestId", None)
    return data
