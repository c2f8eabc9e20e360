"""System parameters and data dictionaries: every rule about them, and the API other slices use.

Public functions other slices may call: :func:`get_value` (a parameter, typed),
:func:`dict_options` (a dictionary's active items) and :func:`load_builtin`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import ColumnElement, delete, func, or_, select
from sqlalchemy.orm import Session

from healthnet.core.audit.context import AuditContext
from healthnet.core.errors import Conflict, FieldError, NotFound, RuleViolation, ValidationFailed
from healthnet.core.i18n import t
from healthnet.core.rbac.actor import Actor
from healthnet.core.schemas import Page
from healthnet.core.sysconf import messages as _messages  # noqa: F401  (registers the catalogue)
from healthnet.core.sysconf.models import DictItem, DictType, Parameter
from healthnet.core.sysconf.schemas import (
    DictItemCreate,
    DictItemRead,
    DictItemUpdate,
    DictTypeCreate,
    DictTypeDetail,
    DictTypeQuery,
    DictTypeRead,
    DictTypeUpdate,
    ParameterCreate,
    ParameterQuery,
    ParameterRead,
    ParameterUpdate,
)

BUILTIN_FILE = Path(__file__).resolve().parent / "metadata" / "builtin.yaml"
# Parameters under this prefix are shown to everyone, before sign-in too (system name ...).
PUBLIC_PREFIX = "ui."
_BOOLS = {"true": "true", "false": "false"}

# ---------------------------------------------------------------- values


def normalise_value(value: str, value_type: str, name: str) -> str:
    """``value`` as stored for ``value_type``; a 422 naming the parameter if it does not fit."""
    if value_type == "int":
        text = value.strip()
        digits = text.removeprefix("-").removeprefix("+")
        if not (digits.isascii() and digits.isdigit()) or len(digits) > 18:
            raise ValidationFailed.field("value", "sysconf.value_int", name=name)
        return str(int(text))
    if value_type == "bool":
        normalised = _BOOLS.get(value.strip().lower())
        if normalised is None:
            raise ValidationFailed.field("value", "sysconf.value_bool", name=name)
        return normalised
    if value_type == "json":
        try:
            json.loads(value)
        except ValueError:
            raise ValidationFailed.field("value", "sysconf.value_json", name=name) from None
    return value


def typed(row: Parameter) -> Any:
    """The stored text read as its type: int, bool, parsed JSON or str."""
    if row.value_type == "int":
        return int(row.value)
    if row.value_type == "bool":
        return row.value == "true"
    if row.value_type == "json":
        return json.loads(row.value)
    return row.value


# ---------------------------------------------------------------- parameters


def get_parameter(*, session: Session, key: str) -> Parameter:
    row = session.scalar(select(Parameter).where(Parameter.key == key))
    if row is None:
        raise NotFound("sysconf.param_not_found")
    return row


def get_value(*, session: Session, key: str, default: Any = None) -> Any:
    """A parameter's typed value, or ``default`` if there is no such parameter."""
    row = session.scalar(select(Parameter).where(Parameter.key == key))
    return default if row is None else typed(row)


def public_values(*, session: Session) -> dict[str, Any]:
    rows = session.scalars(
        select(Parameter).where(Parameter.key.startswith(PUBLIC_PREFIX, autoescape=True))
    )
    return {row.key: typed(row) for row in rows}


def list_parameters(*, session: Session, query: ParameterQuery) -> Page[ParameterRead]:
    conds: list[ColumnElement[bool]] = []
    if query.q:
        conds.append(
            or_(
                Parameter.key.icontains(query.q, autoescape=True),
                Parameter.name.icontains(query.q, autoescape=True),
            )
        )
    total = session.scalar(select(func.count(Parameter.id)).where(*conds)) or 0
    rows = session.scalars(
        select(Parameter)
        .where(*conds)
        .order_by(Parameter.key)
        .offset(query.offset)
        .limit(query.page_size)
    )
    return Page[ParameterRead](
        items=[ParameterRead.model_validate(r) for r in rows],
        total=total,
        page=query.page,
        page_size=query.page_size,
    )


