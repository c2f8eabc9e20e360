"""The endpoints' flows: authorize, token, the Authlib endpoints, logout."""

from __future__ import annotations

from urllib.parse import quote, urlencode, urlsplit

from authlib.oauth2.rfc6749 import OAuth2Error
from sqlalchemy.orm import Session

from healthnet.core.audit.context import AuditContext
from healthnet.core.audit.service import record
from healthnet.core.errors import DomainError, Unauthenticated
from healthnet.core.oidc.server.adapters import ClientAdapter, OidcUser
from healthnet.core.oidc.server.core import HealthNetServer
from healthnet.core.oidc.server.http import HttpRequest, ProtocolResponse

LOGIN_PAGE = "/login"  # the web UI's login page; it returns to ``next`` after signing in


class AuthorizeRefused(DomainError):
    """An authorization request that must not be redirected back to the client."""

    status = 400


def _login_redirect(http: HttpRequest) -> ProtocolResponse:
    """Send the browser to the web login page, which returns to this request afterwards."""
    parts = urlsplit(http.url)
    query = []
    for key, values in http.query.items():
        for value in values:
            if key == "prompt":
                # Drop "login" so that coming back after signing in does not loop.
                value = " ".join(p for p in value.split() if p != "login")
                if not value:
                    continue
            query.append((key, value))
    back = parts.path + ("?" + urlencode(query) if query else "")
    return ProtocolResponse(302, "", [("Location", f"{LOGIN_PAGE}?next={quote(back, safe='')}")])


def authorize(
    *,
    session: Session,
    http: HttpRequest,
    issuer: str,
    user: OidcUser | None,
    wants_html: bool,
    audit: AuditContext | None = None,
) -> ProtocolResponse:
    """The authorization endpoint (OIDC Core §3.1.2): a code for a signed-in user."""
    server = HealthNetServer(session=session, issuer=issuer, audit=audit)
    request = server.create_oauth2_request(http)
    try:
        grant = server.get_consent_grant(request, end_user=user)
    except OAuth2Error as error:
        if error.redirect_uri:
            response: ProtocolResponse = server.handle_error_response(request, error)
            return response
        # RFC 6749 §4.1.2.1: unknown client or redirect URI → tell the user, never redirect.
        code = (
            "oidc.authorize_invalid_client"
            if error.error == "invalid_client"
            else "oidc.authorize_invalid_request"
        )
        raise AuthorizeRefused(code) from None
    prompts = (request.payload.data.get("prompt") or "").split()
    if user is None or "login" in prompts:
        if wants_html:
            return _login_redirect(http)
        raise Unauthenticated("oidc.login_required")
    result: ProtocolResponse = server.create_authorization_response(
        request, grant_user=user, grant=grant
    )
    client: ClientAdapter = request.client
    if result.status == 302 and user.actor is not None:
        location = dict(result.headers).get("Location", "")
        outcome = "failure" if "error=" in urlsplit(location).query else "success"
        record(
            session=session,
            actor=user.actor,
            action="oidc.authorize",
            resource_type="oidc_client",
            resource_id=client.row.client_id,
            purpose="HOPERAT",
            outcome=outcome,
            detail={"scope": request.scope or ""},
            request=audit,
        )
    return result


def token(
    *, session: Session, http: HttpRequest, issuer: str, audit: AuditContext | None = None
) -> ProtocolResponse:
    """The token endpoint (RFC 6749 §3.2): codes, refresh tokens and client credentials."""
    server = HealthNetServer(session=session, issuer=issuer, audit=audit)
    request = server.create_oauth2_request(http)
    response: ProtocolResponse = server.create_token_response(request)
    client: ClientAdapter | None = request.client
    # Only known values go into the audit detail: it refuses anything that looks personal.
    grant_type = request.payload.grant_type
    if grant_type not in ("authorization_code", "refresh_token", "client_credentials"):
        grant_type = "other"
    if response.status == 200:
        server.audit_client(
            client.row if client else None,
            "oidc.token.issue",
            "success",
            {"grantType": grant_type, "scope": response.body.get("scope", "")},
        )
    else:
        error = response.body.get("error", "-") if isinstance(response.body, dict) else "-"
        claimed = client.row.client_id if client else request.payload.client_id
        server.audit_client(
            client.row if client else None,
            "oidc.token.issue",
            "failure",
            {"grantType": grant_type, "error": str(error)[:40]},
            claimed_client_id=claimed,
        )
    return response


def endpoint(
    name: str,
    *,
    session: Session,
    http: HttpRequest,
    issuer: str,
    audit: AuditContext | None = None,
) -> ProtocolResponse:
    """Introspection (RFC 7662), revocation (RFC 7009) and UserInfo (OIDC Core §5.3)."""
    server = HealthNetServer(session=session, issuer=issuer, audit=audit)
    response: ProtocolResponse = server.create_endpoint_response(
        name, server.create_oauth2_request(http)
    )
    return response


def logout(
    *,
    session: Session,
    http: HttpRequest,
    issuer: str,
    login_token: str | None,
    wants_html: bool,
    audit: AuditContext | None = None,
) -> ProtocolResponse:
    """RP-Initiated Logout 1.0: end the HealthNet session and the tokens issued under it."""
    server = HealthNetServer(session=session, issuer=issuer, audit=audit, login_token=login_token)
    request = server.create_oauth2_request(http)
    try:
        validated = server.validate_endpoint_request("end_session", request)
    except OAuth2Error as error:
        # §4: on an invalid request the OP must not redirect.
        raise AuthorizeRefused("oidc.logout_invalid", reason=error.error) from None
    if validated.needs_confirmation and http.method != "POST":
        # §6: without id_token_hint a GET could be a forged logout; ask for a POST instead.
        raise AuthorizeRefused("oidc.logout_confirm")
    result: ProtocolResponse | None = server.create_endpoint_response("end_session", validated)
    if result is None:
        result = (
            ProtocolResponse(302, "", [("Location", LOGIN_PAGE)])
            if wants_html
            else ProtocolResponse(200, {"loggedOut": True}, [])
        )
    return ProtocolResponse(result.status, result.body, result.headers, clear_session_cookie=True)
