"""Fixtures of the certificate tests: an institution, staff accounts, key pairs, and a second
(foreign) SM2 CA that has nothing to do with ours."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from asn1crypto import x509 as asn1_x509
from sqlalchemy.orm import Session

from healthnet.core.certs import x509
from healthnet.core.certs.authority import ISSUING_SUBJECT
from healthnet.core.crypto import SM2PrivateKey
from healthnet.core.db import utcnow


@pytest.fixture
def institution(db: Session) -> Any:
    from healthnet.core.orgs import service as orgs
    from healthnet.core.orgs.schemas import InstitutionCreate

    orgs.load_districts(session=db)
    n = secrets.token_hex(3)
    return orgs.create_institution(
        session=db,
        data=InstitutionCreate.model_validate(
            {
                "code": f"C{n}",
                "name": f"上海市测试医院{n}",
                "kind": "tertiary_hospital",
                "level": "3A",
                "district_code": "310104",
            }
        ),
    )


@pytest.fixture
def make_staff(db: Session, institution: Any) -> Callable[..., Any]:
    from healthnet.core.auth import service as auth

    def _make(institution_id: str | None = "default", display_name: str = "王医生") -> Any:
        n = secrets.token_hex(4)
        return auth.create_user(
            session=db,
            username=f"doc{n}",
            display_name=display_name,
            password="Test-pass-123",
            institution_id=institution.id if institution_id == "default" else institution_id,
            must_change_password=False,
        )

    return _make


@pytest.fixture
def staff(make_staff: Callable[..., Any]) -> Any:
    return make_staff()


@dataclass
class KeyPair:
    private: SM2PrivateKey

    @property
    def private_pem(self) -> bytes:
        return self.private.to_pem()

    @property
    def public_pem(self) -> str:
        return self.private.public_key().to_pem().decode()


@pytest.fixture
def make_key() -> Callable[[], KeyPair]:
    return lambda: KeyPair(SM2PrivateKey.generate())


@dataclass
class ForeignCa:
    """An SM2 CA we never trusted — deliberately with the same names as ours."""

    key: SM2PrivateKey
    name: asn1_x509.Name

    def issue(self, public_pem: str, *, user_id: str, serial: int | None = None) -> str:
        now = utcnow()
        cert = x509.build_certificate(
            serial=serial or x509.new_serial(),
            subject=x509.build_name(
                {
                    "country_name": "CN",
                    "organization_name": "伪造机构",
                    "common_name": "冒名者",
                    "user_id": user_id,
                }
            ),
            public_key=x509.public_key_from_pem(public_pem),
            issuer=self.name,
            issuer_key=self.key,
            not_before=now - timedelta(minutes=1),
            not_after=now + timedelta(days=30),
            profile=x509.AUTHENTICATION_PROFILE,
        )
        return x509.to_pem(cert)


@pytest.fixture
def foreign_ca() -> ForeignCa:
    return ForeignCa(SM2PrivateKey.generate(), x509.build_name(ISSUING_SUBJECT))
