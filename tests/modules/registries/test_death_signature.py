"""Death registration (R6): the certificate is signed with SM2 when the district CDC confirms
it; the signature verifies against the reviewer's certificate, a value changed afterwards in
the database makes it invalid, a signed certificate is read-only until it is corrected (更正),
and the corrected certificate is signed again."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from asn1crypto import cms
from fastapi.testclient import TestClient
from gmssl.sm2 import CryptSM2
from sqlalchemy import select, update

from healthnet.core.certs import service as certs
from healthnet.core.certs import signeddata, x509
from healthnet.core.crypto import sm3
from healthnet.core.localtime import local_today
from healthnet.core.programs.models import Enrolment, Signature
from healthnet.core.programs.service.signing import canonical_content

from .conftest import BASE, Staff, World, enrol, transition


def _certificate(**v: Any) -> dict[str, Any]:
    return {
        "death_date": (local_today() - timedelta(days=1)).isoformat(),
        "death_place": "1",
        "cause_a": "急性心肌梗死",
        "cause_a_icd": "I21.9",
        "interval_a": 3,
        "interval_a_unit": "h",
        "diagnosis_level": "1",
        "diagnosis_basis": "4",
        "underlying_cause_icd": "I21.9",
        **v,
    }


def _signing(world: World, staff: Staff) -> None:
    certs.issue_certificate(session=world.db, actor=None, user_id=staff.user_id, purpose="signing")
    world.db.commit()


def _reported(client: TestClient, world: World) -> tuple[Staff, Staff, str]:
    hosp = world.user("doctor", world.c)
    cdc = world.user("cdc_staff", world.c)
    person = world.person(hosp, birth=date(1940, 2, 3), sex="1")
    r = enrol(client, hosp, "death", person, _certificate())
    assert r.status_code == 201, r.text
    return hosp, cdc, r.json()["enrolment"]["id"]


def _raw_update(world: World, model: Any, row_id: str, **columns: Any) -> None:
    """A change made directly in the database, past the application's rules."""
    world.db.execute(update(model.__table__).where(model.id == row_id).values(**columns))
    world.db.commit()
    world.db.expire_all()


