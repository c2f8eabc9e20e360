"""Routes of the OIDC provider.

``router`` (mounted by the manifest under ``/api/v1/oidc``) is the administrators' client
registry. ``protocol_router`` holds the protocol endpoints at the paths OIDC clients expect
(``/.well-known/openid-configuration``, ``/oidc/...``) and is mounted at the root by app.py.
The protocol endpoints answer in the OAuth error format of RFC 6749 §5.2 (``{"error": ...}``),
which client libraries parse, except where no client is involved yet (a refused authorization
request is shown to the user as problem+json, RFC 6749 §4.1.2.1).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from healthnet.config import get_settings
from healthnet.core.audit.context import AuditContextDep
from healthnet.core.auth.http import clear_session_cookies, request_token
from healthnet.core.deps import Actor, SessionDep, get_current_actor, require
from healthnet.core.errors import Forbidden, Unauthenticated
from healthnet.core.oidc import server, service
from healthnet.core.oidc.schemas import (
    ClientCreate,
    ClientCreated,
    ClientQuery,
    ClientRead,
    ClientUpdate,
    ScopeRead,
    SecretRotate,
    SecretRotated,
)
from healthnet.core.oidc.server import HttpRequest, OidcUser, ProtocolResponse
from healthnet.core.schemas import Page

router = APIRouter(tags=["oidc"])
protocol_router = APIRouter(tags=["oidc-protocol"])

CanRead = Annotated[Actor, Depends(require("oidc:client:read"))]
CanWrite = Annotated[Actor, Depends(require("oidc:client:write"))]

_FORM_TYPE = "application/x-www-form-urlencoded"


# --------------------------------------------------------------------------- admin API


@router.get("/clients", response_model=Page[ClientRead])
def list_clients(
    session: SessionDep, actor: CanRead, query: Annotated[ClientQuery, Query()]
) -> Page[ClientRead]:
    items, total = service.list_clients(session=session, query=query)
    return Page[ClientRead](
        items=[ClientRead.model_validate(c) for c in items],
        total=total,
        page=query.page,
        page_size=query.page_size,
    )


@router.post("/clients", response_model=ClientCreated, status_code=201)
def register_client(
    data: ClientCreate, session: SessionDep, actor: CanWrite, ctx: AuditContextDep
) -> ClientCreated:
    client, secret = service.register_client(session=session, actor=actor, data=data, request=ctx)
    return ClientCreated.model_validate(
        {**ClientRead.model_validate(client).model_dump(), "client_secret": secret}
    )


@router.get("/scopes", response_model=list[ScopeRead])
def list_scopes(actor: CanRead) -> list[ScopeRead]:
    return [
        ScopeRead(code=c, label=zh, label_en=en, user_claims=u)
        for c, zh, en, u in service.scope_list()
    ]


@router.get("/clients/{client_pk}", response_model=ClientRead)
def get_client(client_pk: str, session: SessionDep, actor: CanRead) -> ClientRead:
    return ClientRead.model_validate(service.get_client(session=session, client_pk=client_pk))


@router.patch("/clients/{client_pk}", response_model=ClientRead)
def update_client(
    client_pk: str,
    data: ClientUpdate,
    session: SessionDep,
    actor: CanWrite,
    ctx: AuditContextDep,
) -> ClientRead:
    client = service.update_client(
        session=session, actor=actor, client_pk=client_pk, data=data, request=ctx
    )
    return ClientRead.model_validate(client)


@router.post("/clients/{client_pk}/deactivate", response_model=ClientRead)
def deactivate_client(
    client_pk: str, session: SessionDep, actor: CanWrite, ctx: AuditContextDep
) -> ClientRead:
    client = service.deactivate_client(
        session=session, actor=actor, client_pk=client_pk, request=ctx
    )
    return ClientRead.model_validate(client)


@router.post("/clients/{client_pk}/rotate-secret", response_model=SecretRotated)
def rotate_secret(
    client_pk: str,
    data: SecretRotate,
    session: SessionDep,
    actor: CanWrite,
    ctx: AuditContextDep,
) -> SecretRotated:
    client, secret, until = service.rotate_secret(
        session=session,
        actor=actor,
        client_pk=client_pk,
        grace=timedelta(hours=data.grace_hours),
        request=ctx,
    )
    return SecretRotated(
        client_id=client.client_id, client_secret=secret, previous_secret_valid_until=until
    )


# --------------------------------------------------------------------------- protocol


async def http_request(request: Request) -> HttpRequest:
    """The request as Authlib needs it; the form is read here because routes are sync."""
    form: dict[str, list[str]] = {}
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if request.method == "POST" and ctype == _FORM_TYPE:
        data = await request.form(max_files=0, max_fields=50)
        for key in data:
            form[key] = [v for v in data.getlist(key) if isinstance(v, str)]
    query = {key: request.query_params.getlist(key) for key in request.query_params}
    return HttpRequest(request.method, str(request.url), request.headers, query, form)


def issuer(request: Request) -> str:
    # The issuer must be the URL clients use (OIDC Discovery §4.3). Production sets
    # HEALTHNET_OIDC_ISSUER once the lead adds it to Settings; until then, the request's own
    # base URL (behind the gateway, with uvicorn --proxy-headers, that is the public URL).
    configured = get_settings().oidc_issuer
    return (configured or str(request.base_url)).rstrip("/")


def signed_in_user(request: Request, session: SessionDep) -> OidcUser | None:
    """The HealthNet user of this browser (session cookie) or caller (bearer), if any."""
    token = request_token(request)
    if not token:
        return None
    try:
        actor = get_current_actor(request, session)
    except (Unauthenticated, Forbidden):
        return None
    return OidcUser(
        user_id=actor.user_id,
        username=actor.username,
        institution_id=actor.institution_id,
        sid=service.session_ref(token),
        actor=actor,
    )


def wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


HttpDep = Annotated[HttpRequest, Depends(http_request)]
IssuerDep = Annotated[str, Depends(issuer)]
UserDep = Annotated[OidcUser | None, Depends(signed_in_user)]
HtmlDep = Annotated[bool, Depends(wants_html)]


def _respond(result: ProtocolResponse) -> Response:
    headers = dict(result.headers)
    response: Response
    if isinstance(result.body, dict):
        response = JSONResponse(result.body, status_code=result.status, headers=headers)
    else:
        response = Response(result.body or b"", status_code=result.status, headers=headers)
    if result.clear_session_cookie:
        clear_session_cookies(response)
    return response


@protocol_router.get("/.well-known/openid-configuration", operation_id="oidc_discovery")
@protocol_router.get(
    "/.well-known/oauth-authorization-server", operation_id="oauth_authorization_server_metadata"
)
def discovery(session: SessionDep, iss: IssuerDep) -> JSONResponse:
    metadata = server.HealthNetServer(session=session, issuer=iss).metadata()
    return JSONResponse(metadata, headers={"Cache-Control": "public, max-age=300"})


@protocol_router.get("/oidc/jwks")
def jwks(session: SessionDep) -> JSONResponse:
    return JSONResponse(
        service.public_jwks(session=session), headers={"Cache-Control": "public, max-age=300"}
    )


@protocol_router.get("/oidc/authorize", operation_id="oidc_authorize")
@protocol_router.post("/oidc/authorize", operation_id="oidc_authorize_post")
def authorize(
    session: SessionDep,
    http: HttpDep,
    iss: IssuerDep,
    user: UserDep,
    html: HtmlDep,
    ctx: AuditContextDep,
) -> Response:
    return _respond(
        server.authorize(
            session=session, http=http, issuer=iss, user=user, wants_html=html, audit=ctx
        )
    )


@protocol_router.post("/oidc/token")
def token(session: SessionDep, http: HttpDep, iss: IssuerDep, ctx: AuditContextDep) -> Response:
    return _respond(server.token(session=session, http=http, issuer=iss, audit=ctx))


@protocol_router.get("/oidc/userinfo", operation_id="oidc_userinfo")
@protocol_router.post("/oidc/userinfo", operation_id="oidc_userinfo_post")
def userinfo(session: SessionDep, http: HttpDep, iss: IssuerDep) -> Response:
    return _respond(server.endpoint("userinfo", session=session, http=http, issuer=iss))


@protocol_router.post("/oidc/introspect")
def introspect(session: SessionDep, http: HttpDep, iss: IssuerDep) -> Response:
    return _respond(server.endpoint("introspection", session=session, http=http, issuer=iss))


@protocol_router.post("/oidc/revoke")
def revoke(session: SessionDep, http: HttpDep, iss: IssuerDep, ctx: AuditContextDep) -> Response:
    return _respond(
        server.endpoint("revocation", session=session, http=http, issuer=iss, audit=ctx)
    )


@protocol_router.get("/oidc/logout", operation_id="oidc_logout")
@protocol_router.post("/oidc/logout", operation_id="oidc_logout_post")
def logout(
    request: Request,
    session: SessionDep,
    http: HttpDep,
    iss: IssuerDep,
    html: HtmlDep,
    ctx: AuditContextDep,
) -> Response:
    result = server.logout(
        session=session,
        http=http,
        issuer=iss,
        login_token=request_token(request),
        wants_html=html,
        audit=ctx,
    )
    return _respond(result)
