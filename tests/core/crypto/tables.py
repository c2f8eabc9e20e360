"""Test-only tables with encrypted columns, kept out of the application's metadata."""

from __future__ import annotations

from sqlalchemy import MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from healthnet.core.crypto import EncryptedText


class SecretBase(DeclarativeBase):
    metadata = MetaData()


class Secret(SecretBase):
    __tablename__ = "crypto_test_secret"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(EncryptedText("crypto_test.secret.name"))
    phone: Mapped[str | None] = mapped_column(EncryptedText("crypto_test.secret.phone"))
    phone_index: Mapped[str | None] = mapped_column(String(64), index=True)


class OtherBase(DeclarativeBase):
    metadata = MetaData()


class Other(OtherBase):
    """A second table in its own metadata: lets a test rotate one table and 'crash'."""

    __tablename__ = "crypto_test_other"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    note: Mapped[str] = mapped_column(EncryptedText("crypto_test.other.note"))


TEST_METADATA = (SecretBase.metadata, OtherBase.metadata)
