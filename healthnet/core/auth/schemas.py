from __future__ import annotations

from datetime import datetime

from pydantic import Field

from healthnet.core.schemas import ApiModel, InputModel


class LoginRequest(InputModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=128)


class LoginResult(ApiModel):
    token: str
    expires_at: datetime
    must_change_password: bool


class UserCreate(InputModel):
    username: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    display_name: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=8, max_length=128)
    institution_id: str | None = None
    role_codes: list[str] = Field(default_factory=list, max_length=20)


class UserRead(ApiModel):
    id: str
    username: str
    display_name: str
    institution_id: str | None
    is_active: bool
    must_change_password: bool
    role_codes: list[str]


class Me(ApiModel):
    id: str
    username: str
    display_name: str
    institution_id: str | None
    district_code: str | None
    permissions: list[str]
