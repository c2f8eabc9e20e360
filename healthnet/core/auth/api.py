from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from healthnet.config import get_settings
from healthnet.core.audit.context import AuditContextDep
from healthnet.core.auth import http, login_flow, service
from healthnet.core.auth.login_flow import StepResult, TxFactoryDep
from healthnet.core.auth.schemas import (
    CertLogin,
    ChallengeRead,
    CodeRequest,
    LoginLogQuery,
    LoginLogRead,
    LoginRequest,
    LoginResult,
    Me,
    PasswordChange,
    RecoveryCodesRead,
    ResidentAccountCreate,
    SessionRead,
    TemporaryPassword,
    TicketCode,
    TicketPassword,
    TicketRequest,
    TotpEnrolmentRead,
    UserCreate,
    UserQuery,
    UserRead,
)
from healthnet.core.deps import Actor, CurrentActor, SessionDep, require
from healthnet.core.i18n import t
from healthnet.core.schemas import Page

router = APIRouter(tags=["auth"])

UserWrite = Annotated[Actor, Depends(require("auth:user:write"))]
UserAdminRead = Annotated[Actor, Depends(require("auth:user:read"))]
UserUnlock = Annotated[Actor, Depends(require("auth:user:unlock"))]
SessionAdmin = Annotated[Actor, Depends(require("auth:session:manage"))]
LoginLogReader = Annotated[Actor, Depends(require("auth:login_log:read"))]


def _present(result: StepResult, response: Response) -> LoginResult:
    """The step's answer; a finished cookie login sets the cookies instead of showing the
    token."""
    out = LoginResult(
        stage=result.stage,
        ticket=result.ticket,
        ticket_expires_at=result.ticket_expires_at,
        methods=result.methods,
        reason=result.reason,
        reason_text=t(result.reason, days=get_settings().password_max_age_days)
        if result.reason
        else None,
        expires_at=result.session_expires_at,
        recovery_codes=result.recovery_codes,
    )
    if result.token is not None:
        if result.delivery == "cookie":
            out.csrf_token = http.set_session_cookies(response, result.token)
        else:
            out.token = result.token
    response.headers["Cache-Control"] = "no-store"
    return out


# --------------------------------------------------------------------------- login steps


@router.post("/login", response_model=LoginResult, response_model_exclude_none=True)
def login(
    data: LoginRequest, request: Request, response: Response, tx: TxFactoryDep
) -> LoginResult:
    """Step 1: user name (or a resident's mobile / ID number) and password."""
    result = login_flow.password_step(
        tx=tx,
        client=http.client_of(request),
        username=data.username,
        password=data.password,
        delivery=data.session,
    )
    return _present(result, response)


@router.post("/login/password", response_model=LoginResult, response_model_exclude_none=True)
def login_change_password(
    data: TicketPassword, request: Request, response: Response, tx: TxFactoryDep
) -> LoginResult:
    """The forced password change of stage ``change_password``."""
    result = login_flow.change_password_step(
        tx=tx, client=http.client_of(request), ticket=data.ticket, new_password=data.password
    )
    return _present(result, response)


@router.post("/login/totp", response_model=LoginResult, response_model_exclude_none=True)
def login_totp(
    data: TicketCode, request: Request, response: Response, tx: TxFactoryDep
) -> LoginResult:
    result = login_flow.totp_step(
        tx=tx, client=http.client_of(request), ticket=data.ticket, code=data.code
    )
    return _present(result, response)


@router.post("/login/recovery-code", response_model=LoginResult, response_model_exclude_none=True)
def login_recovery_code(
    data: TicketCode, request: Request, response: Response, tx: TxFactoryDep
) -> LoginResult:
    result = login_flow.recovery_code_step(
        tx=tx, client=http.client_of(request), ticket=data.ticket, code=data.code
    )
    return _present(result, response)


@router.post("/login/totp/enrolment", response_model=TotpEnrolmentRead)
def login_totp_enrolment(
    data: TicketRequest, request: Request, response: Response, tx: TxFactoryDep
) -> TotpEnrolmentRead:
    """First login of staff without a second factor: the authenticator app's QR code."""
    e = login_flow.enrolment_start_step(tx=tx, client=http.client_of(request), ticket=data.ticket)
    response.headers["Cache-Control"] = "no-store"
    return TotpEnrolmentRead(secret=e.secret, otpauth_uri=e.uri, qr_svg=e.qr_svg)


