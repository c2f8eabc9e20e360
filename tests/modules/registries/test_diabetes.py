"""Diabetes (R1) and hypertension (R2) through the API with the shipped program files and the
built-in roles: enrolment, quarterly follow-up, BMI and control classification assigned by
rules, 控制不满意 → next visit in 2 weeks, emergencies, Chinese field errors, workflow roles."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient

from healthnet.core.localtime import local_today

from .conftest import BASE, World, enrol, field_errors, record, transition

DM = {
    "diagnosis": "E11.9",
    "diagnosed_on": "2021-03-04",
    "height_cm": 170,
    "treatment_mode": "2",
}


def _due(body: dict, stage: str) -> list[str]:
    return [s["dueOn"] for s in body["scheduled"] if s["stage"] == stage]


def test_diabetes_enrol_follow_up_and_classification(client: TestClient, world: World) -> None:
    doc = world.user("doctor", world.a)
    person = world.person(doc)
    today = local_today()
    r = enrol(client, doc, "diabetes", person, DM, assignedUserId=doc.user_id)
    assert r.status_code == 201, r.text
    body = r.json()
    eid = body["enrolment"]["id"]
    assert body["enrolment"]["status"] == "managed"
    # first quarterly follow-up in 90 days, the annual health check in a year
    assert _due(body, "followup") == [(today + timedelta(days=90)).isoformat()]
    assert _due(body, "annual_check") == [(today + timedelta(days=365)).isoformat()]

    # controlled: BMI computed from weight and the enrolment's height, 控制满意, next in 3 months
    r = record(
        client,
        doc,
        eid,
        "followup",
        {"followup_mode": "1", "fbg": 6.1, "weight_kg": 72.25, "sbp": 128, "dbp": 80},
    )
    assert r.status_code == 201, r.text
    values = r.json()["event"]["values"]
    assert values["bmi"] == 25.0
    assert values["control"] == "1"
    assert r.json()["warnings"] == []
    assert _due(r.json(), "followup") == [(today + timedelta(days=90)).isoformat()]

    # not controlled (FBG ≥ 7.0): 控制不满意, a warning, and the next visit moves to 2 weeks
    r = record(client, doc, eid, "followup", {"followup_mode": "3", "fbg": 8.4})
    assert r.status_code == 201, r.text
    assert r.json()["event"]["values"]["control"] == "2"
    assert [w["field"] for w in r.json()["warnings"]] == ["values.fbg"]
    assert "2 周内随访" in r.json()["warnings"][0]["message"]
    assert _due(r.json(), "followup") == [(today + timedelta(days=14)).isoformat()]
    detail = client.get(f"{BASE}/enrolments/{eid}", headers=doc.headers).json()
    pending = [e for e in detail["events"] if e["status"] == "scheduled"]
    assert sorted((e["stage"], e["dueOn"]) for e in pending) == [
        ("annual_check", (today + timedelta(days=365)).isoformat()),
        ("followup", (today + timedelta(days=14)).isoformat()),
    ]

    # an adverse reaction needs its description and classifies as 不良反应
    r = record(
        client, doc, eid, "followup", {"followup_mode": "1", "fbg": 6.5, "adverse_reaction": True}
    )
    assert r.status_code == 422
    assert field_errors(r) == {"values.adverse_reaction_detail": "“药物不良反应描述”为必填项"}
    r = record(
        client,
        doc,
        eid,
        "followup",
        {
            "followup_mode": "1",
            "fbg": 6.5,
            "adverse_reaction": True,
            "adverse_reaction_detail": "皮疹",
        },
    )
    assert r.status_code == 201 and r.json()["event"]["values"]["control"] == "3"

    # a hypoglycaemic emergency requires the referral and tells the responsible doctor
    r = record(client, doc, eid, "followup", {"followup_mode": "2", "fbg": 3.2})
    assert r.status_code == 422 and "values.referred" in field_errors(r)
    r = record(
        client,
        doc,
        eid,
        "followup",
        {"followup_mode": "2", "fbg": 3.2, "referred": True, "referral_reason": "低血糖"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["notified"] == 1


def test_diabetes_values_are_checked_with_chinese_messages(
    client: TestClient, world: World
) -> None:
    doc = world.user("doctor", world.a)
    person = world.person(doc)
    r = enrol(client, doc, "diabetes", person, {**DM, "diagnosis": "I10"})
    assert r.status_code == 422
    assert list(field_errors(r)) == ["values.diagnosis"]
    assert field_errors(r)["values.diagnosis"].startswith("“诊断”应为 E11 范围内的 ICD-10 编码")
    future = (local_today() + timedelta(days=3)).isoformat()
    r = enrol(client, doc, "diabetes", person, {**DM, "diagnosed_on": future})
    assert field_errors(r) == {"values.diagnosed_on": "“确诊日期”不能晚于今天"}
    r = enrol(client, doc, "diabetes", person, {k: v for k, v in DM.items() if k != "height_cm"})
    assert field_errors(r) == {"values.height_cm": "“身高”为必填项"}

    eid = enrol(client, doc, "diabetes", person, DM).json()["enrolment"]["id"]
    r = record(client, doc, eid, "followup", {"followup_mode": "1", "fbg": 50})
    assert r.status_code == 422
    assert field_errors(r) == {"values.fbg": "“空腹血糖值”不能大于 35mmol/L（超出合理范围）"}
    r = record(client, doc, eid, "followup", {"followup_mode": "7", "fbg": 6})
    assert list(field_errors(r)) == ["values.followup_mode"]
    assert field_errors(r)["values.followup_mode"].startswith("“随访方式”的取值“7”")
    r = record(client, doc, eid, "followup", {"followup_mode": "1", "fbg": 6, "sbp": 90, "dbp": 95})
    assert field_errors(r) == {"values.dbp": "舒张压不能高于或等于收缩压"}
    # a second open enrolment of the same person is refused
    r = enrol(client, doc, "diabetes", person, DM)
    assert r.status_code == 409


def test_diabetes_workflow_by_role(client: TestClient, world: World) -> None:
    doc = world.user("doctor", world.a)
    nurse = world.user("nurse", world.a)
    person = world.person(doc)
    eid = enrol(client, doc, "diabetes", person, DM).json()["enrolment"]["id"]
    # a nurse records follow-ups but moves no record along the workflow
    r = record(client, nurse, eid, "followup", {"followup_mode": "1", "fbg": 6.0})
    assert r.status_code == 201, r.text
    assert transition(client, nurse, eid, "suspend", note="住院").status_code == 403
    # the note is required for a suspension
    r = transition(client, doc, eid, "suspend")
    assert r.status_code == 422
    r = transition(client, doc, eid, "suspend", note="外出务工 3 个月")
    assert r.status_code == 200 and r.json()["status"] == "suspended"
    r = transition(client, doc, eid, "resume")
    assert r.status_code == 200 and r.json()["status"] == "managed"
    r = transition(client, doc, eid, "record_death")
    assert r.status_code == 200 and r.json()["isOpen"] is False
    # a closed enrolment takes no more follow-ups, and the person may be enrolled again
    assert record(client, doc, eid, "followup", {"followup_mode": "1", "fbg": 6}).status_code == 409
    assert enrol(client, doc, "diabetes", person, DM).status_code == 201


def test_hypertension_control_depends_on_age(client: TestClient, world: World) -> None:
    doc = world.user("doctor", world.a)
    today = local_today()
    older = world.person(doc, birth=date(today.year - 70, 1, 1))
    younger = world.person(doc, birth=date(today.year - 50, 1, 1))
    values = {"diagnosis": "I10", "diagnosed_on": "2020-05-06", "height_cm": 160}
    e_old = enrol(client, doc, "hypertension", older, values).json()["enrolment"]["id"]
    e_young = enrol(client, doc, "hypertension", younger, values).json()["enrolment"]["id"]
    visit = {"followup_mode": "1", "sbp": 145, "dbp": 85, "weight_kg": 64}
    r_old = record(client, doc, e_old, "followup", visit)
    r_young = record(client, doc, e_young, "followup", visit)
    # 145/85 is controlled at 70 (< 150/90) but not at 50 (< 140/90)
    assert r_old.json()["event"]["values"]["control"] == "1"
    assert r_young.json()["event"]["values"]["control"] == "2"
    assert r_young.json()["event"]["values"]["bmi"] == 25.0
    assert _due(r_young.json(), "followup") == [(today + timedelta(days=14)).isoformat()]
    assert _due(r_old.json(), "followup") == [(today + timedelta(days=90)).isoformat()]


def test_glucose_is_required_face_to_face_but_not_by_telephone(
    client: TestClient, world: World
) -> None:
    doc = world.user("doctor", world.a)
    person = world.person(doc)
    eid = enrol(client, doc, "diabetes", person, DM).json()["enrolment"]["id"]
    r = record(client, doc, eid, "followup", {"followup_mode": "2"})
    assert field_errors(r) == {"values.fbg": "“空腹血糖值”为必填项"}
    r = record(client, doc, eid, "followup", {"followup_mode": "3", "symptoms": ["1"]})
    assert r.status_code == 201, r.text
    assert "control" not in r.json()["event"]["values"]
