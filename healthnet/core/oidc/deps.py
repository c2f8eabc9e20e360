"""FastAPI dependencies for routes that hospital systems call with an OAuth access token.

    @router.post("/Bundle")
    def submit(principal: Annotated[ClientPrincipal, Depends(require_scope("fhir.write"))]): ...

The token is a client-credentials access token from ``POST /oidc/token`` (looked up by its SM3
digest). Tokens a subsystem obtained for a signed-in user are refused unless the route opts in
with ``allow_user_tokens=True`` — then ``principal.user_id`` is set and the route must apply
that user's permissions and data scope as well.

Routes that both people (in the console) and hospital systems call take a :class:`Caller` from
:func:`require_permission_or_scope`: a session needs the permission, an access token the scope.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from healthnet.core.deps import SessionDep, get_current_actor
from healthnet.core.errors import Forbidden, Unauthenticated
from healthnet.core.oidc import service
from healthnet.core.oidc.service import ClientPrincipal, client_actor
from healthnet.core.oidc.service.tokens import ACCESS_TOKEN_PREFIX
from healthnet.core.rbac.actor import Actor

__all__ = [
    "Caller",
    "ClientPrincipal",
    "CurrentClient",
    "client_actor",
    "get_client_principal",
    "require_permission_or_scope",
    "require_scope",
]


def _bearer(request: Request) -> str | None:
    # RFC 6750 §2.1 only: never a cookie, so a browser session cannot be replayed as a client.
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return None


def get_client_principal(request: Request, session: SessionDep) -> ClientPrincipal:
    token = _bearer(request)
    principal = service.resolve_access_token(session=session, token=token) if token else None
    if principal is None:
        raise Unauthenticated("oidc.token_invalid")
    request.state.client_principal = principal
    return principal


CurrentClient = Annotated[ClientPrincipal, Depends(get_client_principal)]


def require_scope(
    scope: str, *, allow_user_tokens: bool = False
) -> Callable[[ClientPrincipal], ClientPrincipal]:
    """Dependency factory: an active access token granted ``scope`` (401 / 403 otherwise)."""

    def _check(principal: CurrentClient) -> ClientPrincipal:
        if principal.user_id is not None and not allow_user_tokens:
            raise Forbidden("oidc.insufficient_scope", scope=scope)
        if not principal.has_scope(scope):
            raise Forbidden("oidc.insufficient_scope", scope=scope)
        return principal

    _check.__name__ = f"require_scope_{scope.replace('.', '_')}"
    return _check


@dataclass(frozen=True)
class Caller:
    """Who called a route open to people and hospital systems alike: ``actor`` for services and
    audit; ``client`` is set when a hospital system called with its access token."""

    actor: Actor
    client: ClientPrincipal | None = None


def require_permission_or_scope(permission: str, scope: str) -> Callable[..., Caller]:
    """Dependency factory: a signed-in person holding ``permission``, or a hospital system's
    client-credentials token granted ``scope`` (401 / 403 otherwise).

    An OAuth access token is told from a session token by its prefix, so each is checked only
    against its own table; the session path keeps its cookie and CSRF rules."""
    check_scope = require_scope(scope)

    def _check(request: Request, session: SessionDep) -> Caller:
        token = _bearer(request)
        if token is not None and token.startswith(ACCESS_TOKEN_PREFIX):
            principal = check_scope(get_client_principal(request, session))
            actor = client_actor(principal)
            request.state.actor = actor
            return Caller(actor=actor, client=principal)
        actor = get_current_actor(request, session)
        if not actor.can(permission):
            raise Forbidden()
        return Caller(actor=actor)

    _check.__name__ = f"require_{permission.replace(':', '_')}_or_{scope.replace('.', '_')}"
    return _check
