"""The OIDC provider driven by a real client library (Authlib's httpx OAuth2Client), the way a
subsystem or a hospital system would use it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import parse_qs, urlsplit

import pytest
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oidc.core import CodeIDToken
from authlib.oidc.discovery import OpenIDProviderMetadata
from fastapi import Depends
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.errors import BadSignatureError, InvalidClaimError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from healthnet.core.audit.models import AuditRecord
from healthnet.core.oidc.deps import ClientPrincipal, require_scope

from .conftest import BASE, LOGOUT_REDIRECT, REDIRECT

MakeOAuth = Callable[..., OAuth2Client]


def _meta(client: TestClient) -> dict[str, Any]:
    resp = client.get(f"{BASE}/.well-known/openid-configuration")
    assert resp.status_code == 200
    data: dict[str, Any] = resp.json()
    return data


def _me(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    resp = client.get("/api/v1/auth/me", headers=headers)
    assert resp.status_code == 200, resp.text
    data: dict[str, Any] = resp.json()
    return data


def _rp(oauth: MakeOAuth, rp: dict[str, Any]) -> OAuth2Client:
    return oauth(
        client_id=rp["clientId"],
        client_secret=rp.get("clientSecret"),
        scope="openid profile",
        redirect_uri=REDIRECT,
        code_challenge_method="S256",
        token_endpoint_auth_method=rp["tokenEndpointAuthMethod"],
    )


def _authorize(
    client: TestClient,
    rp: OAuth2Client,
    user: dict[str, str],
    meta: dict[str, Any],
    *,
    verifier: str | None,
    nonce: str | None = None,
) -> tuple[str, str]:
    """The browser leg: the signed-in user follows the RP's authorization URL."""
    url, state = rp.create_authorization_url(
        meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )
    resp = client.get(url, headers=user, follow_redirects=False)
    assert resp.status_code == 302, resp.text
    return resp.headers["location"], state


def _sign_in(
    client: TestClient, oauth: MakeOAuth, rp_client: dict[str, Any], user: dict[str, str]
) -> tuple[dict[str, Any], OAuth2Client, dict[str, Any]]:
    """The whole code + PKCE flow for a signed-in user: discovery, the relying party, its tokens."""
    meta = _meta(client)
    rp = _rp(oauth, rp_client)
    verifier = generate_token(48)
    location, _ = _authorize(client, rp, user, meta, verifier=verifier)
    token = rp.fetch_token(
        meta["token_endpoint"], authorization_response=location, code_verifier=verifier
    )
    return meta, rp, dict(token)


def _validate_id_token(
    id_token: str,
    jwks: dict[str, Any],
    meta: dict[str, Any],
    *,
    client_id: str,
    nonce: str,
    access_token: str,
) -> CodeIDToken:
    # What Authlib's own relying-party code does (OpenIDMixin.parse_id_token).
    decoded = jwt.decode(
        id_token,
        KeySet.import_key_set(jwks),  # type: ignore[arg-type]
        registry=JWSRegistry(algorithms=meta["id_token_signing_alg_values_supported"]),
    )
    claims = CodeIDToken(
        decoded.claims,
        decoded.header,
        {"iss": {"values": [meta["issuer"]]}, "aud": {"values": [client_id]}},
        {"nonce": nonce, "client_id": client_id, "access_token": access_token},
    )
    claims.validate(leeway=120)
    return claims


def test_discovery_document_is_valid_openid_provider_metadata(client: TestClient) -> None:
    meta = _meta(client)
    OpenIDProviderMetadata(meta).validate()
    assert meta["issuer"] == BASE
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["token_endpoint"] == f"{BASE}/oidc/token"
    jwks = client.get(meta["jwks_uri"]).json()
    assert jwks["keys"] and all("d" not in k and "p" not in k for k in jwks["keys"])


