"""Key rotation over committed data: the rotation commits batch by batch on its own."""

from __future__ import annotations

import base64
import threading

import pytest
from sqlalchemy import Engine, select, text
from typer.testing import CliRunner

from healthnet.core.crypto import CryptoError
from healthnet.core.crypto.cli import app as keys_cli
from healthnet.core.crypto.keys import create_active_key, keyring, list_keys, write_lock
from healthnet.core.crypto.rotate import key_usage, retire_key, rotate_keys
from healthnet.core.db import transaction
from healthnet.models import metadata as app_metadata
from tests.core.crypto.tables import TEST_METADATA, Other, Secret, SecretBase

pytestmark = pytest.mark.usefixtures("committed")

NAMES = ["赵一", "钱二", "孙三", "李四", "周五", "吴六", "郑七", "王八", "冯九", "陈十", "褚十一"]


def _seed() -> None:
    with transaction() as s:
        for i, name in enumerate(NAMES, start=1):
            s.add(Secret(id=i, name=name, phone=None if i % 3 == 0 else f"1380013{i:04d}"))
        for i in range(5):
            s.add(Other(id=f"o{i}", note=f"备注{i}"))


def _raw_values(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        a = conn.execute(text("SELECT name, phone FROM crypto_test_secret")).all()
        b = conn.execute(text("SELECT note FROM crypto_test_other")).all()
    return [v for row in [*a, *b] for v in row if v is not None]


def _read_all() -> tuple[list[tuple[int, str, str | None]], list[str]]:
    with transaction() as s:
        secrets = [
            (r.id, r.name, r.phone) for r in s.execute(select(Secret).order_by(Secret.id)).scalars()
        ]
        others = [r.note for r in s.execute(select(Other).order_by(Other.id)).scalars()]
    return secrets, others


def test_rotation_reencrypts_every_value_and_rerun_is_idempotent(engine: Engine) -> None:
    _seed()
    before = _read_all()
    old = keyring().active()[0]
    assert all(v.startswith(f"{old}:") for v in _raw_values(engine))

    report = rotate_keys(batch_size=4, metadata=TEST_METADATA)

    new = report.active_kid
    assert new != old
    raw = _raw_values(engine)
    assert all(v.startswith(f"{new}:") for v in raw)
    assert not any(name in v for v in raw for name in NAMES)
    assert not any(b"13800" in base64.b64decode(v.split(":", 1)[1]) for v in raw)
    assert report.reencrypted == {
        "crypto_test_secret.name": 11,
        "crypto_test_secret.phone": 8,
        "crypto_test_other.note": 5,
    }
    assert _read_all() == before
    assert {k.kid: k.state for k in list_keys()}[old] == "decrypt_only"

    again = rotate_keys(new_key=False, batch_size=4, metadata=TEST_METADATA)
    assert again.active_kid == new and again.total == 0
    assert _raw_values(engine) == raw  # nothing rewritten


def test_a_crash_midway_loses_nothing_and_resume_finishes(engine: Engine) -> None:
    _seed()
    before = _read_all()
    old = keyring().active()[0]
    # "Crash" after the new key and the first table: the second table is untouched.
    first = rotate_keys(batch_size=3, metadata=SecretBase.metadata)
    assert first.total == 19
    assert _read_all() == before  # mixed keys: everything still reads
    with engine.connect() as conn:
        notes = conn.execute(text("SELECT note FROM crypto_test_other")).scalars().all()
    assert all(n.startswith(f"{old}:") for n in notes)

    resumed = rotate_keys(new_key=False, batch_size=3, metadata=TEST_METADATA)
    assert resumed.active_kid == first.active_kid
    assert resumed.reencrypted == {"crypto_test_other.note": 5}
    assert all(v.startswith(f"{first.active_kid}:") for v in _raw_values(engine))
    assert _read_all() == before


def test_the_application_keeps_writing_during_rotation_and_no_update_is_lost(
    engine: Engine,
) -> None:
    _seed()
    stop = threading.Event()
    last_written: dict[int, str] = {}
    errors: list[BaseException] = []

    def writer() -> None:
        n = 0
        try:
            while not stop.is_set() and n < 200:
                i = n % len(NAMES) + 1
                value = f"改名{n}"
                with transaction() as s:
                    write_lock(s)  # SQLite: read-then-write needs the lock first (see keys.py)
                    s.get_one(Secret, i).name = value
                last_written[i] = value
                n += 1
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    t = threading.Thread(target=writer)
    t.start()
    try:
        for _ in range(3):
            rotate_keys(batch_size=2, metadata=TEST_METADATA)
    finally:
        stop.set()
        t.join()
    assert not errors
    assert last_written  # the application really wrote while keys rotated
    rotate_keys(new_key=False, batch_size=50, metadata=TEST_METADATA)

    secrets, _ = _read_all()
    for i, name, _phone in secrets:
        assert name == last_written.get(i, NAMES[i - 1])
    active = keyring().active()[0]
    assert all(v.startswith(f"{active}:") for v in _raw_values(engine))


def test_a_tampered_value_is_reported_and_blocks_retiring_its_key(engine: Engine) -> None:
    _seed()
    old = keyring().active()[0]
    with engine.begin() as conn:
        stored = conn.execute(text("SELECT name FROM crypto_test_secret WHERE id = 2")).scalar_one()
        kid, b64 = stored.split(":", 1)
        blob = bytearray(base64.b64decode(b64))
        blob[-1] ^= 1
        conn.execute(
            text("UPDATE crypto_test_secret SET name = :v WHERE id = 2"),
            {"v": f"{kid}:{base64.b64encode(bytes(blob)).decode()}"},
        )

    report = rotate_keys(batch_size=4, metadata=TEST_METADATA)

    assert report.failed == ["crypto_test_secret.name#2"]
    assert report.reencrypted["crypto_test_secret.name"] == 10
    assert key_usage([app_metadata, *TEST_METADATA])[old] == 1
    with pytest.raises(CryptoError, match="still protects 1"):
        retire_key(old, metadata=[app_metadata, *TEST_METADATA], force_wait=False)


def test_retire_destroys_a_key_only_when_nothing_uses_it(engine: Engine) -> None:
    _seed()
    everything = [app_metadata, *TEST_METADATA]
    old = keyring().active()[0]
    new = rotate_keys(metadata=everything).active_kid

    with pytest.raises(CryptoError, match="only a decrypt-only"):
        retire_key(new, metadata=everything)
    with pytest.raises(CryptoError, match="moments ago"):  # other processes may still use it
        retire_key(old, metadata=everything)

    retire_key(old, metadata=everything, force_wait=False)

    assert {k.kid: k.state for k in list_keys()}[old] == "retired"
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT wrapped_key FROM crypto_data_key WHERE kid = :k"), {"k": old}
        ).one()
    assert row.wrapped_key is None  # key material destroyed
    assert _read_all()[0][0][1] == NAMES[0]


