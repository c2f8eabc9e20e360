"""The patient-index API as a hospital system or a reviewer uses it."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from healthnet.core.audit.models import AuditRecord

from .conftest import id_number

Headers = Callable[..., dict[str, str]]
BASE = "/api/v1/patients"
ID_A = id_number(date(1985, 6, 15), 123)
READ, WRITE, MERGE = "patients:person:read", "patients:person:write", "patients:person:merge"
FULL = "patients:identifier:read_full"


@pytest.fixture
def make_headers(make_headers: Headers) -> Headers:
    """City-wide users: these tests are about the patient index (one user registers, another
    reads); data scope is tested in tests/core/rbac."""
    return functools.partial(make_headers, data_scope="city")


def _register(client: TestClient, headers: dict[str, str], **body: Any) -> Any:
    return client.post(f"{BASE}/persons", json={"name": "张三", **body}, headers=headers)


def test_register_masks_the_id_number_and_forbids_caching(
    client: TestClient, make_headers: Headers
) -> None:
    r = _register(
        client,
        make_headers(WRITE),
        phone="13812345678",
        identifiers=[{"type": "resident_id_card", "value": ID_A}],
    )
    assert r.status_code == 201, r.text
    assert r.headers["cache-control"] == "no-store"
    body = r.json()
    assert body["created"] is True
    person = body["person"]
    assert person["birthDate"] == "1985-06-15" and person["sexCode"] == "1"
    (card,) = person["identifiers"]
    assert card["value"] == ID_A[:3] + "*" * 11 + ID_A[-4:]
    assert card["masked"] is True
    assert ID_A not in r.text

    full = client.get(f"{BASE}/persons/{person['id']}", headers=make_headers(READ, FULL))
    assert full.status_code == 200
    assert full.json()["identifiers"][0]["value"] == ID_A
    assert full.headers["cache-control"] == "no-store"


def test_registering_a_known_identifier_returns_200_and_the_same_person(
    client: TestClient, make_headers: Headers
) -> None:
    headers = make_headers(WRITE)
    first = _register(client, headers, identifiers=[{"type": "resident_id_card", "value": ID_A}])
    second = _register(
        client,
        headers,
        identifiers=[
            {"type": "resident_id_card", "value": ID_A.lower()},
            {"type": "medical_insurance_card", "value": "YB123456"},
        ],
    )
    assert second.status_code == 200
    assert second.json()["created"] is False
    assert second.json()["person"]["id"] == first.json()["person"]["id"]
    assert len(second.json()["person"]["identifiers"]) == 2


def test_permissions_are_enforced(client: TestClient, make_headers: Headers) -> None:
    assert _register(client, {}).status_code == 401
    assert _register(client, make_headers(READ)).status_code == 403
    nobody = make_headers()
    assert (
        client.post(
            f"{BASE}/persons/search",
            json={"idType": "resident_id_card", "idValue": ID_A},
            headers=nobody,
        ).status_code
        == 403
    )
    assert client.get(f"{BASE}/candidates", headers=make_headers(READ)).status_code == 403
    r = client.post(
        f"{BASE}/merges",
        json={"survivorId": "a", "mergedId": "b", "reason": "x"},
        headers=make_headers(READ, WRITE),
    )
    assert r.status_code == 403
    assert r.json()["detail"] == "没有权限执行此操作"


def test_malformed_id_number_is_422_in_chinese_naming_the_field(
    client: TestClient, make_headers: Headers
) -> None:
    bad = ID_A[:17] + ("0" if ID_A[17] != "0" else "1")
    r = _register(
        client, make_headers(WRITE), identifiers=[{"type": "resident_id_card", "value": bad}]
    )
    assert r.status_code == 422
    (error,) = r.json()["errors"]
    assert error["field"] == "identifiers[0].value"
    assert error["code"] == "patients.id_number_checksum"
    assert error["message"] == "公民身份号码校验码（第 18 位）不正确，请核对证件"
    assert "identifiers[0].value" in r.json()["detail"]


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        (
            {"identifiers": [{"type": "resident_id_card", "value": "310104199902301234"}]},
            "identifiers[0].value",
            "patients.id_number_birth_date",
        ),
        (
            {
                "identifiers": [
                    {"type": "resident_id_card", "value": id_number(date(2099, 1, 1), 11)}
                ]
            },
            "identifiers[0].value",
            "patients.id_number_birth_future",
        ),
        (
            {
                "birthDate": "1985-06-16",
                "identifiers": [{"type": "resident_id_card", "value": ID_A}],
            },
            "birthDate",
            "patients.birth_date_mismatch",
        ),
        (
            {"sexCode": "2", "identifiers": [{"type": "resident_id_card", "value": ID_A}]},
            "sexCode",
            "patients.sex_mismatch",
        ),
        ({"birthDate": "2999-01-01"}, "birthDate", "patients.birth_date_future"),
        ({"phone": "12345"}, "phone", "patients.phone_invalid"),
        (
            {"identifiers": [{"type": "passport", "value": "E12345678"}]},
            "identifiers[0].issuer",
            "patients.issuer_country_required",
        ),
        (
            {"identifiers": [{"type": "library_card", "value": "1"}]},
            "identifiers[0].type",
            "field.enum",
        ),
    ],
)
def test_bad_registrations_name_the_field(
    client: TestClient, make_headers: Headers, body: dict[str, Any], field: str, code: str
) -> None:
    r = _register(client, make_headers(WRITE), **body)
    assert r.status_code == 422, r.text
    errors = {e["field"]: e for e in r.json()["errors"]}
    assert errors[field]["code"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in errors[field]["message"])


def test_search_by_identifier_and_by_name_in_the_body(
    client: TestClient, make_headers: Headers
) -> None:
    created = _register(
        client,
        make_headers(WRITE),
        name="李雷",
        identifiers=[{"type": "resident_id_card", "value": ID_A}],
    ).json()
    headers = make_headers(READ)
    r = client.post(
        f"{BASE}/persons/search",
        headers=headers,
        json={"idType": "resident_id_card", "idValue": ID_A},
    )
    assert r.status_code == 200
    assert [p["id"] for p in r.json()["items"]] == [created["person"]["id"]]
    assert r.headers["cache-control"] == "no-store"
    r = client.post(
        f"{BASE}/persons/search", headers=headers, json={"name": "李雷", "birthDate": "1985-06-15"}
    )
    assert r.json()["total"] == 1
    r = client.post(f"{BASE}/persons/search", headers=headers, json={"name": "李雷"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["message"] == "请提供证件类型和证件号码，或姓名和出生日期"
    r = client.post(
        f"{BASE}/persons/search",
        headers=headers,
        json={"idType": "resident_id_card", "idValue": "123"},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "idValue"


def test_review_merge_unmerge_and_history_through_the_api(
    client: TestClient, make_headers: Headers
) -> None:
    writer = make_headers(WRITE)
    a = _register(
        client,
        writer,
        name="韩梅梅",
        birthDate="1990-02-02",
        sexCode="2",
        identifiers=[{"type": "medical_insurance_card", "value": "YB000111"}],
    ).json()
    b = _register(
        client,
        writer,
        name="韩梅梅",
        birthDate="1990-02-02",
        sexCode="2",
        identifiers=[{"type": "shanghai_self_pay_card", "value": "ZF000222"}],
    ).json()
    assert b["reviewCandidates"] == 1
    reviewer = make_headers(READ, MERGE)
    r = client.get(f"{BASE}/candidates", headers=reviewer)
    assert r.status_code == 200
    (candidate,) = r.json()["items"]
    assert candidate["band"] == "possible_match" and candidate["score"] == 0.75
    assert {candidate["personA"]["id"], candidate["personB"]["id"]} == {
        a["person"]["id"],
        b["person"]["id"],
    }

    r = client.post(
        f"{BASE}/merges",
        headers=reviewer,
        json={"survivorId": a["person"]["id"], "mergedId": b["person"]["id"], "reason": "同一人"},
    )
    assert r.status_code == 201, r.text
    merge_event = r.json()
    assert merge_event["kind"] == "merge"
    assert [i["type"] for i in merge_event["identifiers"]] == ["shanghai_self_pay_card"]
    r = client.post(
        f"{BASE}/persons/search",
        headers=reviewer,
        json={"idType": "shanghai_self_pay_card", "idValue": "ZF000222"},
    )
    assert r.json()["items"][0]["id"] == a["person"]["id"]
    merged = client.get(f"{BASE}/persons/{b['person']['id']}", headers=reviewer).json()
    assert merged["status"] == "merged" and merged["mergedIntoId"] == a["person"]["id"]
    assert client.get(f"{BASE}/candidates", headers=reviewer).json()["total"] == 0

    r = client.post(
        f"{BASE}/merges/{merge_event['id']}/unmerge", headers=reviewer, json={"reason": "误合并"}
    )
    assert r.status_code == 201
    assert r.json()["undoesId"] == merge_event["id"]
    r = client.post(
        f"{BASE}/merges/{merge_event['id']}/unmerge", headers=reviewer, json={"reason": "再次"}
    )
    assert r.status_code == 409
    assert r.json()["detail"] == "该合并已被撤销"
    restored = client.get(f"{BASE}/persons/{b['person']['id']}", headers=reviewer).json()
    assert restored["status"] == "active"
    assert [i["type"] for i in restored["identifiers"]] == ["shanghai_self_pay_card"]

    r = client.get(f"{BASE}/persons/{b['person']['id']}/history", headers=reviewer)
    assert [e["kind"] for e in r.json()] == ["register", "identifier_link", "merge", "unmerge"]
    assert r.json()[2]["reason"] == "同一人"
    assert r.headers["cache-control"] == "no-store"


def test_dismiss_patch_add_and_unlink(client: TestClient, make_headers: Headers) -> None:
    writer, reviewer = make_headers(WRITE, READ), make_headers(MERGE)
    a = _register(client, writer, name="魏华", birthDate="1977-07-07", phone="13500001111").json()
    _register(client, writer, name="魏华", birthDate="1977-07-07")
    (candidate,) = client.get(f"{BASE}/candidates", headers=reviewer).json()["items"]
    r = client.post(
        f"{BASE}/candidates/{candidate['id']}/dismiss", headers=reviewer, json={"note": "不同的人"}
    )
    assert r.status_code == 200 and r.json()["status"] == "dismissed"
    assert r.json()["reviewedBy"] is not None

    pid = a["person"]["id"]
    r = client.patch(
        f"{BASE}/persons/{pid}", headers=writer, json={"address": "上海市黄浦区", "phone": None}
    )
    assert r.status_code == 200
    assert r.json()["address"] == "上海市黄浦区" and r.json()["phone"] is None
    r = client.patch(f"{BASE}/persons/{pid}", headers=writer, json={"name": None})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "name"

    r = client.post(
        f"{BASE}/persons/{pid}/identifiers",
        headers=writer,
        json={"type": "passport", "value": "e7654321", "issuer": "chn"},
    )
    assert r.status_code == 201
    assert r.json()["value"] == "E*****21" and r.json()["issuer"] == "CHN"
    r = client.post(
        f"{BASE}/persons/{pid}/identifiers/{r.json()['id']}/unlink",
        headers=writer,
        json={"reason": "录入错误"},
    )
    assert r.status_code == 200 and r.json()["active"] is False
    assert client.get(f"{BASE}/persons/nope", headers=writer).status_code == 404


def _audit_rows(db: Session, action: str) -> list[AuditRecord]:
    return list(db.scalars(select(AuditRecord).where(AuditRecord.action == action)))


def test_reading_a_person_writes_an_audit_record_naming_reader_patient_and_purpose(
    client: TestClient, make_headers: Headers, db: Session
) -> None:
    r = _register(
        client, make_headers(WRITE), identifiers=[{"type": "resident_id_card", "value": ID_A}]
    )
    person_id = r.json()["person"]["id"]
    (registered,) = _audit_rows(db, "patients.person.register")
    assert registered.patient_id == person_id

    reader = make_headers(READ)
    me = client.get("/api/v1/auth/me", headers=reader).json()
    assert client.get(f"{BASE}/persons/{person_id}", headers=reader).status_code == 200

    (read,) = _audit_rows(db, "patients.person.read")
    assert read.actor_id == me["id"]
    assert read.patient_id == person_id
    assert read.purpose == "TREAT" and read.outcome == "success"
    assert read.resource_type == "patients.person"


def test_a_search_writes_one_audit_record_without_the_searched_values(
    client: TestClient, make_headers: Headers, db: Session
) -> None:
    person_id = _register(
        client, make_headers(WRITE), identifiers=[{"type": "resident_id_card", "value": ID_A}]
    ).json()["person"]["id"]
    reader = make_headers(READ)
    by_id = client.post(
        f"{BASE}/persons/search",
        json={"idType": "resident_id_card", "idValue": ID_A},
        headers=reader,
    )
    assert by_id.json()["total"] == 1
    by_name = client.post(
        f"{BASE}/persons/search",
        json={"name": "张三", "birthDate": "1985-06-15"},
        headers=reader,
    )
    assert by_name.status_code == 200, by_name.text

    rows = _audit_rows(db, "patients.person.search")
    assert len(rows) == 2
    for row in rows:
        assert row.resource_id is None
        text = " ".join(str(v) for v in vars(row).values())
        assert ID_A not in text and ID_A[-6:] not in text and "张三" not in text
    first, second = sorted(rows, key=lambda row: row.seq)
    assert json.loads(first.detail or "{}") == {
        "by": "identifier",
        "idType": "resident_id_card",
        "results": 1,
    }
    assert first.patient_id == person_id
    assert json.loads(second.detail or "{}")["results"] == 1
