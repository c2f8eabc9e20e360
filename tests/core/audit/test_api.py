"""The audit administrator's API: search, read, export, verify — and nothing that edits."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from healthnet.core.audit import service
from healthnet.core.audit.context import AuditContext
from healthnet.core.db import transaction
from tests.core.audit.helpers import write

Headers = Callable[..., dict[str, str]]
BASE = "/api/v1/audit"


def test_search_by_patient_actor_action_and_the_search_is_itself_audited(
    chain_db: Session, client: TestClient, make_headers: Headers
) -> None:
    write(chain_db, 3)
    write(
        chain_db,
        1,
        action="auth.login",
        resource_type="session",
        patient_id=None,
        outcome="failure",
        purpose="ADMIN",
    )
    headers = make_headers("audit:record:read")

    r = client.get(f"{BASE}/records", params={"patientId": "p1"}, headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == 1
    item = body["items"][0]
    assert item["patientId"] == "p1" and item["actorUsername"] == "doctor1"
    assert item["detail"] == {"fields": ["name", "birthDate"], "i": 1}
    assert item["purpose"] == "TREAT" and item["clientIp"] == "10.1.2.3"

    r = client.get(
        f"{BASE}/records", params={"action": "patients.*", "actorId": "u-doctor-1"}, headers=headers
    )
    assert r.json()["total"] == 3
    assert [i["seq"] for i in r.json()["items"]] == [3, 2, 1]  # newest first
    r = client.get(f"{BASE}/records", params={"outcome": "failure"}, headers=headers)
    assert [i["action"] for i in r.json()["items"]] == ["auth.login"]
    r = client.get(
        f"{BASE}/records", params={"occurredFrom": "2999-01-01T00:00:00"}, headers=headers
    )
    assert r.json()["total"] == 0

    # Every search above left its own record, naming the auditor and the filters.
    r = client.get(f"{BASE}/records", params={"action": "audit.search"}, headers=headers)
    searches = r.json()["items"]
    assert len(searches) == 4
    assert searches[-1]["purpose"] == "AUDIT"
    assert searches[-1]["detail"] == {"patientId": "p1", "results": 1}
    assert searches[-1]["actorUsername"].startswith("user_")


def test_bad_filters_are_422_in_chinese_naming_the_field(
    chain_db: Session, client: TestClient, make_headers: Headers
) -> None:
    headers = make_headers("audit:record:read")
    r = client.get(f"{BASE}/records", params={"action": "DROP TABLE"}, headers=headers)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "action"
    assert "操作代码格式不正确" in r.json()["detail"]
    r = client.get(
        f"{BASE}/records",
        headers=headers,
        params={"occurredFrom": "2025-02-01", "occurredTo": "2025-01-01"},
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "occurredTo"
    r = client.get(f"{BASE}/records", params={"outcome": "maybe"}, headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "outcome"


def test_get_one_record_and_unknown_is_404(
    chain_db: Session, client: TestClient, make_headers: Headers
) -> None:
    write(chain_db, 2)
    headers = make_headers("audit:record:read")
    r = client.get(f"{BASE}/records/2", headers=headers)
    assert r.status_code == 200 and r.json()["seq"] == 2
    r = client.get(f"{BASE}/records/999", headers=headers)
    assert r.status_code == 404 and r.json()["detail"] == "审计记录不存在"


@pytest.mark.parametrize("permission", [None, "patients:person:read", "auth:user:write"])
def test_without_the_audit_permissions_everything_is_refused(
    chain_db: Session, client: TestClient, make_headers: Headers, permission: str | None
) -> None:
    headers = make_headers(permission) if permission else {}
    expected = 403 if permission else 401
    for method, path in [
        ("GET", "/records"),
        ("GET", "/records/1"),
        ("GET", "/export"),
        ("GET", "/chain"),
        ("POST", "/chain/verify"),
        ("GET", "/checkpoints"),
        ("GET", "/signing-keys"),
    ]:
        r = client.request(method, BASE + path, headers=headers)
        assert r.status_code == expected, (path, r.text)


def test_read_permission_does_not_allow_export(
    chain_db: Session, client: TestClient, make_headers: Headers
) -> None:
    r = client.get(f"{BASE}/export", headers=make_headers("audit:record:read"))
    assert r.status_code == 403


def test_no_route_changes_or_deletes_audit_records(client: TestClient) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    audit = {p: set(ops) for p, ops in paths.items() if p.startswith(BASE)}
    assert f"{BASE}/records" in audit
    for path, methods in audit.items():
        writes = methods - {"get", "head"}
        assert not writes or (path == f"{BASE}/chain/verify" and writes == {"post"}), (
            path,
            methods,
        )


def test_export_csv_with_chinese_headers_and_no_formula_injection(
    chain_db: Session, client: TestClient, make_headers: Headers
) -> None:
    write(chain_db, 2)
    write(
        chain_db,
        1,
        request=AuditContext(client_ip="1.2.3.4", user_agent='=HYPERLINK("http://evil")'),
    )
    headers = make_headers("audit:record:export", "audit:record:read")
    r = client.get(f"{BASE}/export", params={"format": "csv"}, headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    assert r.content.startswith(b"\xef\xbb\xbf")
    lines = r.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("序号,时间（北京时间）,用户名")
    assert len(lines) == 4
    assert ",诊疗,成功," in lines[1]
    assert "'=HYPERLINK" in lines[3]

    r = client.get(f"{BASE}/records", params={"action": "audit.export"}, headers=headers)
    assert r.json()["items"][0]["detail"]["format"] == "csv"


def test_export_excel(chain_db: Session, client: TestClient, make_headers: Headers) -> None:
    write(chain_db, 3)
    r = client.get(
        f"{BASE}/export",
        params={"action": "patients.*"},
        headers=make_headers("audit:record:export"),
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("序号", "时间（北京时间）", "用户名")
    assert [row[0] for row in rows[1:]] == [1, 2, 3]


def test_export_is_capped(
    chain_db: Session, client: TestClient, make_headers: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(chain_db, 3)
    monkeypatch.setattr(service, "EXPORT_MAX_ROWS", 2)
    r = client.get(f"{BASE}/export", headers=make_headers("audit:record:export"))
    assert r.status_code == 422
    assert r.json()["code"] == "audit.export_too_large"
    assert "请缩小时间范围" in r.json()["detail"]


def test_when_the_audit_cannot_be_written_the_request_fails_with_503(
    chain_db: Session, client: TestClient, make_headers: Headers
) -> None:
    write(chain_db, 2)
    headers = make_headers("audit:record:read")
    chain_db.execute(text("UPDATE audit_chain_head SET last_seq = 1"))
    r = client.get(f"{BASE}/records", headers=headers)
    assert r.status_code == 503
    assert r.json()["code"] == "audit.unavailable"
    assert "审计日志暂时无法写入" in r.json()["detail"]


def test_checkpoints_and_public_keys_for_offline_verification(
    chain_db: Session, client: TestClient, make_headers: Headers
) -> None:
    write(chain_db, 2)
    service.checkpoint(session=chain_db)
    headers = make_headers("audit:chain:verify")
    r = client.get(f"{BASE}/checkpoints", headers=headers)
    assert r.status_code == 200 and r.json()["total"] == 1
    cp = r.json()["items"][0]
    assert cp["seq"] == 2
    keys = client.get(f"{BASE}/signing-keys", headers=headers).json()
    assert keys[0]["fingerprint"] == cp["signerFingerprint"]
    assert keys[0]["publicKeyPem"].startswith("-----BEGIN PUBLIC KEY-----")


@pytest.fixture
def committed_chain(clean_chain: None, engine: Engine) -> Iterator[None]:
    """Committed records (the verify run reads through its own snapshot)."""
    with transaction() as session:
        write(session, 4)
        service.checkpoint(session=session)
    yield


def test_verify_through_the_api_and_see_the_status(
    committed_chain: None, client: TestClient, make_headers: Headers
) -> None:
    headers = make_headers("audit:chain:verify")
    assert client.get(f"{BASE}/chain", headers=headers).json()["lastVerification"] is None
    r = client.post(f"{BASE}/chain/verify", headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["ok"] is True
    assert r.json()["recordsChecked"] == 4 and r.json()["checkpointsChecked"] == 1

    status = client.get(f"{BASE}/chain", headers=headers).json()
    assert status["lastVerification"]["ok"] is True
    assert status["lastCheckpointSeq"] == 4 and status["liveRecords"] == 5  # + the verify run


@pytest.fixture
def tampered_chain(committed_chain: None, engine: Engine) -> None:
    # Before the test's own transaction starts writing (SQLite has one writer at a time).
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_record SET actor_username = 'ghost' WHERE seq = 2"))


def test_verify_through_the_api_names_the_altered_record(
    tampered_chain: None, client: TestClient, make_headers: Headers
) -> None:
    headers = make_headers("audit:chain:verify")
    r = client.post(f"{BASE}/chain/verify", headers=headers)
    assert r.status_code == 200
    body = r.json()
    assert body["ok"] is False
    assert body["problems"][0]["kind"] == "altered" and body["problems"][0]["seq"] == 2
    assert "第 2 条记录被篡改" in body["problems"][0]["message"]
