"""OpenID Connect provider (S3): single sign-on for the other subsystems, and OAuth client
credentials for hospital systems calling the API.

NOTE FOR THE AUTH SLICE (helper A) — API clients live here, not in auth:
  * Hospital systems are OIDC clients registered through ``/api/v1/oidc/clients`` (admin API:
    register, list, update, deactivate, rotate secret with a grace period). They get scoped
    access tokens from ``POST /oidc/token`` (grant_type=client_credentials).
  * Routes that hospital systems call use ``healthnet.core.oidc.deps.require_scope("fhir.write")``
    (or ``CurrentClient``), which resolves the bearer token by its SM3 digest to a
    ``ClientPrincipal``. Please do not add a second API-key mechanism in auth.
  * SSO needs from auth: the session cookie ``deps.SESSION_COOKIE`` with ``SameSite=Lax`` (not
    Strict, or the redirect back from a subsystem arrives without it), ``deps.get_current_actor``
    resolving cookie or bearer, and ``auth.service.logout(session=, token=)``. The web login page
    at ``/login`` must honour ``?next=/oidc/authorize?...`` (a same-site path) after sign-in.
  * Wanted from auth: the login time and factors of a session by its token (e.g.
    ``auth.service.session_info(session=, token=) -> (created_at, auth_method)``), so ID tokens
    can carry the real ``auth_time`` and ``amr``; today auth_time is the time the code was issued.

Protocol endpoints (mounted at the root by app.py): ``/.well-known/openid-configuration``,
``/oidc/{authorize,token,userinfo,introspect,revoke,jwks,logout}``. Decisions:
docs/decisions/0007-oidc.md.
"""

from healthnet.core.manifest import Manifest, MenuEntry

MANIFEST = Manifest(
    key="oidc",
    router="healthnet.core.oidc.api:router",
    prefix="/oidc",
    permissions={
        "oidc:client:read": ("查看接入系统（单点登录/接口客户端）", "View OIDC and API clients"),
        "oidc:client:write": (
            "管理接入系统（登记、停用、轮换密钥）",
            "Register, deactivate and rotate secrets of OIDC and API clients",
        ),
    },
    menu=(
        MenuEntry(
            key="menu.oidc.clients", path="/security/oidc-clients", permission="oidc:client:read"
        ),
    ),
)
