"""Capture through the API: enrolment, follow-ups, value validation, every rule action,
one open enrolment, duplicate reports, workflow roles, transfers, work lists, scope, audit."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from healthnet.core.audit.models import AuditRecord
from healthnet.core.localtime import local_today
from healthnet.core.notify.models import Message

from .conftest import World

BASE = "/api/v1/programs"
HT = "hypertension_demo"
ST = "stroke_demo"


def _enrol(client: TestClient, w: World, staff: Any, person: str, **body: Any) -> Any:
    payload = {
        "personId": person,
        "values": {"diagnosis": "I10", "diagnosedOn": "2020-01-02", "heightCm": 170},
        **body,
    }
    if "values" in body:
        payload["values"] = body["values"]
    return client.post(f"{BASE}/{HT}/enrolments", json=payload, headers=staff.headers)


def _ht_values(**v: Any) -> dict[str, Any]:
    return {"diagnosis": "I10", "diagnosed_on": "2020-01-02", "height_cm": 170, **v}


def _enrol_ht(client: TestClient, staff: Any, person: str, **extra: Any) -> Any:
    body = {"personId": person, "values": _ht_values(), **extra}
    return client.post(f"{BASE}/{HT}/enrolments", json=body, headers=staff.headers)


def _followup(client: TestClient, staff: Any, enrolment_id: str, **values: Any) -> Any:
    body: dict[str, Any] = {"stage": "followup", "values": values}
    if "event_on" in values:
        body["eventOn"] = values.pop("event_on")
    return client.post(f"{BASE}/enrolments/{enrolment_id}/events", json=body, headers=staff.headers)


def test_enrol_and_follow_up_with_rules(client: TestClient, world: World) -> None:
    doc = world.user("family_doctor", world.a)
    person = world.person(doc)
    world.db.commit()
    r = _enrol_ht(client, doc, person, assignedUserId=doc.user_id)
    assert r.status_code == 201, r.text
    enrolment = r.json()["enrolment"]
    assert enrolment["status"] == "managed" and enrolment["isOpen"] is True
    assert enrolment["orgUnitId"] == world.a.id
    assert r.headers["cache-control"] == "no-store"
    today = local_today()
    # the first follow-up is due 90 days after enrolment
    assert [(s["stage"], s["dueOn"]) for s in r.json()["scheduled"]] == [
        ("followup", (today + timedelta(days=90)).isoformat())
    ]
    first_due = r.json()["scheduled"][0]["eventId"]

    # controlled: BMI assigned, classification assigned, adverse-reaction text hidden (cleared),
    # next follow-up 90 days after this one (the stage's own schedule)
    r = _followup(
        client, doc, enrolment["id"], sbp=128, dbp=82, weight_kg=72.25, reaction_detail="无"
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["event"]["id"] == first_due  # the scheduled visit is the one recorded
    assert body["event"]["values"]["bmi"] == 25.0
    assert body["event"]["values"]["control"] == "controlled"
    assert "reaction_detail" not in body["event"]["values"]
    assert body["hidden"] == ["reaction_detail"]
    assert body["warnings"] == []
    assert [(s["stage"], s["dueOn"]) for s in body["scheduled"]] == [
        ("followup", (today + timedelta(days=90)).isoformat())
    ]

    # uncontrolled: warning on sbp, and the rule moves the next follow-up to 14 days
    r = _followup(client, doc, enrolment["id"], sbp=150, dbp=85)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["event"]["values"]["control"] == "uncontrolled"
    assert body["warnings"] == [
        {
            "field": "values.sbp",
            "message": "血压控制不满意，2 周内再次随访",
            "rule": "classify_uncontrolled",
        }
    ]
    assert [s["dueOn"] for s in body["scheduled"]] == [(today + timedelta(days=14)).isoformat()]

    detail = client.get(f"{BASE}/enrolments/{enrolment['id']}", headers=doc.headers).json()
    scheduled = [e for e in detail["events"] if e["status"] == "scheduled"]
    assert len(scheduled) == 1 and scheduled[0]["dueOn"] == (today + timedelta(days=14)).isoformat()
    assert [h["toState"] for h in detail["history"]] == ["managed"]


def test_rule_error_blocks_and_require_field_and_notification(
    client: TestClient, world: World
) -> None:
    doc = world.user("family_doctor", world.a)
    person = world.person(doc)
    world.db.commit()
    eid = _enrol_ht(client, doc, person, assignedUserId=doc.user_id).json()["enrolment"]["id"]

    r = _followup(client, doc, eid, sbp=120, dbp=130)
    assert r.status_code == 422
    err = r.json()["errors"][0]
    assert err["field"] == "values.dbp" and err["message"] == "舒张压不能高于或等于收缩压"

    # a hypertensive crisis makes "referred" required ...
    r = _followup(client, doc, eid, sbp=190, dbp=100)
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {"field": "values.referred", "code": "programs.value_required", "message": "“转诊”为必填项"}
    ]
    # ... and, once filled in, notifies the responsible doctor
    r = _followup(client, doc, eid, sbp=190, dbp=100, referred=True)
    assert r.status_code == 201, r.text
    assert r.json()["notified"] == 1
    msg = world.db.scalar(select(Message).where(Message.recipient_user_id == doc.user_id))
    assert msg is not None and "血压危急值" in msg.title and msg.person_id == person


def test_value_validation_for_every_value_type(client: TestClient, world: World) -> None:
    hosp = world.user("doctor", world.c)
    person = world.person(hosp)
    world.db.commit()

    def report(**values: Any) -> Any:
        good = {"stroke_icd": "I63.9", "onset_on": local_today().isoformat()}
        return client.post(
            f"{BASE}/{ST}/enrolments",
            json={"personId": person, "values": {**good, **values}},
            headers=hosp.headers,
        )

    cases = {
        "stroke_icd": ("E11.9", "“脑卒中诊断”应为 I60、I61、I62、I63、I64 范围内的 ICD-10 编码"),
        "onset_on": ("2024-13-01", "“发病日期”应为日期，格式 YYYY-MM-DD"),
        "basis": (["ct", "xray"], "“诊断依据”的取值“xray”不在选项集“diagnosis_basis”中"),
        "reporting_org": ("nope", "“报告单位”指向的机构不存在"),
        "onset_place": ([200, 31], "“发病地点坐标”应为坐标 [经度, 纬度]"),
        "first_episode": ("yes", "“是否首次发病”应为是/否"),
        "note": ("字" * 201, "“备注”不能超过 200 个字符"),
        "unknown_thing": (1, "表单中没有数据元“unknown_thing”"),
    }
    for code, (value, message) in cases.items():
        r = report(**{code: value})
        assert r.status_code == 422, (code, r.text)
        (err,) = r.json()["errors"]
        assert err["field"] == f"values.{code}", code
        assert err["message"].startswith(message), (code, err["message"])
    future = (local_today() + timedelta(days=2)).isoformat()
    r = report(onset_on=future)
    assert r.json()["errors"][0]["message"] == "“发病日期”不能晚于今天"
    r = report(stroke_icd="X99.99")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "values.stroke_icd"
    r = report(stroke_icd=None)
    assert r.json()["errors"][0]["message"] == "“脑卒中诊断”为必填项"

    doc = world.user("family_doctor", world.a)
    person2 = world.person(doc)
    world.db.commit()
    eid = _enrol_ht(client, doc, person2).json()["enrolment"]["id"]
    for values, field, message in [
        ({"sbp": "abc", "dbp": 80}, "sbp", "“收缩压”应为整数"),
        ({"sbp": 120.5, "dbp": 80}, "sbp", "“收缩压”应为整数"),
        ({"sbp": 400, "dbp": 80}, "sbp", "“收缩压”不能大于 300mmHg（超出合理范围）"),
        ({"sbp": 120, "dbp": 80, "weight_kg": "x"}, "weight_kg", "“体重”应为数字"),
        (
            {"sbp": 120, "dbp": 80, "weight_kg": 5},
            "weight_kg",
            "“体重”不能小于 10kg（超出合理范围）",
        ),
        ({"sbp": 120, "dbp": 80, "adherence": "often"}, "adherence", "“服药依从性”的取值“often”"),
        (
            {"sbp": 120, "dbp": 80, "reaction_detail": 12},
            "reaction_detail",
            "“药物不良反应描述”应为文本",
        ),
        ({"sbp": 120, "dbp": 80, "referred": "no"}, "referred", "“转诊”应为是/否"),
    ]:
        r = _followup(client, doc, eid, **values)
        assert r.status_code == 422, values
        err = r.json()["errors"][0]
        assert err["field"] == f"values.{field}" and err["message"].startswith(message), err
    # valid values of every kind are stored normalised
    r = report(
        basis=["mri", "ct"],
        reporting_org=world.c.id,
        onset_place=[121.4, 31.2],
        first_episode=True,
        note=" 首次 ",
        stroke_icd="i63.9",
    )
    assert r.status_code == 201, r.text
    values = r.json()["enrolment"]["values"]
    assert values["basis"] == ["ct", "mri"]
    assert values["stroke_icd"] == "I63.9" and values["note"] == "首次"
    assert values["onset_place"] == [121.4, 31.2]


def test_one_open_enrolment_per_person(client: TestClient, world: World) -> None:
    doc = world.user("family_doctor", world.a)
    person = world.person(doc)
    world.db.commit()
    first = _enrol_ht(client, doc, person)
    assert first.status_code == 201
    again = _enrol_ht(client, doc, person)
    assert again.status_code == 409
    assert "已在“高血压患者健康管理（测试）”中登记且尚未结案" in again.json()["detail"]
    # once closed, the person may be enrolled again
    eid = first.json()["enrolment"]["id"]
    r = client.post(
        f"{BASE}/enrolments/{eid}/transitions",
        json={"transition": "close", "note": "迁出本市"},
        headers=doc.headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["isOpen"] is False
    assert _enrol_ht(client, doc, person).status_code == 201
    # a closed enrolment takes no more follow-ups
    r = _followup(client, doc, eid, sbp=120, dbp=80)
    assert r.status_code == 409 and "已结案" in r.json()["detail"]


def test_second_report_of_the_same_case_is_linked_not_doubled(
    client: TestClient, world: World
) -> None:
    hosp = world.user("doctor", world.c)
    cdc = world.user("cdc_staff", world.c, scope="district")
    person = world.person(hosp)
    world.db.commit()
    today = local_today()

    def report(icd: str, on: date) -> Any:
        return client.post(
            f"{BASE}/{ST}/enrolments",
            json={
                "personId": person,
                "enrolledOn": on.isoformat(),
                "values": {"stroke_icd": icd, "onset_on": on.isoformat()},
            },
            headers=hosp.headers,
        )

    first = report("I63.9", today - timedelta(days=10))
    assert first.status_code == 201 and first.json()["duplicateOfId"] is None
    assert first.json()["notified"] == 1  # the CDC staff of the reporting institution
    second = report("I63.9", today)
    assert second.status_code == 201
    assert second.json()["duplicateOfId"] == first.json()["enrolment"]["id"]
    assert second.json()["enrolment"]["status"] == "duplicate"
    assert second.json()["scheduled"] == [] and second.json()["notified"] == 0
    other = report("I61.9", today)  # a different stroke is a new case
    assert other.json()["duplicateOfId"] is None
    cases = client.get(
        f"{BASE}/{ST}/enrolments", params={"status": "reported"}, headers=cdc.headers
    )
    assert cases.json()["total"] == 2
    detail = client.get(f"{BASE}/enrolments/{first.json()['enrolment']['id']}", headers=cdc.headers)
    assert detail.json()["duplicates"] == [second.json()["enrolment"]["id"]]
    assert msg_count(world, cdc.user_id) == 2


def msg_count(world: World, user_id: str) -> int:
    return len(list(world.db.scalars(select(Message).where(Message.recipient_user_id == user_id))))


def test_workflow_transitions_only_for_the_roles_named(client: TestClient, world: World) -> None:
    hosp = world.user("doctor", world.c)
    cdc = world.user("cdc_staff", world.c, scope="district")
    person = world.person(hosp)
    world.db.commit()
    r = client.post(
        f"{BASE}/{ST}/enrolments",
        json={"personId": person, "values": {"stroke_icd": "I63.9", "onset_on": "2025-01-01"}},
        headers=hosp.headers,
    )
    # the late report warns and requires a note: given, so it saves with a warning
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "values.note"
    r = client.post(
        f"{BASE}/{ST}/enrolments",
        json={
            "personId": person,
            "values": {"stroke_icd": "I63.9", "onset_on": "2025-01-01", "note": "外院转入"},
        },
        headers=hosp.headers,
    )
    assert r.status_code == 201, r.text
    assert r.json()["warnings"][0]["message"] == "发病超过 30 天才报告，请说明原因"
    eid = r.json()["enrolment"]["id"]

    refused = client.post(
        f"{BASE}/enrolments/{eid}/transitions", json={"transition": "verify"}, headers=hosp.headers
    )
    assert refused.status_code == 403
    assert refused.json()["detail"] == "您的角色不能执行“审核”（允许的角色：cdc_staff）"
    wrong_state = client.post(
        f"{BASE}/enrolments/{eid}/transitions", json={"transition": "close"}, headers=cdc.headers
    )
    assert wrong_state.status_code == 409
    ok = client.post(
        f"{BASE}/enrolments/{eid}/transitions", json={"transition": "verify"}, headers=cdc.headers
    )
    assert ok.status_code == 200 and ok.json()["status"] == "verified"
    unknown = client.post(
        f"{BASE}/enrolments/{eid}/transitions", json={"transition": "nope"}, headers=cdc.headers
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "transition"
    no_perm = world.user("viewer", world.c, permissions=("programs:enrolment:read",))
    r = client.post(
        f"{BASE}/enrolments/{eid}/transitions",
        json={"transition": "close"},
        headers=no_perm.headers,
    )
    assert r.status_code == 403


def test_transfer_to_another_community(client: TestClient, world: World) -> None:
    doc_a = world.user("family_doctor", world.a)
    doc_b = world.user("family_doctor", world.b)
    person = world.person(doc_a)
    world.db.commit()
    eid = _enrol_ht(client, doc_a, person, assignedUserId=doc_a.user_id).json()["enrolment"]["id"]
    _followup(client, doc_a, eid, sbp=120, dbp=80)
    assert client.get(f"{BASE}/enrolments/{eid}", headers=doc_b.headers).status_code == 404

    r = client.post(
        f"{BASE}/enrolments/{eid}/transfers",
        json={"toOrgUnitId": world.b.id, "reason": "居民搬家"},
        headers=doc_a.headers,
    )
    assert r.status_code == 201, r.text
    tid = r.json()["id"]
    again = client.post(
        f"{BASE}/enrolments/{eid}/transfers",
        json={"toOrgUnitId": world.b.id},
        headers=doc_a.headers,
    )
    assert again.status_code == 409
    # only the receiving side decides
    assert (
        client.post(f"{BASE}/transfers/{tid}/accept", json={}, headers=doc_a.headers).status_code
        == 404
    )
    incoming = client.get(f"{BASE}/transfers", headers=doc_b.headers).json()
    assert [t["id"] for t in incoming["items"]] == [tid]
    r = client.post(
        f"{BASE}/transfers/{tid}/accept",
        json={"assignedUserId": doc_b.user_id},
        headers=doc_b.headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["orgUnitId"] == world.b.id
    assert client.get(f"{BASE}/enrolments/{eid}", headers=doc_b.headers).status_code == 200
    assert client.get(f"{BASE}/enrolments/{eid}", headers=doc_a.headers).status_code == 404
    # the scheduled follow-up moved with it
    mine = client.get(f"{BASE}/worklist", params={"mine": True}, headers=doc_b.headers).json()
    assert [i["enrolmentId"] for i in mine["items"]] == [eid]
    assert (
        client.post(f"{BASE}/transfers/{tid}/reject", json={}, headers=doc_b.headers).status_code
        == 409
    )


def test_transfer_rejected_keeps_the_enrolment(client: TestClient, world: World) -> None:
    doc_a = world.user("family_doctor", world.a)
    doc_b = world.user("family_doctor", world.b)
    person = world.person(doc_a)
    world.db.commit()
    eid = _enrol_ht(client, doc_a, person).json()["enrolment"]["id"]
    tid = client.post(
        f"{BASE}/enrolments/{eid}/transfers",
        json={"toOrgUnitId": world.b.id},
        headers=doc_a.headers,
    ).json()["id"]
    r = client.post(
        f"{BASE}/transfers/{tid}/reject", json={"note": "非本辖区"}, headers=doc_b.headers
    )
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert (
        client.get(f"{BASE}/enrolments/{eid}", headers=doc_a.headers).json()["orgUnitId"]
        == world.a.id
    )


def test_work_list_due_and_overdue(client: TestClient, world: World) -> None:
    doc = world.user("family_doctor", world.a)
    other = world.user("family_doctor", world.a)
    p1, p2 = world.person(doc), world.person(doc)
    world.db.commit()
    today = local_today()
    # enrolled 100 days ago, followed up 95 days ago: next due 5 days ago → overdue
    e1 = _enrol_ht(
        client,
        doc,
        p1,
        assignedUserId=doc.user_id,
        enrolledOn=(today - timedelta(days=100)).isoformat(),
    ).json()["enrolment"]["id"]
    r = _followup(
        client, doc, e1, sbp=120, dbp=80, event_on=(today - timedelta(days=95)).isoformat()
    )
    assert r.status_code == 201, r.text
    # followed up 85 days ago: due in 5 days
    e2 = _enrol_ht(
        client,
        doc,
        p2,
        assignedUserId=other.user_id,
        enrolledOn=(today - timedelta(days=90)).isoformat(),
    ).json()["enrolment"]["id"]
    _followup(client, doc, e2, sbp=120, dbp=80, event_on=(today - timedelta(days=85)).isoformat())

    def wl(headers: dict[str, str], **params: Any) -> Any:
        r = client.get(f"{BASE}/worklist", params=params, headers=headers)
        assert r.status_code == 200, r.text
        return r.json()

    overdue = wl(doc.headers, due="overdue")
    assert [(i["enrolmentId"], i["overdueDays"]) for i in overdue["items"]] == [(e1, 5)]
    due = wl(doc.headers, due="due", withinDays=7)
    assert [i["enrolmentId"] for i in due["items"]] == [e2]
    assert wl(doc.headers, due="due", withinDays=3)["total"] == 0
    everything = wl(doc.headers, program=HT)
    assert [i["enrolmentId"] for i in everything["items"]] == [e1, e2]  # oldest due first
    assert [i["enrolmentId"] for i in wl(other.headers, mine=True)["items"]] == [e2]
    doc_b = world.user("family_doctor", world.b)
    assert wl(doc_b.headers)["total"] == 0  # another institution's list is not theirs
    paged = wl(doc.headers, pageSize=1, page=2)
    assert paged["total"] == 2 and [i["enrolmentId"] for i in paged["items"]] == [e2]


def test_data_scope_and_audit(client: TestClient, world: World) -> None:
    doc_a = world.user("family_doctor", world.a)
    doc_b = world.user("family_doctor", world.b)
    district = world.user("cdc_staff", world.c, scope="district")  # Changning: not Xuhui
    city = world.user("city_officer", None, scope="city")
    person = world.person(doc_a)
    world.db.commit()
    eid = _enrol_ht(client, doc_a, person).json()["enrolment"]["id"]
    for staff, status in ((doc_b, 404), (district, 404), (city, 200), (doc_a, 200)):
        r = client.get(f"{BASE}/enrolments/{eid}", headers=staff.headers)
        assert r.status_code == status, staff
    lists = {
        s.user_id: client.get(f"{BASE}/{HT}/enrolments", headers=s.headers).json()["total"]
        for s in (doc_a, doc_b, city)
    }
    assert lists == {doc_a.user_id: 1, doc_b.user_id: 0, city.user_id: 1}
    # another institution's staff cannot write either, nor enrol into an institution they
    # do not see
    r = _followup(client, doc_b, eid, sbp=120, dbp=80)
    assert r.status_code == 404
    p2 = world.person(doc_b)
    world.db.commit()
    r = _enrol_ht(client, doc_b, p2, orgUnitId=world.a.id)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "orgUnitId"

    actions = [
        (a.action, a.patient_id, a.outcome)
        for a in world.db.scalars(
            select(AuditRecord).where(AuditRecord.resource_id == eid).order_by(AuditRecord.seq)
        )
    ]
    assert actions == [
        ("programs.enrolment.create", person, "success"),
        ("programs.enrolment.read", person, "success"),  # the city officer
        ("programs.enrolment.read", person, "success"),  # the doctor
    ]


def test_permissions_and_unknown_program(client: TestClient, world: World) -> None:
    reader = world.user(
        "viewer", world.a, permissions=("programs:enrolment:read", "patients:person:read")
    )
    world.db.commit()
    assert client.get(f"{BASE}", headers=reader.headers).status_code == 200
    assert {p["code"] for p in client.get(f"{BASE}", headers=reader.headers).json()} >= {HT, ST}
    r = client.post(f"{BASE}/{HT}/enrolments", json={"personId": "x"}, headers=reader.headers)
    assert r.status_code == 403
    r = client.get(f"{BASE}/nope", headers=reader.headers)
    assert r.status_code == 404 and r.json()["detail"] == "项目“nope”不存在"
    detail = client.get(f"{BASE}/{HT}", headers=reader.headers).json()
    assert detail["definition"]["stages"][0]["elements"][0]["valueType"] == "integer"


def test_home_page_counts_overdue_follow_ups_and_incoming_transfers(
    client: TestClient, world: World
) -> None:
    from healthnet.core.programs.todos import todos

    doc_a = world.user("family_doctor", world.a)
    doc_b = world.user("family_doctor", world.b)
    person = world.person(doc_a)
    world.db.commit()
    today = local_today()
    eid = _enrol_ht(
        client,
        doc_a,
        person,
        assignedUserId=doc_a.user_id,
        enrolledOn=(today - timedelta(days=200)).isoformat(),
    ).json()["enrolment"]["id"]
    _followup(
        client, doc_a, eid, sbp=120, dbp=80, event_on=(today - timedelta(days=100)).isoformat()
    )
    assert [(x.key, x.count) for x in todos(session=world.db, actor=doc_a.actor)] == [
        ("programs.overdue", 1)
    ]
    client.post(
        f"{BASE}/enrolments/{eid}/transfers",
        json={"toOrgUnitId": world.b.id},
        headers=doc_a.headers,
    )
    assert [(x.key, x.title) for x in todos(session=world.db, actor=doc_b.actor)] == [
        ("programs.transfers_incoming", "待接收的转入申请 1 件")
    ]