def test_sso_authorization_code_with_pkce_end_to_end(
    client: TestClient,
    oauth: MakeOAuth,
    rp_client: dict[str, Any],
    make_headers: Callable[..., dict[str, str]],
    db: Session,
) -> None:
    user = make_headers()
    me = _me(client, user)
    meta = _meta(client)
    rp = _rp(oauth, rp_client)
    verifier, nonce = generate_token(48), generate_token(20)

    location, state = _authorize(client, rp, user, meta, verifier=verifier, nonce=nonce)
    assert location.startswith(REDIRECT + "?")
    params = parse_qs(urlsplit(location).query)
    assert params["state"] == [state] and "code" in params

    # The library checks the state and sends the PKCE verifier and client credentials.
    token = rp.fetch_token(
        meta["token_endpoint"], authorization_response=location, code_verifier=verifier
    )
    assert token["token_type"] == "Bearer" and token["refresh_token"]
    assert set(token["scope"].split()) == {"openid", "profile"}

    jwks = rp.request("GET", meta["jwks_uri"], withhold_token=True).json()
    claims = _validate_id_token(
        token["id_token"],
        jwks,
        meta,
        client_id=rp_client["clientId"],
        nonce=nonce,
        access_token=token["access_token"],
    )
    assert claims["sub"] == me["id"]
    assert claims["preferred_username"] == me["username"]
    assert claims["auth_time"] <= claims["iat"]

    # A client expecting another nonce, or a tampered token, must reject it.
    with pytest.raises(InvalidClaimError):
        _validate_id_token(
            token["id_token"],
            jwks,
            meta,
            client_id=rp_client["clientId"],
            nonce="another-nonce",
            access_token=token["access_token"],
        )
    head, body, sig = token["id_token"].split(".")
    forged = ".".join([head, body[:-4] + ("AAAA" if body[-4:] != "AAAA" else "BBBB"), sig])
    with pytest.raises(BadSignatureError):
        _validate_id_token(
            forged,
            jwks,
            meta,
            client_id=rp_client["clientId"],
            nonce=nonce,
            access_token=token["access_token"],
        )

    info = rp.get(meta["userinfo_endpoint"])
    assert info.status_code == 200
    assert info.json()["sub"] == me["id"] and info.json()["name"] == me["displayName"]

    # The SSO login is in the audit trail, under the user.
    actions = set(db.scalars(select(AuditRecord.action).where(AuditRecord.actor_id == me["id"])))
    assert "oidc.authorize" in actions


def test_public_client_uses_pkce_without_a_secret(
    client: TestClient,
    oauth: MakeOAuth,
    register: Callable[..., dict[str, Any]],
    make_headers: Callable[..., dict[str, str]],
) -> None:
    spa = register(name="影像浏览器", isPublic=True, grantTypes=["authorization_code"])
    assert spa["clientSecret"] is None and spa["tokenEndpointAuthMethod"] == "none"
    meta = _meta(client)
    rp = _rp(oauth, spa)
    verifier = generate_token(48)
    location, _ = _authorize(client, rp, make_headers(), meta, verifier=verifier)
    token = rp.fetch_token(
        meta["token_endpoint"], authorization_response=location, code_verifier=verifier
    )
    assert token["access_token"] and "refresh_token" not in token


def test_authorization_without_pkce_is_refused(
    client: TestClient,
    oauth: MakeOAuth,
    rp_client: dict[str, Any],
    make_headers: Callable[..., dict[str, str]],
) -> None:
    meta = _meta(client)
    location, state = _authorize(client, _rp(oauth, rp_client), make_headers(), meta, verifier=None)
    params = parse_qs(urlsplit(location).query)
    assert location.startswith(REDIRECT)
    assert params["error"] == ["invalid_request"] and "code" not in params
    assert params["state"] == [state]


def test_plain_pkce_is_refused(
    client: TestClient,
    rp_client: dict[str, Any],
    make_headers: Callable[..., dict[str, str]],
) -> None:
    verifier = generate_token(48)
    resp = client.get(
        f"{BASE}/oidc/authorize",
        params={
            "response_type": "code",
            "client_id": rp_client["clientId"],
            "redirect_uri": REDIRECT,
            "scope": "openid",
            "code_challenge": verifier,
            "code_challenge_method": "plain",
        },
        headers=make_headers(),
        follow_redirects=False,
    )
    assert resp.status_code == 302
    assert parse_qs(urlsplit(resp.headers["location"]).query)["error"] == ["invalid_request"]


