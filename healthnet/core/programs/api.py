"""Routes of the program engine (mounted under /api/v1/programs). Responses carry health data:
``Cache-Control: no-store``; every route passes its request context for the audit record."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Response

from healthnet.core.audit.context import AuditContextDep
from healthnet.core.deps import Actor, SessionDep, require
from healthnet.core.programs import service
from healthnet.core.programs.schemas import (
    EnrolmentCreate,
    EnrolmentDetail,
    EnrolmentQuery,
    EnrolmentRead,
    EnrolmentUpdate,
    EventCreate,
    EventRead,
    EventUpdate,
    IndicatorListRead,
    IndicatorTrendQuery,
    IndicatorTrendRead,
    IndicatorValuesQuery,
    IndicatorValuesRead,
    LoadResultRead,
    ProgramDetail,
    ProgramLoad,
    ProgramRead,
    RefreshQueued,
    SaveResult,
    SignatureRead,
    SkipRequest,
    TransferCreate,
    TransferDecision,
    TransferQuery,
    TransferRead,
    TransitionRequest,
    WorkItem,
    WorkListQuery,
)
from healthnet.core.programs.service import stats
from healthnet.core.schemas import Page


async def _no_store(response: Response) -> None:
    response.headers["Cache-Control"] = "no-store"


router = APIRouter(tags=["programs"], dependencies=[Depends(_no_store)])

Read = Annotated[Actor, Depends(require("programs:enrolment:read"))]
Write = Annotated[Actor, Depends(require("programs:enrolment:write"))]
EventWrite = Annotated[Actor, Depends(require("programs:event:write"))]
Transition = Annotated[Actor, Depends(require("programs:workflow:transition"))]
MetadataWrite = Annotated[Actor, Depends(require("programs:metadata:write"))]


@router.get("", response_model=list[ProgramRead], operation_id="programs_list")
def list_programs(session: SessionDep, actor: Read) -> list[ProgramRead]:
    return service.list_programs(session=session)


@router.post("/metadata", response_model=LoadResultRead, operation_id="programs_load_metadata")
def load_metadata(
    data: ProgramLoad, session: SessionDep, actor: MetadataWrite, ctx: AuditContextDep
) -> LoadResultRead:
    return service.load_yaml(session=session, actor=actor, text=data.yaml, request=ctx)


@router.get("/worklist", response_model=Page[WorkItem], operation_id="programs_worklist")
def work_list(
    session: SessionDep, actor: Read, ctx: AuditContextDep, query: Annotated[WorkListQuery, Query()]
) -> Page[WorkItem]:
    return service.work_list(session=session, actor=actor, query=query, request=ctx)


@router.get("/transfers", response_model=Page[TransferRead], operation_id="programs_list_transfers")
def list_transfers(
    session: SessionDep, actor: Read, query: Annotated[TransferQuery, Query()]
) -> Page[TransferRead]:
    return service.list_transfers(session=session, actor=actor, query=query)


@router.post(
    "/transfers/{transfer_id}/accept",
    response_model=EnrolmentRead,
    operation_id="programs_accept_transfer",
)
def accept_transfer(
    transfer_id: str,
    data: TransferDecision,
    session: SessionDep,
    actor: Write,
    ctx: AuditContextDep,
) -> EnrolmentRead:
    return service.accept_transfer(
        session=session, actor=actor, transfer_id=transfer_id, data=data, request=ctx
    )


@router.post(
    "/transfers/{transfer_id}/reject",
    response_model=TransferRead,
    operation_id="programs_reject_transfer",
)
def reject_transfer(
    transfer_id: str,
    data: TransferDecision,
    session: SessionDep,
    actor: Write,
    ctx: AuditContextDep,
) -> TransferRead:
    return service.reject_transfer(
        session=session, actor=actor, transfer_id=transfer_id, data=data, request=ctx
    )


@router.get(
    "/enrolments/{enrolment_id}",
    response_model=EnrolmentDetail,
    operation_id="programs_get_enrolment",
)
def get_enrolment(
    enrolment_id: str, session: SessionDep, actor: Read, ctx: AuditContextDep
) -> EnrolmentDetail:
    return service.get_enrolment(
        session=session, actor=actor, enrolment_id=enrolment_id, request=ctx
    )


@router.get(
    "/enrolments/{enrolment_id}/signature",
    response_model=SignatureRead,
    operation_id="programs_verify_signature",
)
def verify_signature(
    enrolment_id: str, session: SessionDep, actor: Read, ctx: AuditContextDep
) -> SignatureRead:
    """The record's SM2 signature, verified now (valid / invalid, signer, time)."""
    return service.verify_signature(
        session=session, actor=actor, enrolment_id=enrolment_id, request=ctx
    )


@router.patch(
    "/enrolments/{enrolment_id}",
    response_model=SaveResult,
    operation_id="programs_update_enrolment",
)
def update_enrolment(
    enrolment_id: str,
    data: EnrolmentUpdate,
    session: SessionDep,
    actor: Write,
    ctx: AuditContextDep,
) -> SaveResult:
    return service.update_enrolment(
        session=session, actor=actor, enrolment_id=enrolment_id, data=data, request=ctx
    )


@router.post(
    "/enrolments/{enrolment_id}/events",
    response_model=SaveResult,
    status_code=201,
    operation_id="programs_record_event",
)
def record_event(
    enrolment_id: str,
    data: EventCreate,
    session: SessionDep,
    actor: EventWrite,
    ctx: AuditContextDep,
) -> SaveResult:
    return service.record_event(
        session=session, actor=actor, enrolment_id=enrolment_id, data=data, request=ctx
    )


