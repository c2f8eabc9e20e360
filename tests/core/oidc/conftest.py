"""Fixtures for the OIDC provider: registered clients and a real OAuth client library.

The relying party is Authlib's own httpx ``OAuth2Client`` talking to the app through the test
client's ASGI transport. It runs against ``http://localhost``: OAuth requires TLS except on
loopback (RFC 8252 §7.3), and Authlib enforces that on both sides.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from authlib.integrations.httpx_client import OAuth2Client
from fastapi.testclient import TestClient

BASE = "http://localhost"
REDIRECT = "https://emr.example.test/callback"
LOGOUT_REDIRECT = "https://emr.example.test/signed-out"


@pytest.fixture
def admin(make_headers: Callable[..., dict[str, str]]) -> dict[str, str]:
    return make_headers("oidc:client:read", "oidc:client:write")


@pytest.fixture
def register(client: TestClient, admin: dict[str, str]) -> Callable[..., dict[str, Any]]:
    def _register(**fields: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "name": "电子病历系统",
            "grantTypes": ["authorization_code", "refresh_token"],
            "scopes": ["openid", "profile"],
            "redirectUris": [REDIRECT],
            "postLogoutRedirectUris": [LOGOUT_REDIRECT],
        }
        body.update(fields)
        resp = client.post("/api/v1/oidc/clients", json=body, headers=admin)
        assert resp.status_code == 201, resp.text
        data: dict[str, Any] = resp.json()
        return data

    return _register


@pytest.fixture
def rp_client(register: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    """A confidential SSO client (another subsystem's back end)."""
    return register()


@pytest.fixture
def hospital(register: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    """A hospital system that calls the API with client credentials."""
    return register(
        name="某某医院 HIS",
        grantTypes=["client_credentials"],
        scopes=["fhir.write", "records.read"],
        redirectUris=[],
        postLogoutRedirectUris=[],
    )


@pytest.fixture
def oauth(client: TestClient) -> Callable[..., OAuth2Client]:
    def _make(**kwargs: Any) -> OAuth2Client:
        return OAuth2Client(transport=client._transport, base_url=BASE, **kwargs)

    return _make
