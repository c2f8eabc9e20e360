"""The platform CA: certificate profile, independent signature checks, key storage, CRL."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import crl as asn1_crl
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from sqlalchemy import text, update
from sqlalchemy.orm import Session

from healthnet.core.certs import service
from healthnet.core.certs.models import CertificateAuthority
from healthnet.core.errors import ServiceUnavailable

from .gm import gm_verify


def _load(pem_text: str) -> asn1_x509.Certificate:
    kind, _, der = pem.unarmor(pem_text.encode())
    assert kind == "CERTIFICATE"
    return asn1_x509.Certificate.load(der)


def test_root_certificate_has_the_sm2_profile(db: Session) -> None:
    root_pem, issuing_pem = service.ca_certificates(session=db)
    root = _load(root_pem)
    tbs = root["tbs_certificate"]
    assert tbs["version"].native == "v3"
    assert root["signature_algorithm"]["algorithm"].dotted == "1.2.156.10197.1.501"
    assert tbs["signature"]["algorithm"].dotted == "1.2.156.10197.1.501"
    spki = tbs["subject_public_key_info"]
    assert spki["algorithm"]["algorithm"].dotted == "1.2.840.10045.2.1"
    assert spki["algorithm"]["parameters"].chosen.dotted == "1.2.156.10197.1.301"
    assert root.ca and root.basic_constraints_value["path_len_constraint"].native == 1
    assert root.key_usage_value.native == {"key_cert_sign", "crl_sign"}
    assert root.subject == root.issuer  # self-signed
    subject = root.subject.native
    assert subject["common_name"] == "HealthNet SM2 Root CA"
    assert subject["organization_name"] == "上海市卫生健康委员会"
    org = next(
        atv
        for rdn in root.subject.chosen
        for atv in rdn
        if atv["type"].native == "organization_name"
    )
    assert org["value"].name == "utf8_string"
    issuing = _load(issuing_pem)
    assert issuing.issuer == root.subject
    assert issuing.ca and issuing.basic_constraints_value["path_len_constraint"].native == 0


def test_ca_signatures_verify_with_gmssl(db: Session) -> None:
    root_pem, issuing_pem = service.ca_certificates(session=db)
    root, issuing = _load(root_pem), _load(issuing_pem)
    root_spki = root["tbs_certificate"]["subject_public_key_info"]
    root_tbs = root["tbs_certificate"].dump()
    assert gm_verify(root_spki, bytes(root["signature_value"].native), root_tbs)
    assert gm_verify(
        root_spki, bytes(issuing["signature_value"].native), issuing["tbs_certificate"].dump()
    )
    # and gmssl is really checking: one changed byte of the signed part fails
    tampered = bytearray(root_tbs)
    tampered[-40] ^= 0x01
    assert not gm_verify(root_spki, bytes(root["signature_value"].native), bytes(tampered))


@pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl command")
def test_openssl_verifies_the_chain(db: Session, staff: Any, make_key: Any, tmp_path: Path) -> None:
    """A third implementation. OpenSSL 3.0 applies no SM2 ID to X.509 signatures unless told,
    so the default ID is passed explicitly for the certificate being checked."""
    root_pem, issuing_pem = service.ca_certificates(session=db)
    leaf = service.issue_certificate(
        session=db, actor=None, user_id=staff.id, public_key_pem=make_key().public_pem
    )
    (tmp_path / "root.pem").write_text(root_pem)
    (tmp_path / "issuing.pem").write_text(issuing_pem)
    (tmp_path / "leaf.pem").write_text(leaf.certificate.certificate_pem)

    def verify(ca: str, cert: str, *extra: str) -> bool:
        result = subprocess.run(
            [
                "openssl",
                "verify",
                "-vfyopt",
                "distid:1234567812345678",
                *extra,
                "-CAfile",
                str(tmp_path / ca),
                str(tmp_path / cert),
            ],
            capture_output=True,
            text=True,
        )
        return result.returncode == 0

    assert verify("root.pem", "issuing.pem")
    assert verify("issuing.pem", "leaf.pem", "-partial_chain")
    assert not verify("root.pem", "leaf.pem")  # the root did not sign the leaf directly


def test_ca_private_keys_are_encrypted_in_the_database(db: Session) -> None:
    service.ca_certificates(session=db)
    stored = db.execute(text("SELECT private_key FROM certs_authority")).scalars().all()
    assert len(stored) >= 2
    for value in stored:
        assert "PRIVATE KEY" not in value and "MIG" not in value[:12]
        kid, _, blob = value.partition(":")
        assert kid and blob  # "<data key id>:<base64 SM4-GCM>"


def test_a_ca_row_changed_in_the_database_stops_issuing(
    db: Session, staff: Any, make_key: Any, foreign_ca: Any
) -> None:
    _, issuing_pem = service.ca_certificates(session=db)
    # Replace the issuing CA's certificate behind the application's back (Core UPDATE: no tag).
    fake = foreign_ca.issue(make_key().public_pem, user_id="x")
    db.execute(
        update(CertificateAuthority)
        .where(CertificateAuthority.certificate_pem == issuing_pem)
        .values(certificate_pem=fake)
    )
    db.expire_all()
    with pytest.raises(ServiceUnavailable) as err:
        service.issue_certificate(
            session=db, actor=None, user_id=staff.id, public_key_pem=make_key().public_pem
        )
    assert err.value.code == "certs.ca_unavailable"


def _crl(db: Session) -> asn1_crl.CertificateList:
    return asn1_crl.CertificateList.load(service.current_crl(session=db).der)


def test_revocation_is_listed_on_a_signed_crl(db: Session, staff: Any, make_key: Any) -> None:
    _, issuing_pem = service.ca_certificates(session=db)
    issuing = _load(issuing_pem)
    before = _crl(db)
    keep = service.issue_certificate(
        session=db, actor=None, user_id=staff.id, public_key_pem=make_key().public_pem
    ).certificate
    gone = service.issue_certificate(
        session=db, actor=None, user_id=staff.id, public_key_pem=make_key().public_pem
    ).certificate
    service.revoke_certificate(
        session=db, actor=None, certificate_id=gone.id, reason="key_compromise"
    )
    after = _crl(db)
    tbs = after["tbs_cert_list"]
    assert tbs["version"].native == "v2"
    assert after["signature_algorithm"]["algorithm"].dotted == "1.2.156.10197.1.501"
    assert tbs["issuer"] == issuing.subject
    assert after.crl_number_value.native > before.crl_number_value.native
    assert tbs["next_update"].native > tbs["this_update"].native
    listed = {e["user_certificate"].native: e for e in tbs["revoked_certificates"]}
    assert int(gone.serial, 16) in listed
    assert int(keep.serial, 16) not in listed
    assert listed[int(gone.serial, 16)].crl_reason_value.native == "key_compromise"
    # the CRL signature verifies with the issuing CA's key, independently of our code
    spki = issuing["tbs_certificate"]["subject_public_key_info"]
    assert gm_verify(spki, bytes(after["signature"].native), tbs.dump())


def test_crl_is_reissued_before_it_goes_stale(db: Session) -> None:
    from datetime import timedelta

    from healthnet.core.certs.models import Crl
    from healthnet.core.db import utcnow

    first = service.current_crl(session=db)
    assert service.current_crl(session=db).crl_number == first.crl_number  # still fresh
    first.next_update = utcnow() + timedelta(hours=2)
    db.flush()
    second = service.current_crl(session=db)
    assert second.crl_number == first.crl_number + 1
    assert isinstance(second, Crl) and second.next_update > utcnow() + timedelta(days=6)
