"""Authlib's OAuth 2.0 / OpenID Connect authorization server, adapted to FastAPI/Starlette.

Authlib ships Flask and Django integrations only; its framework-neutral core
(:class:`authlib.oauth2.rfc6749.AuthorizationServer`) needs three things from a framework: a
request object (:class:`OAuth2Request` with a payload), a response factory, and storage
callbacks. :class:`HttpRequest` carries the already-read request (routes are synchronous; the form
is read by an async dependency), :class:`ProtocolResponse` is what the routes turn into a
Starlette response, and the storage callbacks call :mod:`.service`.

One server object is built per request around that request's database session, so Authlib's
callbacks (which receive no session) work inside the request's single transaction.

Protocol decisions (docs/decisions/0007-oidc.md):
* PKCE (RFC 7636) with S256 is required for every authorization-code request, public or
  confidential (RFC 9700 §2.1.1); "plain" is refused.
* Redirect URIs match exactly (RFC 9700 §4.1.3); an unknown client or redirect URI is refused
  without redirecting (RFC 6749 §4.1.2.1).
* Codes are single use; a replayed code revokes the tokens issued from it (RFC 6749 §4.1.2).
* Refresh tokens rotate; a used refresh token presented again revokes its family
  (RFC 9700 §4.14.2).
* HealthNet's subsystems are first-party and registered by an administrator, so there is no
  consent screen: a signed-in user is sent straight back with a code.
"""

from healthnet.core.oidc.server.adapters import OidcUser
from healthnet.core.oidc.server.core import HealthNetServer
from healthnet.core.oidc.server.flows import (
    LOGIN_PAGE,
    AuthorizeRefused,
    authorize,
    endpoint,
    logout,
    token,
)
from healthnet.core.oidc.server.http import HttpRequest, ProtocolResponse

__all__ = [
    "LOGIN_PAGE",
    "AuthorizeRefused",
    "HealthNetServer",
    "HttpRequest",
    "OidcUser",
    "ProtocolResponse",
    "authorize",
    "endpoint",
    "logout",
    "token",
]
