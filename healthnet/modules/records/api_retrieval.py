"""Routes of record retrieval (调阅) and the resident self-view, included by records/api.py
under /api/v1/records.

Clinicians: ``/persons/{personId}/timeline``, ``/labs/{itemCode}/trend``, ``/documents/{id}``,
``/persons/{personId}/break-glass`` and ``/persons/lookup``; reviewers: ``/break-glass``.
Residents: ``/me/...``. Every response carries ``Cache-Control: no-store``. A refusal
(``records.no_access``) is answered 404 *without* undoing the transaction, so its audit record
is kept (SECURITY.md: denials are audited).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from healthnet.core.audit.context import AuditContext, AuditContextDep
from healthnet.core.deps import Actor, CurrentActor, SessionDep, require
from healthnet.core.errors import problem
from healthnet.core.schemas import Page
from healthnet.modules.records import access, timeline
from healthnet.modules.records.retrieval import service
from healthnet.modules.records.retrieval.schemas import (
    AccessInfo,
    AccessLogPage,
    BreakGlassCreate,
    BreakGlassQuery,
    BreakGlassRead,
    BreakGlassReview,
    DocumentRead,
    LabTrend,
    LookupResult,
    PersonLookup,
    PrivacySettings,
    PrivacyUpdate,
    PurposeCode,
    TimelinePage,
)

T = TypeVar("T")


async def _no_store(response: Response) -> None:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"


router = APIRouter(tags=["records-retrieval"], dependencies=[Depends(_no_store)])

Reader = Annotated[Actor, Depends(require(access.READ_PERMISSION))]
Reviewer = Annotated[Actor, Depends(require(access.REVIEW_PERMISSION))]
_NO_ACCESS: dict[int | str, dict[str, Any]] = {
    404: {"description": "未找到该居民，或无权调阅（records.no_access）：可填写理由紧急调阅"}
}


def _guard(request: Request, call: Callable[[], T]) -> T | JSONResponse:
    try:
        return call()
    except access.AccessRefused as exc:
        # Returned, not raised: the request's transaction commits the denial's audit record.
        return problem(exc.status, exc.code, exc.detail, request)


async def timeline_query(
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
    institution_id: Annotated[str | None, Query(alias="institutionId", max_length=32)] = None,
    kinds: Annotated[str | None, Query(max_length=200)] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=timeline.MAX_PAGE)] = timeline.DEFAULT_PAGE,
) -> timeline.TimelineQuery:
    # async: no I/O, so FastAPI runs it on the event loop instead of a worker thread.
    return timeline.TimelineQuery(
        date_from=date_from,
        date_to=date_to,
        institution_id=institution_id or None,
        kinds=timeline.parse_kinds(kinds),
        cursor=cursor or None,
        limit=limit,
    )


Purpose = Annotated[PurposeCode, Query()]


# ---------------------------------------------------------------- clinicians


@router.post("/persons/lookup", response_model=LookupResult, operation_id="records_lookup_person")
def lookup_person(
    data: PersonLookup, session: SessionDep, actor: Reader, ctx: AuditContextDep
) -> LookupResult:
    """按证件查找居民（全市），并告知可否直接调阅或需填写紧急调阅理由。"""
    return service.lookup(session=session, actor=actor, data=data, request=ctx)


@router.get(
    "/persons/{person_id}/timeline",
    response_model=TimelinePage,
    responses=_NO_ACCESS,
    operation_id="records_person_timeline",
)
def person_timeline(
    person_id: str,
    request: Request,
    session: SessionDep,
    actor: Reader,
    ctx: AuditContextDep,
    query: Annotated[timeline.TimelineQuery, Depends(timeline_query)],
    purpose: Purpose = "treatment",
) -> Any:
    """居民健康档案时间轴：各医院的就诊及其诊断、医嘱、检验、检查、文书，按时间倒序。"""

    def run() -> TimelinePage:
        grant = access.open_record(
            session=session, actor=actor, person_id=person_id, purpose=purpose, request=ctx
        )
        return timeline.timeline(session=session, grant=grant, query=query, request=ctx)

    return _guard(request, run)


@router.get(
    "/persons/{person_id}/labs/{item_code}/trend",
    response_model=LabTrend,
    responses=_NO_ACCESS,
    operation_id="records_person_lab_trend",
)
def person_lab_trend(
    person_id: str,
    item_code: str,
    request: Request,
    session: SessionDep,
    actor: Reader,
    ctx: AuditContextDep,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
    purpose: Purpose = "treatment",
) -> Any:
    """同一检验项目的历次结果（趋势图）。"""

    def run() -> LabTrend:
        grant = access.open_record(
            session=session, actor=actor, person_id=person_id, purpose=purpose, request=ctx
        )
        return timeline.lab_trend(
            session=session,
            grant=grant,
            item_code=item_code[:64],
            date_from=date_from,
            date_to=date_to,
            request=ctx,
        )

    return _guard(request, run)


@router.get(
    "/persons/{person_id}/documents/{document_id}",
    response_model=DocumentRead,
    responses=_NO_ACCESS,
    operation_id="records_person_document",
)
def person_document(
    person_id: str,
    document_id: str,
    request: Request,
    session: SessionDep,
    actor: Reader,
    ctx: AuditContextDep,
    purpose: Purpose = "treatment",
) -> Any:
    """一份文书的全文（按居民意愿隐藏的只返回占位）。"""

    def run() -> DocumentRead:
        grant = access.open_record(
            session=session, actor=actor, person_id=person_id, purpose=purpose, request=ctx
        )
        return timeline.document(session=session, grant=grant, document_id=document_id, request=ctx)

    return _guard(request, run)


@router.post(
    "/persons/{person_id}/break-glass",
    response_model=AccessInfo,
    status_code=201,
    responses=_NO_ACCESS,
    operation_id="records_break_glass",
)
def break_glass(
    person_id: str,
    data: BreakGlassCreate,
    request: Request,
    session: SessionDep,
    actor: Reader,
    ctx: AuditContextDep,
) -> Any:
    """紧急调阅（破窗）：填写理由后在有效期内可调阅该居民档案，全程留痕并进入审核清单。"""

    def run() -> AccessInfo:
        grant = access.open_record(
            session=session,
            actor=actor,
            person_id=person_id,
            purpose=data.purpose,
            break_glass_reason=data.reason,
            request=ctx,
        )
        return timeline.access_info(grant)

    return _guard(request, run)


# ---------------------------------------------------------------- review


@router.get(
    "/break-glass", response_model=Page[BreakGlassRead], operation_id="records_list_break_glass"
)
def list_break_glass(
    session: SessionDep,
    actor: Reviewer,
    ctx: AuditContextDep,
    query: Annotated[BreakGlassQuery, Query()],
) -> Page[BreakGlassRead]:
    """紧急调阅审核清单。"""
    return service.list_break_glass(session=session, actor=actor, query=query, request=ctx)


@router.post(
    "/break-glass/{break_glass_id}/review",
    response_model=BreakGlassRead,
    operation_id="records_review_break_glass",
)
def review_break_glass(
    break_glass_id: str,
    data: BreakGlassReview,
    session: SessionDep,
    actor: Reviewer,
    ctx: AuditContextDep,
) -> BreakGlassRead:
    """审核一次紧急调阅：通过，或提出疑问并填写意见。"""
    return service.review_break_glass(
        session=session, actor=actor, break_glass_id=break_glass_id, data=data, request=ctx
    )


# ---------------------------------------------------------------- residents (B5)


def _own(session: Any, actor: Actor) -> access.AccessGrant:
    return access.open_own_record(session=session, actor=actor)


@router.get("/me/timeline", response_model=TimelinePage, operation_id="records_my_timeline")
def my_timeline(
    session: SessionDep,
    actor: CurrentActor,
    ctx: AuditContextDep,
    query: Annotated[timeline.TimelineQuery, Depends(timeline_query)],
) -> TimelinePage:
    """本人的就诊与检验检查记录。"""
    grant = _own(session, actor)
    return timeline.timeline(session=session, grant=grant, query=query, request=ctx)


@router.get(
    "/me/labs/{item_code}/trend", response_model=LabTrend, operation_id="records_my_lab_trend"
)
def my_lab_trend(
    item_code: str,
    session: SessionDep,
    actor: CurrentActor,
    ctx: AuditContextDep,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
) -> LabTrend:
    grant = _own(session, actor)
    return timeline.lab_trend(
        session=session,
        grant=grant,
        item_code=item_code[:64],
        date_from=date_from,
        date_to=date_to,
        request=ctx,
    )


@router.get(
    "/me/documents/{document_id}", response_model=DocumentRead, operation_id="records_my_document"
)
def my_document(
    document_id: str, session: SessionDep, actor: CurrentActor, ctx: AuditContextDep
) -> DocumentRead:
    grant = _own(session, actor)
    return timeline.document(session=session, grant=grant, document_id=document_id, request=ctx)


@router.get("/me/access-log", response_model=AccessLogPage, operation_id="records_my_access_log")
def my_access_log(
    session: SessionDep,
    actor: CurrentActor,
    ctx: AuditContextDep,
    cursor: Annotated[str | None, Query(max_length=20)] = None,
) -> AccessLogPage:
    """谁看过我的档案：机构、科室、角色、时间与目的。"""
    return service.own_access_log(session=session, actor=actor, cursor=cursor, request=ctx)


@router.get("/me/privacy", response_model=PrivacySettings, operation_id="records_my_privacy")
def my_privacy(session: SessionDep, actor: CurrentActor) -> PrivacySettings:
    """本人隐藏的敏感类别。"""
    return service.own_privacy(session=session, actor=actor)


@router.put("/me/privacy", response_model=PrivacySettings, operation_id="records_set_my_privacy")
def set_my_privacy(
    data: PrivacyUpdate, session: SessionDep, actor: CurrentActor, ctx: AuditContextDep
) -> PrivacySettings:
    """设置对其他机构隐藏的敏感类别（产生记录的机构始终可见）。"""
    return service.set_own_privacy(session=session, actor=actor, data=data, request=ctx)


__all__ = ["AuditContext", "router"]
