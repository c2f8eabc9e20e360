"""Tuberculosis (R4): registration checked against the diagnosis rules, the district CDC told
and verifying, drug-resistance regimen checks, monthly sputum checks, treatment outcome."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from healthnet.core.localtime import local_today
from healthnet.core.notify.models import Message

from .conftest import World, enrol, field_errors, record, transition


def _tb(**v: Any) -> dict[str, Any]:
    today = local_today()
    return {
        "diagnosis": "A15.0",
        "diagnosed_on": (today - timedelta(days=3)).isoformat(),
        "source": "1",
        "registration_class": "1",
        "diagnosis_class": "1",
        "site": "1",
        "smear": "2p",
        "resistance": "0",
        **v,
    }


def test_registration_rules_and_cdc_verification(client: TestClient, world: World) -> None:
    hosp = world.user("doctor", world.c)
    cdc = world.user("cdc_staff", world.c)
    person = world.person(hosp)

    # a confirmed case needs a positive bacteriological result
    r = enrol(client, hosp, "tuberculosis", person, _tb(smear="0", culture="0"))
    assert r.status_code == 422
    assert field_errors(r) == {
        "values.diagnosis_class": "确诊病例须有病原学阳性结果"
        "（痰涂片、培养或分子生物学检测至少一项阳性）"
    }
    # rifampicin resistance with a drug-sensitive regimen is refused
    today = local_today()
    started = {"treatment_start_on": today.isoformat(), "supervision": "1"}
    r = enrol(
        client, hosp, "tuberculosis", person, _tb(resistance="MDR", regimen="2HRZE_4HR", **started)
    )
    assert field_errors(r) == {
        "values.regimen": "利福平耐药患者不能使用敏感结核方案，请选择利福平耐药治疗方案"
    }
    # a treatment start needs the regimen
    r = enrol(client, hosp, "tuberculosis", person, _tb(**started))
    assert field_errors(r) == {"values.regimen": "“治疗方案”为必填项"}

    r = enrol(client, hosp, "tuberculosis", person, _tb(regimen="2HRZE_4HR", **started))
    assert r.status_code == 201, r.text
    eid = r.json()["enrolment"]["id"]
    assert r.json()["enrolment"]["status"] == "registered"
    # the district CDC is told
    assert r.json()["notified"] == 1
    msg = world.db.scalar(select(Message).where(Message.recipient_user_id == cdc.user_id))
    assert msg is not None and "新登记结核病患者" in msg.title
    # monthly visit in 30 days, outcome after six months
    stages = {s["stage"]: s["dueOn"] for s in r.json()["scheduled"]}
    assert stages == {
        "monthly_visit": (today + timedelta(days=30)).isoformat(),
        "outcome": (today + timedelta(days=180)).isoformat(),
    }

    # only the CDC verifies; the doctor then starts treatment management
    refused = transition(client, hosp, eid, "verify")
    assert refused.status_code == 403
    assert "cdc_staff" in refused.json()["detail"]
    assert transition(client, cdc, eid, "verify").json()["status"] == "verified"
    assert transition(client, hosp, eid, "start_treatment").json()["status"] == "treating"
    # closing is the CDC's, with a note
    assert transition(client, hosp, eid, "close", note="治愈").status_code == 403


def test_monthly_sputum_checks_and_outcome(client: TestClient, world: World) -> None:
    hosp = world.user("doctor", world.c)
    world.user("cdc_staff", world.c)  # the district CDC: told about a treatment failure
    person = world.person(hosp)
    eid = enrol(client, hosp, "tuberculosis", person, _tb()).json()["enrolment"]["id"]

    r = record(
        client,
        hosp,
        eid,
        "monthly_visit",
        {"treatment_month": 2, "visit_smear": "1p", "doses_due": 30, "doses_taken": 30},
    )
    assert r.status_code == 201, r.text
    assert [w["message"] for w in r.json()["warnings"]] == [
        "治疗 2 月末痰涂片仍阳性，请进行药敏检测并评估方案"
    ]
    # missed doses need a reason; more doses than due is an error
    r = record(
        client,
        hosp,
        eid,
        "monthly_visit",
        {"treatment_month": 3, "doses_due": 30, "doses_taken": 31},
    )
    assert field_errors(r) == {"values.doses_taken": "实际服药次数不能多于应服药次数"}
    r = record(
        client,
        hosp,
        eid,
        "monthly_visit",
        {"treatment_month": 3, "doses_due": 30, "doses_taken": 20},
    )
    assert field_errors(r) == {"values.missed_reason": "“漏服原因”为必填项"}
    r = record(
        client,
        hosp,
        eid,
        "monthly_visit",
        {"treatment_month": 3, "doses_due": 30, "doses_taken": 20, "missed_reason": "外出"},
    )
    assert r.status_code == 201
    assert "漏服超过 10%" in r.json()["warnings"][0]["message"]
    # positive at month five: treatment failure, the district CDC is told
    r = record(client, hosp, eid, "monthly_visit", {"treatment_month": 5, "visit_smear": "1p"})
    assert r.status_code == 201
    assert r.json()["notified"] == 1
    assert "按治疗失败处理" in r.json()["warnings"][0]["message"]

    today = local_today().isoformat()
    r = record(
        client, hosp, eid, "outcome", {"outcome": "cured", "outcome_on": today, "final_smear": "1p"}
    )
    assert field_errors(r) == {"values.final_smear": "判定“治愈”须疗程末痰涂片阴性"}
    r = record(client, hosp, eid, "outcome", {"outcome": "failed", "outcome_on": today})
    assert field_errors(r) == {"values.outcome_note": "“说明”为必填项"}
    r = record(
        client,
        hosp,
        eid,
        "outcome",
        {"outcome": "failed", "outcome_on": today, "outcome_note": "5 月末阳性"},
    )
    assert r.status_code == 201, r.text
    # the outcome stage is recorded once
    again = record(client, hosp, eid, "outcome", {"outcome": "completed", "outcome_on": today})
    assert again.status_code == 409
    assert again.json()["detail"] == "阶段“治疗转归”不可重复，已经录入过"
