"""HMAC-SM3 integrity tags on access-control data: a row changed directly in the database is
detected, the affected user's requests are refused, and ``healthnet rbac verify-integrity``
names the row. Tampering is done with raw SQL, as an attacker with database access would."""

from __future__ import annotations

import secrets

from fastapi.testclient import TestClient
from sqlalchemy import select, text
from typer.testing import CliRunner

from healthnet.cli import app as cli
from healthnet.core.audit.models import AuditRecord
from healthnet.core.auth import service as auth
from healthnet.core.auth.models import User
from healthnet.core.crypto import hash_password
from healthnet.core.db import get_engine, transaction
from healthnet.core.rbac import service as rbac
from healthnet.core.rbac.integrity import compute_tag, tag_row, verify_row
from tests.core.audit.helpers import wipe
from tests.core.rbac.conftest import PASSWORD, Staff, World, login

ME = "/api/v1/rbac/menus"
VIOLATION = "账号或权限数据完整性校验失败，已拒绝访问，请联系安全管理员"


def _sql(world: World, statement: str, **params: object) -> None:
    world.db.execute(text(statement), params)
    world.db.expire_all()  # the next request reads what is in the database now
    world.settle()


def _problems(world: World) -> set[tuple[str, str]]:
    return {(p.table, p.reason) for p in rbac.verify_integrity(session=world.db)}


def _denied(client: TestClient, who: Staff, status: int) -> None:
    r = client.get(ME, headers=who.headers)
    assert r.status_code == status, r.text
    assert r.json()["code"] == "rbac.integrity_violation" and r.json()["detail"] == VIOLATION


def test_untouched_data_verifies_and_works(client: TestClient, world: World) -> None:
    doctor = world.staff(roles=("doctor",), institution=world.inst_a)
    assert client.get(ME, headers=doctor.headers).status_code == 200
    assert _problems(world) == set()


def test_a_user_row_changed_in_the_database_locks_that_user_out(
    client: TestClient, world: World
) -> None:
    victim = world.staff(roles=("doctor",), institution=world.inst_a)
    bystander = world.staff(roles=("doctor",), institution=world.inst_a)
    # Move the account to another hospital behind the application's back.
    _sql(
        world,
        "UPDATE auth_user SET institution_id = :i WHERE id = :u",
        i=world.inst_b.id,
        u=victim.user.id,
    )
    _denied(client, victim, 401)
    assert client.get(ME, headers=bystander.headers).status_code == 200
    assert ("auth_user", "tag_mismatch") in _problems(world)


def test_a_password_hash_swapped_in_the_database_is_detected(world: World) -> None:
    victim = world.staff(roles=("doctor",), institution=world.inst_a)
    _sql(
        world,
        "UPDATE auth_user SET password_hash = :h WHERE id = :u",
        h=hash_password("Attacker-pass-1"),
        u=victim.user.id,
    )
    user = world.db.get(User, victim.user.id)
    assert user is not None and not verify_row(user)
    problems = rbac.verify_integrity(session=world.db)
    assert [(p.table, p.primary_key) for p in problems] == [("auth_user", (victim.user.id,))]


def test_an_ordinary_update_does_not_launder_a_tampered_row(
    client: TestClient, world: World
) -> None:
    """A login stamps last_login_at on the user row; that must not re-tag a tampered row."""
    victim = world.staff(roles=("doctor",), institution=world.inst_a)
    _sql(
        world,
        "UPDATE auth_user SET institution_id = :i WHERE id = :u",
        i=world.inst_b.id,
        u=victim.user.id,
    )
    user = world.db.get(User, victim.user.id)
    assert user is not None
    relogin = login(world.db, user)  # writes last_login_at through the ORM
    world.settle()
    _denied(client, Staff(victim.user, relogin, victim.actor), 401)
    assert ("auth_user", "tag_mismatch") in _problems(world)


