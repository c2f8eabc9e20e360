"""Service rules that the HTTP tests cannot reach in reasonable time: expiry and key rotation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError
from joserfc.jwk import KeySet
from sqlalchemy.orm import Session

from healthnet.core.auth.service import SYSTEM_ACTOR
from healthnet.core.db import utcnow
from healthnet.core.oidc import service
from healthnet.core.oidc.models import OidcClient
from healthnet.core.oidc.schemas import ClientCreate

REDIRECT = "https://emr.example.test/callback"


def _client(db: Session, **fields: object) -> tuple[OidcClient, str | None]:
    data = ClientCreate.model_validate(
        {
            "name": "检验系统",
            "grantTypes": ["client_credentials"],
            "scopes": ["fhir.write"],
            **fields,
        }
    )
    return service.register_client(session=db, actor=SYSTEM_ACTOR, data=data)


def test_old_secret_stops_working_when_the_grace_period_ends(db: Session) -> None:
    client, old = _client(db)
    assert old is not None
    _, new, until = service.rotate_secret(
        session=db, actor=SYSTEM_ACTOR, client_pk=client.id, grace=timedelta(hours=2)
    )
    assert until is not None
    assert service.verify_client_secret(client, old)
    assert service.verify_client_secret(client, new)
    client.previous_secret_expires_at = utcnow() - timedelta(seconds=1)
    assert not service.verify_client_secret(client, old)
    assert service.verify_client_secret(client, new)
    assert not service.verify_client_secret(client, "")


def test_secret_is_keyed_not_plain_hash(db: Session) -> None:
    client, secret = _client(db)
    assert secret is not None and client.secret_hash is not None
    assert client.secret_hash != service.token_digest(secret)
    assert secret not in client.secret_hash


def test_expired_code_is_refused(db: Session, make_headers: Callable[..., dict[str, str]]) -> None:
    make_headers()  # a user to issue the code to
    client, _ = _client(
        db, grantTypes=["authorization_code"], scopes=["openid"], redirectUris=[REDIRECT]
    )
    from healthnet.core.auth.models import User

    user = db.query(User).first()
    assert user is not None
    row = service.save_code(
        session=db,
        code="code-1",
        client_pk=client.id,
        user_id=user.id,
        redirect_uri=REDIRECT,
        scope="openid",
        nonce=None,
        code_challenge="c" * 43,
        code_challenge_method="S256",
        sid=None,
        auth_time=utcnow(),
    )
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.flush()
    assert service.consume_code(session=db, code="code-1", client_pk=client.id) is None
    # Wrong client or unknown code: nothing.
    assert service.consume_code(session=db, code="code-2", client_pk=client.id) is None


def test_signing_key_rotation_keeps_old_tokens_verifiable_until_retired(db: Session) -> None:
    first = service.active_signing_key(session=db)
    token = jwt.encode({"alg": first.alg, "kid": first.kid}, {"sub": "u1"}, first.key)
    new_kid = service.rotate_signing_key(session=db)
    assert new_kid != first.kid
    assert service.active_signing_key(session=db).kid == new_kid

    jwks = service.public_jwks(session=db)
    kids = [k["kid"] for k in jwks["keys"]]
    assert kids[0] == new_kid and first.kid in kids
    assert jwt.decode(token, KeySet.import_key_set(jwks)).claims["sub"] == "u1"  # type: ignore[arg-type]

    retired = service.retire_signing_keys(session=db, older_than=timedelta(0))
    assert first.kid in retired and new_kid not in retired
    remaining = service.public_jwks(session=db)
    assert first.kid not in [k["kid"] for k in remaining["keys"]]
    with pytest.raises(InvalidKeyIdError):
        jwt.decode(token, KeySet.import_key_set(remaining))  # type: ignore[arg-type]


def test_session_ref_does_not_reveal_the_session_token() -> None:
    ref = service.session_ref("tok")
    assert ref != service.token_digest("tok") and "tok" not in ref and len(ref) == 64
