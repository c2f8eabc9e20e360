"""SM2 certificate authority (S1) and signature service (S2).

The platform runs a two-level SM2 CA (root → issuing CA) built with ``asn1crypto`` and signed
through :mod:`healthnet.core.crypto`. It certifies staff keys for certificate login and
document signing, publishes a CRL, issues login challenges, and signs and verifies documents
as detached CMS SignedData. Other slices call :mod:`healthnet.core.certs.service`.
"""

from healthnet.core.manifest import Manifest, MenuEntry

MANIFEST = Manifest(
    key="certs",
    router="healthnet.core.certs.api:router",
    prefix="/certs",
    depends=("auth", "orgs", "audit"),
    todos="healthnet.core.certs.todos:todos",
    permissions={
        "certs:certificate:read": ("查看数字证书及统计", "View certificates and statistics"),
        "certs:certificate:issue": ("签发和更新数字证书", "Issue and renew certificates"),
        "certs:certificate:revoke": ("吊销数字证书", "Revoke certificates"),
        "certs:signature:sign": ("使用本人证书对文档电子签名", "Sign documents"),
        "certs:signature:verify": ("验证电子签名", "Verify document signatures"),
    },
    menu=(
        MenuEntry(
            key="menu.certs.certificates",
            path="/security/certificates",
            permission="certs:certificate:read",
        ),
        MenuEntry(
            key="menu.certs.statistics",
            path="/security/certificates/statistics",
            permission="certs:certificate:read",
        ),
    ),
)
