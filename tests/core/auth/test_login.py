"""The login over HTTP: two stages, lockout, identical failures, rate limit, forced changes."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from healthnet.config import get_settings
from healthnet.core.audit.models import AuditRecord
from healthnet.core.auth import service
from healthnet.core.auth.models import LoginLog
from healthnet.core.db import utcnow
from tests.core.auth.helpers import (
    LOGIN,
    Account,
    bearer,
    full_login,
    login,
    without_request_id,
)

MakeAccount = Callable[..., Account]


def test_staff_login_needs_password_then_totp(
    client: TestClient, make_account: MakeAccount
) -> None:
    acc = make_account()
    r = login(client, acc.username, acc.password)
    assert r.status_code == 200
    body = r.json()
    assert body["stage"] == "second_factor"
    assert "token" not in body
    assert {"totp", "recovery_code"} <= set(body["methods"])
    # The ticket is not a session: with the password alone nothing opens.
    assert client.get("/api/v1/auth/me", headers=bearer(body["ticket"])).status_code == 401

    r = client.post(f"{LOGIN}/totp", json={"ticket": body["ticket"], "code": acc.code()})
    assert r.status_code == 200, r.text
    token = r.json()["token"]
    me = client.get("/api/v1/auth/me", headers=bearer(token))
    assert me.status_code == 200
    assert me.json()["username"] == acc.username and me.json()["totpEnabled"] is True
    assert client.post("/api/v1/auth/logout", headers=bearer(token)).status_code == 204
    assert client.get("/api/v1/auth/me", headers=bearer(token)).status_code == 401


def test_a_code_without_a_password_ticket_is_refused(
    client: TestClient, make_account: MakeAccount
) -> None:
    acc = make_account()
    r = client.post(f"{LOGIN}/totp", json={"ticket": "x" * 43, "code": acc.code()})
    assert r.status_code == 401
    assert r.json()["code"] == "auth.ticket_invalid"


def test_wrong_totp_code_is_refused_and_the_ticket_works_once(
    client: TestClient, make_account: MakeAccount
) -> None:
    acc = make_account()
    ticket = login(client, acc.username, acc.password).json()["ticket"]
    wrong = f"{(int(acc.code()) + 1) % 1_000_000:06d}"
    r = client.post(f"{LOGIN}/totp", json={"ticket": ticket, "code": wrong})
    assert r.status_code == 401 and r.json()["detail"] == "动态验证码错误"
    assert (
        client.post(f"{LOGIN}/totp", json={"ticket": ticket, "code": acc.code()}).status_code == 200
    )
    # Used: the same ticket cannot open a second session.
    r = client.post(f"{LOGIN}/totp", json={"ticket": ticket, "code": acc.code(1)})
    assert r.status_code == 401 and r.json()["code"] == "auth.ticket_invalid"


def test_a_totp_code_works_only_once(client: TestClient, make_account: MakeAccount) -> None:
    acc = make_account()
    code = acc.code()
    first = login(client, acc.username, acc.password).json()["ticket"]
    assert client.post(f"{LOGIN}/totp", json={"ticket": first, "code": code}).status_code == 200
    second = login(client, acc.username, acc.password).json()["ticket"]
    r = client.post(f"{LOGIN}/totp", json={"ticket": second, "code": code})
    assert r.status_code == 401
    assert r.json()["code"] == "auth.totp_reused"
    assert "已使用" in r.json()["detail"]
    # The next code of the app works.
    assert (
        client.post(f"{LOGIN}/totp", json={"ticket": second, "code": acc.code(1)}).status_code
        == 200
    )


def test_recovery_codes_work_once_each(client: TestClient, make_account: MakeAccount) -> None:
    acc = make_account()
    code = acc.recovery_codes[0]
    ticket = login(client, acc.username, acc.password).json()["ticket"]
    r = client.post(f"{LOGIN}/recovery-code", json={"ticket": ticket, "code": code.upper()})
    assert r.status_code == 200, r.text
    me = client.get("/api/v1/auth/me", headers=bearer(r.json()["token"])).json()
    assert me["recoveryCodesLeft"] == 9
    ticket = login(client, acc.username, acc.password).json()["ticket"]
    r = client.post(f"{LOGIN}/recovery-code", json={"ticket": ticket, "code": code})
    assert r.status_code == 401 and r.json()["code"] == "auth.recovery_code_invalid"


def test_first_login_enrols_an_authenticator_app(
    client: TestClient, make_account: MakeAccount
) -> None:
    import pyotp

    acc = make_account(with_totp=False)
    body = login(client, acc.username, acc.password).json()
    assert body["stage"] == "second_factor" and "totp_enrolment" in body["methods"]
    assert "totp" not in body["methods"]
    r = client.post(f"{LOGIN}/totp/enrolment", json={"ticket": body["ticket"]})
    assert r.status_code == 200
    enrol = r.json()
    assert enrol["otpauthUri"].startswith("otpauth://totp/")
    assert f"secret={enrol['secret']}" in enrol["otpauthUri"]
    assert enrol["qrSvg"].startswith("data:image/svg+xml")
    app = pyotp.parse_uri(enrol["otpauthUri"])  # what an authenticator app reads
    assert isinstance(app, pyotp.TOTP) and app.interval == 30 and app.digits == 6
    r = client.post(
        f"{LOGIN}/totp/enrolment/confirm", json={"ticket": body["ticket"], "code": app.now()}
    )
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["stage"] == "done" and len(done["recoveryCodes"]) == 10
    assert client.get("/api/v1/auth/me", headers=bearer(done["token"])).json()["totpEnabled"]

    # From now on the app's codes are the second factor, and enrolment is closed.
    body = login(client, acc.username, acc.password).json()
    assert "totp" in body["methods"] and "totp_enrolment" not in body["methods"]
    r = client.post(f"{LOGIN}/totp/enrolment", json={"ticket": body["ticket"]})
    assert r.status_code == 400
    r = client.post(
        f"{LOGIN}/totp", json={"ticket": body["ticket"], "code": app.at(time.time() + 30)}
    )
    assert r.status_code == 200, r.text


def test_new_session_token_at_every_login(client: TestClient, make_account: MakeAccount) -> None:
    acc = make_account()
    a = full_login(client, acc)["token"]
    b = full_login(client, acc, offset_steps=1)["token"]
    assert a != b and len(a) >= 43  # 32 random bytes, base64url


# --------------------------------------------------------------------------- guessing


def test_five_failures_lock_and_the_sixth_is_refused_even_with_the_right_password(
    client: TestClient,
    make_account: MakeAccount,
    make_headers: Callable[..., dict[str, str]],
    db: Session,
) -> None:
    acc = make_account()
    answers = [login(client, acc.username, "Wrong-pass-9") for _ in range(5)]
    assert [r.status_code for r in answers] == [401] * 5
    assert [r.json()["code"] for r in answers[:4]] == ["auth.invalid_credentials"] * 4
    assert answers[4].json()["code"] == "auth.account_locked"
    sixth = login(client, acc.username, acc.password)
    assert sixth.status_code == 401
    assert sixth.json()["code"] == "auth.account_locked"
    assert "15 分钟" in sixth.json()["detail"]

    admin = make_headers("auth:user:unlock", data_scope="city")
    user = client.get(
        f"/api/v1/auth/users/{acc.user.id}",
        headers=make_headers("auth:user:read", data_scope="city"),
    ).json()
    assert user["lockedUntil"] is not None
    r = client.post(f"/api/v1/auth/users/{acc.user.id}/unlock", headers=admin)
    assert r.status_code == 200 and r.json()["lockedUntil"] is None
    assert login(client, acc.username, acc.password).json()["stage"] == "second_factor"

    rows = db.scalars(
        select(LoginLog).where(LoginLog.user_id == acc.user.id).order_by(LoginLog.occurred_at)
    ).all()
    assert [r.result for r in rows] == ["failure"] * 4 + ["locked", "locked", "next_step"]
    assert rows[0].reason == "auth.invalid_credentials" and rows[0].client_ip == "testclient"


def test_the_lock_runs_out(client: TestClient, make_account: MakeAccount, db: Session) -> None:
    from healthnet.core.auth.models import LoginLock

    acc = make_account()
    for _ in range(5):
        login(client, acc.username, "Wrong-pass-9")
    lock = db.get(LoginLock, f"u:{acc.user.id}")
    assert lock is not None and lock.locked_until is not None
    lock.locked_until = utcnow() - timedelta(seconds=1)  # fifteen minutes later
    db.flush()
    assert login(client, acc.username, acc.password).json()["stage"] == "second_factor"


def test_wrong_codes_count_towards_the_lock(client: TestClient, make_account: MakeAccount) -> None:
    acc = make_account()
    ticket = login(client, acc.username, acc.password).json()["ticket"]
    codes = [
        client.post(f"{LOGIN}/totp", json={"ticket": ticket, "code": "000000"}) for _ in range(5)
    ]
    assert codes[-1].json()["code"] == "auth.account_locked"
    r = client.post(f"{LOGIN}/totp", json={"ticket": ticket, "code": acc.code()})
    assert r.status_code == 401 and r.json()["code"] == "auth.account_locked"


def test_unknown_user_and_wrong_password_get_identical_answers(
    client: TestClient, make_account: MakeAccount
) -> None:
    acc = make_account()

    def attempt(username: str) -> tuple[dict[str, Any], float]:
        start = time.perf_counter()
        r = login(client, username, "Wrong-pass-9")
        assert r.status_code == 401
        return without_request_id(r.json()), time.perf_counter() - start

    known = [attempt(acc.username) for _ in range(5)]
    unknown = [attempt("no_such_user") for _ in range(5)]
    # Same answers attempt by attempt — including the lock after the fifth.
    assert [a for a, _ in known] == [a for a, _ in unknown]
    assert known[0][0]["detail"] == "用户名或密码错误"
    # Same KDF work: an unknown name is not answered faster. Medians, with a loose bound: one
    # slow attempt on a busy CI machine must not decide it (skipping the KDF would be ~100×).
    unknown_median = statistics.median(t for _, t in unknown[:4])
    known_median = statistics.median(t for _, t in known[:4])
    assert unknown_median > 0.3 * known_median


def test_too_many_attempts_from_one_address_answer_429(
    client: TestClient,
    make_account: MakeAccount,
    monkeypatch: pytest.MonkeyPatch,
    db: Session,
) -> None:
    monkeypatch.setattr(get_settings(), "login_ip_limit", 3)
    acc = make_account()
    statuses = [login(client, f"nobody{i}", "x").status_code for i in range(3)]
    assert statuses == [401, 401, 401]
    r = login(client, acc.username, acc.password)
    assert r.status_code == 429
    assert r.json()["detail"] == "登录尝试过于频繁，请稍后再试"
    row = db.scalars(select(LoginLog).where(LoginLog.result == "rate_limited")).one()
    assert row.client_ip == "testclient"


def test_every_attempt_is_in_the_login_log_and_the_audit_trail(
    client: TestClient, make_account: MakeAccount, db: Session
) -> None:
    acc = make_account()
    login(
        client,
        "13800138000",
        "Wrong-pass-9",
    )
    full_login(client, acc)
    logs = db.scalars(select(LoginLog).order_by(LoginLog.occurred_at)).all()
    by_user = [(r.step, r.result) for r in logs if r.user_id == acc.user.id]
    assert by_user == [("password", "next_step"), ("totp", "success")]
    unknown = next(r for r in logs if r.user_id is None)
    # A typed number (maybe a phone) is masked in the log.
    assert unknown.username == "138****8000" and unknown.reason == "auth.unknown_user"
    audits = db.scalars(select(AuditRecord).where(AuditRecord.action == "auth.login")).all()
    outcomes = {(a.actor_id, a.outcome) for a in audits}
    assert (acc.user.id, "success") in outcomes and (None, "failure") in outcomes


# --------------------------------------------------------------------------- password changes


def test_first_login_forces_a_password_change_and_only_that(
    client: TestClient, make_account: MakeAccount
) -> None:
    acc = make_account(must_change_password=True)
    body = login(client, acc.username, acc.password).json()
    assert body["stage"] == "change_password"
    assert body["reason"] == "auth.password_change_required"
    ticket = body["ticket"]
    # The change-password ticket opens nothing else.
    r = client.post(f"{LOGIN}/totp", json={"ticket": ticket, "code": acc.code()})
    assert r.status_code == 401
    assert client.get("/api/v1/auth/me", headers=bearer(ticket)).status_code == 401
    r = client.post(f"{LOGIN}/password", json={"ticket": ticket, "password": acc.password})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "password"
    assert r.json()["errors"][0]["code"] == "auth.password_reused"
    r = client.post(f"{LOGIN}/password", json={"ticket": ticket, "password": "Brand-new-pw7"})
    assert r.status_code == 200, r.text
    assert r.json()["stage"] == "second_factor"
    r = client.post(f"{LOGIN}/totp", json={"ticket": r.json()["ticket"], "code": acc.code()})
    assert r.status_code == 200
    # The old password no longer works.
    assert login(client, acc.username, acc.password).status_code == 401


def test_an_expired_password_forces_a_change(
    client: TestClient, make_account: MakeAccount, db: Session
) -> None:
    acc = make_account()
    acc.user.password_changed_at = utcnow() - timedelta(days=91)
    db.flush()
    body = login(client, acc.username, acc.password).json()
    assert body["stage"] == "change_password" and body["reason"] == "auth.password_expired"
    assert "90 天" in body["reasonText"]


def test_admin_reset_forces_a_change_and_ends_sessions(
    client: TestClient, make_account: MakeAccount, make_headers: Callable[..., dict[str, str]]
) -> None:
    acc = make_account()
    token = full_login(client, acc)["token"]
    admin = make_headers("auth:user:write", data_scope="city")
    r = client.post(f"/api/v1/auth/users/{acc.user.id}/password-reset", headers=admin)
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    temporary = r.json()["temporaryPassword"]
    assert client.get("/api/v1/auth/me", headers=bearer(token)).status_code == 401
    body = login(client, acc.username, temporary).json()
    assert body["stage"] == "change_password"


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("Ab1-", "auth.password_too_short"),
        ("abcdefgh12", "auth.password_classes"),
        ("Li_si-2024x", "auth.password_contains_username"),
    ],
)
def test_each_password_rule_is_a_422_naming_password(
    client: TestClient, make_headers: Callable[..., dict[str, str]], password: str, code: str
) -> None:
    headers = make_headers("auth:user:write")
    r = client.post(
        "/api/v1/auth/users",
        headers=headers,
        json={"username": "li_si", "displayName": "李四", "password": password},
    )
    assert r.status_code == 422
    error = r.json()["errors"][0]
    assert error["field"] == "password" and error["code"] == code
    assert "密码" in error["message"]


def test_none_of_the_last_five_passwords_comes_back(db: Session, make_account: MakeAccount) -> None:
    from healthnet.core.errors import ValidationFailed

    acc = make_account(with_totp=False)
    passwords = [acc.password] + [f"Next-pass-{i}x" for i in range(1, 6)]
    for new in passwords[1:5]:
        service.change_password(session=db, user=acc.user, new_password=new)
    # Current is #5 (index 4); #1..#4 are the last five together with it.
    for old in passwords[:5]:
        with pytest.raises(ValidationFailed) as err:
            service.change_password(session=db, user=acc.user, new_password=old)
        assert err.value.errors[0].field == "password"
        assert err.value.errors[0].code == "auth.password_reused"
    service.change_password(session=db, user=acc.user, new_password=passwords[5])
    # The first password is now six back: allowed again.
    service.change_password(session=db, user=acc.user, new_password=passwords[0])


def test_own_password_change_needs_the_current_one_and_ends_other_sessions(
    client: TestClient, make_account: MakeAccount
) -> None:
    acc = make_account()
    mine = full_login(client, acc)["token"]
    other = full_login(client, acc, offset_steps=1)["token"]
    r = client.post(
        "/api/v1/auth/password",
        headers=bearer(mine),
        json={"currentPassword": "Wrong-pass-9", "password": "Brand-new-pw7"},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "currentPassword"
    r = client.post(
        "/api/v1/auth/password",
        headers=bearer(mine),
        json={"currentPassword": acc.password, "password": "Brand-new-pw7"},
    )
    assert r.status_code == 204
    assert client.get("/api/v1/auth/me", headers=bearer(mine)).status_code == 200
    assert client.get("/api/v1/auth/me", headers=bearer(other)).status_code == 401


# --------------------------------------------------------------------------- accounts


def test_duplicate_user_name_is_409(
    client: TestClient, make_headers: Callable[..., dict[str, str]]
) -> None:
    headers = make_headers("auth:user:write")
    body = {"username": "wang_wu", "displayName": "王五", "password": "Abcdefg-1"}
    assert client.post("/api/v1/auth/users", headers=headers, json=body).status_code == 201
    r = client.post("/api/v1/auth/users", headers=headers, json={**body, "username": "Wang_Wu"})
    assert r.status_code == 409
    assert r.json()["detail"] == "用户名已存在"


def test_creating_users_needs_the_permission(
    client: TestClient, make_headers: Callable[..., dict[str, str]]
) -> None:
    headers = make_headers("orgs:institution:read")
    r = client.post(
        "/api/v1/auth/users",
        headers=headers,
        json={"username": "li_si", "displayName": "李四", "password": "Abcdefg-1"},
    )
    assert r.status_code == 403


def test_initial_password_meets_the_policy() -> None:
    for _ in range(20):
        service.check_password_policy(service.generate_initial_password(), "admin")


def test_disabled_account_cannot_log_in_and_its_sessions_end(
    client: TestClient, make_account: MakeAccount, make_headers: Callable[..., dict[str, str]]
) -> None:
    acc = make_account()
    token = full_login(client, acc)["token"]
    admin = make_headers("auth:user:write", data_scope="city")
    assert (
        client.post(f"/api/v1/auth/users/{acc.user.id}/disable", headers=admin).status_code == 200
    )
    assert client.get("/api/v1/auth/me", headers=bearer(token)).status_code == 401
    r = login(client, acc.username, acc.password)
    assert r.status_code == 401 and r.json()["code"] == "auth.invalid_credentials"


def test_accounts_outside_the_data_scope_are_not_found(
    client: TestClient,
    make_account: MakeAccount,
    make_headers: Callable[..., dict[str, str]],
    db: Session,
) -> None:
    from healthnet.core.orgs import service as orgs
    from healthnet.core.orgs.schemas import InstitutionCreate

    orgs.load_districts(session=db)
    inst = [
        orgs.create_institution(
            session=db,
            data=InstitutionCreate.model_validate(
                {
                    "code": f"AU-H{i}",
                    "name": f"测试医院{i}",
                    "kind": "tertiary_hospital",
                    "level": "3A",
                    "district_code": district,
                }
            ),
        )
        for i, district in ((1, "310104"), (2, "310115"))
    ]
    acc = make_account(institution_id=inst[1].id)
    local_admin = make_headers(
        "auth:user:read", "auth:user:unlock", institution_id=inst[0].id, data_scope="institution"
    )
    for method, path in (("get", ""), ("post", "/unlock")):
        r = client.request(method, f"/api/v1/auth/users/{acc.user.id}{path}", headers=local_admin)
        assert r.status_code == 404, path
    listed = client.get("/api/v1/auth/users", headers=local_admin).json()
    assert acc.user.id not in {u["id"] for u in listed["items"]}
