"""API shapes of roles, grants, the permission catalogue and menus."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from healthnet.core.schemas import ApiModel, InputModel, PageQuery

DataScope = Literal["own", "institution", "custom", "district", "city"]


class RoleCreate(InputModel):
    code: str = Field(min_length=2, max_length=64, pattern=r"^[a-z][a-z0-9_]{1,63}$")
    name: str = Field(min_length=1, max_length=64)
    name_en: str = Field("", max_length=100)
    description: str | None = Field(None, max_length=500)
    data_scope: DataScope = "institution"
    permissions: list[str] = Field(default_factory=list, max_length=500)
    institution_ids: list[str] = Field(default_factory=list, max_length=1000)


class RoleUpdate(InputModel):
    name: str | None = Field(None, min_length=1, max_length=64)
    name_en: str | None = Field(None, max_length=100)
    description: str | None = Field(None, max_length=500)
    data_scope: DataScope | None = None
    permissions: list[str] | None = Field(None, max_length=500)
    institution_ids: list[str] | None = Field(None, max_length=1000)


class RoleQuery(PageQuery):
    q: str | None = Field(None, max_length=64, description="编码或名称包含")
    builtin: bool | None = None


class RoleRead(ApiModel):
    id: str
    code: str
    name: str
    name_en: str
    description: str | None
    data_scope: str
    builtin: bool
    duty: str | None
    permissions: list[str]
    institution_ids: list[str]
    created_at: datetime
    updated_at: datetime


class UserRoleGrant(InputModel):
    role_code: str = Field(min_length=1, max_length=64)


class UserRoleRead(ApiModel):
    role_id: str
    role_code: str
    role_name: str
    data_scope: str
    duty: str | None
    granted_at: datetime
    granted_by: str | None


class PermissionRead(ApiModel):
    code: str
    label_zh: str
    label_en: str


class PermissionGroup(ApiModel):
    slice: str
    title: str
    permissions: list[PermissionRead]


class MenuNode(ApiModel):
    key: str  # i18n key of the title, for the web UI's own catalogue
    title: str  # Chinese title
    path: str
    permission: str | None = None
    children: list[MenuNode] = Field(default_factory=list)
