"""Signing keys for JOSE (JWS) consumers that do not speak SM2.

OpenID Connect clients verify ID tokens with the algorithms of RFC 7518; no registered JWS
algorithm uses SM2, so the OIDC provider signs with RS256 (the algorithm OpenID Connect Core
§15.1 requires every provider to support). This module only makes and checks the key; the JWS
itself is produced by Authlib/joserfc, which load the PEM.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from healthnet.core.crypto.errors import CryptoError

JOSE_ALGORITHMS = ("RS256", "ES256")
RSA_BITS = 2048  # NIST SP 800-57 Pt 1 Rev 5: 112-bit strength, acceptable through 2030


def jose_signing_key(alg: str = "RS256") -> bytes:
    """A new private key for ``alg`` as unencrypted PKCS #8 PEM.

    The caller stores it encrypted (an ``EncryptedText`` column); it never leaves the process in
    clear.
    """
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    if alg == "RS256":
        key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
    elif alg == "ES256":
        key = ec.generate_private_key(ec.SECP256R1())  # RFC 7518 §3.4: P-256 with SHA-256
    else:
        raise CryptoError(f"unsupported JOSE algorithm {alg!r}; use one of {JOSE_ALGORITHMS}")
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