def test_wrong_or_missing_code_verifier_is_refused(
    client: TestClient,
    oauth: MakeOAuth,
    rp_client: dict[str, Any],
    make_headers: Callable[..., dict[str, str]],
) -> None:
    meta = _meta(client)
    rp = _rp(oauth, rp_client)
    user = make_headers()
    location, _ = _authorize(client, rp, user, meta, verifier=generate_token(48))
    with pytest.raises(OAuthError) as wrong:
        rp.fetch_token(
            meta["token_endpoint"],
            authorization_response=location,
            code_verifier=generate_token(48),
        )
    assert wrong.value.error == "invalid_grant"

    location, _ = _authorize(client, rp, user, meta, verifier=generate_token(48))
    with pytest.raises(OAuthError) as missing:
        rp.fetch_token(meta["token_endpoint"], authorization_response=location)
    assert missing.value.error == "invalid_request"


def test_code_reuse_is_refused_and_revokes_what_the_code_gave(
    client: TestClient,
    oauth: MakeOAuth,
    rp_client: dict[str, Any],
    make_headers: Callable[..., dict[str, str]],
) -> None:
    meta = _meta(client)
    rp = _rp(oauth, rp_client)
    verifier = generate_token(48)
    location, _ = _authorize(client, rp, make_headers(), meta, verifier=verifier)
    token = rp.fetch_token(
        meta["token_endpoint"], authorization_response=location, code_verifier=verifier
    )
    assert rp.get(meta["userinfo_endpoint"]).status_code == 200

    replay = _rp(oauth, rp_client)
    with pytest.raises(OAuthError) as err:
        replay.fetch_token(
            meta["token_endpoint"], authorization_response=location, code_verifier=verifier
        )
    assert err.value.error == "invalid_grant"
    # RFC 6749 §4.1.2: the tokens issued from the replayed code no longer work.
    resp = client.get(
        meta["userinfo_endpoint"], headers={"Authorization": f"Bearer {token['access_token']}"}
    )
    assert resp.status_code == 401


def test_refresh_token_rotates_and_reuse_revokes_the_family(
    client: TestClient,
    oauth: MakeOAuth,
    rp_client: dict[str, Any],
    make_headers: Callable[..., dict[str, str]],
) -> None:
    meta = _meta(client)
    rp = _rp(oauth, rp_client)
    verifier = generate_token(48)
    location, _ = _authorize(client, rp, make_headers(), meta, verifier=verifier)
    first = rp.fetch_token(
        meta["token_endpoint"], authorization_response=location, code_verifier=verifier
    )
    second = rp.refresh_token(meta["token_endpoint"], refresh_token=first["refresh_token"])
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    bearer = {"Authorization": f"Bearer {second['access_token']}"}
    assert client.get(meta["userinfo_endpoint"], headers=bearer).status_code == 200

    with pytest.raises(OAuthError) as err:
        rp.refresh_token(meta["token_endpoint"], refresh_token=first["refresh_token"])
    assert err.value.error == "invalid_grant"
    assert client.get(meta["userinfo_endpoint"], headers=bearer).status_code == 401
    with pytest.raises(OAuthError):
        rp.refresh_token(meta["token_endpoint"], refresh_token=second["refresh_token"])


def test_unregistered_redirect_uri_is_refused_without_redirect(
    client: TestClient,
    rp_client: dict[str, Any],
    make_headers: Callable[..., dict[str, str]],
) -> None:
    params = {
        "response_type": "code",
        "client_id": rp_client["clientId"],
        "scope": "openid",
        "redirect_uri": "https://attacker.example.test/steal",
        "state": "s1",
        "code_challenge": generate_token(43),
        "code_challenge_method": "S256",
    }
    resp = client.get(
        f"{BASE}/oidc/authorize", params=params, headers=make_headers(), follow_redirects=False
    )
    assert resp.status_code == 400 and "location" not in resp.headers
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["code"] == "oidc.authorize_invalid_request"
    assert "回调地址" in resp.json()["detail"]

    params.update(client_id="hn_unknownclient", redirect_uri=REDIRECT)
    resp = client.get(
        f"{BASE}/oidc/authorize", params=params, headers=make_headers(), follow_redirects=False
    )
    assert resp.status_code == 400 and "location" not in resp.headers
    assert resp.json()["code"] == "oidc.authorize_invalid_client"


