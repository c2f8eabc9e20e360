"""Routes of the certificate slice: CA, CRL, certificates, statistics, signatures.

The CA certificates and the CRL are public (relying parties fetch them without an account,
as RFC 5280 CRL distribution points are); everything else needs a permission.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from healthnet.core.audit.context import AuditContextDep
from healthnet.core.certs import service
from healthnet.core.certs.schemas import (
    CaRead,
    CertificateCheckRequest,
    CertificateIssue,
    CertificateQuery,
    CertificateRead,
    CertificateRenew,
    CertificateRevoke,
    CertificateStats,
    CertificateStatsQuery,
    CheckResult,
    IssuedCertificateRead,
    SignerRead,
    SignRequest,
    SignResult,
    VerifyRequest,
    VerifyResultRead,
    reason_text,
)
from healthnet.core.deps import Actor, CurrentActor, SessionDep, require
from healthnet.core.schemas import Page

router = APIRouter(tags=["certs"])

ReadActor = Annotated[Actor, Depends(require("certs:certificate:read"))]
IssueActor = Annotated[Actor, Depends(require("certs:certificate:issue"))]
RevokeActor = Annotated[Actor, Depends(require("certs:certificate:revoke"))]
SignActor = Annotated[Actor, Depends(require("certs:signature:sign"))]
VerifyActor = Annotated[Actor, Depends(require("certs:signature:verify"))]

CRL_PATH = "/api/v1/certs/crl"
NO_STORE = {"Cache-Control": "no-store"}


def _issued(result: service.IssuedCertificate) -> IssuedCertificateRead:
    return IssuedCertificateRead(
        certificate=CertificateRead.model_validate(result.certificate),
        private_key_pem=result.private_key_pem,
        key_password=result.key_password,
        ca_chain_pem=result.ca_chain_pem,
    )


@router.get("/ca", response_model=CaRead)
def get_ca(session: SessionDep) -> CaRead:
    root_pem, issuing_pem = service.ca_certificates(session=session)
    return CaRead(
        root_certificate_pem=root_pem,
        issuing_certificate_pem=issuing_pem,
        root_fingerprint=service.pem_fingerprint(root_pem),
        crl_url=CRL_PATH,
    )


@router.get(
    "/crl", response_class=Response, responses={200: {"content": {"application/pkix-crl": {}}}}
)
def get_crl(session: SessionDep) -> Response:
    crl = service.current_crl(session=session)
    return Response(
        content=crl.der,
        media_type="application/pkix-crl",
        headers={"Content-Disposition": 'attachment; filename="healthnet.crl"'},
    )


@router.post("/certificates", response_model=IssuedCertificateRead, status_code=201)
def issue_certificate(
    data: CertificateIssue,
    session: SessionDep,
    actor: IssueActor,
    ctx: AuditContextDep,
    response: Response,
) -> IssuedCertificateRead:
    result = service.issue_certificate(
        session=session, actor=actor, request=ctx, **data.model_dump()
    )
    response.headers.update(NO_STORE)
    return _issued(result)


@router.get("/certificates", response_model=Page[CertificateRead])
def list_certificates(
    q: Annotated[CertificateQuery, Query()], session: SessionDep, actor: ReadActor
) -> Page[CertificateRead]:
    return service.list_certificates(session=session, query=q, actor=actor)


@router.get("/my-certificates", response_model=list[CertificateRead])
def my_certificates(session: SessionDep, actor: CurrentActor) -> list[CertificateRead]:
    rows = service.certificates_of_user(session=session, user_id=actor.user_id)
    return [CertificateRead.model_validate(r) for r in rows]


@router.get("/statistics", response_model=list[CertificateStats])
def certificate_statistics(
    q: Annotated[CertificateStatsQuery, Query()], session: SessionDep, actor: ReadActor
) -> list[CertificateStats]:
    return service.certificate_statistics(session=session, group_by=q.group_by, actor=actor)


@router.post("/certificates/check", response_model=CheckResult)
def check_certificate(
    data: CertificateCheckRequest, session: SessionDep, actor: ReadActor
) -> CheckResult:
    result = service.check_certificate(
        session=session, certificate_pem=data.certificate_pem, actor=actor
    )
    cert = CertificateRead.model_validate(result.certificate) if result.certificate else None
    return CheckResult(
        valid=result.valid,
        reason=result.reason,
        reason_text=reason_text(result.reason),
        certificate=cert,
    )


@router.get("/certificates/{certificate_id}", response_model=CertificateRead)
def get_certificate(certificate_id: str, session: SessionDep, actor: ReadActor) -> CertificateRead:
    row = service.get_certificate(session=session, certificate_id=certificate_id, actor=actor)
    return CertificateRead.model_validate(row)


@router.post(
    "/certificates/{certificate_id}/renew", response_model=IssuedCertificateRead, status_code=201
)
def renew_certificate(
    certificate_id: str,
    data: CertificateRenew,
    session: SessionDep,
    actor: IssueActor,
    ctx: AuditContextDep,
    response: Response,
) -> IssuedCertificateRead:
    result = service.renew_certificate(
        session=session,
        actor=actor,
        request=ctx,
        certificate_id=certificate_id,
        **data.model_dump(),
    )
    response.headers.update(NO_STORE)
    return _issued(result)


@router.post("/certificates/{certificate_id}/revoke", response_model=CertificateRead)
def revoke_certificate(
    certificate_id: str,
    data: CertificateRevoke,
    session: SessionDep,
    actor: RevokeActor,
    ctx: AuditContextDep,
) -> CertificateRead:
    row = service.revoke_certificate(
        session=session, actor=actor, request=ctx, certificate_id=certificate_id, reason=data.reason
    )
    return CertificateRead.model_validate(row)


@router.post("/sign", response_model=SignResult)
def sign(
    data: SignRequest, session: SessionDep, actor: SignActor, ctx: AuditContextDep
) -> SignResult:
    """Sign a document as the calling user (with the user's signing certificate)."""
    result = service.sign_document(
        session=session,
        content=data.content,
        content_type=data.content_type,
        signer_user_id=actor.user_id,
        actor=actor,
        request=ctx,
    )
    return SignResult(
        signature=result.signature,
        signed_at=result.signed_at,
        content_digest=result.content_digest,
        certificate_id=result.certificate.id,
        certificate_serial=result.certificate.serial,
    )


@router.post("/verify", response_model=VerifyResultRead)
def verify(data: VerifyRequest, session: SessionDep, actor: VerifyActor) -> VerifyResultRead:
    result = service.verify_document(
        session=session, content=data.content, signature=data.signature
    )
    cert = result.certificate
    signer = (
        SignerRead(
            certificate_id=cert.id,
            certificate_serial=cert.serial,
            purpose=cert.purpose,
            user_id=cert.user_id,
            subject=cert.subject,
        )
        if cert is not None
        else None
    )
    return VerifyResultRead(
        valid=result.valid,
        reason=result.reason,
        reason_text=reason_text(result.reason),
        signer=signer,
        signed_at=result.signed_at,
        content_type=result.content_type,
        content_digest=result.content_digest,
    )
