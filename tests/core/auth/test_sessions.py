"""Sessions: expiry, logout, forced logout, online users, cookies and CSRF."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from healthnet.config import get_settings
from healthnet.core.auth import service
from healthnet.core.auth.models import LoginSession
from healthnet.core.auth.sessions import token_hash
from healthnet.core.db import utcnow
from healthnet.core.errors import Unauthenticated
from tests.core.auth.helpers import Account, bearer, full_login

MakeAccount = Callable[..., Account]
ME = "/api/v1/auth/me"


def _row(db: Session, token: str) -> LoginSession:
    row = db.get(LoginSession, token_hash(token))
    assert row is not None
    return row


def test_only_the_hash_of_the_token_is_stored(
    client: TestClient, make_account: MakeAccount, db: Session
) -> None:
    acc = make_account()
    token = full_login(client, acc)["token"]
    stored = db.scalars(
        select(LoginSession.token_hash).where(LoginSession.user_id == acc.user.id)
    ).all()
    assert stored == [token_hash(token)] and token not in stored


def test_an_idle_session_expires(
    client: TestClient, make_account: MakeAccount, db: Session
) -> None:
    acc = make_account()
    token = full_login(client, acc)["token"]
    row = _row(db, token)
    row.last_seen_at = utcnow() - timedelta(minutes=29)  # 29 minutes without a request
    db.flush()
    assert client.get(ME, headers=bearer(token)).status_code == 200  # and that renews it
    assert _row(db, token).last_seen_at > utcnow() - timedelta(minutes=1)
    row.last_seen_at = utcnow() - timedelta(minutes=31)
    db.flush()
    r = client.get(ME, headers=bearer(token))
    assert r.status_code == 401 and r.json()["detail"] == "登录已过期，请重新登录"


def test_the_idle_limit_is_configurable(
    db: Session, make_account: MakeAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "session_idle_minutes", 5)
    acc = make_account(with_totp=False)
    token, _ = service.open_session(session=db, user=acc.user, method="test")
    service.resolve_token(session=db, token=token, now=utcnow() + timedelta(minutes=4))
    with pytest.raises(Unauthenticated):
        service.resolve_token(session=db, token=token, now=utcnow() + timedelta(minutes=10))


def test_a_busy_session_still_ends_after_twelve_hours(
    db: Session, make_account: MakeAccount
) -> None:
    acc = make_account(with_totp=False)
    start = utcnow()
    token, row = service.open_session(session=db, user=acc.user, method="test", now=start)
    assert row.expires_at == start + timedelta(hours=12)
    # Active every 20 minutes for almost 12 hours: still fine...
    at = start
    while at + timedelta(minutes=20) < start + timedelta(hours=12):
        at += timedelta(minutes=20)
        service.resolve_token(session=db, token=token, now=at)
    # ...but not past the absolute limit, however active.
    with pytest.raises(Unauthenticated):
        service.resolve_token(session=db, token=token, now=start + timedelta(hours=12))


def test_online_users_and_forced_logout(
    client: TestClient, make_account: MakeAccount, make_headers: Callable[..., dict[str, str]]
) -> None:
    acc = make_account()
    token = full_login(client, acc)["token"]
    admin = make_headers("auth:session:manage", data_scope="city")
    r = client.get("/api/v1/auth/sessions", headers=admin, params={"pageSize": 100})
    assert r.status_code == 200
    mine = [s for s in r.json()["items"] if s["userId"] == acc.user.id]
    assert len(mine) == 1
    entry = mine[0]
    assert entry["clientIp"] == "testclient" and entry["authMethod"] == "totp"
    assert entry["lastSeenAt"] and entry["createdAt"]
    assert token not in str(r.json())  # the list never shows a token

    assert client.delete(f"/api/v1/auth/sessions/{entry['id']}", headers=admin).status_code == 204
    assert client.get(ME, headers=bearer(token)).status_code == 401
    listed = client.get("/api/v1/auth/sessions", headers=admin, params={"pageSize": 100}).json()
    assert entry["id"] not in {s["id"] for s in listed["items"]}
    # Without the permission: 403.
    other = make_headers("auth:user:read")
    assert client.get("/api/v1/auth/sessions", headers=other).status_code == 403


def test_cookie_login_sets_safe_cookies_and_keeps_the_token_out_of_the_body(
    client: TestClient, make_account: MakeAccount
) -> None:
    acc = make_account()
    body = full_login(client, acc, session="cookie")
    assert "token" not in body and body["csrfToken"]
    cookies = client.cookies
    assert cookies.get("hn_session") and cookies.get("hn_csrf") == body["csrfToken"]


def test_cookie_flags(client: TestClient, make_account: MakeAccount) -> None:
    acc = make_account()
    r = client.post(
        "/api/v1/auth/login",
        json={"username": acc.username, "password": acc.password, "session": "cookie"},
    )
    r = client.post(
        "/api/v1/auth/login/totp", json={"ticket": r.json()["ticket"], "code": acc.code()}
    )
    set_cookies = r.headers.get_list("set-cookie")
    session_cookie = next(c for c in set_cookies if c.startswith("hn_session="))
    csrf_cookie = next(c for c in set_cookies if c.startswith("hn_csrf="))
    assert "HttpOnly" in session_cookie and "SameSite=lax" in session_cookie
    assert "Path=/" in session_cookie
    assert "HttpOnly" not in csrf_cookie  # the page's script must read it


def test_production_cookies_are_host_prefixed_and_secure(
    client: TestClient, make_account: MakeAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    acc = make_account()
    r = client.post(
        "/api/v1/auth/login",
        json={"username": acc.username, "password": acc.password, "session": "cookie"},
    )
    monkeypatch.setattr(get_settings(), "environment", "production")
    r = client.post(
        "/api/v1/auth/login/totp", json={"ticket": r.json()["ticket"], "code": acc.code()}
    )
    set_cookies = r.headers.get_list("set-cookie")
    session_cookie = next(c for c in set_cookies if c.startswith("__Host-hn_session="))
    assert "Secure" in session_cookie and "HttpOnly" in session_cookie
    assert "Domain" not in session_cookie
    assert any(c.startswith("__Host-hn_csrf=") and "Secure" in c for c in set_cookies)


def test_csrf_token_is_required_for_unsafe_cookie_requests(
    client: TestClient, make_account: MakeAccount
) -> None:
    acc = make_account()
    body = full_login(client, acc, session="cookie")
    assert client.get(ME).status_code == 200  # safe method: the cookie is enough
    r = client.post("/api/v1/auth/logout")
    assert r.status_code == 403 and r.json()["code"] == "auth.csrf_failed"
    r = client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": "0" * 64})
    assert r.status_code == 403
    r = client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": body["csrfToken"]})
    assert r.status_code == 204
    assert client.get(ME).status_code == 401


def test_bearer_requests_need_no_csrf_token(client: TestClient, make_account: MakeAccount) -> None:
    acc = make_account()
    token = full_login(client, acc)["token"]
    assert client.post("/api/v1/auth/logout", headers=bearer(token)).status_code == 204


def test_a_new_login_in_the_same_browser_ends_the_old_session(
    client: TestClient, make_account: MakeAccount, db: Session
) -> None:
    acc = make_account()
    full_login(client, acc, session="cookie")
    first = client.cookies.get("hn_session")
    assert first
    full_login(client, acc, session="cookie", offset_steps=1)
    second = client.cookies.get("hn_session")
    assert second and second != first
    assert _row(db, first).revoked and not _row(db, second).revoked
