"""Issuing, renewing, revoking, listing and counting certificates (S1)."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from healthnet.core.certs import x509
from healthnet.core.certs.authority import PLATFORM_ORGANIZATION
from healthnet.core.certs.models import (
    KEY_CLIENT,
    KEY_CUSTODIED,
    KEY_GENERATED,
    PURPOSE_AUTHENTICATION,
    PURPOSE_PLATFORM,
    PURPOSE_SIGNING,
    STATUS_REVOKED,
    STATUS_VALID,
    Certificate,
)
from healthnet.core.certs.schemas import CertificateQuery, CertificateRead, CertificateStats
from healthnet.core.certs.service.checks import _require_intact
from healthnet.core.certs.service.common import (
    ADMIN_REVOCATION_REASONS,
    DEFAULT_VALIDITY_DAYS,
    EXPIRING_SOON,
    _audit,
    _chain_pem,
    _issuing,
    scope_check,
)
from healthnet.core.certs.service.crl import regenerate_crl
from healthnet.core.crypto import SM2PrivateKey, SM2PublicKey
from healthnet.core.db import new_id, utcnow
from healthnet.core.errors import Conflict, NotFound, RuleViolation, ValidationFailed
from healthnet.core.rbac.actor import Actor
from healthnet.core.rbac.scope import apply_scope
from healthnet.core.schemas import Page

# --------------------------------------------------------------------------- issuing


@dataclass(frozen=True)
class IssuedCertificate:
    certificate: Certificate
    private_key_pem: str | None  # encrypted PKCS #8, only when the platform generated the key
    key_password: str | None  # only when the platform also chose the password
    ca_chain_pem: str


def _check_key_password(password: str) -> None:
    if len(password) < 8 or not re.search(r"[A-Za-z]", password) or not re.search(r"\d", password):
        raise ValidationFailed.field("keyPassword", "certs.key_password_weak")


def _generated_password() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(14)) + secrets.choice("23456789") + "a"


def _public_key(pem: str) -> SM2PublicKey:
    try:
        return x509.public_key_from_pem(pem)
    except x509.CertificateFormatError:
        raise ValidationFailed.field("publicKeyPem", "certs.public_key_invalid") from None


@dataclass(frozen=True)
class _Subject:
    user_id: str | None
    display_name: str
    institution_id: str | None
    institution_name: str | None
    department_name: str | None
    district_code: str | None


def _subject_of_user(session: Session, user_id: str) -> _Subject:
    from healthnet.core.auth import service as auth_service
    from healthnet.core.orgs import service as orgs_service

    user = auth_service.get_user(session=session, user_id=user_id)
    if not user.is_active:
        raise RuleViolation("certs.user_inactive")
    if getattr(user, "kind", "staff") != "staff":  # residents sign in without certificates
        raise RuleViolation("certs.user_not_staff")
    name = district = department = None
    if user.institution_id:
        institution = orgs_service.get_institution(
            session=session, institution_id=user.institution_id
        )
        name, district = institution.name, institution.district_code
        department_id = getattr(user, "department_id", None)
        if department_id:
            department = orgs_service.get_department(
                session=session, institution_id=user.institution_id, department_id=department_id
            ).name
    return _Subject(user.id, user.display_name, user.institution_id, name, department, district)


def _issue(
    session: Session,
    *,
    subject: _Subject,
    purpose: str,
    public_key: SM2PublicKey,
    key_source: str,
    custodied_key: SM2PrivateKey | None,
    validity: timedelta,
    not_before: datetime | None,
    issued_by: str | None,
    renewed_from_id: str | None = None,
) -> Certificate:
    issuing, ca_key = _issuing(session)
    fp = x509.fingerprint(public_key)
    # One key, one owner: otherwise a signature would not say who made it.
    other_owner = session.scalar(
        select(Certificate.id)
        .where(
            Certificate.public_key_fingerprint == fp,
            Certificate.status == STATUS_VALID,
            or_(Certificate.user_id.is_(None), Certificate.user_id != subject.user_id)
            if subject.user_id is not None
            else Certificate.user_id.is_not(None),
        )
        .limit(1)
    )
    if other_owner is not None:
        raise Conflict("certs.public_key_in_use")
    start = (not_before or utcnow()).replace(microsecond=0)
    end = min(start + validity, issuing.row.not_after)
    attrs = {
        "country_name": "CN",
        "organization_name": subject.institution_name or PLATFORM_ORGANIZATION,
        "common_name": subject.display_name,
    }
    if subject.department_name:
        attrs["organizational_unit_name"] = subject.department_name
    if subject.user_id is not None:
        attrs["user_id"] = subject.user_id  # RFC 4519 UID: who the key belongs to
    profile = (
        x509.AUTHENTICATION_PROFILE if purpose == PURPOSE_AUTHENTICATION else x509.SIGNING_PROFILE
    )
    cert = x509.build_certificate(
        serial=x509.new_serial(),
        subject=x509.build_name(attrs),
        public_key=public_key,
        issuer=issuing.name,
        issuer_key=ca_key,
        not_before=start,
        not_after=end,
        profile=profile,
    )
    row = Certificate(
        id=new_id(),
        serial=x509.serial_hex(cert.serial_number),
        issuer_id=issuing.row.id,
        purpose=purpose,
        user_id=subject.user_id,
        institution_id=subject.institution_id,
        district_code=subject.district_code,
        subject=cert.subject.human_friendly[:512],
        not_before=start,
        not_after=end,
        certificate_pem=x509.to_pem(cert),
        public_key_fingerprint=fp,
        key_source=key_source,
        private_key=custodied_key.to_pem().decode("ascii") if custodied_key else None,
        status=STATUS_VALID,
        renewed_from_id=renewed_from_id,
        issued_by=issued_by,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def _key_material(
    *,
    purpose: str,
    public_key_pem: str | None,
    generate_key: bool,
    key_password: str | None,
    reuse: SM2PublicKey | None = None,
    reuse_source: str = KEY_CLIENT,
) -> tuple[SM2PublicKey, str, SM2PrivateKey | None, str | None, str | None]:
    """(public key, key source, custodied key, PKCS #8 to hand out, generated password)."""
    if purpose == PURPOSE_SIGNING:
        if public_key_pem is not None or generate_key or key_password is not None:
            raise ValidationFailed.field("publicKeyPem", "certs.signing_key_custodied")
        key = SM2PrivateKey.generate()
        return key.public_key(), KEY_CUSTODIED, key, None, None
    if public_key_pem is not None and generate_key:
        raise ValidationFailed.field("publicKeyPem", "certs.key_choice")
    if key_password is not None and not generate_key:
        raise ValidationFailed.field("keyPassword", "certs.key_choice")
    if generate_key:
        generated_password = None
        if key_password is None:
            key_password = generated_password = _generated_password()
        _check_key_password(key_password)
        key = SM2PrivateKey.generate()
        # PKCS #8 PBES2 with SM4-CBC (Tongsuo's choice); the password protects it in transit
        # and at rest on the staff member's machine.
        handed_out = key.to_pem(key_password.encode("utf-8")).decode("ascii")
        return key.public_key(), KEY_GENERATED, None, handed_out, generated_password
    if public_key_pem is not None:
        return _public_key(public_key_pem), KEY_CLIENT, None, None, None
    if reuse is not None:  # renewal keeps the key the staff member already holds
        return reuse, reuse_source, None, None, None
    raise ValidationFailed.field("publicKeyPem", "certs.key_choice")


def issue_certificate(
    *,
    session: Session,
    actor: Actor | None,
    user_id: str,
    purpose: str = PURPOSE_AUTHENTICATION,
    public_key_pem: str | None = None,
    generate_key: bool = False,
    key_password: str | None = None,
    validity_days: int = DEFAULT_VALIDITY_DAYS,
    not_before: datetime | None = None,
    request: Any = None,
) -> IssuedCertificate:
    """Certify a staff member's SM2 key.

    ``authentication`` (login): give ``public_key_pem`` (from a USB key / the user's own key
    file), or ``generate_key=True`` to get a new key back once as password-encrypted PKCS #8
    (``key_password``, or a generated one returned with it). ``signing`` (documents): the key
    is generated and kept here, encrypted, and never leaves. ``not_before`` defaults to now.
    """
    if purpose not in (PURPOSE_AUTHENTICATION, PURPOSE_SIGNING):
        raise ValidationFailed.field("purpose", "field.invalid")
    subject = _subject_of_user(session, user_id)
    # Staff outside the administrator's data scope look exactly like unknown users.
    scope_check(
        session,
        actor,
        institution_id=subject.institution_id,
        district_code=subject.district_code,
        owner_id=None,
        not_found="auth.user_not_found",
    )
    if purpose == PURPOSE_SIGNING and _valid_signing_certificate(session, user_id) is not None:
        raise Conflict("certs.signing_certificate_exists")
    public, source, custodied, handed_out, password = _key_material(
        purpose=purpose,
        public_key_pem=public_key_pem,
        generate_key=generate_key,
        key_password=key_password,
    )
    row = _issue(
        session,
        subject=subject,
        purpose=purpose,
        public_key=public,
        key_source=source,
        custodied_key=custodied,
        validity=timedelta(days=validity_days),
        not_before=not_before,
        issued_by=actor.user_id if actor else None,
    )
    _audit(
        session,
        actor,
        "certs.certificate.issue",
        row.id,
        {"purpose": purpose, "keySource": source},
        request,
    )
    return IssuedCertificate(row, handed_out, password, _chain_pem(session))


def renew_certificate(
    *,
    session: Session,
    actor: Actor | None,
    certificate_id: str,
    public_key_pem: str | None = None,
    generate_key: bool = False,
    key_password: str | None = None,
    validity_days: int = DEFAULT_VALIDITY_DAYS,
    request: Any = None,
) -> IssuedCertificate:
    """A new certificate for the same person and purpose; the old one is revoked as
    ``superseded`` (RFC 5280 §5.3.1) and listed on the CRL. Without new key material an
    authentication certificate keeps its public key (the USB key stays in use)."""
    old = get_certificate(session=session, certificate_id=certificate_id, actor=actor)
    if old.purpose == PURPOSE_PLATFORM or old.user_id is None:
        raise RuleViolation("certs.platform_certificate")
    if old.status == STATUS_REVOKED:
        raise RuleViolation("certs.renew_revoked")
    _require_intact(old)
    subject = _subject_of_user(session, old.user_id)
    reuse = x509.public_key_of(x509.load_certificate(old.certificate_pem))
    public, source, custodied, handed_out, password = _key_material(
        purpose=old.purpose,
        public_key_pem=public_key_pem,
        generate_key=generate_key,
        key_password=key_password,
        reuse=reuse,
        reuse_source=old.key_source,
    )
    # Revoke first: the renewed certificate may carry the same key, which must not look like
    # a key shared with another live certificate.
    _revoke(session, old, "superseded", actor)
    row = _issue(
        session,
        subject=subject,
        purpose=old.purpose,
        public_key=public,
        key_source=source,
        custodied_key=custodied,
        validity=timedelta(days=validity_days),
        not_before=None,
        issued_by=actor.user_id if actor else None,
        renewed_from_id=old.id,
    )
    regenerate_crl(session=session)
    _audit(
        session,
        actor,
        "certs.certificate.renew",
        row.id,
        {"purpose": row.purpose, "keySource": source, "renewedFrom": old.id},
        request,
    )
    return IssuedCertificate(row, handed_out, password, _chain_pem(session))


def _revoke(session: Session, row: Certificate, reason: str, actor: Actor | None) -> None:
    row.status = STATUS_REVOKED
    row.revoked_at = utcnow()
    row.revocation_reason = reason
    row.revoked_by = actor.user_id if actor else None
    row.private_key = None  # a custodied key is destroyed with its certificate
    session.flush()


def revoke_certificate(
    *,
    session: Session,
    actor: Actor | None,
    certificate_id: str,
    reason: str,
    request: Any = None,
) -> Certificate:
    """Revoke with an RFC 5280 reason; the CRL is re-issued in the same transaction."""
    if reason not in ADMIN_REVOCATION_REASONS:
        raise ValidationFailed.field("reason", "certs.reason_not_allowed", reason=reason)
    row = get_certificate(session=session, certificate_id=certificate_id, actor=actor)
    if row.status == STATUS_REVOKED:
        raise Conflict("certs.already_revoked")
    _revoke(session, row, reason, actor)
    regenerate_crl(session=session)
    _audit(session, actor, "certs.certificate.revoke", row.id, {"reason": reason}, request)
    return row


# --------------------------------------------------------------------------- reading


def _visible(session: Session, row: Certificate | None, actor: Actor | None) -> Certificate:
    if row is None:
        raise NotFound(resource="证书")
    scope_check(
        session,
        actor,
        institution_id=row.institution_id,
        district_code=row.district_code,
        owner_id=row.user_id,
    )
    return row


def get_certificate(
    *, session: Session, certificate_id: str, actor: Actor | None = None
) -> Certificate:
    """The certificate; 404 when unknown or outside ``actor``'s data scope (None: no scope)."""
    return _visible(session, session.get(Certificate, certificate_id), actor)


def get_certificate_by_serial(
    *, session: Session, serial: str, actor: Actor | None = None
) -> Certificate:
    row = session.scalar(select(Certificate).where(Certificate.serial == serial.upper()))
    return _visible(session, row, actor)


def _state_filter(state: str, now: datetime) -> Any:
    if state == "revoked":
        return Certificate.status == STATUS_REVOKED
    if state == "expired":
        return and_(Certificate.status == STATUS_VALID, Certificate.not_after <= now)
    return and_(
        Certificate.status == STATUS_VALID,
        Certificate.not_after > now,
        Certificate.not_before <= now,
    )


def _scoped(stmt: Any, actor: Actor | None) -> Any:
    if actor is None:
        return stmt
    return apply_scope(
        stmt,
        actor,
        institution_column=Certificate.institution_id,
        district_column=Certificate.district_code,
        owner_column=Certificate.user_id,
    )


def list_certificates(
    *, session: Session, query: CertificateQuery, actor: Actor | None = None
) -> Page[CertificateRead]:
    """Certificates matching ``query`` within ``actor``'s data scope, newest first."""
    now = utcnow()
    conds: list[Any] = []
    if query.user_id:
        conds.append(Certificate.user_id == query.user_id)
    if query.institution_id:
        conds.append(Certificate.institution_id == query.institution_id)
    if query.district_code:
        conds.append(Certificate.district_code == query.district_code)
    if query.purpose:
        conds.append(Certificate.purpose == query.purpose)
    if query.state:
        conds.append(_state_filter(query.state, now))
    if query.expiring_within_days:
        conds.append(_state_filter("valid", now))
        conds.append(Certificate.not_after <= now + timedelta(days=query.expiring_within_days))
    if query.serial:
        conds.append(Certificate.serial == query.serial.upper())
    total = (
        session.scalar(_scoped(select(func.count()).select_from(Certificate).where(*conds), actor))
        or 0
    )
    rows = session.scalars(
        _scoped(select(Certificate).where(*conds), actor)
        .order_by(Certificate.created_at.desc(), Certificate.id)
        .offset(query.offset)
        .limit(query.page_size)
    )
    return Page[CertificateRead](
        items=[CertificateRead.model_validate(r) for r in rows],
        total=total,
        page=query.page,
        page_size=query.page_size,
    )


def certificates_of_user(*, session: Session, user_id: str) -> list[Certificate]:
    return list(
        session.scalars(
            select(Certificate)
            .where(Certificate.user_id == user_id)
            .order_by(Certificate.created_at.desc(), Certificate.id)
        )
    )


def certificate_statistics(
    *,
    session: Session,
    group_by: Literal["institution", "district"] = "institution",
    actor: Actor | None = None,
) -> list[CertificateStats]:
    """Per institution or district: issued, valid, expiring within 30 days, expired, revoked,
    over the certificates within ``actor``'s data scope. Staff certificates only (the
    platform's own signing certificate is not counted)."""
    from healthnet.core.orgs import service as orgs_service

    now = utcnow()
    key_col = Certificate.institution_id if group_by == "institution" else Certificate.district_code
    valid = and_(
        Certificate.status == STATUS_VALID,
        Certificate.not_after > now,
        Certificate.not_before <= now,
    )

    def count_if(cond: Any) -> Any:
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    stmt = (
        select(
            key_col,
            func.count(),
            count_if(valid),
            count_if(and_(valid, Certificate.not_after <= now + EXPIRING_SOON)),
            count_if(and_(Certificate.status == STATUS_VALID, Certificate.not_after <= now)),
            count_if(Certificate.status == STATUS_REVOKED),
        )
        .where(Certificate.purpose != PURPOSE_PLATFORM)
        .group_by(key_col)
    )
    rows = session.execute(_scoped(stmt, actor)).all()
    names: dict[str, str] = {}
    if group_by == "district":
        names = {d.code: d.name for d in orgs_service.list_districts(session=session)}
    else:
        for key, *_ in rows:
            if key is not None:
                names[key] = orgs_service.get_institution(session=session, institution_id=key).name
    result = [
        CertificateStats(
            key=key,
            name=names.get(key) if key else None,
            issued=int(issued),
            valid=int(valid_n),
            expiring_soon=int(soon),
            expired=int(expired),
            revoked=int(revoked),
        )
        for key, issued, valid_n, soon, expired, revoked in rows
    ]
    result.sort(key=lambda s: (-s.issued, s.key or ""))
    return result


def _valid_signing_certificate(session: Session, user_id: str | None) -> Certificate | None:
    now = utcnow()
    purpose = PURPOSE_SIGNING if user_id is not None else PURPOSE_PLATFORM
    return session.scalar(
        select(Certificate)
        .where(
            Certificate.purpose == purpose,
            Certificate.user_id == user_id
            if user_id is not None
            else Certificate.user_id.is_(None),
            Certificate.status == STATUS_VALID,
            Certificate.not_before <= now,
            Certificate.not_after > now + timedelta(minutes=1),
            Certificate.private_key.is_not(None),
        )
        .order_by(Certificate.not_after.desc())
        .limit(1)
    )
