"""``healthnet audit ...``: verify, checkpoint, archive, export-key, rotate-key, grants."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import typer

from healthnet.config import get_settings
from healthnet.core.audit import service
from healthnet.core.audit.grants import pg_grants_sql
from healthnet.core.crypto import CryptoError, SM2PublicKey
from healthnet.core.db import transaction, utcnow
from healthnet.core.i18n import t

app = typer.Typer(help="审计日志 audit", no_args_is_help=True)


@app.command("verify")
def verify(
    public_key: list[Path] = typer.Option(
        [],
        "--public-key",
        exists=True,
        dir_okay=False,
        help="只信任这些 PEM 公钥签名的检查点（可重复；审计员离线保存的公钥）",
    ),
    no_mac: bool = typer.Option(
        False, "--no-mac", help="不使用主密钥校验记录完整性码（离线校验时使用）"
    ),
    batch_size: int = typer.Option(10_000, "--batch-size", min=100, max=1_000_000),
) -> None:
    """Check the whole chain and every checkpoint; exit 1 and name the first bad record."""
    pinned = None
    if public_key:
        try:
            pinned = [SM2PublicKey.from_pem(p.read_bytes()) for p in public_key]
        except CryptoError:
            typer.echo("公钥文件不是 SM2 PEM 公钥", err=True)
            raise typer.Exit(2) from None
    report = service.verify(public_keys=pinned, check_mac=not no_mac, batch_size=batch_size)
    with transaction() as session:
        service.save_verification(session=session, report=report, triggered_by="cli")
    for line in report.lines():
        typer.echo(line, err=not report.ok)
    if not report.ok:
        raise typer.Exit(1)


@app.command("checkpoint")
def checkpoint(force: bool = typer.Option(False, "--force", help="即使没有新记录也签名")) -> None:
    """Sign the current chain head with the platform's SM2 key."""
    with transaction() as session:
        row = service.checkpoint(session=session, force=force)
        if row is None:
            typer.echo(t("audit.cli.checkpoint_skipped"))
        else:
            typer.echo(t("audit.cli.checkpoint_done", seq=row.seq, hash=row.head_hash))


def _parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter("日期格式应为 YYYY-MM-DD") from None


@app.command("archive")
def archive(
    before: str = typer.Option(
        ..., "--before", help="归档此日期（北京时间 0 点）之前的记录，YYYY-MM-DD"
    ),
    batch: int = typer.Option(
        50_000, "--batch", min=1000, max=1_000_000, help="每个事务移动的记录数"
    ),
) -> None:
    """Move old records to the archive table in whole ranges (nothing is deleted)."""
    day = _parse_day(before)
    cutoff = datetime.combine(day, time.min, tzinfo=ZoneInfo(get_settings().timezone))
    # Never later than now: each batch writes an audit record of its own, which a cutoff in
    # the future would then chase for ever.
    cutoff = min(cutoff, utcnow())
    total, last = 0, 0
    while True:
        with transaction() as session:
            moved, up_to = service.archive(session=session, before=cutoff, limit=batch)
        if moved == 0:
            break
        total, last = total + moved, up_to
    if total:
        typer.echo(t("audit.cli.archive_done", count=total, seq=last))
    else:
        typer.echo(t("audit.cli.archive_nothing"))


@app.command("export-key")
def export_key(
    output: Path | None = typer.Option(None, "--output", "-o", help="写入文件（默认打印）"),
) -> None:
    """Print the checkpoint public keys (PEM) for auditors to verify offline."""
    with transaction() as session:
        keys = service.signing_keys(session=session)
    text = "".join(k.public_key_pem for k in keys)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text)
        typer.echo(f"已写入 {len(keys)} 个公钥：{output}")


@app.command("rotate-key")
def rotate_key() -> None:
    """Start signing checkpoints with a new SM2 key (old checkpoints keep verifying)."""
    with transaction() as session:
        info = service.rotate_signing_key(session=session)
        service.record(
            session=session,
            actor=None,
            username="system",
            action="crypto.keys.rotate",
            resource_type="audit_signing_key",
            resource_id=info.fingerprint[:64],
            purpose="ADMIN",
        )
    typer.echo(f"新的检查点签名公钥指纹：{info.fingerprint}")


@app.command("grants")
def grants(role: str = typer.Option(..., "--role", help="应用连接数据库所用的角色名")) -> None:
    """Print the PostgreSQL GRANTs that make the audit tables append-only for ``role``."""
    try:
        typer.echo(pg_grants_sql(role), nl=False)
    except ValueError:
        typer.echo("角色名只能包含小写字母、数字和下划线", err=True)
        raise typer.Exit(2) from None