def test_authorize_without_login_sends_browsers_to_login_and_apis_a_401(
    client: TestClient,
    oauth: MakeOAuth,
    rp_client: dict[str, Any],
) -> None:
    meta = _meta(client)
    url, _ = _rp(oauth, rp_client).create_authorization_url(
        meta["authorization_endpoint"], code_verifier=generate_token(48)
    )
    api = client.get(url, follow_redirects=False)
    assert api.status_code == 401 and api.json()["code"] == "oidc.login_required"

    browser = client.get(
        url, headers={"Accept": "text/html,application/xhtml+xml"}, follow_redirects=False
    )
    assert browser.status_code == 302
    target = urlsplit(browser.headers["location"])
    assert target.path == "/login"
    back = parse_qs(target.query)["next"][0]
    assert back.startswith("/oidc/authorize?") and rp_client["clientId"] in back

    # prompt=none must not show a login page: the error goes back to the client.
    resp = client.get(url + "&prompt=none", follow_redirects=False)
    assert resp.status_code == 302 and "error=login_required" in resp.headers["location"]


def test_client_credentials_introspection_and_revocation(
    client: TestClient,
    oauth: MakeOAuth,
    hospital: dict[str, Any],
    register: Callable[..., dict[str, Any]],
) -> None:
    meta = _meta(client)
    his = oauth(client_id=hospital["clientId"], client_secret=hospital["clientSecret"])
    token = his.fetch_token(
        meta["token_endpoint"], grant_type="client_credentials", scope="fhir.write"
    )
    assert token["scope"] == "fhir.write" and "refresh_token" not in token
    assert "id_token" not in token

    info = his.introspect_token(meta["introspection_endpoint"], token=token["access_token"])
    body = info.json()
    assert body["active"] is True and body["client_id"] == hospital["clientId"]
    assert body["scope"] == "fhir.write" and body["iss"] == BASE

    # Another client, not registered as a resource server, learns nothing about it.
    other = register(
        name="另一医院",
        grantTypes=["client_credentials"],
        scopes=["fhir.read"],
        redirectUris=[],
        postLogoutRedirectUris=[],
    )
    stranger = oauth(client_id=other["clientId"], client_secret=other["clientSecret"])
    resp = stranger.introspect_token(meta["introspection_endpoint"], token=token["access_token"])
    assert resp.json() == {"active": False}
    # A resource server may.
    rs = register(
        name="共享档案服务",
        grantTypes=["client_credentials"],
        scopes=["fhir.read"],
        redirectUris=[],
        postLogoutRedirectUris=[],
        mayIntrospect=True,
    )
    rs_client = oauth(client_id=rs["clientId"], client_secret=rs["clientSecret"])
    resp = rs_client.introspect_token(meta["introspection_endpoint"], token=token["access_token"])
    assert resp.json()["active"] is True

    assert (
        his.revoke_token(meta["revocation_endpoint"], token=token["access_token"]).status_code
        == 200
    )
    info = his.introspect_token(meta["introspection_endpoint"], token=token["access_token"])
    assert info.json() == {"active": False}


def test_scopes_beyond_the_registration_are_not_granted(
    client: TestClient,
    oauth: MakeOAuth,
    hospital: dict[str, Any],
) -> None:
    meta = _meta(client)
    his = oauth(client_id=hospital["clientId"], client_secret=hospital["clientSecret"])
    token = his.fetch_token(
        meta["token_endpoint"], grant_type="client_credentials", scope="fhir.write fhir.read openid"
    )
    assert token["scope"] == "fhir.write"
    with pytest.raises(OAuthError) as err:
        his.fetch_token(
            meta["token_endpoint"], grant_type="client_credentials", scope="no.such_scope"
        )
    assert err.value.error == "invalid_scope"


