"""The scopes HealthNet grants: the OpenID Connect ones and the API scopes of hospital systems.

A scope is a coarse grant to a *client* (what a hospital system may call); what a person may see
is still decided by permissions and data scope. Modules that add an API register its scopes here
with :func:`register_api_scope` when they are imported.
"""

from __future__ import annotations

import re

# OpenID Connect Core §5.4. Only these carry user claims.
OIDC_SCOPES: dict[str, tuple[str, str]] = {
    "openid": ("单点登录身份标识", "Sign-in identity"),
    "profile": ("姓名、用户名与所属机构", "Name, user name and institution"),
}

API_SCOPES: dict[str, tuple[str, str]] = {
    "fhir.read": ("通过 FHIR 接口读取健康数据", "Read health data through FHIR"),
    "fhir.write": ("通过 FHIR 接口上传健康数据", "Submit health data through FHIR"),
    "records.read": ("调阅共享健康档案", "Read shared health records"),
    "records.write": ("上传健康档案数据", "Submit health record data"),
    "alerts.check": (
        "开单时调用重复用药与重复检查检验提示，并回传医生的处理",
        "Run duplicate-order checks at order entry and send the doctor's responses",
    ),
    "dicomweb.read": ("检索、调阅影像", "Query and retrieve images"),
    "dicomweb.write": ("上传影像", "Store images"),
}

SCOPE_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


def register_api_scope(code: str, zh: str, en: str) -> None:
    if not SCOPE_RE.match(code):
        raise ValueError(f"API scope {code!r} is not like 'fhir.write'")
    existing = API_SCOPES.get(code)
    if existing is not None and existing != (zh, en):
        raise ValueError(f"API scope {code} registered twice with different labels")
    API_SCOPES[code] = (zh, en)


def known_scopes() -> list[str]:
    return [*OIDC_SCOPES, *API_SCOPES]


def user_scopes(scopes: list[str]) -> list[str]:
    return [s for s in scopes if s in OIDC_SCOPES]
