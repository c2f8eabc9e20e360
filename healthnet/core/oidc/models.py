"""Tables of the OpenID Connect provider. No raw secret, code or token is ever stored: client
secrets as HMAC-SM3 under a key derived from the master key, codes and tokens as SM3 digests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from healthnet.core.crypto import EncryptedText
from healthnet.core.db import Base, IdMixin, TimestampMixin, utcnow


class OidcClient(IdMixin, TimestampMixin, Base):
    """A relying party (another subsystem) or a hospital system calling the API."""

    __tablename__ = "oidc_client"

    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(String(500))
    institution_id: Mapped[str | None] = mapped_column(
        ForeignKey("orgs_institution.id"), index=True
    )
    # RFC 6749 §2.1: public clients (browser apps, native apps) hold no secret.
    is_public: Mapped[bool] = mapped_column(default=False)
    # RFC 7591 §2 token_endpoint_auth_method: client_secret_basic | client_secret_post | none
    token_endpoint_auth_method: Mapped[str] = mapped_column(String(32))
    redirect_uris: Mapped[list[Any]] = mapped_column(default=list)
    post_logout_redirect_uris: Mapped[list[Any]] = mapped_column(default=list)
    grant_types: Mapped[list[Any]] = mapped_column(default=list)
    response_types: Mapped[list[Any]] = mapped_column(default=list)
    scopes: Mapped[list[Any]] = mapped_column(default=list)
    # A resource server (another subsystem's API) may introspect tokens issued to other clients.
    may_introspect: Mapped[bool] = mapped_column(default=False)
    secret_hash: Mapped[str | None] = mapped_column(String(64))
    # After a rotation the old secret keeps working until this time (a grace period for the
    # hospital to deploy the new one), then never again.
    previous_secret_hash: Mapped[str | None] = mapped_column(String(64))
    previous_secret_expires_at: Mapped[datetime | None]
    secret_rotated_at: Mapped[datetime | None]
    is_active: Mapped[bool] = mapped_column(default=True)
    deactivated_at: Mapped[datetime | None]


class OidcAuthorizationCode(IdMixin, Base):
    __tablename__ = "oidc_authorization_code"

    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_pk: Mapped[str] = mapped_column(ForeignKey("oidc_client.id"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("auth_user.id"), index=True)
    redirect_uri: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(Text, default="")
    nonce: Mapped[str | None] = mapped_column(String(255))
    code_challenge: Mapped[str] = mapped_column(String(128))
    code_challenge_method: Mapped[str] = mapped_column(String(8))
    # The HealthNet login session the code was issued under (a hash; see service.session_ref).
    sid: Mapped[str | None] = mapped_column(String(64), index=True)
    auth_time: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class OidcToken(IdMixin, Base):
    """One issuance: an access token and, for user grants, its refresh token."""

    __tablename__ = "oidc_token"

    client_pk: Mapped[str] = mapped_column(ForeignKey("oidc_client.id"), index=True)
    user_id: Mapped[str | None] = mapped_column(ForeignKey("auth_user.id"), index=True)
    grant_type: Mapped[str] = mapped_column(String(32))
    scope: Mapped[str] = mapped_column(Text, default="")
    access_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    refresh_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    refresh_expires_at: Mapped[datetime | None]
    # Refresh tokens rotate (RFC 9700 §4.14.2); a used one presented again revokes the family.
    refresh_used_at: Mapped[datetime | None]
    family_id: Mapped[str] = mapped_column(String(32), index=True)
    authorization_code_id: Mapped[str | None] = mapped_column(
        ForeignKey("oidc_authorization_code.id"), index=True
    )
    sid: Mapped[str | None] = mapped_column(String(64), index=True)
    revoked_at: Mapped[datetime | None]


class OidcSigningKey(Base):
    """ID-token signing keys; the private half is SM4-GCM encrypted under the data key."""

    __tablename__ = "oidc_signing_key"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    alg: Mapped[str] = mapped_column(String(16))
    public_jwk: Mapped[dict[str, Any]]
    private_pem: Mapped[str] = mapped_column(EncryptedText("oidc.signing_key.private_pem"))
    # At most one row has active_slot = 1 (unique), so two processes cannot both create one.
    active_slot: Mapped[int | None] = mapped_column(unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Retired keys leave the JWKS; until then clients can still verify tokens they signed.
    retired_at: Mapped[datetime | None]
