"""The FHIR R4 endpoint, mounted at ``/fhir/R4`` (the FHIR base; outside /api/v1 like OIDC).

Hospital systems call it with a client-credentials access token: ``fhir.write`` to post
transaction/batch Bundles, ``fhir.read`` to read and search. Every error is an
OperationOutcome (see :mod:`.outcome`).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from healthnet.core.deps import SessionDep
from healthnet.core.oidc.deps import ClientPrincipal, client_actor, require_scope
from healthnet.modules.records.fhir import ingest, reads
from healthnet.modules.records.fhir.capability import capability_statement
from healthnet.modules.records.fhir.outcome import FhirError, FhirRoute, fhir_response, issue

router = APIRouter(route_class=FhirRoute, tags=["fhir"])

Writer = Annotated[ClientPrincipal, Depends(require_scope("fhir.write"))]
Reader = Annotated[ClientPrincipal, Depends(require_scope("fhir.read"))]


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise FhirError(400, [issue("structure", "records.fhir.not_json", "Bundle")]) from None


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/fhir/R4"


def _params(request: Request) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for k, v in request.query_params.multi_items():
        out.setdefault(k, []).append(v)
    return out


@router.get("/metadata")
def metadata(request: Request) -> JSONResponse:
    return fhir_response(capability_statement(_base(request)))


@router.post("")
def submit_bundle(
    session: SessionDep, principal: Writer, bundle: Annotated[Any, Depends(_json_body)]
) -> JSONResponse:
    actor = client_actor(principal)
    result = ingest.process(
        session=session, actor=actor, institution_id=principal.institution_id, bundle=bundle
    )
    return fhir_response(result)


@router.get("/Patient/{person_id}/$everything")
def patient_everything(
    person_id: str, request: Request, session: SessionDep, principal: Reader
) -> JSONResponse:
    return fhir_response(
        reads.everything(
            session=session, principal=principal, person_id=person_id, base=_base(request)
        )
    )


def _search_route(rtype: str) -> Any:
    def search_type(request: Request, session: SessionDep, principal: Reader) -> JSONResponse:
        return fhir_response(
            reads.search_type(
                session=session,
                principal=principal,
                rtype=rtype,
                params=_params(request),
                base=_base(request),
            )
        )

    search_type.__name__ = f"search_{rtype}"
    return search_type


def _read_route(rtype: str) -> Any:
    def read(rid: str, session: SessionDep, principal: Reader) -> JSONResponse:
        return fhir_response(reads.read(session=session, principal=principal, rtype=rtype, rid=rid))

    read.__name__ = f"read_{rtype}"
    return read


# One route per supported type: any other type is simply not here (404).
for _rtype in reads.SUPPORTED:
    router.add_api_route(f"/{_rtype}", _search_route(_rtype), methods=["GET"])
    router.add_api_route(f"/{_rtype}/{{rid}}", _read_route(_rtype), methods=["GET"])
