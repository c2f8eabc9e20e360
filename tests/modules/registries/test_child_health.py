"""Child health (R12): the fixed-age check schedule from the birth date, newborn visit,
high-risk classification and its monthly management, growth measurements and rules."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient

from healthnet.core.localtime import local_today
from healthnet.core.programs.service.effects import add_months

from .conftest import BASE, World, enrol, field_errors, record

TERM = {"gestational_weeks": 39, "birth_weight_g": 3300, "birth_length_cm": 50}


def test_check_schedule_at_fixed_ages(client: TestClient, world: World) -> None:
    doc = world.user("doctor", world.a)
    today = local_today()
    birth = today - timedelta(days=40)  # the 1-month check is past when enrolled today
    child = world.person(doc, birth=birth, sex="2")
    r = enrol(client, doc, "child_health", child, TERM, assignedUserId=doc.user_id)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["enrolment"]["values"]["high_risk"] is False
    checks = sorted(s["dueOn"] for s in body["scheduled"] if s["stage"] == "health_check")
    ages = [
        m for m in (1, 3, 6, 8, 12, 18, 24, 30, 36, 48, 60, 72) if add_months(birth, m) >= today
    ]
    assert checks == [add_months(birth, m).isoformat() for m in ages]
    assert 1 not in ages and ages[0] == 3
    assert [s["dueOn"] for s in body["scheduled"] if s["stage"] == "newborn_visit"] == [
        (today + timedelta(days=7)).isoformat()
    ]
    assert not [s for s in body["scheduled"] if s["stage"] == "high_risk_visit"]

    eid = body["enrolment"]["id"]
    r = record(
        client,
        doc,
        eid,
        "health_check",
        {"weight_kg": 5.2, "length_cm": 57, "head_cm": 38.5, "development_screening": "pass"},
    )
    assert r.status_code == 201, r.text
    values = r.json()["event"]["values"]
    assert values["child_bmi"] == 16.0  # 5.2 / 0.57²
    assert values["head_cm"] == 38.5
    # the check recorded is the earliest scheduled one (3 months), not a new one
    assert r.json()["event"]["dueOn"] == add_months(birth, 3).isoformat()
    # implausible measurements are refused or flagged
    r = record(
        client,
        doc,
        eid,
        "health_check",
        {"weight_kg": 90, "length_cm": 60, "development_screening": "pass"},
    )
    assert field_errors(r) == {"values.weight_kg": "“体重”不能大于 60kg（超出合理范围）"}
    r = record(
        client,
        doc,
        eid,
        "health_check",
        {"weight_kg": 12, "length_cm": 58, "development_screening": "pass"},
    )
    assert r.status_code == 201
    # 12 kg at 58 cm: the WHO z-scores are implausible too, and would mean obesity
    assert [w["rule"] for w in r.json()["warnings"]] == [
        "zscore_implausible",
        "obesity",
        "implausible_bmi",
    ]
    # a suspect development screening needs a note
    r = record(
        client,
        doc,
        eid,
        "health_check",
        {"weight_kg": 6, "length_cm": 60, "development_screening": "suspect"},
    )
    assert field_errors(r) == {"values.development_note": "“发育评估说明”为必填项"}


def test_high_risk_child_gets_monthly_management(client: TestClient, world: World) -> None:
    doc = world.user("doctor", world.a)
    today = local_today()
    child = world.person(doc, birth=today - timedelta(days=10), sex="1")
    r = enrol(
        client,
        doc,
        "child_health",
        child,
        {"gestational_weeks": 34, "birth_weight_g": 2100},
        assignedUserId=doc.user_id,
    )
    assert r.status_code == 201, r.text
    assert r.json()["enrolment"]["values"]["high_risk"] is True
    assert r.json()["warnings"][0]["message"] == "高危儿：纳入专案管理，每月随访一次"
    assert r.json()["notified"] == 1
    hr = [s["dueOn"] for s in r.json()["scheduled"] if s["stage"] == "high_risk_visit"]
    assert hr == [(today + timedelta(days=30)).isoformat()]
    eid = r.json()["enrolment"]["id"]
    r = record(
        client,
        doc,
        eid,
        "high_risk_visit",
        {"hr_assessment": "体重增长良好", "hr_outcome": "continue"},
    )
    assert r.status_code == 201, r.text
    assert [s["dueOn"] for s in r.json()["scheduled"]] == [(today + timedelta(days=30)).isoformat()]
    detail = client.get(f"{BASE}/enrolments/{eid}", headers=doc.headers).json()
    pending_hr = [
        e
        for e in detail["events"]
        if e["stage"] == "high_risk_visit" and e["status"] == "scheduled"
    ]
    assert len(pending_hr) == 1


def test_only_children_under_seven_and_head_circumference_to_three(
    client: TestClient, world: World
) -> None:
    doc = world.user("doctor", world.a)
    today = local_today()
    older = world.person(doc, birth=date(today.year - 8, 1, 1))
    r = enrol(client, doc, "child_health", older, TERM)
    assert r.status_code == 422
    assert r.json()["errors"][0]["message"] == "儿童健康管理对象为 0～6 岁儿童"
    four = world.person(doc, birth=date(today.year - 4, 1, 1))
    eid = enrol(client, doc, "child_health", four, TERM).json()["enrolment"]["id"]
    r = record(
        client,
        doc,
        eid,
        "health_check",
        {
            "weight_kg": 16,
            "length_cm": 103,
            "head_cm": 49,
            "development_screening": "pass",
            "hemoglobin": 105,
        },
    )
    assert r.status_code == 201, r.text
    assert "head_cm" not in r.json()["event"]["values"]
    assert r.json()["hidden"] == ["head_cm"]
    assert [w["rule"] for w in r.json()["warnings"]] == ["anaemia"]
