"""EncryptedText columns and blind indexes, inside a rolled-back test transaction."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from healthnet.core.crypto import (
    CryptoError,
    CryptoIntegrityError,
    EncryptedText,
    UnknownKeyError,
    blind_index,
)
from healthnet.core.crypto.keys import keyring
from healthnet.core.crypto.types import encrypted_columns
from tests.core.crypto.tables import Secret

pytestmark = pytest.mark.usefixtures("secret_tables")


def _raw(db: Session, column: str, row_id: int) -> str:
    return str(
        db.execute(
            text(f"SELECT {column} FROM crypto_test_secret WHERE id = :i"), {"i": row_id}
        ).scalar_one()
    )


def _set_raw(db: Session, column: str, row_id: int, value: str) -> None:
    db.execute(
        text(f"UPDATE crypto_test_secret SET {column} = :v WHERE id = :i"),
        {"v": value, "i": row_id},
    )
    db.expire_all()


def _reload(db: Session, row_id: int) -> Secret:
    db.expire_all()
    return db.execute(select(Secret).where(Secret.id == row_id)).scalar_one()


def test_values_round_trip_and_database_holds_only_ciphertext(db: Session) -> None:
    db.add(Secret(id=1, name="欧阳娜娜", phone="13800138000"))
    db.flush()
    raw_name, raw_phone = _raw(db, "name", 1), _raw(db, "phone", 1)
    active_kid, _ = keyring().active()
    assert raw_name.startswith(f"{active_kid}:") and raw_phone.startswith(f"{active_kid}:")
    assert "欧阳" not in raw_name and "13800138000" not in raw_phone
    assert b"13800138000" not in base64.b64decode(raw_phone.split(":", 1)[1])
    row = _reload(db, 1)
    assert (row.name, row.phone) == ("欧阳娜娜", "13800138000")


def test_null_stays_null(db: Session) -> None:
    db.add(Secret(id=2, name="李四", phone=None))
    db.flush()
    assert db.execute(text("SELECT phone FROM crypto_test_secret WHERE id = 2")).scalar() is None
    assert _reload(db, 2).phone is None


def test_equal_values_give_different_ciphertexts(db: Session) -> None:
    db.add_all([Secret(id=3, name="王五"), Secret(id=4, name="王五")])
    db.flush()
    assert _raw(db, "name", 3) != _raw(db, "name", 4)


@pytest.mark.parametrize("where", ["nonce", "body", "tag"])
def test_a_flipped_byte_is_an_integrity_error_never_wrong_data(db: Session, where: str) -> None:
    db.add(Secret(id=5, name="赵六"))
    db.flush()
    kid, b64 = _raw(db, "name", 5).split(":", 1)
    blob = bytearray(base64.b64decode(b64))
    blob[{"nonce": 0, "body": 13, "tag": len(blob) - 1}[where]] ^= 0x01
    _set_raw(db, "name", 5, f"{kid}:{base64.b64encode(bytes(blob)).decode()}")
    with pytest.raises(CryptoIntegrityError):
        _reload(db, 5)


def test_ciphertext_copied_to_another_column_does_not_decrypt(db: Session) -> None:
    db.add(Secret(id=6, name="钱七", phone="13900139000"))
    db.flush()
    _set_raw(db, "name", 6, _raw(db, "phone", 6))
    with pytest.raises(CryptoIntegrityError):
        _reload(db, 6)


def test_unknown_key_id_and_malformed_values_fail_closed(db: Session) -> None:
    db.add(Secret(id=7, name="孙八"))
    db.flush()
    _, b64 = _raw(db, "name", 7).split(":", 1)
    _set_raw(db, "name", 7, f"ffffffff:{b64}")
    with pytest.raises(UnknownKeyError):
        _reload(db, 7)
    for bad in ("no-key-id", ":abc", "deadbeef:not base64!!"):
        _set_raw(db, "name", 7, bad)
        with pytest.raises(CryptoError):
            _reload(db, 7)


def test_blind_index_finds_exact_matches(db: Session) -> None:
    db.add_all(
        [
            Secret(
                id=8,
                name="周九",
                phone="13700137000",
                phone_index=blind_index("13700137000", purpose="phone"),
            ),
            Secret(
                id=9,
                name="吴十",
                phone="13700137001",
                phone_index=blind_index("13700137001", purpose="phone"),
            ),
        ]
    )
    db.flush()
    found = (
        db.execute(
            select(Secret).where(Secret.phone_index == blind_index("13700137000", purpose="phone"))
        )
        .scalars()
        .all()
    )
    assert [s.name for s in found] == ["周九"]


def test_blind_index_is_keyed_and_separated_by_purpose() -> None:
    a = blind_index("110101199003074514", purpose="id_number")
    assert a == blind_index("110101199003074514", purpose="id_number")
    assert len(a) == 64 and int(a, 16) >= 0
    assert a != blind_index("110101199003074514", purpose="phone")
    assert a != blind_index("110101199003074515", purpose="id_number")
    from healthnet.core.crypto import hmac_sm3, sm3

    assert a != sm3(b"110101199003074514").hex()  # not a plain hash anyone can recompute
    assert a != hmac_sm3(b"", b"110101199003074514").hex()
    with pytest.raises(CryptoError):
        blind_index("x", purpose="")


def test_column_type_keeps_its_context() -> None:
    col = EncryptedText("patients.person.name")
    assert col.context == "patients.person.name"
    assert repr(col) == "EncryptedText('patients.person.name')"
    with pytest.raises(CryptoError):
        EncryptedText("")


def test_application_encrypted_columns_have_distinct_contexts() -> None:
    # Two columns sharing a context would accept each other's ciphertexts.
    contexts = [c.context for c in encrypted_columns()]
    assert len(contexts) == len(set(contexts))
