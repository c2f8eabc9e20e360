"""Document signatures (S2): detached CMS SignedData with SM2/SM3 and the signer certificate."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from asn1crypto import cms
from sqlalchemy import text
from sqlalchemy.orm import Session

from healthnet.core.certs import service, signeddata, x509
from healthnet.core.db import utcnow
from healthnet.core.errors import RuleViolation

from .conftest import ForeignCa, KeyPair
from .gm import gm_verify

REPORT = "死亡医学证明书\n姓名：测试\n死亡原因：I21.9 急性心肌梗死\n".encode()


@pytest.fixture
def signer(db: Session, staff: Any) -> Any:
    service.issue_certificate(session=db, actor=None, user_id=staff.id, purpose="signing")
    return staff


def test_signed_document_verifies_and_edits_are_detected(db: Session, signer: Any) -> None:
    signed = service.sign_document(
        session=db,
        signer_user_id=signer.id,
        content=REPORT,
        content_type="text/plain; charset=utf-8",
    )
    result = service.verify_document(session=db, content=REPORT, signature=signed.signature)
    assert result.valid and result.reason is None
    assert result.certificate is not None and result.certificate.user_id == signer.id
    assert result.certificate.purpose == "signing"
    assert result.signed_at == signed.signed_at
    assert result.content_type == "text/plain; charset=utf-8"
    edited = REPORT.replace(b"I21.9", b"I25.1")
    result = service.verify_document(session=db, content=edited, signature=signed.signature)
    assert not result.valid and result.reason == "certs.content_digest_mismatch"
    assert not service.verify_document(
        session=db, content=REPORT + b" ", signature=signed.signature
    ).valid


def test_signature_is_standard_cms_checked_independently(db: Session, signer: Any) -> None:
    signed = service.sign_document(
        session=db, signer_user_id=signer.id, content=REPORT, content_type="application/pdf"
    )
    info = cms.ContentInfo.load(signed.signature)
    assert info["content_type"].dotted == "1.2.840.113549.1.7.2"  # id-signedData
    sd = info["content"]
    assert sd["encap_content_info"]["content"].native is None  # detached
    assert [a["algorithm"].dotted for a in sd["digest_algorithms"]] == ["1.2.156.10197.1.401"]
    si = sd["signer_infos"][0]
    assert si["signature_algorithm"]["algorithm"].dotted == "1.2.156.10197.1.501"
    attrs = {a["type"].native: a["values"][0] for a in si["signed_attrs"]}
    assert set(attrs) >= {"content_type", "message_digest", "signing_time"}
    certs = [c.chosen for c in sd["certificates"]]
    signer_cert = [c for c in certs if c.serial_number == si["sid"].chosen["serial_number"].native]
    assert signer_cert and signer_cert[0].subject.native["user_id"] == signer.id
    # gmssl: SM3 of the document equals messageDigest, and the SM2 signature over the DER
    # SET OF signed attributes verifies with the embedded certificate's key
    from gmssl import func as gm_func
    from gmssl import sm3 as gm_sm3

    assert attrs["message_digest"].native.hex() == gm_sm3.sm3_hash(gm_func.bytes_to_list(REPORT))
    spki = signer_cert[0]["tbs_certificate"]["subject_public_key_info"]
    signed_attrs = si["signed_attrs"].untag().dump()
    assert signed_attrs[0] == 0x31  # RFC 5652 §5.4: EXPLICIT SET OF
    assert gm_verify(spki, bytes(si["signature"].native), signed_attrs)


def test_platform_signs_with_its_own_certificate(db: Session) -> None:
    receipt = "疫苗接种收据 金额 ¥ 128.00".encode()
    first = service.sign_document(
        session=db, platform=True, content=receipt, content_type="text/plain"
    )
    second = service.sign_document(
        session=db, platform=True, content=receipt, content_type="text/plain"
    )
    assert first.certificate.id == second.certificate.id  # created once, reused
    assert first.certificate.purpose == "platform" and first.certificate.user_id is None
    result = service.verify_document(session=db, content=receipt, signature=first.signature)
    assert result.valid
    cert = x509.load_certificate(first.certificate.certificate_pem)
    assert x509.key_usage(cert) == {"digital_signature", "non_repudiation"}
    stored = db.execute(
        text("SELECT private_key FROM certs_certificate WHERE id = :id"),
        {"id": first.certificate.id},
    ).scalar()
    assert stored and "PRIVATE KEY" not in stored  # kept, but only encrypted


def test_signer_needs_a_signing_certificate(db: Session, staff: Any) -> None:
    with pytest.raises(RuleViolation) as err:
        service.sign_document(
            session=db, signer_user_id=staff.id, content=REPORT, content_type="text/plain"
        )
    assert err.value.code == "certs.no_signing_certificate"


def test_revocation_after_signing(db: Session, signer: Any) -> None:
    signed = service.sign_document(
        session=db, signer_user_id=signer.id, content=REPORT, content_type="text/plain"
    )
    cert = signed.certificate
    service.revoke_certificate(
        session=db, actor=None, certificate_id=cert.id, reason="affiliation_changed"
    )
    # the doctor left the hospital afterwards: what was signed before stays signed
    assert service.verify_document(session=db, content=REPORT, signature=signed.signature).valid
    # ...and no more signatures can be made
    with pytest.raises(RuleViolation):
        service.sign_document(
            session=db, signer_user_id=signer.id, content=REPORT, content_type="text/plain"
        )


def test_key_compromise_voids_earlier_signatures(db: Session, signer: Any) -> None:
    signed = service.sign_document(
        session=db, signer_user_id=signer.id, content=REPORT, content_type="text/plain"
    )
    service.revoke_certificate(
        session=db, actor=None, certificate_id=signed.certificate.id, reason="key_compromise"
    )
    result = service.verify_document(session=db, content=REPORT, signature=signed.signature)
    assert not result.valid and result.reason == "certs.certificate_revoked"


def test_staff_signing_with_own_key_under_our_certificate(
    db: Session, staff: Any, make_key: Callable[[], KeyPair], foreign_ca: ForeignCa
) -> None:
    """A USB-key holder may sign client-side; the same verification applies. A signature under
    a certificate from someone else's CA does not count."""
    key = make_key()
    issued = service.issue_certificate(
        session=db, actor=None, user_id=staff.id, public_key_pem=key.public_pem
    )
    cert = x509.load_certificate(issued.certificate.certificate_pem)
    now = utcnow()
    ours = signeddata.build(
        content=REPORT, content_type="text/plain", key=key.private, certificate=cert, signed_at=now
    )
    assert service.verify_document(session=db, content=REPORT, signature=ours).valid
    forged_cert = x509.load_certificate(foreign_ca.issue(key.public_pem, user_id=staff.id))
    forged = signeddata.build(
        content=REPORT,
        content_type="text/plain",
        key=key.private,
        certificate=forged_cert,
        signed_at=now,
    )
    result = service.verify_document(session=db, content=REPORT, signature=forged)
    assert not result.valid and result.reason == "certs.unknown_issuer"
    # a signing time outside the certificate's validity
    early = signeddata.build(
        content=REPORT,
        content_type="text/plain",
        key=key.private,
        certificate=cert,
        signed_at=now - timedelta(days=3),
    )
    result = service.verify_document(session=db, content=REPORT, signature=early)
    assert not result.valid and result.reason == "certs.certificate_expired"
    # signed by another key than the certificate's
    wrong = signeddata.build(
        content=REPORT,
        content_type="text/plain",
        key=make_key().private,
        certificate=cert,
        signed_at=now,
    )
    result = service.verify_document(session=db, content=REPORT, signature=wrong)
    assert not result.valid and result.reason == "certs.signature_invalid"


def test_garbage_signature(db: Session) -> None:
    for blob in (b"", b"\x30\x03\x02\x01\x01", b"not a signature at all"):
        result = service.verify_document(session=db, content=REPORT, signature=blob)
        assert not result.valid and result.reason == "certs.signature_malformed"
