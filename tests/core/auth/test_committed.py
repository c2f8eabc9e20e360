"""The login against the real database with real transactions (no test savepoints): failures
are stored although the request fails, and two app processes share one failure counter."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text

from healthnet.app import create_app
from healthnet.core.auth import service
from healthnet.core.auth.models import LoginLock, LoginLog
from healthnet.core.db import transaction
from tests.core.auth.helpers import PASSWORD, login

USER_TABLES = (
    "auth_login_log",
    "auth_login_ticket",
    "auth_session",
    "auth_password_history",
    "auth_totp",
    "auth_recovery_code",
    "rbac_user_role",
)


@pytest.fixture
def committed_user(engine: Engine) -> Iterator[tuple[str, str]]:
    name = f"cm_{secrets.token_hex(4)}"
    with transaction() as s:
        user = service.create_user(
            session=s,
            username=name,
            display_name="提交测试",
            password=PASSWORD,
            must_change_password=False,
        )
        user_id = user.id
    yield user_id, name
    with engine.begin() as conn:
        for table in USER_TABLES:
            conn.execute(text(f"DELETE FROM {table} WHERE user_id = :u"), {"u": user_id})
        conn.execute(text("DELETE FROM auth_login_lock WHERE key = :k"), {"k": f"u:{user_id}"})
        conn.execute(text("DELETE FROM auth_rate_limit"))
        conn.execute(text("DELETE FROM auth_user WHERE id = :u"), {"u": user_id})


def test_failures_are_stored_though_the_request_fails_and_processes_share_the_lock(
    committed_user: tuple[str, str],
) -> None:
    user_id, name = committed_user
    # Two app instances stand for two worker processes behind the proxy.
    with (
        TestClient(create_app(), raise_server_exceptions=False) as one,
        TestClient(create_app(), raise_server_exceptions=False) as two,
    ):
        codes = [login(one, name, "Wrong-pass-9").json()["code"] for _ in range(3)]
        codes += [login(two, name, "Wrong-pass-9").json()["code"] for _ in range(2)]
        assert codes == ["auth.invalid_credentials"] * 4 + ["auth.account_locked"]
        r = login(one, name, PASSWORD)
        assert r.status_code == 401 and r.json()["code"] == "auth.account_locked"

    with transaction() as s:
        lock = s.get(LoginLock, f"u:{user_id}")
        assert lock is not None and lock.failures == 5 and lock.locked_until is not None
        results = list(
            s.scalars(
                select(LoginLog.result)
                .where(LoginLog.user_id == user_id)
                .order_by(LoginLog.occurred_at)
            )
        )
    assert results == ["failure"] * 4 + ["locked", "locked"]
