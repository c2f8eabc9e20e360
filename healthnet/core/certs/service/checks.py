"""Is a presented certificate ours, registered, intact, unrevoked and within validity?"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from healthnet.core.certs import x509
from healthnet.core.certs.authority import authority_for
from healthnet.core.certs.models import STATUS_REVOKED, Certificate
from healthnet.core.certs.service.common import _Refused
from healthnet.core.db import utcnow
from healthnet.core.errors import RuleViolation
from healthnet.core.rbac.actor import Actor
from healthnet.core.rbac.integrity import verify_row
from healthnet.core.rbac.scope import in_scope

log = logging.getLogger("healthnet.certs")


# --------------------------------------------------------------------------- checking


def _require_intact(row: Certificate) -> None:
    if not verify_row(row):
        log.error("certificate %s failed its integrity tag", row.id)
        raise RuleViolation("certs.certificate_tampered")


def _check(
    session: Session, certificate: bytes | str, *, at: datetime, revoked_before_counts: bool = True
) -> Certificate:
    """The registered certificate row if ``certificate`` is ours and usable at ``at``.

    Raises :class:`_Refused` with the reason otherwise. With ``revoked_before_counts`` (document
    signatures) a certificate revoked *after* ``at`` still counts as good at ``at``, unless
    the reason was key compromise (any signature may then be forged, back-dated included).
    """
    try:
        parsed = x509.load_certificate(certificate)
        x509.public_key_of(parsed)
    except x509.CertificateFormatError:
        raise _Refused("certs.certificate_invalid") from None
    issuer = authority_for(session, parsed)
    if issuer is None:
        raise _Refused("certs.unknown_issuer")
    row = session.scalar(
        select(Certificate).where(
            Certificate.serial == x509.serial_hex(parsed.serial_number),
            Certificate.issuer_id == issuer.row.id,
        )
    )
    if row is None or x509.load_certificate(row.certificate_pem).dump() != parsed.dump():
        raise _Refused("certs.certificate_unknown")
    if not verify_row(row):
        log.error("certificate %s failed its integrity tag", row.id)
        raise _Refused("certs.certificate_tampered")
    if row.status == STATUS_REVOKED:
        revoked_at = row.revoked_at or at
        if (
            not revoked_before_counts
            or revoked_at <= at
            or row.revocation_reason == "key_compromise"
        ):
            raise _Refused("certs.certificate_revoked")
    not_before, not_after = x509.validity(parsed)
    issuer_not_before, issuer_not_after = x509.validity(issuer.certificate)
    if not (not_before <= at < not_after) or not (issuer_not_before <= at < issuer_not_after):
        raise _Refused("certs.certificate_expired")
    if "digital_signature" not in x509.key_usage(parsed):
        raise _Refused("certs.certificate_invalid")
    return row


@dataclass(frozen=True)
class CertificateCheck:
    valid: bool
    reason: str | None
    certificate: Certificate | None


def check_certificate(
    *,
    session: Session,
    certificate_pem: str,
    at: datetime | None = None,
    actor: Actor | None = None,
) -> CertificateCheck:
    """Is this one of our certificates, unrevoked and within its validity at ``at`` (now)?

    The verdict is for anyone holding the certificate; the registered record comes back only
    when it lies within ``actor``'s data scope (or ``actor`` is None)."""
    try:
        row = _check(session, certificate_pem, at=at or utcnow(), revoked_before_counts=False)
    except _Refused as refused:
        return CertificateCheck(False, refused.code, None)
    if actor is not None and not in_scope(
        actor,
        session=session,
        institution_id=row.institution_id,
        district_code=row.district_code,
        owner_id=row.user_id,
    ):
        return CertificateCheck(True, None, None)
    return CertificateCheck(True, None, row)


def integrity_problems(*, session: Session) -> list[str]:
    """Ids of certificate rows whose integrity tag no longer matches (changed in the DB)."""
    bad = []
    for row in session.scalars(select(Certificate)):
        if not verify_row(row):
            bad.append(row.id)
    return bad
