"""System parameters and dictionaries as the console sees them: permissions, Chinese errors,
built-in protection, audit."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from healthnet.core.audit.models import AuditRecord

Headers = Callable[..., dict[str, str]]
BASE = "/api/v1/sysconf"
ALL = ("sysconf:param:read", "sysconf:param:write", "sysconf:dict:read", "sysconf:dict:write")


@pytest.fixture
def admin(make_headers: Headers, builtin: None, db: Session) -> dict[str, str]:
    headers = make_headers(*ALL, data_scope="city")
    db.commit()
    return headers


@pytest.fixture
def nobody(make_headers: Headers, builtin: None, db: Session) -> dict[str, str]:
    """Signed in, without any permission."""
    headers = make_headers()
    db.commit()
    return headers


def test_without_the_permissions_everything_but_the_options_is_refused(
    client: TestClient, nobody: dict[str, str], make_headers: Headers, db: Session
) -> None:
    for method, path, body in [
        ("GET", f"{BASE}/params", None),
        ("GET", f"{BASE}/params/export.max_rows", None),
        ("PATCH", f"{BASE}/params/export.max_rows", {"value": "1"}),
        ("POST", f"{BASE}/params", {"key": "a.b", "name": "甲"}),
        ("DELETE", f"{BASE}/params/export.max_rows", None),
        ("GET", f"{BASE}/dicts", None),
        ("GET", f"{BASE}/dicts/gender", None),
        ("POST", f"{BASE}/dicts", {"code": "abc", "name": "甲"}),
        ("POST", f"{BASE}/dicts/gender/items", {"value": "x", "label": "甲"}),
    ]:
        r = client.request(method, path, json=body, headers=nobody)
        assert r.status_code == 403, (method, path, r.status_code)
        assert r.json()["detail"] == "没有权限执行此操作"
    # Reading is not writing.
    reader = make_headers("sysconf:param:read", "sysconf:dict:read")
    db.commit()
    assert client.get(f"{BASE}/params", headers=reader).status_code == 200
    r = client.patch(f"{BASE}/params/export.max_rows", json={"value": "1"}, headers=reader)
    assert r.status_code == 403


def test_any_signed_in_user_reads_the_options_of_a_select(
    client: TestClient, nobody: dict[str, str]
) -> None:
    assert client.get(f"{BASE}/dicts/gender/items").status_code == 401
    r = client.get(f"{BASE}/dicts/gender/items", headers=nobody)
    assert r.status_code == 200
    assert r.json()[:2] == [
        {"value": "0", "label": "未知的性别", "labelEn": "Unknown", "tagType": "info"},
        {"value": "1", "label": "男性", "labelEn": "Male", "tagType": ""},
    ]
    assert [o["value"] for o in r.json()] == ["0", "1", "2", "9"]
    r = client.get(f"{BASE}/dicts/no_such_dict/items", headers=nobody)
    assert r.status_code == 404 and r.json()["detail"] == "数据字典不存在"


def test_public_parameters_need_no_sign_in(client: TestClient, builtin: None) -> None:
    r = client.get(f"{BASE}/public")
    assert r.status_code == 200
    assert r.json() == {
        "ui.system_name": "上海市城市健康信息网 (HealthNet)",
        "ui.session_warning_minutes": 2,
    }


def test_list_and_change_a_parameter(
    client: TestClient, admin: dict[str, str], db: Session
) -> None:
    listed = client.get(f"{BASE}/params", headers=admin, params={"q": "导出"}).json()
    assert listed["total"] == 1
    assert listed["items"][0] | {"id": "", "createdAt": "", "updatedAt": ""} == {
        "id": "",
        "key": "export.max_rows",
        "value": "10000",
        "valueType": "int",
        "name": "导出最大行数",
        "description": "列表导出为 CSV / Excel 时的最大行数",
        "builtin": True,
        "editable": True,
        "createdAt": "",
        "updatedAt": "",
    }
    r = client.patch(f"{BASE}/params/export.max_rows", json={"value": " 20000 "}, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["value"] == "20000"
    assert client.get(f"{BASE}/params/export.max_rows", headers=admin).json()["value"] == "20000"

    record = db.scalars(
        select(AuditRecord)
        .where(AuditRecord.action == "sysconf.param.update")
        .order_by(AuditRecord.seq.desc())
    ).first()
    assert record is not None and record.resource_id == "export.max_rows"
    assert record.client_ip == "testclient" and record.outcome == "success"
    assert json.loads(record.detail or "{}")["to"] == 20000


@pytest.mark.parametrize(
    ("method", "path", "body", "field", "message"),
    [
        (
            "PATCH",
            "/params/export.max_rows",
            {"value": "很多"},
            "value",
            "“导出最大行数”的值应为整数",
        ),
        ("PATCH", "/params/export.max_rows", {"value": None}, "value", "必填"),
        ("PATCH", "/params/export.max_rows", {"colour": "red"}, "colour", "不允许的字段"),
        (
            "POST",
            "/params",
            {"key": "UI System", "name": "甲"},
            "key",
            "参数键只能由小写字母、数字和下划线组成，各段以字母开头、用点分隔，如 ui.system_name",
        ),
        ("POST", "/params", {"key": "a.b", "name": "甲", "valueType": "float"}, "valueType", None),
        (
            "POST",
            "/dicts",
            {"code": "Blood-Type", "name": "血型"},
            "code",
            "字典编码只能由小写字母、数字和下划线组成，以字母开头",
        ),
        ("POST", "/dicts/gender/items", {"value": "x", "label": ""}, "label", None),
        (
            "POST",
            "/dicts/gender/items",
            {"value": "x", "label": "甲", "tagType": "primary"},
            "tagType",
            None,
        ),
        (
            "POST",
            "/dicts/gender/items",
            {"value": "a b", "label": "甲"},
            "value",
            "字典项值只能包含字母、数字、连字符（-）、下划线（_）和点（.）",
        ),
    ],
)
def test_bad_input_is_422_naming_the_field_in_chinese(
    client: TestClient,
    admin: dict[str, str],
    method: str,
    path: str,
    body: dict[str, object],
    field: str,
    message: str | None,
) -> None:
    r = client.request(method, f"{BASE}{path}", json=body, headers=admin)
    assert r.status_code == 422, r.text
    errors = r.json()["errors"]
    assert [e["field"] for e in errors] == [field]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in errors[0]["message"])
    if message is not None:
        assert errors[0]["message"] == message


def test_builtin_data_is_protected(client: TestClient, admin: dict[str, str]) -> None:
    r = client.delete(f"{BASE}/params/ui.system_name", headers=admin)
    assert r.status_code == 409 and r.json()["detail"] == "内置参数“系统名称”不能删除"
    r = client.patch(f"{BASE}/params/ui.system_name", json={"name": "别名"}, headers=admin)
    assert r.status_code == 422 and r.json()["detail"] == "内置参数只能修改参数值"
    r = client.delete(f"{BASE}/dicts/gender", headers=admin)
    assert r.status_code == 409 and r.json()["detail"] == "内置字典“性别”不能删除或停用"
    r = client.patch(f"{BASE}/dicts/gender", json={"active": False}, headers=admin)
    assert r.status_code == 409
    detail = client.get(f"{BASE}/dicts/gender", headers=admin).json()
    male = next(i for i in detail["items"] if i["value"] == "1")
    r = client.delete(f"{BASE}/dicts/gender/items/{male['id']}", headers=admin)
    assert r.status_code == 409 and r.json()["detail"] == "内置字典项不能删除，可以停用"
    # Relabelled and deactivated instead: the admin page still lists it, selects do not.
    r = client.patch(
        f"{BASE}/dicts/gender/items/{male['id']}",
        json={"label": "男", "active": False},
        headers=admin,
    )
    assert r.status_code == 200 and r.json()["label"] == "男" and r.json()["builtin"] is True
    items = client.get(f"{BASE}/dicts/gender", headers=admin).json()["items"]
    assert {i["value"]: i["active"] for i in items}["1"] is False
    options = client.get(f"{BASE}/dicts/gender/items", headers=admin).json()
    assert "1" not in {o["value"] for o in options}


def test_a_new_dictionary_from_start_to_end(
    client: TestClient, admin: dict[str, str], db: Session
) -> None:
    r = client.post(
        f"{BASE}/dicts",
        json={"code": "blood_type", "name": "ABO 血型", "description": "WS 364.4"},
        headers=admin,
    )
    assert r.status_code == 201, r.text
    assert r.json()["builtin"] is False and r.json()["active"] is True
    r = client.post(f"{BASE}/dicts", json={"code": "blood_type", "name": "再来"}, headers=admin)
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "code"

    ids = {}
    for value, label, sort, tag in (("2", "B 型", 2, "warning"), ("1", "A 型", 1, "success")):
        r = client.post(
            f"{BASE}/dicts/blood_type/items",
            json={"value": value, "label": label, "sort": sort, "tagType": tag},
            headers=admin,
        )
        assert r.status_code == 201, r.text
        ids[value] = r.json()["id"]
    options = client.get(f"{BASE}/dicts/blood_type/items", headers=admin).json()
    assert [(o["value"], o["label"], o["tagType"]) for o in options] == [
        ("1", "A 型", "success"),
        ("2", "B 型", "warning"),
    ]
    listed = client.get(f"{BASE}/dicts", headers=admin, params={"q": "血型"}).json()
    assert [d["code"] for d in listed["items"]] == ["blood_type"]

    # An item id of another dictionary is not found here.
    r = client.delete(f"{BASE}/dicts/gender/items/{ids['1']}", headers=admin)
    assert r.status_code == 404
    assert (
        client.delete(f"{BASE}/dicts/blood_type/items/{ids['2']}", headers=admin).status_code == 204
    )
    assert client.delete(f"{BASE}/dicts/blood_type", headers=admin).status_code == 204
    assert client.get(f"{BASE}/dicts/blood_type", headers=admin).status_code == 404

    actions = db.scalars(
        select(AuditRecord.action)
        .where(AuditRecord.resource_type.startswith("sysconf."))
        .order_by(AuditRecord.seq)
    ).all()
    assert actions == [
        "sysconf.dict.create",
        "sysconf.dict_item.create",
        "sysconf.dict_item.create",
        "sysconf.dict_item.delete",
        "sysconf.dict.delete",
    ]


def test_own_parameters_can_be_added_and_removed(client: TestClient, admin: dict[str, str]) -> None:
    body = {"key": "ui.hotline", "value": "12320", "name": "服务热线", "valueType": "string"}
    r = client.post(f"{BASE}/params", json=body, headers=admin)
    assert r.status_code == 201, r.text
    assert client.get(f"{BASE}/public").json()["ui.hotline"] == "12320"
    assert client.post(f"{BASE}/params", json=body, headers=admin).status_code == 409
    assert client.delete(f"{BASE}/params/ui.hotline", headers=admin).status_code == 204
    assert client.get(f"{BASE}/params/ui.hotline", headers=admin).status_code == 404


def test_the_menu_shows_the_pages_to_whoever_may_open_them(
    client: TestClient, admin: dict[str, str], nobody: dict[str, str]
) -> None:
    def entries(headers: dict[str, str]) -> set[tuple[str, str]]:
        menus = client.get("/api/v1/rbac/menus", headers=headers).json()
        return {(c["path"], c["title"]) for m in menus for c in m["children"]}

    assert {("/system/params", "系统参数"), ("/system/dicts", "数据字典")} <= entries(admin)
    assert not {p for p, _ in entries(nobody) if p.startswith("/system/")}
