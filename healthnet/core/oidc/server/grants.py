"""Authlib's grants and endpoints, bound to HealthNet's storage and rules."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from authlib.oauth2.rfc6749 import OAuth2Request, grants
from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oauth2.rfc6749.resource_protector import ResourceProtector
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oidc.core import OpenIDCode, UserInfo, UserInfoEndpoint
from authlib.oidc.rpinitiated import EndSessionEndpoint

from healthnet.core.db import utcnow
from healthnet.core.oidc import service
from healthnet.core.oidc.server.adapters import ClientAdapter, CodeAdapter, OidcUser, TokenAdapter

if TYPE_CHECKING:
    from healthnet.core.oidc.server.core import HealthNetServer


class S256CodeChallenge(CodeChallenge):  # type: ignore[misc]
    """PKCE for every client, S256 only (RFC 7636 §4.2; RFC 9700 §2.1.1 forbids plain)."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]  # noqa: RUF012  (Authlib's class attribute)
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("Missing 'code_challenge' (PKCE S256 is required).")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("'code_challenge_method' must be S256.")
        super().validate_code_challenge(grant, redirect_uri)


class HealthNetOpenIDCode(OpenIDCode):  # type: ignore[misc]
    def __init__(self, server: HealthNetServer) -> None:
        super().__init__(require_nonce=False)
        self.server = server

    def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
        return service.nonce_used(
            session=self.server.session, client_id=request.payload.client_id, nonce=nonce
        )

    def resolve_client_private_key(self, client: ClientAdapter) -> Any:
        return self.server.signing_key().key

    def get_client_algorithm(self, client: ClientAdapter) -> str:
        return self.server.signing_key().alg

    def get_encode_header(self, client: ClientAdapter) -> dict[str, str]:
        key = self.server.signing_key()
        return {"alg": key.alg, "kid": key.kid, "typ": "JWT"}

    def get_client_claims(self, client: ClientAdapter) -> dict[str, Any]:
        now = int(time.time())
        return {
            "iss": self.server.issuer,
            "aud": client.get_client_id(),
            "iat": now,
            "exp": now + int(service.ID_TOKEN_TTL.total_seconds()),
        }

    def get_authorization_code_claims(self, authorization_code: CodeAdapter) -> dict[str, Any]:
        claims: dict[str, Any] = super().get_authorization_code_claims(authorization_code)
        if authorization_code.row.sid:
            # OpenID Connect Front-/Back-Channel Logout: the session the token belongs to.
            claims["sid"] = authorization_code.row.sid
        return claims

    def generate_user_info(self, user: OidcUser, scope: str) -> UserInfo:
        return self.server.user_info(user, scope)


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]  # noqa: RUF012

    @property
    def hn(self) -> HealthNetServer:
        server: HealthNetServer = self.server
        return server

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        user: OidcUser = request.user
        data = request.payload.data
        service.save_code(
            session=self.hn.session,
            code=code,
            client_pk=request.client.row.id,
            user_id=user.user_id,
            redirect_uri=request.payload.redirect_uri,
            scope=request.scope or "",
            nonce=data.get("nonce"),
            code_challenge=data["code_challenge"],
            code_challenge_method=data["code_challenge_method"],
            sid=user.sid,
            auth_time=user.auth_time or utcnow(),
        )

    def query_authorization_code(self, code: str, client: ClientAdapter) -> CodeAdapter | None:
        row = service.consume_code(session=self.hn.session, code=code, client_pk=client.row.id)
        return CodeAdapter(row) if row is not None else None

    def delete_authorization_code(self, authorization_code: CodeAdapter) -> None:
        pass  # consume_code already marked it used (kept for replay detection)

    def authenticate_user(self, authorization_code: CodeAdapter) -> OidcUser | None:
        row = authorization_code.row
        return self.hn.load_user(row.user_id, sid=row.sid)


class RefreshTokenGrant(grants.RefreshTokenGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]  # noqa: RUF012
    INCLUDE_NEW_REFRESH_TOKEN = True  # rotation, RFC 9700 §4.14.2

    @property
    def hn(self) -> HealthNetServer:
        server: HealthNetServer = self.server
        return server

    def authenticate_refresh_token(self, refresh_token: str) -> TokenAdapter | None:
        session = self.hn.session
        row = service.find_token(session=session, token=refresh_token, kind="refresh")
        if row is None:
            return None
        if row.refresh_used_at is not None and row.revoked_at is None:
            # A rotated-out refresh token came back: someone holds a copy. End the family.
            service.revoke_family(session=session, family_id=row.family_id)
            return None
        token = TokenAdapter(self.hn, row, "refresh")
        if not service.token_is_active(row, kind="refresh", client=token.client_row):
            return None
        return token

    def authenticate_user(self, refresh_token: TokenAdapter) -> OidcUser | None:
        row = refresh_token.row
        return self.hn.load_user(row.user_id, sid=row.sid) if row.user_id else None

    def revoke_old_credential(self, refresh_token: TokenAdapter) -> None:
        service.mark_refresh_used(session=self.hn.session, token=refresh_token.row)


