"""Routes of the organisations slice (mounted under /api/v1/orgs)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse

from healthnet.core.audit.context import AuditContextDep
from healthnet.core.deps import Actor, CurrentActor, SessionDep, require
from healthnet.core.errors import ValidationFailed
from healthnet.core.orgs import service
from healthnet.core.orgs.csv_import import template_csv
from healthnet.core.orgs.schemas import (
    DepartmentCreate,
    DepartmentQuery,
    DepartmentRead,
    DepartmentUpdate,
    DirectoryEntry,
    DirectoryQuery,
    DistrictRead,
    ImportResult,
    InstitutionCreate,
    InstitutionQuery,
    InstitutionRead,
    InstitutionUpdate,
)
from healthnet.core.schemas import Page

router = APIRouter(tags=["orgs"])

CanRead = Annotated[Actor, Depends(require("orgs:institution:read"))]
CanWrite = Annotated[Actor, Depends(require("orgs:institution:write"))]
CanWriteDept = Annotated[Actor, Depends(require("orgs:department:write"))]
CanReadDirectory = Annotated[Actor, Depends(require("orgs:directory:read"))]


def _institution_in_scope(institution_id: str, session: SessionDep, actor: CurrentActor) -> str:
    """The path's institution must lie in the caller's data scope (404 otherwise)."""
    service.institution_in_scope(session=session, actor=actor, institution_id=institution_id)
    return institution_id


# Declared after the permission dependency in each route, so a caller without the permission
# gets 403 before the scope is looked at.
ScopedInstitutionId = Annotated[str, Depends(_institution_in_scope)]


async def csv_upload(request: Request) -> bytes:
    """The CSV file: the raw ``text/csv`` body, or the ``file`` part of a multipart form."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "multipart/form-data":
        form = await request.form()
        upload = form.get("file")
        if upload is not None and not isinstance(upload, str):
            return await upload.read()
    elif ctype in ("text/csv", "application/octet-stream"):
        body = await request.body()
        if body:
            return body
    raise ValidationFailed.field("file", "orgs.import_no_file")


@router.get("/districts", response_model=list[DistrictRead])
def list_districts(session: SessionDep, actor: CurrentActor) -> list[DistrictRead]:
    return [DistrictRead.model_validate(d) for d in service.list_districts(session=session)]


@router.get("/directory", response_model=Page[DirectoryEntry])
def institution_directory(
    session: SessionDep, actor: CanReadDirectory, query: Annotated[DirectoryQuery, Query()]
) -> Page[DirectoryEntry]:
    """Every institution of the network, public facts only (name, code, district, kind)."""
    return service.directory(session=session, query=query)


@router.get("/institutions", response_model=Page[InstitutionRead])
def list_institutions(
    session: SessionDep, actor: CanRead, query: Annotated[InstitutionQuery, Query()]
) -> Page[InstitutionRead]:
    return service.list_institutions(session=session, actor=actor, query=query)


@router.post("/institutions", response_model=InstitutionRead, status_code=201)
def create_institution(
    ctx: AuditContextDep, data: InstitutionCreate, session: SessionDep, actor: CanWrite
) -> InstitutionRead:
    return InstitutionRead.model_validate(
        service.create_institution(session=session, data=data, actor=actor, request=ctx)
    )


@router.get("/institutions/import-template", response_class=PlainTextResponse)
def import_template(actor: CanWrite) -> PlainTextResponse:
    # With a BOM so that Excel opens the Chinese header as UTF-8.
    return PlainTextResponse(
        "\ufeff" + template_csv(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="institutions.csv"'},
    )


@router.post(
    "/institutions/import",
    response_model=ImportResult,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                },
            },
        }
    },
)
def import_institutions(
    ctx: AuditContextDep,
    session: SessionDep,
    actor: CanWrite,
    content: Annotated[bytes, Depends(csv_upload)],
) -> ImportResult:
    return service.import_institutions(session=session, content=content, actor=actor, request=ctx)


