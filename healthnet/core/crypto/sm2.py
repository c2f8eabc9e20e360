"""SM2 (GB/T 32918-2016) on the recommended curve, through ``tongsuopy`` (Tongsuo/OpenSSL).

* Signatures are SM2-with-SM3: ``e = SM3(Z_A || M)`` where ``Z_A = SM3(ENTL || ID || a || b ||
  xG || yG || xA || yA)`` (GB/T 32918.2 §5.5). The ID defaults to ``1234567812345678``
  (GB/T 35276 / GM/T 0009 default); another ID can be given. Signatures are DER
  ``SEQUENCE { r INTEGER, s INTEGER }`` (GB/T 35276 §7.2); :func:`signature_to_raw` and
  :func:`signature_from_raw` convert to and from the 64-byte ``r || s`` form.
* Encryption is GB/T 32918.4: ciphertexts are ``C1 || C3 || C2`` with C1 the uncompressed point
  ``04 || x1 || y1`` (65 bytes), C3 the 32-byte SM3 check value, C2 the masked message — the
  order of GB/T 32918.4-2016 §6.1. :meth:`SM2PrivateKey.decrypt` also accepts the DER
  ``SM2Cipher`` structure of GB/T 35276 §7.3 (what OpenSSL emits). Older C1C2C3 data must be
  reordered by the caller (:func:`c1c2c3_to_c1c3c2`).

``Z_A`` is computed here (a few SM3 calls) and the digest signed with ``EVP_PKEY_sign``, so the
same path serves the default and custom IDs. tongsuopy exposes no high-level SM2 encryption, so
encryption uses its OpenSSL binding directly.
"""

from __future__ import annotations

from typing import Any, ClassVar

from asn1crypto import core
from tongsuopy.backends.tongsuo import backend as _backend
from tongsuopy.crypto import serialization
from tongsuopy.crypto.asymciphers import ec

from healthnet.core.crypto.errors import CryptoError, CryptoIntegrityError
from healthnet.core.crypto.sm import sm3

DEFAULT_USER_ID = b"1234567812345678"

# GB/T 32918.5-2017 recommended curve parameters (also in the Z_A computation).
_P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
_A = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC
_B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
_GX = 0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7
_GY = 0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0
_N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123

_lib: Any = _backend._lib
_ffi: Any = _backend._ffi


def _b32(n: int) -> bytes:
    return n.to_bytes(32, "big")


class _SM2Signature(core.Sequence):  # type: ignore[misc]
    _fields: ClassVar = [("r", core.Integer), ("s", core.Integer)]


class _SM2Cipher(core.Sequence):  # type: ignore[misc]  # GB/T 35276-2017 §7.3
    _fields: ClassVar = [
        ("x", core.Integer),
        ("y", core.Integer),
        ("hash", core.OctetString),
        ("ciphertext", core.OctetString),
    ]


def signature_to_raw(der: bytes) -> bytes:
    """DER ``SEQUENCE{r,s}`` → 64-byte ``r || s``."""
    try:
        sig = _SM2Signature.load(der, strict=True)
        r, s = sig["r"].native, sig["s"].native
    except (ValueError, TypeError):
        raise CryptoIntegrityError("malformed SM2 signature") from None
    if not (0 < r < _N and 0 < s < _N):
        raise CryptoIntegrityError("malformed SM2 signature")
    return _b32(r) + _b32(s)


def signature_from_raw(raw: bytes) -> bytes:
    """64-byte ``r || s`` → DER ``SEQUENCE{r,s}``."""
    if len(raw) != 64:
        raise CryptoIntegrityError("raw SM2 signature must be 64 bytes")
    r, s = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
    return bytes(_SM2Signature({"r": r, "s": s}).dump())


def c1c2c3_to_c1c3c2(ciphertext: bytes) -> bytes:
    """Reorder a ``04 || C1 || C2 || C3`` ciphertext (GM/T 0003-2012 draft order) to C1C3C2."""
    if len(ciphertext) < 65 + 32 or ciphertext[0] != 0x04:
        raise CryptoIntegrityError("malformed SM2 ciphertext")
    return ciphertext[:65] + ciphertext[-32:] + ciphertext[65:-32]


