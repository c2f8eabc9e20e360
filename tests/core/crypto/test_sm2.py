"""SM2 against GB/T 32918.5-2017 (GM/T 0003.5-2012) Annex A examples and against gmssl."""

from __future__ import annotations

import pytest
from gmssl import func as gm_func
from gmssl import sm3 as gm_sm3
from gmssl.sm2 import CryptSM2

from healthnet.core.crypto import CryptoError, CryptoIntegrityError
from healthnet.core.crypto.sm2 import (
    DEFAULT_USER_ID,
    SM2PrivateKey,
    SM2PublicKey,
    c1c2c3_to_c1c3c2,
    signature_from_raw,
    signature_to_raw,
)

# Recommended-curve example of GB/T 32918.5-2017 Annex A (= GM/T 0003.5-2012 Annex A),
# ID 1234567812345678, message "message digest", random k = 59276E27...BC21.
STD_D = 0x3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8
STD_PUB = bytes.fromhex(
    "04"
    "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
    "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13"
)
STD_Z = bytes.fromhex("B2E14C5C79C6DF5B85F4FE7ED8DB7A262B9DA7E07CCB0EA9F4747B8CCDA8A4F3")
STD_E = bytes.fromhex("F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640")
STD_SIG_RS = bytes.fromhex(
    "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3"
    "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA"
)
# Same key, message "encryption standard", same k: GM/T 0003.5 Annex C ciphertext as the
# DER SM2Cipher of GB/T 35276 (as reproduced in OpenSSL's test/sm2_internal_test.c).
STD_CIPHER_DER = bytes.fromhex(
    "307C022004EBFC718E8D1798620432268E77FEB6415E2EDE0E073C0F4F640ECD2E149A73022100E858F9D81E"
    "5430A57B36DAAB8F950A3C64E6EE6A63094D99283AFF767E124DF0042059983C18F809E262923C53AEC295D3"
    "0383B54E39D609D160AFCB1908D0BD8766041321886CA989CA9C7D58087307CA93092D651EFA"
)
STD_C1 = bytes.fromhex(
    "04"
    "04EBFC718E8D1798620432268E77FEB6415E2EDE0E073C0F4F640ECD2E149A73"
    "E858F9D81E5430A57B36DAAB8F950A3C64E6EE6A63094D99283AFF767E124DF0"
)
STD_C3 = bytes.fromhex("59983C18F809E262923C53AEC295D30383B54E39D609D160AFCB1908D0BD8766")
STD_C2 = bytes.fromhex("21886CA989CA9C7D58087307CA93092D651EFA")


def test_standard_key_pair() -> None:
    assert SM2PrivateKey.from_int(STD_D).public_key().point() == STD_PUB


def test_standard_z_value_and_digest() -> None:
    pub = SM2PublicKey.from_point(STD_PUB)
    assert pub.z_value() == STD_Z
    assert pub.message_digest(b"message digest") == STD_E


def test_standard_signature_verifies() -> None:
    pub = SM2PublicKey.from_point(STD_PUB)
    sig = signature_from_raw(STD_SIG_RS)
    pub.verify(sig, b"message digest")
    assert signature_to_raw(sig) == STD_SIG_RS


def test_standard_signature_fails_on_other_message_id_or_bit() -> None:
    pub = SM2PublicKey.from_point(STD_PUB)
    sig = signature_from_raw(STD_SIG_RS)
    assert not pub.is_valid_signature(sig, b"message digesT")
    assert not pub.is_valid_signature(sig, b"message digest", user_id=b"ALICE123@YAHOO.COM")
    damaged = bytearray(STD_SIG_RS)
    damaged[5] ^= 1
    with pytest.raises(CryptoIntegrityError):
        pub.verify(signature_from_raw(bytes(damaged)), b"message digest")
    assert not pub.is_valid_signature(b"\x30\x00garbage", b"message digest")


def test_standard_ciphertext_decrypts_in_both_encodings() -> None:
    key = SM2PrivateKey.from_int(STD_D)
    assert key.decrypt(STD_CIPHER_DER) == b"encryption standard"
    assert key.decrypt(STD_C1 + STD_C3 + STD_C2) == b"encryption standard"
    assert key.decrypt(c1c2c3_to_c1c3c2(STD_C1 + STD_C2 + STD_C3)) == b"encryption standard"


@pytest.mark.parametrize("index", [1, 40, 65 + 3, 65 + 32 + 2])  # C1.x, C1.y, C3, C2
def test_tampered_ciphertext_is_an_integrity_error(index: int) -> None:
    key = SM2PrivateKey.from_int(STD_D)
    damaged = bytearray(STD_C1 + STD_C3 + STD_C2)
    damaged[index] ^= 1
    with pytest.raises(CryptoIntegrityError):
        key.decrypt(bytes(damaged))


