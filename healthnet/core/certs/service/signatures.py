"""Document signatures (S2): detached CMS SignedData with SM2/SM3."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from healthnet.core.certs import signeddata, x509
from healthnet.core.certs.authority import authority_by_id
from healthnet.core.certs.models import KEY_CUSTODIED, PURPOSE_PLATFORM, Certificate
from healthnet.core.certs.service.checks import _check, _require_intact
from healthnet.core.certs.service.common import (
    EXPIRING_SOON,
    PLATFORM_SUBJECT_CN,
    PLATFORM_VALIDITY,
    SIGNING_TIME_SKEW,
    _audit,
    _Refused,
)
from healthnet.core.certs.service.issuing import _issue, _Subject, _valid_signing_certificate
from healthnet.core.crypto import CryptoError, SM2PrivateKey, sm3
from healthnet.core.db import utcnow
from healthnet.core.errors import RuleViolation, ServiceUnavailable, ValidationFailed
from healthnet.core.rbac.actor import Actor

# --------------------------------------------------------------------------- signatures

log = logging.getLogger("healthnet.certs")


@dataclass(frozen=True)
class DocumentSignature:
    signature: bytes  # DER CMS ContentInfo(SignedData), detached
    signed_at: datetime
    content_digest: str  # SM3 hex of the content
    certificate: Certificate


@dataclass(frozen=True)
class VerifyResult:
    valid: bool
    reason: str | None  # a certs.* code when not valid
    certificate: Certificate | None  # the signer's certificate (when it is ours)
    signed_at: datetime | None
    content_type: str | None
    content_digest: str


def _platform_certificate(session: Session) -> Certificate:
    row = _valid_signing_certificate(session, None)
    if row is not None and row.not_after - utcnow() > EXPIRING_SOON:
        return row
    # None yet, or close to expiry: certify a fresh platform key (the old one stays valid for
    # the signatures it made).
    key = SM2PrivateKey.generate()
    subject = _Subject(None, PLATFORM_SUBJECT_CN, None, None, None, None)
    new = _issue(
        session,
        subject=subject,
        purpose=PURPOSE_PLATFORM,
        public_key=key.public_key(),
        key_source=KEY_CUSTODIED,
        custodied_key=key,
        validity=PLATFORM_VALIDITY,
        not_before=None,
        issued_by=None,
    )
    _audit(
        session,
        None,
        "certs.certificate.issue",
        new.id,
        {"purpose": PURPOSE_PLATFORM, "keySource": KEY_CUSTODIED},
    )
    return new


def sign_document(
    *,
    session: Session,
    content: bytes,
    content_type: str,
    signer_user_id: str | None = None,
    platform: bool = False,
    actor: Actor | None = None,
    request: Any = None,
) -> DocumentSignature:
    """A detached CMS SignedData (SM2-with-SM3, SM3 digest, signer certificate embedded) over
    ``content``, made with the signer's platform-held signing key or the platform's own key.

    Give exactly one of ``signer_user_id`` (the staff member must hold a valid signing
    certificate) and ``platform=True`` (receipts and other platform-issued documents).
    """
    if (signer_user_id is None) == (not platform):
        raise ValueError("give exactly one of signer_user_id and platform=True")
    if not content:
        raise ValidationFailed.field("content", "certs.content_empty")
    if platform:
        row = _platform_certificate(session)
    else:
        found = _valid_signing_certificate(session, signer_user_id)
        if found is None:
            raise RuleViolation("certs.no_signing_certificate")
        row = found
    _require_intact(row)
    assert row.private_key is not None
    try:
        key = SM2PrivateKey.from_pem(row.private_key.encode("ascii"))
    except CryptoError:
        raise ServiceUnavailable("certs.ca_unavailable") from None
    if x509.fingerprint(key.public_key()) != row.public_key_fingerprint:
        log.critical("custodied key of certificate %s does not match it", row.id)
        raise ServiceUnavailable("certs.ca_unavailable")
    issuer = authority_by_id(session, row.issuer_id)
    signed_at = utcnow().replace(microsecond=0)
    der = signeddata.build(
        content=content,
        content_type=content_type,
        key=key,
        certificate=x509.load_certificate(row.certificate_pem),
        chain=[issuer.certificate],
        signed_at=signed_at,
    )
    row.last_used_at = signed_at
    session.flush()
    if actor is not None:
        from healthnet.core.audit.service import record

        record(
            session=session,
            actor=actor,
            action="certs.document.sign",
            resource_type="certs.certificate",
            resource_id=row.id,
            purpose="ADMIN",
            detail={"contentType": content_type[:64]},
            request=request,
        )
    return DocumentSignature(der, signed_at, sm3(content).hex(), row)


def verify_document(
    *, session: Session, content: bytes, signature: bytes, now: datetime | None = None
) -> VerifyResult:
    """Check a detached signature made by :func:`sign_document` (or by a staff member's own
    key under one of our certificates). Never raises for a bad signature: the result says why.

    Order of checks: structure → signer certificate at the signing time (ours, registered,
    within validity, not revoked before signing) → SM2 signature over the signed attributes →
    SM3 digest of ``content`` (a document edited after signing fails here).
    """
    digest = sm3(content).hex()
    try:
        parsed = signeddata.parse(signature)
    except signeddata.SignedDataError:
        return VerifyResult(False, "certs.signature_malformed", None, None, None, digest)
    signed_at = parsed.signed_at
    now = now or utcnow()
    if signed_at is None or signed_at > now + SIGNING_TIME_SKEW:
        return VerifyResult(
            False, "certs.signature_malformed", None, signed_at, parsed.content_type, digest
        )
    try:
        row = _check(session, parsed.signer_certificate.dump(), at=signed_at)
    except _Refused as refused:
        return VerifyResult(False, refused.code, None, signed_at, parsed.content_type, digest)
    public = x509.public_key_of(parsed.signer_certificate)
    if not signeddata.signature_verifies(parsed, public):
        return VerifyResult(
            False, "certs.signature_invalid", row, signed_at, parsed.content_type, digest
        )
    if parsed.message_digest != bytes.fromhex(digest):
        return VerifyResult(
            False, "certs.content_digest_mismatch", row, signed_at, parsed.content_type, digest
        )
    return VerifyResult(True, None, row, signed_at, parsed.content_type, digest)
