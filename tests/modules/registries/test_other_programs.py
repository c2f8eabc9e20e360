"""Severe mental disorders (restricted; follow-up frequency by risk), maternal health (EDD,
five colours, gestational-week schedule, postpartum visits), cancer (ICD-O-3 checks,
duplicates), stroke and injury report cards."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient

from healthnet.core.localtime import local_today

from .conftest import BASE, World, enrol, field_errors, record

SMD = {"diagnosis": "F20.0", "diagnosed_on": "2019-04-05", "consent": "1", "initial_risk": "0"}


def test_severe_mental_disorders_are_restricted(client: TestClient, world: World) -> None:
    doc = world.user("doctor", world.a)
    psych = world.user("psych_doctor", world.a)
    person = world.person(psych)
    # a general doctor holds no clearance for the restricted program
    assert enrol(client, doc, "severe_mental_disorders", person, SMD).status_code == 403
    r = enrol(client, psych, "severe_mental_disorders", person, SMD, assignedUserId=psych.user_id)
    assert r.status_code == 201, r.text
    eid = r.json()["enrolment"]["id"]
    assert r.json()["enrolment"]["sensitivity"] == "restricted"
    assert client.get(f"{BASE}/enrolments/{eid}", headers=doc.headers).status_code == 404
    listed = client.get(f"{BASE}/severe_mental_disorders/enrolments", headers=doc.headers)
    assert listed.json()["total"] == 0
    # nor for its statistics: counts per institution are as sensitive as the list
    stats = f"{BASE}/severe_mental_disorders/indicators"
    for path in ("", "/values", "/trend?indicator=registered_patients", "/export.xlsx"):
        r = client.get(stats + path, headers=doc.headers)
        assert r.status_code == 403 and "严重精神障碍" in r.json()["detail"], path
    assert client.get(stats + "/values", headers=psych.headers).status_code == 200

    today = local_today()
    # stable (risk 0, insight complete): next visit in 3 months
    r = record(
        client,
        psych,
        eid,
        "followup",
        {"followup_mode": "2", "risk": "0", "insight": "1", "social_function": "1"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["event"]["values"]["visit_class"] == "3"
    assert [s["dueOn"] for s in r.json()["scheduled"]] == [(today + timedelta(days=90)).isoformat()]
    # risk 4: unstable, referral required, follow-up within 2 weeks, the doctor is told
    r = record(client, psych, eid, "followup", {"followup_mode": "2", "risk": "4", "insight": "2"})
    assert field_errors(r) == {"values.referred": "“转诊”为必填项"}
    r = record(
        client,
        psych,
        eid,
        "followup",
        {
            "followup_mode": "2",
            "risk": "4",
            "insight": "2",
            "referred": True,
            "referral_reason": "伤人",
        },
    )
    assert r.status_code == 201
    assert r.json()["event"]["values"]["visit_class"] == "1"
    assert [s["dueOn"] for s in r.json()["scheduled"]] == [(today + timedelta(days=14)).isoformat()]
    assert r.json()["notified"] == 1
    # a visit must assess the risk unless the patient was not reached
    r = record(client, psych, eid, "followup", {"followup_mode": "3"})
    assert set(field_errors(r)) == {"values.risk", "values.insight"}
    r = record(
        client,
        psych,
        eid,
        "followup",
        {"followup_mode": "3", "not_reached": True, "lost_reason": "1"},
    )
    assert r.status_code == 201 and r.json()["event"]["values"]["visit_class"] == "4"
    # only the mental-health doctor moves the record
    r = client.post(
        f"{BASE}/enrolments/{eid}/transitions",
        json={"transition": "admit"},
        headers=psych.headers,
    )
    assert r.status_code == 200 and r.json()["status"] == "hospitalised"


def test_maternal_health(client: TestClient, world: World) -> None:
    doc = world.user("doctor", world.a)
    today = local_today()
    woman = world.person(doc, birth=date(today.year - 30, 3, 1), sex="2")
    man = world.person(doc, birth=date(today.year - 30, 3, 1), sex="1")
    lmp = today - timedelta(days=10 * 7 + 2)
    base = {"lmp": lmp.isoformat(), "gravidity": 1, "risk_colour": "green"}
    r = enrol(client, doc, "maternal_health", man, base)
    assert r.json()["errors"][0]["message"] == "孕产妇健康管理对象应为女性，请核对主索引中的性别"
    r = enrol(client, doc, "maternal_health", woman, {**base, "hbsag": "pos"})
    assert field_errors(r) == {
        "values.risk_colour": "乙肝、梅毒或 HIV 阳性的孕妇应评为紫色（传染病）"
    }
    r = enrol(client, doc, "maternal_health", woman, {**base, "height_cm": 160, "weight_kg": 56.32})
    assert r.status_code == 201, r.text
    values = r.json()["enrolment"]["values"]
    assert values["edd"] == (lmp + timedelta(days=280)).isoformat()
    assert values["registration_week"] == 10
    assert values["bmi"] == 22.0
    eid = r.json()["enrolment"]["id"]

    r = record(
        client,
        doc,
        eid,
        "prenatal_visit",
        {"visit_weight_kg": 58, "visit_sbp": 150, "visit_dbp": 95, "visit_risk_colour": "yellow"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["event"]["values"]["gestational_week"] == 10
    assert [w["rule"] for w in r.json()["warnings"]] == ["hypertension_in_pregnancy"]
    # before 28 weeks the next check is 4 weeks later
    assert [s["dueOn"] for s in r.json()["scheduled"]] == [(today + timedelta(days=28)).isoformat()]
    r = record(
        client,
        doc,
        eid,
        "prenatal_visit",
        {"visit_weight_kg": 58, "visit_sbp": 120, "visit_dbp": 80, "visit_risk_colour": "red"},
    )
    assert field_errors(r) == {"values.visit_referred": "“转诊”为必填项"}

    r = record(
        client,
        doc,
        eid,
        "delivery",
        {
            "delivery_week": 39,
            "delivery_mode": "vaginal",
            "outcome": "live_birth",
            "blood_loss_ml": 600,
            "newborn_weight_g": 2400,
        },
    )
    assert r.status_code == 201, r.text
    assert [w["rule"] for w in r.json()["warnings"]] == [
        "postpartum_haemorrhage",
        "low_birth_weight",
    ]
    due = {s["stage"]: s["dueOn"] for s in r.json()["scheduled"]}
    assert due["postpartum_visit"] == (today + timedelta(days=7)).isoformat()
    assert due["postpartum_42d"] == (today + timedelta(days=42)).isoformat()


def test_cancer_report_card(client: TestClient, world: World) -> None:
    hosp = world.user("doctor", world.c)
    person = world.person(hosp)
    card = {
        "diagnosis_name": "右肺上叶腺癌",
        "cancer_icd": "C34.1",
        "topography": "C34.1",
        "morphology": 8140,
        "behaviour": "3",
        "grade": "2",
        "basis": "7",
        "pathology_no": "P2026-001",
        "diagnosed_on": (local_today() - timedelta(days=5)).isoformat(),
        "clinical_stage": "II",
    }
    checks: list[tuple[dict[str, Any], str, str]] = [
        (
            {"behaviour": "2"},
            "values.behaviour",
            "ICD-10 为 C 类（恶性肿瘤）时行为编码应为 /3、/6 或 /9",
        ),
        ({"topography": "34.1"}, "values.topography", "部位应为 ICD-O-3 解剖学编码，格式如 C34.1"),
        (
            {"morphology": 7000},
            "values.morphology",
            "“组织学类型（ICD-O-3 形态学编码前 4 位）”不能小于 8000（超出合理范围）",
        ),
        ({"pathology_no": None}, "values.pathology_no", "“病理号”为必填项"),
        (
            {"grade": "6"},
            "values.grade",
            "分化程度 5～8（T/B/裸/NK 细胞）只用于淋巴造血组织肿瘤（形态学 9590–9992）",
        ),
        ({"cancer_icd": "I10"}, "values.cancer_icd", "“ICD-10 编码”应为 C、D0"),
        (
            {"cancer_icd": "D05.1"},
            "values.behaviour",
            "ICD-10 为 D00–D09（原位癌）时行为编码应为 /2",
        ),
    ]
    for change, field, message in checks:
        r = enrol(client, hosp, "cancer", person, {**card, **change})
        assert r.status_code == 422, change
        errors = field_errors(r)
        assert list(errors) == [field], (change, errors)
        assert errors[field].startswith(message), errors
    first = enrol(client, hosp, "cancer", person, card)
    assert first.status_code == 201, first.text
    # the same tumour reported again is linked; a second primary is a new case
    again = enrol(client, hosp, "cancer", person, {**card, "clinical_stage": "III"})
    assert again.json()["duplicateOfId"] == first.json()["enrolment"]["id"]
    colon = {**card, "cancer_icd": "C18.7", "topography": "C18.7", "diagnosis_name": "乙状结肠癌"}
    other = enrol(client, hosp, "cancer", person, colon)
    assert other.status_code == 201 and other.json()["duplicateOfId"] is None
    # yearly survival follow-up; a death needs its date
    eid = first.json()["enrolment"]["id"]
    r = record(client, hosp, eid, "survival", {"vital_status": "dead"})
    assert set(field_errors(r)) == {"values.death_on", "values.died_of_cancer"}


def test_stroke_and_injury_cards(client: TestClient, world: World) -> None:
    hosp = world.user("doctor", world.c)
    person = world.person(hosp)
    today = local_today()
    stroke = {
        "stroke_icd": "I61.9",
        "onset_on": (today - timedelta(days=2)).isoformat(),
        "diagnosed_on": (today - timedelta(days=1)).isoformat(),
        "basis": ["1"],
        "first_episode": True,
    }
    r = enrol(client, hosp, "stroke", person, {**stroke, "treatment": ["ivt"]})
    assert field_errors(r) == {"values.treatment": "静脉溶栓只用于缺血性脑卒中（I63）"}
    first = enrol(client, hosp, "stroke", person, stroke)
    assert first.status_code == 201, first.text
    assert [s["stage"] for s in first.json()["scheduled"]] == ["outcome_28d", "outcome_1y"]
    second = enrol(client, hosp, "stroke", person, {**stroke, "basis": ["2"]})
    assert second.json()["duplicateOfId"] == first.json()["enrolment"]["id"]
    r = record(
        client,
        hosp,
        first.json()["enrolment"]["id"],
        "outcome_28d",
        {"outcome_28d": "dead", "death_on_28d": today.isoformat()},
    )
    assert r.status_code == 201 and r.json()["event"]["values"]["mrs_28d"] == "6"

    injury = {
        "injured_on": today.isoformat(),
        "visited_on": today.isoformat(),
        "cause": "1",
        "place": "5",
        "activity": "7",
        "intent": "1",
        "nature": "1",
        "body_part": "3",
        "severity": "2",
        "diagnosis_text": "右胫骨骨折",
        "outcome": "2",
    }
    r = enrol(client, hosp, "injury", person, injury)
    assert field_errors(r) == {"values.vehicle_role": "“道路交通伤害中的身份”为必填项"}
    r = enrol(
        client,
        hosp,
        "injury",
        person,
        {**injury, "vehicle_role": "驾驶员", "external_cause_icd": "W19"},
    )
    assert field_errors(r) == {
        "values.external_cause_icd": "车祸的外部原因编码应在 V01–V99（交通事故）范围内"
    }
    r = enrol(
        client,
        hosp,
        "injury",
        person,
        {**injury, "vehicle_role": "驾驶员", "external_cause_icd": "V43.5", "injury_icd": "S06.0"},
    )
    assert r.status_code == 201, r.text
    r = enrol(
        client, hosp, "injury", person, {**injury, "injury_icd": "W19", "vehicle_role": "驾驶员"}
    )
    assert list(field_errors(r)) == ["values.injury_icd"]