class ClientCredentialsGrant(grants.ClientCredentialsGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]  # noqa: RUF012


class TokenLookup:
    server: Any

    def query_token(self, token_string: str, token_type_hint: str | None) -> TokenAdapter | None:
        hn: HealthNetServer = self.server
        kinds = (
            ["refresh", "access"] if token_type_hint == "refresh_token" else ["access", "refresh"]
        )
        for kind in kinds:
            row = service.find_token(session=hn.session, token=token_string, kind=kind)
            if row is not None:
                return TokenAdapter(hn, row, kind)
        return None


class HealthNetIntrospectionEndpoint(TokenLookup, IntrospectionEndpoint):  # type: ignore[misc]
    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]  # noqa: RUF012

    def check_permission(
        self, token: TokenAdapter, client: ClientAdapter, request: OAuth2Request
    ) -> bool:
        # A client sees its own tokens; a resource server registered for it sees any.
        return token.check_client(client) or client.row.may_introspect

    def introspect_token(self, token: TokenAdapter) -> dict[str, Any]:
        hn: HealthNetServer = self.server
        row = token.row
        expires = row.expires_at if token.kind == "access" else row.refresh_expires_at
        payload: dict[str, Any] = {
            "active": True,
            "client_id": token.client_row.client_id if token.client_row else None,
            "token_type": "Bearer" if token.kind == "access" else "refresh_token",
            "scope": row.scope,
            "iss": hn.issuer,
            "iat": int(row.issued_at.timestamp()),
            "exp": int(expires.timestamp()) if expires else None,
        }
        if row.user_id:
            payload["sub"] = row.user_id
            user = token.get_user()
            if user is not None:
                payload["username"] = user.username
        elif token.client_row is not None:
            payload["institution_id"] = token.client_row.institution_id
        return payload


class HealthNetRevocationEndpoint(TokenLookup, RevocationEndpoint):  # type: ignore[misc]
    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]  # noqa: RUF012

    def revoke_token(self, token: TokenAdapter, request: OAuth2Request) -> None:
        hn: HealthNetServer = self.server
        service.revoke_token(
            session=hn.session, token=token.row, whole_family=token.kind == "refresh"
        )
        hn.audit_client(token.client_row, "oidc.token.revoke", "success", {"tokenKind": token.kind})


class BearerValidator(BearerTokenValidator):  # type: ignore[misc]
    def __init__(self, server: HealthNetServer) -> None:
        super().__init__()
        self.server = server

    def authenticate_token(self, token_string: str) -> TokenAdapter | None:
        row = service.find_token(session=self.server.session, token=token_string, kind="access")
        if row is None:
            return None
        token = TokenAdapter(self.server, row, "access")
        if row.user_id and not service.user_is_active(
            session=self.server.session, user_id=row.user_id
        ):
            return None
        return token


class Protector(ResourceProtector):  # type: ignore[misc]
    def __init__(self, server: HealthNetServer) -> None:
        super().__init__()
        self.register_token_validator(BearerValidator(server))
        self.request: OAuth2Request | None = None

    def acquire_token(self, scopes: str) -> TokenAdapter:
        token: TokenAdapter = self.validate_request([scopes], self.request)
        return token


class HealthNetUserInfoEndpoint(UserInfoEndpoint):  # type: ignore[misc]
    def __call__(self, request: OAuth2Request) -> Any:
        self.resource_protector.request = request
        return super().__call__(request)

    def get_issuer(self) -> str:
        hn: HealthNetServer = self.server
        return hn.issuer

    def generate_user_info(self, user: OidcUser, scope: str) -> UserInfo:
        hn: HealthNetServer = self.server
        return hn.user_info(user, scope)

    def resolve_private_key(self) -> Any:
        hn: HealthNetServer = self.server
        return hn.signing_key().key


class HealthNetEndSessionEndpoint(EndSessionEndpoint):  # type: ignore[misc]
    def get_server_jwks(self) -> dict[str, Any]:
        hn: HealthNetServer = self.server
        return service.public_jwks(session=hn.session)

    def end_session(self, end_session_request: Any) -> None:
        hn: HealthNetServer = self.server
        hn.end_session(end_session_request.id_token_claims, end_session_request.client)
