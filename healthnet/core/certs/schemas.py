"""API shapes of the certificate slice (camelCase JSON)."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer, WithJsonSchema
from pydantic_core import PydanticCustomError

from healthnet.core.certs import messages as _messages  # noqa: F401  (registers the catalogue)
from healthnet.core.i18n import t
from healthnet.core.schemas import ApiModel, InputModel, PageQuery

# RFC 5280 §5.3.1 reasons an administrator may give. certificateHold / removeFromCRL (temporary
# suspension) are not offered: a suspended staff certificate is revoked and a new one issued.
RevocationReason = Literal[
    "unspecified",
    "key_compromise",
    "affiliation_changed",
    "superseded",
    "cessation_of_operation",
    "privilege_withdrawn",
]
CertificateState = Literal["valid", "expired", "not_yet_valid", "revoked"]

_MEDIA_TYPE_RE = re.compile(
    r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,62}/[a-z0-9][a-z0-9!#$&^_.+-]{0,62}"
    r"(\s*;\s*[a-z0-9_-]+=[A-Za-z0-9_.\"-]+)*$"
)
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
MAX_SIGNATURE_BYTES = 64 * 1024


def _b64_decoder(limit: int) -> Callable[[object], bytes]:
    def decode(value: object) -> bytes:
        if not isinstance(value, str):
            raise PydanticCustomError("certs.base64_invalid", "invalid base64")
        text = "".join(value.split())  # PEM-style line breaks are fine
        if len(text) > (limit + 2) // 3 * 4:
            raise PydanticCustomError("certs.too_large", "too large", {"limit": limit})
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise PydanticCustomError("certs.base64_invalid", "invalid base64") from None

    return decode


def _media_type(value: str) -> str:
    value = value.lower()
    if not _MEDIA_TYPE_RE.match(value):
        raise PydanticCustomError("certs.content_type_invalid", "invalid media type")
    return value


def _b64_out(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


_BASE64_SCHEMA = WithJsonSchema({"type": "string", "contentEncoding": "base64"})
# Base64 text in, bytes inside.
Document = Annotated[bytes, BeforeValidator(_b64_decoder(MAX_DOCUMENT_BYTES)), _BASE64_SCHEMA]
SignatureBlob = Annotated[bytes, BeforeValidator(_b64_decoder(MAX_SIGNATURE_BYTES)), _BASE64_SCHEMA]
Base64Bytes = Annotated[bytes, PlainSerializer(_b64_out, return_type=str), _BASE64_SCHEMA]
MediaType = Annotated[str, Field(max_length=127), AfterValidator(_media_type)]
PemText = Annotated[str, Field(min_length=1, max_length=8000)]


class CertificateIssue(InputModel):
    user_id: str = Field(min_length=1, max_length=32)
    purpose: Literal["authentication", "signing"] = "authentication"
    public_key_pem: PemText | None = None
    generate_key: bool = False
    key_password: Annotated[str, Field(min_length=1, max_length=128)] | None = None
    validity_days: int = Field(730, ge=1, le=1825)


class CertificateRenew(InputModel):
    public_key_pem: PemText | None = None
    generate_key: bool = False
    key_password: Annotated[str, Field(min_length=1, max_length=128)] | None = None
    validity_days: int = Field(730, ge=1, le=1825)


class CertificateRevoke(InputModel):
    reason: RevocationReason


class CertificateQuery(PageQuery):
    user_id: str | None = Field(None, max_length=32)
    institution_id: str | None = Field(None, max_length=32)
    district_code: str | None = Field(None, pattern=r"^\d{6}$")
    purpose: Literal["authentication", "signing", "platform"] | None = None
    state: Literal["valid", "expired", "revoked"] | None = None
    expiring_within_days: int | None = Field(None, ge=1, le=3650)
    serial: str | None = Field(None, pattern=r"^[0-9A-Fa-f]{1,40}$")


class CertificateRead(ApiModel):
    id: str
    serial: str
    purpose: str
    user_id: str | None
    institution_id: str | None
    district_code: str | None
    subject: str
    not_before: datetime
    not_after: datetime
    state: CertificateState
    status: str
    revoked_at: datetime | None
    revocation_reason: str | None
    key_source: str
    renewed_from_id: str | None
    public_key_fingerprint: str
    last_used_at: datetime | None
    created_at: datetime
    certificate_pem: str


class IssuedCertificateRead(ApiModel):
    certificate: CertificateRead
    # Shown once: the encrypted PKCS #8 key for staff without a USB key, and its password when
    # the platform chose it. Neither is kept.
    private_key_pem: str | None = None
    key_password: str | None = None
    ca_chain_pem: str


class CaRead(ApiModel):
    root_certificate_pem: str
    issuing_certificate_pem: str
    root_fingerprint: str
    crl_url: str


class CertificateStatsQuery(ApiModel):
    group_by: Literal["institution", "district"] = "institution"


class CertificateStats(ApiModel):
    key: str | None  # institution id or district code; None for staff without an institution
    name: str | None
    issued: int
    valid: int
    expiring_soon: int  # valid now, expiring within 30 days
    expired: int
    revoked: int


class CertificateCheckRequest(InputModel):
    certificate_pem: PemText


class CheckResult(ApiModel):
    valid: bool
    reason: str | None
    reason_text: str | None
    certificate: CertificateRead | None


class SignRequest(InputModel):
    content: Document  # base64
    content_type: MediaType


class SignResult(ApiModel):
    signature: Base64Bytes  # base64 DER CMS ContentInfo(SignedData), detached
    signed_at: datetime
    content_digest: str  # SM3 hex
    certificate_id: str
    certificate_serial: str


class VerifyRequest(InputModel):
    content: Document
    signature: SignatureBlob


class SignerRead(ApiModel):
    certificate_id: str
    certificate_serial: str
    purpose: str
    user_id: str | None
    subject: str


class VerifyResultRead(ApiModel):
    valid: bool
    reason: str | None
    reason_text: str | None
    signer: SignerRead | None
    signed_at: datetime | None
    content_type: str | None
    content_digest: str


def reason_text(code: str | None) -> str | None:
    return t(code) if code else None
