"""Reading: programs (metadata for the form renderer), enrolments, the work list."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from healthnet.core.audit import service as audit
from healthnet.core.audit.context import AuditContext
from healthnet.core.errors import FieldError, NotFound, ValidationFailed
from healthnet.core.localtime import local_today
from healthnet.core.programs import loader
from healthnet.core.programs.models import (
    EVENT_SCHEDULED,
    TRANSFER_REQUESTED,
    Enrolment,
    Event,
    Program,
    ProgramVersion,
    StateChange,
    Transfer,
)
from healthnet.core.programs.schemas import (
    EnrolmentDetail,
    EnrolmentQuery,
    EnrolmentRead,
    LoadResultRead,
    ProgramDetail,
    ProgramRead,
    StateChangeRead,
    WorkItem,
    WorkListQuery,
)
from healthnet.core.programs.service._base import (
    RESTRICTED,
    RESTRICTED_PERMISSION,
    audit_event,
    get_program,
    load_enrolment,
    present_enrolment,
    present_event,
    scope_enrolments,
    scope_events,
)
from healthnet.core.rbac.actor import Actor
from healthnet.core.rbac.scope import in_scope
from healthnet.core.schemas import Page


def _program_read(session: Session, program: Program) -> ProgramRead:
    version = session.get(ProgramVersion, program.current_version_id)
    return ProgramRead(
        id=program.id,
        code=program.code,
        name=program.name,
        kind=program.kind,
        version=version.version if version else 0,
        is_active=program.is_active,
    )


def list_programs(*, session: Session) -> list[ProgramRead]:
    rows = session.scalars(
        select(Program).where(Program.is_active.is_(True)).order_by(Program.code)
    )
    return [_program_read(session, p) for p in rows]


def program_detail(*, session: Session, code: str, version: int | None = None) -> ProgramDetail:
    """A program's definition (the current version, or the one named): what the web console's
    form renderer draws forms, lists and workflow buttons from."""
    program = get_program(session, code)
    stmt = select(ProgramVersion).where(ProgramVersion.program_id == program.id)
    if version is None:
        stmt = stmt.where(ProgramVersion.id == program.current_version_id)
    else:
        stmt = stmt.where(ProgramVersion.version == version)
    ver = session.scalar(stmt)
    if ver is None:
        raise NotFound("programs.program_not_found", program=f"{code} v{version}")
    base = _program_read(session, program)
    return ProgramDetail(
        **base.model_dump(exclude={"version"}),
        version=ver.version,
        version_id=ver.id,
        definition=ver.definition,
    )


def load_yaml(
    *, session: Session, actor: Actor, text: str, request: AuditContext | None = None
) -> LoadResultRead:
    """Load one program file sent through the API (as ``healthnet programs load`` does)."""
    try:
        spec = loader.parse_text(text, file="program.yaml")
    except loader.ProgramFileError as e:
        raise ValidationFailed(
            errors=[
                FieldError(f"yaml.{path}" if path else "yaml", "programs.metadata_invalid", msg)
                for path, msg in e.problems[:50]
            ]
        ) from None
    result = loader.load_spec(
        session=session, spec=spec, source_file="api", loaded_by=actor.username[:64]
    )
    audit.record(
        session=session,
        actor=actor,
        action="programs.metadata.load",
        resource_type="programs.program",
        resource_id=spec.code,
        purpose="ADMIN",
        detail={"version": result.version, "changed": result.changed},
        request=request,
    )
    return LoadResultRead(code=result.code, version=result.version, changed=result.changed)


def get_enrolment(
    *, session: Session, actor: Actor, enrolment_id: str, request: AuditContext | None = None
) -> EnrolmentDetail:
    """One enrolment with its events, workflow history and duplicate reports. Audited.
    Readable in the data scope, and by the institution a pending transfer asks to take it
    over (to decide; writing needs the transfer accepted)."""
    try:
        enrolment = load_enrolment(session, actor, enrolment_id)
    except NotFound:
        enrolment = _offered(session, actor, enrolment_id)
    events = session.scalars(
        select(Event)
        .where(Event.enrolment_id == enrolment.id)
        .order_by(func.coalesce(Event.event_on, Event.due_on), Event.created_at)
    )
    history = session.scalars(
        select(StateChange)
        .where(StateChange.enrolment_id == enrolment.id)
        .order_by(StateChange.created_at)
    )
    dups = session.scalars(
        select(Enrolment.id)
        .where(Enrolment.duplicate_of_id == enrolment.id)
        .order_by(Enrolment.created_at)
    )
    base = present_enrolment(session, enrolment)
    detail = EnrolmentDetail(
        **base.model_dump(),
        events=[present_event(e) for e in events],
        history=[StateChangeRead.model_validate(h) for h in history],
        duplicates=list(dups),
    )
    audit_event(session, actor, "programs.enrolment.read", enrolment, request=request)
    return detail


def _offered(session: Session, actor: Actor, enrolment_id: str) -> Enrolment:
    """The enrolment if a transfer of it to one of ``actor``'s institutions awaits a
    decision; NotFound otherwise (the same answer as for an unknown id)."""
    enrolment = session.get(Enrolment, enrolment_id)
    if enrolment is not None and (
        enrolment.sensitivity != RESTRICTED or actor.can(RESTRICTED_PERMISSION)
    ):
        targets = session.scalars(
            select(Transfer.to_org_unit_id).where(
                Transfer.enrolment_id == enrolment.id, Transfer.status == TRANSFER_REQUESTED
            )
        )
        if any(in_scope(actor, session=session, institution_id=t) for t in targets):
            return enrolment
    raise NotFound("programs.enrolment_not_found")


def list_enrolments(
    *,
    session: Session,
    actor: Actor,
    program_code: str,
    query: EnrolmentQuery,
    request: AuditContext | None = None,
) -> Page[EnrolmentRead]:
    program = get_program(session, program_code)
    stmt = scope_enrolments(select(Enrolment).where(Enrolment.program_id == program.id), actor)
    if query.status:
        stmt = stmt.where(Enrolment.status == query.status)
    if query.org_unit_id:
        stmt = stmt.where(Enrolment.org_unit_id == query.org_unit_id)
    if query.person_id:
        stmt = stmt.where(Enrolment.person_id == query.person_id)
    if query.open_only:
        stmt = stmt.where(Enrolment.is_open.is_(True))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = list(
        session.scalars(
            stmt.order_by(Enrolment.enrolled_on.desc(), Enrolment.id)
            .offset(query.offset)
            .limit(query.page_size)
        )
    )
    audit.record(
        session=session,
        actor=actor,
        action="programs.enrolment.search",
        resource_type="programs.enrolment",
        purpose="PUBHLTH",
        detail={"program": program.code, "returned": len(rows), "total": total},
        request=request,
    )
    return Page[EnrolmentRead](
        items=[present_enrolment(session, r) for r in rows],
        total=total,
        page=query.page,
        page_size=query.page_size,
    )


def work_list(
    *, session: Session, actor: Actor, query: WorkListQuery, request: AuditContext | None = None
) -> Page[WorkItem]:
    """Scheduled events: all (``scheduled``), due from today within N days (``due``) or past
    their due date (``overdue``); per institution (data scope, optionally one institution)
    or the caller's own (``mine``: the family doctor's list). Oldest due first."""
    today = local_today()
    stmt = scope_events(
        select(Event, Enrolment.person_id, Program.code)
        .join(Enrolment, Enrolment.id == Event.enrolment_id)
        .join(Program, Program.id == Event.program_id)
        .where(Event.status == EVENT_SCHEDULED),
        actor,
    )
    if not actor.can(RESTRICTED_PERMISSION):
        stmt = stmt.where(Enrolment.sensitivity != RESTRICTED)
    if query.due == "overdue":
        stmt = stmt.where(Event.due_on < today)
    elif query.due == "due":
        stmt = stmt.where(
            Event.due_on >= today, Event.due_on <= today + timedelta(days=query.within_days)
        )
    if query.org_unit_id:
        stmt = stmt.where(Event.org_unit_id == query.org_unit_id)
    if query.mine:
        stmt = stmt.where(Event.assigned_user_id == actor.user_id)
    if query.program:
        stmt = stmt.where(Program.code == query.program)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(
        stmt.order_by(Event.due_on, Event.id).offset(query.offset).limit(query.page_size)
    ).all()
    items = []
    for ev, person_id, code in rows:
        assert ev.due_on is not None
        items.append(
            WorkItem(
                event_id=ev.id,
                enrolment_id=ev.enrolment_id,
                program_code=code,
                person_id=person_id,
                stage=ev.stage,
                due_on=ev.due_on,
                overdue_days=max(0, (today - ev.due_on).days),
                org_unit_id=ev.org_unit_id,
                assigned_user_id=ev.assigned_user_id,
            )
        )
    audit.record(
        session=session,
        actor=actor,
        action="programs.worklist.read",
        resource_type="programs.event",
        purpose="PUBHLTH",
        detail={"due": query.due, "returned": len(items), "total": total},
        request=request,
    )
    return Page[WorkItem](items=items, total=total, page=query.page, page_size=query.page_size)
