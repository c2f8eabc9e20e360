from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from healthnet.core.auth import service


def _user(db: Session, username: str = "zhang_san", password: str = "Good-pass-1") -> None:
    service.ensure_builtin_roles(session=db)
    service.create_user(session=db, username=username, display_name="张三", password=password,
                        role_codes=["city_admin"], must_change_password=False)


def test_login_then_me_then_logout(client: TestClient, db: Session) -> None:
    _user(db)
    r = client.post("/api/v1/auth/login", json={"username": "zhang_san", "password": "Good-pass-1"})
    assert r.status_code == 200, r.text
    token = r.json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    me = client.get("/api/v1/auth/me", headers=headers).json()
    assert me["displayName"] == "张三"
    assert me["permissions"] == ["*"]
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_unknown_user_and_wrong_password_get_identical_answers(
    client: TestClient, db: Session
) -> None:
    _user(db)
    a = client.post("/api/v1/auth/login", json={"username": "zhang_san", "password": "nope"})
    b = client.post("/api/v1/auth/login", json={"username": "nobody", "password": "nope"})
    assert a.status_code == b.status_code == 401
    assert {k: v for k, v in a.json().items() if k != "requestId"} == {
        k: v for k, v in b.json().items() if k != "requestId"
    }


def test_weak_password_is_refused_naming_the_field(client: TestClient, make_headers) -> None:  # type: ignore[no-untyped-def]
    headers = make_headers("auth:user:write")
    r = client.post("/api/v1/auth/users", headers=headers,
                    json={"username": "li_si", "displayName": "李四", "password": "abcdefgh"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "password"


def test_creating_users_needs_the_permission(client: TestClient, make_headers) -> None:  # type: ignore[no-untyped-def]
    headers = make_headers("orgs:institution:read")
    r = client.post("/api/v1/auth/users", headers=headers,
                    json={"username": "li_si", "displayName": "李四", "password": "Abcdefg-1"})
    assert r.status_code == 403


def test_duplicate_user_name_is_409(client: TestClient, make_headers) -> None:  # type: ignore[no-untyped-def]
    headers = make_headers("auth:user:write")
    body = {"username": "wang_wu", "displayName": "王五", "password": "Abcdefg-1"}
    assert client.post("/api/v1/auth/users", headers=headers, json=body).status_code == 201
    r = client.post("/api/v1/auth/users", headers=headers, json=body)
    assert r.status_code == 409
    assert r.json()["detail"] == "用户名已存在"


def test_initial_password_meets_the_policy() -> None:
    for _ in range(20):
        pw = service.generate_initial_password()
        service.check_password_policy(pw, "admin")
