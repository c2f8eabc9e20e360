"""Fixtures of the auth tests."""

from __future__ import annotations

import secrets
from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session

from healthnet.core.auth import service
from healthnet.core.rbac import service as rbac
from tests.core.auth.helpers import PASSWORD, Account, enrol_totp


@pytest.fixture
def make_account(db: Session) -> Callable[..., Account]:
    def _make(
        *permissions: str,
        username: str | None = None,
        password: str = PASSWORD,
        must_change_password: bool = False,
        with_totp: bool = True,
        institution_id: str | None = None,
        data_scope: str = "city",
    ) -> Account:
        name = username or f"staff_{secrets.token_hex(3)}"
        roles = []
        if permissions:
            role = rbac.define_role(
                session=db,
                code=f"t_{secrets.token_hex(4)}",
                name="测试角色",
                permissions=permissions,
                data_scope=data_scope,
            )
            roles = [role.code]
        user = service.create_user(
            session=db,
            username=name,
            display_name="张三",
            password=password,
            institution_id=institution_id,
            role_codes=roles,
            must_change_password=must_change_password,
        )
        secret, codes = enrol_totp(db, user) if with_totp else (None, [])
        return Account(user, name, password, secret, codes)

    return _make
