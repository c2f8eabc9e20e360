"""National cryptography for HealthNet — the only place that imports a crypto library.

Public API (everything else in this package is internal):

Primitives (``sm.py``, ``sm2.py``)
    ``sm3(data) -> bytes``                          SM3 digest, GB/T 32905
    ``hmac_sm3(key, data) -> bytes``                HMAC with SM3
    ``sm4_gcm_encrypt(key, plaintext, aad) -> bytes``  ``nonce(12) | ciphertext | tag(16)``
    ``sm4_gcm_decrypt(key, blob, aad) -> bytes``    raises ``CryptoIntegrityError`` on tampering
    ``SM2PrivateKey.generate() / from_pem() / to_pem() / sign(data, *, user_id) / decrypt()``
    ``SM2PublicKey.from_pem() / from_point() / verify(sig, data, *, user_id)`` (raises
        ``CryptoIntegrityError``) ``/ is_valid_signature() / encrypt()``
        Signatures: SM2-with-SM3 with the GB/T 32918.2 Z value, ``DEFAULT_USER_ID`` =
        ``1234567812345678``, DER-encoded (``signature_to_raw/from_raw`` for ``r || s``).
        Ciphertexts: GB/T 32918.4 ``04 || x1 || y1 || C3 || C2``.
Data protection (``types.py``, ``keys.py``)
    ``EncryptedText(context)``                      SQLAlchemy column type, stored ``kid:base64``
    ``blind_index(value, *, purpose) -> str``       HMAC-SM3 hex for exact-match search
    ``ensure_active_key() -> str``                  create the first data key; call at start-up
Rotation (``rotate.py``, CLI ``healthnet keys list|ensure|rotate [--resume]|retire``)
    ``rotate_keys()``, ``retire_key(kid)``
Passwords (``passwords.py``)
    ``hash_password``, ``verify_password``, ``needs_rehash``   PBKDF2-HMAC-SM3
JOSE (``jose.py``)
    ``jose_signing_key(alg) -> bytes``             RS256/ES256 private key (PKCS #8 PEM) for the
                                                    OIDC provider's ID tokens (no SM2 JWS exists)
Errors
    ``CryptoError``, ``CryptoIntegrityError``, ``UnknownKeyError``, ``MasterKeyError``
"""

from healthnet.core.crypto.errors import (
    CryptoError,
    CryptoIntegrityError,
    MasterKeyError,
    UnknownKeyError,
)
from healthnet.core.crypto.jose import jose_signing_key
from healthnet.core.crypto.keys import ensure_active_key
from healthnet.core.crypto.passwords import hash_password, needs_rehash, verify_password
from healthnet.core.crypto.sm import hmac_sm3, sm3, sm4_gcm_decrypt, sm4_gcm_encrypt
from healthnet.core.crypto.sm2 import (
    DEFAULT_USER_ID,
    SM2PrivateKey,
    SM2PublicKey,
    signature_from_raw,
    signature_to_raw,
)
from healthnet.core.crypto.types import EncryptedText, blind_index

__all__ = [
    "DEFAULT_USER_ID",
    "CryptoError",
    "CryptoIntegrityError",
    "EncryptedText",
    "MasterKeyError",
    "SM2PrivateKey",
    "SM2PublicKey",
    "UnknownKeyError",
    "blind_index",
    "ensure_active_key",
    "hash_password",
    "hmac_sm3",
    "jose_signing_key",
    "needs_rehash",
    "signature_from_raw",
    "signature_to_raw",
    "sm3",
    "sm4_gcm_decrypt",
    "sm4_gcm_encrypt",
    "verify_password",
]
