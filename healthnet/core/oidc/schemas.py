from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from healthnet.core.schemas import ApiModel, InputModel, PageQuery

GrantType = Literal["authorization_code", "refresh_token", "client_credentials"]
AuthMethod = Literal["client_secret_basic", "client_secret_post", "none"]
Uri = Annotated[str, Field(min_length=1, max_length=500)]
Scope = Annotated[str, Field(min_length=1, max_length=64)]


class ClientCreate(InputModel):
    name: str = Field(min_length=1, max_length=100)
    description: str | None = Field(None, max_length=500)
    institution_id: str | None = Field(None, max_length=32)
    is_public: bool = False
    # Defaults: "none" for public clients, "client_secret_basic" for confidential ones.
    token_endpoint_auth_method: AuthMethod | None = None
    redirect_uris: list[Uri] = Field(default_factory=list, max_length=20)
    post_logout_redirect_uris: list[Uri] = Field(default_factory=list, max_length=20)
    grant_types: list[GrantType] = Field(min_length=1, max_length=3)
    scopes: list[Scope] = Field(min_length=1, max_length=50)
    may_introspect: bool = False


class ClientUpdate(InputModel):
    """Only the fields sent change. Public/confidential cannot change: register a new client."""

    name: str | None = Field(None, min_length=1, max_length=100)
    description: str | None = Field(None, max_length=500)
    institution_id: str | None = Field(None, max_length=32)
    token_endpoint_auth_method: AuthMethod | None = None
    redirect_uris: list[Uri] | None = Field(None, max_length=20)
    post_logout_redirect_uris: list[Uri] | None = Field(None, max_length=20)
    grant_types: list[GrantType] | None = Field(None, min_length=1, max_length=3)
    scopes: list[Scope] | None = Field(None, min_length=1, max_length=50)
    may_introspect: bool | None = None


class ClientQuery(PageQuery):
    active: bool | None = None
    institution_id: str | None = Field(None, max_length=32)


class ClientRead(ApiModel):
    id: str
    client_id: str
    name: str
    description: str | None
    institution_id: str | None
    is_public: bool
    token_endpoint_auth_method: str
    redirect_uris: list[str]
    post_logout_redirect_uris: list[str]
    grant_types: list[str]
    response_types: list[str]
    scopes: list[str]
    may_introspect: bool
    is_active: bool
    secret_rotated_at: datetime | None
    previous_secret_expires_at: datetime | None
    created_at: datetime
    updated_at: datetime


class ClientCreated(ClientRead):
    # Shown once: only an HMAC of it is stored.
    client_secret: str | None


class SecretRotate(InputModel):
    # How long the old secret keeps working (0 = stop at once, e.g. after a leak).
    grace_hours: int = Field(24, ge=0, le=720)


class SecretRotated(ApiModel):
    client_id: str
    client_secret: str
    previous_secret_valid_until: datetime | None


class ScopeRead(ApiModel):
    code: str
    label: str
    label_en: str
    user_claims: bool
