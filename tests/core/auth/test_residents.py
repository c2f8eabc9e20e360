"""Resident accounts: linked to a person of the patient index, log in with phone or ID number."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from healthnet.core.auth import service
from healthnet.core.patients import service as patients
from healthnet.core.patients.identifiers import gb11643_check_char
from healthnet.core.patients.schemas import PersonCreate
from healthnet.core.rbac.actor import Actor
from tests.core.auth.helpers import bearer, login

REGISTRAR = Actor(
    "u-registrar",
    "registrar",
    None,
    None,
    frozenset({"patients:person:read", "patients:person:write"}),
    scopes=frozenset({"city"}),
)
ID_NUMBER = "31010419900307123" + gb11643_check_char("31010419900307123")
PHONE = "13912345678"


def _person(db: Session) -> str:
    data = PersonCreate.model_validate(
        {
            "name": "王小明",
            "phone": PHONE,
            "identifiers": [{"type": "resident_id_card", "value": ID_NUMBER}],
        }
    )
    return patients.register_person(session=db, actor=REGISTRAR, data=data).person.id


def test_a_resident_logs_in_with_phone_or_id_number(
    client: TestClient,
    db: Session,
    make_headers: Callable[..., dict[str, str]],
) -> None:
    person_id = _person(db)
    admin = make_headers("auth:user:write", data_scope="city")
    r = client.post(
        "/api/v1/auth/residents",
        headers=admin,
        json={
            "personId": person_id,
            "phone": "139-1234-5678",
            "password": "Resident-pw1",
            "mustChangePassword": False,
        },
    )
    assert r.status_code == 201, r.text
    account = r.json()
    assert account["kind"] == "resident" and account["personId"] == person_id
    # The phone number is stored only as a keyed hash.
    raw = db.execute(
        text("SELECT phone_index, username, display_name FROM auth_user WHERE id = :id"),
        {"id": account["id"]},
    ).one()
    assert PHONE not in "".join(str(v) for v in raw)

    for login_name in (PHONE, ID_NUMBER, ID_NUMBER.lower()):
        r = login(client, login_name, "Resident-pw1")
        assert r.status_code == 200, (login_name, r.text)
        body = r.json()
        # Residents need no second factor.
        assert body["stage"] == "done", login_name
        me = client.get("/api/v1/auth/me", headers=bearer(body["token"])).json()
        assert me["id"] == account["id"] and me["kind"] == "resident"

    r = login(client, PHONE, "Wrong-pass-9")
    assert r.status_code == 401 and r.json()["code"] == "auth.invalid_credentials"


def test_one_account_per_person_and_per_phone(db: Session) -> None:
    import pytest

    from healthnet.core.errors import Conflict

    person_id = _person(db)
    service.create_resident_account(
        session=db, person_id=person_id, phone=PHONE, password="Resident-pw1"
    )
    with pytest.raises(Conflict) as err:
        service.create_resident_account(
            session=db, person_id=person_id, phone="13700000000", password="Resident-pw1"
        )
    assert err.value.code == "auth.person_has_account"


def test_staff_user_names_cannot_look_like_phone_numbers(
    client: TestClient, make_headers: Callable[..., dict[str, str]]
) -> None:
    headers = make_headers("auth:user:write")
    r = client.post(
        "/api/v1/auth/users",
        headers=headers,
        json={"username": PHONE, "displayName": "某人", "password": "Abcdefg-1"},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "username"


def test_a_new_resident_account_holds_the_resident_role_and_sees_its_own_name(
    client: TestClient,
    db: Session,
    make_headers: Callable[..., dict[str, str]],
) -> None:
    from healthnet.core.rbac import service as rbac

    rbac.load_builtin_roles(session=db)
    person_id = _person(db)
    admin = make_headers("auth:user:write", data_scope="city")
    r = client.post(
        "/api/v1/auth/residents",
        headers=admin,
        json={
            "personId": person_id,
            "phone": PHONE,
            "password": "Resident-pw1",
            "mustChangePassword": False,
        },
    )
    assert r.status_code == 201, r.text
    # The account list shows the role, not the resident's name (kept in the patient index).
    assert r.json()["roleCodes"] == ["resident"]
    assert r.json()["displayName"] == "居民"
    body = login(client, PHONE, "Resident-pw1").json()
    me = client.get("/api/v1/auth/me", headers=bearer(body["token"])).json()
    assert me["displayName"] == "王小明"
