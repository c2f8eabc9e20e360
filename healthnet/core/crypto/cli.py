"""``healthnet keys``: list, ensure, rotate, retire data keys."""

from __future__ import annotations

import typer

from healthnet.core.crypto.errors import CryptoError
from healthnet.core.crypto.keys import ensure_active_key, list_keys
from healthnet.core.crypto.rotate import DEFAULT_BATCH_SIZE, key_usage, retire_key, rotate_keys

app = typer.Typer(help="数据密钥 data keys", no_args_is_help=True)

_STATE_ZH = {"active": "使用中", "decrypt_only": "仅解密", "retired": "已销毁"}


@app.command("list")
def list_cmd(
    usage: bool = typer.Option(False, "--usage", help="统计每个密钥仍保护的密文数量（全表扫描）"),
) -> None:
    """List data keys with their state (and, with --usage, how many values each protects)."""
    counts = key_usage() if usage else {}
    keys = list_keys()
    if not keys:
        typer.echo("尚无数据密钥（运行 healthnet keys ensure）")
        return
    for k in keys:
        fmt = "%Y-%m-%d %H:%M:%S"
        line = (
            f"{k.kid}  {_STATE_ZH.get(k.state, k.state):<4}  "
            f"创建 {k.created_at:{fmt}}Z  状态变更 {k.state_changed_at:{fmt}}Z"
        )
        if usage:
            line += f"  密文 {counts.get(k.kid, 0)}"
        if not k.intact:
            line += "  ⚠ 完整性校验失败（数据库中被改动）"
        typer.echo(line)


@app.command("ensure")
def ensure_cmd() -> None:
    """Create the first data key if there is none."""
    typer.echo(f"当前数据密钥：{ensure_active_key()}")


@app.command("rotate")
def rotate_cmd(
    resume: bool = typer.Option(False, "--resume", help="不新建密钥，继续上次中断的重新加密"),
    batch_size: int = typer.Option(DEFAULT_BATCH_SIZE, min=1, help="每个事务处理的行数"),
) -> None:
    """Create a new data key and re-encrypt every protected field (online, resumable)."""
    try:
        report = rotate_keys(new_key=not resume, batch_size=batch_size)
    except CryptoError as exc:
        typer.echo(f"轮换失败：{exc}", err=True)
        raise typer.Exit(1) from None
    _audit(
        "crypto.keys.rotate",
        report.active_kid,
        {"reencrypted": report.total, "failed": len(report.failed), "resume": resume},
    )
    typer.echo(f"当前数据密钥：{report.active_kid}；重新加密 {report.total} 个字段值")
    for name, n in sorted(report.reencrypted.items()):
        typer.echo(f"  {name}: {n}")
    if report.skipped_concurrent:
        typer.echo(
            f"{report.skipped_concurrent} 行在轮换期间被修改，请运行 "
            "healthnet keys rotate --resume 补齐"
        )
    if report.failed:
        typer.echo(f"{len(report.failed)} 个值无法解密（可能被篡改）：", err=True)
        for item in report.failed[:50]:
            typer.echo(f"  {item}", err=True)
        raise typer.Exit(2)


@app.command("retire")
def retire_cmd(kid: str) -> None:
    """Destroy a decrypt-only key that no stored value uses any more."""
    try:
        retire_key(kid)
    except CryptoError as exc:
        typer.echo(f"无法销毁密钥：{exc}", err=True)
        raise typer.Exit(1) from None
    _audit("crypto.keys.retire", kid, {})
    typer.echo(f"密钥 {kid} 已销毁")


def _audit(action: str, kid: str, detail: dict[str, object]) -> None:
    """Key lifecycle events go to the audit chain (SECURITY.md: every key change is audited)."""
    from healthnet.core.audit import service as audit

    audit.record_separately(
        actor=None,
        username="cli",
        action=action,
        resource_type="data_key",
        resource_id=kid,
        purpose="ADMIN",
        detail=detail,
    )
