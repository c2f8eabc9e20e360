"""Separation of duties (三员分立) and least privilege, as the administrators meet them."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from healthnet.core.auth import service as auth
from healthnet.core.db import get_engine, transaction
from healthnet.core.errors import Conflict
from healthnet.core.rbac import service as rbac
from healthnet.core.rbac.models import Role
from tests.core.rbac.conftest import PASSWORD, World

DUTY_CONFLICT = "同一账号不得同时担任系统管理员、安全管理员、审计管理员中的两个角色（三员分立）"
EXCLUSIVE = "系统管理员、安全管理员、审计管理员账号不得兼任其他角色（三员分立）"


def test_builtin_roles_load_once_and_again_change_nothing(world: World) -> None:
    assert rbac.load_builtin_roles(session=world.db) == (0, 0)
    roles = {r.code: r for r in world.db.scalars(select(Role).where(Role.builtin.is_(True)))}
    assert set(roles) == {
        "sys_admin",
        "security_admin",
        "audit_admin",
        "city_admin",
        "district_admin",
        "institution_admin",
        "doctor",
        "nurse",
        "cdc_staff",
        "psych_doctor",
        "lab_staff",
        "resident",
    }
    assert roles["sys_admin"].name == "系统管理员" and roles["sys_admin"].duty == "system"
    assert roles["audit_admin"].duty == "audit" and roles["security_admin"].duty == "security"
    assert roles["district_admin"].data_scope == "district"
    assert roles["resident"].data_scope == "own" and roles["resident"].permissions == []


def test_the_three_administrators_do_not_overlap() -> None:
    meta = rbac.read_metadata()
    known = rbac.permission_codes()
    perms = {r.code: set(rbac.expand_permissions(r.permissions, known)) for r in meta.roles}
    sys_admin, sec, aud = perms["sys_admin"], perms["security_admin"], perms["audit_admin"]
    # They share only two read-only views: who the users are, and the login log.
    shared = {"auth:user:read", "auth:login_log:read"}
    assert not (sys_admin & sec) - shared and not sys_admin & aud and not (sec & aud) - shared
    assert not {p for p in sys_admin | sec if p.startswith(("audit:", "patients:"))}
    assert {p for p in aud if not p.startswith("audit:")} == {"auth:login_log:read"}
    assert {"audit:record:read", "audit:chain:verify", "audit:record:export"} <= aud
    assert {"auth:user:write", "rbac:role:write", "rbac:user_role:write"} <= sys_admin
    # Only the administrator of a duty holds what the duty reserves.
    for role in meta.roles:
        for p in perms[role.code]:
            assert rbac.reserved_duty(p, meta) in (None, role.duty), (role.code, p)


def test_system_administrator_gets_403_on_audit_and_patient_data(
    client: TestClient, world: World
) -> None:
    admin = world.staff(roles=("sys_admin",), scope="city")
    world.settle()
    h = admin.headers
    assert client.get("/api/v1/rbac/roles", headers=h).status_code == 200  # the account works
    for method, path, body in [
        ("GET", "/api/v1/audit/records", None),
        ("GET", "/api/v1/audit/export", None),
        ("POST", "/api/v1/audit/chain/verify", None),
        ("POST", "/api/v1/patients/persons/search", {"name": "张三", "birthDate": "1980-01-01"}),
        ("POST", "/api/v1/patients/persons", {"name": "张三"}),
        ("GET", f"/api/v1/patients/persons/{'0' * 32}", None),
        ("GET", "/api/v1/patients/candidates", None),
    ]:
        r = client.request(method, path, json=body, headers=h)
        assert r.status_code == 403, (method, path, r.status_code)
        assert r.json()["detail"] == "没有权限执行此操作"


def test_audit_administrator_gets_403_on_users_and_configuration(
    client: TestClient, world: World
) -> None:
    auditor = world.staff(roles=("audit_admin",), scope="city")
    world.settle()
    h = auditor.headers
    assert client.get("/api/v1/audit/records", headers=h).status_code == 200
    new_user = {"username": "li_si", "displayName": "李四", "password": "Abcdefg-1"}
    for method, path, body in [
        ("GET", "/api/v1/auth/users", None),
        ("POST", "/api/v1/auth/users", new_user),
        ("GET", "/api/v1/rbac/roles", None),
        ("POST", "/api/v1/rbac/roles", {"code": "x_role", "name": "某角色"}),
        ("POST", f"/api/v1/rbac/users/{auditor.user.id}/roles", {"roleCode": "sys_admin"}),
        ("POST", "/api/v1/orgs/institutions/import", None),
        ("PATCH", "/api/v1/jobs/schedules/x", {"enabled": False}),
        ("POST", "/api/v1/patients/persons/search", {"name": "张三", "birthDate": "1980-01-01"}),
    ]:
        r = client.request(method, path, json=body, headers=h)
        assert r.status_code == 403, (method, path, r.status_code, r.text)


def test_security_administrator_holds_neither_other_duty(client: TestClient, world: World) -> None:
    sec = world.staff(roles=("security_admin",), scope="city")
    world.settle()
    assert "certs:certificate:issue" in sec.actor.permissions
    for path in ("/api/v1/audit/records", "/api/v1/rbac/roles", "/api/v1/patients/candidates"):
        assert client.get(path, headers=sec.headers).status_code == 403, path


def test_no_account_holds_two_of_the_three(client: TestClient, world: World) -> None:
    admin = world.staff(roles=("sys_admin",), scope="city")
    auditor = world.staff(roles=("audit_admin",), scope="city")
    doctor = world.staff(roles=("doctor",), institution=world.inst_a)
    world.settle()
    url = f"/api/v1/rbac/users/{auditor.user.id}/roles"
    for code in ("sys_admin", "security_admin"):
        r = client.post(url, json={"roleCode": code}, headers=admin.headers)
        assert r.status_code == 409, r.text
        assert r.json()["detail"] == DUTY_CONFLICT
    # An administrator holds no business role either (the system administrator must never
    # reach patient data through a second role), nor a business user an administrator role.
    r = client.post(url, json={"roleCode": "doctor"}, headers=admin.headers)
    assert r.status_code == 409 and r.json()["detail"] == EXCLUSIVE
    r = client.post(
        f"/api/v1/rbac/users/{doctor.user.id}/roles",
        json={"roleCode": "audit_admin"},
        headers=admin.headers,
    )
    assert r.status_code == 409 and r.json()["detail"] == EXCLUSIVE
    roles = client.get(url, headers=admin.headers).json()
    assert [g["roleCode"] for g in roles] == ["audit_admin"]
    # Creating an account with two of them is refused the same way.
    r = client.post(
        "/api/v1/auth/users",
        headers=admin.headers,
        json={
            "username": "two_hats",
            "displayName": "兼任",
            "password": "Abcdefg-1",
            "roleCodes": ["sys_admin", "audit_admin"],
        },
    )
    assert r.status_code == 409 and r.json()["detail"] == DUTY_CONFLICT
    with pytest.raises(Conflict):
        auth.create_user(
            session=world.db,
            username="two_hats2",
            display_name="兼任",
            password=PASSWORD,
            role_codes=["security_admin", "audit_admin"],
        )


def test_an_administrator_cannot_change_their_own_roles(client: TestClient, world: World) -> None:
    admin = world.staff(roles=("sys_admin",), scope="city")
    world.settle()
    r = client.post(
        f"/api/v1/rbac/users/{admin.user.id}/roles",
        json={"roleCode": "nurse"},
        headers=admin.headers,
    )
    assert r.status_code == 403 and r.json()["detail"] == "不能修改自己账号的角色"


@pytest.mark.parametrize(
    "permission",
    [
        "audit:record:read",
        "rbac:user_role:write",
        "auth:user:write",
        "certs:certificate:issue",
    ],
)
def test_reserved_permissions_never_go_into_a_custom_role(
    client: TestClient, world: World, permission: str
) -> None:
    admin = world.staff(roles=("sys_admin",), scope="city")
    world.settle()
    r = client.post(
        "/api/v1/rbac/roles",
        headers=admin.headers,
        json={
            "code": "sneaky",
            "name": "审计助理",
            "permissions": ["orgs:institution:read", permission],
        },
    )
    assert r.status_code == 422, r.text
    (err,) = r.json()["errors"]
    assert err["field"] == "permissions[1]" and permission in err["message"]
    assert "内置" in err["message"]


def test_builtin_roles_cannot_be_edited_or_deleted(client: TestClient, world: World) -> None:
    admin = world.staff(roles=("sys_admin",), scope="city")
    world.settle()
    (role,) = rbac.roles_by_code(session=world.db, role_codes=["sys_admin"])
    r = client.patch(
        f"/api/v1/rbac/roles/{role.id}",
        headers=admin.headers,
        json={"permissions": ["audit:record:read"]},
    )
    assert r.status_code == 409 and "内置角色" in r.json()["detail"]
    assert client.delete(f"/api/v1/rbac/roles/{role.id}", headers=admin.headers).status_code == 409
    assert "audit:record:read" not in rbac.get_role(session=world.db, role_id=role.id).permissions


def test_setup_creates_three_separate_administrators_with_one_time_passwords() -> None:
    """Runs the real set-up step (own committed transaction), then removes what it made."""
    from healthnet.core.auth.cli import create_initial_admin

    with transaction() as session:
        if auth.has_users(session=session):
            pytest.skip("the test database already holds committed users")
    try:
        created = create_initial_admin()
        assert created is not None
        assert create_initial_admin() is None  # once only
        assert [u for u, _, _ in created] == ["admin", "secadmin", "auditadmin"]
        assert len({p for _, _, p in created}) == 3
        with transaction() as session:
            for username, role_name, password in created:
                user = auth.find_login_user(session=session, login_name=username)
                assert user is not None and user.must_change_password
                assert [r.name for r in user.roles] == [role_name]
                auth.check_password_policy(password, username)
    finally:
        with get_engine().begin() as conn:
            ids = "SELECT id FROM auth_user WHERE username IN ('admin', 'secadmin', 'auditadmin')"
            conn.execute(text(f"DELETE FROM rbac_user_role WHERE user_id IN ({ids})"))
            conn.execute(text(f"DELETE FROM auth_password_history WHERE user_id IN ({ids})"))
            conn.execute(
                text("DELETE FROM auth_user WHERE username IN ('admin', 'secadmin', 'auditadmin')")
            )
