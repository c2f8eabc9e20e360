"""The administrators' client registry: /api/v1/oidc/clients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from healthnet.core.audit.models import AuditRecord

from .conftest import BASE, REDIRECT

URL = "/api/v1/oidc/clients"


def _token(client: TestClient, c: dict[str, Any], secret: str, scope: str = "fhir.write") -> int:
    resp = client.post(
        f"{BASE}/oidc/token",
        data={"grant_type": "client_credentials", "scope": scope},
        auth=(c["clientId"], secret),
    )
    return int(resp.status_code)


def test_permissions_are_required(
    client: TestClient, make_headers: Callable[..., dict[str, str]]
) -> None:
    assert client.get(URL).status_code == 401
    assert client.get(URL, headers=make_headers()).status_code == 403
    reader = make_headers("oidc:client:read")
    assert client.get(URL, headers=reader).status_code == 200
    body = {"name": "x", "grantTypes": ["client_credentials"], "scopes": ["fhir.read"]}
    assert client.post(URL, json=body, headers=reader).status_code == 403


def test_register_shows_the_secret_once(
    client: TestClient, admin: dict[str, str], hospital: dict[str, Any], db: Session
) -> None:
    assert hospital["clientSecret"].startswith("hncs_") and len(hospital["clientSecret"]) > 40
    assert hospital["clientId"].startswith("hn_") and hospital["isPublic"] is False
    assert hospital["tokenEndpointAuthMethod"] == "client_secret_basic"
    assert hospital["responseTypes"] == []

    got = client.get(f"{URL}/{hospital['id']}", headers=admin).json()
    assert "clientSecret" not in got and got["clientId"] == hospital["clientId"]
    listed = client.get(URL, params={"active": "true"}, headers=admin).json()
    assert hospital["id"] in {c["id"] for c in listed["items"]}
    assert listed["total"] >= 1

    created = db.scalars(
        select(AuditRecord.action).where(AuditRecord.resource_id == hospital["id"])
    )
    assert "oidc.client.create" in set(created)


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        (
            {"redirectUris": ["http://emr.example.test/cb"]},
            "redirectUris[0]",
            "oidc.redirect_uri_invalid",
        ),
        ({"redirectUris": [REDIRECT + "#frag"]}, "redirectUris[0]", "oidc.redirect_uri_invalid"),
        ({"redirectUris": ["emr-app:/cb"]}, "redirectUris[0]", "oidc.redirect_uri_invalid"),
        ({"scopes": ["openid", "admin.everything"]}, "scopes[1]", "oidc.scope_unknown"),
        ({"grantTypes": ["refresh_token"]}, "grantTypes", "oidc.grant_types_invalid"),
        (
            {"isPublic": True, "grantTypes": ["client_credentials"]},
            "grantTypes",
            "oidc.public_client_credentials",
        ),
        (
            {"tokenEndpointAuthMethod": "none"},
            "tokenEndpointAuthMethod",
            "oidc.auth_method_invalid",
        ),
        ({"redirectUris": []}, "redirectUris", "oidc.redirect_uri_required"),
        ({"institutionId": "0" * 32}, "institutionId", "oidc.institution_unknown"),
        ({"grantTypes": ["implicit"]}, "grantTypes[0]", "field.literal_error"),
        ({"clientSecret": "mine"}, "clientSecret", "field.extra_forbidden"),
    ],
)
def test_invalid_registrations_name_the_field(
    client: TestClient, admin: dict[str, str], change: dict[str, Any], field: str, code: str
) -> None:
    body: dict[str, Any] = {
        "name": "电子病历",
        "grantTypes": ["authorization_code"],
        "scopes": ["openid"],
        "redirectUris": [REDIRECT],
    }
    body.update(change)
    resp = client.post(URL, json=body, headers=admin)
    assert resp.status_code == 422, resp.text
    errors = resp.json()["errors"]
    assert any(e["field"] == field and e["code"] == code for e in errors), errors
    assert any("\u4e00" <= ch <= "\u9fff" for ch in resp.json()["detail"])


def test_loopback_http_redirects_are_allowed_for_local_tools(
    register: Callable[..., dict[str, Any]],
) -> None:
    c = register(redirectUris=["http://127.0.0.1:8765/callback", "http://localhost/cb"])
    assert c["redirectUris"] == ["http://127.0.0.1:8765/callback", "http://localhost/cb"]


def test_update_changes_only_what_is_sent(
    client: TestClient, admin: dict[str, str], rp_client: dict[str, Any]
) -> None:
    new_uri = "https://emr2.example.test/callback"
    resp = client.patch(f"{URL}/{rp_client['id']}", json={"redirectUris": [new_uri]}, headers=admin)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["redirectUris"] == [new_uri]
    assert body["scopes"] == rp_client["scopes"] and body["name"] == rp_client["name"]
    # The old redirect URI is no longer accepted.
    resp = client.get(
        f"{BASE}/oidc/authorize",
        params={
            "response_type": "code",
            "client_id": rp_client["clientId"],
            "redirect_uri": REDIRECT,
            "scope": "openid",
            "code_challenge": "a" * 43,
            "code_challenge_method": "S256",
        },
        follow_redirects=False,
    )
    assert resp.status_code == 400 and "location" not in resp.headers

    bad = client.patch(
        f"{URL}/{rp_client['id']}", json={"grantTypes": ["refresh_token"]}, headers=admin
    )
    assert bad.status_code == 422


def test_rotate_secret_keeps_the_old_one_for_the_grace_period(
    client: TestClient, admin: dict[str, str], hospital: dict[str, Any], db: Session
) -> None:
    old = hospital["clientSecret"]
    resp = client.post(
        f"{URL}/{hospital['id']}/rotate-secret", json={"graceHours": 24}, headers=admin
    )
    assert resp.status_code == 200, resp.text
    new = resp.json()["clientSecret"]
    assert new != old and resp.json()["previousSecretValidUntil"]
    assert _token(client, hospital, new) == 200
    assert _token(client, hospital, old) == 200  # still inside the grace period

    # After a leak: rotate again with no grace; both earlier secrets stop at once.
    resp = client.post(
        f"{URL}/{hospital['id']}/rotate-secret", json={"graceHours": 0}, headers=admin
    )
    newest = resp.json()["clientSecret"]
    assert resp.json()["previousSecretValidUntil"] is None
    assert _token(client, hospital, newest) == 200
    assert _token(client, hospital, new) == 401
    assert _token(client, hospital, old) == 401
    assert client.get(f"{URL}/{hospital['id']}", headers=admin).json()["secretRotatedAt"]

    actions = [
        a
        for a in db.scalars(
            select(AuditRecord.action).where(AuditRecord.resource_id == hospital["id"])
        )
    ]
    assert actions.count("oidc.client.secret_rotate") == 2


def test_public_clients_have_no_secret_to_rotate(
    client: TestClient, admin: dict[str, str], register: Callable[..., dict[str, Any]]
) -> None:
    spa = register(isPublic=True, grantTypes=["authorization_code"])
    resp = client.post(f"{URL}/{spa['id']}/rotate-secret", json={}, headers=admin)
    assert resp.status_code == 422 and resp.json()["code"] == "oidc.public_client_no_secret"


def test_unknown_client_is_404(client: TestClient, admin: dict[str, str]) -> None:
    resp = client.get(f"{URL}/{'f' * 32}", headers=admin)
    assert resp.status_code == 404 and resp.json()["code"] == "oidc.client_not_found"


def test_scope_catalogue_has_labels(client: TestClient, admin: dict[str, str]) -> None:
    scopes = {s["code"]: s for s in client.get("/api/v1/oidc/scopes", headers=admin).json()}
    assert scopes["openid"]["userClaims"] is True
    assert scopes["fhir.write"]["userClaims"] is False and scopes["fhir.write"]["label"]
