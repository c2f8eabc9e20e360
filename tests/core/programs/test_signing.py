"""Signing transitions of the engine (``sign: true``), for any program: the performer needs the
signing permission and a signing certificate, the signed record is read-only — with no way out
when the workflow offers no correction — and archiving keeps a signature valid, no longer
current."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from healthnet.core.certs import service as certs
from healthnet.core.programs.loader import load_spec, parse_text

from .conftest import ALL, World

BASE = "/api/v1/programs"

PROGRAM = """
code: signed_card
name: 测试签名报告卡
kind: single_event
enrolment:
  elements:
    - {code: finding, name: 结论, valueType: text, required: true}
workflow:
  initial: draft
  states:
    - {code: draft, name: 草稿}
    - {code: confirmed, name: 已确认}
    - {code: archived, name: 已归档, terminal: true}
  transitions:
    - {code: confirm, name: 确认签发, from: [draft], to: confirmed, roles: [sg_checker], sign: true}
    - {code: archive, name: 归档, from: [confirmed], to: archived, roles: [sg_checker]}
"""


def _card(client: TestClient, world: World) -> tuple[str, Any]:
    load_spec(session=world.db, spec=parse_text(PROGRAM, file="signed_card.yaml"))
    world.db.commit()
    author = world.user("sg_author", world.a)
    person = world.person(author)
    r = client.post(
        f"{BASE}/signed_card/enrolments",
        json={"personId": person, "values": {"finding": "正常"}},
        headers=author.headers,
    )
    assert r.status_code == 201, r.text
    return r.json()["enrolment"]["id"], author


def _confirm(client: TestClient, headers: dict[str, str], eid: str) -> Any:
    return client.post(
        f"{BASE}/enrolments/{eid}/transitions", json={"transition": "confirm"}, headers=headers
    )


def test_signing_needs_the_permission_and_a_certificate(client: TestClient, world: World) -> None:
    eid, _ = _card(client, world)
    # the workflow role, but not the certificate slice's signing permission
    plain = world.user("sg_checker", world.a)
    r = _confirm(client, plain.headers, eid)
    assert r.status_code == 403
    assert r.json()["detail"] == (
        "“确认签发”需要电子签名，您的角色没有“使用本人证书对文档电子签名”权限"
    )
    signer = world.user("sg_checker", world.a, permissions=(*ALL, "certs:signature:sign"))
    r = _confirm(client, signer.headers, eid)
    assert r.status_code == 422
    assert r.json()["detail"] == (
        "“确认签发”需要电子签名：您没有有效的签名证书，请联系安全管理员签发签名证书"
    )
    certs.issue_certificate(session=world.db, actor=None, user_id=signer.user_id, purpose="signing")
    world.db.commit()
    r = _confirm(client, signer.headers, eid)
    assert r.status_code == 200, r.text
    sig = client.get(f"{BASE}/enrolments/{eid}/signature", headers=signer.headers).json()
    assert sig["valid"] and sig["current"] and sig["transitionName"] == "确认签发"


def test_signed_record_without_a_correction_stays_read_only(
    client: TestClient, world: World
) -> None:
    eid, author = _card(client, world)
    signer = world.user("sg_checker", world.a, permissions=(*ALL, "certs:signature:sign"))
    certs.issue_certificate(session=world.db, actor=None, user_id=signer.user_id, purpose="signing")
    world.db.commit()
    assert _confirm(client, signer.headers, eid).status_code == 200
    r = client.patch(
        f"{BASE}/enrolments/{eid}", json={"values": {"finding": "异常"}}, headers=author.headers
    )
    assert r.status_code == 409
    assert r.json()["detail"] == "该记录已于“确认签发”时电子签名，不能修改"
    # archiving does not change the values: the signature still verifies, no longer current
    r = client.post(
        f"{BASE}/enrolments/{eid}/transitions",
        json={"transition": "archive"},
        headers=signer.headers,
    )
    assert r.status_code == 200, r.text
    sig = client.get(f"{BASE}/enrolments/{eid}/signature", headers=signer.headers).json()
    assert sig["valid"] and not sig["current"]
