"""Routes of access control (mounted under /api/v1/rbac)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from healthnet.core.audit.context import AuditContextDep
from healthnet.core.deps import Actor, CurrentActor, SessionDep, require
from healthnet.core.rbac import service
from healthnet.core.rbac.schemas import (
    MenuNode,
    PermissionGroup,
    RoleCreate,
    RoleQuery,
    RoleRead,
    RoleUpdate,
    UserRoleGrant,
    UserRoleRead,
)
from healthnet.core.schemas import Page

router = APIRouter(tags=["rbac"])

CanRead = Annotated[Actor, Depends(require("rbac:role:read"))]
CanWrite = Annotated[Actor, Depends(require("rbac:role:write"))]
CanGrant = Annotated[Actor, Depends(require("rbac:user_role:write"))]


@router.get("/menus", response_model=list[MenuNode], operation_id="rbac_menus")
def menus(actor: CurrentActor) -> list[MenuNode]:
    """当前用户可见的菜单（按权限过滤）。"""
    return service.menus_for(actor)


@router.get(
    "/permissions", response_model=list[PermissionGroup], operation_id="rbac_permission_catalogue"
)
def permissions(actor: CanRead) -> list[PermissionGroup]:
    """全部权限，按模块分组，含中英文名称。"""
    return service.permission_catalogue()


@router.get("/roles", response_model=Page[RoleRead], operation_id="rbac_list_roles")
def list_roles(
    actor: CanRead, session: SessionDep, query: Annotated[RoleQuery, Query()]
) -> Page[RoleRead]:
    return service.list_roles(session=session, query=query)


@router.post("/roles", response_model=RoleRead, status_code=201, operation_id="rbac_create_role")
def create_role(
    data: RoleCreate, actor: CanWrite, session: SessionDep, ctx: AuditContextDep
) -> RoleRead:
    return service.role_read(service.create_role(session=session, actor=actor, data=data, ctx=ctx))


@router.get("/roles/{role_id}", response_model=RoleRead, operation_id="rbac_get_role")
def get_role(role_id: str, actor: CanRead, session: SessionDep) -> RoleRead:
    return service.role_read(service.get_role(session=session, role_id=role_id))


@router.patch("/roles/{role_id}", response_model=RoleRead, operation_id="rbac_update_role")
def update_role(
    role_id: str, data: RoleUpdate, actor: CanWrite, session: SessionDep, ctx: AuditContextDep
) -> RoleRead:
    role = service.update_role(session=session, actor=actor, role_id=role_id, data=data, ctx=ctx)
    return service.role_read(role)


@router.delete("/roles/{role_id}", status_code=204, operation_id="rbac_delete_role")
def delete_role(role_id: str, actor: CanWrite, session: SessionDep, ctx: AuditContextDep) -> None:
    """删除自定义角色（内置角色不可删除；仍有用户持有的角色须先解除）。"""
    service.delete_role(session=session, actor=actor, role_id=role_id, ctx=ctx)


@router.get(
    "/users/{user_id}/roles", response_model=list[UserRoleRead], operation_id="rbac_user_roles"
)
def user_roles(user_id: str, actor: CanRead, session: SessionDep) -> list[UserRoleRead]:
    return service.user_roles(session=session, actor=actor, user_id=user_id)


@router.post(
    "/users/{user_id}/roles",
    response_model=list[UserRoleRead],
    status_code=201,
    operation_id="rbac_grant_role",
)
def grant_role(
    user_id: str,
    data: UserRoleGrant,
    actor: CanGrant,
    session: SessionDep,
    ctx: AuditContextDep,
) -> list[UserRoleRead]:
    """为用户分配角色（三员分立：系统、安全、审计管理员不得兼任，也不得兼任其他角色）。"""
    return service.assign_role(
        session=session, actor=actor, user_id=user_id, role_code=data.role_code, ctx=ctx
    )


@router.delete("/users/{user_id}/roles/{role_id}", status_code=204, operation_id="rbac_revoke_role")
def revoke_role(
    user_id: str, role_id: str, actor: CanGrant, session: SessionDep, ctx: AuditContextDep
) -> None:
    service.remove_role(session=session, actor=actor, user_id=user_id, role_id=role_id, ctx=ctx)