def test_cli_lists_rotates_and_refuses_bad_retire(engine: Engine) -> None:
    runner = CliRunner()
    before = keyring().active()[0]
    result = runner.invoke(keys_cli, ["rotate", "--batch-size", "100"])
    assert result.exit_code == 0, result.output
    new = keyring().active()[0]
    assert new != before and f"当前数据密钥：{new}" in result.output
    with engine.connect() as conn:
        audited = conn.execute(
            text(
                "SELECT actor_username FROM audit_record WHERE action = 'crypto.keys.rotate' "
                "AND resource_id = :k"
            ),
            {"k": new},
        ).all()
    assert [r.actor_username for r in audited] == ["cli"]

    listing = runner.invoke(keys_cli, ["list", "--usage"])
    assert listing.exit_code == 0
    assert f"{new}  使用中" in listing.output and f"{before}  仅解密" in listing.output

    refused = runner.invoke(keys_cli, ["retire", new])
    assert refused.exit_code == 1 and "无法销毁密钥" in refused.output

    resumed = runner.invoke(keys_cli, ["rotate", "--resume"])
    assert resumed.exit_code == 0 and f"当前数据密钥：{new}" in resumed.output


def test_concurrent_first_start_creates_one_active_key(engine: Engine) -> None:
    # Many processes start at once: the unique active slot keeps one active key.
    create_active_key()
    with engine.connect() as conn:
        n = conn.execute(text("SELECT COUNT(*) FROM crypto_data_key WHERE state = 'active'"))
        assert n.scalar_one() == 1
    with pytest.raises(Exception), engine.begin() as conn:  # noqa: B017 - any integrity error
        conn.execute(text("UPDATE crypto_data_key SET active_slot = 1"))
