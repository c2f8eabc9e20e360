"""Master key, data-key table and keyring."""

from __future__ import annotations

import base64
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from healthnet.config import Settings, get_settings
from healthnet.core.crypto import CryptoError, MasterKeyError, UnknownKeyError, ensure_active_key
from healthnet.core.crypto.keys import (
    Keyring,
    MasterKeyProtector,
    _insert,
    _new_key_row,
    create_active_key,
    get_protector,
    keyring,
    list_keys,
    load_master_key,
    set_protector,
)
from healthnet.core.crypto.models import STATE_DECRYPT_ONLY
from healthnet.core.crypto.types import decrypt_text, encrypt_text

HEX = "00112233445566778899aabbccddeeff" * 2


def _settings(tmp_path: Path, **kw: object) -> Settings:
    base: dict[str, object] = {
        "var_dir": tmp_path,
        "database_url": "sqlite://",
        "master_key": "",
        "master_key_file": tmp_path / "master.key",
        "oidc_issuer": "https://healthnet.example.test",
    }
    return Settings(**(base | kw))  # type: ignore[arg-type]


# ---------------------------------------------------------------- master key


def test_master_key_from_environment_hex(tmp_path: Path) -> None:
    assert load_master_key(_settings(tmp_path, master_key=HEX)) == bytes.fromhex(HEX)


@pytest.mark.parametrize("bad", ["zz" * 32, "00" * 16, "00" * 33])
def test_malformed_master_key_is_refused(tmp_path: Path, bad: str) -> None:
    with pytest.raises(MasterKeyError):
        load_master_key(_settings(tmp_path, master_key=bad))


def test_test_environment_creates_a_private_key_file_once(tmp_path: Path) -> None:
    s = _settings(tmp_path, environment="test")
    first = load_master_key(s)
    path = tmp_path / "master.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) == 32
    assert load_master_key(s) == first  # reused, not regenerated


def test_production_refuses_to_start_without_a_master_key(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="production requires"):
        _settings(tmp_path, environment="production")
    assert not (tmp_path / "master.key").exists()


def test_production_refuses_a_key_file_others_can_read(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    path.write_text(HEX)
    os.chmod(path, 0o644)
    with pytest.raises(MasterKeyError, match="chmod 600"):
        load_master_key(_settings(tmp_path, environment="production"))
    os.chmod(path, 0o600)
    assert load_master_key(_settings(tmp_path, environment="production")) == bytes.fromhex(HEX)


# ---------------------------------------------------------------- key table


def test_ensure_active_key_is_idempotent(engine: Engine) -> None:
    assert ensure_active_key() == ensure_active_key() == keyring().active()[0]


def test_key_table_holds_neither_master_key_nor_plain_data_keys(engine: Engine) -> None:
    master = load_master_key(get_settings())
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM crypto_data_key")).mappings().all()
    assert rows
    dump = " ".join(str(v) for r in rows for v in r.values())
    assert master.hex() not in dump.lower() and base64.b64encode(master).decode() not in dump
    for kid in (r["kid"] for r in rows if r["wrapped_key"]):
        data_key = keyring().key(kid)
        assert data_key.hex() not in dump.lower()
        assert base64.b64encode(data_key).decode() not in dump


@pytest.fixture
def stray_key(engine: Engine) -> Iterator[str]:
    """A decrypt-only key inserted outside any test transaction, removed afterwards."""
    row, _ = _new_key_row(STATE_DECRYPT_ONLY)
    with engine.begin() as conn:
        _insert(conn, row)
    yield row.kid
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM crypto_data_key WHERE kid = :k"), {"k": row.kid})
    keyring().clear()


def test_state_changed_in_the_database_is_detected(engine: Engine, stray_key: str) -> None:
    keyring().key(stray_key)  # intact: loads
    with engine.begin() as conn:  # someone "re-activates" or edits the key row by hand
        conn.execute(
            text("UPDATE crypto_data_key SET state = 'active' WHERE kid = :k"), {"k": stray_key}
        )
    keyring().clear()
    assert {k.kid: k.intact for k in list_keys()}[stray_key] is False
    with pytest.raises(UnknownKeyError):
        keyring().key(stray_key)
    assert keyring().active()[0] != stray_key
    assert ensure_active_key() == keyring().active()[0]  # the genuine key, not the forged one


def test_wrapped_key_moved_to_another_kid_does_not_unwrap(engine: Engine, stray_key: str) -> None:
    active = keyring().active()[0]
    with engine.begin() as conn:
        wrapped = conn.execute(
            text("SELECT wrapped_key FROM crypto_data_key WHERE kid = :k"), {"k": active}
        ).scalar_one()
        conn.execute(
            text("UPDATE crypto_data_key SET wrapped_key = :w WHERE kid = :k"),
            {"w": wrapped, "k": stray_key},
        )
    keyring().clear()
    with pytest.raises(UnknownKeyError):
        keyring().key(stray_key)


def test_wrong_master_key_fails_closed(engine: Engine) -> None:
    stored = encrypt_text("张三", context="t")
    try:
        set_protector(MasterKeyProtector(os.urandom(32)))
        with pytest.raises(UnknownKeyError):
            decrypt_text(stored, context="t")
        with pytest.raises(CryptoError):
            encrypt_text("张三", context="t")
    finally:
        set_protector(None)
    assert decrypt_text(stored, context="t") == "张三"


def test_protector_is_the_only_holder_of_the_master_key() -> None:
    p = get_protector()
    wrapped = p.wrap("abcd1234", b"k" * 16)
    assert p.unwrap("abcd1234", wrapped) == b"k" * 16
    with pytest.raises(CryptoError):
        p.unwrap("abcd1235", wrapped)  # the kid is bound into the wrapping


# ---------------------------------------------------------------- keyring


def test_keyring_picks_up_a_rotation_made_elsewhere(engine: Engine) -> None:
    before = keyring().active()[0]
    stored_old = encrypt_text("旧值", context="t")
    short, long = Keyring(ttl=0.0), Keyring(ttl=3600.0)
    assert short.active()[0] == long.active()[0] == before

    new = create_active_key()  # as if another process rotated

    assert short.active()[0] == new  # TTL passed: re-reads the active key
    assert long.active()[0] == before  # still inside its TTL: keeps the old (decryptable) key
    long.key(new)  # meeting an unknown kid reloads the ring
    assert long.active()[0] == new
    assert decrypt_text(stored_old, context="t") == "旧值"
    assert encrypt_text("新值", context="t").startswith(f"{new}:")
    states = {k.kid: k.state for k in list_keys()}
    assert states[before] == STATE_DECRYPT_ONLY and states[new] == "active"
    assert list(states.values()).count("active") == 1