def _ciphertext_to_der(ciphertext: bytes) -> bytes:
    if ciphertext[:1] == b"\x30":
        return ciphertext
    if len(ciphertext) < 65 + 32 + 1 or ciphertext[0] != 0x04:
        raise CryptoIntegrityError("malformed SM2 ciphertext (expected 04 || C1 || C3 || C2)")
    x = int.from_bytes(ciphertext[1:33], "big")
    y = int.from_bytes(ciphertext[33:65], "big")
    c3, c2 = ciphertext[65:97], ciphertext[97:]
    return bytes(_SM2Cipher({"x": x, "y": y, "hash": c3, "ciphertext": c2}).dump())


def _der_to_ciphertext(der: bytes) -> bytes:
    c = _SM2Cipher.load(der, strict=True)
    return (
        b"\x04"
        + _b32(c["x"].native)
        + _b32(c["y"].native)
        + bytes(c["hash"].native)
        + bytes(c["ciphertext"].native)
    )


def _pkey_ctx(evp_pkey: Any) -> Any:
    ctx = _lib.EVP_PKEY_CTX_new(evp_pkey, _ffi.NULL)
    if ctx == _ffi.NULL:
        _backend._consume_errors()
        raise CryptoError("cannot create an SM2 context")
    return _ffi.gc(ctx, _lib.EVP_PKEY_CTX_free)


def _two_call(fn: Any, ctx: Any, data: bytes) -> bytes | None:
    """OpenSSL's size-then-fill calling pattern; None when OpenSSL reports failure."""
    outlen = _ffi.new("size_t *")
    if fn(ctx, _ffi.NULL, outlen, data, len(data)) != 1:
        _backend._consume_errors()
        return None
    buf = _ffi.new("unsigned char[]", outlen[0])
    if fn(ctx, buf, outlen, data, len(data)) != 1:
        _backend._consume_errors()
        return None
    return bytes(_ffi.buffer(buf)[: outlen[0]])


def _check_user_id(user_id: bytes) -> None:
    # ENTL is two bytes of *bits* (GB/T 32918.2 §5.5), so the ID is at most 8191 bytes.
    if len(user_id) >= 8192:
        raise CryptoError("SM2 user ID too long")


class SM2PublicKey:
    def __init__(self, key: ec.EllipticCurvePublicKey) -> None:
        if key.curve.name != "SM2":
            raise CryptoError("not an SM2 key")
        self._key = key

    @classmethod
    def from_pem(cls, pem: bytes) -> SM2PublicKey:
        try:
            key = serialization.load_pem_public_key(pem)
        except (ValueError, TypeError):
            raise CryptoError("not a PEM SM2 public key") from None
        if not isinstance(key, ec.EllipticCurvePublicKey):
            raise CryptoError("not an SM2 public key")
        return cls(key)

    @classmethod
    def from_point(cls, point: bytes) -> SM2PublicKey:
        """From ``04 || x || y`` (65 bytes) or a compressed point."""
        try:
            return cls(ec.EllipticCurvePublicKey.from_encoded_point(ec.SM2(), point))
        except ValueError:
            raise CryptoError("not a point on the SM2 curve") from None

    def to_pem(self) -> bytes:
        return bytes(
            self._key.public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )

    def point(self) -> bytes:
        """Uncompressed ``04 || x || y``."""
        return bytes(
            self._key.public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )

    def z_value(self, user_id: bytes = DEFAULT_USER_ID) -> bytes:
        """``Z_A`` of GB/T 32918.2 §5.5 for this key and ``user_id``."""
        _check_user_id(user_id)
        entl = (len(user_id) * 8).to_bytes(2, "big")
        return sm3(entl + user_id + _b32(_A) + _b32(_B) + _b32(_GX) + _b32(_GY) + self.point()[1:])

    def message_digest(self, data: bytes, user_id: bytes = DEFAULT_USER_ID) -> bytes:
        """``e = SM3(Z_A || M)``, the value an SM2 signature actually signs."""
        return sm3(self.z_value(user_id) + data)

    def is_valid_signature(
        self, signature: bytes, data: bytes, *, user_id: bytes = DEFAULT_USER_ID
    ) -> bool:
        try:
            signature_to_raw(signature)  # strict DER, r and s in range
        except CryptoIntegrityError:
            return False
        e = self.message_digest(data, user_id)
        ctx = _pkey_ctx(self._key._evp_pkey)
        if _lib.EVP_PKEY_verify_init(ctx) != 1:
            _backend._consume_errors()
            raise CryptoError("cannot initialise SM2 verification")
        ok = _lib.EVP_PKEY_verify(ctx, signature, len(signature), e, len(e))
        if ok != 1:
            _backend._consume_errors()
        return bool(ok == 1)

    def verify(self, signature: bytes, data: bytes, *, user_id: bytes = DEFAULT_USER_ID) -> None:
        """Raise :class:`CryptoIntegrityError` unless ``signature`` is valid over ``data``."""
        if not self.is_valid_signature(signature, data, user_id=user_id):
            raise CryptoIntegrityError("SM2 signature does not verify")

    def encrypt(self, plaintext: bytes) -> bytes:
        """GB/T 32918.4 encryption; returns ``04 || x1 || y1 || C3 || C2``."""
        if not plaintext:
            raise CryptoError("SM2 cannot encrypt an empty message")
        ctx = _pkey_ctx(self._key._evp_pkey)
        if _lib.EVP_PKEY_encrypt_init(ctx) != 1:
            _backend._consume_errors()
            raise CryptoError("cannot initialise SM2 encryption")
        der = _two_call(_lib.EVP_PKEY_encrypt, ctx, plaintext)
        if der is None:
            raise CryptoError("SM2 encryption failed")
        return _der_to_ciphertext(der)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SM2PublicKey) and self.point() == other.point()

    def __hash__(self) -> int:
        return hash(self.point())


