"""Shared pieces of the certificate service: constants, the audit hook, the CA handles."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from healthnet.core.certs import x509
from healthnet.core.certs.authority import Authority, CaIntegrityError, ensure_ca, issuing_authority
from healthnet.core.crypto import CryptoError, SM2PrivateKey, sm3
from healthnet.core.errors import ServiceUnavailable
from healthnet.core.rbac.actor import Actor
from healthnet.core.rbac.scope import check_object

log = logging.getLogger("healthnet.certs")

DEFAULT_VALIDITY_DAYS = 730
PLATFORM_VALIDITY = timedelta(days=730)
CHALLENGE_TTL = timedelta(minutes=2)
CHALLENGE_BYTES = 32
CRL_VALIDITY = timedelta(days=7)
CRL_REFRESH_BEFORE = timedelta(days=1)  # serve a fresh CRL well before nextUpdate
EXPIRING_SOON = timedelta(days=30)
# A client-signed document may carry a clock a little ahead of ours; more is refused.
SIGNING_TIME_SKEW = timedelta(minutes=5)

ADMIN_REVOCATION_REASONS = frozenset(
    {
        "unspecified",
        "key_compromise",
        "affiliation_changed",
        "superseded",
        "cessation_of_operation",
        "privilege_withdrawn",
    }
)
PLATFORM_SUBJECT_CN = "HealthNet 平台电子签名"


def scope_check(
    session: Session,
    actor: Actor | None,
    *,
    institution_id: str | None,
    district_code: str | None,
    owner_id: str | None,
    not_found: str = "not_found",
) -> None:
    """404 unless the object is within ``actor``'s data scope (None: an internal call)."""
    if actor is not None:
        check_object(
            actor,
            session=session,
            institution_id=institution_id,
            district_code=district_code,
            owner_id=owner_id,
            not_found=not_found,
            resource="证书",
        )


class _Refused(Exception):
    """A certificate or signature check failed with ``code`` (a certs.* message)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _audit(
    session: Session,
    actor: Actor | None,
    action: str,
    resource_id: str | None,
    detail: dict[str, Any] | None = None,
    request: Any = None,
) -> None:
    from healthnet.core.audit.service import record

    record(
        session=session,
        actor=actor,
        action=action,
        resource_type="certs.certificate",
        resource_id=resource_id,
        purpose="ADMIN",
        detail=detail,
        request=request,
        username=None if actor is not None else "system",
    )


# --------------------------------------------------------------------------- CA


def ca_certificates(*, session: Session) -> tuple[str, str]:
    """PEM of the root and of the active issuing CA (created on first use)."""
    try:
        root, issuing = ensure_ca(session)
    except CaIntegrityError as exc:
        log.critical("certificate authority failed its checks: %s", exc)
        raise ServiceUnavailable("certs.ca_unavailable") from None
    return root.row.certificate_pem, issuing.row.certificate_pem


def pem_fingerprint(certificate_pem: str) -> str:
    """SM3 over the certificate's DER, hex: what an operator compares out of band."""
    return sm3(x509.load_certificate(certificate_pem).dump()).hex()


def _issuing(session: Session) -> tuple[Authority, SM2PrivateKey]:
    try:
        issuing = issuing_authority(session)
        return issuing, issuing.private_key()
    except CryptoError as exc:
        log.critical("certificate authority failed its checks: %s", exc)
        raise ServiceUnavailable("certs.ca_unavailable") from None


def _chain_pem(session: Session) -> str:
    root_pem, issuing_pem = ca_certificates(session=session)
    return issuing_pem + root_pem
