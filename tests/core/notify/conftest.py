"""Fixtures of the inbox tests: staff accounts (signed in when a test needs HTTP), an
institution, and a role to address by."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from healthnet.core.auth import service as auth
from healthnet.core.auth.models import User
from healthnet.core.orgs import service as orgs
from healthnet.core.orgs.models import Institution
from healthnet.core.orgs.schemas import InstitutionCreate
from healthnet.core.rbac import service as rbac
from healthnet.core.rbac.actor import Actor


@dataclass
class Staff:
    user: User
    headers: dict[str, str]

    @property
    def id(self) -> str:
        return self.user.id

    def actor(self, db: Session) -> Actor:
        return auth.actor_for(session=db, user=self.user)


@pytest.fixture
def staff(db: Session) -> Callable[..., Staff]:
    """A signed-in staff account, optionally of an institution and holding roles."""

    def _make(institution_id: str | None = None, role_codes: tuple[str, ...] = ()) -> Staff:
        n = secrets.token_hex(4)
        user = auth.create_user(
            session=db,
            username=f"notify_{n}",
            display_name=f"收件人{n}",
            password="Test-pass-123",
            institution_id=institution_id,
            role_codes=list(role_codes),
            must_change_password=False,
        )
        token, _ = auth.open_session(session=db, user=user, method="test")
        return Staff(user, {"Authorization": f"Bearer {token}"})

    return _make


@pytest.fixture
def institution(db: Session) -> Callable[[str], Institution]:
    orgs.load_districts(session=db)

    def _make(name: str = "徐汇区疾病预防控制中心") -> Institution:
        return orgs.create_institution(
            session=db,
            data=InstitutionCreate.model_validate(
                {
                    "code": f"NT-{secrets.token_hex(3)}",
                    "name": name,
                    "kind": "cdc",
                    "level": "ungraded",
                    "district_code": "310104",
                }
            ),
        )

    return _make


@pytest.fixture
def role(db: Session) -> Callable[[], str]:
    def _make() -> str:
        code = f"notify_{secrets.token_hex(3)}"
        rbac.define_role(
            session=db, code=code, name=f"通知测试{code}", permissions=(), data_scope="institution"
        )
        return code

    return _make
