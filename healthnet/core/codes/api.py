"""Routes of the code-systems slice: browse, search and import code systems."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from healthnet.core.audit.context import AuditContextDep
from healthnet.core.codes import service
from healthnet.core.codes.schemas import (
    SYSTEM_CODE_PATTERN,
    ChildrenQuery,
    CodeCheck,
    CodeSystemRead,
    ConceptDetail,
    ConceptRead,
    ConceptSearch,
    ImportQuery,
    ImportResult,
    VersionQuery,
    VersionRead,
)
from healthnet.core.deps import Actor, SessionDep, require
from healthnet.core.errors import ValidationFailed
from healthnet.core.schemas import Page

router = APIRouter(tags=["codes"])

CanRead = Annotated[Actor, Depends(require("codes:concept:read"))]
CanImport = Annotated[Actor, Depends(require("codes:system:import"))]
SystemCode = Annotated[str, Path(pattern=SYSTEM_CODE_PATTERN)]


async def csv_upload(request: Request) -> tuple[bytes, str | None]:
    """The CSV file and its name: the raw ``text/csv`` body, or the ``file`` part of a form."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "multipart/form-data":
        form = await request.form()
        upload = form.get("file")
        if upload is not None and not isinstance(upload, str):
            return await upload.read(), upload.filename
    elif ctype in ("text/csv", "application/octet-stream"):
        body = await request.body()
        if body:
            return body, None
    raise ValidationFailed.field("file", "codes.import_no_file")


@router.get("/systems", response_model=Page[CodeSystemRead])
def list_systems(session: SessionDep, actor: CanRead) -> Page[CodeSystemRead]:
    items = service.system_summaries(session=session)
    return Page[CodeSystemRead](items=items, total=len(items), page=1, page_size=len(items) or 1)


@router.get("/systems/{system}", response_model=CodeSystemRead)
def get_system(system: str, session: SessionDep, actor: CanRead) -> CodeSystemRead:
    return service.system_summary(session=session, system=system)


@router.get("/systems/{system}/versions", response_model=list[VersionRead])
def list_versions(system: str, session: SessionDep, actor: CanRead) -> list[VersionRead]:
    return [
        VersionRead.model_validate(v) for v in service.list_versions(session=session, system=system)
    ]


@router.get("/systems/{system}/concepts", response_model=Page[ConceptRead])
def search_concepts(
    system: str, session: SessionDep, actor: CanRead, query: Annotated[ConceptSearch, Query()]
) -> Page[ConceptRead]:
    return service.concept_page(session=session, system=system, query=query)


@router.get("/systems/{system}/children", response_model=list[ConceptRead])
def list_children(
    system: str, session: SessionDep, actor: CanRead, query: Annotated[ChildrenQuery, Query()]
) -> list[ConceptRead]:
    return [
        ConceptRead.build(c)
        for c in service.children(
            session=session, system=system, code=query.parent, version=query.version
        )
    ]


@router.get("/systems/{system}/concepts/{code:path}", response_model=ConceptDetail)
def get_concept(
    system: str,
    code: str,
    session: SessionDep,
    actor: CanRead,
    query: Annotated[VersionQuery, Query()],
) -> ConceptDetail:
    return service.concept_detail(session=session, system=system, code=code, version=query.version)


@router.post("/validate", response_model=ConceptRead)
def validate(data: CodeCheck, session: SessionDep, actor: CanRead) -> ConceptRead:
    """The concept for a code, or 422 naming ``code`` when the system does not have it."""
    return service.validate_concept(session=session, data=data)


@router.post(
    "/systems/{system}/versions",
    response_model=ImportResult,
    status_code=201,
    responses={422: {"description": "文件有错误，逐行列出，未导入任何数据"}},
)
def import_version(
    system: SystemCode,
    session: SessionDep,
    actor: CanImport,
    query: Annotated[ImportQuery, Query()],
    upload: Annotated[tuple[bytes, str | None], Depends(csv_upload)],
    ctx: AuditContextDep,
) -> ImportResult:
    content, filename = upload
    result = service.import_csv(
        session=session,
        system=system,
        version=query.version,
        content=content,
        name_zh=query.name_zh,
        name_en=query.name_en,
        kind=query.kind,
        activate=query.activate,
        filename=filename,
        actor=actor,
        request=ctx,
    )
    return ImportResult(
        system=result.system,
        version=result.version,
        created=result.created,
        concept_count=result.concept_count,
    )
