"""SM2 signatures on workflow transitions marked ``sign`` (R6: the medical certificate of death
is signed when it is confirmed; SECURITY.md non-repudiation: editing a signed document
afterwards fails verification). Decision: docs/decisions/0006-sm2-certificates.md (the
signature format) and 0015-program-engine.md (the engine).

The performer signs with their own signing certificate (the platform-custodied key of
:func:`healthnet.core.certs.service.sign_document`, a detached CMS SignedData, SM3 digest,
SM2-with-SM3). What is signed is :func:`canonical_content`: the enrolment's values with its
identity (enrolment, program code and version, person) and the signature's own facts (signer,
time, transition, state), as canonical JSON. Nothing of it is stored twice: verification
rebuilds it from the record as it is now, so a value, the person or any signature column
changed afterwards (through the API or directly in the database) makes the SM3 digest differ.

While the record is in the state its latest signature confirmed, it is read-only; a later
transition (the program's 更正) makes it editable again, and the next signing transition signs
the corrected record anew. Earlier signatures are kept.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from healthnet.core.audit.context import AuditContext
from healthnet.core.auth.models import User
from healthnet.core.certs import service as certs
from healthnet.core.db import utcnow
from healthnet.core.errors import Conflict, Forbidden, RuleViolation
from healthnet.core.i18n import has, t
from healthnet.core.programs.definition import Transition
from healthnet.core.programs.models import (
    Enrolment,
    Program,
    ProgramVersion,
    Signature,
    StateChange,
)
from healthnet.core.programs.schemas import SignatureRead
from healthnet.core.programs.service._base import (
    Compiled,
    audit_event,
    compiled_of,
    load_enrolment,
)
from healthnet.core.rbac.actor import Actor

ALGORITHM = "SM2-with-SM3"
CONTENT_TYPE = "application/vnd.healthnet.enrolment-signature+json; version=1"
FORMAT = "healthnet.programs.enrolment-signature/1"
SIGN_PERMISSION = "certs:signature:sign"  # the certificate slice's "sign with my certificate"


def _iso(value: datetime) -> str:
    if value.tzinfo is None:  # SQLite hands back naive UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def canonical_content(
    session: Session,
    enrolment: Enrolment,
    *,
    transition: str,
    to_state: str,
    signer_user_id: str,
    signed_at: datetime,
) -> bytes:
    """The bytes that are signed: UTF-8 JSON, keys sorted, no spaces (the same record always
    gives the same bytes on SQLite and PostgreSQL)."""
    program = session.get(Program, enrolment.program_id)
    version = session.get(ProgramVersion, enrolment.version_id)
    assert program is not None and version is not None
    doc: dict[str, Any] = {
        "format": FORMAT,
        "enrolmentId": enrolment.id,
        "program": program.code,
        "version": version.version,
        "personId": enrolment.person_id,
        "values": dict(enrolment.values or {}),
        "transition": transition,
        "state": to_state,
        "signer": signer_user_id,
        "signedAt": _iso(signed_at),
    }
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _latest(session: Session, enrolment_id: str) -> Signature | None:
    # signed_at has whole seconds (it is in the signed content); the transitions' times order
    # two signatures of the same second
    return session.scalar(
        select(Signature)
        .join(StateChange, StateChange.id == Signature.state_change_id)
        .where(Signature.enrolment_id == enrolment_id)
        .order_by(StateChange.created_at.desc(), Signature.id.desc())
        .limit(1)
    )


def _latest_change_id(session: Session, enrolment_id: str) -> str | None:
    return session.scalar(
        select(StateChange.id)
        .where(StateChange.enrolment_id == enrolment_id)
        .order_by(StateChange.created_at.desc(), StateChange.id.desc())
        .limit(1)
    )


def current_signature(session: Session, enrolment: Enrolment) -> Signature | None:
    """The signature that still covers the record: the latest one, made by the record's
    latest transition (no transition since)."""
    sig = _latest(session, enrolment.id)
    if sig is None or sig.state_change_id != _latest_change_id(session, enrolment.id):
        return None
    return sig


def check_not_signed(session: Session, compiled: Compiled, enrolment: Enrolment) -> None:
    """Refuse to change a record its current signature covers (409 naming the way out)."""
    sig = current_signature(session, enrolment)
    if sig is None:
        return
    transitions = compiled.spec.workflow.transitions
    signed_on = next((x.name for x in transitions if x.code == sig.transition), sig.transition)
    way_out = next(
        (
            x
            for x in transitions
            if enrolment.status in x.from_ and not x.sign and not compiled.terminal(x.to)
        ),
        None,
    )
    if way_out is None:
        raise Conflict("programs.enrolment_signed_no_correction", transition=signed_on)
    raise Conflict("programs.enrolment_signed", transition=signed_on, correct=way_out.name)


def sign_transition(
    session: Session, actor: Actor, enrolment: Enrolment, tr: Transition, change: StateChange
) -> Signature:
    """Sign the record as it is after ``tr`` with the performer's signing certificate.
    Without the signing permission or a certificate the transition is refused (the caller's
    transaction rolls back). The key's use is audited by the certificate slice as well."""
    if not actor.can(SIGN_PERMISSION):
        raise Forbidden("programs.signing_permission", transition=tr.name)
    signed_at = utcnow().replace(microsecond=0)
    content = canonical_content(
        session,
        enrolment,
        transition=tr.code,
        to_state=tr.to,
        signer_user_id=actor.user_id,
        signed_at=signed_at,
    )
    try:
        made = certs.sign_document(
            session=session,
            content=content,
            content_type=CONTENT_TYPE,
            signer_user_id=actor.user_id,
            actor=actor,
        )
    except RuleViolation as e:
        if e.code == "certs.no_signing_certificate":
            raise RuleViolation(
                "programs.signing_certificate_required", transition=tr.name
            ) from None
        raise
    sig = Signature(
        enrolment_id=enrolment.id,
        state_change_id=change.id,
        transition=tr.code,
        to_state=tr.to,
        algorithm=ALGORITHM,
        signer_user_id=actor.user_id,
        certificate_id=made.certificate.id,
        certificate_serial=made.certificate.serial,
        content_digest=made.content_digest,
        signature=made.signature,
        signed_at=signed_at,
    )
    session.add(sig)
    session.flush()
    return sig


