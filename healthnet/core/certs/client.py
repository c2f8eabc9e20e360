"""What a staff member's side does during certificate login, without a USB key.

A USB key (UKey) does the same inside the token through the SKF interface
(GM/T 0016 ``SKF_ECCSignData`` over ``SM3(Z_A || nonce)``); here the key sits in a
password-protected PKCS #8 file instead. No database, no server state.
"""

from __future__ import annotations

import base64
import binascii

from healthnet.core.crypto import CryptoError, SM2PrivateKey


class ClientError(ValueError):
    """The key file, password or nonce is unusable (message is safe to show)."""


def load_key(key_pem: bytes, password: str | None) -> SM2PrivateKey:
    try:
        return SM2PrivateKey.from_pem(key_pem, password.encode("utf-8") if password else None)
    except CryptoError:
        raise ClientError("私钥文件无法读取：不是 SM2 私钥，或口令错误") from None


def key_is_encrypted(key_pem: bytes) -> bool:
    return b"ENCRYPTED" in key_pem.split(b"\n", 1)[0]


def sign_challenge(key_pem: bytes, nonce_b64: str, password: str | None = None) -> str:
    """SM2-with-SM3 (GB/T 32918.2, default ID) over the nonce bytes; base64 DER signature."""
    try:
        nonce = base64.b64decode("".join(nonce_b64.split()), validate=True)
    except (binascii.Error, ValueError):
        raise ClientError("挑战值不是有效的 Base64") from None
    if not nonce:
        raise ClientError("挑战值为空")
    key = load_key(key_pem, password)
    return base64.b64encode(key.sign(nonce)).decode("ascii")
