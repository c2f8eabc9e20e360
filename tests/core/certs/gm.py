"""Independent checks with gmssl (pure Python SM2/SM3, no code shared with Tongsuo)."""

from __future__ import annotations

from asn1crypto import keys
from gmssl.sm2 import CryptSM2


def gm_verify(spki: keys.PublicKeyInfo, signature_der: bytes, data: bytes) -> bool:
    """gmssl's SM2-with-SM3 verification (Z_A with the default ID 1234567812345678)."""
    assert spki["algorithm"]["algorithm"].dotted == "1.2.840.10045.2.1"
    assert spki["algorithm"]["parameters"].chosen.dotted == "1.2.156.10197.1.301"
    point = bytes(spki["public_key"].native)
    gm = CryptSM2(private_key=None, public_key="", asn1=True)
    # Set after construction: gmssl's constructor strips a leading "04" with lstrip, which
    # would also eat an x coordinate starting with 0 or 4.
    gm.public_key = point[1:].hex()
    return bool(gm.verify_with_sm3(signature_der.hex(), data))
