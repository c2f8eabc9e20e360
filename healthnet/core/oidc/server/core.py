"""The authorization server object, built once per request around its database session."""

from __future__ import annotations

from typing import Any

from authlib.oauth2.rfc6749 import AuthorizationServer, OAuth2Request
from authlib.oauth2.rfc6749.util import list_to_scope, scope_to_list
from authlib.oidc.core import UserInfo
from sqlalchemy.orm import Session

from healthnet.core.audit.context import AuditContext
from healthnet.core.audit.service import record
from healthnet.core.oidc import service
from healthnet.core.oidc.models import OidcClient
from healthnet.core.oidc.scopes import OIDC_SCOPES, known_scopes
from healthnet.core.oidc.server.adapters import ClientAdapter, CodeAdapter, OidcUser, TokenAdapter
from healthnet.core.oidc.server.grants import (
    AuthorizationCodeGrant,
    ClientCredentialsGrant,
    HealthNetEndSessionEndpoint,
    HealthNetIntrospectionEndpoint,
    HealthNetOpenIDCode,
    HealthNetRevocationEndpoint,
    HealthNetUserInfoEndpoint,
    Protector,
    RefreshTokenGrant,
    S256CodeChallenge,
)
from healthnet.core.oidc.server.http import OAuth2HttpRequest, ProtocolResponse


