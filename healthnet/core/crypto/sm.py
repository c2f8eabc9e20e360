"""SM3, HMAC-SM3 and SM4-GCM on top of ``cryptography`` (OpenSSL).

* SM3: GB/T 32905-2016.
* HMAC-SM3: the HMAC construction of RFC 2104 / GB/T 15852.2 with SM3 (64-byte block).
* SM4: GB/T 32907-2016, used in GCM mode (RFC 8998 §3 / GB/T 36624) with a 12-byte random nonce
  and a 16-byte tag. The blob format is ``nonce(12) | ciphertext | tag(16)``.
"""

from __future__ import annotations

import hmac as _hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as _chmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from healthnet.core.crypto.errors import CryptoError, CryptoIntegrityError

SM4_KEY_BYTES = 16
GCM_NONCE_BYTES = 12
GCM_TAG_BYTES = 16


def sm3(data: bytes) -> bytes:
    """The 32-byte SM3 digest of ``data``."""
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize()


def hmac_sm3(key: bytes, data: bytes) -> bytes:
    """The 32-byte HMAC-SM3 of ``data`` under ``key``."""
    h = _chmac.HMAC(key, hashes.SM3())
    h.update(data)
    return h.finalize()


def constant_time_equal(a: bytes, b: bytes) -> bool:
    return _hmac.compare_digest(a, b)


def _check_key(key: bytes) -> None:
    if len(key) != SM4_KEY_BYTES:
        raise CryptoError("SM4 keys are 16 bytes")


def sm4_gcm_encrypt(key: bytes, plaintext: bytes, aad: bytes = b"") -> bytes:
    """Encrypt under a fresh random nonce; returns ``nonce | ciphertext | tag``.

    NIST SP 800-38D §8.3 allows 2^32 encryptions with random 96-bit nonces per key; HealthNet
    writes millions of values per key, and rotation starts a fresh key long before that limit.
    """
    return _seal(key, os.urandom(GCM_NONCE_BYTES), plaintext, aad)


def _seal(key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """SM4-GCM with a caller-chosen nonce: only for the standard's vectors (tests)."""
    _check_key(key)
    enc = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    if aad:
        enc.authenticate_additional_data(aad)
    ct = enc.update(plaintext) + enc.finalize()
    return nonce + ct + enc.tag


def sm4_gcm_decrypt(key: bytes, blob: bytes, aad: bytes = b"") -> bytes:
    """Reverse :func:`sm4_gcm_encrypt`; any change to blob or aad → CryptoIntegrityError."""
    _check_key(key)
    if len(blob) < GCM_NONCE_BYTES + GCM_TAG_BYTES:
        raise CryptoIntegrityError("ciphertext too short")
    nonce, body, tag = (
        blob[:GCM_NONCE_BYTES],
        blob[GCM_NONCE_BYTES:-GCM_TAG_BYTES],
        blob[-GCM_TAG_BYTES:],
    )
    dec = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    if aad:
        dec.authenticate_additional_data(aad)
    try:
        return dec.update(body) + dec.finalize()
    except InvalidTag:
        raise CryptoIntegrityError("SM4-GCM authentication failed") from None
