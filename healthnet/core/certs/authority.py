"""The platform's two-level SM2 CA: created on first use, loaded and checked on every use.

* Root CA — self-signed, 20 years, pathLen 1; signs only the issuing CA. Its key stays in the
  database only encrypted (:class:`~healthnet.core.crypto.EncryptedText`); see ADR 0006 for
  moving it offline or into an HSM.
* Issuing CA — signed by the root, 10 years, pathLen 0; signs staff and platform certificates
  and the CRL.

Every CA row carries the platform's HMAC-SM3 integrity tag (rbac ``IntegrityMixin``, key
derived from the master key). A row added or changed directly in the database (say, a foreign
CA slipped in as a trust anchor) fails the tag and is never trusted. Also checked on every
load: the root's self-signature, the issuing CA's
signature by the root, and that each decrypted private key matches its certificate.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from asn1crypto import x509 as asn1_x509
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from healthnet.core.certs import x509
from healthnet.core.certs.models import CA_ISSUING, CA_ROOT, CertificateAuthority
from healthnet.core.crypto import CryptoError, SM2PrivateKey, SM2PublicKey
from healthnet.core.db import new_id, utcnow
from healthnet.core.rbac.integrity import verify_row

log = logging.getLogger("healthnet.certs")

PLATFORM_ORGANIZATION = "上海市卫生健康委员会"
ROOT_SUBJECT = {
    "country_name": "CN",
    "organization_name": PLATFORM_ORGANIZATION,
    "organizational_unit_name": "HealthNet",
    "common_name": "HealthNet SM2 Root CA",
}
ISSUING_SUBJECT = {
    "country_name": "CN",
    "organization_name": PLATFORM_ORGANIZATION,
    "organizational_unit_name": "HealthNet",
    "common_name": "HealthNet SM2 Issuing CA 1",
}
ROOT_VALIDITY = timedelta(days=20 * 365)
ISSUING_VALIDITY = timedelta(days=10 * 365)


class CaIntegrityError(CryptoError):
    """A CA row, certificate or key failed its checks: stop issuing rather than trust it."""


@dataclass
class Authority:
    """A CA row whose tag, certificate chain and (when loaded) key have been checked."""

    row: CertificateAuthority
    certificate: asn1_x509.Certificate
    public_key: SM2PublicKey

    @property
    def name(self) -> asn1_x509.Name:
        return self.certificate.subject

    def private_key(self) -> SM2PrivateKey:
        key = SM2PrivateKey.from_pem(self.row.private_key.encode())
        if key.public_key() != self.public_key:
            raise CaIntegrityError(f"CA {self.row.id} key does not match its certificate")
        return key


def _new_row(
    *, kind: str, parent_id: str | None, cert: asn1_x509.Certificate, key: SM2PrivateKey
) -> CertificateAuthority:
    not_before, not_after = x509.validity(cert)
    row = CertificateAuthority(
        id=new_id(),
        kind=kind,
        active_kind=kind,
        parent_id=parent_id,
        subject=cert.subject.human_friendly,
        serial=x509.serial_hex(cert.serial_number),
        key_id=x509.key_id(key.public_key()).hex(),
        certificate_pem=x509.to_pem(cert),
        private_key=key.to_pem().decode("ascii"),
        not_before=not_before,
        not_after=not_after,
        crl_number=0,
        created_at=utcnow(),
    )
    return row


def _create(session: Session) -> None:
    now = utcnow().replace(microsecond=0)
    root_key = SM2PrivateKey.generate()
    root_name = x509.build_name(ROOT_SUBJECT)
    root_cert = x509.build_certificate(
        serial=x509.new_serial(),
        subject=root_name,
        public_key=root_key.public_key(),
        issuer=root_name,
        issuer_key=root_key,
        not_before=now,
        not_after=now + ROOT_VALIDITY,
        profile=x509.ROOT_PROFILE,
    )
    root = _new_row(kind=CA_ROOT, parent_id=None, cert=root_cert, key=root_key)
    issuing_key = SM2PrivateKey.generate()
    issuing_cert = x509.build_certificate(
        serial=x509.new_serial(),
        subject=x509.build_name(ISSUING_SUBJECT),
        public_key=issuing_key.public_key(),
        issuer=root_name,
        issuer_key=root_key,
        not_before=now,
        not_after=now + ISSUING_VALIDITY,
        profile=x509.ISSUING_PROFILE,
    )
    issuing = _new_row(kind=CA_ISSUING, parent_id=root.id, cert=issuing_cert, key=issuing_key)
    try:
        with session.begin_nested():
            session.add(root)
            session.flush()
            session.add(issuing)
    except IntegrityError:
        return  # another process created the CA at the same moment; use theirs
    log.info(
        "created the platform SM2 CA (root %s, issuing %s)", root.key_id[:16], issuing.key_id[:16]
    )


def _load(row: CertificateAuthority, parent: Authority | None) -> Authority:
    if not verify_row(row):
        raise CaIntegrityError(f"CA {row.id} was changed outside HealthNet")
    try:
        cert = x509.load_certificate(row.certificate_pem)
        public = x509.public_key_of(cert)
    except x509.CertificateFormatError:
        raise CaIntegrityError(f"CA {row.id} certificate is unreadable") from None
    signer = parent.public_key if parent is not None else public
    if not x509.signature_verifies(cert, signer):
        raise CaIntegrityError(f"CA {row.id} certificate signature does not verify")
    return Authority(row, cert, public)


def _root(session: Session, root_id: str) -> Authority:
    row = session.get(CertificateAuthority, root_id)
    if row is None or row.kind != CA_ROOT:
        raise CaIntegrityError("the issuing CA has no root")
    return _load(row, None)


def ensure_ca(session: Session) -> tuple[Authority, Authority]:
    """The root and the active issuing CA, created on first use; checked every time."""
    stmt = select(CertificateAuthority).where(CertificateAuthority.active_kind == CA_ISSUING)
    row = session.scalar(stmt)
    if row is None:
        _create(session)
        row = session.scalar(stmt)
        if row is None:
            raise CaIntegrityError("the CA could not be created")
    if row.parent_id is None:
        raise CaIntegrityError("the issuing CA has no root")
    root = _root(session, row.parent_id)
    return root, _load(row, root)


def issuing_authority(session: Session) -> Authority:
    return ensure_ca(session)[1]


def authority_for(session: Session, cert: asn1_x509.Certificate) -> Authority | None:
    """The trusted issuing CA that signed ``cert``, or None (foreign CA, forged signature)."""
    aki = x509.authority_key_id(cert)
    stmt = select(CertificateAuthority).where(CertificateAuthority.kind == CA_ISSUING)
    if aki is not None:
        stmt = stmt.where(CertificateAuthority.key_id == aki.hex())
    for row in session.scalars(stmt):
        if row.parent_id is None:
            continue
        try:
            issuing = _load(row, _root(session, row.parent_id))
        except CaIntegrityError as exc:
            log.error("untrusted CA row skipped: %s", exc)
            continue
        if issuing.name != cert.issuer:
            continue
        if x509.signature_verifies(cert, issuing.public_key):
            return issuing
    return None


def authority_by_id(session: Session, authority_id: str) -> Authority:
    row = session.get(CertificateAuthority, authority_id)
    if row is None or row.parent_id is None:
        raise CaIntegrityError(f"CA {authority_id} is unknown")
    return _load(row, _root(session, row.parent_id))
