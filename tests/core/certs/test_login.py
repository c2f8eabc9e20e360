"""Certificate login: challenge → signature by the staff member's key → verification.

Every refusal has its own code (SECURITY.md "two factors": a replayed, expired, revoked or
foreign-CA certificate, or a reused nonce → 401)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from healthnet.core.certs import client, service
from healthnet.core.certs.models import Certificate, LoginChallenge
from healthnet.core.db import utcnow
from healthnet.core.errors import Unauthenticated

from .conftest import ForeignCa, KeyPair


@pytest.fixture
def holder(db: Session, staff: Any, make_key: Callable[[], KeyPair]) -> tuple[Any, KeyPair, Any]:
    """A staff member with an authentication certificate for a key file they hold."""
    key = make_key()
    cert = service.issue_certificate(
        session=db, actor=None, user_id=staff.id, public_key_pem=key.public_pem
    ).certificate
    return staff, key, cert


def _login(
    db: Session, user_id: str, key: KeyPair, cert_pem: str, challenge: tuple[str, str] | None = None
) -> Certificate:
    challenge_id, nonce = challenge or service.new_login_challenge(session=db, user_id=user_id)
    signature = client.sign_challenge(key.private_pem, nonce)
    return service.verify_login_response(
        session=db,
        user_id=user_id,
        challenge_id=challenge_id,
        certificate_pem=cert_pem,
        signature=signature,
    )


def _refused(code: str, fn: Callable[[], object]) -> None:
    with pytest.raises(Unauthenticated) as err:
        fn()
    assert err.value.code == code
    assert err.value.status == 401


def test_challenge_signed_with_the_key_file_logs_in(db: Session, holder: Any) -> None:
    user, key, cert = holder
    challenge_id, nonce = service.new_login_challenge(session=db, user_id=user.id)
    assert len(base64.b64decode(nonce)) == 32
    row = _login(db, user.id, key, cert.certificate_pem, (challenge_id, nonce))
    assert row.id == cert.id and row.last_used_at is not None
    # nonces are fresh each time
    assert service.new_login_challenge(session=db, user_id=user.id)[1] != nonce


def test_encrypted_key_file_with_password(db: Session, staff: Any) -> None:
    issued = service.issue_certificate(
        session=db, actor=None, user_id=staff.id, generate_key=True, key_password="Pin-code-2026"
    )
    assert issued.private_key_pem and "ENCRYPTED PRIVATE KEY" in issued.private_key_pem
    challenge_id, nonce = service.new_login_challenge(session=db, user_id=staff.id)
    with pytest.raises(client.ClientError):
        client.sign_challenge(issued.private_key_pem.encode(), nonce, "wrong-password1")
    signature = client.sign_challenge(issued.private_key_pem.encode(), nonce, "Pin-code-2026")
    row = service.verify_login_response(
        session=db,
        user_id=staff.id,
        challenge_id=challenge_id,
        certificate_pem=issued.certificate.certificate_pem,
        signature=signature,
    )
    assert row.id == issued.certificate.id


def test_reused_nonce_is_refused(db: Session, holder: Any) -> None:
    user, key, cert = holder
    challenge = service.new_login_challenge(session=db, user_id=user.id)
    _login(db, user.id, key, cert.certificate_pem, challenge)
    _refused(
        "certs.challenge_reused", lambda: _login(db, user.id, key, cert.certificate_pem, challenge)
    )


def test_expired_challenge_is_refused(db: Session, holder: Any) -> None:
    user, key, cert = holder
    challenge = service.new_login_challenge(session=db, user_id=user.id)
    db.execute(
        update(LoginChallenge)
        .where(LoginChallenge.id == challenge[0])
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    db.expire_all()
    _refused(
        "certs.challenge_expired", lambda: _login(db, user.id, key, cert.certificate_pem, challenge)
    )


def test_challenge_of_another_user_is_refused(
    db: Session, holder: Any, make_staff: Callable[..., Any]
) -> None:
    user, key, cert = holder
    other = make_staff()
    challenge = service.new_login_challenge(session=db, user_id=other.id)
    _refused(
        "certs.challenge_unknown", lambda: _login(db, user.id, key, cert.certificate_pem, challenge)
    )
    _refused(
        "certs.challenge_unknown",
        lambda: _login(db, user.id, key, cert.certificate_pem, ("nope", "AAAA")),
    )


def test_revoked_certificate_is_refused(db: Session, holder: Any) -> None:
    user, key, cert = holder
    service.revoke_certificate(
        session=db, actor=None, certificate_id=cert.id, reason="affiliation_changed"
    )
    _refused("certs.certificate_revoked", lambda: _login(db, user.id, key, cert.certificate_pem))


def test_expired_certificate_is_refused(
    db: Session, staff: Any, make_key: Callable[[], KeyPair]
) -> None:
    key = make_key()
    old = service.issue_certificate(
        session=db,
        actor=None,
        user_id=staff.id,
        public_key_pem=key.public_pem,
        validity_days=365,
        not_before=utcnow() - timedelta(days=400),
    ).certificate
    assert old.state == "expired"
    _refused("certs.certificate_expired", lambda: _login(db, staff.id, key, old.certificate_pem))


def test_certificate_from_a_foreign_ca_is_refused(
    db: Session, holder: Any, foreign_ca: ForeignCa
) -> None:
    user, key, cert = holder
    # Same issuer name, same serial, same key, same user: only the CA key differs.
    forged = foreign_ca.issue(key.public_pem, user_id=user.id, serial=int(cert.serial, 16))
    _refused("certs.unknown_issuer", lambda: _login(db, user.id, key, forged))


def test_certificate_of_another_user_is_refused(
    db: Session, holder: Any, make_staff: Callable[..., Any]
) -> None:
    _user, key, cert = holder
    other = make_staff(display_name="李护士")
    # the other user got hold of the first user's key file and certificate
    _refused("certs.certificate_not_owned", lambda: _login(db, other.id, key, cert.certificate_pem))


def test_tampered_or_wrong_signature_is_refused(
    db: Session, holder: Any, make_key: Callable[[], KeyPair]
) -> None:
    user, key, cert = holder
    challenge_id, nonce = service.new_login_challenge(session=db, user_id=user.id)
    raw = bytearray(base64.b64decode(client.sign_challenge(key.private_pem, nonce)))
    raw[-3] ^= 0x01
    _refused(
        "certs.signature_invalid",
        lambda: service.verify_login_response(
            session=db,
            user_id=user.id,
            challenge_id=challenge_id,
            certificate_pem=cert.certificate_pem,
            signature=base64.b64encode(bytes(raw)).decode(),
        ),
    )
    # a signature by some other key over the right nonce
    challenge_id, nonce = service.new_login_challenge(session=db, user_id=user.id)
    _refused(
        "certs.signature_invalid",
        lambda: service.verify_login_response(
            session=db,
            user_id=user.id,
            challenge_id=challenge_id,
            certificate_pem=cert.certificate_pem,
            signature=client.sign_challenge(make_key().private_pem, nonce),
        ),
    )
    # not even base64
    challenge_id, _ = service.new_login_challenge(session=db, user_id=user.id)
    _refused(
        "certs.signature_invalid",
        lambda: service.verify_login_response(
            session=db,
            user_id=user.id,
            challenge_id=challenge_id,
            certificate_pem=cert.certificate_pem,
            signature="not base64!",
        ),
    )


def test_garbage_certificate_is_refused(db: Session, holder: Any) -> None:
    user, key, _ = holder
    _refused("certs.certificate_invalid", lambda: _login(db, user.id, key, "-----BEGIN x"))


def test_certificate_row_changed_in_the_database_is_refused(db: Session, holder: Any) -> None:
    user, key, cert = holder
    service.revoke_certificate(
        session=db, actor=None, certificate_id=cert.id, reason="key_compromise"
    )
    # An insider "un-revokes" the certificate directly in the database.
    db.execute(
        update(Certificate)
        .where(Certificate.id == cert.id)
        .values(status="valid", revoked_at=None, revocation_reason=None)
    )
    db.expire_all()
    _refused("certs.certificate_tampered", lambda: _login(db, user.id, key, cert.certificate_pem))
    assert cert.id in service.integrity_problems(session=db)