def _verdict(session: Session, enrolment: Enrolment, sig: Signature) -> tuple[bool, str | None]:
    content = canonical_content(
        session,
        enrolment,
        transition=sig.transition,
        to_state=sig.to_state,
        signer_user_id=sig.signer_user_id,
        signed_at=sig.signed_at,
    )
    result = certs.verify_document(session=session, content=content, signature=sig.signature)
    if not result.valid:
        if result.reason == "certs.content_digest_mismatch":
            return False, "programs.signature_values_changed"
        return False, result.reason or "certs.signature_invalid"
    if result.certificate is None or result.certificate.user_id != sig.signer_user_id:
        return False, "programs.signature_signer_mismatch"
    return True, None


def verify_signature(
    *, session: Session, actor: Actor, enrolment_id: str, request: AuditContext | None = None
) -> SignatureRead:
    """The record's latest signature, checked now: the SM2 signature against the signer's
    certificate (ours, valid at the signing time, not revoked for key compromise) and the
    SM3 digest against the record as it is stored now. Audited."""
    enrolment = load_enrolment(session, actor, enrolment_id)
    sig = _latest(session, enrolment.id)
    if sig is None:
        audit_event(session, actor, "programs.signature.verify", enrolment, request=request)
        return SignatureRead(signed=False)
    count = session.scalar(
        select(func.count(Signature.id)).where(Signature.enrolment_id == enrolment.id)
    )
    valid, reason = _verdict(session, enrolment, sig)
    compiled = compiled_of(session, enrolment.version_id)
    tr_name = next(
        (x.name for x in compiled.spec.workflow.transitions if x.code == sig.transition),
        sig.transition,
    )
    signer_name = session.scalar(select(User.display_name).where(User.id == sig.signer_user_id))
    current = sig.state_change_id == _latest_change_id(session, enrolment.id)
    audit_event(
        session,
        actor,
        "programs.signature.verify",
        enrolment,
        request=request,
        detail={"signatureId": sig.id, "valid": valid, "reason": reason},
    )
    message_code = reason or "programs.signature_valid"
    return SignatureRead(
        signed=True,
        valid=valid,
        current=current,
        reason=reason,
        message=t(message_code) if has(message_code) else message_code,
        algorithm=sig.algorithm,
        transition=sig.transition,
        transition_name=tr_name,
        signer_user_id=sig.signer_user_id,
        signer_name=signer_name,
        certificate_serial=sig.certificate_serial,
        content_digest=sig.content_digest,
        signed_at=sig.signed_at,
        signatures=count or 0,
    )
