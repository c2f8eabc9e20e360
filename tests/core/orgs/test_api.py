"""The organisations API as a client sees it: JSON in camelCase, Chinese errors, permissions."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from healthnet.core.audit.models import AuditRecord
from healthnet.core.orgs.models import Institution

Headers = Callable[..., dict[str, str]]
Settle = Callable[[], None]
BASE = "/api/v1/orgs"
READ, WRITE, DEPT = "orgs:institution:read", "orgs:institution:write", "orgs:department:write"

ZHONGSHAN = {
    "code": "4250227",
    "name": "复旦大学附属中山医院",
    "shortName": "中山医院",
    "kind": "tertiary_hospital",
    "level": "3A",
    "districtCode": "310104",
    "address": "徐汇区枫林路180号",
    "longitude": 121.455,
    "latitude": 31.197,
    "beds": 2005,
    "creditCode": "91350100M000100Y43",
    "phone": "021-64041990",
}


@pytest.fixture
def admin(make_headers: Headers, settle: Settle, districts: None) -> dict[str, str]:
    # City-wide: these tests are about institutions, not data scope (tests/core/rbac).
    headers = make_headers(READ, WRITE, DEPT, data_scope="city")
    settle()
    return headers


def _create(client: TestClient, headers: dict[str, str], **overrides: object) -> dict[str, object]:
    r = client.post(f"{BASE}/institutions", json={**ZHONGSHAN, **overrides}, headers=headers)
    assert r.status_code == 201, r.text
    body: dict[str, object] = r.json()
    return body


def test_districts_need_only_a_login(
    client: TestClient, make_headers: Headers, settle: Settle, districts: None
) -> None:
    headers = make_headers()
    settle()
    assert client.get(f"{BASE}/districts").status_code == 401
    r = client.get(f"{BASE}/districts", headers=headers)
    assert r.status_code == 200
    rows = r.json()
    assert len(rows) == 16
    assert rows[0] == {
        "code": "310101",
        "name": "黄浦区",
        "nameEn": "Huangpu",
        "longitude": 121.484,
        "latitude": 31.232,
    }


def test_create_read_update_deactivate(client: TestClient, admin: dict[str, str]) -> None:
    created = _create(client, admin)
    assert created["districtName"] == "徐汇区"
    assert created["kindLabel"] == "三级医院" and created["levelLabel"] == "三级甲等"
    assert created["isActive"] is True
    url = f"{BASE}/institutions/{created['id']}"

    got = client.get(url, headers=admin).json()
    assert got["creditCode"] == "91350100M000100Y43" and got["beds"] == 2005

    r = client.patch(url, json={"beds": 2300, "phone": None}, headers=admin)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["beds"], body["phone"], body["name"]) == (2300, None, ZHONGSHAN["name"])

    r = client.post(f"{url}/deactivate", headers=admin)
    assert r.status_code == 200 and r.json()["isActive"] is False
    listed = client.get(f"{BASE}/institutions", params={"active": "true"}, headers=admin).json()
    assert listed["total"] == 0
    r = client.post(f"{url}/reactivate", headers=admin)
    assert r.json()["isActive"] is True
    assert (
        client.get(f"{BASE}/institutions", params={"active": "true"}, headers=admin).json()["total"]
        == 1
    )


def test_wrong_credit_code_checksum_names_the_field(
    client: TestClient, admin: dict[str, str], db: Session
) -> None:
    r = client.post(
        f"{BASE}/institutions",
        json={**ZHONGSHAN, "creditCode": "91350100M000100Y44"},
        headers=admin,
    )
    assert r.status_code == 422
    errors = {e["field"]: e for e in r.json()["errors"]}
    assert errors["creditCode"]["code"] == "orgs.credit_code_checksum"
    assert "校验位错误" in errors["creditCode"]["message"]
    assert "creditCode" in r.json()["detail"]
    assert db.query(Institution).count() == 0


@pytest.mark.parametrize(
    ("patch", "field", "code"),
    [
        ({"longitude": 116.4}, "longitude", "orgs.longitude_out_of_range"),  # Beijing
        ({"latitude": 121.4}, "latitude", "orgs.latitude_out_of_range"),  # swapped
        ({"beds": -1}, "beds", "field.greater_than_equal"),
        ({"kind": "clinic"}, "kind", "field.enum"),
        ({"level": "三甲"}, "level", "field.enum"),
        ({"districtCode": "3101"}, "districtCode", "field.string_pattern_mismatch"),
        ({"districtCode": "110101"}, "districtCode", "orgs.district_unknown"),  # Beijing 东城区
        ({"code": "有 空格"}, "code", "orgs.code_invalid"),
        ({"phone": "call me"}, "phone", "orgs.phone_invalid"),
        ({"creditCode": "9135010OM000100Y43"}, "creditCode", "orgs.credit_code_chars"),
        ({"colour": "red"}, "colour", "field.extra_forbidden"),
    ],
)
def test_bad_input_is_422_in_chinese(
    client: TestClient, admin: dict[str, str], patch: dict[str, object], field: str, code: str
) -> None:
    r = client.post(f"{BASE}/institutions", json={**ZHONGSHAN, **patch}, headers=admin)
    assert r.status_code == 422, r.text
    errors = {e["field"]: e for e in r.json()["errors"]}
    assert errors[field]["code"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in errors[field]["message"])


def test_patch_refuses_null_for_required_fields(client: TestClient, admin: dict[str, str]) -> None:
    created = _create(client, admin)
    r = client.patch(f"{BASE}/institutions/{created['id']}", json={"name": None}, headers=admin)
    assert r.status_code == 422
    assert r.json()["errors"][0] == {
        "field": "name",
        "code": "orgs.not_null",
        "message": "不能为空",
    }


def test_duplicate_code_is_409(client: TestClient, admin: dict[str, str]) -> None:
    _create(client, admin)
    r = client.post(f"{BASE}/institutions", json=ZHONGSHAN, headers=admin)
    assert r.status_code == 409
    assert r.json()["detail"] == "机构代码 4250227 已被其他机构使用"


def test_unknown_institution_is_404(client: TestClient, admin: dict[str, str]) -> None:
    r = client.get(f"{BASE}/institutions/0123456789abcdef", headers=admin)
    assert r.status_code == 404
    assert r.json()["detail"] == "机构不存在"


def test_list_filters_page_and_sort(client: TestClient, admin: dict[str, str]) -> None:
    for i, (district, kind, beds) in enumerate(
        [
            ("310104", "tertiary_hospital", 900),
            ("310104", "cdc", None),
            ("310115", "tertiary_hospital", 1500),
            ("310115", "community_health_centre", 40),
        ]
    ):
        _create(
            client,
            admin,
            code=f"L{i}",
            name=f"机构{i}",
            districtCode=district,
            kind=kind,
            beds=beds,
            creditCode=None,
        )
    r = client.get(
        f"{BASE}/institutions", headers=admin, params={"kind": "tertiary_hospital", "sort": "-beds"}
    )
    assert [i["code"] for i in r.json()["items"]] == ["L2", "L0"]
    r = client.get(
        f"{BASE}/institutions", headers=admin, params={"districtCode": "310115", "name": "机构3"}
    )
    assert [i["code"] for i in r.json()["items"]] == ["L3"]
    r = client.get(f"{BASE}/institutions", headers=admin, params={"pageSize": 3, "page": 2})
    body = r.json()
    assert (body["total"], body["page"], body["pageSize"]) == (4, 2, 3)
    assert [i["code"] for i in body["items"]] == ["L3"]
    r = client.get(f"{BASE}/institutions", headers=admin, params={"sort": "colour"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "sort"
    r = client.get(f"{BASE}/institutions", headers=admin, params={"colour": "red"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "colour"


def test_permissions(
    client: TestClient, make_headers: Headers, settle: Settle, districts: None
) -> None:
    nobody = make_headers()
    reader = make_headers(READ)
    writer = make_headers(READ, WRITE)
    settle()
    assert client.get(f"{BASE}/institutions").status_code == 401
    assert client.get(f"{BASE}/institutions", headers=nobody).status_code == 403
    assert client.get(f"{BASE}/institutions", headers=reader).status_code == 200
    r = client.post(f"{BASE}/institutions", json=ZHONGSHAN, headers=reader)
    assert r.status_code == 403
    assert r.json()["detail"] == "没有权限执行此操作"
    r = client.post(
        f"{BASE}/institutions/import",
        content=b"code\n",
        headers={**reader, "content-type": "text/csv"},
    )
    assert r.status_code == 403
    # Managing institutions does not include managing their departments.
    inst = _create(client, writer)
    r = client.post(
        f"{BASE}/institutions/{inst['id']}/departments",
        json={"code": "03", "name": "内科"},
        headers=writer,
    )
    assert r.status_code == 403


def test_departments(client: TestClient, admin: dict[str, str]) -> None:
    inst = _create(client, admin)
    url = f"{BASE}/institutions/{inst['id']}/departments"
    r = client.post(url, json={"code": "0301", "name": "心内科", "category": "03"}, headers=admin)
    assert r.status_code == 201, r.text
    dept = r.json()
    assert dept["categoryName"] == "内科" and dept["isActive"] is True
    assert (
        client.post(url, json={"code": "0301", "name": "又一个"}, headers=admin).status_code == 409
    )
    r = client.post(url, json={"code": "x", "name": "x", "category": "99"}, headers=admin)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "category"

    r = client.patch(f"{url}/{dept['id']}", json={"name": "心血管内科"}, headers=admin)
    assert r.json()["name"] == "心血管内科" and r.json()["code"] == "0301"
    assert client.get(url, headers=admin).json()["items"][0]["name"] == "心血管内科"
    assert client.delete(f"{url}/{dept['id']}", headers=admin).status_code == 204
    assert client.get(f"{url}/{dept['id']}", headers=admin).status_code == 404


HEADER = "机构代码,机构名称,机构类别,医院等级,所在区,床位数,统一社会信用代码\n"


def test_import_text_csv(client: TestClient, admin: dict[str, str]) -> None:
    content = HEADER + "I1,甲医院,三级医院,三甲,黄浦区,100,\nI2,乙中心,cdc,,310101,,\n"
    r = client.post(
        f"{BASE}/institutions/import",
        content=content.encode(),
        headers={**admin, "content-type": "text/csv"},
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"created": 2, "updated": 0, "unchanged": 0, "total": 2}
    listed = client.get(f"{BASE}/institutions", headers=admin).json()
    assert [i["name"] for i in listed["items"]] == ["甲医院", "乙中心"]


def test_import_multipart_gbk_with_bad_rows(client: TestClient, admin: dict[str, str]) -> None:
    content = (
        HEADER
        + "I1,甲医院,三级医院,三甲,黄浦区,100,\n"
        + "I2,乙医院,三级医院,三甲,火星区,100,\n"
        + "I3,丙医院,三级医院,三甲,黄浦区,100,91350100M000100Y44\n"
    ).encode("gbk")
    r = client.post(
        f"{BASE}/institutions/import",
        headers=admin,
        files={"file": ("机构.csv", content, "text/csv")},
    )
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "orgs.import_rejected"
    assert body["detail"] == "导入未执行：文件中有 2 处错误，数据未做任何修改"
    assert [(e["line"], e["field"], e["column"]) for e in body["errors"]] == [
        (3, "districtCode", "所在区"),
        (4, "creditCode", "统一社会信用代码"),
    ]
    assert "火星区" in body["errors"][0]["message"]
    assert client.get(f"{BASE}/institutions", headers=admin).json()["total"] == 0

    good = content.replace("火星区".encode("gbk"), "黄浦区".encode("gbk")).replace(b"Y44", b"Y43")
    r = client.post(
        f"{BASE}/institutions/import", headers=admin, files={"file": ("机构.csv", good, "text/csv")}
    )
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 3


def test_import_without_a_file(client: TestClient, admin: dict[str, str]) -> None:
    r = client.post(f"{BASE}/institutions/import", headers=admin, data={"other": "x"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "file"


def test_import_template(client: TestClient, admin: dict[str, str]) -> None:
    r = client.get(f"{BASE}/institutions/import-template", headers=admin)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith("\ufeff机构代码,机构名称".encode())


def test_institution_changes_write_admin_audit_records(
    client: TestClient, admin: dict[str, str], db: Session
) -> None:
    me = client.get("/api/v1/auth/me", headers=admin).json()
    inst = _create(client, admin)
    r = client.post(f"/api/v1/orgs/institutions/{inst['id']}/deactivate", headers=admin)
    assert r.status_code == 200, r.text

    rows = db.scalars(
        select(AuditRecord).where(AuditRecord.resource_id == inst["id"]).order_by(AuditRecord.seq)
    ).all()
    assert [row.action for row in rows] == [
        "orgs.institution.create",
        "orgs.institution.deactivate",
    ]
    assert {(row.actor_id, row.purpose, row.outcome) for row in rows} == {
        (me["id"], "ADMIN", "success")
    }
