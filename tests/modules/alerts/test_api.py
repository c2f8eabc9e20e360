"""The prompts as a workstation and the console see them: permissions, Chinese errors naming
the field, responses, statistics within the data scope, rule editing (audited)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from healthnet.core.audit.models import AuditRecord
from healthnet.core.localtime import local_today
from tests.modules.alerts.conftest import ORDER_DAY, History, World, at, drug_line

Headers = Callable[..., dict[str, str]]
BASE = "/api/v1/alerts"


@pytest.fixture
def doctor_a(make_headers: Headers, world: World, db: Session) -> dict[str, str]:
    headers = make_headers("alerts:check:run", institution_id=world.hospital_a.id)
    db.commit()
    return headers


@pytest.fixture
def doctor_b(make_headers: Headers, world: World, db: Session) -> dict[str, str]:
    headers = make_headers("alerts:check:run", institution_id=world.hospital_b.id)
    db.commit()
    return headers


def body(world: World, **fields: Any) -> dict[str, Any]:
    return {"personId": world.person.id, "orderDate": ORDER_DAY.isoformat(), **fields}


def with_history(history: History, world: World) -> None:
    """Hospital B's statin (12 days left) and blood count (yesterday)."""
    history.medication(
        world.person,
        world.hospital_b,
        "atorvastatin",
        ordered_at=at(ORDER_DAY.replace(day=7)),
    )
    history.lab(
        world.person, world.hospital_b, "CBC", "血常规", collected_at=at(ORDER_DAY.replace(day=24))
    )


