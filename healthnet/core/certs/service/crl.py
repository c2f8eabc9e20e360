"""The certificate revocation list (RFC 5280 §5)."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from healthnet.core.certs import x509
from healthnet.core.certs.models import STATUS_REVOKED, Certificate, CertificateAuthority, Crl
from healthnet.core.certs.service.common import CRL_REFRESH_BEFORE, CRL_VALIDITY, _issuing
from healthnet.core.db import utcnow

# --------------------------------------------------------------------------- CRL


def regenerate_crl(*, session: Session) -> Crl:
    """Issue a new CRL for the active issuing CA (number one higher than the last)."""
    issuing, ca_key = _issuing(session)
    # The UPDATE takes the CA row's lock until commit, so concurrent revocations number their
    # CRLs one after the other (RFC 5280 §5.2.3: monotonically increasing).
    session.execute(
        update(CertificateAuthority)
        .where(CertificateAuthority.id == issuing.row.id)
        .values(crl_number=CertificateAuthority.crl_number + 1)
        .execution_options(synchronize_session=False)
    )
    number = session.scalar(
        select(CertificateAuthority.crl_number).where(CertificateAuthority.id == issuing.row.id)
    )
    assert number is not None
    revoked = session.execute(
        select(Certificate.serial, Certificate.revoked_at, Certificate.revocation_reason)
        .where(Certificate.issuer_id == issuing.row.id, Certificate.status == STATUS_REVOKED)
        .order_by(Certificate.revoked_at, Certificate.serial)
    ).all()
    now = utcnow().replace(microsecond=0)
    entries = [
        x509.RevokedEntry(int(serial, 16), revoked_at or now, reason or "unspecified")
        for serial, revoked_at, reason in revoked
    ]
    der = x509.build_crl(
        issuer=issuing.name,
        issuer_key=ca_key,
        crl_number=number,
        this_update=now,
        next_update=now + CRL_VALIDITY,
        entries=entries,
    ).dump()
    row = Crl(
        issuer_id=issuing.row.id,
        crl_number=number,
        this_update=now,
        next_update=now + CRL_VALIDITY,
        der=bytes(der),
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def current_crl(*, session: Session) -> Crl:
    """The newest CRL of the active issuing CA, re-issued when it nears its nextUpdate."""
    issuing = _issuing(session)[0]
    row = session.scalar(
        select(Crl).where(Crl.issuer_id == issuing.row.id).order_by(Crl.crl_number.desc()).limit(1)
    )
    if row is None or row.next_update - utcnow() < CRL_REFRESH_BEFORE:
        row = regenerate_crl(session=session)
    return row