@router.get("/institutions/{institution_id}", response_model=InstitutionRead)
def get_institution(institution_id: str, session: SessionDep, actor: CanRead) -> InstitutionRead:
    inst = service.institution_in_scope(session=session, actor=actor, institution_id=institution_id)
    return InstitutionRead.model_validate(inst)


@router.patch("/institutions/{institution_id}", response_model=InstitutionRead)
def update_institution(
    ctx: AuditContextDep,
    actor: CanWrite,
    institution_id: ScopedInstitutionId,
    data: InstitutionUpdate,
    session: SessionDep,
) -> InstitutionRead:
    inst = service.update_institution(
        session=session, institution_id=institution_id, data=data, actor=actor, request=ctx
    )
    return InstitutionRead.model_validate(inst)


@router.post("/institutions/{institution_id}/deactivate", response_model=InstitutionRead)
def deactivate_institution(
    ctx: AuditContextDep, actor: CanWrite, institution_id: ScopedInstitutionId, session: SessionDep
) -> InstitutionRead:
    inst = service.set_institution_active(
        session=session, institution_id=institution_id, active=False, actor=actor, request=ctx
    )
    return InstitutionRead.model_validate(inst)


@router.post("/institutions/{institution_id}/reactivate", response_model=InstitutionRead)
def reactivate_institution(
    ctx: AuditContextDep, actor: CanWrite, institution_id: ScopedInstitutionId, session: SessionDep
) -> InstitutionRead:
    inst = service.set_institution_active(
        session=session, institution_id=institution_id, active=True, actor=actor, request=ctx
    )
    return InstitutionRead.model_validate(inst)


@router.get("/institutions/{institution_id}/departments", response_model=Page[DepartmentRead])
def list_departments(
    actor: CanRead,
    institution_id: ScopedInstitutionId,
    session: SessionDep,
    query: Annotated[DepartmentQuery, Query()],
) -> Page[DepartmentRead]:
    return service.list_departments(session=session, institution_id=institution_id, query=query)


@router.post(
    "/institutions/{institution_id}/departments", response_model=DepartmentRead, status_code=201
)
def create_department(
    ctx: AuditContextDep,
    actor: CanWriteDept,
    institution_id: ScopedInstitutionId,
    data: DepartmentCreate,
    session: SessionDep,
) -> DepartmentRead:
    dept = service.create_department(
        session=session, institution_id=institution_id, data=data, actor=actor, request=ctx
    )
    return DepartmentRead.model_validate(dept)


@router.get(
    "/institutions/{institution_id}/departments/{department_id}", response_model=DepartmentRead
)
def get_department(
    actor: CanRead, institution_id: ScopedInstitutionId, department_id: str, session: SessionDep
) -> DepartmentRead:
    dept = service.get_department(
        session=session, institution_id=institution_id, department_id=department_id
    )
    return DepartmentRead.model_validate(dept)


@router.patch(
    "/institutions/{institution_id}/departments/{department_id}", response_model=DepartmentRead
)
def update_department(
    ctx: AuditContextDep,
    actor: CanWriteDept,
    institution_id: ScopedInstitutionId,
    department_id: str,
    data: DepartmentUpdate,
    session: SessionDep,
) -> DepartmentRead:
    dept = service.update_department(
        session=session,
        institution_id=institution_id,
        department_id=department_id,
        data=data,
        actor=actor,
        request=ctx,
    )
    return DepartmentRead.model_validate(dept)


@router.delete("/institutions/{institution_id}/departments/{department_id}", status_code=204)
def delete_department(
    ctx: AuditContextDep,
    actor: CanWriteDept,
    institution_id: ScopedInstitutionId,
    department_id: str,
    session: SessionDep,
) -> None:
    service.delete_department(
        session=session,
        institution_id=institution_id,
        department_id=department_id,
        actor=actor,
        request=ctx,
    )