def test_wrong_client_secret_gets_401(
    client: TestClient,
    hospital: dict[str, Any],
) -> None:
    resp = client.post(
        f"{BASE}/oidc/token",
        data={"grant_type": "client_credentials"},
        auth=(hospital["clientId"], "hncs_wrong-secret"),
    )
    assert resp.status_code == 401
    assert resp.json()["error"] == "invalid_client"
    assert "www-authenticate" in resp.headers
    resp = client.post(
        f"{BASE}/oidc/token",
        data={
            "grant_type": "client_credentials",
            "client_id": hospital["clientId"],
            "client_secret": "hncs_wrong-secret",
        },
    )
    assert resp.status_code == 401
    # Secrets are never accepted in the query string of a token request.
    resp = client.post(
        f"{BASE}/oidc/token",
        params={
            "grant_type": "client_credentials",
            "client_id": hospital["clientId"],
            "client_secret": hospital["clientSecret"],
        },
    )
    assert resp.status_code == 400


def test_logout_ends_the_session_and_its_tokens(
    client: TestClient,
    oauth: MakeOAuth,
    rp_client: dict[str, Any],
    make_headers: Callable[..., dict[str, str]],
    db: Session,
) -> None:
    user = make_headers()
    meta, rp, token = _sign_in(client, oauth, rp_client, user)
    assert rp.get(meta["userinfo_endpoint"]).status_code == 200

    # RP-Initiated Logout 1.0 §2: the RP sends the browser with its ID token as the hint.
    resp = client.get(
        meta["end_session_endpoint"],
        params={
            "id_token_hint": token["id_token"],
            "post_logout_redirect_uri": LOGOUT_REDIRECT,
            "state": "bye-1",
        },
        headers=user,
        follow_redirects=False,
    )
    assert resp.status_code == 302
    assert resp.headers["location"] == f"{LOGOUT_REDIRECT}?state=bye-1"

    assert client.get("/api/v1/auth/me", headers=user).status_code == 401
    assert rp.get(meta["userinfo_endpoint"]).status_code == 401
    with pytest.raises(OAuthError):
        rp.refresh_token(meta["token_endpoint"], refresh_token=token["refresh_token"])


def test_logout_does_not_redirect_to_an_unregistered_uri(
    client: TestClient,
    oauth: MakeOAuth,
    rp_client: dict[str, Any],
    make_headers: Callable[..., dict[str, str]],
) -> None:
    user = make_headers()
    meta, _rp_client, token = _sign_in(client, oauth, rp_client, user)
    resp = client.get(
        meta["end_session_endpoint"],
        params={
            "id_token_hint": token["id_token"],
            "post_logout_redirect_uri": "https://attacker.example.test/",
        },
        headers=user,
        follow_redirects=False,
    )
    assert resp.status_code == 200 and resp.json() == {"loggedOut": True}
    # A forged id_token_hint is refused outright; a GET without any hint asks for a POST.
    resp = client.get(meta["end_session_endpoint"], params={"id_token_hint": "x.y.z"})
    assert resp.status_code == 400 and resp.json()["code"] == "oidc.logout_invalid"
    resp = client.get(meta["end_session_endpoint"])
    assert resp.status_code == 400 and resp.json()["code"] == "oidc.logout_confirm"