def check(client: TestClient, headers: dict[str, str], world: World, **fields: Any) -> Any:
    r = client.post(f"{BASE}/check", json=body(world, **fields), headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


# ---------------------------------------------------------------- the check


def test_a_doctor_gets_prompts_for_another_hospitals_records(
    client: TestClient, doctor_a: dict[str, str], world: World, history: History, db: Session
) -> None:
    with_history(history, world)
    db.commit()
    r = client.post(
        f"{BASE}/check",
        json=body(
            world,
            drugs=[drug_line("atorvastatin")],
            items=[{"kind": "lab", "itemCode": "CBC", "itemName": "血常规"}],
        ),
        headers=doctor_a,
    )
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    out = r.json()
    assert out["orderingInstitutionId"] == world.hospital_a.id
    drug, cbc = out["prompts"]
    assert drug["kind"] == "drug_ingredient" and drug["ruleCode"] == "DRUG-INGREDIENT"
    assert drug["line"] == {
        "kind": "drug",
        "index": 0,
        "code": "D-atorvastatin",
        "name": "阿托伐他汀钙片",
    }
    assert drug["earlier"]["institutionName"] == "上海市第六人民医院"
    assert drug["earlier"]["date"] == "2026-11-07"
    assert drug["earlier"]["remainingDays"] == 12
    assert drug["message"].startswith(
        "患者于2026-11-07在上海市第六人民医院开具阿托伐他汀钙片，余量约12天"
    )
    assert drug["response"] is None
    assert cbc["kind"] == "lab_repeat" and cbc["earlier"]["result"] == "5.6 mmol/L"
    # Stored: the same check can be read back (and that read is audited too).
    again = client.get(f"{BASE}/checks/{out['id']}", headers=doctor_a)
    assert again.status_code == 200 and again.json() == out
    actions = db.scalars(
        select(AuditRecord.action).where(AuditRecord.resource_id == out["id"])
    ).all()
    assert list(actions) == ["alerts.check.run", "alerts.check.read"]


def test_a_workstation_may_name_the_resident_by_master_id(
    client: TestClient, doctor_a: dict[str, str], world: World, history: History, db: Session
) -> None:
    with_history(history, world)
    db.commit()
    fields = body(
        world,
        masterId=world.person.master_id,
        items=[{"kind": "lab", "itemCode": "CBC", "itemName": "血常规"}],
    )
    fields["personId"] = None
    r = client.post(f"{BASE}/check", json=fields, headers=doctor_a)
    assert r.status_code == 200, r.text
    assert r.json()["personId"] == world.person.id and len(r.json()["prompts"]) == 1


def test_without_the_permission_a_check_is_refused_and_nothing_read(
    client: TestClient, make_headers: Headers, world: World, db: Session
) -> None:
    nurse = make_headers("patients:person:read", institution_id=world.hospital_a.id)
    db.commit()
    r = client.post(f"{BASE}/check", json=body(world, drugs=[drug_line("aspirin")]), headers=nurse)
    assert r.status_code == 403 and r.json()["detail"] == "没有权限执行此操作"
    assert (
        client.post(f"{BASE}/check", json=body(world, drugs=[drug_line("aspirin")])).status_code
        == 401
    )
    assert (
        db.scalar(select(AuditRecord.seq).where(AuditRecord.action == "alerts.check.run")) is None
    )


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"drugs": [{"genericName": "阿司匹林"}]}, "drugs[0].drugCode", "必填"),
        ({"drugs": []}, "drugs", "请至少填写一条药品或检验检查项目"),
        (
            {"drugs": [drug_line("aspirin", atcCode="C10-AA")]},
            "drugs[0].atcCode",
            "ATC 编码格式不正确",
        ),
        ({"drugs": [drug_line("aspirin", daysSupply=0)]}, "drugs[0].daysSupply", "不能小于 1"),
        (
            {"items": [{"kind": "xray", "itemCode": "DR", "itemName": "DR"}]},
            "items[0].kind",
            "取值不在允许范围内",
        ),
        (
            {"personId": "nobody", "drugs": [drug_line("aspirin")]},
            "personId",
            "主索引中没有这位居民",
        ),
        ({"personId": None, "drugs": [drug_line("aspirin")]}, "personId", "请填写居民的平台 id"),
        (
            {"personId": None, "masterId": "0000", "drugs": [drug_line("aspirin")]},
            "masterId",
            "主索引中没有这位居民",
        ),
        (
            {"encounterClass": "home", "drugs": [drug_line("aspirin")]},
            "encounterClass",
            "取值不在允许范围内",
        ),
        ({"drugs": [drug_line("aspirin", dose="100mg")]}, "drugs[0].dose", "不允许的字段"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_in_chinese(
    client: TestClient,
    doctor_a: dict[str, str],
    world: World,
    fields: dict[str, Any],
    field: str,
    message: str,
) -> None:
    r = client.post(f"{BASE}/check", json=body(world, **fields), headers=doctor_a)
    assert r.status_code == 422, r.text
    errors = r.json()["errors"]
    assert errors[0]["field"] == field
    assert errors[0]["message"].startswith(message)
    assert field in r.json()["detail"]


# ---------------------------------------------------------------- responses


def test_responses_are_recorded_with_who_and_when_and_an_override_needs_a_reason(
    client: TestClient, doctor_a: dict[str, str], world: World, history: History, db: Session
) -> None:
    with_history(history, world)
    db.commit()
    out = check(
        client,
        doctor_a,
        world,
        drugs=[drug_line("atorvastatin")],
        items=[{"kind": "lab", "itemCode": "CBC", "itemName": "血常规"}],
    )
    drug, cbc = (p["id"] for p in out["prompts"])
    url = f"{BASE}/checks/{out['id']}/responses"
    r = client.post(
        url, json={"responses": [{"promptId": drug, "action": "overridden"}]}, headers=doctor_a
    )
    assert r.status_code == 422
    assert r.json()["errors"][0] == {
        "field": "responses[0].reason",
        "code": "alerts.reason_required",
        "message": "忽略提示时必须填写理由",
    }
    r = client.post(
        url,
        json={
            "responses": [
                {"promptId": drug, "action": "accepted"},
                {"promptId": cbc, "action": "overridden", "reason": "昨日结果异常待复查"},
            ]
        },
        headers=doctor_a,
    )
    assert r.status_code == 200, r.text
    answered = {p["id"]: p for p in r.json()["prompts"]}
    assert answered[drug]["response"] == "accepted" and answered[drug]["respondedAt"]
    assert answered[cbc]["response"] == "overridden"
    assert answered[cbc]["reason"] == "昨日结果异常待复查"
    assert answered[cbc]["respondedBy"] == answered[drug]["respondedBy"] is not None
    # Answered once.
    r = client.post(
        url,
        json={"responses": [{"promptId": drug, "action": "overridden", "reason": "x"}]},
        headers=doctor_a,
    )
    assert r.status_code == 409
    assert r.json()["detail"].startswith("该提示已于")
    r = client.post(
        url, json={"responses": [{"promptId": "nope", "action": "accepted"}]}, headers=doctor_a
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "responses[0].promptId"
    audit = db.scalars(
        select(AuditRecord).where(AuditRecord.action == "alerts.prompt.respond")
    ).all()
    assert [(a.resource_id, a.patient_id) for a in audit] == [(out["id"], world.person.id)]


def test_another_hospitals_doctor_cannot_see_or_answer_a_check(
    client: TestClient,
    doctor_a: dict[str, str],
    doctor_b: dict[str, str],
    world: World,
    history: History,
    db: Session,
) -> None:
    with_history(history, world)
    db.commit()
    out = check(client, doctor_a, world, drugs=[drug_line("atorvastatin")])
    assert client.get(f"{BASE}/checks/{out['id']}", headers=doctor_b).status_code == 404
    r = client.post(
        f"{BASE}/checks/{out['id']}/responses",
        json={"responses": [{"promptId": out["prompts"][0]["id"], "action": "accepted"}]},
        headers=doctor_b,
    )
    assert r.status_code == 404 and r.json()["detail"] == "提示记录不存在"


# ---------------------------------------------------------------- statistics


def test_statistics_count_prompts_and_responses_within_the_data_scope(
    client: TestClient,
    make_headers: Headers,
    doctor_a: dict[str, str],
    doctor_b: dict[str, str],
    world: World,
    history: History,
    db: Session,
) -> None:
    with_history(history, world)
    history.medication(world.person, world.hospital_b, "rosuvastatin", ordered_at=at(ORDER_DAY))
    db.commit()
    cbc = {"kind": "lab", "itemCode": "CBC", "itemName": "血常规"}
    # Hospital A: 3 prompts (statin same ingredient, statin class, CBC); one accepted, one
    # overridden. Hospital B: 1 prompt (CBC), unanswered.
    a = check(client, doctor_a, world, drugs=[drug_line("atorvastatin")], items=[cbc])
    assert [p["kind"] for p in a["prompts"]] == ["drug_ingredient", "drug_class", "lab_repeat"]
    client.post(
        f"{BASE}/checks/{a['id']}/responses",
        json={
            "responses": [
                {"promptId": a["prompts"][0]["id"], "action": "accepted"},
                {"promptId": a["prompts"][2]["id"], "action": "overridden", "reason": "术前"},
            ]
        },
        headers=doctor_a,
    ).raise_for_status()
    check(client, doctor_b, world, items=[cbc])

    city = make_headers("alerts:stats:read", data_scope="city")
    stats_a = make_headers(
        "alerts:stats:read", institution_id=world.hospital_a.id, data_scope="institution"
    )
    xuhui = make_headers(
        "alerts:stats:read", institution_id=world.hospital_a.id, data_scope="district"
    )
    db.commit()
    today = local_today().isoformat()

    def stats(headers: dict[str, str], group_by: str) -> Any:
        r = client.get(
            f"{BASE}/statistics",
            params={"from": today, "to": today, "groupBy": group_by},
            headers=headers,
        )
        assert r.status_code == 200, r.text
        return r.json()

    by_inst = stats(city, "institution")
    assert [
        (r["label"], r["prompts"], r["accepted"], r["overridden"], r["unanswered"])
        for r in by_inst["rows"]
    ] == [
        ("上海市徐汇区中心医院", 3, 1, 1, 1),
        ("上海市第六人民医院", 1, 0, 0, 1),
    ]
    assert by_inst["rows"][0]["acceptanceRate"] == pytest.approx(1 / 3, abs=1e-4)
    assert by_inst["total"]["prompts"] == 4 and by_inst["total"]["acceptanceRate"] == 0.25
    assert by_inst["from"] == today and by_inst["to"] == today
    # Institution and district scope: hospital A (徐汇) only.
    for headers in (stats_a, xuhui):
        rows = stats(headers, "institution")["rows"]
        assert [(r["key"], r["prompts"]) for r in rows] == [(world.hospital_a.id, 3)]
    assert [(r["key"], r["label"], r["prompts"]) for r in stats(city, "drugClass")["rows"]] == [
        ("C10AA", "他汀类调脂药", 2)
    ]
    assert [(r["key"], r["prompts"], r["overridden"]) for r in stats(city, "item")["rows"]] == [
        ("CBC", 2, 1)
    ]
    assert [(r["key"], r["prompts"]) for r in stats(city, "month")["rows"]] == [(today[:7], 4)]
    # Another period has nothing.
    r = client.get(
        f"{BASE}/statistics", params={"from": "2020-01-01", "to": "2020-01-31"}, headers=city
    )
    assert r.json()["rows"] == [] and r.json()["total"]["acceptanceRate"] is None
    r = client.get(
        f"{BASE}/statistics", params={"from": "2026-02-01", "to": "2026-01-01"}, headers=city
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "from"
    assert client.get(f"{BASE}/statistics", headers=doctor_a).status_code == 403


# ---------------------------------------------------------------- rules


def test_rules_are_edited_by_their_maintainers_only_and_every_change_is_audited(
    client: TestClient, make_headers: Headers, world: World, db: Session
) -> None:
    reader = make_headers("alerts:rule:read")
    editor = make_headers("alerts:rule:read", "alerts:rule:write", data_scope="city")
    db.commit()
    r = client.get(f"{BASE}/item-rules", params={"q": "CBC"}, headers=reader)
    assert r.status_code == 200 and [i["code"] for i in r.json()["items"]] == ["LAB-CBC"]
    assert client.get(f"{BASE}/drug-rules", headers=reader).json()["total"] == 8
    assert (
        client.patch(
            f"{BASE}/item-rules/LAB-CBC", json={"windowDays": 5}, headers=reader
        ).status_code
        == 403
    )

    r = client.patch(f"{BASE}/item-rules/LAB-CBC", json={"windowDays": 5}, headers=editor)
    assert r.status_code == 200 and r.json()["windowDays"] == 5
    r = client.patch(f"{BASE}/item-rules/LAB-CBC", json={"windowDays": 0}, headers=editor)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "windowDays"
    r = client.delete(f"{BASE}/item-rules/LAB-CBC", headers=editor)
    assert (
        r.status_code == 409 and r.json()["detail"] == "内置规则“血常规重复检验”不能删除，可以停用"
    )

    new_rule = {
        "code": "DRUG-CLASS-ACEI",
        "name": "ACEI类重复",
        "match": "atc_class",
        "atcPrefix": "c09aa",
        "toleranceDays": 2,
    }
    r = client.post(f"{BASE}/drug-rules", json=new_rule, headers=editor)
    assert r.status_code == 201, r.text
    assert r.json()["atcPrefix"] == "C09AA" and r.json()["builtin"] is False
    assert client.post(f"{BASE}/drug-rules", json=new_rule, headers=editor).status_code == 409
    r = client.post(
        f"{BASE}/drug-rules", json={**new_rule, "code": "X1", "atcPrefix": None}, headers=editor
    )
    assert r.status_code == 422
    assert r.json()["errors"][0] == {
        "field": "atcPrefix",
        "code": "alerts.class_needs_prefix",
        "message": "同类药物规则必须填写 ATC 分类",
    }
    r = client.post(
        f"{BASE}/item-rules",
        json={
            "code": "LAB-CBC2",
            "name": "x",
            "kind": "lab",
            "itemCode": "CBC",
            "itemName": "血常规",
            "windowDays": 2,
        },
        headers=editor,
    )
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "itemCode"
    assert client.delete(f"{BASE}/drug-rules/DRUG-CLASS-ACEI", headers=editor).status_code == 204
    assert client.get(f"{BASE}/drug-rules/DRUG-CLASS-ACEI", headers=reader).status_code == 404

    trail = db.scalars(select(AuditRecord).where(AuditRecord.action.startswith("alerts."))).all()
    assert [(a.action, a.resource_id, a.purpose) for a in trail] == [
        ("alerts.item_rule.update", "LAB-CBC", "ADMIN"),
        ("alerts.drug_rule.create", "DRUG-CLASS-ACEI", "ADMIN"),
        ("alerts.drug_rule.delete", "DRUG-CLASS-ACEI", "ADMIN"),
    ]
    assert '"window_days":{"from":3,"to":5}' in (trail[0].detail or "")
