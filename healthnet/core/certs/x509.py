"""X.509 certificates and CRLs for SM2 keys, built with ``asn1crypto`` and signed through
:mod:`healthnet.core.crypto` (no database here).

Profile (RFC 5280 with the GM/T 0015-2012 algorithm identifiers):

* subject public key: ``id-ecPublicKey`` (1.2.840.10045.2.1) with the named curve
  ``sm2p256v1`` (1.2.156.10197.1.301) — GM/T 0015 §7 / GB/T 20518;
* signature: ``SM2-with-SM3`` (1.2.156.10197.1.501) without parameters, the value a DER
  ``SEQUENCE {r, s}`` (GB/T 35276 §7.2) over the DER ``TBSCertificate`` / ``TBSCertList``,
  computed as GB/T 32918.2 with ``Z_A`` for the default ID ``1234567812345678``
  (GM/T 0009 §10; what Tongsuo and OpenSSL ≥ 3 check);
* names are UTF8String (RFC 5280 §4.1.2.6), except countryName (PrintableString);
* key identifiers are the first 20 bytes of SM3 over the public key point (RFC 5280 §4.2.1.2
  allows any method that yields unique values; SM3 keeps SHA-1 out of the product).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from asn1crypto import core, crl, keys, pem, x509

from healthnet.core.crypto import CryptoError, SM2PrivateKey, SM2PublicKey, sm3

SM2_WITH_SM3 = "1.2.156.10197.1.501"
SM2_SIGN_ALT = "1.2.156.10197.1.301.1"  # "sm2-1" of GM/T 0006, seen in some CMS signers
SM3 = "1.2.156.10197.1.401"
SM2_CURVE = "1.2.156.10197.1.301"
EC_PUBLIC_KEY = "1.2.840.10045.2.1"

# RFC 5280 §5.3.1 reason codes, by their asn1crypto names.
REVOCATION_REASONS = (
    "unspecified",
    "key_compromise",
    "ca_compromise",
    "affiliation_changed",
    "superseded",
    "cessation_of_operation",
    "certificate_hold",
    "remove_from_crl",
    "privilege_withdrawn",
    "aa_compromise",
)

_SIG_ALG = {"algorithm": SM2_WITH_SM3}


class CertificateFormatError(ValueError):
    """Bytes that are not an SM2 certificate we can read."""


def new_serial() -> int:
    """A positive serial of 127 random bits (RFC 5280 §4.1.2.2: ≤ 20 octets; CA/B ≥ 64 bits)."""
    return (int.from_bytes(secrets.token_bytes(16), "big") >> 1) or 1


def serial_hex(serial: int) -> str:
    return format(serial, "X")


def key_id(public_key: SM2PublicKey) -> bytes:
    return sm3(public_key.point())[:20]


def fingerprint(public_key: SM2PublicKey) -> str:
    """SM3 of the uncompressed point, hex: how a key is named in tables and logs."""
    return sm3(public_key.point()).hex()


def build_name(attrs: Mapping[str, str]) -> x509.Name:
    """``{"country_name": "CN", "organization_name": ..., "common_name": ..., "user_id": ...}``."""
    return x509.Name.build(dict(attrs), use_printable=False)


def _time(value: datetime) -> x509.Time:
    # RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
    value = value.astimezone(UTC).replace(microsecond=0)
    if value.year < 2050:
        return x509.Time(name="utc_time", value=value)
    return x509.Time(name="general_time", value=value)


def _spki(public_key: SM2PublicKey) -> keys.PublicKeyInfo:
    return keys.PublicKeyInfo(
        {
            "algorithm": {
                "algorithm": "ec",
                "parameters": keys.ECDomainParameters(name="named", value=SM2_CURVE),
            },
            "public_key": public_key.point(),
        }
    )


def _sign(tbs: core.Asn1Value, key: SM2PrivateKey) -> bytes:
    return key.sign(tbs.dump())


@dataclass(frozen=True)
class Profile:
    ca: bool
    path_length: int | None
    key_usage: frozenset[str]
    extended_key_usage: tuple[str, ...] = ()


ROOT_PROFILE = Profile(True, 1, frozenset({"key_cert_sign", "crl_sign"}))
ISSUING_PROFILE = Profile(True, 0, frozenset({"key_cert_sign", "crl_sign"}))
# Staff authentication (login with a USB key or a key file): RFC 5280 §4.2.1.12 clientAuth.
AUTHENTICATION_PROFILE = Profile(False, None, frozenset({"digital_signature"}), ("client_auth",))
# Document signing (S2): nonRepudiation (contentCommitment) marks commitment to the content.
SIGNING_PROFILE = Profile(False, None, frozenset({"digital_signature", "non_repudiation"}))


def build_certificate(
    *,
    serial: int,
    subject: x509.Name,
    public_key: SM2PublicKey,
    issuer: x509.Name,
    issuer_key: SM2PrivateKey,
    not_before: datetime,
    not_after: datetime,
    profile: Profile,
) -> x509.Certificate:
    """An X.509 v3 certificate for ``public_key`` signed with ``issuer_key`` (SM2-with-SM3)."""
    extensions: list[dict[str, object]] = [
        {
            "extn_id": "basic_constraints",
            "critical": True,
            "extn_value": {"ca": profile.ca, "path_len_constraint": profile.path_length}
            if profile.ca
            else {"ca": False},
        },
        {"extn_id": "key_usage", "critical": True, "extn_value": set(profile.key_usage)},
        {"extn_id": "key_identifier", "critical": False, "extn_value": key_id(public_key)},
        {
            "extn_id": "authority_key_identifier",
            "critical": False,
            "extn_value": {"key_identifier": key_id(issuer_key.public_key())},
        },
    ]
    if profile.extended_key_usage:
        extensions.append(
            {
                "extn_id": "extended_key_usage",
                "critical": False,
                "extn_value": list(profile.extended_key_usage),
            }
        )
    tbs = x509.TbsCertificate(
        {
            "version": "v3",
            "serial_number": serial,
            "signature": _SIG_ALG,
            "issuer": issuer,
            "validity": {"not_before": _time(not_before), "not_after": _time(not_after)},
            "subject": subject,
            "subject_public_key_info": _spki(public_key),
            "extensions": extensions,
        }
    )
    return x509.Certificate(
        {
            "tbs_certificate": tbs,
            "signature_algorithm": _SIG_ALG,
            "signature_value": _sign(tbs, issuer_key),
        }
    )


def to_pem(cert: x509.Certificate) -> str:
    return bytes(pem.armor("CERTIFICATE", cert.dump())).decode("ascii")


def load_certificate(data: bytes | str) -> x509.Certificate:
    """Parse a PEM or DER certificate; anything else → :class:`CertificateFormatError`."""
    raw = data.encode("ascii", "replace") if isinstance(data, str) else data
    try:
        if pem.detect(raw):
            kind, _, raw = pem.unarmor(raw.strip())
            if kind != "CERTIFICATE":
                raise CertificateFormatError("not a PEM certificate")
        cert = x509.Certificate.load(raw, strict=True)
        cert.native  # noqa: B018  (parse every field now, not lazily later)
    except CertificateFormatError:
        raise
    except (ValueError, TypeError, KeyError):
        raise CertificateFormatError("not an X.509 certificate") from None
    return cert


def public_key_of(cert: x509.Certificate) -> SM2PublicKey:
    spki = cert["tbs_certificate"]["subject_public_key_info"]
    alg = spki["algorithm"]
    if alg["algorithm"].dotted != EC_PUBLIC_KEY:
        raise CertificateFormatError("not an SM2 public key")
    params = alg["parameters"]
    if params.name != "named" or params.chosen.dotted != SM2_CURVE:
        raise CertificateFormatError("not an SM2 public key")
    try:
        return SM2PublicKey.from_point(bytes(spki["public_key"].native))
    except CryptoError:
        raise CertificateFormatError("not a point on the SM2 curve") from None


def public_key_from_pem(data: str) -> SM2PublicKey:
    """An SM2 public key from a PEM ``PUBLIC KEY`` (SubjectPublicKeyInfo) or a certificate."""
    raw = data.encode("ascii", "replace")
    try:
        if not pem.detect(raw):
            raise CertificateFormatError("not PEM")
        kind, _, der = pem.unarmor(raw.strip())
    except (ValueError, TypeError):
        raise CertificateFormatError("not PEM") from None
    if kind == "CERTIFICATE":
        return public_key_of(load_certificate(der))
    if kind != "PUBLIC KEY":
        raise CertificateFormatError("not a PEM public key")
    try:
        spki = keys.PublicKeyInfo.load(der, strict=True)
        alg = spki["algorithm"]
        if alg["algorithm"].dotted != EC_PUBLIC_KEY:
            raise CertificateFormatError("not an SM2 public key")
        params = alg["parameters"]
        if params.name != "named" or params.chosen.dotted != SM2_CURVE:
            raise CertificateFormatError("not an SM2 public key")
        return SM2PublicKey.from_point(bytes(spki["public_key"].native))
    except CertificateFormatError:
        raise
    except (ValueError, TypeError, KeyError, CryptoError):
        raise CertificateFormatError("not an SM2 public key") from None


def signature_verifies(cert: x509.Certificate, issuer_public: SM2PublicKey) -> bool:
    """Does ``issuer_public`` verify the SM2-with-SM3 signature of ``cert``?"""
    outer = cert["signature_algorithm"]["algorithm"].dotted
    inner = cert["tbs_certificate"]["signature"]["algorithm"].dotted
    if outer != SM2_WITH_SM3 or inner != SM2_WITH_SM3:  # RFC 5280 §4.1.1.2: must match
        return False
    signature = bytes(cert["signature_value"].native)
    return issuer_public.is_valid_signature(signature, cert["tbs_certificate"].dump())


def subject_key_id(cert: x509.Certificate) -> bytes | None:
    value = cert.key_identifier
    return bytes(value) if value is not None else None


def authority_key_id(cert: x509.Certificate) -> bytes | None:
    value = cert.authority_key_identifier
    return bytes(value) if value is not None else None


def validity(cert: x509.Certificate) -> tuple[datetime, datetime]:
    v = cert["tbs_certificate"]["validity"]
    return v["not_before"].native, v["not_after"].native


def key_usage(cert: x509.Certificate) -> set[str]:
    value = cert.key_usage_value
    return set(value.native) if value is not None else set()


def extended_key_usage(cert: x509.Certificate) -> list[str]:
    value = cert.extended_key_usage_value
    return list(value.native) if value is not None else []


# --------------------------------------------------------------------------- CRL


@dataclass(frozen=True)
class RevokedEntry:
    serial: int
    revoked_at: datetime
    reason: str


def build_crl(
    *,
    issuer: x509.Name,
    issuer_key: SM2PrivateKey,
    crl_number: int,
    this_update: datetime,
    next_update: datetime,
    entries: Iterable[RevokedEntry],
) -> crl.CertificateList:
    """A v2 CRL (RFC 5280 §5) signed with SM2-with-SM3."""
    revoked = []
    for e in entries:
        entry: dict[str, object] = {
            "user_certificate": e.serial,
            "revocation_date": _time(e.revoked_at),
        }
        # §5.3.1: the reasonCode "unspecified" SHOULD be absent.
        if e.reason != "unspecified":
            entry["crl_entry_extensions"] = [
                {"extn_id": "crl_reason", "critical": False, "extn_value": e.reason}
            ]
        revoked.append(entry)
    tbs: dict[str, object] = {
        "version": "v2",
        "signature": _SIG_ALG,
        "issuer": issuer,
        "this_update": _time(this_update),
        "next_update": _time(next_update),
        "crl_extensions": [
            {"extn_id": "crl_number", "critical": False, "extn_value": crl_number},
            {
                "extn_id": "authority_key_identifier",
                "critical": False,
                "extn_value": {"key_identifier": key_id(issuer_key.public_key())},
            },
        ],
    }
    if revoked:  # §5.1.2.6: absent, not empty, when nothing is revoked
        tbs["revoked_certificates"] = revoked
    tbs_list = crl.TbsCertList(tbs)
    return crl.CertificateList(
        {
            "tbs_cert_list": tbs_list,
            "signature_algorithm": _SIG_ALG,
            "signature": _sign(tbs_list, issuer_key),
        }
    )


def crl_signature_verifies(cert_list: crl.CertificateList, issuer_public: SM2PublicKey) -> bool:
    if cert_list["signature_algorithm"]["algorithm"].dotted != SM2_WITH_SM3:
        return False
    signature = bytes(cert_list["signature"].native)
    return issuer_public.is_valid_signature(signature, cert_list["tbs_cert_list"].dump())
