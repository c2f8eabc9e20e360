"""``healthnet cert ...`` as an operator and a staff member without a USB key use it.

These commands open their own transactions, so this test commits to the test database (the
rows belong to a user created here and do not disturb other tests)."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from asn1crypto import crl as asn1_crl
from sqlalchemy import Engine
from typer.testing import CliRunner

from healthnet.cli import app
from healthnet.core.certs import service
from healthnet.core.db import transaction

runner = CliRunner()


def test_issue_sign_challenge_login_revoke_crl(engine: Engine, tmp_path: Path) -> None:
    from healthnet.core.auth import service as auth

    username = f"cli{secrets.token_hex(4)}"
    with transaction() as session:
        user_id = auth.create_user(
            session=session,
            username=username,
            display_name="赵医生",
            password="Test-pass-123",
            must_change_password=False,
        ).id

    result = runner.invoke(app, ["cert", "issue", "--user", username, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    password = re.search(r"私钥口令（只显示这一次）：(\S+)", result.output)
    assert password
    key_file = tmp_path / f"{username}.key.pem"
    cert_pem = (tmp_path / f"{username}.cert.pem").read_text()
    assert key_file.stat().st_mode & 0o077 == 0  # the key file is private
    assert "ENCRYPTED PRIVATE KEY" in key_file.read_text()

    with transaction() as session:
        challenge_id, nonce = service.new_login_challenge(session=session, user_id=user_id)
    signed = runner.invoke(
        app,
        [
            "cert",
            "sign-challenge",
            "--key",
            str(key_file),
            "--nonce",
            nonce,
            "--password",
            password.group(1),
        ],
    )
    assert signed.exit_code == 0, signed.output
    with transaction() as session:
        row = service.verify_login_response(
            session=session,
            user_id=user_id,
            challenge_id=challenge_id,
            certificate_pem=cert_pem,
            signature=signed.output.strip(),
        )
        serial = row.serial

    wrong = runner.invoke(
        app,
        [
            "cert",
            "sign-challenge",
            "--key",
            str(key_file),
            "--nonce",
            nonce,
            "--password",
            "Wrong-pass-1",
        ],
    )
    assert wrong.exit_code == 2 and "口令错误" in wrong.output

    listed = runner.invoke(app, ["cert", "list", "--user", username])
    assert listed.exit_code == 0 and serial in listed.output and "valid" in listed.output

    revoked = runner.invoke(app, ["cert", "revoke", serial, "--reason", "key_compromise"])
    assert revoked.exit_code == 0, revoked.output
    crl_file = tmp_path / "healthnet.crl"
    shown = runner.invoke(app, ["cert", "crl", "--out", str(crl_file)])
    assert shown.exit_code == 0, shown.output
    tbs = asn1_crl.CertificateList.load(crl_file.read_bytes())["tbs_cert_list"]
    assert int(serial, 16) in {e["user_certificate"].native for e in tbs["revoked_certificates"]}

    again = runner.invoke(app, ["cert", "revoke", serial])
    assert again.exit_code == 1 and "已被吊销" in again.output
    unknown = runner.invoke(app, ["cert", "issue", "--user", "nosuchuser", "--out", str(tmp_path)])
    assert unknown.exit_code == 1 and "用户不存在" in unknown.output


def test_ca_command_writes_the_certificates(engine: Engine, tmp_path: Path) -> None:
    result = runner.invoke(app, ["cert", "ca", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "healthnet-root-ca.pem").read_text().startswith("-----BEGIN CERTIFICATE")
    assert re.search(r"[0-9a-f]{64}", result.output)
