"""Child health (R12): WHO z-scores and the growth classification of a health check, computed by
the program's rules through the real capture service (docs/decisions/0019-growth-standards.md).

Expected values are the WHO's published tables (https://www.who.int/tools/child-growth-standards
and .../growth-reference-data-for-5to19-years): boys weight-for-age at 12 months −2SD 7.7 kg,
median 9.6 kg; boys length-for-age at 12 months median 75.7 cm; boys head circumference-for-age
at 12 months median 46.1 cm; girls 2007 weight-for-age at 72 months median 20.2 kg (M 20.1639),
height-for-age median 115.1 cm (M 115.1244)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from healthnet.core.localtime import local_today

from .conftest import BASE, World, enrol, record

TERM = {"gestational_weeks": 39, "birth_weight_g": 3300, "birth_length_cm": 50}
GROWTH_RULES = {
    "underweight",
    "stunting",
    "wasting",
    "malnutrition_management",
    "overweight",
    "obesity",
    "zscore_no_sex",
    "zscore_out_of_range",
    "whz_length_out_of_range",
    "zscore_implausible",
}


def _child(client: TestClient, world: World, *, age_days: int, sex: str = "1") -> tuple[Any, str]:
    doc = world.user("doctor", world.a)
    person = world.person(doc, birth=local_today() - timedelta(days=age_days), sex=sex)
    r = enrol(client, doc, "child_health", person, TERM, assignedUserId=doc.user_id)
    assert r.status_code == 201, r.text
    return doc, r.json()["enrolment"]["id"]


def _check(client: TestClient, doc: Any, eid: str, **values: Any) -> Any:
    r = record(client, doc, eid, "health_check", {"development_screening": "pass", **values})
    assert r.status_code == 201, r.text
    return r.json()


def test_an_underweight_one_year_old_is_classified_and_taken_into_management(
    client: TestClient, world: World
) -> None:
    doc, eid = _child(client, world, age_days=365)
    body = _check(client, doc, eid, weight_kg=7.7, length_cm=75.7, head_cm=46.1)
    v = body["event"]["values"]
    assert v["waz"] == pytest.approx(-2.0, abs=0.1)  # at the −2SD weight
    assert v["haz"] == pytest.approx(0, abs=0.1)  # at the median length
    assert v["hcz"] == pytest.approx(0, abs=0.1)  # at the median head circumference
    assert v["whz"] < -2  # 7.7 kg is thin for 75.7 cm, too
    assert v["growth_findings"] == ["underweight", "wasting"]
    rules = [w["rule"] for w in body["warnings"]]
    assert {"underweight", "wasting", "malnutrition_management"} <= set(rules)
    assert "stunting" not in rules
    messages = {w["rule"]: w["message"] for w in body["warnings"]}
    assert messages["malnutrition_management"] == "中重度营养不良：纳入专案管理，每月随访一次"
    assert messages["underweight"].startswith("低体重（年龄别体重 Z < −2")
    # high-risk (专案) management: a monthly visit is scheduled and the doctor is told
    due = (local_today() + timedelta(days=30)).isoformat()
    assert [s["dueOn"] for s in body["scheduled"] if s["stage"] == "high_risk_visit"] == [due]
    assert body["notified"] == 1
    detail = client.get(f"{BASE}/enrolments/{eid}", headers=doc.headers).json()
    stored = next(e for e in detail["events"] if e["id"] == body["event"]["id"])
    assert stored["values"]["waz"] == v["waz"]


def test_a_child_growing_at_the_median_has_no_finding(client: TestClient, world: World) -> None:
    doc, eid = _child(client, world, age_days=365)
    # what a client sends for computed fields is ignored: the rules decide
    body = _check(
        client, doc, eid, weight_kg=9.6, length_cm=75.7, waz=3, growth_findings=["obesity"]
    )
    v = body["event"]["values"]
    assert v["waz"] == pytest.approx(0, abs=0.1)
    assert v["haz"] == pytest.approx(0, abs=0.1)
    assert -1 < v["whz"] < 1 and -1 < v["baz"] < 1
    assert "growth_findings" not in v
    assert not GROWTH_RULES & {w["rule"] for w in body["warnings"]}
    assert not [s for s in body["scheduled"] if s["stage"] == "high_risk_visit"]
    # correcting the weight recomputes the z-scores and the classification
    r = client.patch(
        f"{BASE}/events/{body['event']['id']}",
        json={"values": {"weight_kg": 7.7}},
        headers=doc.headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["event"]["values"]["waz"] == pytest.approx(-2.0, abs=0.1)
    assert "underweight" in r.json()["event"]["values"]["growth_findings"]


def test_after_five_years_the_2007_reference_and_bmi_are_used(
    client: TestClient, world: World
) -> None:
    doc, eid = _child(client, world, age_days=2192, sex="2")  # 72 months
    body = _check(client, doc, eid, weight_kg=20.2, length_cm=115.1)
    v = body["event"]["values"]
    assert v["waz"] == pytest.approx(0, abs=0.05)
    assert v["haz"] == pytest.approx(0, abs=0.05)
    assert "whz" not in v and "hcz" not in v  # weight-for-height and head: to 5 years only
    assert "baz" in v
    assert not GROWTH_RULES & {w["rule"] for w in body["warnings"]}
    # an obese six-year-old: BMI-for-age over +2 (WHO 2007 cut-off)
    body = _check(client, doc, eid, weight_kg=32, length_cm=115.1)
    v = body["event"]["values"]
    assert v["baz"] > 2
    assert v["growth_findings"] == ["obesity"]
    assert "obesity" in [w["rule"] for w in body["warnings"]]
    assert "malnutrition_management" not in [w["rule"] for w in body["warnings"]]


def test_without_a_known_sex_the_z_scores_stay_empty_with_a_warning(
    client: TestClient, world: World
) -> None:
    doc, eid = _child(client, world, age_days=365, sex="9")  # GB/T 2261.1: 未说明的性别
    body = _check(client, doc, eid, weight_kg=9.6, length_cm=75.7)
    v = body["event"]["values"]
    assert not {"waz", "haz", "whz", "baz", "growth_findings"} & set(v)
    assert v["child_bmi"] == 16.8  # the measurements themselves are stored
    assert [w["message"] for w in body["warnings"] if w["rule"] == "zscore_no_sex"] == [
        "主索引中性别未知或未说明，无法计算 WHO Z 评分，请先核实儿童性别"
    ]


def test_implausible_z_scores_are_flagged(client: TestClient, world: World) -> None:
    doc, eid = _child(client, world, age_days=365)
    body = _check(client, doc, eid, weight_kg=25, length_cm=76)
    assert body["event"]["values"]["waz"] > 5
    assert "zscore_implausible" in [w["rule"] for w in body["warnings"]]


def test_the_console_gets_the_z_scores_as_computed_fields(client: TestClient, world: World) -> None:
    doc = world.user("doctor", world.a)
    r = client.get(f"{BASE}/child_health", headers=doc.headers)
    assert r.status_code == 200
    stage = next(s for s in r.json()["definition"]["stages"] if s["code"] == "health_check")
    computed = {e["code"] for e in stage["elements"] if e["computed"]}
    assert computed == {"child_bmi", "waz", "haz", "whz", "baz", "hcz", "growth_findings"}