def _signature(client: TestClient, staff: Staff, enrolment_id: str) -> dict[str, Any]:
    r = client.get(f"{BASE}/enrolments/{enrolment_id}/signature", headers=staff.headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def test_confirming_signs_and_the_signature_verifies(client: TestClient, world: World) -> None:
    hosp, cdc, eid = _reported(client, world)
    assert _signature(client, hosp, eid)["signed"] is False
    # without a signing certificate the confirmation is refused and nothing changes
    r = transition(client, cdc, eid, "verify")
    assert r.status_code == 422
    assert "签名证书" in r.json()["detail"]
    assert client.get(f"{BASE}/enrolments/{eid}", headers=cdc.headers).json()["status"] == (
        "reported"
    )

    _signing(world, cdc)
    r = transition(client, cdc, eid, "verify")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "verified"
    sig = _signature(client, hosp, eid)
    assert sig["signed"] and sig["valid"] and sig["current"]
    assert sig["algorithm"] == "SM2-with-SM3"
    assert sig["signerUserId"] == cdc.user_id
    assert sig["signerName"].startswith("测试")
    assert sig["transitionName"] == "区疾控审核通过"
    assert sig["message"] == "签名有效，记录自签名后未被修改"
    assert sig["signedAt"] is not None and len(sig["contentDigest"]) == 64


def test_signature_is_the_reviewers_sm2_signature(client: TestClient, world: World) -> None:
    """Checked outside the service: the stored CMS verifies with the public key of the
    reviewer's registered signing certificate (the project's SM2 through core.crypto), and
    independently with gmssl; its SM3 digest is that of the canonical record."""
    _, cdc, eid = _reported(client, world)
    _signing(world, cdc)
    assert transition(client, cdc, eid, "verify").status_code == 200
    row = world.db.scalar(select(Signature).where(Signature.enrolment_id == eid))
    assert row is not None
    [cert] = [
        c
        for c in certs.certificates_of_user(session=world.db, user_id=cdc.user_id)
        if c.purpose == "signing"
    ]
    assert row.certificate_serial == cert.serial
    registered = x509.load_certificate(cert.certificate_pem)
    parsed = signeddata.parse(row.signature)
    assert signeddata.signature_verifies(parsed, x509.public_key_of(registered))
    # independently (gmssl, pure Python): SM2-with-SM3 over the DER signed attributes
    si = cms.ContentInfo.load(row.signature)["content"]["signer_infos"][0]
    point = bytes(registered["tbs_certificate"]["subject_public_key_info"]["public_key"].native)
    gm = CryptSM2(private_key=None, public_key="", asn1=True)
    gm.public_key = point[1:].hex()
    assert gm.verify_with_sm3(
        bytes(si["signature"].native).hex(), si["signed_attrs"].untag().dump()
    )
    # what was signed: the record's identity and values, the signer and the time
    enrolment = world.db.get(Enrolment, eid)
    assert enrolment is not None
    content = canonical_content(
        world.db,
        enrolment,
        transition=row.transition,
        to_state=row.to_state,
        signer_user_id=row.signer_user_id,
        signed_at=row.signed_at,
    )
    doc = json.loads(content)
    assert doc["program"] == "death" and doc["enrolmentId"] == eid
    assert doc["signer"] == cdc.user_id and doc["values"]["underlying_cause_icd"] == "I21.9"
    assert parsed.message_digest == sm3(content) and row.content_digest == sm3(content).hex()


def test_values_changed_in_the_database_make_it_invalid(client: TestClient, world: World) -> None:
    hosp, cdc, eid = _reported(client, world)
    _signing(world, cdc)
    assert transition(client, cdc, eid, "verify").status_code == 200
    assert _signature(client, cdc, eid)["valid"]
    # someone with database access changes the underlying cause behind the application's back
    values = dict(client.get(f"{BASE}/enrolments/{eid}", headers=cdc.headers).json()["values"])
    values["underlying_cause_icd"] = "I25.1"
    _raw_update(world, Enrolment, eid, values=values)
    sig = _signature(client, hosp, eid)
    assert sig["signed"] and not sig["valid"]
    assert sig["reason"] == "programs.signature_values_changed"
    assert sig["message"] == "签名后记录内容已被修改，签名无效"
    # put the value back: valid again; then move the signing time in the database: caught too
    values["underlying_cause_icd"] = "I21.9"
    _raw_update(world, Enrolment, eid, values=values)
    assert _signature(client, hosp, eid)["valid"] is True
    row = world.db.scalar(select(Signature).where(Signature.enrolment_id == eid))
    assert row is not None
    _raw_update(world, Signature, row.id, signed_at=row.signed_at - timedelta(hours=1))
    assert _signature(client, hosp, eid)["valid"] is False


def test_signed_certificate_is_corrected_and_signed_again(client: TestClient, world: World) -> None:
    hosp, cdc, eid = _reported(client, world)
    _signing(world, cdc)
    assert transition(client, cdc, eid, "verify").status_code == 200
    first = _signature(client, cdc, eid)
    # a signed certificate cannot be edited; the message names the way out
    r = client.patch(
        f"{BASE}/enrolments/{eid}",
        json={"values": {"underlying_cause_icd": "I25.1"}},
        headers=hosp.headers,
    )
    assert r.status_code == 409
    assert r.json()["detail"] == (
        "该记录已于“区疾控审核通过”时电子签名，不能直接修改；如需更正，请先执行“更正”"
    )
    # 更正 needs a reason; it reopens the certificate, whose old signature is no longer current
    assert transition(client, hosp, eid, "correct").status_code == 422
    r = transition(client, hosp, eid, "correct", note="根本死因编码有误，应为 I25.1")
    assert r.status_code == 200 and r.json()["status"] == "reported"
    r = client.patch(
        f"{BASE}/enrolments/{eid}",
        json={
            "values": {
                "underlying_cause_icd": "I25.1",
                "cause_b": "动脉硬化性心脏病",
                "cause_b_icd": "I25.1",
            }
        },
        headers=hosp.headers,
    )
    assert r.status_code == 200, r.text
    stale = _signature(client, cdc, eid)
    assert not stale["current"] and not stale["valid"]  # the values differ from the signed ones
    # confirmed again: a new signature over the corrected certificate; the old one is kept
    assert transition(client, cdc, eid, "verify").status_code == 200
    second = _signature(client, hosp, eid)
    assert second["valid"] and second["current"] and second["signatures"] == 2
    assert second["contentDigest"] != first["contentDigest"]


def test_signature_is_scoped_like_the_record(client: TestClient, world: World) -> None:
    _, cdc, eid = _reported(client, world)
    stranger = world.user("doctor", world.a)
    r = client.get(f"{BASE}/enrolments/{eid}/signature", headers=stranger.headers)
    assert r.status_code == 404
    nobody = client.get(f"{BASE}/enrolments/{eid}/signature")
    assert nobody.status_code == 401
    assert cdc  # the district CDC reads it (in scope)
    assert _signature(client, cdc, eid)["signed"] is False
