"""PBKDF2-HMAC-SM3 password hashes (the lead's passwords.py)."""

from __future__ import annotations

import base64
import hmac

from gmssl import func as gm_func
from gmssl import sm3 as gm_sm3

from healthnet.core.crypto import hash_password, needs_rehash, verify_password


def _gm_hmac_sm3(key: bytes, msg: bytes) -> bytes:
    # RFC 2104 by hand over gmssl's SM3, independent of OpenSSL.
    block = 64
    if len(key) > block:
        key = bytes.fromhex(gm_sm3.sm3_hash(gm_func.bytes_to_list(key)))
    key = key.ljust(block, b"\0")
    ipad, opad = bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)

    def h(d: bytes) -> bytes:
        return bytes.fromhex(gm_sm3.sm3_hash(gm_func.bytes_to_list(d)))

    return h(opad + h(ipad + msg))


def _pbkdf2_sm3_one_block(password: bytes, salt: bytes, iterations: int) -> bytes:
    # PKCS #5 v2.1 §5.2 with dkLen = hLen = 32, so only block T_1.
    u = _gm_hmac_sm3(password, salt + (1).to_bytes(4, "big"))
    t = bytearray(u)
    for _ in range(iterations - 1):
        u = _gm_hmac_sm3(password, u)
        t = bytearray(a ^ b for a, b in zip(t, u, strict=True))
    return bytes(t)


def test_hash_verifies_and_rejects_wrong_password() -> None:
    stored = hash_password("Zhang-san-2024", iterations=1000)
    assert stored.startswith("pbkdf2-sm3$1000$")
    assert verify_password("Zhang-san-2024", stored)
    assert not verify_password("zhang-san-2024", stored)
    assert not verify_password("", stored)


def test_same_password_gets_different_salts() -> None:
    assert hash_password("same", iterations=10) != hash_password("same", iterations=10)


def test_hash_matches_an_independent_pbkdf2_hmac_sm3() -> None:
    stored = hash_password("密码Secret1", iterations=50)
    _, iters, salt_b64, hash_b64 = stored.split("$")
    expected = _pbkdf2_sm3_one_block("密码Secret1".encode(), base64.b64decode(salt_b64), int(iters))
    assert hmac.compare_digest(base64.b64decode(hash_b64), expected)


def test_malformed_or_foreign_hashes_never_verify() -> None:
    assert not verify_password("x", "")
    assert not verify_password("x", "bcrypt$1$2$3")
    assert not verify_password("x", "pbkdf2-sm3$notanumber$AA==$AA==")
    assert not verify_password("x", "pbkdf2-sm3$10$%%%$AA==")


def test_needs_rehash_when_iterations_rise() -> None:
    old = hash_password("p", iterations=1000)
    assert needs_rehash(old, iterations=2000)
    assert not needs_rehash(old, iterations=1000)
    assert needs_rehash("something-else")
    assert needs_rehash("pbkdf2-sm3$abc$AA==$AA==")  # malformed: rehash, do not crash
