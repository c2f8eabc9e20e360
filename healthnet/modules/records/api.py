"""Routes under /api/v1/records: the bulk import for staff (here) and the record retrieval
routes of :mod:`healthnet.modules.records.api_retrieval` (included below)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from healthnet.core.audit.context import AuditContextDep
from healthnet.core.deps import Actor, SessionDep, require
from healthnet.core.errors import ValidationFailed
from healthnet.modules.records import api_retrieval, imports

router = APIRouter(tags=["records"])
router.include_router(api_retrieval.router)

CanImport = Annotated[Actor, Depends(require("records:import:write"))]


async def upload(request: Request) -> bytes:
    """The file: the ``file`` part of a multipart form, or the raw body (CSV or .xlsx)."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "multipart/form-data":
        form = await request.form()
        part = form.get("file")
        if part is not None and not isinstance(part, str):
            return await part.read()
    elif ctype in (
        "text/csv",
        "application/octet-stream",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ):
        body = await request.body()
        if body:
            return body
    raise ValidationFailed.field("file", "field.missing")


@router.post("/imports", response_model=imports.ImportSummary)
def import_records(
    ctx: AuditContextDep,
    session: SessionDep,
    actor: CanImport,
    kind: Annotated[str, Query(description="encounter | medication_order | lab_result")],
    content: Annotated[bytes, Depends(upload)],
) -> imports.ImportSummary:
    if kind not in imports.IMPORT_KINDS:
        raise ValidationFailed.field("kind", "records.import.kind")
    return imports.import_records(
        session=session, actor=actor, kind=kind, content=content, request=ctx
    )


@router.get("/imports/template")
def import_template(actor: CanImport, kind: Annotated[str, Query()]) -> dict[str, list[str]]:
    if kind not in imports.IMPORT_KINDS:
        raise ValidationFailed.field("kind", "records.import.kind")
    return {"columns": [c.zh for c in imports.COLUMNS[kind]]}
