"""/auth/me: who is signed in, where they work, and when the session ends."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from healthnet.config import get_settings
from healthnet.core.auth.models import LoginSession
from healthnet.core.auth.sessions import token_hash
from healthnet.core.db import utcnow
from healthnet.core.orgs import service as orgs
from healthnet.core.orgs.schemas import InstitutionCreate
from tests.core.auth.helpers import Account, bearer, full_login

MakeAccount = Callable[..., Account]
ME = "/api/v1/auth/me"


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _row(db: Session, token: str) -> LoginSession:
    row = db.get(LoginSession, token_hash(token))
    assert row is not None
    return row


def test_me_names_the_institution_and_district(
    client: TestClient, db: Session, make_account: MakeAccount
) -> None:
    orgs.load_districts(session=db)
    inst = orgs.create_institution(
        session=db,
        data=InstitutionCreate.model_validate(
            {
                "code": "ME-1",
                "name": "徐汇区中心医院",
                "kind": "secondary_hospital",
                "districtCode": "310104",
            }
        ),
    )
    acc = make_account(institution_id=inst.id)
    token = full_login(client, acc)["token"]
    r = client.get(ME, headers=bearer(token))
    assert r.status_code == 200
    assert r.headers["cache-control"] == "no-store"
    me = r.json()
    assert me["institutionId"] == inst.id and me["districtCode"] == "310104"
    assert me["institutionName"] == "徐汇区中心医院" and me["districtName"] == "徐汇区"
    assert me["mustChangePassword"] is False

    nowhere = make_account()
    me = client.get(ME, headers=bearer(full_login(client, nowhere)["token"])).json()
    assert me["institutionName"] is None and me["districtName"] is None


def test_me_says_when_the_session_ends_and_renews_it(
    client: TestClient, db: Session, make_account: MakeAccount
) -> None:
    token = full_login(client, make_account())["token"]
    me = client.get(ME, headers=bearer(token)).json()
    assert me["sessionIdleMinutes"] == 30
    ends = _at(me["sessionExpiresAt"])
    assert abs(ends - (utcnow() + timedelta(minutes=30))) < timedelta(seconds=70)

    # Twenty minutes without a request: ten left. Asking /auth/me counts as activity, so
    # the answer is a fresh thirty minutes.
    row = _row(db, token)
    row.last_seen_at = utcnow() - timedelta(minutes=20)
    db.flush()
    me = client.get(ME, headers=bearer(token)).json()
    assert abs(_at(me["sessionExpiresAt"]) - (utcnow() + timedelta(minutes=30))) < timedelta(
        seconds=10
    )
    assert _row(db, token).last_seen_at > utcnow() - timedelta(seconds=10)

    # Near the absolute limit, that limit is the end, however active the user is.
    row.expires_at = utcnow() + timedelta(minutes=5)
    db.flush()
    me = client.get(ME, headers=bearer(token)).json()
    assert _at(me["sessionExpiresAt"]) == row.expires_at


def test_idle_minutes_follow_the_setting(
    client: TestClient, make_account: MakeAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "session_idle_minutes", 10)
    token = full_login(client, make_account())["token"]
    me = client.get(ME, headers=bearer(token)).json()
    assert me["sessionIdleMinutes"] == 10
    assert _at(me["sessionExpiresAt"]) < utcnow() + timedelta(minutes=11)


def test_a_password_that_expired_during_the_session_must_be_changed(
    client: TestClient, db: Session, make_account: MakeAccount
) -> None:
    acc = make_account()
    token = full_login(client, acc)["token"]
    acc.user.password_changed_at = utcnow() - timedelta(days=91)
    db.flush()
    me = client.get(ME, headers=bearer(token)).json()
    assert me["mustChangePassword"] is True
    assert _at(me["passwordExpiresAt"]) < utcnow()
