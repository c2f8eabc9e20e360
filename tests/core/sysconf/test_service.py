"""System parameters and dictionaries: built-in data, typed values, protection, audit."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from healthnet.core.audit.models import AuditRecord
from healthnet.core.errors import Conflict, RuleViolation, ValidationFailed
from healthnet.core.orgs.enums import InstitutionKind
from healthnet.core.rbac import service as rbac
from healthnet.core.rbac.actor import Actor
from healthnet.core.sysconf import service
from healthnet.core.sysconf.models import DictItem, Parameter
from healthnet.core.sysconf.schemas import (
    DictItemCreate,
    DictItemUpdate,
    DictTypeCreate,
    DictTypeUpdate,
    ParameterCreate,
    ParameterUpdate,
)

ADMIN = Actor("u-admin", "sysadmin", None, None, frozenset())


def _options(db: Session, code: str) -> list[tuple[str, str]]:
    return [(i.value, i.label) for i in service.dict_options(session=db, code=code)]


def test_builtin_data_is_loaded_once(db: Session) -> None:
    first = service.load_builtin(session=db)
    assert first.created > 0
    again = service.load_builtin(session=db)
    assert (again.created, again.updated) == (0, 0)

    assert service.get_value(session=db, key="ui.system_name") == "上海市城市健康信息网 (HealthNet)"
    assert service.get_value(session=db, key="ui.session_warning_minutes") == 2
    assert service.get_value(session=db, key="export.max_rows") == 10000
    assert service.get_value(session=db, key="no.such", default="x") == "x"
    # GB/T 2261.1-2003 人的性别代码, in the standard's order.
    assert _options(db, "gender") == [
        ("0", "未知的性别"),
        ("1", "男性"),
        ("2", "女性"),
        ("9", "未说明的性别"),
    ]
    assert _options(db, "yes_no") == [("1", "是"), ("0", "否")]
    assert {v for v, _ in _options(db, "user_status")} == {"active", "locked", "disabled"}
    # The institution kinds are those of the organisations slice, with the same labels.
    kinds = dict(_options(db, "institution_kind"))
    assert set(kinds) == {k.value for k in InstitutionKind}
    assert kinds["community_health_centre"] == "社区卫生服务中心"


def test_reloading_keeps_what_the_administrator_changed(db: Session) -> None:
    service.load_builtin(session=db)
    service.update_parameter(
        session=db,
        actor=ADMIN,
        key="ui.system_name",
        data=ParameterUpdate(value="浦东新区健康信息网"),
        request=None,
    )
    male = db.scalar(select(DictItem).where(DictItem.type_code == "gender", DictItem.value == "1"))
    assert male is not None
    service.update_item(
        session=db,
        actor=ADMIN,
        code="gender",
        item_id=male.id,
        data=DictItemUpdate(label="男"),
        request=None,
    )
    # A definition edited behind the application's back is restored.
    param = service.get_parameter(session=db, key="export.max_rows")
    param.name = "乱改的名称"
    db.flush()

    assert service.load_builtin(session=db).updated == 1
    assert service.get_value(session=db, key="ui.system_name") == "浦东新区健康信息网"
    assert ("1", "男") in _options(db, "gender")
    assert service.get_parameter(session=db, key="export.max_rows").name == "导出最大行数"


@pytest.mark.parametrize(
    ("value_type", "given", "stored"),
    [
        ("int", " 42 ", "42"),
        ("int", "-7", "-7"),
        ("bool", "TRUE", "true"),
        ("bool", "false", "false"),
        ("json", '{"a": [1, 2]}', '{"a": [1, 2]}'),
        ("string", "任意文本", "任意文本"),
    ],
)
def test_values_are_stored_in_their_type(
    db: Session, value_type: str, given: str, stored: str
) -> None:
    row = service.create_parameter(
        session=db,
        actor=ADMIN,
        data=ParameterCreate(key="test.value", value=given, value_type=value_type, name="测试值"),
        request=None,
    )
    assert row.value == stored
    assert service.get_value(session=db, key="test.value") == service.typed(row)
    if value_type == "json":
        assert service.typed(row) == json.loads(stored)


@pytest.mark.parametrize(
    ("value_type", "given", "message"),
    [
        ("int", "4.2", "“最大行数”的值应为整数"),
        ("int", "十", "“最大行数”的值应为整数"),
        ("int", "9" * 19, "“最大行数”的值应为整数"),
        ("bool", "yes", "“最大行数”的值应为 true 或 false"),
        ("json", "{a: 1}", "“最大行数”的值应为合法的 JSON"),
    ],
)
def test_a_value_of_the_wrong_type_is_refused(
    db: Session, value_type: str, given: str, message: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        service.create_parameter(
            session=db,
            actor=ADMIN,
            data=ParameterCreate(
                key="test.bad", value=given, value_type=value_type, name="最大行数"
            ),
            request=None,
        )
    assert [(e.field, e.message) for e in caught.value.errors] == [("value", message)]
    assert db.scalar(select(Parameter).where(Parameter.key == "test.bad")) is None


def test_only_ui_parameters_are_public(db: Session) -> None:
    service.load_builtin(session=db)
    public = service.public_values(session=db)
    assert public["ui.system_name"].startswith("上海市城市健康信息网")
    assert public["ui.session_warning_minutes"] == 2
    assert "export.max_rows" not in public


def test_builtin_parameters_keep_their_definition(db: Session) -> None:
    service.load_builtin(session=db)
    with pytest.raises(Conflict) as caught:
        service.delete_parameter(session=db, actor=ADMIN, key="export.max_rows", request=None)
    assert caught.value.detail == "内置参数“导出最大行数”不能删除"
    with pytest.raises(RuleViolation):
        service.update_parameter(
            session=db,
            actor=ADMIN,
            key="export.max_rows",
            data=ParameterUpdate(name="改名"),
            request=None,
        )
    # A parameter the deployment owns cannot be changed from the console at all.
    row = service.get_parameter(session=db, key="export.max_rows")
    row.editable = False
    with pytest.raises(RuleViolation) as refused:
        service.update_parameter(
            session=db,
            actor=ADMIN,
            key="export.max_rows",
            data=ParameterUpdate(value="5"),
            request=None,
        )
    assert refused.value.detail == "参数“导出最大行数”由部署配置设定，不能在界面修改"


def test_builtin_dictionaries_cannot_be_deleted_or_switched_off(db: Session) -> None:
    service.load_builtin(session=db)
    with pytest.raises(Conflict):
        service.delete_dict_type(session=db, actor=ADMIN, code="gender", request=None)
    with pytest.raises(Conflict):
        service.update_dict_type(
            session=db,
            actor=ADMIN,
            code="gender",
            data=DictTypeUpdate(active=False),
            request=None,
        )
    female = db.scalar(
        select(DictItem).where(DictItem.type_code == "gender", DictItem.value == "2")
    )
    assert female is not None
    with pytest.raises(Conflict) as caught:
        service.delete_item(session=db, actor=ADMIN, code="gender", item_id=female.id, request=None)
    assert caught.value.detail == "内置字典项不能删除，可以停用"
    # ...but a built-in item can be deactivated, and then no select offers it.
    service.update_item(
        session=db,
        actor=ADMIN,
        code="gender",
        item_id=female.id,
        data=DictItemUpdate(active=False),
        request=None,
    )
    assert "2" not in dict(_options(db, "gender"))


def test_a_dictionary_of_ones_own(db: Session) -> None:
    service.create_dict_type(
        session=db,
        actor=ADMIN,
        data=DictTypeCreate(code="blood_type", name="ABO 血型"),
        request=None,
    )
    for value, label, sort in (("B", "B 型", 20), ("A", "A 型", 10), ("O", "O 型", 30)):
        service.create_item(
            session=db,
            actor=ADMIN,
            code="blood_type",
            data=DictItemCreate(value=value, label=label, sort=sort),
            request=None,
        )
    assert [v for v, _ in _options(db, "blood_type")] == ["A", "B", "O"]
    with pytest.raises(Conflict) as taken:
        service.create_item(
            session=db,
            actor=ADMIN,
            code="blood_type",
            data=DictItemCreate(value="A", label="重复"),
            request=None,
        )
    assert taken.value.errors[0].field == "value"

    service.update_dict_type(
        session=db, actor=ADMIN, code="blood_type", data=DictTypeUpdate(active=False), request=None
    )
    assert _options(db, "blood_type") == []  # an inactive dictionary offers nothing
    service.delete_dict_type(session=db, actor=ADMIN, code="blood_type", request=None)
    assert db.scalars(select(DictItem).where(DictItem.type_code == "blood_type")).all() == []


def test_every_change_is_audited(db: Session) -> None:
    service.load_builtin(session=db)
    service.update_parameter(
        session=db,
        actor=ADMIN,
        key="export.max_rows",
        data=ParameterUpdate(value="5000"),
        request=None,
    )
    service.create_dict_type(
        session=db, actor=ADMIN, data=DictTypeCreate(code="t_audit", name="审计测试"), request=None
    )
    item = service.create_item(
        session=db,
        actor=ADMIN,
        code="t_audit",
        data=DictItemCreate(value="x", label="X"),
        request=None,
    )
    service.delete_item(session=db, actor=ADMIN, code="t_audit", item_id=item.id, request=None)
    rows = db.scalars(
        select(AuditRecord)
        .where(AuditRecord.action.startswith("sysconf."))
        .order_by(AuditRecord.seq)
    ).all()
    assert [r.action for r in rows] == [
        "sysconf.param.update",
        "sysconf.dict.create",
        "sysconf.dict_item.create",
        "sysconf.dict_item.delete",
    ]
    assert all(r.actor_username == "sysadmin" and r.purpose == "ADMIN" for r in rows)
    assert rows[0].resource_id == "export.max_rows"
    assert json.loads(rows[0].detail or "{}") == {"fields": ["value"], "from": 10000, "to": 5000}


def test_only_the_system_administrator_holds_the_permissions() -> None:
    meta = rbac.read_metadata()
    known = rbac.permission_codes()
    holders = {
        role.code
        for role in meta.roles
        if any(p.startswith("sysconf:") for p in rbac.expand_permissions(role.permissions, known))
    }
    assert holders == {"sys_admin"}
    sys_admin = next(r for r in meta.roles if r.code == "sys_admin")
    assert {
        "sysconf:param:read",
        "sysconf:param:write",
        "sysconf:dict:read",
        "sysconf:dict:write",
    } <= set(rbac.expand_permissions(sys_admin.permissions, known))