def _taken(code: str, field: str, value: str) -> Conflict:
    return Conflict(code, value=value, errors=[FieldError(field, code, t(code, value=value))])


def create_parameter(
    *, session: Session, actor: Actor | None, data: ParameterCreate, request: AuditContext | None
) -> Parameter:
    if session.scalar(select(Parameter.id).where(Parameter.key == data.key)) is not None:
        raise _taken("sysconf.param_key_taken", "key", data.key)
    row = Parameter(
        key=data.key,
        value=normalise_value(data.value, data.value_type, data.name),
        value_type=data.value_type,
        name=data.name,
        description=data.description,
        builtin=False,
        editable=True,
    )
    session.add(row)
    session.flush()
    _audit(session, actor, request, "sysconf.param.create", "sysconf.parameter", row.key)
    return row


def update_parameter(
    *,
    session: Session,
    actor: Actor | None,
    key: str,
    data: ParameterUpdate,
    request: AuditContext | None,
) -> Parameter:
    """PATCH semantics. Built-in parameters take only a new value; parameters the deployment
    owns (not ``editable``) take nothing."""
    row = get_parameter(session=session, key=key)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    if row.builtin and set(changes) - {"value"}:
        raise RuleViolation("sysconf.param_builtin_fields")
    detail: dict[str, Any] = {"fields": sorted(changes)}
    if "value" in changes:
        if not row.editable:
            raise RuleViolation("sysconf.param_not_editable", name=row.name)
        new = normalise_value(changes["value"], row.value_type, changes.get("name", row.name))
        if row.value_type in ("int", "bool"):
            # Numbers and switches are safe to keep in the audit trail; free text may hold
            # anything (audit detail never carries personal data).
            detail["from"] = typed(row)
            detail["to"] = (new == "true") if row.value_type == "bool" else int(new)
        changes["value"] = new
    for field, value in changes.items():
        setattr(row, field, value)
    session.flush()
    _audit(session, actor, request, "sysconf.param.update", "sysconf.parameter", row.key, detail)
    return row


def delete_parameter(
    *, session: Session, actor: Actor | None, key: str, request: AuditContext | None
) -> None:
    row = get_parameter(session=session, key=key)
    if row.builtin:
        raise Conflict("sysconf.param_builtin", name=row.name)
    session.delete(row)
    session.flush()
    _audit(session, actor, request, "sysconf.param.delete", "sysconf.parameter", key)


# ---------------------------------------------------------------- dictionary types


def get_dict_type(*, session: Session, code: str) -> DictType:
    row = session.scalar(select(DictType).where(DictType.code == code))
    if row is None:
        raise NotFound("sysconf.dict_not_found")
    return row


def dict_type_detail(*, session: Session, code: str) -> DictTypeDetail:
    """A dictionary with all its items, active or not (the maintenance page)."""
    row = get_dict_type(session=session, code=code)
    return DictTypeDetail(
        **DictTypeRead.model_validate(row).model_dump(),
        items=[DictItemRead.model_validate(i) for i in list_items(session=session, code=code)],
    )


def list_dict_types(*, session: Session, query: DictTypeQuery) -> Page[DictTypeRead]:
    conds: list[ColumnElement[bool]] = []
    if query.q:
        conds.append(
            or_(
                DictType.code.icontains(query.q, autoescape=True),
                DictType.name.icontains(query.q, autoescape=True),
            )
        )
    if query.active is not None:
        conds.append(DictType.active.is_(query.active))
    total = session.scalar(select(func.count(DictType.id)).where(*conds)) or 0
    rows = session.scalars(
        select(DictType)
        .where(*conds)
        .order_by(DictType.code)
        .offset(query.offset)
        .limit(query.page_size)
    )
    return Page[DictTypeRead](
        items=[DictTypeRead.model_validate(r) for r in rows],
        total=total,
        page=query.page,
        page_size=query.page_size,
    )