@router.post(
    "/login/totp/enrolment/confirm", response_model=LoginResult, response_model_exclude_none=True
)
def login_totp_enrolment_confirm(
    data: TicketCode, request: Request, response: Response, tx: TxFactoryDep
) -> LoginResult:
    result = login_flow.enrolment_confirm_step(
        tx=tx, client=http.client_of(request), ticket=data.ticket, code=data.code
    )
    return _present(result, response)


@router.post("/login/cert/challenge", response_model=ChallengeRead)
def login_cert_challenge(data: TicketRequest, request: Request, tx: TxFactoryDep) -> ChallengeRead:
    c = login_flow.cert_challenge_step(tx=tx, client=http.client_of(request), ticket=data.ticket)
    return ChallengeRead(challenge_id=c.challenge_id, nonce=c.nonce)


@router.post("/login/cert", response_model=LoginResult, response_model_exclude_none=True)
def login_cert(
    data: CertLogin, request: Request, response: Response, tx: TxFactoryDep
) -> LoginResult:
    result = login_flow.cert_step(
        tx=tx,
        client=http.client_of(request),
        ticket=data.ticket,
        challenge_id=data.challenge_id,
        certificate_pem=data.certificate_pem,
        signature=data.signature,
    )
    return _present(result, response)


# --------------------------------------------------------------------------- own account


@router.post("/logout", status_code=204)
def logout(
    request: Request, response: Response, session: SessionDep, actor: CurrentActor
) -> Response:
    token = http.request_token(request)
    if token:
        service.logout(session=session, token=token)
    out = Response(status_code=204)
    http.clear_session_cookies(out)
    return out


@router.get("/me", response_model=Me)
def me(request: Request, response: Response, actor: CurrentActor, session: SessionDep) -> Me:
    """The signed-in user. Like every authenticated request it renews the idle timer."""
    info = service.me(session=session, actor=actor, token=http.request_token(request))
    response.headers["Cache-Control"] = "no-store"
    return Me(
        id=actor.user_id,
        username=actor.username,
        display_name=info.display_name,
        kind=info.user.kind,
        institution_id=actor.institution_id,
        district_code=actor.district_code,
        permissions=sorted(actor.permissions),
        totp_enabled=info.totp_enabled,
        recovery_codes_left=info.recovery_codes_left,
        password_expires_at=info.password_expires_at,
        must_change_password=info.must_change_password,
        institution_name=info.institution_name,
        district_name=info.district_name,
        session_expires_at=info.session_expires_at,
        session_idle_minutes=get_settings().session_idle_minutes,
    )


@router.post("/password", status_code=204)
def change_password(
    data: PasswordChange,
    request: Request,
    session: SessionDep,
    actor: CurrentActor,
    ctx: AuditContextDep,
) -> None:
    service.change_own_password(
        session=session,
        actor=actor,
        token=http.request_token(request),
        current_password=data.current_password,
        password=data.password,
        ctx=ctx,
    )


@router.post("/totp/enrolment", response_model=TotpEnrolmentRead)
def totp_enrolment(
    session: SessionDep, actor: CurrentActor, response: Response
) -> TotpEnrolmentRead:
    e = service.start_totp_enrolment(session=session, actor=actor)
    response.headers["Cache-Control"] = "no-store"
    return TotpEnrolmentRead(secret=e.secret, otpauth_uri=e.uri, qr_svg=e.qr_svg)


@router.post("/totp/enrolment/confirm", response_model=RecoveryCodesRead)
def totp_enrolment_confirm(
    data: CodeRequest, session: SessionDep, actor: CurrentActor, ctx: AuditContextDep
) -> RecoveryCodesRead:
    return RecoveryCodesRead(
        codes=service.confirm_totp_enrolment(session=session, actor=actor, code=data.code, ctx=ctx)
    )


