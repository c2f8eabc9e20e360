"""Tables of the SM2 certificate authority: CA keys, issued certificates, CRLs, login challenges.

Private keys (the CAs', and the keys the platform holds for document signing) are stored only
through :class:`~healthnet.core.crypto.EncryptedText`: SM4-GCM under a data key wrapped by the
master-key hierarchy, so a database dump alone never yields a usable key. Staff authentication
keys are never stored: they stay on the USB key or in the key file handed out once.

CA and certificate rows carry the platform's HMAC-SM3 integrity tag (rbac ``IntegrityMixin``,
key derived from the master key) over the fields that decide trust: a row changed behind the
application's back fails it, is refused when used, and is reported by the integrity scan.
Change tagged columns through the ORM only (a Core ``update()`` would leave a stale tag).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from healthnet.core.crypto import EncryptedText
from healthnet.core.db import Base, IdMixin, utcnow
from healthnet.core.rbac.integrity import IntegrityMixin

CA_ROOT = "root"
CA_ISSUING = "issuing"

PURPOSE_AUTHENTICATION = "authentication"  # staff login (S1)
PURPOSE_SIGNING = "signing"  # a staff member's document signatures, key held by the platform
PURPOSE_PLATFORM = "platform"  # the platform's own document signatures (receipts, ...)
PURPOSES = (PURPOSE_AUTHENTICATION, PURPOSE_SIGNING, PURPOSE_PLATFORM)

KEY_CLIENT = "client"  # the public key came from the user's USB key or own key file
KEY_GENERATED = "generated"  # generated here, handed out once as encrypted PKCS #8, not kept
KEY_CUSTODIED = "custodied"  # generated here and kept (encrypted) for server-side signing

STATUS_VALID = "valid"
STATUS_REVOKED = "revoked"


class CertificateAuthority(IntegrityMixin, IdMixin, Base):
    """The platform's root CA and the issuing CA it certified (two levels)."""

    __tablename__ = "certs_authority"
    # A foreign CA inserted as a trust anchor, or a certificate swapped, fails the tag.
    __integrity_fields__ = ("kind", "parent_id", "key_id", "certificate_pem", "not_after")

    kind: Mapped[str] = mapped_column(String(16))  # root | issuing
    # Equals ``kind`` for the CA in use and NULL otherwise; unique, so two processes creating
    # the CA at once cannot both succeed.
    active_kind: Mapped[str | None] = mapped_column(String(16), unique=True)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("certs_authority.id"))
    subject: Mapped[str] = mapped_column(String(255))
    serial: Mapped[str] = mapped_column(String(40))
    key_id: Mapped[str] = mapped_column(String(40), index=True)  # hex subjectKeyIdentifier
    certificate_pem: Mapped[str] = mapped_column(Text)
    private_key: Mapped[str] = mapped_column(EncryptedText("certs.authority.private_key"))
    not_before: Mapped[datetime]
    not_after: Mapped[datetime]
    crl_number: Mapped[int] = mapped_column(Integer, default=0)  # last CRL number issued
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Certificate(IntegrityMixin, IdMixin, Base):
    """One end-entity certificate issued by our issuing CA."""

    __tablename__ = "certs_certificate"
    # Who it is for, what for, and whether it is revoked: flipping a revoked row back to valid
    # or moving a certificate to another user fails the tag.
    __integrity_fields__ = (
        "serial",
        "issuer_id",
        "purpose",
        "user_id",
        "status",
        "revoked_at",
        "revocation_reason",
        "key_source",
        "public_key_fingerprint",
        "certificate_pem",
    )

    serial: Mapped[str] = mapped_column(String(40), unique=True)  # upper-case hex
    issuer_id: Mapped[str] = mapped_column(ForeignKey("certs_authority.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(16), index=True)
    user_id: Mapped[str | None] = mapped_column(ForeignKey("auth_user.id"), index=True)
    # Copied at issue time: statistics per institution and district stay correct even if the
    # user later moves, and need no join into other slices' tables.
    institution_id: Mapped[str | None] = mapped_column(
        ForeignKey("orgs_institution.id"), index=True
    )
    district_code: Mapped[str | None] = mapped_column(String(6), index=True)
    subject: Mapped[str] = mapped_column(String(512))
    not_before: Mapped[datetime]
    not_after: Mapped[datetime] = mapped_column(index=True)
    certificate_pem: Mapped[str] = mapped_column(Text)
    public_key_fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    key_source: Mapped[str] = mapped_column(String(16))
    private_key: Mapped[str | None] = mapped_column(EncryptedText("certs.certificate.private_key"))
    status: Mapped[str] = mapped_column(String(16), default=STATUS_VALID, index=True)
    revoked_at: Mapped[datetime | None]
    revocation_reason: Mapped[str | None] = mapped_column(String(32))
    revoked_by: Mapped[str | None] = mapped_column(String(32))
    renewed_from_id: Mapped[str | None] = mapped_column(ForeignKey("certs_certificate.id"))
    issued_by: Mapped[str | None] = mapped_column(String(32))
    last_used_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def state_at(self, now: datetime) -> str:
        """valid | expired | not_yet_valid | revoked, as a user would describe the certificate."""
        if self.status == STATUS_REVOKED:
            return "revoked"
        if now >= self.not_after:
            return "expired"
        if now < self.not_before:
            return "not_yet_valid"
        return "valid"

    @property
    def state(self) -> str:
        return self.state_at(utcnow())


class Crl(IdMixin, Base):
    """Every CRL issued (RFC 5280 §5.2.3: CRL numbers only grow); the newest is served."""

    __tablename__ = "certs_crl"
    __table_args__ = (UniqueConstraint("issuer_id", "crl_number"),)

    issuer_id: Mapped[str] = mapped_column(ForeignKey("certs_authority.id"), index=True)
    crl_number: Mapped[int] = mapped_column(Integer)
    this_update: Mapped[datetime]
    next_update: Mapped[datetime]
    der: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LoginChallenge(Base):
    """A single-use server nonce for certificate login.

    The nonce is not secret (the client receives it in the clear); what matters is that it is
    random, bound to one user, short-lived and accepted once, so it is stored as is.
    """

    __tablename__ = "certs_login_challenge"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("auth_user.id"), index=True)
    nonce: Mapped[str] = mapped_column(String(64))  # base64 of 32 random bytes
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None]
    certificate_id: Mapped[str | None] = mapped_column(String(32))
