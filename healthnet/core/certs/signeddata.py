"""Detached CMS ``SignedData`` (RFC 5652) with SM2/SM3, built and parsed with ``asn1crypto``.

What is signed (RFC 5652 §5.4): the DER ``SET OF`` signed attributes —

* ``contentType`` = ``id-data`` (the document itself travels separately: detached);
* ``messageDigest`` = SM3 of the document (digestAlgorithm 1.2.156.10197.1.401, GM/T 0010 §6);
* ``signingTime`` (UTC);
* ``contentHints`` (RFC 2634 §2.9) carrying the document's media type, so a verifier knows
  what kind of document the signer committed to.

The signature is SM2-with-SM3 (1.2.156.10197.1.501) over those bytes with ``Z_A`` for the
default ID. The ``certificates`` field carries the signer certificate and its issuing CA, so a
verifier needs only our root certificate. The outer types are the PKCS #7 / CMS OIDs (as
Tongsuo and OpenSSL emit) rather than the GM/T 0010 ``1.2.156.10197.6.1.4.2.*`` aliases.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar

from asn1crypto import cms, core, x509

from healthnet.core.certs.x509 import SM2_SIGN_ALT, SM2_WITH_SM3, SM3
from healthnet.core.crypto import SM2PrivateKey, SM2PublicKey, sm3

CONTENT_HINTS = "1.2.840.113549.1.9.16.2.4"


class ContentHints(core.Sequence):  # type: ignore[misc]  # RFC 2634 §2.9
    _fields: ClassVar = [
        ("content_description", core.UTF8String, {"optional": True}),
        ("content_type", cms.ContentType),
    ]


class SignedDataError(ValueError):
    """The bytes are not a detached SM2 SignedData this module understands."""


def _cms_time(value: datetime) -> cms.Time:
    value = value.astimezone(UTC).replace(microsecond=0)
    if value.year < 2050:  # RFC 5652 §11.3: UTCTime for 1950–2049
        return cms.Time(name="utc_time", value=value)
    return cms.Time(name="generalized_time", value=value)


def build(
    *,
    content: bytes,
    content_type: str,
    key: SM2PrivateKey,
    certificate: x509.Certificate,
    chain: Sequence[x509.Certificate] = (),
    signed_at: datetime,
) -> bytes:
    """DER ``ContentInfo`` holding a detached ``SignedData`` over ``content``."""
    attrs = cms.CMSAttributes(
        [
            {"type": "content_type", "values": ["data"]},
            {"type": "message_digest", "values": [sm3(content)]},
            {"type": "signing_time", "values": [_cms_time(signed_at)]},
            {
                "type": CONTENT_HINTS,
                "values": [
                    ContentHints({"content_description": content_type, "content_type": "data"})
                ],
            },
        ]
    )
    signer = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                name="issuer_and_serial_number",
                value={"issuer": certificate.issuer, "serial_number": certificate.serial_number},
            ),
            "digest_algorithm": {"algorithm": SM3},
            "signed_attrs": attrs,
            "signature_algorithm": {"algorithm": SM2_WITH_SM3},
            "signature": b"",
        }
    )
    signer["signature"] = key.sign(_signed_bytes(signer))
    signed_data = cms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [{"algorithm": SM3}],
            "encap_content_info": {"content_type": "data"},
            "certificates": [certificate, *chain],
            "signer_infos": [signer],
        }
    )
    return bytes(cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump())


def _signed_bytes(signer: cms.SignerInfo) -> bytes:
    # RFC 5652 §5.4: the signature covers the attributes with an EXPLICIT SET OF tag, not the
    # IMPLICIT [0] they are stored under.
    return bytes(signer["signed_attrs"].untag().dump())


@dataclass(frozen=True)
class Parsed:
    signer_certificate: x509.Certificate
    certificates: list[x509.Certificate]
    message_digest: bytes
    signed_at: datetime | None
    content_type: str | None
    signature: bytes
    signed_bytes: bytes


def parse(data: bytes) -> Parsed:
    """Take a ``ContentInfo`` apart; structural problems → :class:`SignedDataError`."""
    try:
        info = cms.ContentInfo.load(data, strict=True)
        if info["content_type"].native != "signed_data":
            raise SignedDataError("not SignedData")
        sd = info["content"]
        if sd["encap_content_info"]["content"].native is not None:
            raise SignedDataError("not a detached signature")
        signers = list(sd["signer_infos"])
        if len(signers) != 1:
            raise SignedDataError("exactly one signer is expected")
        signer = signers[0]
        if signer["digest_algorithm"]["algorithm"].dotted != SM3:
            raise SignedDataError("digest algorithm is not SM3")
        if signer["signature_algorithm"]["algorithm"].dotted not in (SM2_WITH_SM3, SM2_SIGN_ALT):
            raise SignedDataError("signature algorithm is not SM2")
        certs = [c.chosen for c in sd["certificates"] if c.name == "certificate"]
        sid = signer["sid"]
        if sid.name != "issuer_and_serial_number":
            raise SignedDataError("signer is not named by issuer and serial")
        issuer = sid.chosen["issuer"]
        serial = sid.chosen["serial_number"].native
        matches = [c for c in certs if c.serial_number == serial and c.issuer == issuer]
        if not matches:
            raise SignedDataError("the signer certificate is not embedded")
        attrs = signer["signed_attrs"]
        if not attrs:
            raise SignedDataError("signed attributes are missing")
        found: dict[str, object] = {}
        for attr in attrs:
            name = attr["type"].native
            if name in found:
                raise SignedDataError(f"attribute {name} appears twice")  # RFC 5652 §5.3
            values = list(attr["values"])
            if len(values) != 1:
                raise SignedDataError(f"attribute {name} must have one value")
            found[name] = values[0]
        if found.get("content_type") is None or found["content_type"].native != "data":  # type: ignore[attr-defined]
            raise SignedDataError("content type attribute is not id-data")
        digest = found.get("message_digest")
        if digest is None:
            raise SignedDataError("message digest attribute is missing")
        signing_time = found.get("signing_time")
        hints = found.get(CONTENT_HINTS)
        content_type = None
        if hints is not None:
            parsed_hints = ContentHints.load(hints.dump())  # type: ignore[attr-defined]
            content_type = parsed_hints["content_description"].native
        return Parsed(
            signer_certificate=matches[0],
            certificates=certs,
            message_digest=bytes(digest.native),  # type: ignore[attr-defined]
            signed_at=signing_time.native if signing_time is not None else None,  # type: ignore[attr-defined]
            content_type=content_type,
            signature=bytes(signer["signature"].native),
            signed_bytes=_signed_bytes(signer),
        )
    except SignedDataError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError):
        raise SignedDataError("not a CMS SignedData structure") from None


def signature_verifies(parsed: Parsed, public_key: SM2PublicKey) -> bool:
    return public_key.is_valid_signature(parsed.signature, parsed.signed_bytes)
