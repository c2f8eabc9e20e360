"""The home page's to-do list over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from healthnet.core.db import utcnow
from tests.core.home.conftest import SignedIn

URL = "/api/v1/home/todos"


def test_the_list_needs_a_sign_in(client: TestClient) -> None:
    r = client.get(URL)
    assert r.status_code == 401 and r.json()["detail"] == "请先登录"


def test_only_items_with_something_to_do(
    client: TestClient, db: Session, signed_in: Callable[..., SignedIn]
) -> None:
    calm = signed_in("audit:record:read")
    worried = signed_in(totp=False)
    worried.user.password_changed_at = utcnow() - timedelta(days=85)
    db.commit()
    assert client.get(URL, headers=calm.headers).json() == []
    assert client.get(URL, headers=worried.headers).json() == [
        {
            "key": "auth.second_factor_missing",
            "title": "尚未设置第二因素认证（身份验证器或数字证书），请尽快设置",
            "count": 1,
            "path": "/account/security",
            "level": "danger",
        },
        {
            "key": "auth.password_expiring",
            "title": "密码将在 5 天内过期，请及时修改",
            "count": 1,
            "path": "/account/security",
            "level": "warning",
        },
    ]