@router.post("/totp/recovery-codes", response_model=RecoveryCodesRead)
def recovery_codes(
    data: CodeRequest, session: SessionDep, actor: CurrentActor, ctx: AuditContextDep
) -> RecoveryCodesRead:
    return RecoveryCodesRead(
        codes=service.regenerate_recovery_codes(
            session=session, actor=actor, code=data.code, ctx=ctx
        )
    )


# --------------------------------------------------------------------------- administration


@router.get("/users", response_model=Page[UserRead])
def list_users(
    session: SessionDep, actor: UserAdminRead, query: Annotated[UserQuery, Query()]
) -> Page[UserRead]:
    return service.list_users(session=session, actor=actor, query=query)


@router.post("/users", response_model=UserRead, status_code=201)
def create_user(
    data: UserCreate, session: SessionDep, actor: UserWrite, ctx: AuditContextDep
) -> UserRead:
    user = service.create_staff_user(session=session, actor=actor, ctx=ctx, **data.model_dump())
    return service.user_read(user, session=session)


@router.post("/residents", response_model=UserRead, status_code=201)
def create_resident(
    data: ResidentAccountCreate, session: SessionDep, actor: UserWrite, ctx: AuditContextDep
) -> UserRead:
    user = service.create_resident(session=session, actor=actor, ctx=ctx, **data.model_dump())
    return service.user_read(user, session=session)


@router.get("/users/{user_id}", response_model=UserRead)
def get_user(user_id: str, session: SessionDep, actor: UserAdminRead) -> UserRead:
    user = service.user_for_admin(session=session, actor=actor, user_id=user_id)
    return service.user_read(user, session=session)


@router.post("/users/{user_id}/password-reset", response_model=TemporaryPassword)
def reset_password(
    user_id: str, session: SessionDep, actor: UserWrite, ctx: AuditContextDep, response: Response
) -> TemporaryPassword:
    """A one-time password to hand over; the user must change it at the next login."""
    password = service.reset_password(session=session, actor=actor, user_id=user_id, ctx=ctx)
    response.headers["Cache-Control"] = "no-store"
    return TemporaryPassword(temporary_password=password)


@router.post("/users/{user_id}/unlock", response_model=UserRead)
def unlock(user_id: str, session: SessionDep, actor: UserUnlock, ctx: AuditContextDep) -> UserRead:
    return service.unlock(session=session, actor=actor, user_id=user_id, ctx=ctx)


@router.post("/users/{user_id}/disable", response_model=UserRead)
def disable(user_id: str, session: SessionDep, actor: UserWrite, ctx: AuditContextDep) -> UserRead:
    return service.set_user_active(
        session=session, actor=actor, user_id=user_id, active=False, ctx=ctx
    )


@router.post("/users/{user_id}/enable", response_model=UserRead)
def enable(user_id: str, session: SessionDep, actor: UserWrite, ctx: AuditContextDep) -> UserRead:
    return service.set_user_active(
        session=session, actor=actor, user_id=user_id, active=True, ctx=ctx
    )


@router.post("/users/{user_id}/second-factor-reset", response_model=UserRead)
def reset_second_factor(
    user_id: str, session: SessionDep, actor: UserUnlock, ctx: AuditContextDep
) -> UserRead:
    return service.reset_second_factor(session=session, actor=actor, user_id=user_id, ctx=ctx)


@router.get("/sessions", response_model=Page[SessionRead])
def online_sessions(
    session: SessionDep,
    actor: SessionAdmin,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
    page_size: Annotated[int, Query(alias="pageSize", ge=1, le=500)] = 20,
) -> Page[SessionRead]:
    """Online users: sessions that are neither ended nor expired."""
    return service.list_sessions(session=session, actor=actor, page=page, page_size=page_size)


@router.delete("/sessions/{session_id}", status_code=204)
def force_logout(
    session_id: str, session: SessionDep, actor: SessionAdmin, ctx: AuditContextDep
) -> None:
    service.force_logout(session=session, actor=actor, session_id=session_id, ctx=ctx)


@router.get("/login-log", response_model=Page[LoginLogRead])
def login_log(
    session: SessionDep, actor: LoginLogReader, query: Annotated[LoginLogQuery, Query()]
) -> Page[LoginLogRead]:
    return service.list_login_log(session=session, actor=actor, query=query)