def test_require_scope_accepts_hospital_tokens_only_with_the_scope(
    client: TestClient,
    oauth: MakeOAuth,
    hospital: dict[str, Any],
    make_headers: Callable[..., dict[str, str]],
) -> None:
    # A real route guarded the way the FHIR endpoint will be.
    def submit(
        principal: Annotated[ClientPrincipal, Depends(require_scope("fhir.write"))],
    ) -> dict[str, Any]:
        return {"clientId": principal.client_id, "scopes": sorted(principal.scopes)}

    client.app.add_api_route("/api/v1/_oidc_test/bundle", submit, methods=["POST"])  # type: ignore[attr-defined]
    meta = _meta(client)
    his = oauth(client_id=hospital["clientId"], client_secret=hospital["clientSecret"])
    write = his.fetch_token(
        meta["token_endpoint"], grant_type="client_credentials", scope="fhir.write"
    )["access_token"]
    read = his.fetch_token(
        meta["token_endpoint"], grant_type="client_credentials", scope="records.read"
    )["access_token"]
    url = "/api/v1/_oidc_test/bundle"
    ok = client.post(url, headers={"Authorization": f"Bearer {write}"})
    assert ok.status_code == 200 and ok.json()["clientId"] == hospital["clientId"]
    lacking = client.post(url, headers={"Authorization": f"Bearer {read}"})
    assert lacking.status_code == 403 and lacking.json()["code"] == "oidc.insufficient_scope"
    assert client.post(url).status_code == 401
    # A HealthNet user session is not a client token.
    assert client.post(url, headers=make_headers()).status_code == 401
    # Once the client is deactivated its tokens stop working at once.
    admin = make_headers("oidc:client:write")
    resp = client.post(f"/api/v1/oidc/clients/{hospital['id']}/deactivate", headers=admin)
    assert resp.status_code == 200 and resp.json()["isActive"] is False
    assert client.post(url, headers={"Authorization": f"Bearer {write}"}).status_code == 401
    with pytest.raises(OAuthError) as err:
        his.fetch_token(meta["token_endpoint"], grant_type="client_credentials", scope="fhir.write")
    assert err.value.error == "invalid_client"


def test_no_raw_secret_code_or_token_is_stored(
    client: TestClient,
    oauth: MakeOAuth,
    rp_client: dict[str, Any],
    make_headers: Callable[..., dict[str, str]],
    db: Session,
) -> None:
    meta = _meta(client)
    rp = _rp(oauth, rp_client)
    verifier = generate_token(48)
    location, _ = _authorize(client, rp, make_headers(), meta, verifier=verifier)
    code = parse_qs(urlsplit(location).query)["code"][0]
    token = rp.fetch_token(
        meta["token_endpoint"], authorization_response=location, code_verifier=verifier
    )
    dump = ""
    for table in ("oidc_client", "oidc_authorization_code", "oidc_token", "oidc_signing_key"):
        for row in db.execute(text(f"SELECT * FROM {table}")):
            dump += "|".join(str(v) for v in row)
    for raw in (rp_client["clientSecret"], code, token["access_token"], token["refresh_token"]):
        assert raw not in dump
    assert "PRIVATE KEY" not in dump


@pytest.mark.parametrize("how", ["logout", "admin_reset_password"])
def test_ending_the_healthnet_session_ends_single_sign_on(
    how: str,
    client: TestClient,
    oauth: MakeOAuth,
    rp_client: dict[str, Any],
    make_headers: Callable[..., dict[str, str]],
    db: Session,
) -> None:
    """A HealthNet logout, or an administrator's password reset, revokes what subsystems hold."""
    from healthnet.core.auth import accounts
    from healthnet.core.auth.models import User

    user = make_headers()
    meta, rp, token = _sign_in(client, oauth, rp_client, user)
    assert rp.get(meta["userinfo_endpoint"]).status_code == 200

    if how == "logout":
        assert client.post("/api/v1/auth/logout", headers=user).status_code == 204
    else:
        me = client.get("/api/v1/auth/me", headers=user).json()
        accounts.admin_reset_password(session=db, user=db.get(User, me["id"]))  # type: ignore[arg-type]
        db.flush()

    assert rp.get(meta["userinfo_endpoint"]).status_code == 401
    with pytest.raises(OAuthError):
        rp.refresh_token(meta["token_endpoint"], refresh_token=token["refresh_token"])


def test_the_token_endpoint_over_plain_http_is_refused_with_a_400(
    client: TestClient, hospital: dict[str, Any]
) -> None:
    """OAuth needs TLS (RFC 6749 §3.1): a token request over plain http to a host other than
    the loopback is the caller's mistake — a 400 saying so in Chinese, not a server error."""
    resp = client.post(
        "http://his.example.org/oidc/token",
        data={"grant_type": "client_credentials", "scope": "fhir.write"},
        auth=(hospital["clientId"], hospital["clientSecret"]),
    )
    assert resp.status_code == 400
    body = resp.json()
    assert body["code"] == "oidc.insecure_transport"
    assert "HTTPS" in body["detail"]
