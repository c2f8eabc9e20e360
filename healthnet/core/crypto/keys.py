"""Key hierarchy: master key → KEK → wrapped SM4 data keys, and the process-wide keyring.

* The master key (32 bytes) comes from ``HEALTHNET_MASTER_KEY`` (hex) or the key file
  (``HEALTHNET_MASTER_KEY_FILE``, default ``var/master.key``). It never enters the database. In
  ``local``/``test`` a missing key file is created (mode 0600); in ``production`` a missing key
  stops the process.
* Every other key is derived from it with HKDF-SM3 (RFC 5869 with SM3) under a distinct label:
  the KEK that wraps data keys, the MAC key of the key table, one blind-index key per purpose.
* Data keys are random SM4 keys kept in ``crypto_data_key`` wrapped by the KEK.

Everything that touches the master key goes through :class:`KeyProtector`; a hardware security
module replaces :class:`MasterKeyProtector` behind that one interface (:func:`set_protector`).
"""

from __future__ import annotations

import base64
import logging
import os
import secrets
import stat
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Connection, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from healthnet.config import Settings, get_settings
from healthnet.core.crypto.errors import (
    CryptoError,
    CryptoIntegrityError,
    MasterKeyError,
    UnknownKeyError,
)
from healthnet.core.crypto.models import (
    STATE_ACTIVE,
    STATE_DECRYPT_ONLY,
    STATE_RETIRED,
    DataKey,
)
from healthnet.core.crypto.sm import (
    SM4_KEY_BYTES,
    constant_time_equal,
    hmac_sm3,
    sm4_gcm_decrypt,
    sm4_gcm_encrypt,
)
from healthnet.core.db import get_engine, utcnow

log = logging.getLogger("healthnet.crypto")

MASTER_KEY_BYTES = 32
# How long a process trusts its idea of which key is active before asking the database again;
# after a rotation in another process, this is the longest this one keeps encrypting under the
# old (still decryptable) key.
ACTIVE_KEY_TTL_SECONDS = 30.0

_LABEL_KEK = b"healthnet/v1/kek"
_LABEL_TABLE_MAC = b"healthnet/v1/key-table-mac"
_LABEL_BLIND_INDEX = b"healthnet/v1/blind-index/"


# --------------------------------------------------------------------------- master key


def _parse_master_key(text: str, origin: str) -> bytes:
    try:
        key = bytes.fromhex(text.strip())
    except ValueError:
        raise MasterKeyError(f"master key in {origin} is not hex") from None
    if len(key) != MASTER_KEY_BYTES:
        raise MasterKeyError(
            f"master key in {origin} must be {MASTER_KEY_BYTES} bytes "
            f"({MASTER_KEY_BYTES * 2} hex digits)"
        )
    return key


def load_master_key(settings: Settings | None = None) -> bytes:
    """Read the master key from the environment or the key file (see module docstring)."""
    settings = settings or get_settings()
    if settings.master_key:
        return _parse_master_key(settings.master_key, "HEALTHNET_MASTER_KEY")
    path = settings.master_key_file or settings.var_dir / "master.key"
    if path.exists():
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            if settings.environment == "production":
                raise MasterKeyError(f"{path} is readable by group/others; chmod 600 it")
            log.warning("master key file is readable by group/others; chmod 600 it")
        return _parse_master_key(path.read_text(), str(path))
    if settings.environment == "production":
        raise MasterKeyError("production requires HEALTHNET_MASTER_KEY or an existing key file")
    return _create_master_key_file(path)


def _create_master_key_file(path: Path) -> bytes:
    key = secrets.token_bytes(MASTER_KEY_BYTES)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two processes starting together must not each write a different key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _parse_master_key(path.read_text(), str(path))
    with os.fdopen(fd, "w") as fh:
        fh.write(key.hex() + "\n")
    log.warning("created a new master key file for a non-production environment")
    return key


# --------------------------------------------------------------------------- HSM seam


class KeyProtector(Protocol):
    """Everything that needs the master key. An HSM implementation keeps it inside the HSM."""

    def wrap(self, kid: str, key: bytes) -> bytes: ...

    def unwrap(self, kid: str, wrapped: bytes) -> bytes: ...

    def mac(self, data: bytes) -> bytes: ...

    def derive(self, label: bytes, length: int = 32) -> bytes: ...


def _hkdf_sm3(ikm: bytes, label: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SM3(), length=length, salt=None, info=label).derive(ikm)