def test_widening_a_role_scope_in_the_database_denies_its_holders(
    client: TestClient, world: World
) -> None:
    doctor = world.staff(roles=("doctor",), institution=world.inst_a)
    _sql(world, "UPDATE rbac_role SET data_scope = 'city' WHERE code = 'doctor'")
    _denied(client, doctor, 403)
    assert ("rbac_role", "tag_mismatch") in _problems(world)
    # Reloading the role file writes the original values back, which match the old tag.
    assert rbac.load_builtin_roles(session=world.db) == (0, 1)
    world.settle()
    assert client.get(ME, headers=doctor.headers).status_code == 200
    assert _problems(world) == set()


def test_a_broken_builtin_role_is_repaired_only_when_asked(
    client: TestClient, world: World
) -> None:
    nurse = world.staff(roles=("nurse",), institution=world.inst_a)
    _sql(world, "UPDATE rbac_role SET integrity_tag = :t WHERE code = 'nurse'", t="0" * 64)
    _denied(client, nurse, 403)
    assert rbac.load_builtin_roles(session=world.db) == (0, 0)
    world.settle()
    _denied(client, nurse, 403)
    # --repair rewrites the role from the file (the trusted source of everything its tag
    # covers) and re-tags it.
    assert rbac.load_builtin_roles(session=world.db, repair=True) == (0, 1)
    world.settle()
    assert client.get(ME, headers=nurse.headers).status_code == 200
    assert _problems(world) == set()


def test_a_permission_row_inserted_in_the_database_is_detected(
    client: TestClient, world: World
) -> None:
    nurse = world.staff(roles=("nurse",), institution=world.inst_a)
    (role,) = rbac.roles_by_code(session=world.db, role_codes=["nurse"])
    # Even with a tag copied from a genuine row, the new row does not verify (the tag covers
    # the primary key), and the role's permission set no longer matches its digest.
    copied = (
        world.db.execute(
            text("SELECT integrity_tag FROM rbac_role_permission WHERE role_id = :r"),
            {"r": role.id},
        )
        .scalars()
        .first()
    )
    _sql(
        world,
        "INSERT INTO rbac_role_permission (role_id, permission, integrity_tag) "
        "VALUES (:r, 'patients:identifier:read_full', :t)",
        r=role.id,
        t=copied,
    )
    _denied(client, nurse, 403)
    assert {
        ("rbac_role_permission", "tag_mismatch"),
        ("rbac_role", "permission_set_changed"),
    } <= _problems(world)


def test_a_permission_row_deleted_in_the_database_is_detected(
    client: TestClient, world: World
) -> None:
    lab = world.staff(roles=("lab_staff",), institution=world.inst_a)
    (role,) = rbac.roles_by_code(session=world.db, role_codes=["lab_staff"])
    _sql(
        world,
        "DELETE FROM rbac_role_permission WHERE role_id = :r AND permission = 'codes:concept:read'",
        r=role.id,
    )
    _denied(client, lab, 403)
    assert _problems(world) == {("rbac_role", "permission_set_changed")}


def test_a_grant_inserted_in_the_database_is_detected(client: TestClient, world: World) -> None:
    nurse = world.staff(roles=("nurse",), institution=world.inst_a)
    (role,) = rbac.roles_by_code(session=world.db, role_codes=["sys_admin"])
    forged = tag_row("rbac_user_role", (nurse.user.id, "someone-else"), {})
    _sql(
        world,
        "INSERT INTO rbac_user_role (user_id, role_id, granted_at, integrity_tag) "
        "VALUES (:u, :r, :now, :t)",
        u=nurse.user.id,
        r=role.id,
        now=nurse.user.created_at,
        t=forged,
    )
    _denied(client, nurse, 403)
    assert ("rbac_user_role", "tag_mismatch") in _problems(world)


