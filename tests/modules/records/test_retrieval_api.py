"""Record retrieval as clinicians, reviewers and residents use it through the API: the timeline
(grouping, filters, paging), lab trends, documents, break-the-glass and its review, and the
resident's own record, access log and privacy settings."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from healthnet.core.audit.models import AuditRecord
from healthnet.core.auth import service as auth
from healthnet.core.db import utcnow
from healthnet.core.orgs.models import Institution
from healthnet.core.patients.models import Person

from . import factories as f

Headers = Callable[..., dict[str, str]]
BASE = "/api/v1/records"
READ, REVIEW = "records:record:read", "records:breakglass:review"
REASON = "患者昏迷送入急诊，需了解既往病史和用药"


@pytest.fixture
def hosp_a(db: Session) -> Institution:
    return f.institution(db, "RB-H1", name="甲医院")


@pytest.fixture
def hosp_b(db: Session) -> Institution:
    return f.institution(db, "RB-H2", name="乙医院", district="310105")


@pytest.fixture
def resident(db: Session) -> Person:
    return f.person(db)


def _settle(db: Session) -> None:
    # Keep set-up data if a request of the test fails (the client rolls back to a savepoint).
    db.commit()


def _resident_headers(db: Session, person: Person, phone: str = "13900001111") -> dict[str, str]:
    user = auth.create_resident_account(
        session=db, person_id=person.id, phone=phone, password="Test-pass-123"
    )
    token, _ = auth.open_session(session=db, user=user, method="test")
    return {"Authorization": f"Bearer {token}"}


def _views(db: Session, person_id: str) -> list[AuditRecord]:
    return list(
        db.scalars(
            select(AuditRecord)
            .where(AuditRecord.patient_id == person_id, AuditRecord.action == "records.record.view")
            .order_by(AuditRecord.seq)
        )
    )


def _history(db: Session, person: Person, a: Institution, b: Institution) -> dict[str, str]:
    """An inpatient stay at A (diagnosis, order, lab, exam, discharge summary), an outpatient
    visit at B, a lab at B with no encounter — all within 90 days."""
    now = utcnow()
    stay = f.encounter(
        db,
        person_id=person.id,
        institution_id=a.id,
        start_at=now - timedelta(days=40),
        class_code="inpatient",
    )
    f.diagnosis(db, stay)
    f.medication(db, stay)
    f.lab(
        db,
        person_id=person.id,
        institution_id=a.id,
        collected_at=stay.start_at + timedelta(hours=2),
        encounter_id=stay.id,
        value=7.2,
    )
    f.exam(db, stay)
    doc = f.document(
        db,
        person_id=person.id,
        institution_id=a.id,
        authored_at=stay.start_at + timedelta(days=6),
        encounter_id=stay.id,
    )
    visit = f.encounter(
        db, person_id=person.id, institution_id=b.id, start_at=now - timedelta(days=10)
    )
    f.diagnosis(db, visit, code="E11.9", name="2型糖尿病")
    loose = f.lab(
        db,
        person_id=person.id,
        institution_id=b.id,
        collected_at=now - timedelta(days=2),
        value=6.4,
    )
    _settle(db)
    return {"stay": stay.id, "visit": visit.id, "loose": loose.id, "doc": doc.id}


def test_timeline_groups_by_encounter_newest_first_and_audits_one_view(
    client: TestClient,
    db: Session,
    make_headers: Headers,
    hosp_a: Institution,
    hosp_b: Institution,
    resident: Person,
) -> None:
    ids = _history(db, resident, hosp_a, hosp_b)
    r = client.get(
        f"{BASE}/persons/{resident.id}/timeline",
        headers=make_headers(READ, institution_id=hosp_b.id),
    )
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    body = r.json()
    assert body["person"]["masterId"] == resident.master_id and body["person"]["name"] == "王小明"
    assert "phone" not in body["person"]
    assert body["access"] == {
        "ground": "care",
        "purpose": "treatment",
        "breakGlass": False,
        "breakGlassId": None,
        "expiresAt": None,
        "hiddenRevealed": False,
    }
    assert [(e["kind"], e["id"]) for e in body["items"]] == [
        ("lab", ids["loose"]),
        ("encounter", ids["visit"]),
        ("encounter", ids["stay"]),
    ]
    stay = body["items"][2]
    assert stay["institutionName"] == "甲医院" and stay["encounter"]["classCode"] == "inpatient"
    assert sorted(c["kind"] for c in stay["children"]) == [
        "diagnosis",
        "document",
        "exam",
        "lab",
        "medication",
    ]
    lab = next(c for c in stay["children"] if c["kind"] == "lab")
    assert lab["lab"]["valueNumeric"] == 7.2 and lab["lab"]["abnormalFlag"] == "H"
    assert body["nextCursor"] is None

    (view,) = _views(db, resident.id)
    assert view.purpose == "TREAT" and view.outcome == "success"
    assert json.loads(view.detail or "{}")["view"] == "timeline"


def test_timeline_filters_by_kind_institution_and_time(
    client: TestClient,
    db: Session,
    make_headers: Headers,
    hosp_a: Institution,
    hosp_b: Institution,
    resident: Person,
) -> None:
    ids = _history(db, resident, hosp_a, hosp_b)
    h = make_headers(READ, institution_id=hosp_b.id)
    url = f"{BASE}/persons/{resident.id}/timeline"

    labs = client.get(url, params={"kinds": "lab"}, headers=h).json()["items"]
    assert [e["kind"] for e in labs] == ["lab", "lab"]  # ungrouped: every lab stands alone
    assert labs[1]["encounterId"] == ids["stay"]

    at_a = client.get(url, params={"institutionId": hosp_a.id}, headers=h).json()["items"]
    assert [e["id"] for e in at_a] == [ids["stay"]]

    day = (utcnow() - timedelta(days=10)).date()
    window = client.get(
        url,
        params={"from": str(day - timedelta(days=1)), "to": str(day + timedelta(days=1))},
        headers=h,
    )
    assert [e["id"] for e in window.json()["items"]] == [ids["visit"]]

    bad = client.get(url, params={"kinds": "lab,xray"}, headers=h)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "kinds"
    backwards = client.get(url, params={"from": "2025-02-01", "to": "2025-01-01"}, headers=h)
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["field"] == "from"


def test_timeline_pages_by_cursor_without_gaps_or_repeats(
    client: TestClient, db: Session, make_headers: Headers, hosp_b: Institution, resident: Person
) -> None:
    start = utcnow() - timedelta(days=60)
    made = [
        f.encounter(
            db, person_id=resident.id, institution_id=hosp_b.id, start_at=start + timedelta(days=i)
        ).id
        for i in range(5)
    ]
    # Two rows at the very same time: the id breaks the tie.
    made.append(
        f.encounter(
            db, person_id=resident.id, institution_id=hosp_b.id, start_at=start + timedelta(days=4)
        ).id
    )
    _settle(db)
    h = make_headers(READ, institution_id=hosp_b.id)
    seen: list[str] = []
    times: list[datetime] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, str | int] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        body = client.get(f"{BASE}/persons/{resident.id}/timeline", params=params, headers=h).json()
        pages += 1
        assert (body["person"] is None) == (cursor is not None)
        seen += [e["id"] for e in body["items"]]
        times += [datetime.fromisoformat(e["at"]) for e in body["items"]]
        cursor = body["nextCursor"]
        if not cursor:
            break
    assert pages == 3 and sorted(seen) == sorted(made) and len(seen) == len(set(seen))
    assert times == sorted(times, reverse=True)
    assert len(_views(db, resident.id)) == 3  # one audit record per page

    bad = client.get(f"{BASE}/persons/{resident.id}/timeline", params={"cursor": "%%%"}, headers=h)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"


def test_lab_trend_lists_repeated_results_oldest_first(
    client: TestClient,
    db: Session,
    make_headers: Headers,
    hosp_a: Institution,
    hosp_b: Institution,
    resident: Person,
) -> None:
    now = utcnow()
    for days, value, inst in ((80, 5.1, hosp_a), (40, 6.8, hosp_b), (5, 7.9, hosp_a)):
        row = f.lab(
            db,
            person_id=resident.id,
            institution_id=inst.id,
            collected_at=now - timedelta(days=days),
            value=value,
        )
    row.value_numeric = None  # a sender that gave the last result as text only ("7.9")
    f.lab(
        db,
        person_id=resident.id,
        institution_id=hosp_a.id,
        collected_at=now,
        item_code="HBA1C",
        item_name="糖化血红蛋白",
        value=6.9,
        unit="%",
    )
    _settle(db)
    r = client.get(
        f"{BASE}/persons/{resident.id}/labs/FBG/trend",
        headers=make_headers(READ, data_scope="city"),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["itemName"] == "空腹血糖" and body["unit"] == "mmol/L"
    assert [p["value"] for p in body["points"]] == [5.1, 6.8, 7.9]
    assert [p["institutionName"] for p in body["points"]] == ["甲医院", "乙医院", "甲医院"]
    assert body["points"][0]["referenceHigh"] == 6.1 and body["withheld"] == 0
    (view,) = _views(db, resident.id)
    assert json.loads(view.detail or "{}")["itemCode"] == "FBG"


def test_document_content_and_withheld_placeholder(
    client: TestClient,
    db: Session,
    make_headers: Headers,
    hosp_a: Institution,
    hosp_b: Institution,
    resident: Person,
) -> None:
    now = utcnow()
    f.encounter(
        db, person_id=resident.id, institution_id=hosp_b.id, start_at=now - timedelta(days=3)
    )
    plain = f.document(
        db, person_id=resident.id, institution_id=hosp_a.id, authored_at=now - timedelta(days=30)
    )
    secret = f.document(
        db,
        person_id=resident.id,
        institution_id=hosp_a.id,
        authored_at=now - timedelta(days=20),
        title="心理评估",
        content="评估内容",
        sensitivity="mental",
    )
    from healthnet.modules.records.retrieval.service import set_hidden_categories

    set_hidden_categories(session=db, person_id=resident.id, hidden=["mental"])
    _settle(db)
    h = make_headers(READ, institution_id=hosp_b.id)
    ok = client.get(f"{BASE}/persons/{resident.id}/documents/{plain.id}", headers=h).json()
    assert ok["title"] == "出院小结" and ok["content"] == "患者住院期间病情平稳。"
    withheld = client.get(f"{BASE}/persons/{resident.id}/documents/{secret.id}", headers=h)
    assert withheld.status_code == 200
    body = withheld.json()
    assert body["withheld"] is True and body["content"] is None and body["title"] is None
    assert (
        body["withheldMessage"] == "该记录已按居民意愿隐藏" and body["institutionName"] == "甲医院"
    )
    other = f.person(db, name="赵六")
    _settle(db)
    wrong_person = client.get(
        f"{BASE}/persons/{other.id}/documents/{plain.id}",
        headers=make_headers(READ, data_scope="city"),
    )
    assert wrong_person.status_code == 404


def test_without_permission_403_and_without_relationship_404_that_is_audited(
    client: TestClient,
    db: Session,
    make_headers: Headers,
    hosp_a: Institution,
    hosp_b: Institution,
    resident: Person,
) -> None:
    f.encounter(
        db, person_id=resident.id, institution_id=hosp_a.id, start_at=utcnow() - timedelta(days=3)
    )
    _settle(db)
    url = f"{BASE}/persons/{resident.id}/timeline"
    assert (
        client.get(
            url, headers=make_headers("patients:person:read", institution_id=hosp_b.id)
        ).status_code
        == 403
    )
    r = client.get(url, headers=make_headers(READ, institution_id=hosp_b.id))
    assert r.status_code == 404
    assert r.json()["code"] == "records.no_access" and "紧急调阅" in r.json()["detail"]
    unknown = client.get(
        f"{BASE}/persons/{'f' * 32}/timeline", headers=make_headers(READ, institution_id=hosp_b.id)
    )
    assert (
        unknown.json()["code"] == r.json()["code"]
        and unknown.json()["detail"] == r.json()["detail"]
    )
    (denied,) = _views(db, resident.id)
    assert denied.outcome == "denied"


def test_break_the_glass_opens_the_record_and_lands_on_the_review_list(
    client: TestClient,
    db: Session,
    make_headers: Headers,
    hosp_a: Institution,
    hosp_b: Institution,
    resident: Person,
) -> None:
    f.encounter(
        db, person_id=resident.id, institution_id=hosp_a.id, start_at=utcnow() - timedelta(days=3)
    )
    _settle(db)
    doctor = make_headers(READ, institution_id=hosp_b.id)
    short = client.post(
        f"{BASE}/persons/{resident.id}/break-glass", json={"reason": "急"}, headers=doctor
    )
    assert short.status_code == 422 and short.json()["errors"][0]["field"] == "reason"
    opened = client.post(
        f"{BASE}/persons/{resident.id}/break-glass",
        json={"purpose": "emergency", "reason": REASON},
        headers=doctor,
    )
    assert opened.status_code == 201, opened.text
    grant = opened.json()
    assert grant["breakGlass"] is True and grant["ground"] == "break_glass" and grant["expiresAt"]

    page = client.get(
        f"{BASE}/persons/{resident.id}/timeline", params={"purpose": "emergency"}, headers=doctor
    )
    assert (
        page.status_code == 200 and page.json()["access"]["breakGlassId"] == grant["breakGlassId"]
    )
    (view,) = [v for v in _views(db, resident.id) if v.outcome == "success"]
    assert view.purpose == "EMERGENCY" and json.loads(view.detail or "{}")["breakGlass"] is True

    reviewer = make_headers(REVIEW, data_scope="city")
    assert client.get(f"{BASE}/break-glass", headers=doctor).status_code == 403
    listed = client.get(
        f"{BASE}/break-glass", params={"status": "pending"}, headers=reviewer
    ).json()
    (item,) = [i for i in listed["items"] if i["id"] == grant["breakGlassId"]]
    assert item["reason"] == REASON and item["institutionName"] == "乙医院" and item["views"] == 1
    assert item["personMasterId"] == resident.master_id and item["reviewStatus"] == "pending"

    review = f"{BASE}/break-glass/{item['id']}/review"
    no_note = client.post(review, json={"decision": "question"}, headers=reviewer)
    assert no_note.status_code == 422 and no_note.json()["errors"][0]["field"] == "note"
    done = client.post(
        review, json={"decision": "question", "note": "请补充抢救记录"}, headers=reviewer
    )
    assert done.status_code == 200 and done.json()["reviewStatus"] == "questioned"
    assert client.post(review, json={"decision": "approve"}, headers=reviewer).status_code == 409

    # A reviewer of another institution does not see it.
    other = make_headers(REVIEW, institution_id=hosp_a.id)
    assert all(
        i["id"] != item["id"]
        for i in client.get(f"{BASE}/break-glass", headers=other).json()["items"]
    )


def test_resident_sees_only_their_own_record(
    client: TestClient,
    db: Session,
    make_headers: Headers,
    hosp_a: Institution,
    hosp_b: Institution,
    resident: Person,
) -> None:
    ids = _history(db, resident, hosp_a, hosp_b)
    other = f.person(db, name="赵六")
    other_doc = f.document(db, person_id=other.id, institution_id=hosp_a.id, authored_at=utcnow())
    headers = _resident_headers(db, resident)
    _settle(db)

    mine = client.get(f"{BASE}/me/timeline", headers=headers)
    assert mine.status_code == 200, mine.text
    assert {e["id"] for e in mine.json()["items"]} == {ids["loose"], ids["visit"], ids["stay"]}
    assert mine.json()["access"]["ground"] == "self"
    assert (
        client.get(f"{BASE}/me/documents/{ids['doc']}", headers=headers).json()["title"]
        == "出院小结"
    )
    assert client.get(f"{BASE}/me/documents/{other_doc.id}", headers=headers).status_code == 404
    assert client.get(f"{BASE}/me/labs/FBG/trend", headers=headers).json()["points"]
    # A resident account holds no retrieval permission: other people's records stay closed.
    assert client.get(f"{BASE}/persons/{other.id}/timeline", headers=headers).status_code == 403
    # Staff accounts have no "own record".
    assert client.get(f"{BASE}/me/timeline", headers=make_headers(READ)).status_code == 403
    views = _views(db, resident.id)
    assert len(views) == 3 and {v.purpose for v in views} == {"PATRQT"}


def test_access_log_shows_institution_department_role_and_purpose_not_the_staff_member(
    client: TestClient,
    db: Session,
    make_headers: Headers,
    hosp_a: Institution,
    hosp_b: Institution,
    resident: Person,
) -> None:
    _history(db, resident, hosp_a, hosp_b)
    headers = _resident_headers(db, resident)
    _settle(db)
    client.get(f"{BASE}/me/timeline", headers=headers)  # the resident's own look is not listed
    client.get(
        f"{BASE}/persons/{resident.id}/timeline",
        params={"purpose": "referral"},
        headers=make_headers(READ, institution_id=hosp_b.id),
    )
    client.post(
        f"{BASE}/persons/{resident.id}/break-glass",
        json={"reason": REASON},
        headers=make_headers(READ, institution_id=hosp_b.id),
    )

    r = client.get(f"{BASE}/me/access-log", headers=headers)
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [i["action"] for i in items[:2]] == ["break_glass", "view"]
    emergency, view = items[0], items[1]
    assert emergency["breakGlass"] is True and emergency["purposeLabel"] == "急救"
    assert (
        view["institutionName"] == "乙医院"
        and view["purpose"] == "referral"
        and view["purposeLabel"] == "转诊"
    )
    assert view["actionLabel"] == "调阅健康档案"
    assert "user_" not in r.text and "测试用户" not in r.text  # no staff names
    assert all(i["purpose"] != "self" for i in items)  # the resident's own look is left out

    paged = client.get(f"{BASE}/me/access-log", params={"cursor": "x1"}, headers=headers)
    assert paged.status_code == 422


def test_resident_hides_a_category_from_other_institutions(
    client: TestClient,
    db: Session,
    make_headers: Headers,
    hosp_a: Institution,
    hosp_b: Institution,
    resident: Person,
) -> None:
    now = utcnow()
    f.encounter(
        db,
        person_id=resident.id,
        institution_id=hosp_a.id,
        start_at=now - timedelta(days=30),
        department_name="精神科",
        sensitivity="mental",
    )
    f.encounter(
        db, person_id=resident.id, institution_id=hosp_b.id, start_at=now - timedelta(days=3)
    )
    headers = _resident_headers(db, resident)
    _settle(db)
    settings = client.get(f"{BASE}/me/privacy", headers=headers).json()
    mental = next(c for c in settings["categories"] if c["category"] == "mental")
    assert mental == {"category": "mental", "label": "精神心理", "hidden": False}

    bad = client.put(
        f"{BASE}/me/privacy", json={"hidden": ["mental", "astrology"]}, headers=headers
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "hidden[1]"
    saved = client.put(f"{BASE}/me/privacy", json={"hidden": ["mental"]}, headers=headers)
    assert saved.status_code == 200
    assert [c["category"] for c in saved.json()["categories"] if c["hidden"]] == ["mental"]

    doctor_b = client.get(
        f"{BASE}/persons/{resident.id}/timeline",
        headers=make_headers(READ, institution_id=hosp_b.id),
    )
    assert [e["withheld"] for e in doctor_b.json()["items"]] == [False, True]
    doctor_a = client.get(
        f"{BASE}/persons/{resident.id}/timeline",
        headers=make_headers(READ, institution_id=hosp_a.id),
    )
    assert [e["withheld"] for e in doctor_a.json()["items"]] == [False, False]
    own = client.get(f"{BASE}/me/timeline", headers=headers).json()["items"]
    assert [e["withheld"] for e in own] == [False, False]


def test_lookup_by_identifier_says_whether_a_reason_is_needed(
    client: TestClient, db: Session, make_headers: Headers, hosp_a: Institution, hosp_b: Institution
) -> None:
    person = f.person(
        db, name="孙七", identifiers=[{"type": "medical_insurance_card", "value": "YB778899"}]
    )
    _settle(db)
    body = {"idType": "medical_insurance_card", "idValue": "YB778899"}
    found = client.post(
        f"{BASE}/persons/lookup", json=body, headers=make_headers(READ, institution_id=hosp_b.id)
    )
    assert found.json() == {"found": True, "personId": person.id, "access": "reason_required"}
    f.encounter(db, person_id=person.id, institution_id=hosp_b.id, start_at=utcnow())
    _settle(db)
    again = client.post(
        f"{BASE}/persons/lookup", json=body, headers=make_headers(READ, institution_id=hosp_b.id)
    )
    assert again.json()["access"] == "care"
    missing = client.post(
        f"{BASE}/persons/lookup", json={**body, "idValue": "YB000000"}, headers=make_headers(READ)
    )
    assert missing.json() == {"found": False, "personId": None, "access": None}
    audits = db.scalars(
        select(AuditRecord).where(AuditRecord.action == "records.person.lookup")
    ).all()
    assert len(audits) == 3 and all("YB" not in (a.detail or "") for a in audits)


def test_pending_emergency_accesses_are_a_to_do_for_reviewers(
    client: TestClient,
    db: Session,
    make_headers: Headers,
    hosp_a: Institution,
    hosp_b: Institution,
    resident: Person,
) -> None:
    _settle(db)
    client.post(
        f"{BASE}/persons/{resident.id}/break-glass",
        json={"reason": REASON},
        headers=make_headers(READ, institution_id=hosp_b.id),
    )

    def pending(headers: dict[str, str]) -> int | None:
        items = client.get("/api/v1/home/todos", headers=headers).json()
        return next((i["count"] for i in items if i["key"] == "records.break_glass_pending"), None)

    assert pending(make_headers(REVIEW, institution_id=hosp_b.id)) == 1
    # Another hospital's reviewer has nothing to do (the home page leaves out zero counts).
    assert pending(make_headers(REVIEW, institution_id=hosp_a.id)) is None
    assert pending(make_headers(READ, institution_id=hosp_b.id)) is None  # not a reviewer
