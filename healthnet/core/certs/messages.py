"""Messages of the certificate slice."""

from healthnet.core.i18n import register

MESSAGES: dict[str, tuple[str, str]] = {
    "certs.certificate": ("证书", "Certificate"),
    # login with a certificate (each refusal has its own code, SECURITY.md "two factors")
    "certs.challenge_unknown": (
        "登录挑战不存在或不属于该用户，请重新获取",
        "Unknown login challenge; request a new one",
    ),
    "certs.challenge_expired": ("登录挑战已过期，请重新获取", "The login challenge has expired"),
    "certs.challenge_reused": (
        "登录挑战已被使用，不能重复使用",
        "The login challenge was already used",
    ),
    "certs.certificate_invalid": (
        "证书格式不正确或不能用于此用途",
        "The certificate is malformed or not valid for this use",
    ),
    "certs.unknown_issuer": (
        "证书不是由本平台证书认证机构签发的",
        "The certificate was not issued by the platform CA",
    ),
    "certs.certificate_unknown": (
        "证书未在本平台登记",
        "The certificate is not registered on this platform",
    ),
    "certs.certificate_revoked": ("证书已被吊销", "The certificate has been revoked"),
    "certs.certificate_expired": (
        "证书不在有效期内（已过期或尚未生效）",
        "The certificate is expired or not yet valid",
    ),
    "certs.certificate_not_owned": (
        "证书不属于当前登录用户",
        "The certificate belongs to another user",
    ),
    "certs.signature_invalid": ("签名验证失败", "The signature does not verify"),
    "certs.certificate_tampered": (
        "证书记录的完整性校验失败，已拒绝使用",
        "The certificate record failed its integrity check",
    ),
    # issuing, renewing, revoking
    "certs.public_key_invalid": (
        "不是有效的 SM2 公钥（需要 PEM 格式的 SubjectPublicKeyInfo）",
        "Not a valid SM2 public key (PEM SubjectPublicKeyInfo expected)",
    ),
    "certs.key_choice": (
        "请提供公钥（publicKeyPem）或选择由平台生成密钥（generateKey），二者只能选其一",
        "Give either publicKeyPem or generateKey, not both",
    ),
    "certs.signing_key_custodied": (
        "签名证书的密钥由平台生成并保管，不能提交公钥或导出私钥",
        "Signing certificate keys are generated and kept by the platform",
    ),
    "certs.key_password_weak": (
        "私钥保护口令至少 8 位，且须包含字母和数字",
        "The key password needs at least 8 characters with letters and digits",
    ),
    "certs.user_inactive": ("用户已停用，不能签发证书", "The user is disabled"),
    "certs.user_not_staff": (
        "只能为工作人员签发证书（居民账号不使用证书登录）",
        "Certificates are issued to staff only",
    ),
    "certs.signing_certificate_exists": (
        "该用户已有有效的签名证书，请使用更新（续期）",
        "The user already has a valid signing certificate; renew it instead",
    ),
    "certs.already_revoked": ("证书已被吊销", "The certificate is already revoked"),
    "certs.renew_revoked": (
        "已吊销的证书不能更新，请重新签发",
        "A revoked certificate cannot be renewed; issue a new one",
    ),
    "certs.reason_not_allowed": (
        "不支持的吊销原因：{reason}",
        "Revocation reason not allowed: {reason}",
    ),
    "certs.platform_certificate": (
        "平台签名证书由系统维护，不能在此操作",
        "The platform signing certificate is managed by the system",
    ),
    "certs.ca_unavailable": (
        "证书认证机构密钥校验失败，已停止签发",
        "The CA key failed its integrity check",
    ),
    # document signatures (S2)
    "certs.no_signing_certificate": (
        "签名人没有有效的签名证书，请联系安全管理员签发",
        "The signer has no valid signing certificate",
    ),
    "certs.signature_malformed": (
        "签名数据格式不正确（需要 SM2 分离式 CMS SignedData）",
        "The signature is not a detached SM2 CMS SignedData",
    ),
    "certs.content_digest_mismatch": (
        "文档内容与签名不符（签名后内容已被修改）",
        "The document was changed after it was signed",
    ),
    "certs.base64_invalid": ("不是有效的 Base64 编码", "Not valid base64"),
    "certs.too_large": ("内容过大（上限 {limit} 字节）", "Too large (limit {limit} bytes)"),
    "certs.public_key_in_use": (
        "该公钥已用于其他用户的有效证书",
        "This public key is already certified for another user",
    ),
    "certs.content_type_invalid": (
        "内容类型格式不正确，应如 application/pdf",
        "Content type must look like application/pdf",
    ),
    "certs.content_empty": ("文档内容不能为空", "The document is empty"),
    # to-do item of the home page
    "certs.todo.expiring": (
        "30 天内到期的数字证书，请及时更新",
        "Certificates expiring within 30 days: renew them",
    ),
}

register(MESSAGES)
