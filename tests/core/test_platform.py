"""The platform's common behaviour: error shape, limits, probes, headers, logs."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient


def test_healthz_and_readyz_report_database_and_migrations(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    r = client.get("/readyz")
    assert r.status_code == 200
    assert r.json()["checks"] == {"database": "ok", "migrations": "ok"}


def test_unknown_route_is_problem_json_in_chinese(client: TestClient) -> None:
    r = client.get("/api/v1/nothing-here")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["code"] == "route_not_found"
    assert body["detail"] == "请求的地址不存在"
    assert body["requestId"] == r.headers["x-request-id"]


def test_validation_error_names_each_field_in_chinese(client: TestClient) -> None:
    r = client.post("/api/v1/auth/login", json={"username": "a", "extra": 1})
    assert r.status_code == 422
    body = r.json()
    fields = {e["field"]: e["message"] for e in body["errors"]}
    assert fields["password"] == "必填"
    assert fields["extra"] == "不允许的字段"
    assert "password" in body["detail"]


def test_malformed_json_is_400(client: TestClient) -> None:
    r = client.post(
        "/api/v1/auth/login", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert r.status_code == 400
    assert r.json()["code"] == "malformed_json"


def test_wrong_content_type_is_415(client: TestClient) -> None:
    r = client.post(
        "/api/v1/auth/login", content=b"<x/>", headers={"content-type": "application/xml"}
    )
    assert r.status_code == 415
    assert "application/xml" in r.json()["detail"]


def test_oversize_body_is_413_without_reading_it(client: TestClient) -> None:
    big = b"{" + b" " * (10 * 1024 * 1024 + 10) + b"}"
    r = client.post("/api/v1/auth/login", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert r.json()["code"] == "body_too_large"


def test_security_headers_on_every_response(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert "object-src 'none'" in r.headers["content-security-policy"]


def test_request_id_is_kept_when_client_sends_a_sane_one(client: TestClient) -> None:
    r = client.get("/healthz", headers={"x-request-id": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"
    r = client.get("/healthz", headers={"x-request-id": "<script>"})
    assert r.headers["x-request-id"] != "<script>"


def test_access_log_has_request_id_and_no_query_string(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="healthnet.access"):
        client.get("/healthz?idNumber=310101199001011234", headers={"x-request-id": "rid-1"})
    records = [r for r in caplog.records if r.name == "healthnet.access"]
    assert records and records[-1].path == "/healthz"  # type: ignore[attr-defined]
    assert all("310101199001011234" not in r.getMessage() + str(r.__dict__) for r in records)


def test_unauthenticated_call_is_401(client: TestClient) -> None:
    r = client.get("/api/v1/auth/me")
    assert r.status_code == 401
    assert r.json()["detail"] == "请先登录"


def test_cross_origin_access_is_off_by_default(client: TestClient) -> None:
    r = client.get("/healthz", headers={"Origin": "https://elsewhere.example.test"})
    assert "access-control-allow-origin" not in r.headers


def test_cross_origin_access_for_listed_origins(monkeypatch: pytest.MonkeyPatch) -> None:
    from healthnet.app import create_app
    from healthnet.config import get_settings

    monkeypatch.setenv("HEALTHNET_CORS_ORIGINS", '["https://web.example.test"]')
    get_settings.cache_clear()
    try:
        with TestClient(create_app()) as c:
            ok = c.get("/healthz", headers={"Origin": "https://web.example.test"})
            other = c.get("/healthz", headers={"Origin": "https://evil.example.test"})
    finally:
        get_settings.cache_clear()
    assert ok.headers["access-control-allow-origin"] == "https://web.example.test"
    assert "access-control-allow-origin" not in other.headers
