"""Client registration, secrets (keyed hashes, rotation with a grace period), deactivation."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from healthnet.core.audit.context import AuditContext
from healthnet.core.audit.service import record
from healthnet.core.crypto import blind_index
from healthnet.core.db import utcnow
from healthnet.core.errors import NotFound, RuleViolation, ValidationFailed
from healthnet.core.oidc.models import OidcClient
from healthnet.core.oidc.schemas import ClientCreate, ClientQuery, ClientUpdate
from healthnet.core.oidc.scopes import known_scopes
from healthnet.core.oidc.service.tokens import revoke_client_tokens
from healthnet.core.rbac.actor import Actor

CLIENT_SECRET_PREFIX = "hncs_"
_SECRET_PURPOSE = "oidc-client-secret"
_LOOPBACK = ("localhost", "127.0.0.1", "::1")
_AUDIT_PURPOSE = "ADMIN"


def _secret_digest(secret: str) -> str:
    # Client secrets are 256-bit random values, so a keyed hash (HMAC-SM3 under a key derived
    # from the master key) is enough; a slow password KDF would only make every token request
    # cost ~0.1 s of CPU.
    return blind_index(secret, purpose=_SECRET_PURPOSE)


def _new_secret() -> str:
    return CLIENT_SECRET_PREFIX + secrets.token_urlsafe(32)


def _new_client_id() -> str:
    while True:
        cid = "hn_" + secrets.token_hex(10)
        # The audit trail refuses digit runs that look like ID or phone numbers; never mint one.
        if not re.search(r"\d{9}", cid):
            return cid


def _check_uris(uris: Sequence[str], field: str) -> list[str]:
    out: list[str] = []
    for i, uri in enumerate(uris):
        try:
            parts = urlsplit(uri)
            host = parts.hostname
        except ValueError:
            host = None
            parts = None
        secure = (
            parts is not None
            and host
            and (parts.scheme == "https" or (parts.scheme == "http" and host in _LOOPBACK))
        )
        # RFC 6749 §3.1.2: absolute, no fragment. RFC 8252 §7.3: plain http only on loopback.
        if not secure or "#" in uri:
            raise ValidationFailed.field(f"{field}[{i}]", "oidc.redirect_uri_invalid")
        if uri not in out:
            out.append(uri)
    return out


def _check_scopes(scopes: Sequence[str]) -> list[str]:
    known = set(known_scopes())
    for i, scope in enumerate(scopes):
        if scope not in known:
            raise ValidationFailed.field(f"scopes[{i}]", "oidc.scope_unknown", scope=scope)
    return sorted(set(scopes))


def _check_config(
    *,
    is_public: bool,
    auth_method: str,
    grant_types: Sequence[str],
    redirect_uris: Sequence[str],
    may_introspect: bool,
) -> None:
    grants = set(grant_types)
    if "refresh_token" in grants and "authorization_code" not in grants:
        raise ValidationFailed.field("grantTypes", "oidc.grant_types_invalid")
    if is_public and ("client_credentials" in grants or may_introspect):
        raise ValidationFailed.field("grantTypes", "oidc.public_client_credentials")
    if is_public != (auth_method == "none"):
        raise ValidationFailed.field("tokenEndpointAuthMethod", "oidc.auth_method_invalid")
    if "authorization_code" in grants and not redirect_uris:
        raise ValidationFailed.field("redirectUris", "oidc.redirect_uri_required")


def _check_institution(session: Session, institution_id: str | None) -> None:
    if institution_id is None:
        return
    from healthnet.core.orgs.service import get_institution

    try:
        get_institution(session=session, institution_id=institution_id)
    except NotFound:
        raise ValidationFailed.field("institutionId", "oidc.institution_unknown") from None


def _response_types(grant_types: Iterable[str]) -> list[str]:
    return ["code"] if "authorization_code" in grant_types else []


def _audit(
    session: Session,
    *,
    actor: Actor | None,
    action: str,
    resource_id: str | None,
    outcome: str = "success",
    detail: Mapping[str, Any] | None = None,
    request: AuditContext | None = None,
    username: str | None = None,
    institution_id: str | None = None,
    purpose: str = _AUDIT_PURPOSE,
) -> None:
    record(
        session=session,
        actor=actor,
        action=action,
        resource_type="oidc_client",
        resource_id=resource_id,
        purpose=purpose,
        outcome=outcome,
        detail=detail,
        request=request,
        username=username,
        institution_id=institution_id,
    )


def register_client(
    *,
    session: Session,
    actor: Actor,
    data: ClientCreate,
    request: AuditContext | None = None,
) -> tuple[OidcClient, str | None]:
    """Register a client; returns it and its secret (None for public clients), shown once."""
    method = data.token_endpoint_auth_method or (
        "none" if data.is_public else "client_secret_basic"
    )
    redirect_uris = _check_uris(data.redirect_uris, "redirectUris")
    logout_uris = _check_uris(data.post_logout_redirect_uris, "postLogoutRedirectUris")
    scopes = _check_scopes(data.scopes)
    grants = sorted(set(data.grant_types))
    _check_config(
        is_public=data.is_public,
        auth_method=method,
        grant_types=grants,
        redirect_uris=redirect_uris,
        may_introspect=data.may_introspect,
    )
    _check_institution(session, data.institution_id)
    secret = None if data.is_public else _new_secret()
    now = utcnow()
    client = OidcClient(
        client_id=_new_client_id(),
        name=data.name,
        description=data.description,
        institution_id=data.institution_id,
        is_public=data.is_public,
        token_endpoint_auth_method=method,
        redirect_uris=redirect_uris,
        post_logout_redirect_uris=logout_uris,
        grant_types=grants,
        response_types=_response_types(grants),
        scopes=scopes,
        may_introspect=data.may_introspect,
        secret_hash=_secret_digest(secret) if secret else None,
        secret_rotated_at=now if secret else None,
        is_active=True,
    )
    session.add(client)
    session.flush()
    _audit(
        session,
        actor=actor,
        action="oidc.client.create",
        resource_id=client.id,
        request=request,
        detail={"grantTypes": grants, "scopes": scopes},
    )
    return client, secret


def list_clients(*, session: Session, query: ClientQuery) -> tuple[list[OidcClient], int]:
    stmt = select(OidcClient)
    if query.active is not None:
        stmt = stmt.where(OidcClient.is_active.is_(query.active))
    if query.institution_id:
        stmt = stmt.where(OidcClient.institution_id == query.institution_id)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.order_by(OidcClient.created_at.desc(), OidcClient.id)
        .offset(query.offset)
        .limit(query.page_size)
    )
    return list(rows), int(total)


def get_client(*, session: Session, client_pk: str) -> OidcClient:
    client = session.get(OidcClient, client_pk)
    if client is None:
        raise NotFound("oidc.client_not_found")
    return client


def update_client(
    *,
    session: Session,
    actor: Actor,
    client_pk: str,
    data: ClientUpdate,
    request: AuditContext | None = None,
) -> OidcClient:
    client = get_client(session=session, client_pk=client_pk)
    sent = data.model_fields_set
    redirect_uris = (
        _check_uris(data.redirect_uris or [], "redirectUris")
        if "redirect_uris" in sent
        else list(client.redirect_uris)
    )
    logout_uris = (
        _check_uris(data.post_logout_redirect_uris or [], "postLogoutRedirectUris")
        if "post_logout_redirect_uris" in sent
        else list(client.post_logout_redirect_uris)
    )
    scopes = _check_scopes(data.scopes) if data.scopes is not None else list(client.scopes)
    grants = (
        sorted(set(data.grant_types)) if data.grant_types is not None else list(client.grant_types)
    )
    method = data.token_endpoint_auth_method or client.token_endpoint_auth_method
    may_introspect = (
        data.may_introspect if data.may_introspect is not None else client.may_introspect
    )
    _check_config(
        is_public=client.is_public,
        auth_method=method,
        grant_types=grants,
        redirect_uris=redirect_uris,
        may_introspect=may_introspect,
    )
    if "institution_id" in sent:
        _check_institution(session, data.institution_id)
        client.institution_id = data.institution_id
    if data.name is not None:
        client.name = data.name
    if "description" in sent:
        client.description = data.description
    client.redirect_uris = redirect_uris
    client.post_logout_redirect_uris = logout_uris
    client.scopes = scopes
    client.grant_types = grants
    client.response_types = _response_types(grants)
    client.token_endpoint_auth_method = method
    client.may_introspect = may_introspect
    session.flush()
    _audit(
        session,
        actor=actor,
        action="oidc.client.update",
        resource_id=client.id,
        request=request,
        detail={"fields": sorted(sent)},
    )
    return client


def deactivate_client(
    *, session: Session, actor: Actor, client_pk: str, request: AuditContext | None = None
) -> OidcClient:
    """Stop a client: it can no longer authenticate, and every token it holds is revoked."""
    client = get_client(session=session, client_pk=client_pk)
    now = utcnow()
    if client.is_active:
        client.is_active = False
        client.deactivated_at = now
    revoked = revoke_client_tokens(session=session, client_pk=client.id)
    session.flush()
    _audit(
        session,
        actor=actor,
        action="oidc.client.deactivate",
        resource_id=client.id,
        request=request,
        detail={"tokensRevoked": revoked},
    )
    return client


def rotate_secret(
    *,
    session: Session,
    actor: Actor,
    client_pk: str,
    grace: timedelta,
    request: AuditContext | None = None,
) -> tuple[OidcClient, str, datetime | None]:
    """Issue a new secret (returned once). The old one keeps working for ``grace``."""
    client = get_client(session=session, client_pk=client_pk)
    if client.is_public:
        raise RuleViolation("oidc.public_client_no_secret")
    if not client.is_active:
        raise RuleViolation("oidc.client_inactive")
    now = utcnow()
    secret = _new_secret()
    until = now + grace if grace > timedelta(0) else None
    client.previous_secret_hash = client.secret_hash if until else None
    client.previous_secret_expires_at = until
    client.secret_hash = _secret_digest(secret)
    client.secret_rotated_at = now
    session.flush()
    _audit(
        session,
        actor=actor,
        action="oidc.client.secret_rotate",
        resource_id=client.id,
        request=request,
        detail={"graceHours": int(grace.total_seconds() // 3600)},
    )
    return client, secret, until


def find_active_client(*, session: Session, client_id: str) -> OidcClient | None:
    if not client_id or len(client_id) > 64:
        return None
    return session.scalar(
        select(OidcClient).where(OidcClient.client_id == client_id, OidcClient.is_active.is_(True))
    )


def verify_client_secret(client: OidcClient, secret: str) -> bool:
    if client.is_public or not client.is_active or not secret or len(secret) > 200:
        return False
    digest = _secret_digest(secret)
    if client.secret_hash and secrets.compare_digest(digest, client.secret_hash):
        return True
    until = client.previous_secret_expires_at
    return bool(
        client.previous_secret_hash
        and until
        and until > utcnow()
        and secrets.compare_digest(digest, client.previous_secret_hash)
    )