class HealthNetServer(AuthorizationServer):  # type: ignore[misc]
    def __init__(
        self,
        *,
        session: Session,
        issuer: str,
        audit: AuditContext | None = None,
        login_token: str | None = None,
    ) -> None:
        super().__init__(scopes_supported=known_scopes())
        self.session = session
        self.issuer = issuer
        self.audit = audit
        # The browser's HealthNet session token, for /oidc/logout.
        self.login_token = login_token
        self._signing_key: service.SigningKey | None = None
        self.register_token_generator("default", self._generate_token)
        self.register_grant(
            AuthorizationCodeGrant, [S256CodeChallenge(required=True), HealthNetOpenIDCode(self)]
        )
        self.register_grant(RefreshTokenGrant)
        self.register_grant(ClientCredentialsGrant)
        self.register_endpoint(HealthNetIntrospectionEndpoint)
        self.register_endpoint(HealthNetRevocationEndpoint)
        self.register_endpoint(HealthNetEndSessionEndpoint)
        self.register_endpoint(HealthNetUserInfoEndpoint(resource_protector=Protector(self)))

    # Authlib hooks -----------------------------------------------------------------------

    def query_client(self, client_id: str) -> ClientAdapter | None:
        row = service.find_active_client(session=self.session, client_id=client_id)
        return ClientAdapter(row) if row is not None else None

    def create_oauth2_request(self, request: Any) -> OAuth2Request:
        if isinstance(request, OAuth2Request):
            return request
        return OAuth2HttpRequest(request)

    def create_json_request(self, request: Any) -> Any:
        raise NotImplementedError("no JSON endpoints (dynamic registration) are enabled")

    def handle_response(self, status: int, body: Any, headers: Any) -> ProtocolResponse:
        return ProtocolResponse(status, body, list(headers or []))

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        pass  # no signal bus; auditing is done where the outcome is known

    def _generate_token(
        self,
        grant_type: str,
        client: ClientAdapter,
        user: OidcUser | None = None,
        scope: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        granted = scope_to_list(client.get_allowed_scope(scope)) or []
        if user is None:
            # No person behind a client-credentials token: OpenID scopes make no sense there.
            granted = [s for s in granted if s not in OIDC_SCOPES]
        ttl = service.USER_ACCESS_TOKEN_TTL if user else service.CLIENT_ACCESS_TOKEN_TTL
        token: dict[str, Any] = {
            "token_type": "Bearer",
            "access_token": service.new_access_token(),
            "expires_in": int(ttl.total_seconds()),
        }
        if include_refresh_token and user is not None:
            token["refresh_token"] = service.new_refresh_token()
        if granted:
            token["scope"] = list_to_scope(granted)
        return token

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        client: ClientAdapter = request.client
        user: OidcUser | None = request.user
        grant_type = request.payload.grant_type
        family_id = refresh_expires_at = code_id = None
        sid = user.sid if user else None
        if grant_type == "authorization_code" and request.authorization_code is not None:
            code: CodeAdapter = request.authorization_code
            code_id, sid = code.row.id, code.row.sid
        elif grant_type == "refresh_token" and request.refresh_token is not None:
            old: TokenAdapter = request.refresh_token
            family_id, sid = old.row.family_id, old.row.sid
            refresh_expires_at = old.row.refresh_expires_at
        service.store_token(
            session=self.session,
            client_pk=client.row.id,
            grant_type=grant_type,
            scope=token.get("scope", ""),
            access_token=token["access_token"],
            expires_in=int(token["expires_in"]),
            refresh_token=token.get("refresh_token"),
            user_id=user.user_id if user else None,
            sid=sid,
            family_id=family_id,
            refresh_expires_at=refresh_expires_at,
            authorization_code_id=code_id,
        )

    # HealthNet helpers -------------------------------------------------------------------

    def signing_key(self) -> service.SigningKey:
        if self._signing_key is None:
            self._signing_key = service.active_signing_key(session=self.session)
        return self._signing_key

    def load_user(self, user_id: str, *, sid: str | None) -> OidcUser | None:
        from healthnet.core.auth.service import get_user

        if not service.user_is_active(session=self.session, user_id=user_id):
            return None
        user = get_user(session=self.session, user_id=user_id)
        return OidcUser(
            user_id=user.id, username=user.username, institution_id=user.institution_id, sid=sid
        )

    def user_info(self, user: OidcUser, scope: str) -> UserInfo:
        claims = service.user_claims(
            session=self.session, user_id=user.user_id, scopes=scope_to_list(scope) or []
        )
        return UserInfo(claims)

    def audit_client(
        self,
        client: OidcClient | None,
        action: str,
        outcome: str,
        detail: dict[str, Any] | None = None,
        *,
        claimed_client_id: str | None = None,
    ) -> None:
        client_id = client.client_id if client is not None else (claimed_client_id or "-")
        record(
            session=self.session,
            actor=None,
            username=f"client:{client_id}"[:64],
            institution_id=client.institution_id if client is not None else None,
            action=action,
            resource_type="oidc_client",
            resource_id=client_id[:64],
            purpose="HOPERAT",
            outcome=outcome,
            detail=detail,
            request=self.audit,
        )

    def end_session(
        self, id_token_claims: dict[str, Any] | None, client: ClientAdapter | None
    ) -> None:
        from healthnet.core.auth import service as auth_service

        sids: set[str] = set()
        if self.login_token:
            sids.add(service.session_ref(self.login_token))
            auth_service.logout(session=self.session, token=self.login_token)
        if id_token_claims and isinstance(id_token_claims.get("sid"), str):
            sids.add(id_token_claims["sid"])
        revoked = service.revoke_session_tokens(session=self.session, sids=sids)
        self.audit_client(
            client.row if client else None,
            "oidc.logout",
            "success",
            {"tokensRevoked": revoked, "browserSession": bool(self.login_token)},
        )

    def metadata(self) -> dict[str, Any]:
        """OpenID Connect Discovery 1.0 §3 / RFC 8414 §2."""
        base = self.issuer
        return {
            "issuer": base,
            "authorization_endpoint": f"{base}/oidc/authorize",
            "token_endpoint": f"{base}/oidc/token",
            "userinfo_endpoint": f"{base}/oidc/userinfo",
            "jwks_uri": f"{base}/oidc/jwks",
            "end_session_endpoint": f"{base}/oidc/logout",
            "introspection_endpoint": f"{base}/oidc/introspect",
            "revocation_endpoint": f"{base}/oidc/revoke",
            "scopes_supported": known_scopes(),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": [service.SIGNING_ALG],
            "token_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
                "none",
            ],
            "introspection_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
            ],
            "revocation_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
                "none",
            ],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": [
                "sub",
                "iss",
                "aud",
                "exp",
                "iat",
                "auth_time",
                "nonce",
                "sid",
                "name",
                "preferred_username",
                "institution_id",
                "district_code",
            ],
            "prompt_values_supported": ["none", "login"],
            "ui_locales_supported": ["zh-CN", "en"],
        }
