"""Data-key rotation without downtime: new key first, then re-encrypt in small transactions.

Procedure (docs/decisions/0002-national-crypto.md):

1. :func:`rotate_keys` creates a new active key and demotes the old one to decrypt-only in one
   commit. From then on every process encrypts new values under the new key (each notices
   within ``ACTIVE_KEY_TTL_SECONDS``) and still decrypts the old ones.
2. It walks every :class:`~healthnet.core.crypto.types.EncryptedText` column, table by table,
   in primary-key order, ``batch_size`` rows per transaction, re-encrypting only values whose
   key id is not the active one. Each update is conditional on the value being unchanged, so a
   concurrent edit by the application is never overwritten. A crash loses nothing: every
   committed batch is done, every other value still decrypts under its old key, and
   ``rotate_keys(new_key=False)`` (``healthnet keys rotate --resume``) continues.
3. :func:`retire_key` destroys a decrypt-only key once no ciphertext uses it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import MetaData, Table, Text, and_, func, literal, not_, or_, select, type_coerce
from sqlalchemy import update as sa_update

from healthnet.core.crypto.errors import CryptoError, CryptoIntegrityError, UnknownKeyError
from healthnet.core.crypto.keys import (
    ACTIVE_KEY_TTL_SECONDS,
    create_active_key,
    ensure_active_key,
    keyring,
    list_keys,
    retire_key_row,
    write_lock,
)
from healthnet.core.crypto.models import STATE_DECRYPT_ONLY
from healthnet.core.crypto.types import (
    EncryptedColumn,
    decrypt_text,
    encrypt_text_with,
    encrypted_columns,
)
from healthnet.core.db import transaction, utcnow

log = logging.getLogger("healthnet.crypto")

DEFAULT_BATCH_SIZE = 500


@dataclass
class RotationReport:
    active_kid: str
    reencrypted: dict[str, int] = field(default_factory=dict)  # "table.column" → values
    skipped_concurrent: int = 0  # changed by the application during the walk; re-run to cover
    failed: list[str] = field(default_factory=list)  # "table.column#pk" that did not decrypt

    @property
    def total(self) -> int:
        return sum(self.reencrypted.values())


def _raw(column: Any) -> Any:
    """The column as plain text: bypasses EncryptedText so the stored form is read/written."""
    return type_coerce(column, Text())


def _group(columns: Iterable[EncryptedColumn]) -> dict[Table, list[EncryptedColumn]]:
    groups: dict[Table, list[EncryptedColumn]] = {}
    for c in columns:
        groups.setdefault(c.table, []).append(c)
    return groups


def _primary_key(table: Table) -> Any:
    pks = list(table.primary_key.columns)
    if len(pks) != 1:
        raise CryptoError(f"table {table.name} needs a single-column primary key for rotation")
    return pks[0]


def _reencrypt_table(
    table: Table,
    columns: list[EncryptedColumn],
    kid: str,
    key: bytes,
    batch_size: int,
    report: RotationReport,
) -> None:
    pk = _primary_key(table)
    prefix = f"{kid}:%"
    stale = or_(*(and_(c.column.isnot(None), not_(_raw(c.column).like(prefix))) for c in columns))
    last: Any = None
    while True:
        with transaction() as session:
            write_lock(session)
            stmt = select(pk, *(_raw(c.column).label(f"c{i}") for i, c in enumerate(columns)))
            stmt = stmt.where(stale if last is None else and_(stale, pk > last))
            rows = session.execute(stmt.order_by(pk).limit(batch_size)).all()
            if not rows:
                return
            for row in rows:
                values: dict[str, Any] = {}
                unchanged = []
                for i, col in enumerate(columns):
                    stored = row[i + 1]
                    if stored is None or stored.startswith(f"{kid}:"):
                        continue
                    try:
                        plain = decrypt_text(stored, context=col.context)
                    except (CryptoIntegrityError, UnknownKeyError):
                        report.failed.append(f"{col}#{row[0]}")
                        log.error("cannot re-encrypt %s row %s: does not decrypt", col, row[0])
                        continue
                    values[col.column.name] = literal(
                        encrypt_text_with(kid, key, plain, context=col.context), Text()
                    )
                    unchanged.append(_raw(col.column) == stored)
                if not values:
                    continue
                result = session.execute(
                    sa_update(table).where(pk == row[0], *unchanged).values(values)
                )
                if result.rowcount == 1:  # type: ignore[attr-defined]
                    for name in values:
                        name_key = f"{table.name}.{name}"
                        report.reencrypted[name_key] = report.reencrypted.get(name_key, 0) + 1
                else:
                    report.skipped_concurrent += 1
            last = rows[-1][0]
        log.info("re-encrypted %s up to a batch of %d rows", table.name, len(rows))


def rotate_keys(
    *,
    new_key: bool = True,
    batch_size: int = DEFAULT_BATCH_SIZE,
    metadata: MetaData | Iterable[MetaData] | None = None,
) -> RotationReport:
    """Create a new active data key (unless ``new_key=False``) and re-encrypt every value.

    ``metadata`` limits the walk to other tables (tests); by default every HealthNet table.
    Safe to run while the application serves requests, and safe to re-run.
    """
    kid = create_active_key() if new_key else ensure_active_key()
    ring = keyring()
    ring.clear()
    key = ring.key(kid)
    report = RotationReport(active_kid=kid)
    for table, columns in _group(encrypted_columns(metadata)).items():
        _reencrypt_table(table, columns, kid, key, batch_size, report)
    log.info(
        "rotation to %s: %d values re-encrypted, %d skipped, %d failed",
        kid,
        report.total,
        report.skipped_concurrent,
        len(report.failed),
    )
    return report


def key_usage(metadata: MetaData | Iterable[MetaData] | None = None) -> dict[str, int]:
    """How many stored values each key id still protects (a full scan of encrypted columns)."""
    kids = [k.kid for k in list_keys()]
    usage = dict.fromkeys(kids, 0)
    columns = encrypted_columns(metadata)
    with transaction() as session:
        for kid in kids:
            for col in columns:
                n = session.execute(
                    select(func.count())
                    .select_from(col.table)
                    .where(_raw(col.column).like(f"{kid}:%"))
                ).scalar_one()
                usage[kid] += int(n)
    return usage


def retire_key(
    kid: str, *, metadata: MetaData | Iterable[MetaData] | None = None, force_wait: bool = True
) -> None:
    """Retire a decrypt-only key whose ciphertexts are all gone, destroying its material.

    Refused while any encrypted column still holds a value under ``kid``, and (unless
    ``force_wait=False``) within two keyring TTLs of its demotion, while another process may
    still be encrypting with it.
    """
    info = {k.kid: k for k in list_keys()}.get(kid)
    if info is None:
        raise UnknownKeyError(f"no data key {kid}")
    if info.state != STATE_DECRYPT_ONLY:
        raise CryptoError(f"only a decrypt-only key can be retired ({kid} is {info.state})")
    if force_wait and utcnow() - info.state_changed_at < timedelta(
        seconds=2 * ACTIVE_KEY_TTL_SECONDS
    ):
        raise CryptoError(
            f"key {kid} was demoted moments ago; retry after {int(2 * ACTIVE_KEY_TTL_SECONDS)} s"
        )
    in_use = key_usage(metadata).get(kid, 0)
    if in_use:
        raise CryptoError(
            f"key {kid} still protects {in_use} values; run `healthnet keys rotate --resume` first"
        )
    retire_key_row(kid)
