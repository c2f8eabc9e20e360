"""SM2 certificates for staff (S1), certificate login, CRL, and document signatures (S2).

Public functions (everything other slices may call):

* CA: :func:`ca_certificates`
* certificates: :func:`issue_certificate`, :func:`renew_certificate`,
  :func:`revoke_certificate`, :func:`get_certificate`, :func:`get_certificate_by_serial`,
  :func:`list_certificates`, :func:`certificate_statistics`, :func:`check_certificate`
* CRL: :func:`current_crl`, :func:`regenerate_crl`
* login (called by the auth slice's two-stage login): :func:`new_login_challenge`,
  :func:`verify_login_response`
* signatures: :func:`sign_document`, :func:`verify_document`
* integrity: :func:`integrity_problems`
"""

from healthnet.core.certs import messages as _messages  # noqa: F401  (registers the catalogue)
from healthnet.core.certs.service.checks import (
    CertificateCheck,
    check_certificate,
    integrity_problems,
)
from healthnet.core.certs.service.common import (
    CHALLENGE_TTL,
    CRL_VALIDITY,
    DEFAULT_VALIDITY_DAYS,
    ca_certificates,
    pem_fingerprint,
)
from healthnet.core.certs.service.crl import current_crl, regenerate_crl
from healthnet.core.certs.service.issuing import (
    IssuedCertificate,
    certificate_statistics,
    certificates_of_user,
    get_certificate,
    get_certificate_by_serial,
    issue_certificate,
    list_certificates,
    renew_certificate,
    revoke_certificate,
)
from healthnet.core.certs.service.login import new_login_challenge, verify_login_response
from healthnet.core.certs.service.signatures import (
    DocumentSignature,
    VerifyResult,
    sign_document,
    verify_document,
)

__all__ = [
    "CHALLENGE_TTL",
    "CRL_VALIDITY",
    "DEFAULT_VALIDITY_DAYS",
    "CertificateCheck",
    "DocumentSignature",
    "IssuedCertificate",
    "VerifyResult",
    "ca_certificates",
    "certificate_statistics",
    "certificates_of_user",
    "check_certificate",
    "current_crl",
    "get_certificate",
    "get_certificate_by_serial",
    "integrity_problems",
    "issue_certificate",
    "list_certificates",
    "new_login_challenge",
    "pem_fingerprint",
    "regenerate_crl",
    "renew_certificate",
    "revoke_certificate",
    "sign_document",
    "verify_document",
    "verify_login_response",
]
