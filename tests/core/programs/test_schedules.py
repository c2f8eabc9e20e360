"""Schedules at fixed ages, enrolment edits, skipping a visit, notifying a district's role
holders, and the database's guard of "one open enrolment"."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from healthnet.core.localtime import local_today
from healthnet.core.notify.models import Message
from healthnet.core.programs.loader import load_spec, parse_text
from healthnet.core.programs.models import Enrolment
from healthnet.core.programs.service.effects import add_months

from .conftest import ALL, World

BASE = "/api/v1/programs"

CHILD = """
code: child_checks_demo
name: 儿童健康检查（测试）
kind: enrolment
enrolment:
  elements:
    - {code: birth_weight_g, name: 出生体重, valueType: integer, unit: g, min: 300, max: 7000}
    - {code: premature, name: 早产, valueType: boolean}
    - {code: gestation_weeks, name: 出生孕周, valueType: integer, min: 20, max: 45}
stages:
  - code: check
    name: 健康检查
    repeatable: true
    schedule: {agesMonths: [1, 3, 6, 8, 12]}
    elements:
      - {code: weight_kg, name: 体重, valueType: number, unit: kg, min: 0.5, max: 60,
         required: true}
workflow:
  initial: managed
  states:
    - {code: managed, name: 管理中}
    - {code: aged_out, name: 满 6 岁结案, terminal: true}
rules:
  - code: premature_needs_weeks
    condition: premature == True
    actions:
      - {type: require_field, field: gestation_weeks}
  - code: low_birth_weight
    condition: birth_weight_g < 2500
    actions:
      - {type: send_notification, toRole: child_health_officer, toRoleAt: district,
         message: 低出生体重儿登记，请纳入高危儿管理}
