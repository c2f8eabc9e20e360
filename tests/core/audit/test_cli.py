"""``healthnet audit ...`` as an operator runs it (committed data, own transactions)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from typer.testing import CliRunner

from healthnet.cli import app
from healthnet.core.audit.models import AuditRecord, AuditRecordArchive
from healthnet.core.crypto import SM2PrivateKey
from healthnet.core.db import transaction
from tests.core.audit.helpers import write

pytestmark = pytest.mark.usefixtures("clean_chain")
runner = CliRunner()


def _records(n: int) -> None:
    with transaction() as session:
        write(session, n)


def test_verify_passes_on_an_intact_chain() -> None:
    _records(3)
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "审计链校验通过：共 3 条记录" in result.output


def test_verify_fails_and_names_the_first_altered_record(engine: Engine) -> None:
    _records(5)
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_record SET action = 'auth.logout' WHERE seq = 2"))
        conn.execute(text("DELETE FROM audit_record WHERE seq = 4"))
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 1
    assert "审计链校验失败：发现 2 个问题" in result.output
    assert "最先出问题的记录：序号 2" in result.output
    assert "第 2 条记录被篡改" in result.output
    assert "第 4 至 4 条记录被删除" in result.output


def test_checkpoint_then_verify_against_the_exported_public_key(tmp_path: Path) -> None:
    _records(3)
    result = runner.invoke(app, ["audit", "checkpoint"])
    assert result.exit_code == 0 and "已签名检查点：序号 3" in result.output
    assert "未生成新检查点" in runner.invoke(app, ["audit", "checkpoint"]).output

    key_file = tmp_path / "audit-key.pem"
    assert runner.invoke(app, ["audit", "export-key", "-o", str(key_file)]).exit_code == 0
    assert key_file.read_text().startswith("-----BEGIN PUBLIC KEY-----")
    ok = runner.invoke(app, ["audit", "verify", "--public-key", str(key_file)])
    assert ok.exit_code == 0, ok.output

    stranger = tmp_path / "stranger.pem"
    stranger.write_bytes(SM2PrivateKey.generate().public_key().to_pem())
    bad = runner.invoke(app, ["audit", "verify", "--public-key", str(stranger)])
    assert bad.exit_code == 1 and "签名公钥不可信" in bad.output


def test_archive_moves_old_records_and_the_chain_still_verifies() -> None:
    _records(4)
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    result = runner.invoke(app, ["audit", "archive", "--before", tomorrow, "--batch", "1000"])
    assert result.exit_code == 0, result.output
    assert "已归档 4 条记录" in result.output
    with transaction() as session:
        assert session.scalar(select(func.count()).select_from(AuditRecordArchive)) == 4
        # archive() audits itself: one record about the move, still live
        assert session.scalar(select(AuditRecord.action)) == "audit.archive"
    verify = runner.invoke(app, ["audit", "verify"])
    assert verify.exit_code == 0, verify.output
    assert "其中归档 4 条" in verify.output
    assert (
        "没有需要归档的记录"
        in runner.invoke(app, ["audit", "archive", "--before", "2000-01-01"]).output
    )
    assert runner.invoke(app, ["audit", "archive", "--before", "yesterday"]).exit_code == 2


def test_rotate_key_is_audited() -> None:
    _records(1)
    assert runner.invoke(app, ["audit", "checkpoint"]).exit_code == 0
    result = runner.invoke(app, ["audit", "rotate-key"])
    assert result.exit_code == 0 and "新的检查点签名公钥指纹" in result.output
    with transaction() as session:
        assert (
            session.scalar(select(AuditRecord.action).order_by(AuditRecord.seq.desc()).limit(1))
            == "crypto.keys.rotate"
        )
    assert runner.invoke(app, ["audit", "checkpoint"]).exit_code == 0
    assert runner.invoke(app, ["audit", "verify"]).exit_code == 0


def test_grants_prints_append_only_sql() -> None:
    result = runner.invoke(app, ["audit", "grants", "--role", "healthnet_app"])
    assert result.exit_code == 0
    assert (
        'GRANT SELECT, INSERT ON "public".audit_record, "public".audit_checkpoint '
        'TO "healthnet_app";'
    ) in result.output
    assert "DELETE" not in result.output
    assert runner.invoke(app, ["audit", "grants", "--role", "x; DROP"]).exit_code == 2
