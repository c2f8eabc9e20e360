"""The encrypted column type and the blind index.

Stored form of an :class:`EncryptedText` value: ``"<kid>:<base64(nonce | ciphertext | tag)>"``
— the data-key id sits beside the ciphertext, so old rows stay readable after a rotation and
the rotation can find what still needs re-encrypting. The column's ``context`` is the SM4-GCM
additional authenticated data: a ciphertext copied into another column does not decrypt.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, MetaData, Table, Text, TypeDecorator

from healthnet.core.crypto.errors import CryptoError, CryptoIntegrityError
from healthnet.core.crypto.keys import blind_index_key, keyring
from healthnet.core.crypto.sm import hmac_sm3, sm4_gcm_decrypt, sm4_gcm_encrypt

_AAD_PREFIX = b"healthnet/v1/column/"


def _aad(context: str) -> bytes:
    return _AAD_PREFIX + context.encode()


def encrypt_text(value: str, *, context: str) -> str:
    """Encrypt under the active data key; returns the stored form ``kid:base64``."""
    kid, key = keyring().active()
    return encrypt_text_with(kid, key, value, context=context)


def encrypt_text_with(kid: str, key: bytes, value: str, *, context: str) -> str:
    blob = sm4_gcm_encrypt(key, value.encode("utf-8"), _aad(context))
    return f"{kid}:{base64.b64encode(blob).decode()}"


def split_stored(stored: str) -> tuple[str, bytes]:
    """``(kid, blob)`` of a stored value; malformed input → CryptoIntegrityError."""
    kid, sep, b64 = stored.partition(":")
    if not sep or not kid:
        raise CryptoIntegrityError("encrypted value has no key id")
    try:
        return kid, base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError):
        raise CryptoIntegrityError("encrypted value is not valid base64") from None


def decrypt_text(stored: str, *, context: str) -> str:
    """Reverse :func:`encrypt_text`. Any tampering → CryptoIntegrityError, never wrong data."""
    kid, blob = split_stored(stored)
    plaintext = sm4_gcm_decrypt(keyring().key(kid), blob, _aad(context))
    try:
        return plaintext.decode("utf-8")
    except UnicodeDecodeError:  # authenticated but not text: not ours
        raise CryptoIntegrityError("decrypted value is not UTF-8") from None


def stored_kid(stored: str) -> str:
    return stored.partition(":")[0]


class EncryptedText(TypeDecorator[str]):
    """A text column stored SM4-GCM encrypted (``EncryptedText("patients.person.name")``).

    ``context`` names the column for the AAD; keep it stable forever (changing it makes old
    values undecryptable). Equality filters on this column never match: search through a
    :func:`blind_index` column instead.
    """

    impl = Text
    cache_ok = True

    def __init__(self, context: str) -> None:
        if not context:
            raise CryptoError("EncryptedText needs a context")
        super().__init__()
        self.context = context

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            raise TypeError("EncryptedText stores str values")
        return encrypt_text(value, context=self.context)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        return decrypt_text(value, context=self.context)

    def __repr__(self) -> str:
        return f"EncryptedText({self.context!r})"


def blind_index(value: str, *, purpose: str) -> str:
    """HMAC-SM3 of ``value`` under the blind-index key of ``purpose``, as 64 hex digits.

    Exact-match search without decrypting: store ``blind_index(normalised, purpose=...)`` in an
    indexed column and compare. Normalising (trim, upper-case the ID check digit, strip a +86
    prefix, ...) is the caller's job and must be identical when writing and searching.
    Different purposes use different keys, so equal values in two indexes do not link.
    """
    return hmac_sm3(blind_index_key(purpose), value.encode("utf-8")).hex()


# --------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class EncryptedColumn:
    table: Table
    column: Column[Any]

    @property
    def context(self) -> str:
        col_type = self.column.type
        assert isinstance(col_type, EncryptedText)
        return col_type.context

    def __str__(self) -> str:
        return f"{self.table.name}.{self.column.name}"


def encrypted_columns(
    metadata: MetaData | Iterable[MetaData] | None = None,
) -> list[EncryptedColumn]:
    """Every :class:`EncryptedText` column in ``metadata`` (default: all HealthNet tables).

    Scanning the metadata instead of keeping a hand-written list means a new encrypted column
    is rotated without anyone remembering to register it.
    """
    if metadata is None:
        from healthnet.models import metadata as app_metadata

        metadata = app_metadata
    metadatas = [metadata] if isinstance(metadata, MetaData) else list(metadata)
    found = []
    for md in metadatas:
        for table in md.sorted_tables:
            for column in table.columns:
                if isinstance(column.type, EncryptedText):
                    found.append(EncryptedColumn(table, column))
    return found