@router.patch("/events/{event_id}", response_model=SaveResult, operation_id="programs_update_event")
def update_event(
    event_id: str, data: EventUpdate, session: SessionDep, actor: EventWrite, ctx: AuditContextDep
) -> SaveResult:
    return service.update_event(
        session=session, actor=actor, event_id=event_id, data=data, request=ctx
    )


@router.post(
    "/events/{event_id}/skip", response_model=EventRead, operation_id="programs_skip_event"
)
def skip_event(
    event_id: str, data: SkipRequest, session: SessionDep, actor: EventWrite, ctx: AuditContextDep
) -> EventRead:
    return service.skip_event(
        session=session, actor=actor, event_id=event_id, data=data, request=ctx
    )


@router.post(
    "/enrolments/{enrolment_id}/transitions",
    response_model=EnrolmentRead,
    operation_id="programs_transition",
)
def transition(
    enrolment_id: str,
    data: TransitionRequest,
    session: SessionDep,
    actor: Transition,
    ctx: AuditContextDep,
) -> EnrolmentRead:
    return service.transition(
        session=session, actor=actor, enrolment_id=enrolment_id, data=data, request=ctx
    )


@router.post(
    "/enrolments/{enrolment_id}/transfers",
    response_model=TransferRead,
    status_code=201,
    operation_id="programs_request_transfer",
)
def request_transfer(
    enrolment_id: str,
    data: TransferCreate,
    session: SessionDep,
    actor: Write,
    ctx: AuditContextDep,
) -> TransferRead:
    return service.request_transfer(
        session=session, actor=actor, enrolment_id=enrolment_id, data=data, request=ctx
    )


@router.get("/{code}", response_model=ProgramDetail, operation_id="programs_get")
def program_detail(
    code: str,
    session: SessionDep,
    actor: Read,
    version: Annotated[int | None, Query(ge=1)] = None,
) -> ProgramDetail:
    return service.program_detail(session=session, code=code, version=version)


@router.get(
    "/{code}/enrolments",
    response_model=Page[EnrolmentRead],
    operation_id="programs_list_enrolments",
)
def list_enrolments(
    code: str,
    session: SessionDep,
    actor: Read,
    ctx: AuditContextDep,
    query: Annotated[EnrolmentQuery, Query()],
) -> Page[EnrolmentRead]:
    return service.list_enrolments(
        session=session, actor=actor, program_code=code, query=query, request=ctx
    )


@router.post(
    "/{code}/enrolments",
    response_model=SaveResult,
    status_code=201,
    operation_id="programs_enrol",
)
def enrol(
    code: str, data: EnrolmentCreate, session: SessionDep, actor: Write, ctx: AuditContextDep
) -> SaveResult:
    return service.enrol(session=session, actor=actor, program_code=code, data=data, request=ctx)


# ---------------------------------------------------------------- indicators (statistics)
# Routes under /{code}/indicators: the aggregates of healthnet.core.programs.indicators.

IndicatorRead_ = Annotated[Actor, Depends(require("programs:indicator:read"))]
IndicatorRefresh = Annotated[Actor, Depends(require("programs:indicator:refresh"))]


@router.get(
    "/{code}/indicators",
    response_model=IndicatorListRead,
    operation_id="programs_list_indicators",
)
def list_indicators(code: str, session: SessionDep, actor: IndicatorRead_) -> IndicatorListRead:
    return stats.list_indicators(session=session, actor=actor, program_code=code)


@router.get(
    "/{code}/indicators/values",
    response_model=IndicatorValuesRead,
    operation_id="programs_indicator_values",
)
def indicator_values(
    code: str,
    session: SessionDep,
    actor: IndicatorRead_,
    ctx: AuditContextDep,
    query: Annotated[IndicatorValuesQuery, Query()],
) -> IndicatorValuesRead:
    return stats.indicator_values(
        session=session, actor=actor, program_code=code, query=query, request=ctx
    )


@router.get(
    "/{code}/indicators/trend",
    response_model=IndicatorTrendRead,
    operation_id="programs_indicator_trend",
)
def indicator_trend(
    code: str,
    session: SessionDep,
    actor: IndicatorRead_,
    ctx: AuditContextDep,
    query: Annotated[IndicatorTrendQuery, Query()],
) -> IndicatorTrendRead:
    return stats.indicator_trend(
        session=session, actor=actor, program_code=code, query=query, request=ctx
    )


@router.get(
    "/{code}/indicators/export.xlsx",
    response_class=Response,
    responses={200: {"content": {stats.XLSX: {}}}},
    operation_id="programs_indicator_export",
)
def export_indicators(
    code: str,
    session: SessionDep,
    actor: IndicatorRead_,
    ctx: AuditContextDep,
    query: Annotated[IndicatorValuesQuery, Query()],
) -> Response:
    f = stats.export_values(
        session=session, actor=actor, program_code=code, query=query, request=ctx
    )
    return Response(
        f.content,
        media_type=f.media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(f.filename)}",
            "Cache-Control": "no-store",
        },
    )


@router.post(
    "/{code}/indicators/refresh",
    response_model=RefreshQueued,
    status_code=202,
    operation_id="programs_refresh_indicators",
)
def refresh_indicators(
    code: str, session: SessionDep, actor: IndicatorRefresh, ctx: AuditContextDep
) -> RefreshQueued:
    return stats.request_refresh(session=session, actor=actor, program_code=code, request=ctx)