def test_changes_through_the_application_keep_valid_tags(client: TestClient, world: World) -> None:
    """The ORM hook re-tags on every insert and update, so legitimate changes never trip."""
    admin = world.staff(roles=("sys_admin",), scope="city")
    doctor = world.staff(roles=("doctor",), institution=world.inst_a)
    world.settle()
    user = world.db.get(User, doctor.user.id)
    assert user is not None
    before = user.integrity_tag
    user.institution_id = world.inst_a2.id
    world.db.flush()
    assert user.integrity_tag != before and user.integrity_tag == compute_tag(user)
    r = client.post(
        f"/api/v1/rbac/users/{doctor.user.id}/roles",
        json={"roleCode": "nurse"},
        headers=admin.headers,
    )
    assert r.status_code == 201, r.text
    r = client.post(
        "/api/v1/rbac/roles",
        headers=admin.headers,
        json={
            "code": "qc_staff",
            "name": "质控人员",
            "dataScope": "custom",
            "institutionIds": [world.inst_a.id],
            "permissions": ["orgs:institution:read"],
        },
    )
    assert r.status_code == 201, r.text
    r = client.patch(
        f"/api/v1/rbac/roles/{r.json()['id']}",
        headers=admin.headers,
        json={"permissions": ["orgs:institution:read", "codes:concept:read"]},
    )
    assert r.status_code == 200, r.text
    assert client.get(ME, headers=doctor.headers).status_code == 200
    assert _problems(world) == set()


def test_verify_integrity_command_names_the_tampered_row() -> None:
    """The command runs in its own transaction, so this test commits (and cleans up)."""
    runner = CliRunner()
    username = f"cli_{secrets.token_hex(4)}"
    with transaction() as session:
        rbac.load_builtin_roles(session=session)
        user = auth.create_user(
            session=session,
            username=username,
            display_name="命令行",
            password=PASSWORD,
            role_codes=["resident"],
            must_change_password=False,
        )
        user_id = user.id
    try:
        ok = runner.invoke(cli, ["rbac", "verify-integrity"])
        assert ok.exit_code == 0, ok.output
        assert "校验通过" in ok.output
        with get_engine().begin() as conn:
            conn.execute(
                text("UPDATE auth_user SET is_active = NOT is_active WHERE id = :u"), {"u": user_id}
            )
        bad = runner.invoke(cli, ["rbac", "verify-integrity"])
        assert bad.exit_code == 1
        assert f"auth_user {user_id}: tag_mismatch" in bad.output
        # After checking the row, the operator accepts it; the acceptance is audited.
        accepted = runner.invoke(cli, ["rbac", "retag", "auth_user", user_id])
        assert accepted.exit_code == 0 and "已重新签注" in accepted.output
        assert runner.invoke(cli, ["rbac", "verify-integrity"]).exit_code == 0
        with transaction() as session:
            action = session.scalar(
                select(AuditRecord.action).where(AuditRecord.resource_id == user_id)
            )
        assert action == "rbac.integrity.retag"
    finally:
        wipe(get_engine())
        with get_engine().begin() as conn:
            conn.execute(text("DELETE FROM rbac_user_role WHERE user_id = :u"), {"u": user_id})
            conn.execute(
                text("DELETE FROM auth_password_history WHERE user_id = :u"), {"u": user_id}
            )
            conn.execute(text("DELETE FROM auth_user WHERE id = :u"), {"u": user_id})


def test_a_password_hash_swapped_in_the_database_does_not_log_in(
    client: TestClient, world: World
) -> None:
    """The attacker who wrote a hash of a password they know still gets no session."""
    victim = world.staff(roles=("doctor",), institution=world.inst_a)
    _sql(
        world,
        "UPDATE auth_user SET password_hash = :h WHERE id = :u",
        h=hash_password("Attacker-pass-1"),
        u=victim.user.id,
    )
    r = client.post(
        "/api/v1/auth/login", json={"username": victim.user.username, "password": "Attacker-pass-1"}
    )
    assert r.status_code == 401
    assert r.json()["code"] == "auth.invalid_credentials"
