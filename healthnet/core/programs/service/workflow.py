"""Workflow transitions (role-checked by the program's metadata) and transfers of an
enrolment to another institution (the receiving institution accepts or rejects)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from healthnet.core.audit.context import AuditContext
from healthnet.core.db import utcnow
from healthnet.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from healthnet.core.orgs import service as orgs
from healthnet.core.patients import service as patients
from healthnet.core.programs.models import (
    DUPLICATE_STATUS,
    EVENT_SCHEDULED,
    EVENT_SKIPPED,
    TRANSFER_ACCEPTED,
    TRANSFER_REJECTED,
    TRANSFER_REQUESTED,
    Enrolment,
    Event,
    Program,
    StateChange,
    Transfer,
)
from healthnet.core.programs.schemas import (
    EnrolmentRead,
    EventRead,
    SkipRequest,
    TransferCreate,
    TransferDecision,
    TransferQuery,
    TransferRead,
    TransitionRequest,
)
from healthnet.core.programs.service._base import (
    audit_event,
    compiled_of,
    load_enrolment,
    load_event,
    present_enrolment,
    present_event,
)
from healthnet.core.programs.service.capture import _check_user
from healthnet.core.programs.service.signing import sign_transition
from healthnet.core.rbac.actor import Actor
from healthnet.core.rbac.scope import apply_scope, in_scope
from healthnet.core.schemas import Page

# the care grant a transfer gives the receiving institution (core/patients, decision 0018)
CARE_SOURCE = "programs.transfer"


def transition(
    *,
    session: Session,
    actor: Actor,
    enrolment_id: str,
    data: TransitionRequest,
    request: AuditContext | None = None,
) -> EnrolmentRead:
    """Move an enrolment along its workflow. Only holders of a role the transition names may
    do it (403 naming the allowed roles otherwise); entering a terminal state closes it."""
    enrolment = load_enrolment(session, actor, enrolment_id)
    compiled = compiled_of(session, enrolment.version_id)
    tr = next((x for x in compiled.spec.workflow.transitions if x.code == data.transition), None)
    if tr is None:
        raise ValidationFailed.field(
            "transition", "programs.transition_unknown", transition=data.transition[:64]
        )
    if enrolment.status == DUPLICATE_STATUS or enrolment.status not in tr.from_:
        raise Conflict(
            "programs.transition_not_from_state",
            state=compiled.state_name(enrolment.status),
            transition=tr.name,
        )
    role = next((r for r in actor.role_codes if r in tr.roles), None)
    if role is None:
        raise Forbidden("programs.transition_role", transition=tr.name, roles="、".join(tr.roles))
    if tr.note_required and not (data.note or "").strip():
        raise ValidationFailed.field(
            "note", "programs.transition_note_required", transition=tr.name
        )
    before = enrolment.status
    enrolment.status = tr.to
    if compiled.terminal(tr.to):
        enrolment.is_open = False
        # nothing is due any more for a closed record
        for ev in session.scalars(
            select(Event).where(Event.enrolment_id == enrolment.id, Event.status == EVENT_SCHEDULED)
        ):
            ev.status = EVENT_SKIPPED
    change = StateChange(
        enrolment_id=enrolment.id,
        transition=tr.code,
        from_state=before,
        to_state=tr.to,
        actor_user_id=actor.user_id[:32],
        actor_role=role,
        note=data.note,
    )
    session.add(change)
    session.flush()
    detail = {"transition": tr.code, "from": before, "to": tr.to}
    if tr.sign:
        detail["signatureId"] = sign_transition(session, actor, enrolment, tr, change).id
    audit_event(
        session,
        actor,
        "programs.enrolment.transition",
        enrolment,
        request=request,
        detail=detail,
    )
    return present_enrolment(session, enrolment)


def skip_event(
    *,
    session: Session,
    actor: Actor,
    event_id: str,
    data: SkipRequest,
    request: AuditContext | None = None,
) -> EventRead:
    """Take a scheduled event off the work list without data (the person was away, the visit
    is not needed). The reason stays on the event, not in the audit trail (free text)."""
    event, enrolment = load_event(session, actor, event_id)
    if event.status != EVENT_SCHEDULED:
        raise Conflict("programs.event_not_scheduled")
    event.status = EVENT_SKIPPED
    event.skip_reason = data.reason
    session.flush()
    audit_event(
        session,
        actor,
        "programs.event.skip",
        enrolment,
        request=request,
        detail={"eventId": event.id, "stage": event.stage},
    )
    return present_event(event)


# ---------------------------------------------------------------- transfers


def request_transfer(
    *,
    session: Session,
    actor: Actor,
    enrolment_id: str,
    data: TransferCreate,
    request: AuditContext | None = None,
) -> TransferRead:
    """The managing side asks another institution to take the registrant over (they moved)."""
    enrolment = load_enrolment(session, actor, enrolment_id)
    compiled = compiled_of(session, enrolment.version_id)
    if enrolment.status == DUPLICATE_STATUS or compiled.terminal(enrolment.status):
        raise Conflict("programs.enrolment_closed", state=compiled.state_name(enrolment.status))
    try:
        target = orgs.get_institution(session=session, institution_id=data.to_org_unit_id)
    except NotFound:
        raise ValidationFailed.field("toOrgUnitId", "programs.org_unit_unknown") from None
    if target.id == enrolment.org_unit_id:
        raise ValidationFailed.field("toOrgUnitId", "programs.transfer_same_org")
    pending = session.scalar(
        select(func.count(Transfer.id)).where(
            Transfer.enrolment_id == enrolment.id, Transfer.status == TRANSFER_REQUESTED
        )
    )
    if pending:
        raise Conflict("programs.transfer_pending")
    transfer = Transfer(
        enrolment_id=enrolment.id,
        from_org_unit_id=enrolment.org_unit_id,
        to_org_unit_id=target.id,
        status=TRANSFER_REQUESTED,
        reason=data.reason,
        requested_by=actor.user_id[:32],
    )
    session.add(transfer)
    session.flush()
    # the receiving institution may be in another district: it needs to see who it is asked
    # to take over, and to manage them once it accepts (decision 0018)
    patients.grant_care(
        session=session,
        actor=actor,
        person_id=enrolment.person_id,
        institution_id=target.id,
        source=CARE_SOURCE,
        source_id=enrolment.id,
        request=request,
    )
    audit_event(
        session,
        actor,
        "programs.transfer.request",
        enrolment,
        request=request,
        detail={"transferId": transfer.id, "to": target.id},
    )
    return TransferRead.model_validate(transfer)


def _load_incoming(session: Session, actor: Actor, transfer_id: str) -> Transfer:
    """A transfer is decided by the receiving institution: outside its scope → 404."""
    transfer = session.get(Transfer, transfer_id)
    if transfer is None:
        raise NotFound("programs.transfer_not_found")
    district = orgs.district_of_institution(session=session, institution_id=transfer.to_org_unit_id)
    if not in_scope(
        actor, session=session, institution_id=transfer.to_org_unit_id, district_code=district
    ):
        raise NotFound("programs.transfer_not_found")
    if transfer.status != TRANSFER_REQUESTED:
        raise Conflict("programs.transfer_decided")
    return transfer


def accept_transfer(
    *,
    session: Session,
    actor: Actor,
    transfer_id: str,
    data: TransferDecision,
    request: AuditContext | None = None,
) -> EnrolmentRead:
    """The receiving institution takes the enrolment over, with its scheduled events; the
    responsible user is the one named (else none until assigned)."""
    transfer = _load_incoming(session, actor, transfer_id)
    _check_user(session, data.assigned_user_id, "assignedUserId")
    enrolment = session.get(Enrolment, transfer.enrolment_id)
    assert enrolment is not None
    transfer.status = TRANSFER_ACCEPTED
    transfer.decided_by = actor.user_id[:32]
    transfer.decided_at = utcnow()
    transfer.decision_note = data.note
    enrolment.org_unit_id = transfer.to_org_unit_id
    enrolment.assigned_user_id = data.assigned_user_id
    for ev in session.scalars(
        select(Event).where(Event.enrolment_id == enrolment.id, Event.status == EVENT_SCHEDULED)
    ):
        ev.org_unit_id = transfer.to_org_unit_id
        ev.assigned_user_id = data.assigned_user_id
    session.flush()
    # the new managing institution keeps its care grant; an earlier receiver's ends
    patients.grant_care(
        session=session,
        actor=actor,
        person_id=enrolment.person_id,
        institution_id=transfer.to_org_unit_id,
        source=CARE_SOURCE,
        source_id=enrolment.id,
        request=request,
    )
    patients.end_care(
        session=session,
        actor=actor,
        source=CARE_SOURCE,
        source_id=enrolment.id,
        keep_institution_id=transfer.to_org_unit_id,
        request=request,
    )
    audit_event(
        session,
        actor,
        "programs.transfer.accept",
        enrolment,
        request=request,
        detail={"transferId": transfer.id, "from": transfer.from_org_unit_id},
    )
    return present_enrolment(session, enrolment)


def reject_transfer(
    *,
    session: Session,
    actor: Actor,
    transfer_id: str,
    data: TransferDecision,
    request: AuditContext | None = None,
) -> TransferRead:
    transfer = _load_incoming(session, actor, transfer_id)
    enrolment = session.get(Enrolment, transfer.enrolment_id)
    assert enrolment is not None
    transfer.status = TRANSFER_REJECTED
    transfer.decided_by = actor.user_id[:32]
    transfer.decided_at = utcnow()
    transfer.decision_note = data.note
    session.flush()
    if enrolment.org_unit_id != transfer.to_org_unit_id:
        patients.end_care(
            session=session,
            actor=actor,
            source=CARE_SOURCE,
            source_id=enrolment.id,
            institution_id=transfer.to_org_unit_id,
            request=request,
        )
    audit_event(
        session,
        actor,
        "programs.transfer.reject",
        enrolment,
        request=request,
        detail={"transferId": transfer.id},
    )
    return TransferRead.model_validate(transfer)


def list_transfers(*, session: Session, actor: Actor, query: TransferQuery) -> Page[TransferRead]:
    """Transfers into (``incoming``) or out of (``outgoing``) the caller's institutions."""
    column = Transfer.to_org_unit_id if query.direction == "incoming" else Transfer.from_org_unit_id
    stmt = apply_scope(select(Transfer), actor, institution_column=column)
    if query.status:
        stmt = stmt.where(Transfer.status == query.status)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(
        stmt.add_columns(Enrolment.person_id, Program.code)
        .join(Enrolment, Enrolment.id == Transfer.enrolment_id)
        .join(Program, Program.id == Enrolment.program_id)
        .order_by(Transfer.created_at.desc(), Transfer.id)
        .offset(query.offset)
        .limit(query.page_size)
    ).all()
    return Page[TransferRead](
        items=[
            TransferRead.model_validate(r).model_copy(
                update={"person_id": person_id, "program_code": code}
            )
            for r, person_id, code in rows
        ],
        total=total,
        page=query.page,
        page_size=query.page_size,
    )
