"""SM3, HMAC-SM3 and SM4(-GCM) against the standards' published vectors and against gmssl."""

from __future__ import annotations

import hmac
import os

import pytest
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from gmssl import func as gm_func
from gmssl import sm3 as gm_sm3
from gmssl.sm4 import SM4_DECRYPT, SM4_ENCRYPT, CryptSM4

from healthnet.core.crypto import (
    CryptoError,
    CryptoIntegrityError,
    hmac_sm3,
    sm3,
    sm4_gcm_decrypt,
    sm4_gcm_encrypt,
)
from healthnet.core.crypto.sm import _seal

# ---------------------------------------------------------------- SM3 (GB/T 32905-2016 App. A)


def test_sm3_example_1_abc() -> None:
    assert sm3(b"abc").hex() == ("66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")


def test_sm3_example_2_abcd_times_16() -> None:
    assert sm3(b"abcd" * 16).hex() == (
        "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
    )


def _gm_sm3(data: bytes) -> bytes:
    return bytes.fromhex(gm_sm3.sm3_hash(gm_func.bytes_to_list(data)))


@pytest.mark.parametrize("size", [0, 1, 55, 56, 63, 64, 65, 1000])
def test_sm3_matches_gmssl(size: int) -> None:
    data = os.urandom(size)
    assert sm3(data) == _gm_sm3(data)


# ---------------------------------------------------------------- HMAC-SM3


class _GmSM3:
    """A hashlib-style SM3 built on gmssl's pure-Python SM3, for the stdlib hmac module."""

    digest_size = 32
    block_size = 64
    name = "gmssl-sm3"

    def __init__(self, data: bytes = b"") -> None:
        self._buf = bytearray(data)

    def update(self, data: bytes) -> None:
        self._buf += data

    def copy(self) -> _GmSM3:
        return _GmSM3(bytes(self._buf))

    def digest(self) -> bytes:
        return _gm_sm3(bytes(self._buf))


@pytest.mark.parametrize("key_len", [0, 16, 32, 64, 65, 100])  # >64 bytes: key is hashed first
def test_hmac_sm3_matches_independent_hmac(key_len: int) -> None:
    key, msg = os.urandom(key_len), os.urandom(77)
    assert hmac_sm3(key, msg) == hmac.new(key, msg, _GmSM3).digest()  # type: ignore[arg-type]


def test_hmac_sm3_depends_on_key_and_message() -> None:
    assert hmac_sm3(b"k1", b"m") != hmac_sm3(b"k2", b"m")
    assert hmac_sm3(b"k1", b"m") != hmac_sm3(b"k1", b"n")


# ---------------------------------------------------------------- SM4 (GB/T 32907-2016 App. A)

SM4_KEY = bytes.fromhex("0123456789abcdeffedcba9876543210")


def test_sm4_block_example_1() -> None:
    enc = Cipher(algorithms.SM4(SM4_KEY), modes.ECB()).encryptor()
    assert (enc.update(SM4_KEY) + enc.finalize()).hex() == "681edf34d206965e86b3e94f536e4246"


def _pkcs7(data: bytes) -> bytes:
    p = padding.PKCS7(128).padder()
    return p.update(data) + p.finalize()


@pytest.mark.parametrize("size", [0, 15, 16, 33, 200])
def test_sm4_ecb_and_cbc_match_gmssl(size: int) -> None:
    key, iv, data = os.urandom(16), os.urandom(16), os.urandom(size)

    enc = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()
    ours_ecb = enc.update(_pkcs7(data)) + enc.finalize()
    gm = CryptSM4()
    gm.set_key(key, SM4_ENCRYPT)
    assert gm.crypt_ecb(data) == ours_ecb

    enc = Cipher(algorithms.SM4(key), modes.CBC(iv)).encryptor()
    ours_cbc = enc.update(_pkcs7(data)) + enc.finalize()
    gm = CryptSM4()
    gm.set_key(key, SM4_ENCRYPT)
    assert gm.crypt_cbc(iv, data) == ours_cbc
    gm = CryptSM4()
    gm.set_key(key, SM4_DECRYPT)
    assert gm.crypt_cbc(iv, ours_cbc) == data


# ---------------------------------------------------------------- SM4-GCM (RFC 8998 App. A.1)

GCM_KEY = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
GCM_IV = bytes.fromhex("00001234567800000000ABCD")
GCM_AAD = bytes.fromhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2")
GCM_PT = bytes.fromhex(
    "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
    "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA"
)
GCM_CT = bytes.fromhex(
    "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
    "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
)
GCM_TAG = bytes.fromhex("83DE3541E4C2B58177E065A9BF7B62EC")


def test_sm4_gcm_rfc8998_vector_encrypts() -> None:
    assert _seal(GCM_KEY, GCM_IV, GCM_PT, GCM_AAD) == GCM_IV + GCM_CT + GCM_TAG


def test_sm4_gcm_rfc8998_vector_decrypts() -> None:
    assert sm4_gcm_decrypt(GCM_KEY, GCM_IV + GCM_CT + GCM_TAG, GCM_AAD) == GCM_PT


def test_sm4_gcm_every_flipped_byte_is_an_integrity_error() -> None:
    blob = GCM_IV + GCM_CT + GCM_TAG
    for i in range(len(blob)):
        damaged = bytearray(blob)
        damaged[i] ^= 0x01
        with pytest.raises(CryptoIntegrityError):
            sm4_gcm_decrypt(GCM_KEY, bytes(damaged), GCM_AAD)


def test_sm4_gcm_wrong_aad_key_or_truncation_is_an_integrity_error() -> None:
    blob = GCM_IV + GCM_CT + GCM_TAG
    with pytest.raises(CryptoIntegrityError):
        sm4_gcm_decrypt(GCM_KEY, blob, GCM_AAD + b"x")
    with pytest.raises(CryptoIntegrityError):
        sm4_gcm_decrypt(GCM_KEY, blob, b"")
    with pytest.raises(CryptoIntegrityError):
        sm4_gcm_decrypt(bytes(16), blob, GCM_AAD)
    with pytest.raises(CryptoIntegrityError):
        sm4_gcm_decrypt(GCM_KEY, blob[:-1], GCM_AAD)
    with pytest.raises(CryptoIntegrityError):
        sm4_gcm_decrypt(GCM_KEY, blob[:20], GCM_AAD)


def test_sm4_gcm_round_trip_uses_fresh_nonces() -> None:
    key = os.urandom(16)
    a = sm4_gcm_encrypt(key, "张三 13800138000".encode(), b"ctx")
    b = sm4_gcm_encrypt(key, "张三 13800138000".encode(), b"ctx")
    assert a != b and a[:12] != b[:12]
    assert len(a) == 12 + len("张三 13800138000".encode()) + 16
    assert sm4_gcm_decrypt(key, a, b"ctx").decode() == "张三 13800138000"
    assert sm4_gcm_decrypt(key, sm4_gcm_encrypt(key, b""), b"") == b""


def test_sm4_rejects_wrong_key_size() -> None:
    with pytest.raises(CryptoError):
        sm4_gcm_encrypt(os.urandom(32), b"x")
