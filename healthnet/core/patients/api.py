"""Routes of the master patient index (mounted at /api/v1/patients).

Identifier numbers travel only in request bodies (search is ``POST /persons/search``), never in
URLs, so they cannot reach access logs or browser history. Every response carries
``Cache-Control: no-store``. Every route passes its request context to the service, which
writes the audit record (SECURITY.md: every read and change of health data is audited).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from healthnet.core.audit.context import AuditContextDep
from healthnet.core.deps import Actor, SessionDep, require
from healthnet.core.patients import service
from healthnet.core.patients.schemas import (
    CandidateQuery,
    CandidateRead,
    DismissRequest,
    FamilyDoctorRead,
    IdentifierIn,
    IdentifierRead,
    LinkEventRead,
    MergeRequest,
    PersonCreate,
    PersonRead,
    PersonSearch,
    PersonUpdate,
    RegistrationRead,
    UnlinkRequest,
    UnmergeRequest,
)
from healthnet.core.schemas import Page


async def _no_store(response: Response) -> None:
    # Patient data must not be kept by browsers or proxies (SECURITY.md, headers).
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"


router = APIRouter(tags=["patients"], dependencies=[Depends(_no_store)])

Reader = Annotated[Actor, Depends(require("patients:person:read"))]
Writer = Annotated[Actor, Depends(require("patients:person:write"))]
Merger = Annotated[Actor, Depends(require("patients:person:merge"))]


@router.post(
    "/persons",
    response_model=RegistrationRead,
    status_code=201,
    operation_id="patients_register_person",
)
def register_person(
    data: PersonCreate, session: SessionDep, actor: Writer, ctx: AuditContextDep, response: Response
) -> RegistrationRead:
    """登记居民。证件已登记过时返回原居民（200，created=false），不会产生重复记录。"""
    registration = service.register_person(session=session, actor=actor, data=data, request=ctx)
    if not registration.created:
        response.status_code = 200
    return service.present_registration(actor=actor, registration=registration)


@router.post(
    "/persons/search", response_model=Page[PersonRead], operation_id="patients_search_persons"
)
def search_persons(
    data: PersonSearch, session: SessionDep, actor: Reader, ctx: AuditContextDep
) -> Page[PersonRead]:
    """按任一证件（类型+号码）或姓名+出生日期查找居民。"""
    page = service.search(session=session, actor=actor, query=data, request=ctx)
    return service.present_persons(actor=actor, page=page)


@router.get("/persons/{person_id}", response_model=PersonRead, operation_id="patients_get_person")
def get_person(
    person_id: str, session: SessionDep, actor: Reader, ctx: AuditContextDep
) -> PersonRead:
    person = service.get_person(session=session, actor=actor, person_id=person_id, request=ctx)
    return service.present_person(actor=actor, person=person, session=session)


@router.patch(
    "/persons/{person_id}", response_model=PersonRead, operation_id="patients_update_person"
)
def update_person(
    person_id: str, data: PersonUpdate, session: SessionDep, actor: Writer, ctx: AuditContextDep
) -> PersonRead:
    person = service.update_person(
        session=session, actor=actor, person_id=person_id, data=data, request=ctx
    )
    return service.present_person(actor=actor, person=person, session=session)


@router.post(
    "/persons/{person_id}/identifiers",
    response_model=IdentifierRead,
    status_code=201,
    operation_id="patients_add_identifier",
)
def add_identifier(
    person_id: str, data: IdentifierIn, session: SessionDep, actor: Writer, ctx: AuditContextDep
) -> IdentifierRead:
    row = service.add_identifier(
        session=session, actor=actor, person_id=person_id, data=data, request=ctx
    )
    return service.present_identifier(actor=actor, identifier=row)


@router.post(
    "/persons/{person_id}/identifiers/{identifier_id}/unlink",
    response_model=IdentifierRead,
    operation_id="patients_unlink_identifier",
)
def unlink_identifier(
    person_id: str,
    identifier_id: str,
    data: UnlinkRequest,
    session: SessionDep,
    actor: Writer,
    ctx: AuditContextDep,
) -> IdentifierRead:
    row = service.unlink_identifier(
        session=session,
        actor=actor,
        person_id=person_id,
        identifier_id=identifier_id,
        reason=data.reason,
        request=ctx,
    )
    return service.present_identifier(actor=actor, identifier=row)


@router.get(
    "/persons/{person_id}/history",
    response_model=list[LinkEventRead],
    operation_id="patients_person_history",
)
def person_history(
    person_id: str, session: SessionDep, actor: Reader, ctx: AuditContextDep
) -> list[LinkEventRead]:
    events = service.history(session=session, actor=actor, person_id=person_id, request=ctx)
    return service.present_events(session=session, actor=actor, events=events)


@router.get(
    "/candidates", response_model=Page[CandidateRead], operation_id="patients_list_candidates"
)
def list_candidates(
    query: Annotated[CandidateQuery, Query()],
    session: SessionDep,
    actor: Merger,
    ctx: AuditContextDep,
) -> Page[CandidateRead]:
    page = service.list_candidates(session=session, actor=actor, query=query, request=ctx)
    return service.present_candidates(session=session, actor=actor, page=page)


@router.post(
    "/candidates/{candidate_id}/dismiss",
    response_model=CandidateRead,
    operation_id="patients_dismiss_candidate",
)
def dismiss_candidate(
    candidate_id: str,
    data: DismissRequest,
    session: SessionDep,
    actor: Merger,
    ctx: AuditContextDep,
) -> CandidateRead:
    candidate = service.dismiss_candidate(
        session=session, actor=actor, candidate_id=candidate_id, note=data.note, request=ctx
    )
    return service.present_candidate(session=session, actor=actor, candidate=candidate)


@router.post(
    "/merges", response_model=LinkEventRead, status_code=201, operation_id="patients_merge"
)
def merge(
    data: MergeRequest, session: SessionDep, actor: Merger, ctx: AuditContextDep
) -> LinkEventRead:
    """合并：被合并居民的证件转到保留的居民名下；可撤销。"""
    event = service.merge(
        session=session,
        actor=actor,
        survivor_id=data.survivor_id,
        merged_id=data.merged_id,
        reason=data.reason,
        request=ctx,
    )
    return service.present_events(session=session, actor=actor, events=[event])[0]


@router.post(
    "/merges/{event_id}/unmerge",
    response_model=LinkEventRead,
    status_code=201,
    operation_id="patients_unmerge",
)
def unmerge(
    event_id: str, data: UnmergeRequest, session: SessionDep, actor: Merger, ctx: AuditContextDep
) -> LinkEventRead:
    """撤销合并：精确恢复合并时转移的证件。"""
    event = service.unmerge(
        session=session, actor=actor, event_id=event_id, reason=data.reason, request=ctx
    )
    return service.present_events(session=session, actor=actor, events=[event])[0]


@router.get(
    "/family-doctors",
    response_model=list[FamilyDoctorRead],
    operation_id="patients_family_doctor_candidates",
)
def family_doctor_candidates(
    session: SessionDep,
    actor: Writer,
    q: Annotated[str | None, Query(max_length=64, description="姓名或用户名包含")] = None,
) -> list[FamilyDoctorRead]:
    """可设为家庭医生的在用工作人员（本人数据范围内的机构），最多 50 个。"""
    return [
        FamilyDoctorRead(**vars(d))
        for d in service.family_doctor_candidates(session=session, actor=actor, q=q)
    ]
