"""Helpers of the auth tests: accounts, and the real login steps over HTTP."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pyotp
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from healthnet.core.auth import totp
from healthnet.core.auth.models import User
from healthnet.core.db import utcnow

PASSWORD = "Good-pass-1"
LOGIN = "/api/v1/auth/login"


@dataclass
class Account:
    user: User
    username: str
    password: str
    secret: str | None  # TOTP secret, when enrolled
    recovery_codes: list[str]

    def code(self, offset_steps: int = 0) -> str:
        """The authenticator app's current code (or the one ``offset_steps`` steps away)."""
        assert self.secret is not None
        return pyotp.TOTP(self.secret).at(time.time() + 30 * offset_steps)


def enrol_totp(db: Session, user: User) -> tuple[str, list[str]]:
    """Enrol an authenticator as if it happened ten minutes ago (so the confirming code's time
    step is long past and today's codes are all fresh)."""
    enrolment = totp.start_enrolment(session=db, user=user)
    earlier = utcnow() - timedelta(minutes=10)
    code = pyotp.TOTP(enrolment.secret).at(earlier)
    codes = totp.confirm_enrolment(session=db, user=user, code=code, now=earlier)
    assert codes is not None
    return enrolment.secret, codes


def login(client: TestClient, username: str, password: str, **extra: Any) -> Any:
    return client.post(LOGIN, json={"username": username, "password": password, **extra})


def full_login(
    client: TestClient, account: Account, *, offset_steps: int = 0, session: str = "bearer"
) -> dict[str, Any]:
    """Password, then TOTP; returns the final answer's JSON."""
    r = login(client, account.username, account.password, session=session)
    assert r.status_code == 200, r.text
    assert r.json()["stage"] == "second_factor", r.json()
    r = client.post(
        f"{LOGIN}/totp", json={"ticket": r.json()["ticket"], "code": account.code(offset_steps)}
    )
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    assert body["stage"] == "done"
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def without_request_id(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != "requestId"}
