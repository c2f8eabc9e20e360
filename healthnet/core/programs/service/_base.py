"""Shared parts of the program service: compiled versions, look-ups in scope, audit, shapes."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from healthnet.core.audit import service as audit
from healthnet.core.audit.context import AuditContext
from healthnet.core.errors import NotFound
from healthnet.core.programs import expr
from healthnet.core.programs import messages as _messages  # noqa: F401  (registers the catalogue)
from healthnet.core.programs.definition import DataElement, ProgramSpec, Rule, Stage
from healthnet.core.programs.models import Enrolment, Event, Program, ProgramVersion
from healthnet.core.programs.schemas import EnrolmentRead, EventRead
from healthnet.core.rbac.actor import Actor
from healthnet.core.rbac.scope import apply_scope, in_scope


@dataclass
class Compiled:
    """One program version, parsed once: elements by code, rules with parsed expressions."""

    # The id only: the cache outlives the session that loaded the row (a stored ORM object
    # would be detached — or stale after a rollback — in the next request).
    version_id: str
    spec: ProgramSpec
    elements: dict[str, tuple[str, DataElement]]  # code → (form, element)
    options: dict[str, dict[str, str]]  # option set → {code: name}
    conditions: dict[str, expr.Expression] = field(default_factory=dict)  # rule code →
    assignments: dict[tuple[str, int], expr.Expression] = field(default_factory=dict)

    def form(self, form: str) -> list[DataElement]:
        if form == "enrolment":
            return list(self.spec.enrolment.elements)
        return list(self.stage(form).elements) if self.has_stage(form) else []

    def has_stage(self, code: str) -> bool:
        return any(s.code == code for s in self.spec.stages)

    def stage(self, code: str) -> Stage:
        for s in self.spec.stages:
            if s.code == code:
                return s
        raise KeyError(code)

    def rules_on(self, form: str) -> list[Rule]:
        return [r for r in self.spec.rules if r.form == form]

    def terminal(self, state: str) -> bool:
        return any(s.code == state and s.terminal for s in self.spec.workflow.states)

    def state_name(self, state: str) -> str:
        return next((s.name for s in self.spec.workflow.states if s.code == state), state)


_CACHE: OrderedDict[str, Compiled] = OrderedDict()
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 256


def compile_version(version: ProgramVersion) -> Compiled:
    """Versions never change once stored, so a parsed one is kept (bounded) by id."""
    with _CACHE_LOCK:
        hit = _CACHE.get(version.id)
        if hit is not None:
            _CACHE.move_to_end(version.id)
            return hit
    spec = ProgramSpec.model_validate(version.definition)
    elements: dict[str, tuple[str, DataElement]] = {
        e.code: ("enrolment", e) for e in spec.enrolment.elements
    }
    for st in spec.stages:
        for e in st.elements:
            elements[e.code] = (st.code, e)
    compiled = Compiled(
        version_id=version.id,
        spec=spec,
        elements=elements,
        options={s.code: {o.code: o.name for o in s.options} for s in spec.option_sets},
    )
    for rule in spec.rules:
        compiled.conditions[rule.code] = expr.parse(rule.condition)
        for i, act in enumerate(rule.actions):
            if act.type == "assign_value" and act.expression:
                compiled.assignments[(rule.code, i)] = expr.parse(act.expression)
    with _CACHE_LOCK:
        _CACHE[version.id] = compiled
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return compiled


def get_program(session: Session, code: str) -> Program:
    program = session.scalar(select(Program).where(Program.code == code))
    if program is None or not program.is_active or program.current_version_id is None:
        raise NotFound("programs.program_not_found", program=code)
    return program


def current(session: Session, program: Program) -> Compiled:
    assert program.current_version_id is not None
    version = session.get(ProgramVersion, program.current_version_id)
    assert version is not None
    return compile_version(version)


def compiled_of(session: Session, version_id: str) -> Compiled:
    version = session.get(ProgramVersion, version_id)
    assert version is not None
    return compile_version(version)


# ---------------------------------------------------------------- data scope
# An enrolment belongs to its managing institution (org unit); its responsible user (the
# family doctor) always sees it (healthnet.core.rbac.scope).


RESTRICTED = "restricted"
RESTRICTED_PERMISSION = "programs:restricted:read"


def scope_enrolments(stmt: Select[Any], actor: Actor) -> Select[Any]:
    """``stmt`` (over Enrolment) limited to the data scope, and without enrolments of
    restricted programs unless the caller is cleared for them (SECURITY.md security labels)."""
    stmt = apply_scope(
        stmt,
        actor,
        institution_column=Enrolment.org_unit_id,
        owner_column=Enrolment.assigned_user_id,
    )
    if not actor.can(RESTRICTED_PERMISSION):
        stmt = stmt.where(Enrolment.sensitivity != RESTRICTED)
    return stmt


def scope_events(stmt: Any, actor: Actor) -> Any:
    return apply_scope(
        stmt, actor, institution_column=Event.org_unit_id, owner_column=Event.assigned_user_id
    )


def enrolment_in_scope(session: Session, actor: Actor, enrolment: Enrolment) -> bool:
    if enrolment.sensitivity == RESTRICTED and not actor.can(RESTRICTED_PERMISSION):
        return False
    return in_scope(
        actor,
        session=session,
        institution_id=enrolment.org_unit_id,
        owner_id=enrolment.assigned_user_id,
    )


def load_enrolment(session: Session, actor: Actor, enrolment_id: str) -> Enrolment:
    enrolment = session.get(Enrolment, enrolment_id)
    if enrolment is None or not enrolment_in_scope(session, actor, enrolment):
        raise NotFound("programs.enrolment_not_found")
    return enrolment


def load_event(session: Session, actor: Actor, event_id: str) -> tuple[Event, Enrolment]:
    event = session.get(Event, event_id)
    if event is None:
        raise NotFound("programs.event_not_found")
    enrolment = session.get(Enrolment, event.enrolment_id)
    if enrolment is None or not enrolment_in_scope(session, actor, enrolment):
        raise NotFound("programs.event_not_found")
    return event, enrolment


def audit_event(
    session: Session,
    actor: Actor,
    action: str,
    enrolment: Enrolment,
    *,
    request: AuditContext | None,
    detail: dict[str, Any] | None = None,
    purpose: str = "PUBHLTH",
) -> None:
    """One audit record in the caller's transaction; ids and codes only in ``detail``."""
    program = enrolment.program_id
    audit.record(
        session=session,
        actor=actor,
        action=action,
        resource_type="programs.enrolment",
        resource_id=enrolment.id,
        patient_id=enrolment.person_id,
        purpose=purpose,
        detail={"programId": program, **(detail or {})},
        request=request,
    )


def present_enrolment(session: Session, enrolment: Enrolment) -> EnrolmentRead:
    program = session.get(Program, enrolment.program_id)
    version = session.get(ProgramVersion, enrolment.version_id)
    assert program is not None and version is not None
    return EnrolmentRead(
        id=enrolment.id,
        program_id=enrolment.program_id,
        program_code=program.code,
        version_id=enrolment.version_id,
        version=version.version,
        person_id=enrolment.person_id,
        org_unit_id=enrolment.org_unit_id,
        assigned_user_id=enrolment.assigned_user_id,
        status=enrolment.status,
        is_open=enrolment.is_open,
        enrolled_on=enrolment.enrolled_on,
        incident_on=enrolment.incident_on,
        values=dict(enrolment.values or {}),
        duplicate_of_id=enrolment.duplicate_of_id,
        sensitivity=enrolment.sensitivity,
        created_at=enrolment.created_at,
        updated_at=enrolment.updated_at,
    )


def present_event(event: Event) -> EventRead:
    return EventRead.model_validate(event)