def create_dict_type(
    *, session: Session, actor: Actor | None, data: DictTypeCreate, request: AuditContext | None
) -> DictType:
    if session.scalar(select(DictType.id).where(DictType.code == data.code)) is not None:
        raise _taken("sysconf.dict_code_taken", "code", data.code)
    row = DictType(builtin=False, **data.model_dump())
    session.add(row)
    session.flush()
    _audit(session, actor, request, "sysconf.dict.create", "sysconf.dict_type", row.code)
    return row


def update_dict_type(
    *,
    session: Session,
    actor: Actor | None,
    code: str,
    data: DictTypeUpdate,
    request: AuditContext | None,
) -> DictType:
    row = get_dict_type(session=session, code=code)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    if row.builtin and changes.get("active") is False:
        # The console's own selects (gender, institution kinds ...) rely on them.
        raise Conflict("sysconf.dict_builtin", name=row.name)
    for field, value in changes.items():
        setattr(row, field, value)
    session.flush()
    _audit(
        session,
        actor,
        request,
        "sysconf.dict.update",
        "sysconf.dict_type",
        row.code,
        {"fields": sorted(changes)},
    )
    return row


def delete_dict_type(
    *, session: Session, actor: Actor | None, code: str, request: AuditContext | None
) -> None:
    row = get_dict_type(session=session, code=code)
    if row.builtin:
        raise Conflict("sysconf.dict_builtin", name=row.name)
    removed = session.scalar(select(func.count(DictItem.id)).where(DictItem.type_code == code))
    session.execute(delete(DictItem).where(DictItem.type_code == code))
    session.delete(row)
    session.flush()
    _audit(
        session,
        actor,
        request,
        "sysconf.dict.delete",
        "sysconf.dict_type",
        code,
        {"items": int(removed or 0)},
    )


# ---------------------------------------------------------------- dictionary items


def list_items(*, session: Session, code: str, active_only: bool = False) -> list[DictItem]:
    stmt = select(DictItem).where(DictItem.type_code == code)
    if active_only:
        stmt = stmt.where(DictItem.active.is_(True))
    return list(session.scalars(stmt.order_by(DictItem.sort, DictItem.value)))


def dict_options(*, session: Session, code: str) -> list[DictItem]:
    """The active items of an active dictionary, in display order (404 for an unknown code;
    an inactive dictionary offers nothing)."""
    dict_type = get_dict_type(session=session, code=code)
    if not dict_type.active:
        return []
    return list_items(session=session, code=code, active_only=True)


def _get_item(session: Session, code: str, item_id: str) -> DictItem:
    item = session.get(DictItem, item_id)
    if item is None or item.type_code != code:
        raise NotFound("sysconf.item_not_found")
    return item


def create_item(
    *,
    session: Session,
    actor: Actor | None,
    code: str,
    data: DictItemCreate,
    request: AuditContext | None,
) -> DictItem:
    get_dict_type(session=session, code=code)
    taken = session.scalar(
        select(DictItem.id).where(DictItem.type_code == code, DictItem.value == data.value)
    )
    if taken is not None:
        raise _taken("sysconf.item_value_taken", "value", data.value)
    item = DictItem(type_code=code, builtin=False, **data.model_dump())
    session.add(item)
    session.flush()
    _audit(
        session,
        actor,
        request,
        "sysconf.dict_item.create",
        "sysconf.dict_item",
        item.id,
        {"dict": code},
    )
    return item


def update_item(
    *,
    session: Session,
    actor: Actor | None,
    code: str,
    item_id: str,
    data: DictItemUpdate,
    request: AuditContext | None,
) -> DictItem:
    item = _get_item(session, code, item_id)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    for field, value in changes.items():
        setattr(item, field, value)
    session.flush()
    _audit(
        session,
        actor,
        request,
        "sysconf.dict_item.update",
        "sysconf.dict_item",
        item.id,
        {"dict": code, "fields": sorted(changes)},
    )
    return item


