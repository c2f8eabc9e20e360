"""The certificate API as a security administrator and a doctor use it, and certificate login
end to end through the auth slice's two-stage login."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from asn1crypto import crl as asn1_crl
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from healthnet.core.certs import client as cert_client

from .conftest import KeyPair

ADMIN_PERMS = ("certs:certificate:read", "certs:certificate:issue", "certs:certificate:revoke")
API = "/api/v1/certs"


def _crl_serials(client: TestClient) -> set[int]:
    r = client.get(f"{API}/crl")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pkix-crl"
    tbs = asn1_crl.CertificateList.load(r.content)["tbs_cert_list"]
    return {e["user_certificate"].native for e in tbs["revoked_certificates"] or []}


def test_ca_and_crl_are_public(client: TestClient) -> None:
    r = client.get(f"{API}/ca")
    assert r.status_code == 200
    body = r.json()
    assert body["rootCertificatePem"].startswith("-----BEGIN CERTIFICATE-----")
    assert len(body["rootFingerprint"]) == 64 and body["crlUrl"] == f"{API}/crl"
    assert _crl_serials(client) is not None


def test_issue_list_revoke_through_the_api(
    client: TestClient,
    db: Session,
    make_headers: Callable[..., dict[str, str]],
    staff: Any,
    institution: Any,
) -> None:
    admin = make_headers(*ADMIN_PERMS, data_scope="city")
    r = client.post(
        f"{API}/certificates",
        headers=admin,
        json={"userId": staff.id, "generateKey": True, "keyPassword": "Pin-code-2026"},
    )
    assert r.status_code == 201, r.text
    assert r.headers["cache-control"] == "no-store"
    body = r.json()
    assert body["privateKeyPem"].startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert body["keyPassword"] is None  # the administrator chose it
    cert = body["certificate"]
    assert cert["userId"] == staff.id and cert["state"] == "valid"
    assert cert["purpose"] == "authentication" and cert["districtCode"] == "310104"

    r = client.get(f"{API}/certificates", headers=admin, params={"institutionId": institution.id})
    assert r.status_code == 200 and r.json()["total"] == 1
    r = client.get(f"{API}/certificates/{cert['id']}", headers=admin)
    assert r.status_code == 200 and r.json()["serial"] == cert["serial"]
    r = client.get(f"{API}/statistics", headers=admin, params={"groupBy": "institution"})
    row = next(s for s in r.json() if s["key"] == institution.id)
    assert (row["issued"], row["valid"], row["revoked"]) == (1, 1, 0)

    r = client.post(
        f"{API}/certificates/{cert['id']}/revoke", headers=admin, json={"reason": "key_compromise"}
    )
    assert r.status_code == 200 and r.json()["state"] == "revoked"
    assert int(cert["serial"], 16) in _crl_serials(client)
    r = client.post(
        f"{API}/certificates/check", headers=admin, json={"certificatePem": cert["certificatePem"]}
    )
    assert r.json()["valid"] is False and r.json()["reason"] == "certs.certificate_revoked"
    assert r.json()["reasonText"] == "证书已被吊销"
    # key and certificate changes are audited (SECURITY.md, audit coverage)
    from sqlalchemy import select

    from healthnet.core.audit.models import AuditRecord

    actions = db.scalars(
        select(AuditRecord.action).where(AuditRecord.resource_id == cert["id"])
    ).all()
    assert {"certs.certificate.issue", "certs.certificate.revoke"} <= set(actions)
    r = client.post(
        f"{API}/certificates/{cert['id']}/revoke", headers=admin, json={"reason": "key_compromise"}
    )
    assert r.status_code == 409


def test_data_scope_limits_what_an_administrator_sees(
    client: TestClient,
    db: Session,
    make_headers: Callable[..., dict[str, str]],
    staff: Any,
    institution: Any,
    make_key: Callable[[], KeyPair],
) -> None:
    from healthnet.core.certs import service

    cert = service.issue_certificate(
        session=db, actor=None, user_id=staff.id, public_key_pem=make_key().public_pem
    ).certificate
    # a district administrator of another district (310101, 黄浦区)
    from healthnet.core.orgs import service as orgs
    from healthnet.core.orgs.schemas import InstitutionCreate

    elsewhere = orgs.create_institution(
        session=db,
        data=InstitutionCreate.model_validate(
            {
                "code": f"H{cert.serial[:6]}",
                "name": "黄浦区卫生健康委员会",
                "kind": "other",
                "district_code": "310101",
            }
        ),
    )
    other = make_headers(*ADMIN_PERMS, data_scope="district", institution_id=elsewhere.id)
    from healthnet.core.auth.sessions import resolve_token

    assert resolve_token(session=db, token=other["Authorization"].split()[1]).district_code == (
        "310101"
    )
    for path in (f"{API}/certificates/{cert.id}",):
        assert client.get(path, headers=other).status_code == 404
    r = client.post(
        f"{API}/certificates/{cert.id}/revoke", headers=other, json={"reason": "unspecified"}
    )
    assert r.status_code == 404
    r = client.post(
        f"{API}/certificates/{cert.id}/renew", headers=other, json={"generateKey": True}
    )
    assert r.status_code == 404
    r = client.post(
        f"{API}/certificates", headers=other, json={"userId": staff.id, "generateKey": True}
    )
    assert r.status_code == 404
    assert client.get(f"{API}/certificates", headers=other).json()["total"] == 0
    assert client.get(f"{API}/statistics", headers=other).json() == []
    # ...while an administrator of the institution sees it
    own = make_headers(*ADMIN_PERMS, institution_id=institution.id)
    assert client.get(f"{API}/certificates/{cert.id}", headers=own).status_code == 200
    assert client.get(f"{API}/certificates", headers=own).json()["total"] == 1


def test_bad_input_is_answered_in_chinese(
    client: TestClient, make_headers: Callable[..., dict[str, str]], staff: Any
) -> None:
    admin = make_headers(*ADMIN_PERMS, data_scope="city")
    r = client.post(
        f"{API}/certificates", headers=admin, json={"userId": staff.id, "publicKeyPem": "not a key"}
    )
    assert r.status_code == 422
    err = r.json()["errors"][0]
    assert err["field"] == "publicKeyPem" and err["code"] == "certs.public_key_invalid"
    assert "SM2" in err["message"] and "公钥" in err["message"]
    r = client.post(
        f"{API}/certificates",
        headers=admin,
        json={"userId": staff.id, "generateKey": True, "validityDays": 99999},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "validityDays"
    r = client.post(
        f"{API}/certificates", headers=admin, json={"userId": "nobody", "generateKey": True}
    )
    assert r.status_code == 404
    r = client.post(
        f"{API}/certificates/nothing/revoke", headers=admin, json={"reason": "certificate_hold"}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"


def test_permissions_are_required(
    client: TestClient, make_headers: Callable[..., dict[str, str]], staff: Any
) -> None:
    reader = make_headers("certs:certificate:read")
    r = client.post(
        f"{API}/certificates", headers=reader, json={"userId": staff.id, "generateKey": True}
    )
    assert r.status_code == 403
    assert client.get(f"{API}/certificates").status_code == 401
    nobody = make_headers()
    assert client.get(f"{API}/certificates", headers=nobody).status_code == 403
    assert client.get(f"{API}/statistics", headers=nobody).status_code == 403
    assert (
        client.post(
            f"{API}/sign", headers=nobody, json={"content": "aGk=", "contentType": "text/plain"}
        ).status_code
        == 403
    )


def test_sign_and_verify_through_the_api(
    client: TestClient, db: Session, make_headers: Callable[..., dict[str, str]]
) -> None:
    from healthnet.core.auth.sessions import resolve_token
    from healthnet.core.certs import service

    doctor = make_headers("certs:signature:sign", "certs:signature:verify")
    me = resolve_token(session=db, token=doctor["Authorization"].split()[1])
    report = "检验报告：血糖 6.1 mmol/L".encode()
    content = base64.b64encode(report).decode()
    r = client.post(
        f"{API}/sign", headers=doctor, json={"content": content, "contentType": "text/plain"}
    )
    assert r.status_code == 422 and r.json()["code"] == "certs.no_signing_certificate"
    service.issue_certificate(session=db, actor=None, user_id=me.user_id, purpose="signing")
    r = client.post(
        f"{API}/sign", headers=doctor, json={"content": content, "contentType": "text/plain"}
    )
    assert r.status_code == 200, r.text
    signature = r.json()["signature"]
    r = client.post(
        f"{API}/verify", headers=doctor, json={"content": content, "signature": signature}
    )
    assert r.status_code == 200 and r.json()["valid"] is True
    assert r.json()["signer"]["userId"] == me.user_id
    edited = base64.b64encode(report.replace(b"6.1", b"5.1")).decode()
    r = client.post(
        f"{API}/verify", headers=doctor, json={"content": edited, "signature": signature}
    )
    assert r.json()["valid"] is False
    assert r.json()["reason"] == "certs.content_digest_mismatch"
    assert "修改" in r.json()["reasonText"]
    r = client.post(
        f"{API}/verify", headers=doctor, json={"content": "%%%", "signature": signature}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "certs.base64_invalid"


def _password_step(client: TestClient, username: str) -> str:
    r = client.post("/api/v1/auth/login", json={"username": username, "password": "Test-pass-123"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["stage"] == "second_factor" and "sm2_cert" in body["methods"]
    return str(body["ticket"])


def _cert_login(client: TestClient, username: str, key: KeyPair, cert_pem: str) -> Any:
    ticket = _password_step(client, username)
    r = client.post("/api/v1/auth/login/cert/challenge", json={"ticket": ticket})
    assert r.status_code == 200, r.text
    challenge = r.json()
    signature = cert_client.sign_challenge(key.private_pem, challenge["nonce"])
    return client.post(
        "/api/v1/auth/login/cert",
        json={
            "ticket": ticket,
            "challengeId": challenge["challengeId"],
            "certificatePem": cert_pem,
            "signature": signature,
        },
    )


def test_certificate_login_end_to_end(
    client: TestClient,
    db: Session,
    staff: Any,
    make_key: Callable[[], KeyPair],
    make_headers: Callable[..., dict[str, str]],
) -> None:
    """issue → challenge → login → revoke → login refused (issue 3, tests that must exist)."""
    admin = make_headers(*ADMIN_PERMS, data_scope="city")
    key = make_key()
    r = client.post(
        f"{API}/certificates",
        headers=admin,
        json={"userId": staff.id, "publicKeyPem": key.public_pem},
    )
    assert r.status_code == 201, r.text
    cert = r.json()["certificate"]

    r = _cert_login(client, staff.username, key, cert["certificatePem"])
    assert r.status_code == 200, r.text
    assert r.json()["stage"] == "done" and r.json()["token"]
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {r.json()['token']}"})
    assert me.status_code == 200 and me.json()["id"] == staff.id
    mine = client.get(
        f"{API}/my-certificates", headers={"Authorization": f"Bearer {r.json()['token']}"}
    )
    assert [c["id"] for c in mine.json()] == [cert["id"]]
    assert mine.json()[0]["lastUsedAt"] is not None

    r = client.post(
        f"{API}/certificates/{cert['id']}/revoke", headers=admin, json={"reason": "key_compromise"}
    )
    assert r.status_code == 200
    r = _cert_login(client, staff.username, key, cert["certificatePem"])
    assert r.status_code == 401
    assert "token" not in r.json()
