"""The framework side of Authlib's server: an already-read request and a response value."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from authlib.oauth2.rfc6749 import InsecureTransportError, OAuth2Payload, OAuth2Request

from healthnet.core.errors import DomainError


@dataclass(frozen=True)
class HttpRequest:
    method: str
    url: str
    headers: Mapping[str, str]  # case-insensitive (Starlette Headers)
    query: Mapping[str, list[str]]
    form: Mapping[str, list[str]]


@dataclass(frozen=True)
class ProtocolResponse:
    status: int
    body: Any  # dict → JSON; str → as is
    headers: list[tuple[str, str]] = field(default_factory=list)
    # Set on a successful /oidc/logout: the browser's session cookie must be cleared.
    clear_session_cookie: bool = False


class OAuth2HttpPayload(OAuth2Payload):  # type: ignore[misc]
    def __init__(self, values: Mapping[str, list[str]]) -> None:
        self._datalist: defaultdict[str, list[str]] = defaultdict(list)
        for key, items in values.items():
            self._datalist[key].extend(items)
        self._data = {k: v[0] for k, v in self._datalist.items() if v}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._datalist


class OAuth2HttpRequest(OAuth2Request):  # type: ignore[misc]
    def __init__(self, http: HttpRequest) -> None:
        # Authlib refuses plain http here except on loopback (RFC 6749 §3.1 / RFC 8252 §7.3);
        # production is reached over TLS through the gateway (uvicorn --proxy-headers). The
        # refusal is the caller's fault: a 400 with our message, not Authlib's exception (a 500).
        try:
            super().__init__(http.method, http.url, headers=http.headers)
        except InsecureTransportError:
            raise DomainError("oidc.insecure_transport") from None
        self.http = http
        # Parameters come from the query of a GET and only from the body of a POST: a token
        # request's secrets in a URL would end up in access logs.
        self.payload = OAuth2HttpPayload(http.form if http.method == "POST" else http.query)

    @property
    def args(self) -> dict[str, str]:
        return {k: v[0] for k, v in self.http.query.items() if v}

    @property
    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in self.http.form.items() if v}