class MasterKeyProtector:
    """Software implementation: keys derived from the master key with HKDF-SM3."""

    def __init__(self, master_key: bytes) -> None:
        if len(master_key) != MASTER_KEY_BYTES:
            raise MasterKeyError("master key must be 32 bytes")
        self._master = master_key
        self._kek = _hkdf_sm3(master_key, _LABEL_KEK, SM4_KEY_BYTES)
        self._mac_key = _hkdf_sm3(master_key, _LABEL_TABLE_MAC, 32)

    def wrap(self, kid: str, key: bytes) -> bytes:
        return sm4_gcm_encrypt(self._kek, key, _wrap_aad(kid))

    def unwrap(self, kid: str, wrapped: bytes) -> bytes:
        return sm4_gcm_decrypt(self._kek, wrapped, _wrap_aad(kid))

    def mac(self, data: bytes) -> bytes:
        return hmac_sm3(self._mac_key, data)

    def derive(self, label: bytes, length: int = 32) -> bytes:
        return _hkdf_sm3(self._master, label, length)


def _wrap_aad(kid: str) -> bytes:
    return b"healthnet/v1/data-key/" + kid.encode()


_protector: KeyProtector | None = None
_protector_lock = threading.Lock()


def get_protector() -> KeyProtector:
    global _protector
    if _protector is None:
        with _protector_lock:
            if _protector is None:
                _protector = MasterKeyProtector(load_master_key())
    return _protector


def set_protector(protector: KeyProtector | None) -> None:
    """Install another protector (an HSM), or None to re-read the master key on next use."""
    global _protector
    with _protector_lock:
        _protector = protector
    keyring().clear()
    _blind_keys.clear()


_blind_keys: dict[str, bytes] = {}


def blind_index_key(purpose: str) -> bytes:
    """The HMAC-SM3 key of one blind index; purposes never share a key."""
    if not purpose or ":" in purpose:
        raise CryptoError("blind index purpose must be a non-empty name without ':'")
    key = _blind_keys.get(purpose)
    if key is None:
        key = get_protector().derive(_LABEL_BLIND_INDEX + purpose.encode())
        _blind_keys[purpose] = key
    return key


# --------------------------------------------------------------------------- key table


def _check_mac(kid: str, state: str, wrapped: str | None) -> str:
    data = b"\x00".join([kid.encode(), state.encode(), (wrapped or "").encode()])
    return get_protector().mac(data).hex()


def _mac_ok(row: DataKey) -> bool:
    expected = _check_mac(row.kid, row.state, row.wrapped_key)
    return constant_time_equal(expected.encode(), row.check_mac.encode())


@dataclass(frozen=True)
class KeyInfo:
    kid: str
    state: str
    created_at: datetime
    state_changed_at: datetime
    intact: bool  # False when the row was changed outside HealthNet


def _new_key_row(state: str) -> tuple[DataKey, bytes]:
    kid = secrets.token_hex(4)
    key = secrets.token_bytes(SM4_KEY_BYTES)
    wrapped = base64.b64encode(get_protector().wrap(kid, key)).decode()
    now = utcnow()
    row = DataKey(
        kid=kid,
        state=state,
        active_slot=1 if state == STATE_ACTIVE else None,
        wrapped_key=wrapped,
        check_mac=_check_mac(kid, state, wrapped),
        created_at=now,
        state_changed_at=now,
    )
    return row, key


def _set_state(conn: Connection, row: DataKey, state: str) -> None:
    wrapped = None if state == STATE_RETIRED else row.wrapped_key  # retiring destroys the key
    conn.execute(
        update(DataKey)
        .where(DataKey.kid == row.kid)
        .values(
            state=state,
            active_slot=1 if state == STATE_ACTIVE else None,
            wrapped_key=wrapped,
            check_mac=_check_mac(row.kid, state, wrapped),
            state_changed_at=utcnow(),
        )
    )


def _insert(conn: Connection, row: DataKey) -> None:
    conn.execute(
        DataKey.__table__.insert().values(  # type: ignore[attr-defined]
            kid=row.kid,
            state=row.state,
            active_slot=row.active_slot,
            wrapped_key=row.wrapped_key,
            check_mac=row.check_mac,
            created_at=row.created_at,
            state_changed_at=row.state_changed_at,
        )
    )


def write_lock(conn: Connection | Session) -> None:
    """On SQLite, take the write lock before reading what will be written.

    A deferred SQLite transaction that reads and then writes fails at once with "database is
    locked" (SQLITE_BUSY_SNAPSHOT) if another connection committed in between; taking the lock
    first makes it wait for the busy timeout instead. Other databases need nothing.
    """
    bind = conn.get_bind() if isinstance(conn, Session) else conn
    if bind.dialect.name == "sqlite":
        conn.execute(text("DELETE FROM crypto_data_key WHERE 1 = 0"))


def _rows(conn: Connection, *states: str) -> list[DataKey]:
    stmt = select(DataKey.__table__)
    if states:
        stmt = stmt.where(DataKey.state.in_(states))
    out = []
    for r in conn.execute(stmt.order_by(DataKey.created_at)).mappings():
        out.append(DataKey(**dict(r)))
    return out


