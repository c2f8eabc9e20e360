"""``healthnet cert ...``: sign-challenge (client side), issue, revoke, crl, list, ca."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from healthnet.core.certs import client
from healthnet.core.certs.schemas import CertificateQuery
from healthnet.core.db import transaction
from healthnet.core.errors import DomainError

app = typer.Typer(help="数字证书 SM2 certificates", no_args_is_help=True)


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code)


def _write_private(path: Path, data: str) -> None:
    # Created 0600 from the start: a private key is never world-readable, not even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(data)


@app.command("sign-challenge")
def sign_challenge(
    key: Path = typer.Option(
        ..., "--key", exists=True, dir_okay=False, help="SM2 私钥文件（PKCS #8 PEM，可加密）"
    ),
    nonce: str = typer.Option(..., "--nonce", help="服务器下发的挑战值（Base64）"),
    password: str | None = typer.Option(
        None,
        "--password",
        envvar="HEALTHNET_KEY_PASSWORD",
        help="私钥口令；省略时若私钥已加密则提示输入",
    ),
) -> None:
    """Sign a login challenge with a key file; prints the base64 DER signature."""
    pem = key.read_bytes()
    if password is None and client.key_is_encrypted(pem):
        password = typer.prompt("私钥口令", hide_input=True)
    try:
        typer.echo(client.sign_challenge(pem, nonce, password))
    except client.ClientError as exc:
        raise _fail(str(exc), 2) from None


@app.command("issue")
def issue(
    user: str = typer.Option(..., "--user", help="用户名"),
    out: Path = typer.Option(..., "--out", file_okay=False, help="输出目录"),
    purpose: str = typer.Option(
        "authentication",
        "--purpose",
        help="authentication（登录）或 signing（文档签名，密钥由平台保管）",
    ),
    public_key: Path | None = typer.Option(
        None, "--public-key", exists=True, dir_okay=False, help="使用已有公钥（PEM），不生成私钥"
    ),
    password: str | None = typer.Option(
        None,
        "--password",
        envvar="HEALTHNET_KEY_PASSWORD",
        help="生成私钥时的保护口令；省略则由平台生成并显示一次",
    ),
    days: int = typer.Option(730, "--days", min=1, max=1825, help="有效期（天）"),
) -> None:
    """Issue a certificate for USER; write the certificate, CA chain and (if generated) key."""
    from healthnet.core.auth import service as auth_service
    from healthnet.core.auth.service import SYSTEM_ACTOR
    from healthnet.core.certs import service

    out.mkdir(parents=True, exist_ok=True)
    signing = purpose == "signing"
    try:
        with transaction() as session:
            account = auth_service.find_login_user(session=session, login_name=user)
            if account is None:
                raise _fail(f"用户不存在：{user}")
            result = service.issue_certificate(
                session=session,
                actor=SYSTEM_ACTOR,
                user_id=account.id,
                purpose=purpose,
                public_key_pem=public_key.read_text() if public_key else None,
                generate_key=not signing and public_key is None,
                key_password=None if signing or public_key else password,
                validity_days=days,
            )
            username = account.username
    except DomainError as exc:
        raise _fail(exc.detail) from None
    cert = result.certificate
    (out / f"{username}.cert.pem").write_text(cert.certificate_pem)
    (out / "ca-chain.pem").write_text(result.ca_chain_pem)
    typer.echo(f"已签发证书 序列号 {cert.serial}，有效期至 {cert.not_after:%Y-%m-%d}")
    typer.echo(f"证书：{out / (username + '.cert.pem')}")
    if result.private_key_pem:
        key_path = out / f"{username}.key.pem"
        _write_private(key_path, result.private_key_pem)
        typer.echo(f"私钥（已加密）：{key_path}")
        if result.key_password:
            typer.secho(f"私钥口令（只显示这一次）：{result.key_password}", fg=typer.colors.YELLOW)


@app.command("revoke")
def revoke(
    serial: str = typer.Argument(..., help="证书序列号（十六进制）"),
    reason: str = typer.Option(
        "unspecified",
        "--reason",
        help="unspecified | key_compromise | affiliation_changed | "
        "superseded | cessation_of_operation | privilege_withdrawn",
    ),
) -> None:
    """Revoke a certificate by serial; the CRL is re-issued."""
    from healthnet.core.auth.service import SYSTEM_ACTOR
    from healthnet.core.certs import service

    try:
        with transaction() as session:
            row = service.get_certificate_by_serial(session=session, serial=serial)
            service.revoke_certificate(
                session=session, actor=SYSTEM_ACTOR, certificate_id=row.id, reason=reason
            )
    except DomainError as exc:
        raise _fail(exc.detail) from None
    typer.echo(f"已吊销证书 {serial.upper()}（{reason}），证书吊销列表已更新")


@app.command("crl")
def crl(
    out: Path | None = typer.Option(
        None, "--out", dir_okay=False, help="写入文件（DER）；省略则只显示摘要"
    ),
    refresh: bool = typer.Option(False, "--refresh", help="立即重新签发"),
) -> None:
    """Show or write the current CRL (re-issued when it nears its nextUpdate)."""
    from healthnet.core.certs import service

    with transaction() as session:
        row = (
            service.regenerate_crl(session=session)
            if refresh
            else service.current_crl(session=session)
        )
        revoked = service.list_certificates(
            session=session, query=CertificateQuery(state="revoked", page_size=1)
        ).total
    if out is not None:
        out.write_bytes(row.der)
    typer.echo(
        f"CRL 编号 {row.crl_number}，本次更新 {row.this_update:%Y-%m-%d %H:%M}Z，"
        f"下次更新 {row.next_update:%Y-%m-%d %H:%M}Z，吊销证书 {revoked} 张"
    )
    if out is not None:
        typer.echo(f"已写入 {out}")


@app.command("list")
def list_(
    user: str | None = typer.Option(None, "--user", help="用户名"),
    institution: str | None = typer.Option(None, "--institution", help="机构 ID"),
    state: str | None = typer.Option(None, "--state", help="valid | expired | revoked"),
    limit: int = typer.Option(50, "--limit", min=1, max=500),
) -> None:
    """List certificates, newest first."""
    from healthnet.core.auth import service as auth_service
    from healthnet.core.certs import service

    with transaction() as session:
        user_id = None
        if user:
            account = auth_service.find_login_user(session=session, login_name=user)
            if account is None:
                raise _fail(f"用户不存在：{user}")
            user_id = account.id
        try:
            query = CertificateQuery(
                user_id=user_id, institution_id=institution, state=state, page_size=limit
            )
        except ValueError:
            raise _fail("参数不正确：--state 应为 valid、expired 或 revoked", 2) from None
        page = service.list_certificates(session=session, query=query)
    for c in page.items:
        typer.echo(
            f"{c.serial:<34} {c.state:<8} {c.purpose:<14} {c.not_after:%Y-%m-%d}  {c.subject}"
        )
    typer.echo(f"共 {page.total} 张")


@app.command("ca")
def ca(
    out: Path | None = typer.Option(
        None, "--out", file_okay=False, help="写入根证书和签发 CA 证书的目录"
    ),
) -> None:
    """Show (and optionally write) the platform CA certificates; creates the CA on first use."""
    from healthnet.core.certs import service

    with transaction() as session:
        root_pem, issuing_pem = service.ca_certificates(session=session)
    typer.echo(f"根证书 SM3 指纹：{service.pem_fingerprint(root_pem)}")
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "healthnet-root-ca.pem").write_text(root_pem)
        (out / "healthnet-issuing-ca.pem").write_text(issuing_pem)
        typer.echo(f"已写入 {out}")