def delete_item(
    *, session: Session, actor: Actor | None, code: str, item_id: str, request: AuditContext | None
) -> None:
    item = _get_item(session, code, item_id)
    if item.builtin:
        raise Conflict("sysconf.item_builtin")
    session.delete(item)
    session.flush()
    _audit(
        session,
        actor,
        request,
        "sysconf.dict_item.delete",
        "sysconf.dict_item",
        item_id,
        {"dict": code},
    )


# ---------------------------------------------------------------- built-in data


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0


@lru_cache
def builtin_metadata() -> dict[str, Any]:
    data = yaml.safe_load(BUILTIN_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _builtin_dicts() -> list[dict[str, Any]]:
    from healthnet.core.orgs.enums import KIND_LABELS

    kinds = {
        "code": "institution_kind",
        "name": "机构类别",
        "description": "与机构管理的机构类别一致（参照 WS 218-2002 分组）",
        "items": [
            {"value": kind.value, "label": zh, "label_en": en}
            for kind, (zh, en) in KIND_LABELS.items()
        ],
    }
    return [*builtin_metadata()["dicts"], kinds]


def load_builtin(*, session: Session) -> LoadResult:
    """Add the built-in parameters, dictionaries and items that are missing; refresh the
    definitions (a parameter's name, type and description; a dictionary's name). Values and
    item labels an administrator changed are kept. Running it again changes nothing."""
    result = LoadResult()
    params = {p.key: p for p in session.scalars(select(Parameter))}
    for spec in builtin_metadata()["parameters"]:
        definition = {
            "value_type": str(spec["value_type"]),
            "name": str(spec["name"]),
            "description": spec.get("description"),
            "builtin": True,
            "editable": bool(spec.get("editable", True)),
        }
        row = params.get(spec["key"])
        if row is None:
            value = normalise_value(str(spec["value"]), definition["value_type"], spec["name"])
            session.add(Parameter(key=spec["key"], value=value, **definition))
            result.created += 1
        elif any(getattr(row, k) != v for k, v in definition.items()):
            for k, v in definition.items():
                setattr(row, k, v)
            result.updated += 1
    types = {d.code: d for d in session.scalars(select(DictType))}
    items = {(i.type_code, i.value): i for i in session.scalars(select(DictItem))}
    for spec in _builtin_dicts():
        code = spec["code"]
        dict_type = types.get(code)
        if dict_type is None:
            session.add(
                DictType(
                    code=code,
                    name=spec["name"],
                    description=spec.get("description"),
                    builtin=True,
                    active=True,
                )
            )
            session.flush()
            result.created += 1
        elif not dict_type.builtin:
            dict_type.builtin = True
            result.updated += 1
        for order, item in enumerate(spec["items"], 1):
            value = str(item["value"])
            existing = items.get((code, value))
            if existing is None:
                session.add(
                    DictItem(
                        type_code=code,
                        value=value,
                        label=str(item["label"]),
                        label_en=str(item.get("label_en", "")),
                        sort=order * 10,
                        tag_type=str(item.get("tag_type", "")),
                        active=True,
                        builtin=True,
                    )
                )
                result.created += 1
            elif not existing.builtin:
                existing.builtin = True
                result.updated += 1
    session.flush()
    return result


# ---------------------------------------------------------------- audit


def _audit(
    session: Session,
    actor: Actor | None,
    request: AuditContext | None,
    action: str,
    resource_type: str,
    resource_id: str | None,
    detail: dict[str, Any] | None = None,
) -> None:
    """SECURITY.md: every configuration change is audited, in the caller's transaction."""
    from healthnet.core.audit import service as audit

    audit.record(
        session=session,
        actor=actor,
        action=action,
        resource_type=resource_type,
        resource_id=resource_id,
        purpose="ADMIN",
        detail=detail,
        request=request,
        username=None if actor is not None else "system",
    )
