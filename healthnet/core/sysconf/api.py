"""Routes of system parameters and data dictionaries (mounted under /api/v1/sysconf)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from healthnet.core.audit.context import AuditContextDep
from healthnet.core.deps import Actor, CurrentActor, SessionDep, require
from healthnet.core.schemas import Page
from healthnet.core.sysconf import service
from healthnet.core.sysconf.schemas import (
    DictItemCreate,
    DictItemRead,
    DictItemUpdate,
    DictOption,
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

router = APIRouter(tags=["sysconf"])

ParamRead = Annotated[Actor, Depends(require("sysconf:param:read"))]
ParamWrite = Annotated[Actor, Depends(require("sysconf:param:write"))]
DictRead = Annotated[Actor, Depends(require("sysconf:dict:read"))]
DictWrite = Annotated[Actor, Depends(require("sysconf:dict:write"))]


# ---------------------------------------------------------------- parameters


@router.get("/public", response_model=dict[str, Any], operation_id="sysconf_public_parameters")
def public_parameters(session: SessionDep) -> dict[str, Any]:
    """The ``ui.*`` parameters (system name, session warning): needed before sign-in."""
    return service.public_values(session=session)


@router.get("/params", response_model=Page[ParameterRead], operation_id="sysconf_list_parameters")
def list_parameters(
    session: SessionDep, actor: ParamRead, query: Annotated[ParameterQuery, Query()]
) -> Page[ParameterRead]:
    return service.list_parameters(session=session, query=query)


@router.post(
    "/params",
    response_model=ParameterRead,
    status_code=201,
    operation_id="sysconf_create_parameter",
)
def create_parameter(
    data: ParameterCreate, session: SessionDep, actor: ParamWrite, ctx: AuditContextDep
) -> ParameterRead:
    row = service.create_parameter(session=session, actor=actor, data=data, request=ctx)
    return ParameterRead.model_validate(row)


@router.get("/params/{key}", response_model=ParameterRead, operation_id="sysconf_get_parameter")
def get_parameter(key: str, session: SessionDep, actor: ParamRead) -> ParameterRead:
    return ParameterRead.model_validate(service.get_parameter(session=session, key=key))


@router.patch(
    "/params/{key}", response_model=ParameterRead, operation_id="sysconf_update_parameter"
)
def update_parameter(
    key: str, data: ParameterUpdate, session: SessionDep, actor: ParamWrite, ctx: AuditContextDep
) -> ParameterRead:
    row = service.update_parameter(session=session, actor=actor, key=key, data=data, request=ctx)
    return ParameterRead.model_validate(row)


@router.delete("/params/{key}", status_code=204, operation_id="sysconf_delete_parameter")
def delete_parameter(
    key: str, session: SessionDep, actor: ParamWrite, ctx: AuditContextDep
) -> None:
    service.delete_parameter(session=session, actor=actor, key=key, request=ctx)


# ---------------------------------------------------------------- dictionaries


@router.get("/dicts", response_model=Page[DictTypeRead], operation_id="sysconf_list_dict_types")
def list_dict_types(
    session: SessionDep, actor: DictRead, query: Annotated[DictTypeQuery, Query()]
) -> Page[DictTypeRead]:
    return service.list_dict_types(session=session, query=query)


@router.post(
    "/dicts", response_model=DictTypeRead, status_code=201, operation_id="sysconf_create_dict_type"
)
def create_dict_type(
    data: DictTypeCreate, session: SessionDep, actor: DictWrite, ctx: AuditContextDep
) -> DictTypeRead:
    row = service.create_dict_type(session=session, actor=actor, data=data, request=ctx)
    return DictTypeRead.model_validate(row)


@router.get("/dicts/{code}", response_model=DictTypeDetail, operation_id="sysconf_get_dict_type")
def get_dict_type(code: str, session: SessionDep, actor: DictRead) -> DictTypeDetail:
    return service.dict_type_detail(session=session, code=code)


@router.patch("/dicts/{code}", response_model=DictTypeRead, operation_id="sysconf_update_dict_type")
def update_dict_type(
    code: str, data: DictTypeUpdate, session: SessionDep, actor: DictWrite, ctx: AuditContextDep
) -> DictTypeRead:
    row = service.update_dict_type(session=session, actor=actor, code=code, data=data, request=ctx)
    return DictTypeRead.model_validate(row)


@router.delete("/dicts/{code}", status_code=204, operation_id="sysconf_delete_dict_type")
def delete_dict_type(
    code: str, session: SessionDep, actor: DictWrite, ctx: AuditContextDep
) -> None:
    service.delete_dict_type(session=session, actor=actor, code=code, request=ctx)


@router.get(
    "/dicts/{code}/items", response_model=list[DictOption], operation_id="sysconf_dict_options"
)
def dict_options(code: str, session: SessionDep, actor: CurrentActor) -> list[DictOption]:
    """The active items, in display order, for selects and tags: any signed-in user."""
    return [DictOption.model_validate(i) for i in service.dict_options(session=session, code=code)]


@router.post(
    "/dicts/{code}/items",
    response_model=DictItemRead,
    status_code=201,
    operation_id="sysconf_create_item",
)
def create_item(
    code: str, data: DictItemCreate, session: SessionDep, actor: DictWrite, ctx: AuditContextDep
) -> DictItemRead:
    item = service.create_item(session=session, actor=actor, code=code, data=data, request=ctx)
    return DictItemRead.model_validate(item)


@router.patch(
    "/dicts/{code}/items/{item_id}", response_model=DictItemRead, operation_id="sysconf_update_item"
)
def update_item(
    code: str,
    item_id: str,
    data: DictItemUpdate,
    session: SessionDep,
    actor: DictWrite,
    ctx: AuditContextDep,
) -> DictItemRead:
    item = service.update_item(
        session=session, actor=actor, code=code, item_id=item_id, data=data, request=ctx
    )
    return DictItemRead.model_validate(item)


@router.delete("/dicts/{code}/items/{item_id}", status_code=204, operation_id="sysconf_delete_item")
def delete_item(
    code: str, item_id: str, session: SessionDep, actor: DictWrite, ctx: AuditContextDep
) -> None:
    service.delete_item(session=session, actor=actor, code=code, item_id=item_id, request=ctx)
