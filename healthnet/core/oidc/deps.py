"""FastAPI dependencies for routes that hospital systems call with an OAuth access token.

    @router.post("/Bundle")
    def submit(principal: Annotated[ClientPrincipal, Depends(require_scope("fhir.write"))]): ...

The token is a client-credentials access token from ``POST /oidc/token`` (looked up by its SM3
digest). Tokens a subsystem obtained for a signed-in user are refused unless the route opts in
with ``allow_user_tokens=True`` — then ``principal.user_id`` is set and the route must apply
that user's permissions and data scope as well.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from healthnet.core.deps import SessionDep
from healthnet.core.errors import Forbidden, Unauthenticated
from healthnet.core.oidc import service
from healthnet.core.oidc.service import ClientPrincipal

__all__ = ["ClientPrincipal", "CurrentClient", "get_client_principal", "require_scope"]


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
