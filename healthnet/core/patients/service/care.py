"""Care grants: an institution outside a resident's usual data scope that takes care of them
(decision 0018). The community a registrant moves to — possibly in another district — must
read the person it manages; the registry transfer (core/programs) gives its institution a
grant when the transfer is requested, keeps it when accepted, ends it when rejected or when the
registrant is transferred on. The data scope rule (:func:`scope_persons`,
:func:`person_in_scope` in ``_base``) adds the open grants of the caller's institution.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from healthnet.core.audit.context import AuditContext
from healthnet.core.db import utcnow
from healthnet.core.patients.models import CareGrant
from healthnet.core.patients.service._base import _load_person, audit_event
from healthnet.core.rbac.actor import Actor


def grant_care(
    *,
    session: Session,
    actor: Actor,
    person_id: str,
    institution_id: str,
    source: str,
    source_id: str,
    request: AuditContext | None = None,
) -> CareGrant:
    """Open a grant (or return the open one for the same person, institution and source).
    The caller has already checked that ``actor`` may act for the source. Audited."""
    _load_person(session, person_id)
    open_grant = session.scalar(
        select(CareGrant).where(
            CareGrant.person_id == person_id,
            CareGrant.institution_id == institution_id,
            CareGrant.source == source,
            CareGrant.source_id == source_id,
            CareGrant.ended_at.is_(None),
        )
    )
    if open_grant is not None:
        return open_grant
    grant = CareGrant(
        person_id=person_id,
        institution_id=institution_id,
        source=source,
        source_id=source_id,
        granted_by=actor.user_id[:32],
    )
    session.add(grant)
    session.flush()
    audit_event(
        session,
        actor,
        "patients.care.grant",
        person_id=person_id,
        resource_type="patients.care_grant",
        resource_id=grant.id,
        detail={"institutionId": institution_id, "source": source, "sourceId": source_id},
        request=request,
    )
    return grant


def end_care(
    *,
    session: Session,
    actor: Actor,
    source: str,
    source_id: str,
    institution_id: str | None = None,
    keep_institution_id: str | None = None,
    request: AuditContext | None = None,
) -> int:
    """End the open grants of one source (only ``institution_id``'s, when given; never
    ``keep_institution_id``'s). Returns how many ended. Each is audited."""
    stmt = select(CareGrant).where(
        CareGrant.source == source,
        CareGrant.source_id == source_id,
        CareGrant.ended_at.is_(None),
    )
    if institution_id is not None:
        stmt = stmt.where(CareGrant.institution_id == institution_id)
    if keep_institution_id is not None:
        stmt = stmt.where(CareGrant.institution_id != keep_institution_id)
    ended = list(session.scalars(stmt))
    now = utcnow()
    for grant in ended:
        grant.ended_at = now
        grant.ended_by = actor.user_id[:32]
    session.flush()
    for grant in ended:
        audit_event(
            session,
            actor,
            "patients.care.end",
            person_id=grant.person_id,
            resource_type="patients.care_grant",
            resource_id=grant.id,
            detail={"institutionId": grant.institution_id, "source": source},
            request=request,
        )
    return len(ended)
