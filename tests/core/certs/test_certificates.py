"""Issuing, renewing, revoking, listing and counting staff certificates (S1)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from healthnet.core.certs import service, x509
from healthnet.core.certs.schemas import CertificateQuery
from healthnet.core.crypto import SM2PrivateKey
from healthnet.core.db import utcnow
from healthnet.core.errors import Conflict, RuleViolation, ValidationFailed

from .conftest import KeyPair


def test_staff_certificate_profile(
    db: Session, staff: Any, institution: Any, make_key: Callable[[], KeyPair]
) -> None:
    key = make_key()
    issued = service.issue_certificate(
        session=db, actor=None, user_id=staff.id, public_key_pem=key.public_pem
    )
    row = issued.certificate
    cert = x509.load_certificate(row.certificate_pem)
    subject = cert.subject.native
    assert subject["common_name"] == "王医生"
    assert subject["user_id"] == staff.id
    assert subject["organization_name"] == institution.name
    assert x509.key_usage(cert) == {"digital_signature"}
    assert x509.extended_key_usage(cert) == ["client_auth"]
    assert not cert.ca
    assert x509.public_key_of(cert).point() == key.private.public_key().point()
    assert row.institution_id == institution.id and row.district_code == "310104"
    assert row.state == "valid" and row.key_source == "client" and row.private_key is None
    assert (row.not_after - row.not_before).days == 730
    # issued by our issuing CA, and the chain handed out verifies it
    chain = issued.ca_chain_pem
    issuing = x509.load_certificate(
        chain.split("-----END CERTIFICATE-----")[0] + "-----END CERTIFICATE-----\n"
    )
    assert cert.issuer == issuing.subject
    assert x509.signature_verifies(cert, x509.public_key_of(issuing))
    assert service.check_certificate(session=db, certificate_pem=row.certificate_pem).valid


def test_generated_key_is_handed_out_once_and_not_kept(db: Session, staff: Any) -> None:
    issued = service.issue_certificate(session=db, actor=None, user_id=staff.id, generate_key=True)
    assert issued.key_password and len(issued.key_password) >= 16
    assert issued.private_key_pem and "ENCRYPTED PRIVATE KEY" in issued.private_key_pem
    key = SM2PrivateKey.from_pem(issued.private_key_pem.encode(), issued.key_password.encode())
    cert = x509.load_certificate(issued.certificate.certificate_pem)
    assert x509.public_key_of(cert) == key.public_key()
    assert issued.certificate.key_source == "generated"
    stored = db.execute(
        text("SELECT private_key FROM certs_certificate WHERE id = :id"),
        {"id": issued.certificate.id},
    ).scalar()
    assert stored is None


def test_key_choices_are_validated(
    db: Session, staff: Any, make_key: Callable[[], KeyPair]
) -> None:
    def field_error(**kw: Any) -> tuple[str, str]:
        with pytest.raises(ValidationFailed) as err:
            service.issue_certificate(session=db, actor=None, user_id=staff.id, **kw)
        e = err.value.errors[0]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in e.message)  # Chinese message
        return e.field, e.code

    assert field_error() == ("publicKeyPem", "certs.key_choice")
    assert field_error(public_key_pem=make_key().public_pem, generate_key=True) == (
        "publicKeyPem",
        "certs.key_choice",
    )
    assert field_error(
        public_key_pem="-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"
    ) == ("publicKeyPem", "certs.public_key_invalid")
    assert field_error(generate_key=True, key_password="short") == (
        "keyPassword",
        "certs.key_password_weak",
    )
    assert field_error(purpose="signing", public_key_pem=make_key().public_pem) == (
        "publicKeyPem",
        "certs.signing_key_custodied",
    )


def test_one_key_belongs_to_one_person(
    db: Session, staff: Any, make_staff: Callable[..., Any], make_key: Callable[[], KeyPair]
) -> None:
    key = make_key()
    service.issue_certificate(
        session=db, actor=None, user_id=staff.id, public_key_pem=key.public_pem
    )
    # the same person may hold a second certificate for the same key (e.g. after a move)
    service.issue_certificate(
        session=db, actor=None, user_id=staff.id, public_key_pem=key.public_pem
    )
    with pytest.raises(Conflict) as err:
        service.issue_certificate(
            session=db, actor=None, user_id=make_staff().id, public_key_pem=key.public_pem
        )
    assert err.value.code == "certs.public_key_in_use"


def test_disabled_user_gets_no_certificate(
    db: Session, staff: Any, make_key: Callable[[], KeyPair]
) -> None:
    staff.is_active = False
    db.flush()
    with pytest.raises(RuleViolation) as err:
        service.issue_certificate(
            session=db, actor=None, user_id=staff.id, public_key_pem=make_key().public_pem
        )
    assert err.value.code == "certs.user_inactive"


def test_renewal_supersedes_the_old_certificate(
    db: Session, staff: Any, make_key: Callable[[], KeyPair]
) -> None:
    key = make_key()
    old = service.issue_certificate(
        session=db, actor=None, user_id=staff.id, public_key_pem=key.public_pem
    ).certificate
    renewed = service.renew_certificate(session=db, actor=None, certificate_id=old.id)
    new = renewed.certificate
    assert new.id != old.id and new.serial != old.serial
    assert new.renewed_from_id == old.id and new.state == "valid"
    assert new.public_key_fingerprint == old.public_key_fingerprint  # same USB key
    assert old.state == "revoked" and old.revocation_reason == "superseded"
    from asn1crypto import crl as asn1_crl

    listed = asn1_crl.CertificateList.load(service.current_crl(session=db).der)
    serials = {
        e["user_certificate"].native for e in listed["tbs_cert_list"]["revoked_certificates"]
    }
    assert int(old.serial, 16) in serials
    with pytest.raises(RuleViolation) as err:
        service.renew_certificate(session=db, actor=None, certificate_id=old.id)
    assert err.value.code == "certs.renew_revoked"
    # renewal with a new generated key
    rekeyed = service.renew_certificate(
        session=db,
        actor=None,
        certificate_id=new.id,
        generate_key=True,
        key_password="Neue-pin-2027",
    )
    assert rekeyed.private_key_pem
    assert rekeyed.certificate.public_key_fingerprint != new.public_key_fingerprint


def test_revocation_rules(db: Session, staff: Any, make_key: Callable[[], KeyPair]) -> None:
    row = service.issue_certificate(
        session=db, actor=None, user_id=staff.id, public_key_pem=make_key().public_pem
    ).certificate
    with pytest.raises(ValidationFailed):
        service.revoke_certificate(
            session=db, actor=None, certificate_id=row.id, reason="certificate_hold"
        )
    service.revoke_certificate(
        session=db, actor=None, certificate_id=row.id, reason="privilege_withdrawn"
    )
    assert row.revoked_at is not None and row.status == "revoked"
    with pytest.raises(Conflict) as err:
        service.revoke_certificate(
            session=db, actor=None, certificate_id=row.id, reason="unspecified"
        )
    assert err.value.code == "certs.already_revoked"
    check = service.check_certificate(session=db, certificate_pem=row.certificate_pem)
    assert not check.valid and check.reason == "certs.certificate_revoked"


def test_lists_per_user_and_institution(
    db: Session, make_staff: Callable[..., Any], institution: Any, make_key: Callable[[], KeyPair]
) -> None:
    a, b = make_staff(), make_staff(institution_id=None)
    for user in (a, a, b):
        service.issue_certificate(
            session=db, actor=None, user_id=user.id, public_key_pem=make_key().public_pem
        )
    page = service.list_certificates(session=db, query=CertificateQuery(user_id=a.id))
    assert page.total == 2 and {c.user_id for c in page.items} == {a.id}
    page = service.list_certificates(
        session=db, query=CertificateQuery(institution_id=institution.id)
    )
    assert page.total == 2
    b_cert = service.certificates_of_user(session=db, user_id=b.id)[0]
    assert (
        x509.load_certificate(b_cert.certificate_pem).subject.native["organization_name"]
        == "上海市卫生健康委员会"
    )
    service.revoke_certificate(
        session=db, actor=None, certificate_id=b_cert.id, reason="unspecified"
    )
    revoked = service.list_certificates(
        session=db, query=CertificateQuery(state="revoked", user_id=b.id)
    )
    assert [c.id for c in revoked.items] == [b_cert.id]


def test_statistics_per_institution_and_district(
    db: Session, make_staff: Callable[..., Any], institution: Any, make_key: Callable[[], KeyPair]
) -> None:
    user = make_staff()
    now = utcnow()

    def issue(**kw: Any) -> Any:
        return service.issue_certificate(
            session=db, actor=None, user_id=user.id, public_key_pem=make_key().public_pem, **kw
        ).certificate

    issue()  # valid
    issue(validity_days=10)  # valid, expiring within 30 days
    issue(validity_days=30, not_before=now - timedelta(days=60))  # expired
    gone = issue()
    service.revoke_certificate(session=db, actor=None, certificate_id=gone.id, reason="unspecified")
    stats = {s.key: s for s in service.certificate_statistics(session=db)}
    mine = stats[institution.id]
    assert mine.name == institution.name
    assert (mine.issued, mine.valid, mine.expiring_soon, mine.expired, mine.revoked) == (
        4,
        2,
        1,
        1,
        1,
    )
    district = {s.key: s for s in service.certificate_statistics(session=db, group_by="district")}
    assert district["310104"].name == "徐汇区"
    assert district["310104"].issued >= 4
