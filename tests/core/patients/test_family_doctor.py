"""A resident's family doctor (B3): set through PATCH, shown on the person, read by the
handover. Only an active staff account of an institution qualifies."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from healthnet.core.auth import service as auth
from healthnet.core.auth.models import User
from healthnet.core.orgs.models import Institution
from healthnet.core.patients import service

from .conftest import settle

Headers = Callable[..., dict[str, str]]
BASE = "/api/v1/patients"
WRITE = ("patients:person:read", "patients:person:write")


@pytest.fixture
def make_headers(make_headers: Headers) -> Headers:
    return functools.partial(make_headers, data_scope="city")


@pytest.fixture
def staff_user(db: Session, institution: Institution) -> Callable[..., User]:
    def _make(name: str = "李医生", *, at: str | None = "default", active: bool = True) -> User:
        user = auth.create_user(
            session=db,
            username=f"fd_{secrets.token_hex(4)}",
            display_name=name,
            password="Test-pass-123",
            institution_id=institution.id if at == "default" else at,
            must_change_password=False,
        )
        user.is_active = active
        db.flush()
        return user

    return _make


def _person(client: TestClient, headers: dict[str, str]) -> str:
    r = client.post(f"{BASE}/persons", json={"name": "王五"}, headers=headers)
    assert r.status_code == 201, r.text
    return str(r.json()["person"]["id"])


def _patch(client: TestClient, headers: dict[str, str], pid: str, body: dict[str, Any]) -> Any:
    return client.patch(f"{BASE}/persons/{pid}", json=body, headers=headers)


def test_the_family_doctor_is_set_shown_and_cleared(
    client: TestClient, db: Session, make_headers: Headers, staff_user: Callable[..., User]
) -> None:
    headers = make_headers(*WRITE)
    doctor = staff_user("李医生")
    settle(db)
    pid = _person(client, headers)
    assert client.get(f"{BASE}/persons/{pid}", headers=headers).json()["familyDoctor"] is None

    r = _patch(client, headers, pid, {"familyDoctorUserId": doctor.id})
    assert r.status_code == 200, r.text
    shown = client.get(f"{BASE}/persons/{pid}", headers=headers).json()["familyDoctor"]
    assert shown == {
        "userId": doctor.id,
        "displayName": "李医生",
        "institutionId": doctor.institution_id,
        "institutionName": "测试医院",
    }
    found = service.family_doctor_of(session=db, person_id=pid)
    assert found is not None and found.user_id == doctor.id

    # Another field's PATCH leaves the doctor alone; null clears it.
    assert _patch(client, headers, pid, {"address": "某路1号"}).json()["familyDoctor"] is not None
    assert _patch(client, headers, pid, {"familyDoctorUserId": None}).json()["familyDoctor"] is None
    assert service.family_doctor_of(session=db, person_id=pid) is None


def test_only_an_active_staff_account_of_an_institution_qualifies(
    client: TestClient, db: Session, make_headers: Headers, staff_user: Callable[..., User]
) -> None:
    headers = make_headers(*WRITE)
    retired = staff_user(active=False)
    platform = staff_user(at=None)
    settle(db)
    pid = _person(client, headers)
    for bad in ("no-such-user", retired.id, platform.id, "x" * 33):
        r = _patch(client, headers, pid, {"familyDoctorUserId": bad})
        assert r.status_code == 422, bad
        assert [e["field"] for e in r.json()["errors"]] == ["familyDoctorUserId"]
    ok = client.get(f"{BASE}/persons/{pid}", headers=headers).json()
    assert ok["familyDoctor"] is None


def test_a_doctor_who_leaves_hands_over_nothing(
    client: TestClient, db: Session, make_headers: Headers, staff_user: Callable[..., User]
) -> None:
    headers = make_headers(*WRITE)
    doctor = staff_user()
    settle(db)
    pid = _person(client, headers)
    _patch(client, headers, pid, {"familyDoctorUserId": doctor.id})
    doctor.is_active = False
    db.flush()
    assert service.family_doctor_of(session=db, person_id=pid) is None


def test_the_picker_lists_active_staff_by_name_and_needs_the_write_permission(
    client: TestClient, db: Session, make_headers: Headers, staff_user: Callable[..., User]
) -> None:
    staff_user("周一医生")
    staff_user("周二医生", active=False)
    staff_user("周三护士")
    settle(db)
    r = client.get(f"{BASE}/family-doctors", params={"q": "医生"}, headers=make_headers(*WRITE))
    assert r.status_code == 200
    names = [d["displayName"] for d in r.json()]
    assert "周一医生" in names and "周二医生" not in names and "周三护士" not in names
    reader = make_headers("patients:person:read")
    assert client.get(f"{BASE}/family-doctors", headers=reader).status_code == 403
    r = client.get(f"{BASE}/family-doctors", params={"q": "x" * 65}, headers=make_headers(*WRITE))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "q"


def test_a_contracted_family_doctor_sees_the_resident_outside_their_data_scope(
    db: Session, staff_user: Callable[..., User], institution: Institution
) -> None:
    """Residents are registered by the platform or another institution; the community doctor
    who signed the family-doctor contract (签约) sees them all the same — in search and on the
    card — while a colleague of the same institution, with the same role scope, does not."""
    from datetime import date

    from healthnet.core.errors import NotFound
    from healthnet.core.patients.schemas import PersonCreate, PersonSearch, PersonUpdate
    from healthnet.core.rbac.actor import SCOPE_CITY, SCOPE_INSTITUTION, Actor

    registrar = Actor("reg", "reg", None, None, frozenset(), scopes=frozenset({SCOPE_CITY}))
    person = service.register_person(
        session=db,
        actor=registrar,
        data=PersonCreate(name="赵六", sex_code="1", birth_date=date(1958, 3, 2)),
    ).person
    doctor, colleague = staff_user("家庭医生"), staff_user("同事")

    def actor(user: User) -> Actor:
        return Actor(
            user.id,
            user.username,
            institution.id,
            institution.district_code,
            frozenset(),
            scopes=frozenset({SCOPE_INSTITUTION}),
        )

    by_name = PersonSearch(name="赵六", birth_date=date(1958, 3, 2))
    with pytest.raises(NotFound):
        service.get_person(session=db, actor=actor(doctor), person_id=person.id)
    assert service.search(session=db, actor=actor(doctor), query=by_name).total == 0

    service.update_person(
        session=db,
        actor=registrar,
        person_id=person.id,
        data=PersonUpdate(family_doctor_user_id=doctor.id),
    )
    assert service.get_person(session=db, actor=actor(doctor), person_id=person.id).id == person.id
    found = service.search(session=db, actor=actor(doctor), query=by_name)
    assert [p.id for p in found.items] == [person.id]
    with pytest.raises(NotFound):
        service.get_person(session=db, actor=actor(colleague), person_id=person.id)
    assert service.search(session=db, actor=actor(colleague), query=by_name).total == 0