def ensure_active_key() -> str:
    """Make sure an active data key exists (creating the first one); return its kid.

    Call at start-up and from CLI commands. It commits on its own connection, so on SQLite do
    not call it while another connection of this process holds the write lock.
    """
    engine = get_engine()
    for _ in range(3):
        with engine.connect() as conn:
            rows = _rows(conn, STATE_ACTIVE)
        active = [r for r in rows if _mac_ok(r)]
        if active:
            return active[-1].kid
        if rows:  # fail closed rather than paper over a tampered key table
            raise CryptoIntegrityError("the active data key was changed outside HealthNet")
        row, _ = _new_key_row(STATE_ACTIVE)
        try:
            with engine.begin() as conn:
                _insert(conn, row)
        except IntegrityError:
            continue  # another process created the active key first; read it
        log.info("created data key %s", row.kid)
        keyring().clear()
        return row.kid
    raise CryptoError("could not establish an active data key")


def create_active_key() -> str:
    """Create a new active data key and demote the current one to decrypt-only (one commit)."""
    row, _ = _new_key_row(STATE_ACTIVE)
    with get_engine().begin() as conn:
        write_lock(conn)
        for old in _rows(conn, STATE_ACTIVE):
            _verify_row(old)
            _set_state(conn, old, STATE_DECRYPT_ONLY)
        _insert(conn, row)
    log.info("created data key %s; previous key is now decrypt-only", row.kid)
    keyring().clear()
    return row.kid


def retire_key_row(kid: str) -> None:
    """Mark a decrypt-only key retired and destroy its wrapped material (see rotate.retire)."""
    with get_engine().begin() as conn:
        write_lock(conn)
        rows = [r for r in _rows(conn) if r.kid == kid]
        if not rows:
            raise UnknownKeyError(f"no data key {kid}")
        row = rows[0]
        if row.state != STATE_DECRYPT_ONLY:
            raise CryptoError(f"only a decrypt-only key can be retired ({kid} is {row.state})")
        _verify_row(row)
        _set_state(conn, row, STATE_RETIRED)
    log.info("retired data key %s", kid)
    keyring().clear()


def list_keys() -> list[KeyInfo]:
    with get_engine().connect() as conn:
        rows = _rows(conn)
    return [KeyInfo(r.kid, r.state, r.created_at, r.state_changed_at, _mac_ok(r)) for r in rows]


def _verify_row(row: DataKey) -> None:
    if not _mac_ok(row):
        raise CryptoIntegrityError(f"data key {row.kid} was changed outside HealthNet")


# --------------------------------------------------------------------------- keyring


@dataclass(frozen=True)
class _Snapshot:
    keys: dict[str, bytes]
    active: str | None
    loaded_at: float


_EMPTY = _Snapshot({}, None, float("-inf"))


class Keyring:
    """Unwrapped data keys of this process.

    Loads with its own short connection (never the caller's session, whose transaction may be
    rolled back or hold locks); reloads when it meets an unknown kid; re-reads which key is
    active after :data:`ACTIVE_KEY_TTL_SECONDS`, so a rotation done by another process is picked
    up without a restart. State is one immutable snapshot swapped atomically, so threads never
    see a half-loaded ring.
    """

    def __init__(self, ttl: float = ACTIVE_KEY_TTL_SECONDS) -> None:
        self.ttl = ttl
        self._lock = threading.Lock()
        self._snap = _EMPTY

    def clear(self) -> None:
        self._snap = _EMPTY

    def reload(self) -> None:
        asked_at = time.monotonic()
        with self._lock:  # one loader at a time; the others wait and use its result
            if self._snap.loaded_at >= asked_at:
                return
            self._snap = self._load()

    def _load(self) -> _Snapshot:
        protector = get_protector()
        with get_engine().connect() as conn:
            rows = _rows(conn, STATE_ACTIVE, STATE_DECRYPT_ONLY)
        keys: dict[str, bytes] = {}
        active: str | None = None
        for row in rows:
            if not _mac_ok(row) or row.wrapped_key is None:
                log.error("data key %s failed its integrity check; not loaded", row.kid)
                continue
            try:
                keys[row.kid] = protector.unwrap(row.kid, base64.b64decode(row.wrapped_key))
            except (CryptoIntegrityError, ValueError):
                log.error("data key %s does not unwrap (wrong master key?)", row.kid)
                continue
            if row.state == STATE_ACTIVE:
                active = row.kid
        return _Snapshot(keys, active, time.monotonic())

    def key(self, kid: str) -> bytes:
        key = self._snap.keys.get(kid)
        if key is None:
            self.reload()
            key = self._snap.keys.get(kid)
        if key is None:
            raise UnknownKeyError(f"data key {kid} is unknown, retired or failed its check")
        return key

    def active(self) -> tuple[str, bytes]:
        snap = self._snap
        if snap.active is None or time.monotonic() - snap.loaded_at > self.ttl:
            self.reload()
            snap = self._snap
        if snap.active is None:
            raise CryptoError("no active data key: run `healthnet keys ensure` or start the app")
        return snap.active, snap.keys[snap.active]


_keyring = Keyring()


def keyring() -> Keyring:
    return _keyring
