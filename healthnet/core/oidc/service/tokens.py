"""Authorization codes and tokens: stored as SM3 digests, looked up by digest, revoked in bulk.

Also the principal behind a hospital system's access token (:func:`resolve_access_token`).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from healthnet.core.crypto import sm3
from healthnet.core.db import new_id, utcnow
from healthnet.core.oidc.models import OidcAuthorizationCode, OidcClient, OidcToken
from healthnet.core.rbac.actor import SCOPE_CITY, Actor

# Lifetimes (HealthNet policy). RFC 6749 §4.1.2 recommends at most 10 minutes for codes.
CODE_TTL = timedelta(minutes=5)
USER_ACCESS_TOKEN_TTL = timedelta(minutes=15)
CLIENT_ACCESS_TOKEN_TTL = timedelta(hours=1)
# A refresh-token family lives no longer than a HealthNet session (absolute 12 h).
REFRESH_TOKEN_TTL = timedelta(hours=12)
ID_TOKEN_TTL = timedelta(minutes=10)

ACCESS_TOKEN_PREFIX = "hnat_"  # prefixes let secret scanners and log filters spot tokens
REFRESH_TOKEN_PREFIX = "hnrt_"


def token_digest(value: str) -> str:
    """SM3 of a code or token: what is stored and looked up, never the value itself."""
    return sm3(value.encode("utf-8")).hex()


def sid_of_session_hash(session_token_hash: str) -> str:
    """The OIDC ``sid`` of the HealthNet login session stored under ``session_token_hash``.

    Derived from the hash the auth slice stores (with a label of our own, so it is not equal to
    it), so that auth can end single sign-on for a session it revokes without the raw token.
    """
    return sm3(b"healthnet/v1/oidc/sid\x00" + session_token_hash.encode("ascii")).hex()


def session_ref(login_token: str) -> str:
    """A stable, non-reversible id (OIDC ``sid``) of a HealthNet login session."""
    from healthnet.core.auth.sessions import token_hash

    return sid_of_session_hash(token_hash(login_token))


# --------------------------------------------------------------------------- codes


def save_code(
    *,
    session: Session,
    code: str,
    client_pk: str,
    user_id: str,
    redirect_uri: str,
    scope: str,
    nonce: str | None,
    code_challenge: str,
    code_challenge_method: str,
    sid: str | None,
    auth_time: datetime,
) -> OidcAuthorizationCode:
    now = utcnow()
    row = OidcAuthorizationCode(
        code_hash=token_digest(code),
        client_pk=client_pk,
        user_id=user_id,
        redirect_uri=redirect_uri,
        scope=scope,
        nonce=nonce,
        code_challenge=code_challenge,
        code_challenge_method=code_challenge_method,
        sid=sid,
        auth_time=auth_time,
        created_at=now,
        expires_at=now + CODE_TTL,
    )
    session.add(row)
    session.flush()
    return row


def consume_code(*, session: Session, code: str, client_pk: str) -> OidcAuthorizationCode | None:
    """The code if it is valid for this client, marking it used in the same step.

    RFC 6749 §4.1.2: a code is used once. A second use is refused and every token issued from
    the code is revoked (its holder may be an attacker who replayed it).
    """
    row = session.scalar(
        select(OidcAuthorizationCode).where(OidcAuthorizationCode.code_hash == token_digest(code))
    )
    if row is None or row.client_pk != client_pk:
        return None
    now = utcnow()
    # Conditional update: of two concurrent redemptions exactly one sees a row change.
    result = session.execute(
        update(OidcAuthorizationCode)
        .where(OidcAuthorizationCode.id == row.id, OidcAuthorizationCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        families = select(OidcToken.family_id).where(OidcToken.authorization_code_id == row.id)
        _revoke_where(session, OidcToken.family_id.in_(families))
        return None
    row.used_at = now
    if row.expires_at <= now:
        return None
    return row


def nonce_used(*, session: Session, client_id: str, nonce: str) -> bool:
    """OIDC Core §3.1.2.1: a nonce the client sent before marks a replayed request."""
    stmt = (
        select(OidcAuthorizationCode.id)
        .join(OidcClient, OidcClient.id == OidcAuthorizationCode.client_pk)
        .where(OidcClient.client_id == client_id, OidcAuthorizationCode.nonce == nonce)
        .limit(1)
    )
    return session.scalar(stmt) is not None


# --------------------------------------------------------------------------- tokens


def new_access_token() -> str:
    return ACCESS_TOKEN_PREFIX + secrets.token_urlsafe(32)


def new_refresh_token() -> str:
    return REFRESH_TOKEN_PREFIX + secrets.token_urlsafe(32)


def store_token(
    *,
    session: Session,
    client_pk: str,
    grant_type: str,
    scope: str,
    access_token: str,
    expires_in: int,
    refresh_token: str | None,
    user_id: str | None,
    sid: str | None,
    family_id: str | None = None,
    refresh_expires_at: datetime | None = None,
    authorization_code_id: str | None = None,
) -> OidcToken:
    now = utcnow()
    if refresh_token and refresh_expires_at is None:
        refresh_expires_at = now + REFRESH_TOKEN_TTL
    row = OidcToken(
        client_pk=client_pk,
        user_id=user_id,
        grant_type=grant_type,
        scope=scope,
        access_token_hash=token_digest(access_token),
        refresh_token_hash=token_digest(refresh_token) if refresh_token else None,
        issued_at=now,
        expires_at=now + timedelta(seconds=expires_in),
        refresh_expires_at=refresh_expires_at if refresh_token else None,
        family_id=family_id or new_id(),
        authorization_code_id=authorization_code_id,
        sid=sid,
    )
    session.add(row)
    session.flush()
    return row


def find_token(*, session: Session, token: str, kind: str) -> OidcToken | None:
    """The token row for an access (``kind="access"``) or refresh token string."""
    if not token or len(token) > 200:
        return None
    column = OidcToken.access_token_hash if kind == "access" else OidcToken.refresh_token_hash
    return session.scalar(select(OidcToken).where(column == token_digest(token)))


def _revoke_where(session: Session, *criteria: Any) -> int:
    result = session.execute(
        update(OidcToken)
        .where(OidcToken.revoked_at.is_(None), *criteria)
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    return int(getattr(result, "rowcount", 0) or 0)


def revoke_token(*, session: Session, token: OidcToken, whole_family: bool) -> None:
    """RFC 7009 §2.1: revoking a refresh token also ends the access tokens of its grant."""
    if whole_family:
        _revoke_where(session, OidcToken.family_id == token.family_id)
    else:
        _revoke_where(session, OidcToken.id == token.id)


def revoke_family(*, session: Session, family_id: str) -> int:
    return _revoke_where(session, OidcToken.family_id == family_id)


def mark_refresh_used(*, session: Session, token: OidcToken) -> None:
    token.refresh_used_at = utcnow()
    session.flush()


def revoke_session_tokens(*, session: Session, sids: Iterable[str]) -> int:
    """Revoke every token issued under these HealthNet login sessions (single logout)."""
    sid_list = [s for s in set(sids) if s]
    if not sid_list:
        return 0
    return _revoke_where(session, OidcToken.sid.in_(sid_list))


def token_is_active(token: OidcToken, *, kind: str, client: OidcClient | None) -> bool:
    now = utcnow()
    if token.revoked_at is not None or client is None or not client.is_active:
        return False
    if kind == "access":
        return token.expires_at > now
    return (
        token.refresh_token_hash is not None
        and token.refresh_used_at is None
        and token.refresh_expires_at is not None
        and token.refresh_expires_at > now
    )


@dataclass(frozen=True)
class ClientPrincipal:
    """Who is calling with an OAuth access token: a hospital system (client credentials) or a
    subsystem acting for a signed-in user (``user_id`` set)."""

    client_id: str
    client_pk: str
    client_name: str
    institution_id: str | None
    scopes: frozenset[str]
    user_id: str | None
    token_id: str

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


def client_actor(principal: ClientPrincipal) -> Actor:
    """A hospital system as the actor of services and audit records (FHIR, duplicate checks).

    ``user_id`` is the client's row id and ``username`` ``client:<client_id>``, so audit records
    name the system; it holds no permission (a client's grant is its scopes, checked by the
    route) and the whole city as data scope, with its own institution."""
    return Actor(
        user_id=principal.client_pk,
        username=f"client:{principal.client_id}"[:64],
        institution_id=principal.institution_id,
        district_code=None,
        permissions=frozenset(),
        scopes=frozenset({SCOPE_CITY}),
    )


def resolve_access_token(*, session: Session, token: str) -> ClientPrincipal | None:
    """The principal of an active access token (by its SM3 digest), or None."""
    row = find_token(session=session, token=token, kind="access")
    if row is None:
        return None
    client = session.get(OidcClient, row.client_pk)
    if not token_is_active(row, kind="access", client=client):
        return None
    assert client is not None
    return ClientPrincipal(
        client_id=client.client_id,
        client_pk=client.id,
        client_name=client.name,
        institution_id=client.institution_id,
        scopes=frozenset(row.scope.split()),
        user_id=row.user_id,
        token_id=row.id,
    )


def revoke_client_tokens(*, session: Session, client_pk: str) -> int:
    return _revoke_where(session, OidcToken.client_pk == client_pk)
