"""Capture: enrol a person or file a report card, record and update stage events."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from healthnet.core.audit.context import AuditContext
from healthnet.core.auth.models import User
from healthnet.core.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from healthnet.core.localtime import local_today
from healthnet.core.orgs import service as orgs
from healthnet.core.patients import service as patients
from healthnet.core.programs.models import (
    DUPLICATE_STATUS,
    EVENT_COMPLETED,
    EVENT_SCHEDULED,
    Enrolment,
    Event,
    Program,
    StateChange,
)
from healthnet.core.programs.schemas import (
    EnrolmentCreate,
    EnrolmentUpdate,
    EventCreate,
    EventUpdate,
    Message,
    SaveResult,
)
from healthnet.core.programs.service import effects, rules
from healthnet.core.programs.service._base import (
    RESTRICTED,
    RESTRICTED_PERMISSION,
    Compiled,
    audit_event,
    compiled_of,
    current,
    get_program,
    load_enrolment,
    load_event,
    present_enrolment,
    present_event,
)
from healthnet.core.programs.service.signing import check_not_signed
from healthnet.core.programs.service.values import check_values, empty
from healthnet.core.rbac.actor import Actor
from healthnet.core.rbac.scope import in_scope


def _raise(errors: list[FieldError]) -> None:
    if errors:
        raise ValidationFailed(errors=errors)


def _check_user(session: Session, user_id: str | None, field: str) -> None:
    if user_id is None:
        return
    ok = session.scalar(select(User.id).where(User.id == user_id, User.is_active.is_(True)))
    if ok is None:
        raise ValidationFailed.field(field, "programs.assigned_user_unknown")


def _org_unit(session: Session, actor: Actor, org_unit_id: str | None) -> str:
    org = org_unit_id or actor.institution_id
    if org is None:
        raise ValidationFailed.field("orgUnitId", "programs.org_unit_required")
    try:
        inst = orgs.get_institution(session=session, institution_id=org)
    except NotFound:
        raise ValidationFailed.field("orgUnitId", "programs.org_unit_unknown") from None
    if not in_scope(
        actor, session=session, institution_id=inst.id, district_code=inst.district_code
    ):
        raise ValidationFailed.field("orgUnitId", "programs.org_unit_unknown")
    return inst.id


def _env(compiled: Compiled, enrolment: Enrolment, **kw: Any) -> dict[str, Any]:
    return rules.environment(
        compiled,
        enrolment_values=dict(enrolment.values or {}),
        enrolled_on=enrolment.enrolled_on,
        incident_on=enrolment.incident_on,
        birth_on=enrolment.birth_on,
        sex_code=enrolment.sex_code,
        status=enrolment.status,
        **kw,
    )


def _messages(outcome: rules.Outcome) -> list[Message]:
    return [Message(**w) for w in outcome.warnings]


def _find_duplicate(
    session: Session,
    compiled: Compiled,
    program: Program,
    person_id: str,
    values: dict[str, Any],
    on: date,
) -> Enrolment | None:
    dup = compiled.spec.duplicate
    if compiled.spec.kind != "single_event" or dup is None:
        return None
    earlier = session.scalars(
        select(Enrolment)
        .where(
            Enrolment.program_id == program.id,
            Enrolment.person_id == person_id,
            Enrolment.duplicate_of_id.is_(None),
        )
        .order_by(Enrolment.enrolled_on, Enrolment.created_at)
    )
    for case in earlier:
        if abs((case.enrolled_on - on).days) > dup.within_days:
            continue
        if all(
            not empty(values.get(c)) and (case.values or {}).get(c) == values.get(c)
            for c in dup.same_elements
        ):
            return case
    return None


def enrol(
    *,
    session: Session,
    actor: Actor,
    program_code: str,
    data: EnrolmentCreate,
    request: AuditContext | None = None,
) -> SaveResult:
    """Enrol a person (found through the patient index) or file a report card.

    At most one open enrolment per person and program (409). For a report-card program, a
    report of a case already reported (the program's ``duplicate`` definition) is stored as a
    duplicate report linked to the first, not as a new case.
    """
    program = get_program(session, program_code)
    compiled = current(session, program)
    if compiled.spec.sensitivity == RESTRICTED and not actor.can(RESTRICTED_PERMISSION):
        raise Forbidden("programs.restricted_program", program=program.name)
    person = patients.get_person(
        session=session, actor=actor, person_id=data.person_id, request=request
    )
    if person.status != "active":
        raise Conflict("programs.person_not_active")
    org_unit = _org_unit(session, actor, data.org_unit_id)
    _check_user(session, data.assigned_user_id, "assignedUserId")
    enrolled_on = data.enrolled_on or local_today()
    if enrolled_on > local_today():
        raise ValidationFailed.field("enrolledOn", "programs.enrolled_on_future")

    values, errors = check_values(session, compiled, "enrolment", data.values)
    _raise(errors)
    env = rules.environment(
        compiled,
        enrolment_values=values,
        enrolled_on=enrolled_on,
        incident_on=data.incident_on,
        birth_on=person.birth_date,
        sex_code=person.sex_code,
        status=compiled.spec.workflow.initial,
    )
    outcome = rules.run(session, compiled, "enrolment", values, env)
    _raise(outcome.errors)

    duplicate_of = _find_duplicate(
        session, compiled, program, person.id, outcome.values, enrolled_on
    )
    state = DUPLICATE_STATUS if duplicate_of else compiled.spec.workflow.initial
    is_open = (
        compiled.spec.kind == "enrolment" and duplicate_of is None and not compiled.terminal(state)
    )
    if is_open:
        existing = session.scalar(
            select(Enrolment.id).where(
                Enrolment.program_id == program.id,
                Enrolment.person_id == person.id,
                Enrolment.is_open.is_(True),
            )
        )
        if existing is not None:
            raise Conflict("programs.already_enrolled", program=program.name, enrolment_id=existing)
    enrolment = Enrolment(
        program_id=program.id,
        version_id=compiled.version_id,
        person_id=person.id,
        org_unit_id=org_unit,
        assigned_user_id=data.assigned_user_id,
        status=state,
        is_open=is_open,
        enrolled_on=enrolled_on,
        incident_on=data.incident_on,
        values=outcome.values,
        duplicate_of_id=duplicate_of.id if duplicate_of else None,
        sensitivity=compiled.spec.sensitivity,
        birth_on=person.birth_date,
        sex_code=person.sex_code,
        created_by=actor.user_id[:32],
    )
    try:
        with session.begin_nested():  # the partial unique index decides a concurrent race
            session.add(enrolment)
    except IntegrityError:
        raise Conflict(
            "programs.already_enrolled", program=program.name, enrolment_id="-"
        ) from None
    session.add(
        StateChange(
            enrolment_id=enrolment.id,
            to_state=state,
            actor_user_id=actor.user_id[:32],
            actor_role=(actor.role_codes[0] if actor.role_codes else None),
        )
    )
    scheduled: list[Event] = []
    notified = 0
    if duplicate_of is None:
        scheduled = effects.initial_schedule(session, compiled, enrolment)
        scheduled += effects.after_enrolment_rules(session, compiled, enrolment, outcome.schedule)
        notified = effects.notify_all(session, enrolment, outcome.notify, about=enrolment.id)
    session.flush()
    audit_event(
        session,
        actor,
        "programs.enrolment.create",
        enrolment,
        request=request,
        detail={"duplicateOf": duplicate_of.id} if duplicate_of else None,
    )
    return SaveResult(
        enrolment=present_enrolment(session, enrolment),
        warnings=_messages(outcome),
        hidden=sorted(outcome.hidden),
        scheduled=effects.scheduled_read(scheduled),
        notified=notified,
        duplicate_of_id=enrolment.duplicate_of_id,
    )


def _check_writable(compiled: Compiled, enrolment: Enrolment) -> None:
    if enrolment.status == DUPLICATE_STATUS or compiled.terminal(enrolment.status):
        raise Conflict("programs.enrolment_closed", state=compiled.state_name(enrolment.status))


def _merge(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    merged = dict(old)
    for k, v in new.items():
        if empty(v):
            merged.pop(k, None)
        else:
            merged[k] = v
    return merged


def update_enrolment(
    *,
    session: Session,
    actor: Actor,
    enrolment_id: str,
    data: EnrolmentUpdate,
    request: AuditContext | None = None,
) -> SaveResult:
    """Change an enrolment's values (validated against the version it was captured with),
    its incident date or responsible user."""
    enrolment = load_enrolment(session, actor, enrolment_id)
    compiled = compiled_of(session, enrolment.version_id)
    _check_writable(compiled, enrolment)
    check_not_signed(session, compiled, enrolment)
    outcome: rules.Outcome | None = None
    notified = 0
    scheduled: list[Event] = []
    if "incident_on" in data.model_fields_set:
        enrolment.incident_on = data.incident_on
    if data.values is not None:
        given, errors = check_values(session, compiled, "enrolment", data.values)
        _raise(errors)
        removed = {k: None for k, v in data.values.items() if empty(v)}
        merged = _merge(dict(enrolment.values or {}), {**given, **removed})
        outcome = rules.run(session, compiled, "enrolment", merged, _env(compiled, enrolment))
        _raise(outcome.errors)
        enrolment.values = outcome.values
        scheduled = effects.after_enrolment_rules(session, compiled, enrolment, outcome.schedule)
        notified = effects.notify_all(session, enrolment, outcome.notify, about=enrolment.id)
    if "assigned_user_id" in data.model_fields_set:
        _check_user(session, data.assigned_user_id, "assignedUserId")
        enrolment.assigned_user_id = data.assigned_user_id
        for ev in session.scalars(
            select(Event).where(Event.enrolment_id == enrolment.id, Event.status == EVENT_SCHEDULED)
        ):
            ev.assigned_user_id = data.assigned_user_id
    session.flush()
    audit_event(session, actor, "programs.enrolment.update", enrolment, request=request)
    return SaveResult(
        enrolment=present_enrolment(session, enrolment),
        warnings=_messages(outcome) if outcome else [],
        hidden=sorted(outcome.hidden) if outcome else [],
        scheduled=effects.scheduled_read(scheduled),
        notified=notified,
    )


def _save_event(
    session: Session,
    actor: Actor,
    compiled: Compiled,
    enrolment: Enrolment,
    event: Event,
    event_on: date,
    raw_values: dict[str, Any],
    base_values: dict[str, Any],
) -> tuple[rules.Outcome, list[Event], int]:
    if event_on > local_today():
        raise ValidationFailed.field("eventOn", "programs.event_on_future")
    if event_on < enrolment.enrolled_on:
        raise ValidationFailed.field("eventOn", "programs.event_before_enrolment")
    given, errors = check_values(session, compiled, event.stage, raw_values)
    _raise(errors)
    removed = {k: None for k, v in raw_values.items() if empty(v)}
    merged = _merge(base_values, {**given, **removed})
    env = _env(compiled, enrolment, event_on=event_on, stage=event.stage)
    outcome = rules.run(session, compiled, event.stage, merged, env)
    _raise(outcome.errors)
    event.version_id = compiled.version_id
    event.values = outcome.values
    event.event_on = event_on
    event.status = EVENT_COMPLETED
    session.add(event)
    session.flush()
    scheduled = effects.after_event(session, compiled, enrolment, event, outcome.schedule)
    notified = effects.notify_all(session, enrolment, outcome.notify, about=event.id)
    return outcome, scheduled, notified


def record_event(
    *,
    session: Session,
    actor: Actor,
    enrolment_id: str,
    data: EventCreate,
    request: AuditContext | None = None,
) -> SaveResult:
    """Record a stage event (a follow-up) with the program's current version. The earliest
    scheduled event of the stage is the one completed, if there is one."""
    enrolment = load_enrolment(session, actor, enrolment_id)
    program = session.get(Program, enrolment.program_id)
    assert program is not None
    compiled = current(session, program)
    _check_writable(compiled, enrolment)
    if not compiled.has_stage(data.stage):
        raise ValidationFailed.field("stage", "programs.stage_unknown", stage=data.stage[:64])
    stage = compiled.stage(data.stage)
    if not stage.repeatable:
        done = session.scalar(
            select(func.count(Event.id)).where(
                Event.enrolment_id == enrolment.id,
                Event.stage == stage.code,
                Event.status == EVENT_COMPLETED,
            )
        )
        if done:
            raise Conflict("programs.stage_not_repeatable", stage=stage.name)
    event = session.scalar(
        select(Event)
        .where(
            Event.enrolment_id == enrolment.id,
            Event.stage == stage.code,
            Event.status == EVENT_SCHEDULED,
        )
        .order_by(Event.due_on)
        .limit(1)
    )
    if event is None:
        # added to the session only once its values passed (_save_event)
        event = Event(
            enrolment_id=enrolment.id,
            program_id=program.id,
            stage=stage.code,
            status=EVENT_SCHEDULED,
            org_unit_id=enrolment.org_unit_id,
            assigned_user_id=enrolment.assigned_user_id,
            values={},
        )
        event.created_by = actor.user_id[:32]
    outcome, scheduled, notified = _save_event(
        session, actor, compiled, enrolment, event, data.event_on or local_today(), data.values, {}
    )
    audit_event(
        session,
        actor,
        "programs.event.create",
        enrolment,
        request=request,
        detail={"eventId": event.id, "stage": stage.code},
    )
    return SaveResult(
        enrolment=present_enrolment(session, enrolment),
        event=present_event(event),
        warnings=_messages(outcome),
        hidden=sorted(outcome.hidden),
        scheduled=effects.scheduled_read(scheduled),
        notified=notified,
    )


def update_event(
    *,
    session: Session,
    actor: Actor,
    event_id: str,
    data: EventUpdate,
    request: AuditContext | None = None,
) -> SaveResult:
    """Change an event's values, validated against the version it was captured with."""
    event, enrolment = load_event(session, actor, event_id)
    compiled = compiled_of(session, event.version_id)
    _check_writable(compiled, enrolment)
    outcome, scheduled, notified = _save_event(
        session,
        actor,
        compiled,
        enrolment,
        event,
        data.event_on or event.event_on or local_today(),
        data.values,
        dict(event.values or {}),
    )
    audit_event(
        session,
        actor,
        "programs.event.update",
        enrolment,
        request=request,
        detail={"eventId": event.id, "stage": event.stage},
    )
    return SaveResult(
        enrolment=present_enrolment(session, enrolment),
        event=present_event(event),
        warnings=_messages(outcome),
        hidden=sorted(outcome.hidden),
        scheduled=effects.scheduled_read(scheduled),
        notified=notified,
    )
