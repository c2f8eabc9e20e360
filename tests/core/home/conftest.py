"""Fixtures of the home page tests: signed-in users in a given state."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from healthnet.core.auth import service as auth
from healthnet.core.auth.models import User
from healthnet.core.rbac import service as rbac
from healthnet.core.rbac.actor import Actor
from tests.core.auth.helpers import enrol_totp


@dataclass
class SignedIn:
    user: User
    headers: dict[str, str]
    recovery_codes: list[str]

    def actor(self, db: Session) -> Actor:
        return auth.actor_for(session=db, user=self.user)


@pytest.fixture
def signed_in(db: Session) -> Callable[..., SignedIn]:
    """A staff user holding ``permissions``, signed in; with an authenticator app (and ten
    recovery codes) unless ``totp=False``."""

    def _make(
        *permissions: str,
        totp: bool = True,
        data_scope: str = "city",
        institution_id: str | None = None,
    ) -> SignedIn:
        n = secrets.token_hex(4)
        roles = []
        if permissions:
            role = rbac.define_role(
                session=db,
                code=f"home_{n}",
                name=f"首页测试{n}",
                permissions=permissions,
                data_scope=data_scope,
            )
            roles = [role.code]
        user = auth.create_user(
            session=db,
            username=f"home_{n}",
            display_name="测试用户",
            password="Test-pass-123",
            institution_id=institution_id,
            role_codes=roles,
            must_change_password=False,
        )
        codes = enrol_totp(db, user)[1] if totp else []
        token, _ = auth.open_session(session=db, user=user, method="test")
        return SignedIn(user, {"Authorization": f"Bearer {token}"}, codes)

    return _make