def test_own_round_trips_and_pem() -> None:
    key = SM2PrivateKey.generate()
    pub = key.public_key()
    sig = key.sign("转诊单 2024-001".encode())
    pub.verify(sig, "转诊单 2024-001".encode())
    assert key.decrypt(pub.encrypt(b"secret")) == b"secret"
    ct = pub.encrypt(b"secret")
    assert ct[0] == 0x04 and len(ct) == 65 + 32 + 6

    restored = SM2PrivateKey.from_pem(key.to_pem())
    assert restored.private_value() == key.private_value()
    assert SM2PublicKey.from_pem(pub.to_pem()) == pub
    assert b"BEGIN PUBLIC KEY" in pub.to_pem()

    locked = key.to_pem(password=b"correct horse")
    assert b"ENCRYPTED" in locked
    assert SM2PrivateKey.from_pem(locked, b"correct horse").private_value() == key.private_value()
    with pytest.raises(CryptoError):
        SM2PrivateKey.from_pem(locked, b"wrong")
    with pytest.raises(CryptoError):
        SM2PublicKey.from_point(b"\x04" + bytes(64))


def test_custom_user_id() -> None:
    key = SM2PrivateKey.generate()
    sig = key.sign(b"doc", user_id="医生 0042".encode())
    key.public_key().verify(sig, b"doc", user_id="医生 0042".encode())
    assert not key.public_key().is_valid_signature(sig, b"doc")  # default ID differs


# ---------------------------------------------------------------- cross-checks with gmssl


def _key_for_gmssl() -> SM2PrivateKey:
    # gmssl strips a leading "04" from the public-key hex with lstrip("04"), which eats
    # coordinate digits 0/4; use a key whose x coordinate does not start with them.
    while True:
        key = SM2PrivateKey.generate()
        if key.public_key().point()[1:].hex()[0] not in "04":
            return key


def _gmssl(key: SM2PrivateKey, *, mode: int = 1, asn1: bool = True) -> CryptSM2:
    return CryptSM2(
        private_key=f"{key.private_value():064x}",
        public_key=key.public_key().point()[1:].hex(),
        mode=mode,
        asn1=asn1,
    )


def _gm_sm3(data: bytes) -> bytes:
    return bytes.fromhex(gm_sm3.sm3_hash(gm_func.bytes_to_list(data)))


def test_gmssl_verifies_our_signature_and_we_verify_gmssl() -> None:
    key = _key_for_gmssl()
    gm = _gmssl(key)
    msg = "出生医学证明 310101".encode()
    assert gm.verify_with_sm3(key.sign(msg).hex(), msg)
    assert not gm.verify_with_sm3(key.sign(msg).hex(), msg + b"!")
    theirs = bytes.fromhex(gm.sign_with_sm3(msg))
    key.public_key().verify(theirs, msg)
    # gmssl's raw r||s form converts to the same signature
    raw = bytes.fromhex(_gmssl(key, asn1=False).sign_with_sm3(msg))
    key.public_key().verify(signature_from_raw(raw), msg)


def test_gmssl_agrees_on_custom_id_z_value() -> None:
    # gmssl hard-codes the default ID in sign_with_sm3, so compute e = SM3(Z || M) for a custom
    # ID independently (gmssl's SM3 over GB/T 32918.2 §5.5 fields) and use its raw sign/verify.
    key = _key_for_gmssl()
    uid, msg = b"ALICE123@YAHOO.COM", b"message digest"
    curve = bytes.fromhex(
        "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC"
        "28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93"
        "32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7"
        "BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0"
    )
    z = _gm_sm3((len(uid) * 8).to_bytes(2, "big") + uid + curve + key.public_key().point()[1:])
    e = _gm_sm3(z + msg)
    assert key.public_key().message_digest(msg, uid) == e

    gm = _gmssl(key)
    theirs = bytes.fromhex(gm.sign(e, gm_func.random_hex(64)))
    key.public_key().verify(theirs, msg, user_id=uid)
    assert gm.verify(key.sign(msg, user_id=uid).hex(), e)
    assert not gm.verify(key.sign(msg, user_id=DEFAULT_USER_ID).hex(), e)


def test_gmssl_decrypts_ours_and_we_decrypt_gmssl_c1c3c2() -> None:
    key = _key_for_gmssl()
    plaintext = "身份证号 110101199003074514".encode()
    ours = key.public_key().encrypt(plaintext)
    # gmssl uses C1C3C2 (mode=1) without the 04 point prefix
    assert _gmssl(key, mode=1).decrypt(ours[1:]) == plaintext
    theirs = _gmssl(key, mode=1).encrypt(plaintext)
    assert key.decrypt(b"\x04" + theirs) == plaintext


def test_we_decrypt_gmssl_c1c2c3_after_reordering() -> None:
    key = _key_for_gmssl()
    theirs = _gmssl(key, mode=0).encrypt(b"old order")
    assert key.decrypt(c1c2c3_to_c1c3c2(b"\x04" + theirs)) == b"old order"
    with pytest.raises(CryptoIntegrityError):  # unconverted C1C2C3 fails C3, never garbles
        key.decrypt(b"\x04" + theirs)
