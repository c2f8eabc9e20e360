"""The hash chain's arithmetic, shared by the writer, the verifier and the benchmark.

``hash_k = SM3(bytes(prev_hash) || canonical(record_k))`` (GB/T 32905 SM3), where ``canonical``
is a JSON array of every stored field in a fixed order (seq included, so a row moved to another
position no longer matches). ``mac_k = HMAC-SM3(K_audit, hash_k)`` with ``K_audit`` derived from
the master key. The hash makes the chain verifiable by anyone holding the rows and the
checkpoint public key; the MAC pins each row to this installation.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from healthnet.core.crypto import CryptoError, SM2PublicKey, hmac_sm3, sm3
from healthnet.core.crypto.keys import KeyProtector, get_protector

FORMAT = "hn-audit-v1"

# Order of the hashed fields; changing it (or FORMAT) invalidates every existing chain.
FIELDS = (
    "seq",
    "occurred_at",
    "actor_id",
    "actor_username",
    "actor_roles",
    "institution_id",
    "client_ip",
    "user_agent",
    "action",
    "resource_type",
    "resource_id",
    "patient_id",
    "purpose",
    "outcome",
    "detail",
    "request_id",
)

_LABEL_RECORD_MAC = b"healthnet/v1/audit/record-mac"
_LABEL_KEY_WRAP = b"healthnet/v1/audit/signing-key-wrap"
_LABEL_KEY_TAG = b"healthnet/v1/audit/signing-key-tag"


def _no_default(o: Any) -> Any:
    raise TypeError(f"{type(o).__name__} is not part of an audit record")


def _make_dumps() -> Callable[[Any], str]:
    """Compact JSON. CPython's C encoder built once is about twice as fast per row as
    ``JSONEncoder.encode`` (which rebuilds it per call); the output is identical."""
    encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    c_make = getattr(json.encoder, "c_make_encoder", None)
    c_str = getattr(json.encoder, "c_encode_basestring", None)
    if c_make is None or c_str is None:  # pragma: no cover - other Python implementations
        return encoder.encode
    c_encoder = c_make(None, _no_default, c_str, None, ":", ",", False, False, False)
    return lambda o: "".join(c_encoder(o, 0))


_dumps = _make_dumps()


def format_time(value: datetime) -> str:
    """UTC, microseconds: the precision both SQLite and PostgreSQL keep exactly."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def canonical(values: Sequence[Any]) -> bytes:
    """``values`` in :data:`FIELDS` order → the hashed bytes.

    A compact JSON array ``["hn-audit-v1", seq, occurred_at, ...]`` (UTF-8, no spaces, None as
    ``null``) with ``occurred_at`` as integer microseconds since 1970-01-01T00:00:00Z: exact on
    every database and cheap to reproduce in any language.
    """
    items = list(values)
    items[1] = (items[1] - _EPOCH) // _MICROSECOND
    return _dumps([FORMAT, *items]).encode("utf-8")


def record_hash(prev_hash: str, values: Sequence[Any]) -> str:
    return sm3(bytes.fromhex(prev_hash) + canonical(values)).hex()


def row_values(row: Mapping[str, Any]) -> list[Any]:
    return [row[f] for f in FIELDS]


class _Keys:
    """Keys derived from the master key, re-derived when the protector is replaced (HSM, tests)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._for: KeyProtector | None = None
        self._keys: dict[bytes, bytes] = {}

    def get(self, label: bytes, length: int) -> bytes:
        protector = get_protector()
        with self._lock:
            if self._for is not protector:
                self._for, self._keys = protector, {}
            key = self._keys.get(label)
            if key is None:
                key = protector.derive(label, length)
                self._keys[label] = key
            return key


_keys = _Keys()


def record_mac(hash_hex: str) -> str:
    return hmac_sm3(_keys.get(_LABEL_RECORD_MAC, 32), bytes.fromhex(hash_hex)).hex()


def record_mac_key() -> bytes:
    """For bulk paths (benchmark, verifier) that compute many MACs in one loop."""
    return _keys.get(_LABEL_RECORD_MAC, 32)


def signing_key_wrap_key() -> bytes:
    return _keys.get(_LABEL_KEY_WRAP, 16)  # an SM4 key


def signing_key_tag(fingerprint: str, public_key_pem: str, wrapped: str) -> str:
    data = b"\x00".join([fingerprint.encode(), public_key_pem.encode(), wrapped.encode()])
    return hmac_sm3(_keys.get(_LABEL_KEY_TAG, 32), data).hex()


def checkpoint_message(seq: int, head_hash: str, signed_at: datetime) -> bytes:
    """What a checkpoint signature covers (GB/T 32918.2 SM2 over these bytes, with SM3)."""
    return f"healthnet-audit-checkpoint-v1|{seq}|{head_hash}|{format_time(signed_at)}".encode()


def fingerprint_of(public_key: SM2PublicKey) -> str:
    """SM3 of the uncompressed point ``04 || x || y``, hex: how checkpoints name their key."""
    return sm3(public_key.point()).hex()


def key_row_trusted(fingerprint: str, public_key_pem: str, wrapped: str, tag: str) -> bool:
    """A signing-key row written by this installation (tag) that names its own public key."""
    try:
        return (
            signing_key_tag(fingerprint, public_key_pem, wrapped) == tag
            and fingerprint_of(SM2PublicKey.from_pem(public_key_pem.encode())) == fingerprint
        )
    except CryptoError:
        return False