"""


def _load(world: World) -> None:
    load_spec(session=world.db, spec=parse_text(CHILD, file="child.yaml"))
    world.db.commit()


def test_fixed_age_schedule_skips_ages_already_past(client: TestClient, world: World) -> None:
    _load(world)
    doc = world.user("family_doctor", world.a)
    birth = add_months(local_today(), -2)
    child = world.person(doc, birth=birth, sex="2")
    world.db.commit()
    r = client.post(
        f"{BASE}/child_checks_demo/enrolments",
        json={"personId": child, "assignedUserId": doc.user_id, "values": {}},
        headers=doc.headers,
    )
    assert r.status_code == 201, r.text
    dues = [s["dueOn"] for s in r.json()["scheduled"]]
    assert dues == [add_months(birth, m).isoformat() for m in (3, 6, 8, 12)]
    # recording a check completes the earliest scheduled one
    eid = r.json()["enrolment"]["id"]
    r = client.post(
        f"{BASE}/enrolments/{eid}/events",
        json={"stage": "check", "values": {"weight_kg": 5.6}},
        headers=doc.headers,
    )
    assert r.status_code == 201
    assert r.json()["event"]["dueOn"] == add_months(birth, 3).isoformat()
    assert r.json()["scheduled"] == []  # a fixed-age stage does not add "next after this one"


def test_add_months_keeps_the_end_of_month() -> None:
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 11, 30), 3) == date(2024, 2, 29)
    assert add_months(date(2024, 3, 15), -2) == date(2024, 1, 15)


def test_edit_enrolment_runs_its_rules_and_moves_the_visits_to_the_new_doctor(
    client: TestClient, world: World
) -> None:
    _load(world)
    doc = world.user("family_doctor", world.a)
    other = world.user("family_doctor", world.a)
    officer = world.user("child_health_officer", world.b)  # same district (Xuhui)
    far = world.user("child_health_officer", world.c)  # Changning
    child = world.person(doc, birth=add_months(local_today(), -1))
    world.db.commit()
    r = client.post(
        f"{BASE}/child_checks_demo/enrolments",
        json={"personId": child, "values": {"birth_weight_g": 3100}},
        headers=doc.headers,
    )
    eid = r.json()["enrolment"]["id"]
    assert r.json()["notified"] == 0

    r = client.patch(
        f"{BASE}/enrolments/{eid}", json={"values": {"premature": True}}, headers=doc.headers
    )
    assert r.status_code == 422
    assert r.json()["errors"][0] == {
        "field": "values.gestation_weeks",
        "code": "programs.value_required",
        "message": "“出生孕周”为必填项",
    }
    r = client.patch(
        f"{BASE}/enrolments/{eid}",
        json={
            "values": {"premature": True, "gestation_weeks": 34, "birth_weight_g": 2300},
            "assignedUserId": other.user_id,
        },
        headers=doc.headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["enrolment"]["values"] == {
        "birth_weight_g": 2300,
        "premature": True,
        "gestation_weeks": 34,
    }
    assert r.json()["notified"] == 1  # the district's officer, not the one in Changning
    assert world.db.scalar(select(Message).where(Message.recipient_user_id == officer.user_id))
    assert not world.db.scalar(select(Message).where(Message.recipient_user_id == far.user_id))
    mine = client.get(f"{BASE}/worklist", params={"mine": True}, headers=other.headers).json()
    assert mine["total"] == 5 and {i["enrolmentId"] for i in mine["items"]} == {eid}
    # clearing a value removes it
    r = client.patch(
        f"{BASE}/enrolments/{eid}",
        json={"values": {"premature": None, "gestation_weeks": None}},
        headers=doc.headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["enrolment"]["values"] == {"birth_weight_g": 2300}


def test_skip_a_scheduled_visit(client: TestClient, world: World) -> None:
    _load(world)
    doc = world.user("family_doctor", world.a)
    child = world.person(doc, birth=add_months(local_today(), -2))
    world.db.commit()
    r = client.post(
        f"{BASE}/child_checks_demo/enrolments", json={"personId": child}, headers=doc.headers
    )
    first = r.json()["scheduled"][0]["eventId"]
    r = client.post(f"{BASE}/events/{first}/skip", json={"reason": "外出"}, headers=doc.headers)
    assert r.status_code == 200 and r.json()["status"] == "skipped"
    assert r.json()["skipReason"] == "外出"
    again = client.post(f"{BASE}/events/{first}/skip", json={"reason": "x"}, headers=doc.headers)
    assert again.status_code == 409
    total = client.get(f"{BASE}/worklist", headers=doc.headers).json()["total"]
    assert total == 3
    no_reason = client.post(f"{BASE}/events/{first}/skip", json={}, headers=doc.headers)
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"


def test_the_database_refuses_a_second_open_enrolment(world: World) -> None:
    doc = world.user("family_doctor", world.a)
    person = world.person(doc)
    _load(world)
    from healthnet.core.programs.models import Program

    program = world.db.scalar(select(Program).where(Program.code == "child_checks_demo"))
    assert program is not None and program.current_version_id is not None

    def row() -> Enrolment:
        return Enrolment(
            program_id=program.id,
            version_id=program.current_version_id,
            person_id=person,
            org_unit_id=world.a.id,
            status="managed",
            is_open=True,
            enrolled_on=local_today() - timedelta(days=1),
            values={},
        )

    world.db.add(row())
    world.db.flush()
    with pytest.raises(IntegrityError), world.db.begin_nested():
        world.db.add(row())
        world.db.flush()
    closed = row()
    closed.is_open = False
    world.db.add(closed)
    world.db.flush()  # closed ones may repeat


def test_restricted_programs_are_withheld_from_staff_without_clearance(
    client: TestClient, world: World
) -> None:
    restricted = CHILD.replace("code: child_checks_demo", "code: mental_demo").replace(
        "kind: enrolment", "kind: enrolment\nsensitivity: restricted"
    )
    load_spec(session=world.db, spec=parse_text(restricted, file="mental.yaml"))
    cleared = world.user(
        "psychiatric_doctor", world.a, permissions=(*ALL, "programs:restricted:read")
    )
    plain = world.user("family_doctor", world.a, scope="district")
    person = world.person(cleared, birth=add_months(local_today(), -2))
    world.db.commit()
    r = client.post(
        f"{BASE}/mental_demo/enrolments", json={"personId": person}, headers=cleared.headers
    )
    assert r.status_code == 201, r.text
    eid = r.json()["enrolment"]["id"]
    assert r.json()["enrolment"]["sensitivity"] == "restricted"
    assert client.get(f"{BASE}/enrolments/{eid}", headers=cleared.headers).status_code == 200
    assert client.get(f"{BASE}/enrolments/{eid}", headers=plain.headers).status_code == 404
    listed = client.get(f"{BASE}/mental_demo/enrolments", headers=plain.headers).json()
    assert listed["total"] == 0
    assert client.get(f"{BASE}/worklist", headers=plain.headers).json()["total"] == 0
    assert client.get(f"{BASE}/worklist", headers=cleared.headers).json()["total"] > 0
    other = world.person(cleared)
    world.db.commit()
    r = client.post(
        f"{BASE}/mental_demo/enrolments", json={"personId": other}, headers=plain.headers
    )
    assert r.status_code == 403 and "受限" in r.json()["detail"]
