"""Our rows as Authlib's client, authorization-code and token objects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin
from authlib.oauth2.rfc6749.util import list_to_scope, scope_to_list
from authlib.oidc.core.models import AuthorizationCodeMixin

from healthnet.core.db import utcnow
from healthnet.core.oidc import service
from healthnet.core.oidc.models import OidcAuthorizationCode, OidcClient, OidcToken
from healthnet.core.rbac.actor import Actor

if TYPE_CHECKING:
    from healthnet.core.oidc.server.core import HealthNetServer


@dataclass
class OidcUser:
    """The signed-in HealthNet user an authorization is for."""

    user_id: str
    username: str
    institution_id: str | None
    sid: str | None = None  # service.session_ref of the login session
    auth_time: datetime | None = None
    actor: Actor | None = None


class ClientAdapter(ClientMixin):  # type: ignore[misc]
    def __init__(self, row: OidcClient) -> None:
        self.row = row

    @property
    def client_id(self) -> str:
        return self.row.client_id

    @property
    def client_metadata(self) -> dict[str, Any]:
        return {"post_logout_redirect_uris": list(self.row.post_logout_redirect_uris)}

    def get_client_id(self) -> str:
        return self.row.client_id

    def get_default_redirect_uri(self) -> None:
        return None  # OIDC Core §3.1.2.1: redirect_uri is required in every request

    def get_allowed_scope(self, scope: str | None) -> str:
        if not scope:
            return ""
        allowed = set(self.row.scopes)
        return str(list_to_scope([s for s in scope_to_list(scope) if s in allowed]))

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.row.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return service.verify_client_secret(self.row, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if endpoint == "token":
            return method == self.row.token_endpoint_auth_method
        if self.row.is_public:
            return method == "none"
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type in self.row.response_types

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.row.grant_types


class CodeAdapter(AuthorizationCodeMixin):  # type: ignore[misc]
    def __init__(self, row: OidcAuthorizationCode) -> None:
        self.row = row
        self.code_challenge = row.code_challenge
        self.code_challenge_method = row.code_challenge_method

    def get_redirect_uri(self) -> str:
        return self.row.redirect_uri

    def get_scope(self) -> str:
        return self.row.scope

    def get_nonce(self) -> str | None:
        return self.row.nonce

    def get_auth_time(self) -> int:
        return int(self.row.auth_time.timestamp())


class TokenAdapter(TokenMixin):  # type: ignore[misc]
    def __init__(self, server: HealthNetServer, row: OidcToken, kind: str) -> None:
        self.server = server
        self.row = row
        self.kind = kind
        self.client_row = server.session.get(OidcClient, row.client_pk)

    @property
    def scope(self) -> str:
        return self.row.scope

    def check_client(self, client: ClientAdapter) -> bool:
        return self.row.client_pk == client.row.id

    def get_scope(self) -> str:
        return self.row.scope

    def get_expires_in(self) -> int:
        return int((self.row.expires_at - self.row.issued_at).total_seconds())

    def is_expired(self) -> bool:
        now = utcnow()
        if self.kind == "access":
            return self.row.expires_at <= now
        until = self.row.refresh_expires_at
        return until is None or until <= now or self.row.refresh_used_at is not None

    def is_revoked(self) -> bool:
        client = self.client_row
        return self.row.revoked_at is not None or client is None or not client.is_active

    def get_user(self) -> OidcUser | None:
        if self.row.user_id is None:
            return None
        return self.server.load_user(self.row.user_id, sid=self.row.sid)

    def get_client(self) -> ClientAdapter | None:
        return ClientAdapter(self.client_row) if self.client_row is not None else None