class SM2PrivateKey:
    def __init__(self, key: ec.EllipticCurvePrivateKey) -> None:
        if key.curve.name != "SM2":
            raise CryptoError("not an SM2 key")
        self._key = key

    @classmethod
    def generate(cls) -> SM2PrivateKey:
        return cls(ec.generate_private_key(ec.SM2()))

    @classmethod
    def from_int(cls, d: int) -> SM2PrivateKey:
        if not 0 < d < _N - 1:  # GB/T 32918.1 §6.1: d ∈ [1, n-2]
            raise CryptoError("SM2 private key out of range")
        return cls(ec.derive_private_key(d, ec.SM2()))

    @classmethod
    def from_pem(cls, pem: bytes, password: bytes | None = None) -> SM2PrivateKey:
        try:
            key = serialization.load_pem_private_key(pem, password)
        except (ValueError, TypeError):
            raise CryptoError("not a PEM SM2 private key, or wrong password") from None
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise CryptoError("not an SM2 private key")
        return cls(key)

    def to_pem(self, password: bytes | None = None) -> bytes:
        """PKCS #8 PEM, encrypted with ``password`` when given."""
        enc: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(password)
            if password
            else serialization.NoEncryption()
        )
        return bytes(
            self._key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc
            )
        )

    def private_value(self) -> int:
        return int(self._key.private_numbers().private_value)

    def public_key(self) -> SM2PublicKey:
        return SM2PublicKey(self._key.public_key())

    def sign(self, data: bytes, *, user_id: bytes = DEFAULT_USER_ID) -> bytes:
        """SM2-with-SM3 signature (DER) over ``data`` for ``user_id``."""
        e = self.public_key().message_digest(data, user_id)
        ctx = _pkey_ctx(self._key._evp_pkey)
        if _lib.EVP_PKEY_sign_init(ctx) != 1:
            _backend._consume_errors()
            raise CryptoError("cannot initialise SM2 signing")
        sig = _two_call(_lib.EVP_PKEY_sign, ctx, e)
        if sig is None:
            raise CryptoError("SM2 signing failed")
        return sig

    def decrypt(self, ciphertext: bytes) -> bytes:
        """Reverse :meth:`SM2PublicKey.encrypt` (C1C3C2 with 04 prefix, or DER SM2Cipher).

        A changed C1, C3 or C2 → :class:`CryptoIntegrityError` (C3 is checked, §7.1 B6).
        """
        try:
            der = _ciphertext_to_der(ciphertext)
        except (ValueError, TypeError):
            raise CryptoIntegrityError("malformed SM2 ciphertext") from None
        ctx = _pkey_ctx(self._key._evp_pkey)
        if _lib.EVP_PKEY_decrypt_init(ctx) != 1:
            _backend._consume_errors()
            raise CryptoError("cannot initialise SM2 decryption")
        plaintext = _two_call(_lib.EVP_PKEY_decrypt, ctx, der)
        if plaintext is None:
            raise CryptoIntegrityError("SM2 ciphertext does not decrypt")
        return plaintext
