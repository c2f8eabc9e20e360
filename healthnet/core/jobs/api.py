from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from healthnet.core.audit.context import AuditContextDep
from healthnet.core.deps import Actor, SessionDep, require
from healthnet.core.jobs import service
from healthnet.core.jobs.schemas import JobDetail, JobQuery, JobRead, ScheduleRead, ScheduleUpdate
from healthnet.core.schemas import Page, PageQuery

router = APIRouter(tags=["jobs"])

ReadActor = Annotated[Actor, Depends(require("jobs:job:read"))]


@router.get("/jobs", response_model=Page[JobRead])
def list_jobs(
    q: Annotated[JobQuery, Query()], session: SessionDep, actor: ReadActor
) -> Page[JobRead]:
    items, total = service.list_jobs(
        session=session, status=q.status, kind=q.kind, offset=q.offset, limit=q.page_size
    )
    return Page[JobRead](
        items=[JobRead.model_validate(j) for j in items],
        total=total,
        page=q.page,
        page_size=q.page_size,
    )


@router.get("/jobs/{job_id}", response_model=JobDetail)
def get_job(job_id: str, session: SessionDep, actor: ReadActor) -> JobDetail:
    return JobDetail.model_validate(service.get_job(session=session, job_id=job_id))


@router.post("/jobs/{job_id}/requeue", response_model=JobDetail)
def requeue_job(
    job_id: str,
    session: SessionDep,
    actor: Annotated[Actor, Depends(require("jobs:job:retry"))],
    ctx: AuditContextDep,
) -> JobDetail:
    job = service.requeue(session=session, job_id=job_id, actor=actor, request=ctx)
    return JobDetail.model_validate(job)


@router.get("/schedules", response_model=Page[ScheduleRead])
def list_schedules(
    q: Annotated[PageQuery, Query()], session: SessionDep, actor: ReadActor
) -> Page[ScheduleRead]:
    items, total = service.list_schedules(session=session, offset=q.offset, limit=q.page_size)
    return Page[ScheduleRead](
        items=[ScheduleRead.model_validate(s) for s in items],
        total=total,
        page=q.page,
        page_size=q.page_size,
    )


@router.patch("/schedules/{schedule_id}", response_model=ScheduleRead)
def update_schedule(
    schedule_id: str,
    data: ScheduleUpdate,
    session: SessionDep,
    actor: Annotated[Actor, Depends(require("jobs:schedule:manage"))],
    ctx: AuditContextDep,
) -> ScheduleRead:
    row = service.set_schedule_enabled(
        session=session, schedule_id=schedule_id, enabled=data.enabled, actor=actor, request=ctx
    )
    return ScheduleRead.model_validate(row)
